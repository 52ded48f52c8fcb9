#pragma once
// `ecsim analyze`: recompute a run's metrics from its CSV traces (or from a
// history recorded elsewhere), check them against the run's summary.csv, and
// compare two sweeps' aggregates (docs/ANALYZE.md).
#include <string>
#include <vector>

namespace ecsim {

// The `ecsim analyze` command line; returns the exit status.
int analyze_command(const std::vector<std::string>& args);

}  // namespace ecsim
