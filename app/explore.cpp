// `ecsim explore`: building each run's scenario, running the runs, the
// replay check, shrinking and the outputs. See explore.hpp and docs/EXPLORE.md.
#include "app/explore.hpp"
#include "app/explore_run.hpp"
#include "app/input_files.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <map>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ostream.h>
#include <yaml-cpp/yaml.h>

#include "analysis/csv_writer.hpp"
#include "analysis/output_dir.hpp"
#include "app/modules.hpp"
#include "app/parallel.hpp"
#include "app/progress.hpp"
#include "app/runner.hpp"
#include "app/shrink.hpp"
#include "sim/scenario_loader.hpp"
#include "sim/simulator.hpp"
#include "sim/strings.hpp"
#include "sim/units.hpp"
#include "sim/yaml_path.hpp"

namespace ecsim {

namespace fs = std::filesystem;
using namespace explore_detail;

namespace {

// One run of the exploration: what it drew and what it broke.
struct Trial {
  std::uint64_t index = 0;
  std::uint64_t seed = 0;
  std::string yaml;                  // the run's whole scenario
  std::vector<std::string> kinds_on; // fault kinds swarm testing left on
  std::size_t faults = 0;            // faults the nemesis drew
  Verdict verdict;                   // the properties it broke, its trace hash
  std::string error;                 // the run could not be built or run
};

std::uint64_t run_seed(const ExplorePlan& plan, std::uint64_t index) {
  return Rng::stream(plan.seed, "explore.run", index).next_u64();
}

// Node names and duration of a sampled scenario (the base's unless sample:
// changes the topology or the duration).
std::pair<std::vector<std::string>, SimTime> topology_of(const ExplorePlan& plan, const YAML::Node& root) {
  if (!plan.sample_changes_topology) return {plan.base_nodes, plan.base_duration};
  const Scenario s = load_scenario(plan.base_file, text_options(plan, yaml_text(root)));
  return {s.topology.node_names, s.duration_ns};
}

// Run `index`'s scenario: the base, its sample: values, the base's faults
// followed by the drawn ones, its seed, and the properties as its expect:.
Trial build_trial(const ExplorePlan& plan, std::uint64_t index) {
  Trial t;
  t.index = index;
  t.seed = run_seed(plan, index);
  Rng rng = Rng::stream(t.seed, "explore.schedule");
  YAML::Node root = base_tree(plan);
  for (const ExploreParam& p : plan.sample) {
    const SampledValue v = draw_sample(p.rule, rng);
    set_yaml_path(root, p.path, YAML::Load(v.yaml));
  }
  const auto [nodes, duration] = topology_of(plan, root);
  FaultSchedule schedule = draw_schedule(plan.nemesis, nodes, duration, rng);
  t.kinds_on = std::move(schedule.kinds_on);
  t.faults = schedule.faults.size();
  YAML::Node faults(YAML::NodeType::Sequence);
  if (root["faults"] && root["faults"].IsSequence())
    for (const auto& f : root["faults"]) faults.push_back(f);
  for (const YAML::Node& f : schedule.faults) faults.push_back(f);
  root["faults"] = faults;
  root["seed"] = t.seed;
  t.yaml = yaml_text(root);
  return t;
}

void run_trial(const ExplorePlan& plan, Trial& t) {
  try {
    t.verdict = evaluate(plan, t.yaml);
  } catch (const std::exception& e) {
    t.error = e.what();
  }
}

// The first property-k failure, shrunk.
struct Counterexample {
  std::size_t property = 0;
  const Trial* first = nullptr;
  std::uint64_t failing_runs = 0;
  bool unknown = false;   // the first failing run's verdict was unknown, not false
  std::string detail;     // of the first failing run
  std::string min_yaml;   // empty when not shrunk
  ShrinkReport shrink;
  std::vector<std::string> faults;   // the minimal scenario's faults, one line of flow YAML each
  std::vector<std::string> witness;  // the minimal run's summary lines
};

struct Replay {
  std::vector<std::string> hash;  // per failing run: the replay's trace hash
  std::string report;             // the first mismatch, localized; empty when all matched
};

// Runs a nondeterministic run twice more with its events written and names
// the first events.csv line where the two differ.
std::string localize(const ExplorePlan& plan, const Trial& t, const fs::path& scratch) {
  const fs::path a = scratch / "replay-a", b = scratch / "replay-b";
  const std::string ha = evaluate(plan, t.yaml, a.string()).trace_hash;
  const std::string hb = evaluate(plan, t.yaml, b.string()).trace_hash;
  std::istringstream ea(read_input_file((a / "events.csv").string(), "events.csv")),
      eb(read_input_file((b / "events.csv").string(), "events.csv"));
  std::string la, lb;
  for (std::uint64_t line = 1;; ++line) {
    const bool more_a = static_cast<bool>(std::getline(ea, la)), more_b = static_cast<bool>(std::getline(eb, lb));
    if (!more_a && !more_b) break;
    if (more_a && more_b && la == lb) continue;
    return fmt::format("two more replays (trace hashes {} and {}) first differ at events.csv line {}:\n  {}\n  {}", ha, hb,
                       line, more_a ? la : "(end of file)", more_b ? lb : "(end of file)");
  }
  return fmt::format("two more replays gave trace hashes {} and {} with identical events.csv: the difference is in "
                     "another trace (ops.csv, applied.csv) or did not recur",
                     ha, hb);
}

Replay replay_failures(const ExplorePlan& plan, const std::vector<const Trial*>& failing, unsigned jobs,
                       const fs::path& scratch) {
  Replay r;
  r.hash.resize(failing.size());
  parallel_for(failing.size(), jobs, [&](std::size_t i) {
    try {
      r.hash[i] = evaluate(plan, failing[i]->yaml).trace_hash;
    } catch (const std::exception& e) {
      r.hash[i] = std::string("error: ") + e.what();
    }
  });
  for (std::size_t i = 0; i < failing.size(); ++i) {
    if (r.hash[i] == failing[i]->verdict.trace_hash) continue;
    const Trial& t = *failing[i];
    r.report = fmt::format("SIMULATOR BUG: run {} (seed {}) is not deterministic: trace hash {} on the first run, {} on "
                           "the replay.\n{}",
                           t.index, t.seed, t.verdict.trace_hash, r.hash[i], localize(plan, t, scratch));
    break;
  }
  return r;
}

std::string min_header(const ExplorePlan& plan, const Counterexample& c, const std::string& min_path) {
  return fmt::format(
      "# Minimal counterexample: breaks \"{}\" ({})\n"
      "# Found by: ecsim explore {} (run {}, seed {}); shrunk in {} runs{}: {}\n"
      "# Reproduce: ecsim run {} --seed {}   (exit status 1: the property fails)\n",
      plan.properties[c.property].text, c.detail, plan.file, c.first->index, c.first->seed, c.shrink.runs,
      c.shrink.budget_exhausted ? " (budget reached: smaller may exist)" : "",
      c.shrink.reduced.empty() ? "nothing could be removed" : join(c.shrink.reduced), min_path, c.first->seed);
}

class Explorer {
 public:
  Explorer(const ExplorePlan& plan, const ExploreOptions& opt, std::ostream& out)
      : plan_(plan), opt_(opt), out_(out),
        dir_(opt.out_dir.empty() ? (fs::path("out") / "explore" / plan.name) : fs::path(opt.out_dir)) {}

  ExploreResult run();

 private:
  std::uint64_t budget() const { return opt_.runs > 0 ? opt_.runs : plan_.runs; }
  double time_budget() const { return opt_.time_budget_s >= 0 ? opt_.time_budget_s : plan_.time_budget_s; }
  double sim_time_budget() const {
    return opt_.sim_time_budget_s >= 0 ? opt_.sim_time_budget_s : plan_.sim_time_budget_s;
  }
  static SimTime sim_ns(const Trial& t);
  std::size_t runs_within(std::size_t done, SimTime limit) const;
  void run_trials();
  void find_counterexamples();
  void shrink(Counterexample& c, const fs::path& tmp_dir, std::size_t number);
  void write_runs_csv(const fs::path& path) const;
  void write_counterexamples_csv(const fs::path& path) const;
  void print_report() const;

  const ExplorePlan& plan_;
  const ExploreOptions& opt_;
  std::ostream& out_;
  fs::path dir_;
  std::vector<Trial> trials_;
  std::vector<const Trial*> failing_;
  Replay replay_;
  std::vector<Counterexample> found_;
  ExploreResult result_;
};

void Explorer::run_trials() {
  // This shard's runs: i = shard_index-1, +shard_count, ... below the budget.
  const std::uint64_t first = opt_.shard_index - 1, step = opt_.shard_count;
  const std::uint64_t count = budget() > first ? (budget() - first + step - 1) / step : 0;
  trials_.resize(count);
  Progress progress("ecsim explore", count, opt_.progress, opt_.quiet);
  const auto start = std::chrono::steady_clock::now();
  const double wall_limit = time_budget();
  // Simulated time: each shard gets its share. Runs finish out of order, so
  // the pool stops once the finished runs cover the budget and the prefix is
  // cut below: which runs count depends only on their simulated times.
  const SimTime sim_limit = static_cast<SimTime>(std::llround(sim_time_budget() / step * 1e9));
  std::atomic<SimTime> sim_done{0};
  std::function<bool()> stop;
  if (wall_limit > 0 || sim_limit > 0)
    stop = [&] {
      if (sim_limit > 0 && sim_done.load() >= sim_limit) return true;
      return wall_limit > 0 &&
             std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() > wall_limit;
    };
  const std::size_t done = parallel_for(
      count, opt_.jobs,
      [&](std::size_t j) {
        Trial& t = trials_[j];
        try {
          t = build_trial(plan_, first + j * step);
        } catch (const std::exception& e) {
          t.index = first + j * step;
          t.error = e.what();
          return;
        }
        run_trial(plan_, t);
        sim_done += sim_ns(t);
      },
      &progress, stop);
  trials_.resize(sim_limit > 0 ? runs_within(done, sim_limit) : done);
  result_.runs_done = trials_.size();
}

SimTime Explorer::sim_ns(const Trial& t) { return static_cast<SimTime>(std::llround(t.verdict.sim_end_s * 1e9)); }

// The shortest prefix of the first `done` runs whose simulated time reaches
// `limit` (all of them when it is not reached).
std::size_t Explorer::runs_within(std::size_t done, SimTime limit) const {
  SimTime sum = 0;
  for (std::size_t j = 0; j < done; ++j)
    if ((sum += sim_ns(trials_[j])) >= limit) return j + 1;
  return done;
}

void Explorer::find_counterexamples() {
  for (const Trial& t : trials_)
    if (!t.verdict.broken.empty()) failing_.push_back(&t);
  result_.runs_failed = failing_.size();
  for (std::size_t k = 0; k < plan_.properties.size(); ++k) {
    Counterexample c;
    c.property = k;
    for (const Trial* t : failing_)
      for (std::size_t b = 0; b < t->verdict.broken.size(); ++b)
        if (t->verdict.broken[b] == k) {
          if (!c.first) c.first = t, c.detail = t->verdict.details[b], c.unknown = t->verdict.unknown[b] != 0;
          ++c.failing_runs;
        }
    if (c.first) found_.push_back(std::move(c));
  }
}

void Explorer::shrink(Counterexample& c, const fs::path& tmp_dir, std::size_t number) {
  const std::size_t k = c.property;
  // The failure signature: property k fails the same way (false, or unknown
  // for want of a value), so that shrinking never trades a real violation
  // for a run in which the property's metric does not apply.
  const std::function<bool(const std::string&)> fails = [&](const std::string& yaml) {
    try {
      const Verdict v = evaluate(plan_, yaml);
      const auto it = std::find(v.broken.begin(), v.broken.end(), k);
      return it != v.broken.end() && (v.unknown[static_cast<std::size_t>(it - v.broken.begin())] != 0) == c.unknown;
    } catch (const std::exception&) {
      return false;  // a candidate that does not load or run is not this failure
    }
  };
  std::string yaml = c.first->yaml;
  if (opt_.shrink && plan_.shrink) yaml = shrink_scenario(yaml, fails, opt_.jobs, plan_.shrink_max_runs, c.shrink);
  YAML::Node root = YAML::Load(yaml);
  root["name"] = fmt::format("{}-min-{}", plan_.name, number);
  if (root["faults"])
    for (const auto& f : root["faults"]) {
      YAML::Emitter e;
      e << YAML::Flow << f;
      c.faults.emplace_back(e.c_str());
    }
  const std::string file = fmt::format("min-{}.yaml", number);
  c.min_yaml = min_header(plan_, c, (dir_ / file).string()) + yaml_text(root);
  write_file_atomic(tmp_dir / file, c.min_yaml);
  // The minimal run's traces, for `ecsim plot` and the witnesses.
  const fs::path traces = tmp_dir / fmt::format("min-{}", number);
  std::string summary;
  evaluate(plan_, c.min_yaml, traces.string(), &summary);
  c.witness = witness_lines(summary, traces.string());
}

void Explorer::write_runs_csv(const fs::path& path) const {
  CsvWriter w(path);
  w.header({"run", "seed", "kinds", "faults", "sim_s", "broken", "trace_hash", "replay", "error"});
  std::map<const Trial*, std::size_t> failing_index;
  for (std::size_t i = 0; i < failing_.size(); ++i) failing_index[failing_[i]] = i;
  for (const Trial& t : trials_) {
    std::vector<std::string> broken;
    for (std::size_t k : t.verdict.broken) broken.push_back(plan_.properties[k].text);
    std::string replay;
    if (const auto it = failing_index.find(&t); it != failing_index.end() && it->second < replay_.hash.size())
      replay = replay_.hash[it->second] == t.verdict.trace_hash ? "same" : "differs";
    w.field(t.index).field(t.seed).field(join(t.kinds_on, " ")).field(static_cast<std::uint64_t>(t.faults));
    if (t.error.empty())
      w.field(t.verdict.sim_end_s);
    else
      w.field("");  // it did not run
    w.field(join(broken, "; ")).field(t.verdict.trace_hash).field(replay).field(t.error).end_row();
  }
  w.close();
}

void Explorer::write_counterexamples_csv(const fs::path& path) const {
  CsvWriter w(path);
  w.header({"property", "first_run", "seed", "failing_runs", "shrink_runs", "min_file", "reduced"});
  for (std::size_t i = 0; i < found_.size(); ++i) {
    const Counterexample& c = found_[i];
    w.field(plan_.properties[c.property].text).field(c.first->index).field(c.first->seed).field(c.failing_runs);
    w.field(c.shrink.runs).field(fmt::format("min-{}.yaml", i + 1)).field(join(c.shrink.reduced, "; ")).end_row();
  }
  w.close();
}

void Explorer::print_report() const {
  const ExploreResult& r = result_;
  SimTime simulated = 0;
  for (const Trial& t : trials_) simulated += sim_ns(t);
  fmt::print(out_, "explore {}: {} runs{} ({:.1f} s simulated), {} broke a property", plan_.name, r.runs_done,
             opt_.shard_count > 1 ? fmt::format(" (shard {}/{})", opt_.shard_index, opt_.shard_count) : "",
             static_cast<double>(simulated) / kSecond, r.runs_failed);
  fmt::print(out_, "; replay check: {} of {} identical\n", failing_.size() - r.nondeterministic, failing_.size());
  if (!replay_.report.empty()) fmt::print(out_, "{}\n", replay_.report);
  for (std::size_t k = 0; k < plan_.properties.size(); ++k) {
    const auto it = std::find_if(found_.begin(), found_.end(), [&](const Counterexample& c) { return c.property == k; });
    if (it == found_.end()) {
      fmt::print(out_, "  PASS  {}   in {} runs\n", plan_.properties[k].text, r.runs_done);
      continue;
    }
    const Counterexample& c = *it;
    const std::size_t number = static_cast<std::size_t>(it - found_.begin()) + 1;
    const fs::path min_file = dir_ / fmt::format("min-{}.yaml", number);
    fmt::print(out_, "  FAIL  {}   in {} of {} runs, first run {} (seed {}): {}\n", plan_.properties[k].text,
               c.failing_runs, r.runs_done, c.first->index, c.first->seed, c.detail);
    if (c.min_yaml.empty()) continue;
    if (c.shrink.runs > 0)
      fmt::print(out_, "        shrunk in {} runs{}: {}\n", c.shrink.runs, c.shrink.budget_exhausted ? " (budget reached)" : "",
                 c.shrink.reduced.empty() ? "nothing could be removed" : join(c.shrink.reduced));
    std::vector<std::string> extra;
    if (!c.faults.empty()) extra.push_back("its faults: " + join(c.faults, ", "));
    print_minimal(out_, min_file.string(), fmt::format("ecsim run {} --seed {}", min_file.string(), c.first->seed), extra,
                  (dir_ / fmt::format("min-{}", number)).string(), c.witness);
  }
  fmt::print(out_, "outputs: {}/ (runs.csv, counterexamples.csv)\n", dir_.string());
}

ExploreResult Explorer::run() {
  struct Injection {  // on for this exploration only
    explicit Injection(bool enable) : on(enable) { if (on) Simulator::inject_nondeterminism_for_tests(true); }
    ~Injection() { if (on) Simulator::inject_nondeterminism_for_tests(false); }
    bool on;
  } injection(opt_.inject_nondeterminism);
  AtomicOutputDir dir(dir_);
  result_.out_dir = dir_.string();
  run_trials();
  if (const auto bad = std::find_if(trials_.begin(), trials_.end(), [](const Trial& t) { return !t.error.empty(); });
      bad != trials_.end()) {
    if (!bad->yaml.empty()) write_file_atomic(dir.path(fmt::format("error-run-{}.yaml", bad->index)), bad->yaml);
    write_runs_csv(dir.path("runs.csv"));
    dir.commit();
    fmt::print(out_, "explore {}: run {} (seed {}) could not run: {}\n  its scenario: {}\n", plan_.name, bad->index,
               bad->seed, bad->error, (dir_ / fmt::format("error-run-{}.yaml", bad->index)).string());
    result_.exit_code = 2;
    return result_;
  }
  find_counterexamples();
  replay_ = replay_failures(plan_, failing_, opt_.jobs, dir.path("nondeterminism"));
  for (std::size_t i = 0; i < failing_.size(); ++i) result_.nondeterministic += replay_.hash[i] != failing_[i]->verdict.trace_hash;
  if (!replay_.report.empty()) {
    write_file_atomic(dir.path("nondeterminism.txt"), replay_.report + "\n");
  } else {
    for (std::size_t i = 0; i < found_.size(); ++i) shrink(found_[i], dir.temp_path(), i + 1);
  }
  write_runs_csv(dir.path("runs.csv"));
  write_counterexamples_csv(dir.path("counterexamples.csv"));
  dir.commit();
  if (!opt_.quiet || !found_.empty() || !replay_.report.empty()) print_report();
  result_.exit_code = !replay_.report.empty() ? 3 : found_.empty() ? 0 : 1;
  return result_;
}

}  // namespace

ExploreResult run_explore(const ExplorePlan& plan, const ExploreOptions& options, std::ostream& out) {
  return Explorer(plan, options, out).run();
}

}  // namespace ecsim
