#pragma once
// Applies the scenario's `faults:` at their simulated times: partitions
// (symmetric, one-way, flapping), heal, crash/restart, loss and
// duplication windows and clock steps. Each fault is a time-bounded kernel action.
#include <vector>

#include "sim/network.hpp"
#include "sim/protocol.hpp"
#include "sim/scenario.hpp"

namespace ecsim {

class Simulator;

class FaultInjector final : public Component {
 public:
  FaultInjector(Simulator& sim, const Scenario& scenario);
  void on_event(std::uint64_t x, std::uint32_t a) override;
  bool hash_state(StateHasher& h) const override;  // its schedule is in the queue; flapping links here

 private:
  enum Action : std::uint32_t { apply = 0, restart_node = 1, loss_end = 2, flap_toggle = 3, duplicate_end = 4 };
  void apply_fault(std::size_t index);
  std::string describe(const FaultSpec& f) const;

  Simulator& sim_;
  const Scenario& scenario_;
  std::uint16_t self_ = 0;
  struct Flap {
    std::size_t fault;
    Network::CutId cut = 0;  // 0 = currently connected
    bool stopped = false;
  };
  std::vector<Flap> flaps_;
};

}  // namespace ecsim
