// `ecsim explore --exhaustive`: breadth-first search over the kernel's
// message choices. See explore.hpp (run_exhaustive) and docs/EXPLORE.md.
//
// A schedule is a list of (message number, fate) with increasing numbers.
// Its children add one choice on a later message of the parent's own run:
// the child's run equals the parent's up to that message (same choices
// before it), so every schedule of at most `depth` choices on the first
// `messages` messages is run exactly once, in order of length, then message
// numbers. Each schedule runs from the start.
//
// State hashing prunes: while a schedule S runs, the runner records, for
// each message m after S's last choice, the hash of the whole world at the
// event boundary just before the event that sends m (app/runner.hpp
// StateHashProbe: kernel, protocols, components, store, module runs, the
// choices still to come, and a running hash of every observation checkers
// and metrics read). If a schedule S' earlier in breadth-first order had
// the same hash at m, then S + (m, fate) + T runs exactly as S' + (m, fate)
// + T from that boundary on, with the same observed history, hence the same
// verdict, and S' + (m, fate) + T is no longer than it and comes first: S's
// children at m are not generated. So the first failing schedule found is
// the one the search without hashing finds. A run in which some part
// cannot hash its state records nothing: its children are all generated.
#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ostream.h>

#include "analysis/csv_reader.hpp"
#include "analysis/csv_writer.hpp"
#include "analysis/expect.hpp"
#include "analysis/output_dir.hpp"
#include "app/explore_run.hpp"
#include "app/parallel.hpp"
#include "app/progress.hpp"
#include "sim/strings.hpp"
#include "sim/units.hpp"

namespace ecsim {

namespace fs = std::filesystem;
using namespace explore_detail;

namespace {

std::string fate_name(MessageChoice::Fate f) { return std::string(kFateNames[static_cast<std::size_t>(f)]); }

struct Schedule {
  std::vector<MessageChoice> choices;
  std::string error;
  Verdict verdict;  // verdict.messages_sent: the choice points of its children
  bool hashed = false;  // state hashes asked for (a level with children to come)
  StateHashProbe probe;
  std::set<std::uint64_t> pruned;  // messages at which its children are not generated
};

std::string scenario_with(const ExplorePlan& plan, const std::vector<MessageChoice>& choices) {
  YAML::Node root = base_tree(plan);
  root.remove("choices");
  if (!choices.empty()) {
    YAML::Node list(YAML::NodeType::Sequence);
    for (const MessageChoice& c : choices) {
      YAML::Node e;
      e["message"] = c.message;
      e["fate"] = fate_name(c.fate);
      if (c.fate == MessageChoice::Fate::delay) e["by"] = format_duration(c.delay_ns);
      if (c.fate == MessageChoice::Fate::crash) e["restart_after"] = format_duration(c.restart_after_ns);
      e.SetStyle(YAML::EmitterStyle::Flow);
      list.push_back(e);
    }
    root["choices"] = list;
  }
  return yaml_text(root);
}

void run_schedule(const ExplorePlan& plan, Schedule& s) {
  try {
    s.verdict = evaluate(plan, scenario_with(plan, s.choices), "", nullptr, s.hashed ? &s.probe : nullptr);
  } catch (const std::exception& e) {
    s.error = e.what();
  }
}

// wall_s is the one metric no state hash covers: a property over it turns pruning off.
bool reads_wall_time(const ExplorePlan& plan) {
  for (const Expectation& e : plan.properties)
    for (const std::string& m : Expression::parse(e.text).metrics())
      if (m == "wall_s") return true;
  return false;
}

std::uint64_t last_choice(const Schedule& s) { return s.choices.empty() ? 0 : s.choices.back().message; }

// Every child of every schedule in `frontier`, in order, but those at a
// message where their parent was pruned; `pruned` counts the latter.
std::vector<Schedule> children(const std::vector<Schedule>& frontier, const ExhaustiveSpec& spec,
                               std::uint64_t& pruned) {
  std::vector<Schedule> out;
  for (const Schedule& parent : frontier) {
    const std::uint64_t after = last_choice(parent);
    const auto last = std::min<std::uint64_t>(static_cast<std::uint64_t>(parent.verdict.messages_sent), spec.messages);
    for (std::uint64_t m = after + 1; m <= last; ++m) {
      if (parent.pruned.count(m)) {
        pruned += spec.fates.size();
        continue;
      }
      for (MessageChoice::Fate f : spec.fates) {
        Schedule child;
        child.choices = parent.choices;
        MessageChoice c;
        c.message = m;
        c.fate = f;
        if (f == MessageChoice::Fate::delay) c.delay_ns = spec.delay_ns;
        if (f == MessageChoice::Fate::crash) c.restart_after_ns = spec.restart_after_ns;
        child.choices.push_back(c);
        out.push_back(std::move(child));
      }
    }
  }
  return out;
}

// "message 5 (n0 -> n1, sent at 200ms): drop" for each choice, from the run's events.csv.
std::vector<std::string> describe(const std::vector<MessageChoice>& choices, const fs::path& events) {
  std::map<std::uint64_t, std::string> sends;
  if (fs::exists(events)) {
    CsvReader in(events.string());
    const std::size_t t = in.require("time_ns"), node = in.require("node"), kind = in.require("kind"),
                      peer = in.require("peer"), msg = in.require("msg_id");
    while (in.next())
      if (in[kind] == "send")
        sends[std::stoull(std::string(in[msg]))] =
            fmt::format("{} -> {}, sent at {}", in[node], in[peer], format_duration(std::stoll(std::string(in[t]))));
  }
  std::vector<std::string> out;
  for (const MessageChoice& c : choices) {
    const auto it = sends.find(c.message);
    std::string how;
    if (c.fate == MessageChoice::Fate::delay) how = " by " + format_duration(c.delay_ns);
    if (c.fate == MessageChoice::Fate::crash)
      how = " (the sender crashes after sending it; restarts " + format_duration(c.restart_after_ns) + " later)";
    out.push_back(fmt::format("message {} ({}): {}{}", c.message, it == sends.end() ? "not sent" : it->second,
                              fate_name(c.fate), how));
  }
  return out;
}

class Search {
 public:
  Search(const ExplorePlan& plan, const ExploreOptions& opt, std::ostream& out)
      : plan_(plan), spec_(plan.exhaustive), opt_(opt), out_(out),
        dir_(opt.out_dir.empty() ? fs::path("out") / "explore" / (plan.name + "-exhaustive") : fs::path(opt.out_dir)) {}

  ExploreResult run();

 private:
  bool level(std::vector<Schedule>& schedules, int depth);
  void write_counterexample(const Schedule& s, AtomicOutputDir& dir);

  const ExplorePlan& plan_;
  const ExhaustiveSpec& spec_;
  const ExploreOptions& opt_;
  std::ostream& out_;
  fs::path dir_;
  std::uint64_t runs_ = 0;
  bool bound_reached_ = false;
  std::vector<std::pair<int, std::uint64_t>> levels_;  // depth, schedules run
  std::vector<std::uint64_t> pruned_at_;               // per level after the first: children not generated
  std::set<std::pair<std::uint64_t, std::uint64_t>> visited_;  // (message, world hash) seen so far
  std::uint64_t pruned_ = 0;
  bool hashing_ = spec_.state_hashing && !reads_wall_time(plan_);
  std::uint64_t unhashable_ = 0;  // schedules that could not hash their state (all their children run)
  std::string unhashable_why_;    // the part that could not, in the first of them
  const Schedule* found_ = nullptr;
  std::string error_;
};

// Runs one level; true when a schedule failed (found_ is the first, in order).
bool Search::level(std::vector<Schedule>& schedules, int depth) {
  if (runs_ + schedules.size() > spec_.max_runs) {
    schedules.resize(spec_.max_runs - runs_);
    bound_reached_ = true;
  }
  const bool hashing = hashing_ && depth < spec_.depth;  // the last level has no children
  for (Schedule& s : schedules) {
    s.hashed = hashing;
    s.probe.after = last_choice(s);
    s.probe.until = spec_.messages;
  }
  Progress progress(fmt::format("ecsim explore --exhaustive (depth {})", depth), schedules.size(), opt_.progress,
                    opt_.quiet);
  parallel_for(schedules.size(), opt_.jobs, [&](std::size_t i) { run_schedule(plan_, schedules[i]); }, &progress);
  runs_ += schedules.size();
  levels_.emplace_back(depth, schedules.size());
  // In breadth-first order, so that the first schedule to reach a state keeps its children.
  for (Schedule& s : schedules) {
    if (!s.hashed) continue;
    if (!s.probe.hashable && unhashable_++ == 0) unhashable_why_ = s.probe.unhashable;
    for (const auto& [m, hash] : s.probe.keys)
      if (!visited_.emplace(m, hash).second) s.pruned.insert(m);
    s.probe.keys = {};
  }
  for (const Schedule& s : schedules) {
    if (!s.error.empty()) {
      error_ = s.error;
      return true;
    }
    if (!s.verdict.broken.empty()) {
      found_ = &s;
      return true;
    }
  }
  return false;
}

void Search::write_counterexample(const Schedule& s, AtomicOutputDir& dir) {
  const fs::path traces = dir.temp_path() / "min-1";
  std::string summary;
  YAML::Node root = YAML::Load(scenario_with(plan_, s.choices));
  root["name"] = plan_.name + "-exhaustive-min-1";
  const std::string body = yaml_text(root);
  evaluate(plan_, body, traces.string(), &summary);
  const std::vector<std::string> what = describe(s.choices, traces / "events.csv");
  std::string header = fmt::format(
      "# Shortest schedule that breaks \"{}\" ({}): {} message choice{}, found by\n"
      "# ecsim explore {} --exhaustive after {} runs (depth <= {}, messages 1..{}).\n",
      plan_.properties[s.verdict.broken.front()].text, s.verdict.details.front(), s.choices.size(),
      s.choices.size() == 1 ? "" : "s", plan_.file, runs_, spec_.depth, spec_.messages);
  for (const std::string& w : what) header += "#   " + w + "\n";
  header += fmt::format("# Reproduce: ecsim run {}   (exit status 1: the property fails)\n", (dir_ / "min-1.yaml").string());
  write_file_atomic(dir.path("min-1.yaml"), header + body);
  fmt::print(out_, "  FAIL  {}   {}\n", plan_.properties[s.verdict.broken.front()].text, s.verdict.details.front());
  fmt::print(out_, "        shortest schedule: {} choice{}\n", s.choices.size(), s.choices.size() == 1 ? "" : "s");
  for (const std::string& w : what) fmt::print(out_, "          {}\n", w);
  const std::string min_file = (dir_ / "min-1.yaml").string();
  print_minimal(out_, min_file, "ecsim run " + min_file, {}, (dir_ / "min-1").string(),
                witness_lines(summary, traces.string()));
}

ExploreResult Search::run() {
  AtomicOutputDir dir(dir_);
  ExploreResult result;
  result.out_dir = dir_.string();
  std::vector<Schedule> frontier(1);  // the base scenario: no choices
  bool stop = level(frontier, 0);
  for (int depth = 1; !stop && depth <= spec_.depth && !bound_reached_; ++depth) {
    const std::uint64_t before = pruned_;
    std::vector<Schedule> next = children(frontier, spec_, pruned_);
    pruned_at_.push_back(pruned_ - before);
    if (next.empty()) break;
    frontier = std::move(next);
    stop = level(frontier, depth);
  }
  {
    CsvWriter w(dir.path("search.csv"));
    w.header({"depth", "schedules", "pruned"});
    for (std::size_t i = 0; i < levels_.size(); ++i)
      w.row(levels_[i].first, levels_[i].second, i == 0 ? 0 : pruned_at_[i - 1]);
    w.close();
  }
  std::vector<std::string> per_level;
  for (const auto& [d, n] : levels_) per_level.push_back(fmt::format("depth {}: {}", d, n));
  fmt::print(out_, "explore {} --exhaustive: {} schedules run ({}){}\n", plan_.name, runs_, join(per_level),
             bound_reached_ ? fmt::format("; stopped at max_runs {}", spec_.max_runs) : "");
  if (!spec_.state_hashing)
    fmt::print(out_, "  state hashing: off (exhaustive.state_hashing: false)\n");
  else if (!hashing_)
    fmt::print(out_, "  state hashing: off (a property reads wall_s, which no state hash covers)\n");
  else
    fmt::print(out_, "  state hashing: {} schedules pruned, {} distinct states{}\n", pruned_, visited_.size(),
               unhashable_ ? fmt::format("; {} schedules could not hash their state ({} cannot): their children "
                                         "all ran",
                                         unhashable_, unhashable_why_)
                           : "");
  result.runs_done = runs_;
  result.schedules_pruned = pruned_;
  result.distinct_states = visited_.size();
  if (!error_.empty()) {
    dir.commit();
    fmt::print(out_, "a schedule could not run: {}\n", error_);
    result.exit_code = 2;
    return result;
  }
  if (found_) {
    write_counterexample(*found_, dir);
    result.runs_failed = 1;
    result.exit_code = 1;
  } else {
    fmt::print(out_, "  no schedule of at most {} choice{} on messages 1..{} breaks a property{}\n", spec_.depth,
               spec_.depth == 1 ? "" : "s", spec_.messages, bound_reached_ ? " among those run" : "");
  }
  dir.commit();
  fmt::print(out_, "outputs: {}/ (search.csv{})\n", dir_.string(), found_ ? ", min-1.yaml, min-1/" : "");
  return result;
}

}  // namespace

ExploreResult run_exhaustive(const ExplorePlan& plan, const ExploreOptions& options, std::ostream& out) {
  return Search(plan, options, out).run();
}

}  // namespace ecsim
