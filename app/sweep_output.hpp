#pragma once
// `ecsim sweep`'s results: runs.csv (one row per run) and aggregate.csv (per
// point and metric: n, mean, stddev, min, p50, p95, max, 95% CI), assembled
// from the run records in plan order, a short table on the terminal, and the
// sweep's expect: verdict.
#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <map>
#include <vector>

#include "app/sweep.hpp"
#include "app/sweep_records.hpp"

namespace ecsim::sweep_detail {

// Writes DIR/runs.csv and DIR/aggregate.csv from `records` (one for every
// run of the plan); unless `quiet`, prints the first metric per point and
// the outputs' paths. Returns the expect: status: 0 passed (or none), 1 failed;
// `outcomes` receives one verdict per assertion.
int assemble(const SweepPlan& plan, const std::filesystem::path& dir, const std::map<std::uint64_t, Record>& records,
             bool quiet, std::ostream& out, std::vector<ExpectOutcome>& outcomes);

}  // namespace ecsim::sweep_detail
