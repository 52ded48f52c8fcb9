#pragma once
// `ecsim analyze`: recompute a run's metrics from its CSV traces (or from a
// history recorded elsewhere), check them against the run's summary.csv, and
// compare two sweeps' aggregates (docs/ANALYZE.md).
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "analysis/trace_analysis.hpp"  // TraceInputs

namespace ecsim {

struct Scenario;
struct MessageChoice;

// The scenario's partial replication as TraceInputs::replicas_of wants it
// (each key's replicas by key name); empty when every node holds every key.
std::function<std::vector<std::uint32_t>(std::string_view)> key_replicas(const Scenario& scenario);

// A run directory's traces (ops.csv, applied.csv, events.csv: those present;
// `ops` empty when ops.csv is absent) with the node order and the key
// placement of its scenario.resolved.yaml when that loads; with `choices`,
// also that scenario's `choices:` (for the plot).
TraceInputs run_dir_inputs(const std::string& dir, std::vector<MessageChoice>* choices = nullptr);

// The `ecsim analyze` command line; returns the exit status.
int analyze_command(const std::vector<std::string>& args);

}  // namespace ecsim
