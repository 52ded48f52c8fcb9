// The `ecsim sweep` command line: options, --plan, and the choice between
// running and merging. See sweep.hpp and docs/SWEEPS.md.
#include "app/sweep.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <thread>
#include <tuple>
#include <unistd.h>

#include <boost/program_options.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "app/ci_reports.hpp"
#include "app/build_info.hpp"
#include "app/command_line.hpp"
#include "app/sweep_plan.hpp"
#include "app/sweep_records.hpp"
#include "sim/strings.hpp"

namespace ecsim {

namespace fs = std::filesystem;
namespace po = boost::program_options;
using namespace sweep_detail;

namespace {

po::options_description sweep_options() {
  po::options_description d(
      "ecsim sweep FILE [options]\n"
      "ecsim sweep FILE --merge SHARD_DIR... [--out DIR]\n\n"
      "Runs the base scenario of sweep FILE at every grid point x seed, records each finished run in DIR/runs/,\n"
      "and writes DIR/runs.csv (one row per run) and DIR/aggregate.csv (per point and metric: n, mean, stddev,\n"
      "min, p50, p95, max, 95% CI). Re-running the same command resumes: finished runs are skipped.\n"
      "Results do not depend on --jobs or --shard. The sweep file format: docs/SWEEPS.md.\n\n"
      "Exit status: 0 ok, 1 a sweep expect: assertion failed, 2 bad input or a failed run.\n\n"
      "Options");
  d.add_options()
      ("help,h", "show this help")
      ("jobs,j", po::value<unsigned>()->value_name("J"), "runs in parallel (threads; default: the number of CPUs)")
      ("out,o", po::value<std::string>()->value_name("DIR"), "sweep directory (default out/sweeps/<name>)")
      ("shard", po::value<std::string>()->value_name("I/N"), "I/N: run only the I-th of N slices (1 <= I <= N), for a cluster "
                                           "scheduler; then --merge the shard directories")
      ("merge", po::value<std::vector<std::string>>()->multitoken()->value_name("DIR..."),
       "join the run records of these sweep directories into --out and write runs.csv and aggregate.csv")
      ("traces", "keep each run's traces (events, ops, convergence, summary) in DIR/traces/<run>/")
      ("rerun", "run everything again, ignoring finished runs")
      ("plan,n", "run nothing: print the plan (parameters, points, runs, what is already finished), create DIR "
                 "and write DIR/plan.csv")
      ("junit", po::value<std::string>()->value_name("FILE"),
       "also write a JUnit XML report to FILE: one test case per sweep expect: assertion (not with --shard: "
       "assertions are evaluated at --merge)")
      ("quiet,q", "print nothing but errors")
      ("no-progress", "no live progress bar (plain progress lines are printed when stderr is not a terminal)");
  return d;
}

void print_plan(const SweepPlan& plan, const SweepOptions& opt) {
  const fs::path dir(opt.out_dir.empty() ? default_out_dir(plan) : opt.out_dir);
  prepare_dir(dir);
  write_plan_csv(dir, plan);
  fmt::print("sweep {} ({}), base {}\n", plan.name, plan.file, plan.base_file);
  fmt::print("parameters: {}\n", plan.params.empty() ? "none" : join(plan.params));
  fmt::print("seeds: {}\n", plan.seeds.size() <= 10 ? fmt::format("{}", fmt::join(plan.seeds, ", "))
                                                     : fmt::format("{} .. {} ({})", plan.seeds.front(), plan.seeds.back(), plan.seeds.size()));
  fmt::print("metrics: {}\n", join(plan.metrics));
  fmt::print("points: {}\n", plan.points.size());
  for (std::size_t p = 0; p < plan.points.size() && p < 50; ++p) fmt::print("  {:>4}  {}\n", p, point_label(plan, p));
  if (plan.points.size() > 50) fmt::print("  ... and {} more\n", plan.points.size() - 50);
  fmt::print("runs: {} ({} distinct), listed in {}\n", plan.runs.size(), plan.keys.size(), (dir / "plan.csv").string());
  const auto keys = shard_keys(plan, opt.shard_index, opt.shard_count);
  std::size_t finished = 0;
  for (std::uint64_t k : keys) finished += read_record(plan, record_path(dir, k), k).has_value();
  if (opt.shard_count > 1) fmt::print("shard {}/{}: {} runs\n", opt.shard_index, opt.shard_count, keys.size());
  fmt::print("finished in {}: {} of {}\n", dir.string(), finished, keys.size());
}

std::string reproduce_command(const std::string& file, const SweepResult& r) {
  return fmt::format("ecsim sweep {} --out {}", cli::shell_quote(file), cli::shell_quote(r.out_dir));
}

// One test case per sweep assertion; a sweep that could not finish its runs is one error case.
JunitSuite sweep_junit_suite(const SweepPlan& plan, const SweepResult& r, const std::string& reproduce, double wall_s) {
  JunitSuite suite;
  suite.name = plan.name;
  suite.file = plan.file;
  suite.time_s = wall_s;
  suite.properties = {{"runs", std::to_string(plan.keys.size())}, {"points", std::to_string(plan.points.size())},
                      {"seeds", std::to_string(plan.seeds.size())}, {"build", build_line()}, {"reproduce", reproduce}};
  const std::string classname = "ecsim.sweep." + plan.name;
  if (!r.complete) {
    const std::string message = fmt::format("{} of {} runs failed: no aggregates, no assertion evaluated", r.runs_failed,
                                            plan.keys.size());
    suite.cases.push_back({"every run finishes", classname, JunitCase::Verdict::error, message,
                           fmt::format("{}\nreproduce: {}\n", message, reproduce)});
    return suite;
  }
  suite.cases = junit_cases(r.expectations, classname, plan.file, reproduce);
  return suite;
}

}  // namespace

int sweep_command(const std::vector<std::string>& args) {
  return cli::run_command("sweep", [&] {
    const auto desc = sweep_options();
    const cli::ParsedArgs p = cli::parse_args(desc, args);
    const po::variables_map& vm = p.vm;
    if (vm.count("help")) {
      std::cout << desc << "\n";
      return cli::kExitOk;
    }
    if (p.positional.empty()) throw po::error("sweep needs a sweep FILE");
    if (p.positional.size() > 1)
      throw po::error(fmt::format("expected one sweep FILE, got {} ({}); shard directories go after --merge",
                                  p.positional.size(), join(p.positional)));
    SweepOptions opt;
    opt.jobs = vm.count("jobs") ? vm["jobs"].as<unsigned>() : std::max(1u, std::thread::hardware_concurrency());
    if (opt.jobs == 0) throw po::error("--jobs must be at least 1");
    if (vm.count("out")) opt.out_dir = vm["out"].as<std::string>();
    if (vm.count("shard")) std::tie(opt.shard_index, opt.shard_count) = cli::parse_shard(vm["shard"].as<std::string>());
    opt.keep_traces = vm.count("traces") > 0;
    opt.rerun = vm.count("rerun") > 0;
    opt.quiet = vm.count("quiet") > 0;
    opt.progress = !opt.quiet && !vm.count("no-progress") && isatty(STDERR_FILENO);
    if (vm.count("merge") && vm.count("shard")) throw po::error("--merge and --shard do not go together");
    if (vm.count("junit") && opt.shard_count > 1)
      throw po::error("--junit and --shard do not go together: a shard evaluates no assertion; pass --junit to --merge");

    const SweepPlan plan = load_sweep(p.positional.front());
    if (vm.count("plan")) {
      print_plan(plan, opt);
      return cli::kExitOk;
    }
    const auto start = std::chrono::steady_clock::now();
    const SweepResult r = vm.count("merge") ? merge_sweep(plan, vm["merge"].as<std::vector<std::string>>(), opt, std::cout)
                                            : run_sweep(plan, opt, std::cout);
    if (vm.count("junit")) {
      const double wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      write_junit(vm["junit"].as<std::string>(), sweep_junit_suite(plan, r, reproduce_command(p.positional.front(), r), wall_s));
    }
    return r.exit_code;
  });
}

}  // namespace ecsim
