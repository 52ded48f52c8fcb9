// The `ecsim explore` command line. See explore.hpp and docs/EXPLORE.md.
#include <iostream>
#include <thread>
#include <tuple>
#include <unistd.h>

#include <boost/program_options.hpp>
#include <fmt/format.h>

#include "app/command_line.hpp"
#include "app/explore.hpp"
#include "sim/scenario_loader.hpp"
#include "sim/strings.hpp"
#include "sim/units.hpp"

namespace ecsim {

namespace po = boost::program_options;

namespace {

po::options_description explore_options() {
  po::options_description d(
      "ecsim explore FILE [options]\n\n"
      "Runs the base scenario of explore FILE many times, each run with its own seed, fault schedule (drawn from\n"
      "nemesis:) and sample: values, and checks the properties (expect:) after every run. Every failing run is\n"
      "replayed to check that it is deterministic; the first failure of each property is shrunk to a minimal\n"
      "scenario, written as DIR/min-K.yaml with its traces in DIR/min-K/. DIR also holds runs.csv (every run)\n"
      "and counterexamples.csv. Results do not depend on --jobs or --shard. The format: docs/EXPLORE.md.\n\n"
      "Exit status: 0 no property broke within the budget, 1 a property broke, 2 bad input or a run that could\n"
      "not run, 3 a failing run was not deterministic (a simulator bug; see DIR/nondeterminism.txt).\n\n"
      "Options");
  d.add_options()
      ("help,h", "show this help")
      ("jobs,j", po::value<unsigned>()->value_name("J"), "runs in parallel (threads; default: the number of CPUs)")
      ("runs", po::value<std::uint64_t>()->value_name("N"), "budget: runs to make (default: the file's runs:, else 1000)")
      ("time-budget", po::value<std::string>()->value_name("T"),
       "stop starting runs after wall-clock time T (e.g. 60s); the runs made are then runs 0..k-1")
      ("sim-time-budget", po::value<std::string>()->value_name("T"),
       "make runs 0..k-1 for the least k whose simulated time adds up to T (e.g. 1h; with --shard, T/N per "
       "shard); unlike --time-budget the runs made do not depend on the machine")
      ("shard", po::value<std::string>()->value_name("I/N"),
       "I/N: make only runs i with i mod N = I-1, for a cluster scheduler; each shard shrinks its own first failures")
      ("out,o", po::value<std::string>()->value_name("DIR"), "output directory (default out/explore/<name>)")
      ("plan,n", "run nothing: check FILE and its base scenario and print what would be explored")
      ("exhaustive", "instead of random runs: breadth-first search over which messages are dropped, duplicated "
                     "or delayed, or whose sender crashes right after sending them, within the file's exhaustive: "
                     "bound; the shortest schedule that breaks a property (DIR default out/explore/<name>-exhaustive)")
      ("no-shrink", "write the first failing run of each property as it is, without shrinking")
      ("quiet,q", "print only failures and errors")
      ("no-progress", "no live progress bar");
  return d;
}

// Not shown in --help: for the test of the replay self-check only.
po::options_description hidden_options() {
  po::options_description d;
  d.add_options()("test-inject-nondeterminism", "");
  return d;
}

// A positive duration option in seconds (`absent` when not given).
double duration_option(const po::variables_map& vm, const char* name, double absent) {
  if (!vm.count(name)) return absent;
  const std::string t = vm[name].as<std::string>();
  double s = 0;
  try {
    s = static_cast<double>(parse_duration(t)) / kSecond;
  } catch (const std::invalid_argument& e) {
    throw po::error(fmt::format("--{}: {}", name, e.what()));
  }
  if (s <= 0) throw po::error(fmt::format("--{} must be positive, e.g. 60s", name));
  return s;
}

ExploreOptions read_options(const po::variables_map& vm) {
  ExploreOptions opt;
  opt.jobs = vm.count("jobs") ? vm["jobs"].as<unsigned>() : std::max(1u, std::thread::hardware_concurrency());
  if (opt.jobs == 0) throw po::error("--jobs must be at least 1");
  if (vm.count("runs")) {
    opt.runs = vm["runs"].as<std::uint64_t>();
    if (opt.runs == 0) throw po::error("--runs must be at least 1");
  }
  opt.time_budget_s = duration_option(vm, "time-budget", -1);
  opt.sim_time_budget_s = duration_option(vm, "sim-time-budget", -1);
  if (vm.count("shard")) std::tie(opt.shard_index, opt.shard_count) = cli::parse_shard(vm["shard"].as<std::string>());
  if (vm.count("out")) opt.out_dir = vm["out"].as<std::string>();
  opt.shrink = !vm.count("no-shrink");
  opt.quiet = vm.count("quiet") > 0;
  opt.progress = !opt.quiet && !vm.count("no-progress") && isatty(STDERR_FILENO);
  opt.inject_nondeterminism = vm.count("test-inject-nondeterminism") > 0;
  opt.exhaustive = vm.count("exhaustive") > 0;
  for (const char* o : {"shard", "runs", "time-budget", "sim-time-budget", "no-shrink"})
    if (opt.exhaustive && vm.count(o))
      throw po::error(fmt::format("--{} does not apply to --exhaustive (its bound is the file's exhaustive: section)", o));
  return opt;
}

void print_plan(const ExplorePlan& plan, const ExploreOptions& opt) {
  fmt::print("explore {} ({}), base {}\n", plan.name, plan.file, plan.base_file);
  const double wall = opt.time_budget_s >= 0 ? opt.time_budget_s : plan.time_budget_s;
  const double sim = opt.sim_time_budget_s >= 0 ? opt.sim_time_budget_s : plan.sim_time_budget_s;
  fmt::print("runs: {}{}{}, seed {}\n", opt.runs > 0 ? opt.runs : plan.runs,
             sim > 0 ? fmt::format(" or {} s of simulated time", sim) : "",
             wall > 0 ? fmt::format(" or {} s of wall time", wall) : "", plan.seed);
  std::vector<std::string> kinds;
  for (const NemesisKind& k : plan.nemesis.kinds)
    kinds.push_back(fmt::format("{} ({}..{} per run)", name_of(k.type), k.count_lo, k.count_hi));
  if (plan.has_nemesis)
    fmt::print("nemesis: {}{}\n", join(kinds), plan.nemesis.swarm ? "; swarm: each run switches a random subset off" : "");
  else
    fmt::print("nemesis: none (the file is for --exhaustive)\n");
  const ExhaustiveSpec& e = plan.exhaustive;
  std::vector<std::string> fates;
  for (const MessageChoice::Fate f : e.fates) fates.emplace_back(kFateNames[static_cast<std::size_t>(f)]);
  fmt::print("--exhaustive: at most {} choices on messages 1..{}, fates {}, at most {} runs, state hashing {}\n",
             e.depth, e.messages, join(fates), e.max_runs, e.state_hashing ? "on" : "off");
  std::vector<std::string> params;
  for (const ExploreParam& p : plan.sample) params.push_back(p.path);
  fmt::print("sample: {}\n", params.empty() ? "nothing" : join(params));
  for (const Expectation& p : plan.properties) fmt::print("property: {}\n", p.text);
  fmt::print("shrink: {}\n", plan.shrink ? fmt::format("at most {} runs per property", plan.shrink_max_runs) : "off");
}

}  // namespace

int explore_command(const std::vector<std::string>& args) {
  return cli::run_command("explore", [&] {
    const auto desc = explore_options();
    po::options_description all;
    all.add(desc).add(hidden_options());
    const cli::ParsedArgs p = cli::parse_args(all, args);
    if (p.vm.count("help")) {
      std::cout << desc << "\n";
      return cli::kExitOk;
    }
    if (p.positional.empty()) throw po::error("explore needs an explore FILE");
    if (p.positional.size() > 1)
      throw po::error(fmt::format("expected one explore FILE, got {} ({})", p.positional.size(), join(p.positional)));
    const ExploreOptions opt = read_options(p.vm);
    const ExplorePlan plan = load_explore(p.positional.front());
    // As ecsim run and sweep do: a base whose runs (jobs at a time) cannot fit is refused before any runs.
    if (const auto refusal = memory_refusal(plan.base_need, memory_available_per_run(opt.jobs)))
      throw ScenarioError(plan.file, 0, 0, "base " + plan.base_file + ": " + *refusal);
    if (p.vm.count("plan")) {
      print_plan(plan, opt);
      return cli::kExitOk;
    }
    if (opt.exhaustive) return run_exhaustive(plan, opt, std::cout).exit_code;
    if (!plan.has_nemesis)
      throw po::error(fmt::format("{} has no nemesis: for random runs; add one, or run it with --exhaustive", plan.file));
    return run_explore(plan, opt, std::cout).exit_code;
  });
}

}  // namespace ecsim
