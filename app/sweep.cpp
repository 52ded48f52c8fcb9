// `ecsim sweep`: run a plan (sweep_plan.hpp) in a thread pool with per-run
// atomic records (sweep_run.hpp, sweep_records.hpp), or merge the records of
// shards; then assemble runs.csv / aggregate.csv and check the sweep's
// expect: assertions (sweep_output.hpp). See sweep.hpp and docs/SWEEPS.md.
#include "app/sweep.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <ostream>
#include <stdexcept>

#include <fmt/format.h>
#include <fmt/ostream.h>

#include "app/memory_estimate.hpp"
#include "app/sweep_output.hpp"
#include "app/sweep_plan.hpp"
#include "app/sweep_records.hpp"
#include "app/sweep_run.hpp"
#include "sim/scenario_loader.hpp"

namespace ecsim {

namespace fs = std::filesystem;
using namespace sweep_detail;

namespace {

// The shard's runs without a record (all of them with opt.rerun); counts the others in result.runs_skipped.
std::vector<std::uint64_t> pending_runs(const SweepPlan& plan, const fs::path& dir,
                                        const std::vector<std::uint64_t>& keys, const SweepOptions& opt,
                                        SweepResult& result) {
  std::vector<std::uint64_t> pending;
  for (std::uint64_t key : keys) {
    if (!opt.rerun && read_record(plan, record_path(dir, key), key)) ++result.runs_skipped;
    else pending.push_back(key);
  }
  return pending;
}

// The threads that run `runs` runs with --jobs `jobs`: at least 1, at most one per run.
unsigned threads_for(unsigned jobs, std::size_t runs) {
  return std::max(1u, std::min<unsigned>(jobs, static_cast<unsigned>(std::max<std::size_t>(1, runs))));
}

// Refuses the sweep before its runs start when a point's memory estimate
// exceeds its share of the memory available (`jobs` runs at a time).
void refuse_if_too_big(const SweepPlan& plan, unsigned jobs) {
  const MemoryAvailable available = memory_available_per_run(jobs);
  for (std::size_t i = 0; i < plan.points.size(); ++i)
    if (const auto refusal = memory_refusal(memory_need(plan.points[i].scenario), available))
      throw ScenarioError(plan.file, 0, 0, fmt::format("sweep point {}: {}", point_label(plan, i), *refusal));
}

void print_start(const SweepPlan& plan, const SweepOptions& opt, const fs::path& dir, const SweepResult& result,
                 std::size_t pending, unsigned jobs, std::ostream& out) {
  fmt::print(out, "ecsim sweep: {} ({}), base {}\n", plan.name, plan.file, plan.base_file);
  fmt::print(out, "  {} point{} x {} seed{} = {} runs", plan.points.size(), plan.points.size() == 1 ? "" : "s",
             plan.seeds.size(), plan.seeds.size() == 1 ? "" : "s", plan.runs.size());
  if (plan.keys.size() != plan.runs.size()) fmt::print(out, " ({} distinct)", plan.keys.size());
  if (opt.shard_count > 1) fmt::print(out, "; shard {}/{}: {} runs", opt.shard_index, opt.shard_count, result.runs_planned);
  fmt::print(out, "\n");
  if (result.runs_skipped)
    fmt::print(out, "  {} already finished in {} (skipped); {} to run\n", result.runs_skipped, dir.string(), pending);
  if (pending) fmt::print(out, "  running {} runs on {} thread{}\n", pending, jobs, jobs == 1 ? "" : "s");
  out.flush();
}

// After every run of the shard finished: a shard stops here; a whole sweep
// assembles its outputs from the records.
SweepResult finish(const SweepPlan& plan, const SweepOptions& opt, const fs::path& dir, SweepResult result,
                   std::ostream& out) {
  if (opt.shard_count > 1) {
    if (!opt.quiet)
      fmt::print(out, "shard {}/{} done; when every shard is done: ecsim sweep {} --merge SHARD_DIR... --out DIR\n",
                 opt.shard_index, opt.shard_count, plan.file);
    return result;
  }
  std::vector<std::uint64_t> missing;
  const auto records = load_records(plan, dir, &missing);
  if (!missing.empty()) {
    // Written by us a moment ago: only a concurrent writer or a full disk gets here.
    fmt::print(stderr, "ecsim sweep: error: {} run records are missing or unreadable in {}\n", missing.size(), dir.string());
    result.exit_code = 2;
    return result;
  }
  result.exit_code = assemble(plan, dir, records, opt.quiet, out, result.expectations);
  result.complete = true;
  return result;
}

std::runtime_error missing_runs_error(const SweepPlan& plan, const std::vector<std::uint64_t>& missing) {
  std::string list;
  for (std::size_t i = 0; i < missing.size() && i < 5; ++i) list += "\n  " + describe_run(plan, missing[i]);
  if (missing.size() > 5) list += fmt::format("\n  ... and {} more", missing.size() - 5);
  return std::runtime_error(fmt::format("cannot merge: {} of {} runs have no record in the given directories "
                                        "(a shard is missing or unfinished; re-run it, it resumes):{}",
                                        missing.size(), plan.keys.size(), list));
}

}  // namespace

SweepResult run_sweep(const SweepPlan& plan, const SweepOptions& opt, std::ostream& out) {
  SweepResult result;
  result.out_dir = opt.out_dir.empty() ? default_out_dir(plan) : opt.out_dir;
  const fs::path dir(result.out_dir);
  const std::vector<std::uint64_t> keys = shard_keys(plan, opt.shard_index, opt.shard_count);
  // Before the output directory: as if every run of the shard were pending.
  refuse_if_too_big(plan, threads_for(opt.jobs, keys.size()));
  prepare_dir(dir);
  write_plan_csv(dir, plan);
  result.runs_planned = keys.size();
  const std::vector<std::uint64_t> pending = pending_runs(plan, dir, keys, opt, result);
  const unsigned jobs = threads_for(opt.jobs, pending.size());
  if (!opt.quiet) print_start(plan, opt, dir, result, pending.size(), jobs, out);

  const auto start = std::chrono::steady_clock::now();
  const std::vector<std::string> errors = run_pending(plan, dir, pending, jobs, opt);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  result.runs_failed = errors.size();
  result.runs_done = pending.size() - errors.size();
  if (!opt.quiet && !pending.empty())
    fmt::print(out, "  finished {} runs in {:.2f} s ({:.1f} runs/s)\n", result.runs_done, wall,
               wall > 0 ? static_cast<double>(result.runs_done) / wall : 0.0);
  if (!errors.empty()) {
    for (const std::string& e : errors) fmt::print(stderr, "ecsim sweep: error: {}\n", e);
    fmt::print(stderr, "ecsim sweep: {} of {} runs failed; the others are recorded in {} (re-run to retry)\n",
               errors.size(), pending.size(), dir.string());
    result.exit_code = 2;
    return result;
  }
  return finish(plan, opt, dir, result, out);
}

SweepResult merge_sweep(const SweepPlan& plan, const std::vector<std::string>& shard_dirs, const SweepOptions& opt,
                        std::ostream& out) {
  SweepResult result;
  result.out_dir = opt.out_dir.empty() ? default_out_dir(plan) : opt.out_dir;
  const fs::path dir(result.out_dir);
  for (const std::string& s : shard_dirs)
    if (!fs::is_directory(fs::path(s) / "runs"))
      throw std::runtime_error(fmt::format("'{}' is not a sweep directory (it has no runs/ folder)", s));
  prepare_dir(dir);
  const std::size_t foreign = copy_shard_records(plan, dir, shard_dirs);
  std::vector<std::uint64_t> missing;
  const auto records = load_records(plan, dir, &missing);
  result.runs_planned = plan.keys.size();
  result.runs_skipped = records.size();
  if (!missing.empty()) throw missing_runs_error(plan, missing);
  if (!opt.quiet) {
    fmt::print(out, "ecsim sweep: merged {} runs of {} from {} director{} into {}\n", records.size(), plan.name,
               shard_dirs.size(), shard_dirs.size() == 1 ? "y" : "ies", dir.string());
    if (foreign) fmt::print(out, "  ({} records of other sweeps ignored)\n", foreign);
  }
  write_plan_csv(dir, plan);
  result.exit_code = assemble(plan, dir, records, opt.quiet, out, result.expectations);
  result.complete = true;
  return result;
}

}  // namespace ecsim
