// Registration and run wiring of the event_log module (one line in app/modules.cpp):
// its protocol, its workload, its checker (subscribed to the protocol's
// events), its metrics, traces and summary lines.
#include "protocols/event_log/module.hpp"

#include <cmath>
#include <fmt/format.h>
#include <fmt/ostream.h>
#include <ostream>

#include "protocols/event_log/checker.hpp"
#include "protocols/event_log/event_log.hpp"
#include "sim/simulator.hpp"

namespace ecsim {
namespace {

class Run final : public ModuleRun {
 public:
  Run(Simulator& sim, const Scenario& scenario)
      : protocol_(std::make_unique<EventLogProtocol>(scenario)),
        checker_(std::make_unique<EventLogChecker>(*scenario.section<EventLogSpec>())) {
    const std::uint16_t id = sim.add_protocol(protocol_.get());
    protocol_->events().subscribe([c = checker_.get()](const LogEvent& e) { c->on_event_log(e); });
    workload_ = std::make_unique<EventLogWorkload>(sim, scenario, *protocol_, id);
  }

  bool idle() const override { return checker_->logs_complete(); }
  // The protocol and workload are hashed by the kernel; the checker here.
  bool hash_state(StateHasher& h) const override {
    checker_->hash_state(h);
    return true;
  }

  void add_metrics(MetricMap& m, SimTime) const override {
    auto d = [](auto v) { return static_cast<double>(v); };
    const EventLogTotals t = checker_->totals();
    m["event_log.events"] = d(t.events);
    m["event_log.replicas"] = d(t.replicas);
    m["event_log.replicas_equal"] = t.replicas_equal ? 1 : 0;
    m["event_log.mismatched"] = d(t.mismatched);
    m["event_log.missing_events"] = d(t.missing_events);
    m["event_log.converged_after_s"] = t.converged_after_s;
    m["event_log.rebuilds"] = d(t.rebuilds);
    m["event_log.replayed"] = d(t.replayed);
  }

  void print(std::ostream& out, const MetricMap& m) const override {
    auto v = [&m](const char* k) { return m.at(k); };
    fmt::print(out, "  event log     {} events, {} replicas: {} differ from the union replay, {} events missing; {} rebuilds\n",
               v("event_log.events"), v("event_log.replicas"), v("event_log.mismatched"), v("event_log.missing_events"),
               v("event_log.rebuilds"));
  }

 private:
  std::unique_ptr<EventLogProtocol> protocol_;
  std::unique_ptr<EventLogChecker> checker_;
  std::unique_ptr<EventLogWorkload> workload_;
};

}  // namespace

ModuleDef event_log_module() {
  ModuleDef def;
  def.name = "event_log";
  def.sections = {event_log_section()};
  def.metrics = {
    "event_log.events",     "event_log.replicas",          "event_log.replicas_equal", "event_log.mismatched",
    "event_log.missing_events", "event_log.converged_after_s", "event_log.rebuilds",   "event_log.replayed",
};
  def.start = [](ModuleWorld& w) { return std::make_unique<Run>(w.sim, w.scenario); };
  return def;
}

}  // namespace ecsim
