// Registration and run wiring of the clients module (one line in
// app/modules.cpp): scripted `ops:` and the `workload:` generator, routed
// through a ReplicaCoordinator when another module offers one.
#include "protocols/clients/module.hpp"

#include <fmt/format.h>
#include <fmt/ostream.h>
#include <ostream>

#include "protocols/clients/clients.hpp"
#include "protocols/clients/config.hpp"
#include "protocols/core/coordinator.hpp"

namespace ecsim {
namespace {

class Run final : public ModuleRun {
 public:
  explicit Run(ModuleWorld& w) : driver_(w.sim, w.scenario, w.store, w.keys, w.writes) {}

  void connect(Services& services) override {
    if (auto* coordinator = services.find<ReplicaCoordinator>()) driver_.use_replication(*coordinator);
  }

  void add_metrics(MetricMap& m, SimTime) const override {
    const ClientStats& c = driver_.stats();
    m["ops.total"] = static_cast<double>(c.ops);
    m["ops.failed"] = static_cast<double>(c.failed);
    m["ops.reads"] = static_cast<double>(c.reads);
    m["ops.writes"] = static_cast<double>(c.writes);
    m["ops.cache_hits"] = static_cast<double>(c.cache_hits);
    m["ops.retries"] = static_cast<double>(c.retries);
    m["ops.timeouts"] = static_cast<double>(c.timeouts);
    m["ops.lost_requests"] = static_cast<double>(c.lost_requests);
    m["ops.lost_replies"] = static_cast<double>(c.lost_replies);
  }

  // The driver's state (its stats included) is hashed as a kernel component.
  bool hash_state(StateHasher&) const override { return true; }

  void print(std::ostream& out, const MetricMap& m) const override {
    if (m.at("ops.total") > 0) fmt::print(out, "  client ops    {} ({} failed)\n", m.at("ops.total"), m.at("ops.failed"));
    if (m.at("ops.timeouts") > 0)
      fmt::print(out, "  timeouts      {} (lost: {} requests, {} replies)\n", m.at("ops.timeouts"), m.at("ops.lost_requests"),
                 m.at("ops.lost_replies"));
  }

 private:
  ClientDriver driver_;
};

}  // namespace

ModuleDef clients_module() {
  ModuleDef def;
  def.name = "clients";
  def.sections = {workload_section(), ops_section()};
  def.always = true;  // workload: and ops: are optional; with neither the driver schedules nothing
  def.metrics = {"ops.total", "ops.failed", "ops.reads", "ops.writes", "ops.cache_hits", "ops.retries", "ops.timeouts",
                 "ops.lost_requests", "ops.lost_replies"};
  def.start = [](ModuleWorld& w) { return std::make_unique<Run>(w); };
  return def;
}

}  // namespace ecsim
