#pragma once
// A module is one folder under protocols/ (docs/WRITING_A_PROTOCOL.md). It
// owns its configuration sections (sim/section.hpp), its part of a run
// (protocols, workload components, checkers), its metrics and one
// registration line in the app's module list (app/modules.cpp).
//
// One wiring mechanism for every module: when a scenario has one of a
// module's sections, the runner calls its `start`, which adds protocols and
// components to the simulator and returns a ModuleRun; modules reach each
// other only through interfaces offered in Services (e.g. the quorum's
// ReplicaCoordinator, protocols/core/coordinator.hpp).
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <string>
#include <string_view>
#include <typeindex>
#include <utility>
#include <vector>

#include "sim/metrics.hpp"
#include "sim/section.hpp"
#include "sim/time.hpp"

namespace ecsim {

class Simulator;
class StateHasher;  // sim/state_hash.hpp
class ReplicaStore;
class KeySpace;
class WriteTable;
struct Scenario;

// Interfaces modules offer each other, by type. A module offers in `start`
// and looks up in ModuleRun::connect (after every module started).
class Services {
 public:
  template <class T>
  void provide(T* service) { items_.emplace_back(std::type_index(typeid(T)), service); }
  template <class T>
  T* find() const {
    for (const auto& [type, p] : items_)
      if (type == std::type_index(typeid(T))) return static_cast<T*>(p);
    return nullptr;
  }

 private:
  std::vector<std::pair<std::type_index, void*>> items_;
};

// What a module's start sees: the kernel to add protocols and components to,
// the resolved scenario, and the shared replicated key-value world.
struct ModuleWorld {
  Simulator& sim;
  const Scenario& scenario;
  ReplicaStore& store;  // the replicas' data (store.type)
  KeySpace& keys;
  WriteTable& writes;
  Services& services;
};

// Where a module's trace files go: the path for an output.traces name, or ""
// when the run does not write it (hash the content anyway).
using TracePath = std::function<std::string(std::string_view name)>;

// One module's part of one run.
class ModuleRun {
 public:
  virtual ~ModuleRun() = default;
  // Every module has started: look up the interfaces of others.
  virtual void connect(Services&) {}
  // Nothing left to settle (stop: converged/quiescent wait for every module).
  virtual bool idle() const { return true; }
  // stop: quiescent ends a run after this long without state changes (the
  // largest over the modules; 1 s when none asks).
  virtual SimTime quiet_window_ns() const { return 0; }
  // The module's metrics (ModuleDef::metrics), NaN where one does not apply
  // (the runner sets every declared metric to NaN first: one left unset is empty).
  virtual void add_metrics(MetricMap& m, SimTime end_ns) const {}
  // Writes the module's traces and returns `hash` chained with what it wrote.
  virtual std::uint64_t write_traces(const TracePath& path, std::uint64_t hash) const { return hash; }
  // Lines of the human summary.
  virtual void print(std::ostream& out, const MetricMap& m) const {}
  // State hashing (`ecsim explore --exhaustive`, sim/state_hash.hpp): what
  // this run holds beyond its protocols and components (which the kernel
  // hashes) and that its metrics, idle() or traces checkers read: its
  // checkers' state. False (the default): cannot, pruning is off.
  virtual bool hash_state(StateHasher& h) const { return false; }
};

// When a module starts relative to the kernel's fault injector and the other
// modules: replication protocols first, applications (clients, sagas, ...) after.
enum class ModuleStage : std::uint8_t { replication, application };

struct ModuleDef {
  std::string name;
  std::vector<SectionDef> sections;
  std::vector<std::string> metrics;  // summary.csv order; present when the module runs
  ModuleStage stage = ModuleStage::application;
  // Builds the module's part of a run; called when the scenario has any of its sections.
  std::function<std::unique_ptr<ModuleRun>(ModuleWorld&)> start;
  // Optional: runs on every scenario (sections present or not), e.g. clients, whose
  // workload section is optional.
  bool always = false;
};

// The ModuleRun of a module that is one Protocol over the replica store
// (gossip, merkle, quorum): registers it with the kernel, reports its
// Protocol::summary_metrics.
class ProtocolRun : public ModuleRun {
 public:
  using Printer = std::function<void(std::ostream&, const MetricMap&)>;
  ProtocolRun(Simulator& sim, std::unique_ptr<class Protocol> protocol, SimTime quiet_window_ns = 0,
              Printer print = nullptr);
  ~ProtocolRun() override;
  class Protocol& protocol() const { return *protocol_; }
  std::uint16_t protocol_id() const { return id_; }
  SimTime quiet_window_ns() const override { return quiet_window_ns_; }
  void add_metrics(MetricMap& m, SimTime end_ns) const override;
  // Its metrics and idle() read only the protocol, which the kernel hashes.
  bool hash_state(StateHasher&) const override { return true; }
  void print(std::ostream& out, const MetricMap& m) const override {
    if (print_) print_(out, m);
  }

 private:
  std::unique_ptr<class Protocol> protocol_;
  std::uint16_t id_;
  SimTime quiet_window_ns_;
  Printer print_;
};

class ModuleRegistry {
 public:
  // Fails (std::invalid_argument) on a duplicate module name, section or metric.
  void add(ModuleDef def);
  const std::vector<ModuleDef>& modules() const { return modules_; }
  const SectionTable& sections() const { return sections_; }
  // Every module's metrics, in registration order.
  std::vector<std::string> metrics() const;
  // The module reporting `metric`, or nullptr.
  const ModuleDef* owner_of(std::string_view metric) const;
  // True when the scenario has one of the module's sections (or it always runs).
  static bool active(const ModuleDef& def, const Scenario& scenario);

 private:
  std::vector<ModuleDef> modules_;
  SectionTable sections_;
};

}  // namespace ecsim
