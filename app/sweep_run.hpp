#pragma once
// `ecsim sweep`'s execution: a pool of threads in this process runs the
// pending runs, each an independent Simulator, and records each finished run
// (app/sweep_records.hpp) as it ends; progress goes to stderr.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "app/sweep.hpp"

namespace ecsim::sweep_detail {

// Runs `pending` (run keys of `plan`) on `jobs` threads, writing each
// finished run's record into DIR/runs/ (and its traces into
// DIR/traces/<key>/ with opt.keep_traces); a live progress bar or progress
// lines on stderr as opt says. Returns the failed runs' errors, sorted.
std::vector<std::string> run_pending(const SweepPlan& plan, const std::filesystem::path& dir,
                                     const std::vector<std::uint64_t>& pending, unsigned jobs, const SweepOptions& opt);

}  // namespace ecsim::sweep_detail
