// `ecsim sweep`: reading and validating the sweep file (YAML) into a plan;
// the points and runs come from sweep_plan.cpp. See sweep.hpp and docs/SWEEPS.md.
#include "app/sweep.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "app/modules.hpp"
#include "app/runner.hpp"
#include "app/sample_rules.hpp"
#include "app/sweep_expect.hpp"
#include "app/sweep_plan.hpp"
#include "sim/did_you_mean.hpp"
#include "sim/rng.hpp"
#include "sim/scenario_loader.hpp"
#include "sim/units.hpp"
#include "sim/yaml_node.hpp"
#include "sim/yaml_path.hpp"

namespace ecsim {

namespace fs = std::filesystem;
using detail::MapReader;
using detail::YamlReader;
using detail::YamlValue;
using sweep_detail::AxisValue;
using sweep_detail::Axis;
using sweep_detail::ParamInfo;

namespace {

class SweepReader {
 public:
  explicit SweepReader(std::string file) : file_(std::move(file)), r_(file_) {}

  SweepPlan read();

 private:
  YAML::Node read_file();
  SourcePos pos(const YAML::Node& n) const { return r_.position(n); }
  void base(const YamlValue& v);
  void name(const std::optional<YamlValue>& v);
  std::size_t add_param(const detail::MapField& f, const std::string& section);
  void grid(const YamlValue& v);
  void zip(const YamlValue& v);
  void sample(const YamlValue& v);
  void seeds(const std::optional<YamlValue>& v, std::uint64_t base_seed);
  void metrics(const std::optional<YamlValue>& v);
  void expect(const std::optional<YamlValue>& v);

  std::string file_;
  YamlReader r_;
  SweepPlan plan_;
  std::vector<ParamInfo> params_;
  std::vector<Axis> axes_;
};

SweepPlan SweepReader::read() {
  const YAML::Node root = read_file();
  const MapReader top(r_, YamlValue{root, YAML::Node(), false, ""});
  top.allow({"base", "name", "grid", "zip", "sample", "seeds", "metrics", "expect"});
  plan_.file = file_;
  base(top.require("base"));
  name(top.get("name"));
  if (auto v = top.get("grid")) grid(*v);
  if (auto v = top.get("zip")) zip(*v);
  if (auto v = top.get("sample")) sample(*v);
  // The base's metrics: the in-tree modules' and those of its `modules:` libraries.
  plan_.modules = &scenario_modules(plan_.base_file);
  plan_.run_metrics = known_metrics(*plan_.modules);
  metrics(top.get("metrics"));
  expect(top.get("expect"));
  for (const ParamInfo& p : params_) plan_.params.push_back(p.path);

  // The base alone first: its own errors are reported as they are, and it gives the base seed.
  const Scenario base_scenario = load_scenario_with_modules(plan_.base_file);
  seeds(top.get("seeds"), base_scenario.seed);
  sweep_detail::expand_points(plan_, params_, axes_);
  sweep_detail::add_runs(plan_);
  sweep_detail::check_expect_names(plan_);
  return std::move(plan_);
}

YAML::Node SweepReader::read_file() {
  std::error_code ec;
  if (!fs::is_regular_file(file_, ec))
    throw ScenarioError(file_, 0, 0, fmt::format("sweep file not found (looked in {})",
                                                 fs::absolute(file_, ec).lexically_normal().string()));
  std::ifstream in(file_, std::ios::binary);
  if (!in) throw ScenarioError(file_, 0, 0, "cannot open sweep file");
  std::stringstream text;
  text << in.rdbuf();
  const YAML::Node root = detail::parse_one_document(text.str(), file_, "sweep file");
  if (root.IsNull()) throw ScenarioError(file_, 1, 1, "sweep file is empty: expected a map with base: and grid:, zip: or sample:");
  return root;
}

void SweepReader::base(const YamlValue& v) {
  const fs::path base_path(r_.scalar(v, "the path of a scenario file"));
  plan_.base_file = (base_path.is_absolute() ? base_path : fs::path(file_).parent_path() / base_path).string();
  if (!fs::is_regular_file(plan_.base_file))
    r_.fail(v, fmt::format("base: scenario file not found (looked in {})",
                           fs::absolute(plan_.base_file).lexically_normal().string()));
}

void SweepReader::name(const std::optional<YamlValue>& v) {
  if (!v) {
    plan_.name = fs::path(file_).stem().string();
    return;
  }
  plan_.name = r_.scalar(*v, "a name");
  const bool ok = !plan_.name.empty() && plan_.name != "." && plan_.name != ".." &&
                  plan_.name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") ==
                      std::string::npos;
  if (!ok) r_.fail(*v, fmt::format("name: expected letters, digits, '_', '.', '-', got '{}'", plan_.name));
}

std::size_t SweepReader::add_param(const detail::MapField& f, const std::string& section) {
  const std::string& path = f.name;
  try {
    split_yaml_path(path);
  } catch (const std::invalid_argument& e) {
    r_.fail_key(f.value, fmt::format("{}: {}", section, e.what()));
  }
  const std::string first = path.substr(0, path.find('.'));
  if (first == "seed")
    r_.fail_key(f.value, fmt::format("{}: the seed is not a parameter; replicate with 'seeds: N' (seed = base seed + i)", section));
  if (first == "output")
    r_.fail_key(f.value, fmt::format("{}: '{}' cannot be swept: ecsim sweep sets the outputs of its runs", section, path));
  for (const ParamInfo& p : params_)
    if (p.path == path)
      r_.fail_key(f.value, fmt::format("{}: '{}' is swept twice (first on line {})", section, path, p.pos.line));
  params_.push_back({path, pos(f.value.key)});
  return params_.size() - 1;
}

void SweepReader::grid(const YamlValue& v) {
  const MapReader m(r_, v);
  for (const auto& f : m.fields()) {
    const std::size_t param = add_param(f, "grid");
    const auto items = r_.list(f.value);
    if (items.empty()) r_.fail(f.value, fmt::format("grid: '{}' needs a non-empty list of values", f.name));
    Axis axis;
    axis.params = {param};
    for (const auto& item : items) axis.steps.push_back({literal_value(r_, item)});
    axes_.push_back(std::move(axis));
  }
}

void SweepReader::zip(const YamlValue& v) {
  const MapReader m(r_, v);
  if (m.fields().empty()) return;
  Axis axis;
  std::size_t length = 0;
  const detail::MapField* first = nullptr;
  for (const auto& f : m.fields()) {
    axis.params.push_back(add_param(f, "zip"));
    const auto items = r_.list(f.value);
    if (items.empty()) r_.fail(f.value, fmt::format("zip: '{}' needs a non-empty list of values", f.name));
    if (first == nullptr) {
      first = &f;
      length = items.size();
      axis.steps.resize(length);
    } else if (items.size() != length) {
      r_.fail(f.value, fmt::format("zip: '{}' has {} values but '{}' has {}; zipped lists are taken together and "
                                   "must have equal lengths (use grid: for all combinations)",
                                   f.name, items.size(), first->name, length));
    }
    for (std::size_t i = 0; i < items.size(); ++i) axis.steps[i].push_back(literal_value(r_, items[i]));
  }
  axes_.push_back(std::move(axis));
}

void SweepReader::sample(const YamlValue& v) {
  const MapReader m(r_, v);
  m.allow({"count", "seed", "params"});
  const std::int64_t count = r_.integer(m.require("count"), 1, 1'000'000);
  const std::uint64_t seed = m.has("seed") ? r_.unsigned64(*m.get("seed")) : 1;
  const MapReader params(r_, m.require("params"));
  if (params.fields().empty()) r_.fail(params.self(), "sample.params: name at least one path to sample");
  Axis axis;
  std::vector<SampleRule> rules;
  for (const auto& f : params.fields()) {
    axis.params.push_back(add_param(f, "sample"));
    rules.push_back(read_sample_rule(r_, f.value));
  }
  // One stream for the whole sample: point i draws its parameters in file order.
  Rng rng = Rng::stream(seed, "sweep.sample");
  for (std::int64_t i = 0; i < count; ++i) {
    std::vector<AxisValue> step;
    for (const SampleRule& rule : rules) step.push_back(draw_sample(rule, rng));
    axis.steps.push_back(std::move(step));
  }
  axes_.push_back(std::move(axis));
}

void SweepReader::seeds(const std::optional<YamlValue>& v, std::uint64_t base_seed) {
  if (!v) {
    plan_.seeds = {base_seed};
    return;
  }
  if (v->node.IsSequence()) {
    for (const YamlValue& item : r_.list(*v)) {
      const std::uint64_t s = r_.unsigned64(item);
      if (std::find(plan_.seeds.begin(), plan_.seeds.end(), s) != plan_.seeds.end())
        r_.fail(item, fmt::format("seeds: {} is listed twice", s));
      plan_.seeds.push_back(s);
    }
    if (plan_.seeds.empty()) r_.fail(*v, "seeds: the list is empty");
    return;
  }
  const std::int64_t n = r_.integer(*v, 1, 1'000'000);
  for (std::int64_t i = 0; i < n; ++i) plan_.seeds.push_back(base_seed + static_cast<std::uint64_t>(i));
}

void SweepReader::metrics(const std::optional<YamlValue>& v) {
  const std::vector<std::string>& known = plan_.run_metrics;
  if (!v) {
    for (const std::string& m : known)
      if (m != "wall_s") plan_.metrics.push_back(m);  // wall_s only when asked: it is not deterministic
    return;
  }
  for (const YamlValue& item : r_.scalar_or_list(*v)) {
    const std::string name = r_.scalar(item, "a metric name");
    if (std::find(known.begin(), known.end(), name) == known.end())
      r_.fail(item, fmt::format("metrics: unknown metric '{}'{}", name, did_you_mean(name, known)));
    if (std::find(plan_.metrics.begin(), plan_.metrics.end(), name) != plan_.metrics.end())
      r_.fail(item, fmt::format("metrics: '{}' is listed twice", name));
    plan_.metrics.push_back(name);
  }
  if (plan_.metrics.empty()) r_.fail(*v, "metrics: name at least one metric (or leave the key out for all)");
}

void SweepReader::expect(const std::optional<YamlValue>& v) {
  if (!v) return;
  for (const YamlValue& item : r_.list(*v)) {
    const std::string text = r_.scalar(item, "an assertion such as \"convergence.time_s.p95 < 5\"");
    plan_.expect.push_back(Expectation{text, pos(item.node)});
  }
}

}  // namespace

SweepPlan load_sweep(const std::string& file) { return SweepReader(file).read(); }

}  // namespace ecsim
