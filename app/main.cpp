// ecsim command line: `ecsim run`, `ecsim validate`, `ecsim --help`.
// Exit status: 0 success, 1 an expect: assertion failed, 2 bad input or usage.
#include <boost/program_options.hpp>
#include <charconv>
#include <fmt/format.h>
#include <iostream>
#include <new>
#include <string>
#include <unistd.h>
#include <vector>

#include "protocols/clients/config.hpp"
#include "app/build_info.hpp"
#include "app/ci_reports.hpp"
#include "app/command_line.hpp"
#include "app/completion.hpp"
#include "app/explore.hpp"
#include "app/export.hpp"
#include "app/memory_estimate.hpp"
#include "app/modules.hpp"
#include "app/runner.hpp"
#include "app/plot.hpp"
#include "app/analyze.hpp"
#include "app/sweep.hpp"
#include "analysis/output_dir.hpp"
#include "sim/did_you_mean.hpp"
#include "sim/scenario_loader.hpp"

namespace po = boost::program_options;
using namespace ecsim;

namespace {

constexpr int kExitFailedExpect = 1;
constexpr int kExitBadInput = 2;

const char* kTopHelp = R"(ecsim - deterministic discrete-event simulator for eventual-consistency protocols

Usage: ecsim run FILE [--seed S] [--out DIR] [--set key.path=value]... [--quiet] [--format json] [--junit FILE]
  or:  ecsim validate FILE [--set key.path=value]... [--print]
  or:  ecsim sweep SWEEP_FILE [--jobs J] [--out DIR] [--shard I/N] [--merge DIR...] [--junit FILE]
  or:  ecsim explore EXPLORE_FILE [--runs N] [--time-budget T] [--sim-time-budget T] [--jobs J] [--shard I/N] [--out DIR]
  or:  ecsim analyze RUN_DIR [--check] | --ops F [--applied F] [--events F] | --compare OLD NEW
  or:  ecsim plot RUN_OR_SWEEP_DIR [--out DIR] [--format png,svg]
  or:  ecsim export RUN_DIR --to chrome|shiviz [--out FILE]
  or:  ecsim help [COMMAND]
  or:  ecsim COMMAND --help
  or:  ecsim --version

Commands:
  run        simulate a scenario, write CSV traces and summary.csv, check expect:
  validate   check a scenario file and print its fully resolved configuration
  sweep      run a scenario over a parameter grid x seeds; runs.csv, aggregate.csv
  explore    randomized fault schedules against properties; shrink failures to a minimal scenario
  analyze    recompute metrics from traces or histories; compare two sweeps
  plot       draw a run's or a sweep's results with gnuplot (PNG and SVG)
  export     a run's traces for Perfetto/chrome://tracing (--to chrome) or ShiViz (--to shiviz)

Exit status: 0 ok, 1 an expect: assertion (explore: a property) failed, 2 bad input or usage,
3 explore found a failing run that was not deterministic (a simulator bug).
The scenario format is described in docs/SCENARIO_REFERENCE.md.
)";

po::options_description run_options() {
  po::options_description d("ecsim run FILE [options]\n\nSimulates FILE and writes outputs to output.dir (default out/<name>/seed-<seed>)\n\nOptions");
  d.add_options()
      ("help,h", "show this help")
      ("seed", po::value<std::string>()->value_name("S"), "override the scenario's seed (0 .. 2^64-1)")
      ("out", po::value<std::string>(), "output directory (replaced atomically)")
      ("set", po::value<std::vector<std::string>>()->composing(), "override a scenario value, e.g. --set network.loss=0.1 (repeatable)")
      ("quiet,q", "print nothing but errors (and the expect: assertions that failed, on stderr)")
      ("no-progress", "no live progress line on stderr")
      ("print-config", "print the fully resolved configuration before running")
      ("format", po::value<std::string>()->default_value("text")->value_name("text|json"),
       "the run summary on stdout: text, or json (one JSON document: metrics, verdicts, reproduce command, "
       "trace_hash, build)")
      ("junit", po::value<std::string>()->value_name("FILE"),
       "also write a JUnit XML report to FILE: one test case per expect: assertion");
  return d;
}

po::options_description validate_options() {
  po::options_description d("ecsim validate FILE [options]\n\nChecks FILE without running it; exit 0 if valid, 2 with a file:line:column error otherwise\n\nOptions");
  d.add_options()
      ("help,h", "show this help")
      ("set", po::value<std::vector<std::string>>()->composing(), "override a scenario value before validating (repeatable)")
      ("print", "print the fully resolved configuration");
  return d;
}

// A seed is an unsigned 64-bit integer: "-1" is refused, not wrapped to 2^64 - 1.
std::uint64_t parse_seed(const std::string& text) {
  std::uint64_t seed = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), seed);
  if (text.empty() || error != std::errc() || end != text.data() + text.size())
    throw po::error(fmt::format("--seed expects an integer from 0 to 18446744073709551615, got '{}'", text));
  return seed;
}

struct Parsed {
  po::variables_map vm;
  std::string file;
};

Parsed parse(const po::options_description& visible, const std::vector<std::string>& args) {
  po::options_description all;
  all.add(visible);
  all.add_options()("file", po::value<std::vector<std::string>>(), "");
  po::positional_options_description pos;
  pos.add("file", -1);
  Parsed p;
  po::store(po::command_line_parser(args).options(all).positional(pos).run(), p.vm);
  po::notify(p.vm);
  if (p.vm.count("file")) {
    const auto files = p.vm["file"].as<std::vector<std::string>>();
    if (files.size() > 1) throw po::error("expected one scenario FILE, got " + std::to_string(files.size()));
    p.file = files.front();
  }
  return p;
}

int cmd_validate(const std::vector<std::string>& args) {
  const auto desc = validate_options();
  const Parsed p = parse(desc, args);
  if (p.vm.count("help")) {
    std::cout << desc << "\n";
    return 0;
  }
  if (p.file.empty()) throw po::error("validate needs a scenario FILE");
  LoadOptions lo;
  if (p.vm.count("set")) lo.overrides = p.vm["set"].as<std::vector<std::string>>();
  const ModuleRegistry& modules = scenario_modules(p.file, lo);
  lo.sections = &modules.sections();
  const Scenario s = load_scenario(p.file, lo);
  check_runnable(s, modules);
  for (const std::string& w : scenario_warnings(s)) std::cerr << w << "\n";
  if (p.vm.count("print")) std::cout << resolved_config_yaml(s, modules.sections());
  std::cout << fmt::format("{}: ok ({} nodes, {} ops, {} faults, {} expectations)\n", p.file, s.topology.nodes, ops_of(s).size(),
                           s.faults.size(), s.checks.expect.size());
  return 0;
}

// The expect: report (PASS and FAIL lines, total) and the reproduce command.
std::string failed_expect_report(const Scenario& s, const RunOutcome& outcome, const std::string& reproduce) {
  return fmt::format("{}{}reproduce: {}\n", format_expect_report(outcome.expectations, s.source_file),
                     outcome.output_dir.empty() ? "" : fmt::format("outputs: {}/\n", outcome.output_dir), reproduce);
}

// Out of memory during a run although the estimate fit: name the inputs
// memory grows with and what was available, instead of a bare
// "std::bad_alloc". Per-key state is sparse (only keys the run touches), so
// store.keys alone costs no memory.
std::string out_of_memory_report(const std::string& file, const MemoryNeed& need, const MemoryAvailable& available) {
  return fmt::format(
      "{}: error: out of memory during the run (std::bad_alloc), although the estimate, about {:.0f} MiB, fit in the "
      "{:.0f} MiB available ({}). Memory grows with {}, at the costs measured in bench/README.md "
      "(\"Memory per key and per node\"); other inputs (a dense graph, long traces) add to them. Lower these or raise "
      "the limit.",
      file, need.bytes() / (1 << 20), available.bytes / (1 << 20), available.source, describe_need(need));
}

int cmd_run(const std::vector<std::string>& args) {
  const auto desc = run_options();
  const Parsed p = parse(desc, args);
  if (p.vm.count("help")) {
    std::cout << desc << "\n";
    return 0;
  }
  if (p.file.empty()) throw po::error("run needs a scenario FILE");
  LoadOptions lo;
  if (p.vm.count("seed")) lo.seed = parse_seed(p.vm["seed"].as<std::string>());
  if (p.vm.count("out")) lo.output_dir = p.vm["out"].as<std::string>();
  if (p.vm.count("set")) lo.overrides = p.vm["set"].as<std::vector<std::string>>();
  // The scenario's modules (in-tree and `modules:` libraries) before the rest
  // of the file; the run uses the same registry.
  const ModuleRegistry& modules = scenario_modules(p.file, lo);
  lo.sections = &modules.sections();
  lo.check_nodes = node_count_refusal;
  const Scenario s = load_scenario(p.file, lo);
  const MemoryNeed need = memory_need(s);
  const MemoryAvailable available = memory_available();
  // Before anything runs or is written: a run whose estimate does not fit is refused.
  if (const auto refusal = memory_refusal(need, available)) throw ScenarioError(p.file, 0, 0, *refusal);

  const std::string format = p.vm["format"].as<std::string>();
  if (format != "text" && format != "json")
    throw po::error(fmt::format("--format expects text or json, got '{}'{}", format, did_you_mean(format, {"text", "json"})));
  RunSettings settings;
  settings.modules = &modules;
  settings.quiet = p.vm.count("quiet") > 0 || format == "json";
  settings.progress = !settings.quiet && !p.vm.count("no-progress") && isatty(STDERR_FILENO);
  settings.reproduce = fmt::format("ecsim run {} --seed {}", cli::shell_quote(p.file), s.seed);
  for (const std::string& o : lo.overrides) settings.reproduce += " --set " + cli::shell_quote(o);
  if (lo.output_dir) settings.reproduce += " --out " + cli::shell_quote(*lo.output_dir);
  if (p.vm.count("print-config"))
    std::cout << "# build: " << build_line() << "\n" << resolved_config_yaml(s, modules.sections()) << "---\n";
  RunOutcome outcome;
  try {
    outcome = run_scenario(s, settings, std::cout);
  } catch (const std::bad_alloc&) {
    std::cerr << out_of_memory_report(p.file, need, available) << "\n";
    return kExitBadInput;
  }
  if (!settings.quiet && s.topology.nodes > kLeanTracesAboveNodes && !s.output.has("events"))
    std::cout << fmt::format("  note          no events.csv/applied.csv: not written by default above {} nodes "
                             "(--set 'output.traces=[events, applied, ops, convergence, summary]' writes them)\n",
                             kLeanTracesAboveNodes);
  if (p.vm.count("junit")) write_junit(p.vm["junit"].as<std::string>(), run_junit_suite(s, outcome, settings.reproduce));
  if (format == "json") std::cout << run_summary_json(s, outcome, settings.reproduce);
  // Quiet, a failure still says which assertion failed and how to reproduce it.
  if (settings.quiet && outcome.exit_code != 0) std::cerr << failed_expect_report(s, outcome, settings.reproduce);
  return outcome.exit_code == 0 ? 0 : kExitFailedExpect;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || (args[0] == "help" && args.size() == 1)) {
    std::cout << kTopHelp;
    return args.empty() ? kExitBadInput : 0;
  }
  if (args[0] == "--version") {
    std::cout << version_text("ecsim");
    return 0;
  }
  std::string command = args[0];
  args.erase(args.begin());
  if (command == "help") {
    command = args[0];
    args = {"--help"};
  }
  // Ctrl-C or SIGTERM during a run removes its temporary output directory
  // (exit status 128 + signal). Not for plot: it starts gnuplot, which would
  // inherit the blocked signals.
  if (command == "run" || command == "sweep" || command == "explore" || command == "analyze") install_interrupt_cleanup();
  try {
    if (command == "run") return cmd_run(args);
    if (command == "validate") return cmd_validate(args);
    if (command == "plot") return plot_command(args);
    if (command == "analyze") return analyze_command(args);
    if (command == "sweep") return sweep_command(args);
    if (command == "explore") return explore_command(args);
    if (command == "export") return export_command(args);
    if (command == "complete") return complete_command(args);  // hidden: for the shell completion
    std::cerr << fmt::format("ecsim: unknown command '{}'{}\n(try 'ecsim --help')\n", command,
                             did_you_mean(command, {"run", "validate", "sweep", "explore", "analyze", "plot", "export", "help"}));
    return kExitBadInput;
  } catch (const ScenarioError& e) {
    std::cerr << e.what() << "\n";
    return kExitBadInput;
  } catch (const po::error& e) {
    std::cerr << "ecsim " << command << ": " << e.what() << "\n(try 'ecsim " << command << " --help')\n";
    return kExitBadInput;
  } catch (const std::exception& e) {
    std::cerr << "ecsim: error: " << e.what() << "\n";
    return kExitBadInput;
  }
}
