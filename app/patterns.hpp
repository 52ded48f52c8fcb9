#pragma once
// Wires a scenario's application patterns into a run (docs/SAGAS.md):
// `sagas:` (SagaProtocol + arrivals + SagaChecker), `reconciliation:`
// (ReconciliationProtocol + driver + ReconcileChecker) and `event_log:`
// (EventLogProtocol + appends + EventLogChecker). The runner creates one
// PatternRun next to its other components; with none of the sections it
// does nothing and adds nothing to the outputs.
//
// These protocols are not anti-entropy protocols over the shared replica
// store (the ProtocolRegistry's factories), and each needs its own workload
// component and checker, so they are wired here, explicitly, by section.
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "analysis/expect.hpp"
#include "sim/scenario.hpp"

namespace ecsim {

class Simulator;

class PatternRun {
 public:
  // Adds the protocols, workloads and checkers of the sections present.
  PatternRun(Simulator& sim, const Scenario& scenario);
  ~PatternRun();
  PatternRun(const PatternRun&) = delete;
  PatternRun& operator=(const PatternRun&) = delete;

  bool active() const;
  // Nothing left to settle: every saga arrived and finished, no copy is
  // wrong, every event-log replica holds every event (for stop rules).
  bool idle() const;
  // The metrics of the sections present, in summary.csv order.
  std::vector<std::string> metric_names() const;
  void add_metrics(MetricMap& m, SimTime end_ns) const;
  // Writes sagas.csv / repairs.csv (an empty path: hash only) and returns
  // `hash` chained with the hashes of what the sections wrote.
  std::uint64_t write_traces(const std::string& sagas_path, const std::string& repairs_path, std::uint64_t hash) const;
  // Human summary lines.
  void print(std::ostream& out, const MetricMap& m) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Every metric a section can report (for expect: validation).
const std::vector<std::string>& pattern_metric_names();
// The section `metric` needs when the scenario lacks it ("sagas", ...), or ""
// (present, or not a pattern metric).
std::string pattern_metric_missing_section(const Scenario& scenario, const std::string& metric);

}  // namespace ecsim
