// Delta debugging of a failing scenario. See shrink.hpp.
#include "app/shrink.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <optional>
#include <stdexcept>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "app/parallel.hpp"
#include "app/sample_rules.hpp"
#include "sim/units.hpp"
#include "sim/yaml_path.hpp"

namespace ecsim {

namespace {

// Counts that can go down (each tried only where the scenario sets it).
const std::vector<std::string> kCountPaths = {
    "topology.nodes", "store.keys", "workload.clients", "workload.sessions_per_client", "sagas.count"};
// Durations that can get shorter.
const std::vector<std::string> kDurationPaths = {"workload.stop", "duration"};
// Values inside a fault that can move toward zero, down to a floor below
// which a smaller value reads no more plainly (and each step would cost a
// run): durations (a clock offset may be negative) to 1 ms, drift to 1 ppm,
// probabilities to 0.001 (the nemesis's precision). `until` ends a window
// and shrinks toward the fault's `at`.
const std::vector<std::string> kFaultDurations = {"offset", "restart_after"};
constexpr SimTime kDurationFloor = kMillisecond;
const std::vector<std::pair<std::string, double>> kFaultNumbers = {{"drift_ppm", 1}, {"loss", 0.001}, {"duplicate", 0.001}};
// Sections a counterexample may not need (their defaults are the plain case).
const std::vector<std::string> kDroppable = {"workload", "clocks", "network", "replicas"};

// The node at a dotted path (list indices as numbers), or an invalid node.
YAML::Node at_path(const YAML::Node& root, const std::string& dotted) {
  YAML::Node cur = root;
  for (const std::string& seg : split_yaml_path(dotted)) {
    if (!cur.IsDefined() || cur.IsNull() || cur.IsScalar()) return YAML::Node(YAML::NodeType::Undefined);
    YAML::Node next = cur.IsSequence() ? cur[std::stoul(seg)] : cur[seg];
    cur.reset(next);
  }
  return cur;
}

std::optional<std::int64_t> as_integer(const YAML::Node& n) {
  if (!n.IsDefined() || !n.IsScalar()) return std::nullopt;
  try {
    std::size_t used = 0;
    const std::int64_t v = std::stoll(n.Scalar(), &used);
    if (used == n.Scalar().size()) return v;
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

std::optional<SimTime> as_duration(const YAML::Node& n, bool allow_negative = false) {
  if (!n.IsDefined() || !n.IsScalar()) return std::nullopt;
  try {
    return parse_duration(n.Scalar(), allow_negative);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::optional<double> as_number(const YAML::Node& n) {
  if (!n.IsDefined() || !n.IsScalar()) return std::nullopt;
  try {
    std::size_t used = 0;
    const double v = std::stod(n.Scalar(), &used);
    if (used == n.Scalar().size()) return v;
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

// Fractions of a value tried when shrinking it toward zero, smallest first.
constexpr std::array<double, 4> kFractions = {0.125, 0.25, 0.5, 0.75};

class Shrinker {
 public:
  Shrinker(const std::string& yaml, const std::function<bool(const std::string&)>& fails, unsigned jobs,
           std::uint64_t max_runs, ShrinkReport& report)
      : root_(YAML::Load(yaml)), fails_(fails), jobs_(std::max(1u, jobs)), max_runs_(max_runs), report_(report) {}

  std::string run() {
    record_sizes(before_);
    bool changed = true;
    while (changed && !report_.budget_exhausted) {
      changed = false;
      for (const std::string& key : kDroppable) changed |= drop_section(key);
      changed |= ddmin_list("faults");
      changed |= ddmin_list("ops");
      changed |= compact_nodes();
      for (const std::string& path : count_paths())
        changed |= reduce(path, [this](const std::string& p) { return integer_candidates(p); });
      for (const std::string& path : kDurationPaths)
        changed |= reduce(path, [this](const std::string& p) { return duration_candidates(p); });
      changed |= reduce("workload.rate", [this](const std::string&) { return rate_candidates(); });
      changed |= shrink_fault_values();  // last: the counts above read more plainly with the values as drawn
    }
    std::map<std::string, std::string> after;
    record_sizes(after);
    for (const auto& [what, before] : before_) {
      const auto it = after.find(what);
      if (it == after.end()) report_.reduced.push_back("dropped " + what);
      else if (it->second != before) report_.reduced.push_back(fmt::format("{} {} -> {}", what, before, it->second));
    }
    for (const auto& [what, change] : value_changes_)
      report_.reduced.push_back(fmt::format("{} {} -> {}", what, change.first, change.second));
    return yaml_text(root_);
  }

 private:
  // The sizes the report compares: list lengths, counts, durations, sections present.
  void record_sizes(std::map<std::string, std::string>& out) const {
    for (const char* list : {"faults", "ops"})
      if (root_[list] && root_[list].IsSequence()) out[list] = std::to_string(root_[list].size());
    for (const std::string& p : count_paths()) out[p] = at_path(root_, p).Scalar();
    for (const std::string& p : kDurationPaths)
      if (const YAML::Node n = at_path(root_, p); n.IsDefined() && n.IsScalar()) out[p] = n.Scalar();
    if (const YAML::Node n = at_path(root_, "workload.rate"); n.IsDefined() && n.IsScalar()) out["workload.rate"] = n.Scalar();
    for (const std::string& key : kDroppable)
      if (root_[key]) out[key] = "present";
  }

  // Every count path the scenario sets as a plain integer (regions' node counts included).
  std::vector<std::string> count_paths() const {
    std::vector<std::string> out;
    for (const std::string& p : kCountPaths)
      if (as_integer(at_path(root_, p))) out.push_back(p);
    const YAML::Node regions = at_path(root_, "topology.regions");
    if (regions.IsDefined() && regions.IsSequence())
      for (std::size_t i = 0; i < regions.size(); ++i)
        if (const std::string p = fmt::format("topology.regions.{}.nodes", i); as_integer(at_path(root_, p))) out.push_back(p);
    return out;
  }

  // Evaluates candidates in order, `jobs` at a time; the first failing one.
  std::optional<std::size_t> first_failing(const std::vector<std::string>& candidates) {
    for (std::size_t start = 0; start < candidates.size(); start += jobs_) {
      const std::size_t n = std::min<std::size_t>(jobs_, candidates.size() - start);
      std::vector<char> failed(n, 0);
      parallel_for(n, jobs_, [&](std::size_t k) { failed[k] = fails_(candidates[start + k]) ? 1 : 0; });
      for (std::size_t k = 0; k < n; ++k) {
        if (++report_.runs > max_runs_) {
          report_.budget_exhausted = true;
          return std::nullopt;
        }
        if (failed[k]) return start + k;
      }
    }
    return std::nullopt;
  }

  std::string with(const std::string& path, const YAML::Node& value) const {
    YAML::Node c = YAML::Clone(root_);
    set_yaml_path(c, path, value);
    return yaml_text(c);
  }

  bool take(const std::string& path, const YAML::Node& value) {
    set_yaml_path(root_, path, value);
    return true;
  }

  bool drop_section(const std::string& key) {
    if (!root_[key] || report_.budget_exhausted) return false;
    if (key == "workload" && !(root_["ops"] || root_["sagas"])) return false;  // the only source of operations
    YAML::Node c = YAML::Clone(root_);
    c.remove(key);
    if (!first_failing({yaml_text(c)})) return false;
    root_.remove(key);
    return true;
  }

  // The items `picks` selects (indices into `items`), as a new list. Indices,
  // not copies of nodes: assigning a YAML::Node over another rebinds the
  // shared node in the tree it came from.
  static YAML::Node list_of(const std::vector<YAML::Node>& items, const std::vector<std::size_t>& picks) {
    YAML::Node seq(YAML::NodeType::Sequence);
    for (std::size_t i : picks) seq.push_back(YAML::Clone(items[i]));
    return seq;
  }

  // ddmin: try each of n chunks alone, then each complement; on success
  // restart from the smaller list, otherwise split finer.
  bool ddmin_list(const std::string& key) {
    if (!root_[key] || !root_[key].IsSequence() || root_[key].size() == 0 || report_.budget_exhausted) return false;
    const std::vector<YAML::Node> items(root_[key].begin(), root_[key].end());
    std::vector<std::size_t> cur(items.size());
    for (std::size_t i = 0; i < cur.size(); ++i) cur[i] = i;
    if (first_failing({with(key, list_of(items, {}))})) return take(key, list_of(items, {}));
    std::size_t n = 2;
    while (cur.size() >= 2 && !report_.budget_exhausted) {
      n = std::min(n, cur.size());
      std::vector<std::vector<std::size_t>> parts;  // chunks, then complements
      for (std::size_t i = 0; i < n; ++i)
        parts.emplace_back(cur.begin() + static_cast<long>(cur.size() * i / n),
                           cur.begin() + static_cast<long>(cur.size() * (i + 1) / n));
      if (n > 2)
        for (std::size_t i = 0; i < n; ++i) {
          std::vector<std::size_t> rest;
          for (std::size_t j = 0; j < n; ++j)
            if (j != i) rest.insert(rest.end(), parts[j].begin(), parts[j].end());
          parts.push_back(std::move(rest));
        }
      std::vector<std::string> candidates;
      for (const auto& p : parts) candidates.push_back(with(key, list_of(items, p)));
      const std::optional<std::size_t> hit = first_failing(candidates);
      if (hit) {
        cur = parts[*hit];
        n = *hit < n ? 2 : std::max<std::size_t>(n - 1, 2);
      } else if (n >= cur.size()) {
        break;
      } else {
        n = std::min(2 * n, cur.size());
      }
    }
    if (cur.size() == items.size()) return false;
    return take(key, list_of(items, cur));
  }

  // Node names n<i> in the scenario's values (not in `name:`), for renaming.
  static void node_refs(const YAML::Node& n, std::vector<YAML::Node>& out) {
    if (n.IsScalar()) {
      const std::string& s = n.Scalar();
      if (s.size() >= 2 && s[0] == 'n' && s.find_first_not_of("0123456789", 1) == std::string::npos) out.push_back(n);
    } else if (n.IsSequence()) {
      for (const auto& item : n) node_refs(item, out);
    } else if (n.IsMap()) {
      for (auto it = n.begin(); it != n.end(); ++it)
        if (!(it->first.IsScalar() && it->first.Scalar() == "name")) node_refs(it->second, out);
    }
  }

  // With a plain `topology.nodes: N` (no regions), renames the nodes the
  // scenario names to n0, n1, ... in order, so that fewer nodes can do:
  // a lost write between n1 and n3 of 4 nodes becomes one between n0 and n1 of 2.
  bool compact_nodes() {
    if (report_.budget_exhausted || !as_integer(at_path(root_, "topology.nodes")) ||
        at_path(root_, "topology.regions").IsDefined())
      return false;
    YAML::Node c = YAML::Clone(root_);
    std::vector<YAML::Node> refs;
    node_refs(c, refs);
    std::vector<std::uint64_t> used;
    for (const YAML::Node& r : refs) used.push_back(std::stoull(r.Scalar().substr(1)));
    std::sort(used.begin(), used.end());
    used.erase(std::unique(used.begin(), used.end()), used.end());
    bool identity = true;
    for (std::size_t i = 0; i < used.size(); ++i) identity &= used[i] == i;
    if (identity) return false;
    for (YAML::Node r : refs) {
      const auto old = std::stoull(r.Scalar().substr(1));
      r = "n" + std::to_string(std::lower_bound(used.begin(), used.end(), old) - used.begin());  // this clone's own node
    }
    if (!first_failing({yaml_text(c)})) return false;
    root_ = c;
    return true;
  }

  // Each remaining fault's values toward zero (a smaller clock step, a
  // shorter outage or window, a lower probability). The report names the
  // fault by its position in the list at that time.
  bool shrink_fault_values() {
    if (!root_["faults"] || !root_["faults"].IsSequence()) return false;
    bool changed = false;
    for (std::size_t i = 0; i < root_["faults"].size(); ++i) {
      for (const std::string& field : kFaultDurations)
        changed |= reduce_value(fmt::format("faults.{}.{}", i, field), [this](const std::string& p) {
          return scaled_durations(p, 0);
        });
      for (const auto& [field, floor] : kFaultNumbers)
        changed |= reduce_value(fmt::format("faults.{}.{}", i, field),
                                [this, floor = floor](const std::string& p) { return scaled_numbers(p, floor); });
      const std::optional<SimTime> at = as_duration(at_path(root_, fmt::format("faults.{}.at", i)));
      if (at)
        changed |= reduce_value(fmt::format("faults.{}.until", i),
                                [this, at](const std::string& p) { return scaled_durations(p, *at); });
    }
    return changed;
  }

  // reduce(), remembering the value before the first change for the report.
  template <class Proposals>
  bool reduce_value(const std::string& path, Proposals values) {
    const YAML::Node n = at_path(root_, path);
    if (!n.IsDefined() || !n.IsScalar()) return false;
    const std::string before = n.Scalar();
    if (!reduce(path, values)) return false;
    auto [it, fresh] = value_changes_.try_emplace(path, before, "");
    it->second.second = at_path(root_, path).Scalar();
    return true;
  }

  // origin + (value - origin) * f for the fractions, rounded to 2 significant
  // digits; the value may be negative (a clock offset).
  std::vector<YAML::Node> scaled_durations(const std::string& path, SimTime origin) const {
    const std::optional<SimTime> v = as_duration(at_path(root_, path), true);
    std::vector<YAML::Node> out;
    if (!v || *v == origin) return out;
    for (const double f : kFractions) {
      const SimTime x = origin + std::llround(round_significant(static_cast<double>(*v - origin) * f, 2));
      if (x != *v && std::abs(x - origin) >= kDurationFloor && (out.empty() || out.back().Scalar() != format_duration(x)))
        out.emplace_back(format_duration(x));
    }
    return out;
  }

  std::vector<YAML::Node> scaled_numbers(const std::string& path, double floor) const {
    const std::optional<double> v = as_number(at_path(root_, path));
    std::vector<YAML::Node> out;
    if (!v) return out;
    for (const double f : kFractions)
      if (const double x = round_significant(*v * f, 2); std::abs(x) >= floor && x != *v) out.emplace_back(fmt::format("{}", x));
    return out;
  }

  std::vector<YAML::Node> integer_candidates(const std::string& path) const {
    const std::int64_t v = *as_integer(at_path(root_, path));
    std::vector<std::int64_t> xs = {1, 2, v / 4, v / 2, 3 * v / 4, v - 1};
    std::sort(xs.begin(), xs.end());
    xs.erase(std::unique(xs.begin(), xs.end()), xs.end());
    std::vector<YAML::Node> out;
    for (std::int64_t x : xs)
      if (x >= 1 && x < v) out.emplace_back(std::to_string(x));
    return out;
  }

  std::vector<YAML::Node> duration_candidates(const std::string& path) const {
    const std::optional<SimTime> v = as_duration(at_path(root_, path));
    std::vector<YAML::Node> out;
    if (!v || *v <= 0) return out;
    SimTime last = 0;
    for (const double f : {0.125, 0.25, 0.5, 0.75}) {
      const auto x = static_cast<SimTime>(round_significant(static_cast<double>(*v) * f, 2));
      if (x > last && x < *v) out.emplace_back(format_duration(x));
      last = std::max(last, x);
    }
    return out;
  }

  std::vector<YAML::Node> rate_candidates() const {
    const YAML::Node n = at_path(root_, "workload.rate");
    std::vector<YAML::Node> out;
    if (!n.IsDefined() || !n.IsScalar()) return out;
    try {
      const double v = parse_rate_per_s(n.Scalar());
      for (const double f : {0.125, 0.25, 0.5})
        if (const double x = round_significant(v * f, 2); x > 0) out.emplace_back(format_rate(x));
    } catch (const std::exception&) {
    }
    return out;
  }

  // Takes the first (smallest) failing value of `path` among those `values`
  // proposes for its current value, until none fails.
  template <class Proposals>
  bool reduce(const std::string& path, Proposals values) {
    bool changed = false;
    std::vector<std::string> tried;  // values that did not fail: the property does not depend on other paths' values here
    while (!report_.budget_exhausted) {
      std::vector<YAML::Node> fresh;
      for (const YAML::Node& v : values(path))
        if (std::find(tried.begin(), tried.end(), v.Scalar()) == tried.end()) fresh.push_back(v);
      if (fresh.empty()) break;
      std::vector<std::string> candidates;
      for (const YAML::Node& v : fresh) candidates.push_back(with(path, v));
      const std::optional<std::size_t> hit = first_failing(candidates);
      for (std::size_t i = 0; i < (hit ? *hit : fresh.size()); ++i) tried.push_back(fresh[i].Scalar());
      if (!hit) break;
      take(path, fresh[*hit]);
      changed = true;
    }
    return changed;
  }

  YAML::Node root_;
  const std::function<bool(const std::string&)>& fails_;
  unsigned jobs_;
  std::uint64_t max_runs_;
  ShrinkReport& report_;
  std::map<std::string, std::string> before_;
  std::map<std::string, std::pair<std::string, std::string>> value_changes_;  // fault value path -> (first, last)
};

}  // namespace

std::string shrink_scenario(const std::string& yaml, const std::function<bool(const std::string&)>& fails, unsigned jobs,
                            std::uint64_t max_runs, ShrinkReport& report) {
  return Shrinker(yaml, fails, jobs, max_runs, report).run();
}

}  // namespace ecsim
