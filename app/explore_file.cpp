// `ecsim explore`: reading and checking the explore file. See explore.hpp and
// docs/EXPLORE.md.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "app/explore.hpp"
#include "app/input_files.hpp"
#include "app/modules.hpp"
#include "app/runner.hpp"
#include "sim/config_nodes.hpp"
#include "sim/strings.hpp"
#include "sim/scenario_loader.hpp"
#include "sim/units.hpp"
#include "sim/yaml_node.hpp"
#include "sim/yaml_path.hpp"

namespace ecsim {

namespace fs = std::filesystem;
using detail::MapReader;
using detail::YamlReader;
using detail::YamlValue;

namespace {

// The values a rule can produce at its extremes (every value of a choice):
// each must be valid for its path, so that no run fails on a bad draw.
std::vector<std::string> extreme_values(const SampleRule& rule) {
  switch (rule.dist) {
    case SampleRule::Dist::choice: {
      std::vector<std::string> out;
      for (const SampledValue& v : rule.values) out.push_back(v.yaml);
      return out;
    }
    case SampleRule::Dist::integer: return {std::to_string(rule.int_lo), std::to_string(rule.int_hi)};
    case SampleRule::Dist::uniform:
    case SampleRule::Dist::log_uniform: break;
  }
  if (rule.durations)
    return {format_duration(static_cast<SimTime>(rule.lo)), format_duration(static_cast<SimTime>(rule.hi))};
  return {fmt::format("{}", rule.lo), fmt::format("{}", rule.hi)};
}

class ExploreReader {
 public:
  explicit ExploreReader(std::string file) : file_(std::move(file)), r_(file_) {}
  ExplorePlan read();

 private:
  void base(const YamlValue& v);
  void name(const std::optional<YamlValue>& v);
  void budget(const MapReader& top);
  void sample(const YamlValue& v);
  void check_sample() const;
  void properties(const YamlValue& v, const Scenario& base);
  void shrink(const YamlValue& v);
  void exhaustive(const YamlValue& v);

  std::string file_;
  YamlReader r_;
  ExplorePlan plan_;
};

ExplorePlan ExploreReader::read() {
  const YAML::Node root = detail::parse_one_document(read_input_file(file_, "explore file"), file_, "explore file");
  if (root.IsNull()) throw ScenarioError(file_, 1, 1, "explore file is empty: expected a map with base:, nemesis: and expect:");
  if (!root.IsMap())
    r_.fail(root, "an explore file is a map of keys (base:, nemesis:, expect:, ...), got " + detail::YamlReader::describe(root));
  const MapReader top(r_, YamlValue{root, YAML::Node(), false, ""});
  top.allow({"base", "name", "seed", "runs", "time_budget", "sim_time_budget", "nemesis", "sample", "expect", "shrink", "exhaustive"});
  plan_.file = file_;
  base(top.require("base"));
  name(top.get("name"));
  budget(top);
  if (auto v = top.get("nemesis")) {
    plan_.nemesis = read_nemesis(r_, *v);
    plan_.has_nemesis = true;
  }
  if (auto v = top.get("exhaustive")) exhaustive(*v);
  if (!top.has("nemesis") && !top.has("exhaustive"))
    r_.fail(top.self(), "an explore file needs nemesis: (randomized fault schedules) or exhaustive: (the bound of "
                        "--exhaustive), or both");
  if (auto v = top.get("sample")) sample(*v);
  if (auto v = top.get("shrink")) shrink(*v);

  plan_.modules = &scenario_modules(plan_.base_file);
  const Scenario base_scenario = load_scenario_with_modules(plan_.base_file);
  plan_.base_nodes = base_scenario.topology.node_names;
  plan_.base_duration = base_scenario.duration_ns;
  plan_.base_need = memory_need(base_scenario);
  check_sample();
  properties(top.require("expect"), base_scenario);
  return std::move(plan_);
}

void ExploreReader::base(const YamlValue& v) {
  plan_.base_file = resolve_base_file(r_, v, file_);
  plan_.base_text = read_input_file(plan_.base_file, "scenario file");
}

void ExploreReader::name(const std::optional<YamlValue>& v) {
  plan_.name = v ? r_.scalar(*v, "a name") : fs::path(file_).stem().string();
  // lww-skew.explore.yaml explores as lww-skew
  if (!v && plan_.name.size() > 8 && plan_.name.ends_with(".explore")) plan_.name.resize(plan_.name.size() - 8);
  if (!detail::is_plain_name(plan_.name))
    r_.fail(*v, fmt::format("name: expected letters, digits, '_', '.', '-', got '{}'", plan_.name));
}

void ExploreReader::budget(const MapReader& top) {
  if (auto v = top.get("seed")) plan_.seed = r_.unsigned64(*v);
  if (auto v = top.get("runs")) plan_.runs = static_cast<std::uint64_t>(r_.integer(*v, 1, 1'000'000'000));
  if (auto v = top.get("time_budget")) {
    const SimTime t = r_.duration(*v);
    if (t <= 0) r_.fail(*v, "time_budget: must be positive (wall-clock time, e.g. 60s)");
    plan_.time_budget_s = static_cast<double>(t) / kSecond;
  }
  if (auto v = top.get("sim_time_budget")) {
    const SimTime t = r_.duration(*v);
    if (t <= 0) r_.fail(*v, "sim_time_budget: must be positive (simulated time summed over the runs, e.g. 1h)");
    plan_.sim_time_budget_s = static_cast<double>(t) / kSecond;
  }
}

void ExploreReader::sample(const YamlValue& v) {
  const MapReader m(r_, v);
  for (const auto& f : m.fields()) {
    try {
      split_yaml_path(f.name);
    } catch (const std::invalid_argument& e) {
      r_.fail_key(f.value, fmt::format("sample: {}", e.what()));
    }
    const std::string first = f.name.substr(0, f.name.find('.'));
    if (first == "seed") r_.fail_key(f.value, "sample: the seed is not a parameter: every run has its own seed");
    if (first == "output") r_.fail_key(f.value, fmt::format("sample: '{}' cannot be sampled: explore sets the outputs", f.name));
    if (first == "faults") r_.fail_key(f.value, "sample: faults come from nemesis:, not from sample:");
    if (first == "topology" || first == "duration") plan_.sample_changes_topology = true;
    plan_.sample.push_back({f.name, read_sample_rule(r_, f.value)});
  }
}

// Every sampled path at each extreme of its rule, one at a time, loads.
void ExploreReader::check_sample() const {
  for (const ExploreParam& p : plan_.sample)
    for (const std::string& value : extreme_values(p.rule)) {
      LoadOptions lo;
      lo.overrides = {p.path + "=" + value};
      try {
        load_scenario_with_modules(plan_.base_file, lo);
      } catch (const ScenarioError& e) {
        throw ScenarioError(file_, p.rule.pos.line, p.rule.pos.column,
                            fmt::format("sample: {} = {} is not valid for the base scenario: {}", p.path, value,
                                        bare_message(e)));
      }
    }
}

void ExploreReader::properties(const YamlValue& v, const Scenario& base) {
  for (const YamlValue& item : r_.scalar_or_list(v)) {
    const std::string text = r_.scalar(item, "a property such as \"lost_writes == 0\"");
    plan_.properties.push_back(Expectation{text, r_.position(item.node)});
  }
  if (plan_.properties.empty()) r_.fail(v, "expect: name at least one property, e.g. \"lost_writes == 0\"");
  // The metrics must exist and apply to the base: checked as a scenario's expect: would be, at this file's lines.
  Scenario s = base;
  s.source_file = file_;
  s.checks.expect = plan_.properties;
  check_runnable(s, *plan_.modules);
}

void ExploreReader::shrink(const YamlValue& v) {
  if (v.node.IsScalar()) {
    plan_.shrink = r_.boolean(v);
    return;
  }
  const MapReader m(r_, v);
  m.allow({"max_runs"});
  if (auto x = m.get("max_runs")) plan_.shrink_max_runs = static_cast<std::uint64_t>(r_.integer(*x, 1, 10'000'000));
}

void ExploreReader::exhaustive(const YamlValue& v) {
  const MapReader m(r_, v);
  m.allow({"depth", "messages", "fates", "delay", "restart_after", "max_runs", "state_hashing"});
  ExhaustiveSpec& e = plan_.exhaustive;
  if (auto x = m.get("depth")) e.depth = static_cast<int>(r_.integer(*x, 1, 10));
  if (auto x = m.get("messages")) e.messages = static_cast<std::uint64_t>(r_.integer(*x, 1, 1'000'000));
  if (auto x = m.get("fates")) {
    e.fates.clear();
    static const std::vector<std::string> names(kFateNames.begin(), kFateNames.end());
    for (const YamlValue& item : r_.scalar_or_list(*x)) {
      const auto fate = static_cast<MessageChoice::Fate>(r_.choice(item, names));
      if (std::find(e.fates.begin(), e.fates.end(), fate) != e.fates.end())
        r_.fail(item, fmt::format("{}: '{}' is listed twice", x->path, item.node.Scalar()));
      e.fates.push_back(fate);
    }
    if (e.fates.empty()) r_.fail(*x, fmt::format("exhaustive.fates: name at least one of {}", join(names)));
  }
  if (auto x = m.get("delay")) {
    e.delay_ns = r_.duration(*x);
    if (e.delay_ns <= 0) r_.fail(*x, "exhaustive.delay must be positive");
  }
  if (auto x = m.get("restart_after")) {
    e.restart_after_ns = r_.duration(*x);
    if (e.restart_after_ns <= 0) r_.fail(*x, "exhaustive.restart_after must be positive");
  }
  if (auto x = m.get("max_runs")) e.max_runs = static_cast<std::uint64_t>(r_.integer(*x, 1, 100'000'000));
  if (auto x = m.get("state_hashing")) e.state_hashing = r_.boolean(*x);
}

}  // namespace

ExplorePlan load_explore(const std::string& file) { return ExploreReader(file).read(); }

}  // namespace ecsim
