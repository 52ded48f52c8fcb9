// `ecsim analyze`: see analyze.hpp, analysis/trace_analysis.hpp and docs/ANALYZE.md.
#include "app/modules.hpp"
#include "app/analyze.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include <unistd.h>

#include <fmt/format.h>
#include <fmt/ostream.h>

#include "analysis/aggregate.hpp"
#include "analysis/csv_reader.hpp"
#include "analysis/csv_writer.hpp"
#include "analysis/trace_analysis.hpp"
#include "protocols/core/keyspace.hpp"
#include "protocols/core/store_config.hpp"
#include "protocols/quorum/module.hpp"
#include "app/check_progress.hpp"
#include "app/command_line.hpp"
#include "sim/did_you_mean.hpp"
#include "sim/scenario_loader.hpp"
#include "sim/strings.hpp"

namespace ecsim {

namespace fs = std::filesystem;
namespace po = boost::program_options;

namespace {

po::options_description analyze_options() {
  po::options_description d(
      "ecsim analyze RUN_DIR [options]\n"
      "ecsim analyze --ops FILE [--applied FILE] [--events FILE] [--nodes n0,n1,...] [options]\n"
      "ecsim analyze --compare OLD NEW [--metrics LIST] [--all]\n\n"
      "Recomputes a run's metrics from its CSV traces: convergence and visibility (applied.csv, events.csv),\n"
      "session-guarantee violations and staleness (ops.csv, applied.csv), lost writes, message and operation\n"
      "counts. RUN_DIR is an `ecsim run` output directory; --ops/--applied/--events name the files directly,\n"
      "e.g. a history recorded from a real system (columns: docs/ANALYZE.md). --check compares the result with\n"
      "RUN_DIR/summary.csv. --compare reads two sweep directories (or aggregate.csv files) and lists the\n"
      "metrics whose mean changed beyond the 95% confidence interval of the difference.\n\n"
      "Exit status: 0 ok / no change, 1 --check or --compare found a difference, 2 bad input.\n\n"
      "Options");
  d.add_options()
      ("help,h", "show this help")
      ("ops", po::value<std::string>()->value_name("FILE"), "the client history (ops.csv format)")
      ("applied", po::value<std::string>()->value_name("FILE"), "replica state changes (applied.csv format)")
      ("events", po::value<std::string>()->value_name("FILE"), "kernel events (events.csv format)")
      ("nodes", po::value<std::string>()->value_name("LIST"),
       "node names in id order, comma separated (default: RUN_DIR/scenario.resolved.yaml, else the names in the traces)")
      ("check", "compare every recomputed metric with RUN_DIR/summary.csv; exit 1 on a difference")
      ("out,o", po::value<std::string>()->value_name("FILE"), "also write the metrics as CSV (metric,value), atomically")
      ("compare", po::value<std::vector<std::string>>()->multitoken()->value_name("OLD NEW"),
       "compare two sweeps' aggregates")
      ("metrics", po::value<std::string>()->value_name("LIST"), "--compare: only these metrics (comma separated)")
      ("all", "--compare: list unchanged metrics too")
      ("memory", po::value<std::string>()->value_name("SIZE"),
       "session checks and staleness: memory target, e.g. 6GiB (default 4GiB); a history that would not fit is streamed\n"
       "through partition files (as ecsim-check; docs/SESSIONS.md)")
      ("streaming", "session checks: stream through partition files whatever the size; latencies: to a scratch file")
      ("in-memory", "session checks: hold the whole history in memory whatever the size; latencies: in memory\n"
       "(default: both by size; the rest of analyze always streams, docs/ANALYZE.md \"Memory\")")
      ("tmp", po::value<std::string>()->value_name("DIR"), "scratch directory for streaming (default $TMPDIR, else /tmp)")
      ("no-progress", "no progress line on stderr");
  return d;
}

std::string show(double v) {
  if (std::isnan(v)) return "-";
  if (v == std::floor(v) && std::fabs(v) < 1e15) return fmt::format("{}", static_cast<long long>(v));
  return fmt::format("{:.6g}", v);
}

// summary.csv: metric,value rows (text values such as trace_hash are skipped).
}  // namespace

std::function<std::vector<std::uint32_t>(std::string_view)> key_replicas(const Scenario& scenario) {
  std::shared_ptr<const KeyPlacement> placement = quorum_placement(scenario);
  if (!placement) return {};
  // Key names to the run's key ids: workload keys by number, others as the run interned them.
  auto keys = std::make_shared<KeySpace>(static_cast<std::uint32_t>(store_of(scenario).keys));
  return [placement, keys](std::string_view name) {
    const std::vector<NodeId> list = placement->replicas(keys->intern(name));
    return std::vector<std::uint32_t>(list.begin(), list.end());
  };
}

TraceInputs run_dir_inputs(const std::string& dir_name, std::vector<MessageChoice>* choices) {
  const fs::path dir(dir_name);
  auto file = [&](const char* name) { return fs::exists(dir / name) ? (dir / name).string() : std::string(); };
  TraceInputs in{file("ops.csv"), file("applied.csv"), file("events.csv"), {}};
  if (fs::exists(dir / "scenario.resolved.yaml")) {
    try {
      const Scenario resolved = load_scenario_with_modules((dir / "scenario.resolved.yaml").string());
      in.nodes = resolved.topology.node_names;
      in.replicas_of = key_replicas(resolved);
      if (choices) *choices = resolved.choices;
    } catch (const ScenarioError&) {
      // e.g. an empirical distribution, which the resolved form only summarises
    }
  }
  return in;
}

namespace {

std::map<std::string, double> read_summary(const fs::path& path) {
  std::map<std::string, double> out;
  CsvReader in(path.string());
  const std::size_t metric = in.require("metric"), value = in.require("value");
  while (in.next()) {
    try {
      out[std::string(in[metric])] = parse_csv_double(std::string(in[value]));
    } catch (const std::invalid_argument&) {
    }
  }
  return out;
}

int analyze_traces_command(const cli::ParsedArgs& p) {
  const po::variables_map& vm = p.vm;
  TraceInputs in;
  fs::path dir;
  std::string node_source;
  if (!p.positional.empty()) {
    if (p.positional.size() > 1) throw po::error("expected one RUN_DIR");
    dir = p.positional.front();
    if (!fs::is_directory(dir)) throw std::runtime_error(fmt::format("'{}' is not a directory", dir.string()));
    in = run_dir_inputs(dir.string());
    if (in.ops.empty())
      throw std::runtime_error(fmt::format("'{}' has no ops.csv: was it written by `ecsim run` with the ops trace?", dir.string()));
    if (!in.nodes.empty()) node_source = "scenario.resolved.yaml";
  }
  if (vm.count("ops")) in.ops = vm["ops"].as<std::string>();
  if (vm.count("applied")) in.applied = vm["applied"].as<std::string>();
  if (vm.count("events")) in.events = vm["events"].as<std::string>();
  if (in.ops.empty()) throw po::error("analyze needs a RUN_DIR or --ops FILE");
  for (const std::string* f : {&in.ops, &in.applied, &in.events})
    if (!f->empty() && !fs::is_regular_file(*f)) throw std::runtime_error(fmt::format("'{}': no such file", *f));
  if (vm.count("nodes")) {  // instead of the run's scenario, placement included
    in.nodes = split_list(vm["nodes"].as<std::string>());
    in.replicas_of = {};
    node_source = "--nodes";
  }

  if (vm.count("streaming") && vm.count("in-memory")) throw po::error("--streaming and --in-memory exclude each other");
  HistoryCheckOptions& hc = in.history_check;
  hc.mode = vm.count("streaming") ? CheckMode::streaming : vm.count("in-memory") ? CheckMode::in_memory : CheckMode::automatic;
  if (vm.count("memory")) hc.memory_bytes = parse_memory_size(vm["memory"].as<std::string>());
  if (vm.count("tmp")) hc.scratch_parent = vm["tmp"].as<std::string>();
  hc.progress = stderr_progress("ecsim analyze", isatty(STDERR_FILENO) != 0, !vm.count("no-progress"));
  hc.clock_s = wall_seconds;
  const TraceAnalysis a = analyze_traces(in);
  std::map<std::string, double> summary;
  const bool check = vm.count("check") > 0;
  if (check) {
    if (dir.empty() || !fs::exists(dir / "summary.csv")) throw po::error("--check needs a RUN_DIR with summary.csv");
    summary = read_summary(dir / "summary.csv");
  }

  fmt::print("ecsim analyze: {} ops, {} applied rows, {} events{}\n", a.ops, a.applies, a.events,
             node_source.empty() ? "" : fmt::format("; nodes from {}", node_source));
  std::size_t differences = 0, compared = 0;
  for (const std::string& name : analyzable_metrics()) {
    auto it = a.metrics.find(name);
    if (it == a.metrics.end()) continue;
    std::string verdict;
    if (check) {
      auto s = summary.find(name);
      // Checks a scenario can switch off (checks.session, staleness, lost_writes) are empty in its summary.
      const bool optional_check = name.rfind("violations.", 0) == 0 || name.rfind("staleness.k", 0) == 0 ||
                                  name == "staleness.reads" || name == "lost_writes";
      if (s == summary.end()) {
        verdict = "(not in summary.csv)";
      } else if (std::isnan(s->second) && !std::isnan(it->second) && optional_check) {
        verdict = "(the run did not check it)";
      } else {
        ++compared;
        const bool same = (std::isnan(s->second) && std::isnan(it->second)) || s->second == it->second;
        if (!same) ++differences;
        verdict = same ? "= summary" : fmt::format("DIFFERS: summary.csv has {}", show(s->second));
      }
    }
    fmt::print("  {:<32} {:>14}  {}\n", name, show(it->second), verdict);
  }
  for (const std::string& note : a.notes) fmt::print("  note: {}\n", note);
  if (vm.count("out")) {
    write_csv_atomic(vm["out"].as<std::string>(), [&](CsvWriter& w) {
      w.header({"metric", "value"});
      for (const std::string& name : analyzable_metrics())
        if (auto it = a.metrics.find(name); it != a.metrics.end()) w.row(name, it->second);
    });
  }
  if (check) {
    if (differences == 0) {
      fmt::print("check: all {} recomputed metrics equal summary.csv\n", compared);
      return cli::kExitOk;
    }
    fmt::print("check: {} of {} recomputed metrics differ from summary.csv\n", differences, compared);
    return cli::kExitFailed;
  }
  return cli::kExitOk;
}

fs::path aggregate_file(const std::string& arg) {
  const fs::path p(arg);
  if (fs::is_directory(p)) {
    if (!fs::exists(p / "aggregate.csv"))
      throw std::runtime_error(fmt::format("'{}' has no aggregate.csv: is the sweep finished (or merged)?", arg));
    return p / "aggregate.csv";
  }
  if (!fs::is_regular_file(p)) throw std::runtime_error(fmt::format("'{}': no such file or directory", arg));
  return p;
}

// Two sweeps with different parameter sets compare on the parameters both
// have: a parameter only one sweep has must hold a single value there (it is
// that sweep's setting, named in the report); columns are put in `after`'s
// order. Returns one note per dropped parameter. Throws po::error when a
// parameter of only one sweep takes several values (which point to compare?).
std::vector<std::string> align_params(AggregateTable& before, AggregateTable& after) {
  std::vector<std::string> common, notes;
  for (const std::string& name : after.params)
    if (std::find(before.params.begin(), before.params.end(), name) != before.params.end()) common.push_back(name);
  auto project = [&](AggregateTable& t, const char* which) {
    std::vector<std::size_t> keep;
    for (const std::string& name : common)
      keep.push_back(static_cast<std::size_t>(std::find(t.params.begin(), t.params.end(), name) - t.params.begin()));
    for (std::size_t i = 0; i < t.params.size(); ++i) {
      if (std::find(common.begin(), common.end(), t.params[i]) != common.end()) continue;
      std::set<std::string> values;
      for (const AggregateRow& r : t.rows) values.insert(r.param_values[i]);
      if (values.size() > 1)
        throw po::error(fmt::format("--compare matches points on the parameters both sweeps have; '{}' varies in the {} sweep "
                                    "only ({} values): compare against a sweep that holds it at one value",
                                    t.params[i], which, values.size()));
      notes.push_back(fmt::format("{} only in the {} sweep, at {}", t.params[i], which, values.empty() ? "-" : *values.begin()));
    }
    for (AggregateRow& r : t.rows) {
      std::vector<std::string> v;
      for (std::size_t k : keep) v.push_back(r.param_values[k]);
      r.param_values = std::move(v);
    }
    t.params = common;
  };
  project(before, "old");
  project(after, "new");
  return notes;
}

int compare_command(const cli::ParsedArgs& p) {
  const auto args = p.vm["compare"].as<std::vector<std::string>>();
  if (args.size() != 2 || !p.positional.empty())
    throw po::error("--compare takes two sweeps: OLD NEW (directories or aggregate.csv files)");
  const fs::path old_file = aggregate_file(args[0]), new_file = aggregate_file(args[1]);
  AggregateTable before = read_aggregate_csv(old_file), after = read_aggregate_csv(new_file);
  if (p.vm.count("metrics")) {
    const auto wanted = split_list(p.vm["metrics"].as<std::string>());
    std::set<std::string> known;
    for (const AggregateRow& r : after.rows) known.insert(r.metric);
    for (const std::string& m : wanted)
      if (!known.count(m))
        throw po::error(fmt::format("--metrics: '{}' is not in {}{}", m, new_file.string(),
                                    did_you_mean(m, std::vector<std::string>(known.begin(), known.end()))));
    auto keep = [&](AggregateTable& t) {
      std::erase_if(t.rows, [&](const AggregateRow& r) { return std::find(wanted.begin(), wanted.end(), r.metric) == wanted.end(); });
    };
    keep(before);
    keep(after);
  }
  const std::vector<std::string> notes = align_params(before, after);
  const AggregateComparison c = compare_aggregates(before, after);
  const bool all = p.vm.count("all") > 0;
  std::size_t changed = 0;
  for (const MetricChange& r : c.rows) changed += r.changed;
  fmt::print("ecsim analyze: {} -> {}: {} of {} (point, metric) pairs changed beyond the 95% confidence interval\n",
             old_file.string(), new_file.string(), changed, c.rows.size());
  for (const std::string& note : notes) fmt::print("  (compared on the common parameters; {})\n", note);
  for (const MetricChange& r : c.rows) {
    if (!r.changed && !all) continue;
    std::string point;
    for (std::size_t i = 0; i < c.params.size(); ++i) point += fmt::format("{}{}={}", i ? " " : "", c.params[i], r.param_values[i]);
    if (point.empty()) point = "(all runs)";
    std::string interval = std::isnan(r.diff_low) ? "no interval (n < 2)"
                                                  : fmt::format("95% CI of the change [{}, {}]", show(r.diff_low), show(r.diff_high));
    const double rel = r.before.mean != 0 ? 100.0 * r.diff / std::fabs(r.before.mean) : std::nan("");
    fmt::print("  {} {}  {}: {} -> {} ({}{}{}), {}\n", r.changed ? "CHANGED" : "same   ", point, r.metric, show(r.before.mean),
               show(r.after.mean), r.diff >= 0 ? "+" : "", show(r.diff), std::isnan(rel) ? "" : fmt::format(", {:+.1f}%", rel),
               interval);
  }
  if (c.only_before || c.only_after)
    fmt::print("  ({} rows only in the old sweep, {} only in the new one: not compared)\n", c.only_before, c.only_after);
  return changed ? cli::kExitFailed : cli::kExitOk;
}

}  // namespace

int analyze_command(const std::vector<std::string>& args) {
  return cli::run_command("analyze", [&] {
    const auto desc = analyze_options();
    const cli::ParsedArgs p = cli::parse_args(desc, args);
    if (p.vm.count("help")) {
      std::cout << desc << "\n";
      return cli::kExitOk;
    }
    if (p.vm.count("compare")) return compare_command(p);
    return analyze_traces_command(p);
  });
}

}  // namespace ecsim
