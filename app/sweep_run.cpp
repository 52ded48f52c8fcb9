// `ecsim sweep`'s runs on the thread pool (app/parallel.hpp). See sweep_run.hpp.
#include "app/sweep_run.hpp"

#include <algorithm>
#include <map>
#include <mutex>
#include <sstream>

#include <fmt/format.h>

#include "app/parallel.hpp"
#include "app/progress.hpp"
#include "app/runner.hpp"
#include "app/sweep_plan.hpp"
#include "app/sweep_records.hpp"

namespace ecsim::sweep_detail {

namespace fs = std::filesystem;

namespace {

// Runs one run and records it; the error message when it fails, else "".
std::string run_one(const SweepPlan& plan, const fs::path& dir, const SweepRun& run, bool keep_traces) {
  try {
    Scenario s = plan.points[run.point].scenario;
    s.seed = run.seed;
    s.checks.expect.clear();  // per-run assertions do not apply in a sweep; the sweep has its own
    RunSettings settings;
    settings.quiet = true;
    settings.write_outputs = keep_traces;
    settings.modules = plan.modules;
    if (keep_traces) s.output.dir = (dir / "traces" / trace_dir_name(plan, run)).string();
    std::ostringstream sink;
    const RunOutcome outcome = run_scenario(s, settings, sink);
    write_record(plan, dir, run.key, run.seed, outcome);
    return "";
  } catch (const std::exception& e) {
    return fmt::format("run {} ({}): {}", key_hex(run.key), describe_run(plan, run.key), e.what());
  }
}

}  // namespace

std::vector<std::string> run_pending(const SweepPlan& plan, const fs::path& dir, const std::vector<std::uint64_t>& pending,
                                     unsigned jobs, const SweepOptions& opt) {
  std::map<std::uint64_t, const SweepRun*> run_of;
  for (const SweepRun& r : plan.runs) run_of.try_emplace(r.key, &r);
  std::mutex mu;
  std::vector<std::string> errors;
  Progress progress("ecsim sweep", pending.size(), opt.progress, opt.quiet);
  // Every run is an independent Simulator: the order in which they finish is irrelevant.
  parallel_for(
      pending.size(), jobs,
      [&](std::size_t i) {
        std::string error = run_one(plan, dir, *run_of.at(pending[i]), opt.keep_traces);
        if (error.empty()) return;
        std::lock_guard lock(mu);
        errors.push_back(std::move(error));
      },
      &progress);
  std::sort(errors.begin(), errors.end());
  return errors;
}

}  // namespace ecsim::sweep_detail
