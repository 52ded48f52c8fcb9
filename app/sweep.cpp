// `ecsim sweep`: plan (sweep file -> points x seeds), run in a thread pool
// with per-run atomic records, assemble runs.csv / aggregate.csv, check the
// sweep's expect: assertions. See sweep.hpp and docs/SWEEPS.md.
#include "app/modules.hpp"
#include "app/sweep.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>
#include <unistd.h>

#include <boost/program_options.hpp>
#include <fmt/format.h>
#include <fmt/ostream.h>
#include <fmt/ranges.h>
#include <yaml-cpp/yaml.h>

#include "analysis/aggregate.hpp"
#include "analysis/csv_reader.hpp"
#include "analysis/csv_writer.hpp"
#include "analysis/expect.hpp"
#include "analysis/output_dir.hpp"
#include "app/command_line.hpp"
#include "app/runner.hpp"
#include "sim/did_you_mean.hpp"
#include "sim/hash.hpp"
#include "sim/rng.hpp"
#include "sim/scenario_loader.hpp"
#include "sim/strings.hpp"
#include "sim/units.hpp"
#include "sim/yaml_node.hpp"
#include "sim/yaml_path.hpp"

namespace ecsim {

namespace fs = std::filesystem;
namespace po = boost::program_options;
using detail::MapReader;
using detail::YamlReader;
using detail::YamlValue;

namespace {

constexpr std::string_view kSweepMarker = ".ecsim-sweep";
constexpr std::string_view kRecordFormat = "ecsim-sweep-run-1";
constexpr std::size_t kMaxRuns = 10'000'000;

// Statistics a sweep expect: may name, as <metric>.<stat>.
const std::vector<std::string> kExpectStats = {"n",   "n_missing", "mean", "stddev",   "min",
                                               "p50", "p95",       "max",  "ci95_low", "ci95_high"};

// ---------------------------------------------------------------------------
// Sweep file

struct AxisValue {
  std::string text;   // shown in runs.csv
  std::string yaml;   // given to the loader as path=yaml
  SourcePos pos;      // where the value (or its sampling rule) is in the sweep file
};

// One dimension of the product: a grid path, the zipped paths, or the samples.
struct Axis {
  std::vector<std::size_t> params;             // indices into the plan's params
  std::vector<std::vector<AxisValue>> steps;   // steps[i][j]: value of params[j] at step i
};

struct ParamInfo {
  std::string path;
  SourcePos pos;  // of its key in the sweep file
};

std::string flow_yaml(const YAML::Node& node) {
  YAML::Emitter e;
  e.SetMapFormat(YAML::Flow);
  e.SetSeqFormat(YAML::Flow);
  e << node;
  return e.c_str();
}

// Sampled values are rounded to a few significant digits so that runs.csv
// and plots show 0.254975 and 243.8ms rather than 0.25497534204870304 and
// 243837.945us; the sweep is still a sample of the same distribution.
double round_significant(double x, int digits) {
  if (x == 0.0 || !std::isfinite(x)) return x;
  const double scale = std::pow(10.0, digits - 1 - static_cast<int>(std::floor(std::log10(std::fabs(x)))));
  return std::round(x * scale) / scale;
}

std::string shortest(double v) {
  if (v == 0.0) v = 0.0;
  return fmt::format("{}", v);
}

class SweepReader {
 public:
  explicit SweepReader(std::string file) : file_(std::move(file)), r_(file_) {}

  SweepPlan read();

 private:
  YAML::Node read_file();
  SourcePos pos(const YAML::Node& n) const { return r_.position(n); }
  std::size_t add_param(const detail::MapField& f, const std::string& section);
  AxisValue value_of(const YamlValue& v) const;
  void grid(const YamlValue& v);
  void zip(const YamlValue& v);
  void sample(const YamlValue& v);
  AxisValue draw(const YamlValue& rule, Rng& rng) const;
  void seeds(const std::optional<YamlValue>& v, std::uint64_t base_seed);
  void metrics(const std::optional<YamlValue>& v);
  void expect(const std::optional<YamlValue>& v);
  void load_points();
  Scenario load_point(const std::vector<const AxisValue*>& values) const;

  std::string file_;
  YamlReader r_;
  SweepPlan plan_;
  std::vector<ParamInfo> params_;
  std::vector<Axis> axes_;
};

YAML::Node SweepReader::read_file() {
  std::error_code ec;
  if (!fs::is_regular_file(file_, ec))
    throw ScenarioError(file_, 0, 0, fmt::format("sweep file not found (looked in {})",
                                                 fs::absolute(file_, ec).lexically_normal().string()));
  std::ifstream in(file_, std::ios::binary);
  if (!in) throw ScenarioError(file_, 0, 0, "cannot open sweep file");
  std::stringstream text;
  text << in.rdbuf();
  try {
    const std::vector<YAML::Node> docs = YAML::LoadAll(text.str());
    if (docs.size() > 1) r_.fail(docs[1], "a sweep file holds one YAML document; this is a second one");
    if (docs.empty() || docs.front().IsNull()) throw ScenarioError(file_, 0, 0, "sweep file is empty");
    return docs.front();
  } catch (const YAML::Exception& e) {
    throw ScenarioError(file_, e.mark.is_null() ? 0 : e.mark.line + 1, e.mark.is_null() ? 0 : e.mark.column + 1,
                        "malformed YAML: " + e.msg);
  }
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

AxisValue SweepReader::value_of(const YamlValue& v) const {
  if (!v.node.IsDefined() || v.node.IsNull()) r_.fail(v, fmt::format("{}: expected a value, got nothing", v.path));
  const std::string yaml = flow_yaml(v.node);
  return AxisValue{v.node.IsScalar() ? v.node.Scalar() : yaml, yaml, pos(v.node)};
}

void SweepReader::grid(const YamlValue& v) {
  const MapReader m(r_, v);
  for (const auto& f : m.fields()) {
    const std::size_t param = add_param(f, "grid");
    const auto items = r_.list(f.value);
    if (items.empty()) r_.fail(f.value, fmt::format("grid: '{}' needs a non-empty list of values", f.name));
    Axis axis;
    axis.params = {param};
    for (const auto& item : items) axis.steps.push_back({value_of(item)});
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
    for (std::size_t i = 0; i < items.size(); ++i) axis.steps[i].push_back(value_of(items[i]));
  }
  axes_.push_back(std::move(axis));
}

AxisValue SweepReader::draw(const YamlValue& rule, Rng& rng) const {
  const MapReader m(r_, rule);
  const YamlValue dist = m.require("dist");
  const std::vector<std::string> kinds = {"uniform", "log_uniform", "int", "choice"};
  const std::size_t kind = r_.choice(dist, kinds);
  const SourcePos at = pos(rule.node);
  if (kinds[kind] == "choice") {
    m.allow({"dist", "values"});
    const auto items = r_.list(m.require("values"));
    if (items.empty()) r_.fail(m.require("values"), fmt::format("{}.values: needs at least one value", rule.path));
    AxisValue v = value_of(items[rng.below(items.size())]);
    v.pos = at;
    return v;
  }
  m.allow({"dist", "min", "max"});
  const YamlValue lo = m.require("min"), hi = m.require("max");
  if (kinds[kind] == "int") {
    const std::int64_t a = r_.integer(lo, INT64_MIN / 2, INT64_MAX / 2), b = r_.integer(hi, INT64_MIN / 2, INT64_MAX / 2);
    if (b < a) r_.fail(hi, fmt::format("{}: max {} is below min {}", rule.path, b, a));
    const std::int64_t x = a + static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(b - a) + 1));
    return AxisValue{std::to_string(x), std::to_string(x), at};
  }
  const bool log = kinds[kind] == "log_uniform";
  // Durations when both bounds carry a unit, plain numbers otherwise.
  auto is_duration = [&](const YamlValue& v) {
    if (!v.node.IsScalar()) return false;
    try {
      parse_duration(v.node.Scalar(), true);
      return true;
    } catch (const std::invalid_argument&) {
      return false;
    }
  };
  const bool durations = is_duration(lo);
  if (durations != is_duration(hi))
    r_.fail(hi, fmt::format("{}: min and max must both be durations (with a unit) or both plain numbers", rule.path));
  const double a = durations ? static_cast<double>(r_.duration(lo, true)) : r_.number(lo);
  const double b = durations ? static_cast<double>(r_.duration(hi, true)) : r_.number(hi);
  if (b < a) r_.fail(hi, fmt::format("{}: max is below min", rule.path));
  if (log && !(a > 0)) r_.fail(lo, fmt::format("{}: log_uniform needs min > 0", rule.path));
  const double u = rng.uniform01();
  const double x = log ? std::exp(std::log(a) + u * (std::log(b) - std::log(a))) : a + u * (b - a);
  if (durations) {
    const std::string text = format_duration(static_cast<SimTime>(std::llround(std::clamp(round_significant(x, 4), a, b))));
    return AxisValue{text, text, at};
  }
  const std::string text = shortest(std::clamp(round_significant(x, 6), a, b));
  return AxisValue{text, text, at};
}

void SweepReader::sample(const YamlValue& v) {
  const MapReader m(r_, v);
  m.allow({"count", "seed", "params"});
  const std::int64_t count = r_.integer(m.require("count"), 1, 1'000'000);
  const std::uint64_t seed = m.has("seed") ? r_.unsigned64(*m.get("seed")) : 1;
  const MapReader params(r_, m.require("params"));
  if (params.fields().empty()) r_.fail(params.self(), "sample.params: name at least one path to sample");
  Axis axis;
  std::vector<YamlValue> rules;
  for (const auto& f : params.fields()) {
    axis.params.push_back(add_param(f, "sample"));
    rules.push_back(f.value);
  }
  // One stream for the whole sample: point i draws its parameters in file order.
  Rng rng = Rng::stream(seed, "sweep.sample");
  for (std::int64_t i = 0; i < count; ++i) {
    std::vector<AxisValue> step;
    for (const YamlValue& rule : rules) step.push_back(draw(rule, rng));
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
  const auto& known = known_metrics();
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

// "--set:1:14: error: what (in --set a=b)" -> "what"
std::string bare_message(const ScenarioError& e) {
  std::string m = e.what();
  const auto at = m.find("error: ");
  if (at != std::string::npos) m = m.substr(at + 7);
  const auto in = m.rfind(" (in --set ");
  if (in != std::string::npos) m = m.substr(0, in);
  return m;
}

Scenario SweepReader::load_point(const std::vector<const AxisValue*>& values) const {
  LoadOptions lo;
  for (std::size_t i = 0; i < params_.size(); ++i) lo.overrides.push_back(params_[i].path + "=" + values[i]->yaml);
  std::string where;
  for (std::size_t i = 0; i < params_.size(); ++i)
    where += fmt::format("{}{}={}", i ? ", " : "", params_[i].path, values[i]->text);
  try {
    Scenario s = load_scenario_with_modules(plan_.base_file, lo);
    check_runnable(s);
    return s;
  } catch (const ScenarioError& e) {
    if (e.file() == "--set" && e.line() >= 1 && static_cast<std::size_t>(e.line()) <= params_.size()) {
      // A value from this sweep file: point at it (or at the path, for errors in the path).
      const std::size_t i = static_cast<std::size_t>(e.line() - 1);
      const bool in_path = e.column() >= 1 && static_cast<std::size_t>(e.column()) <= params_[i].path.size();
      SourcePos p = in_path ? params_[i].pos : values[i]->pos;
      if (in_path && p.line > 0) p.column += e.column() - 1;
      throw ScenarioError(file_, p.line, p.column,
                          fmt::format("{} (sweep parameter '{}' applied to {})", bare_message(e), params_[i].path,
                                      plan_.base_file));
    }
    if (params_.empty()) throw;
    throw ScenarioError(e.file(), e.line(), e.column(),
                        fmt::format("{} (at sweep point {} of {})", bare_message(e), where, file_));
  }
}

std::uint64_t config_hash(const Scenario& point) {
  Scenario s = point;
  // Outputs and per-run assertions do not change what a run computes.
  s.output = OutputSpec{};
  s.checks.expect.clear();
  s.source_file.clear();
  std::uint64_t h = fnv1a64("ecsim-sweep-run-v1\n");
  h = fnv1a64(resolved_config_yaml(s), h);
  for (const auto& [a, b] : s.topology.file_edges) h = fnv1a64(fmt::format("{}-{};", a, b), h);
  return h;
}

// FNV-1a barely mixes its last bytes (seeds 11 and 12 would give keys that
// differ in a few bits); mix64, the splitmix64 finalizer, spreads them.
std::uint64_t run_key(std::uint64_t config, std::uint64_t seed) {
  return mix64(fnv1a64(fmt::format("seed={}", seed), config));
}

void SweepReader::load_points() {
  // Cartesian product of the axes, first axis outermost.
  std::size_t total = 1;
  for (const Axis& a : axes_) {
    if (total > kMaxRuns / a.steps.size())
      throw ScenarioError(file_, 0, 0, fmt::format("the sweep has more than {} points", kMaxRuns));
    total *= a.steps.size();
  }
  if (total > kMaxRuns / plan_.seeds.size())
    throw ScenarioError(file_, 0, 0, fmt::format("the sweep has more than {} runs ({} points x {} seeds)", kMaxRuns,
                                                 total, plan_.seeds.size()));
  std::vector<std::size_t> index(axes_.size(), 0);
  std::vector<const AxisValue*> values(params_.size(), nullptr);
  for (std::size_t p = 0; p < total; ++p) {
    for (std::size_t a = 0; a < axes_.size(); ++a)
      for (std::size_t j = 0; j < axes_[a].params.size(); ++j) values[axes_[a].params[j]] = &axes_[a].steps[index[a]][j];
    SweepPoint point;
    for (const AxisValue* v : values) point.values.push_back(v->text);
    point.scenario = load_point(values);
    point.config_hash = config_hash(point.scenario);
    plan_.points.push_back(std::move(point));
    for (std::size_t a = axes_.size(); a-- > 0;) {  // odometer, last axis fastest
      if (++index[a] < axes_[a].steps.size()) break;
      index[a] = 0;
    }
  }
}

SweepPlan SweepReader::read() {
  const YAML::Node root = read_file();
  const MapReader top(r_, YamlValue{root, YAML::Node(), false, ""});
  top.allow({"base", "name", "grid", "zip", "sample", "seeds", "metrics", "expect"});
  plan_.file = file_;
  const YamlValue base = top.require("base");
  const fs::path base_path(r_.scalar(base, "the path of a scenario file"));
  plan_.base_file = (base_path.is_absolute() ? base_path : fs::path(file_).parent_path() / base_path).string();
  if (!fs::is_regular_file(plan_.base_file))
    r_.fail(base, fmt::format("base: scenario file not found (looked in {})",
                              fs::absolute(plan_.base_file).lexically_normal().string()));
  if (auto n = top.get("name")) {
    plan_.name = r_.scalar(*n, "a name");
    const bool ok = !plan_.name.empty() && plan_.name != "." && plan_.name != ".." &&
                    plan_.name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") ==
                        std::string::npos;
    if (!ok) r_.fail(*n, fmt::format("name: expected letters, digits, '_', '.', '-', got '{}'", plan_.name));
  } else {
    plan_.name = fs::path(file_).stem().string();
  }
  if (auto v = top.get("grid")) grid(*v);
  if (auto v = top.get("zip")) zip(*v);
  if (auto v = top.get("sample")) sample(*v);
  metrics(top.get("metrics"));
  expect(top.get("expect"));
  for (const ParamInfo& p : params_) plan_.params.push_back(p.path);

  // The base alone first: its own errors are reported as they are, and it gives the base seed.
  const Scenario base_scenario = load_scenario_with_modules(plan_.base_file);
  seeds(top.get("seeds"), base_scenario.seed);
  load_points();

  std::set<std::uint64_t> seen;
  for (std::size_t p = 0; p < plan_.points.size(); ++p)
    for (std::uint64_t seed : plan_.seeds) {
      const std::uint64_t key = run_key(plan_.points[p].config_hash, seed);
      plan_.runs.push_back(SweepRun{p, seed, key});
      if (seen.insert(key).second) plan_.keys.push_back(key);
    }

  // Sweep assertions name aggregates (<metric>.<stat>) and numeric parameters.
  std::vector<std::string> names;
  for (const std::string& m : known_metrics())
    for (const std::string& s : kExpectStats) names.push_back(m + "." + s);
  for (std::size_t i = 0; i < plan_.params.size(); ++i) {
    bool numeric = true;
    for (const SweepPoint& pt : plan_.points) {
      try {
        parse_csv_double(pt.values[i]);
      } catch (const std::invalid_argument&) {
        try {
          parse_duration(pt.values[i], true);
        } catch (const std::invalid_argument&) {
          numeric = false;
        }
      }
    }
    if (numeric) names.push_back(plan_.params[i]);
  }
  for (const Expectation& e : plan_.expect) {
    try {
      const Expression expr = Expression::parse(e.text);
      for (const std::string& m : expr.metrics())
        if (std::find(names.begin(), names.end(), m) == names.end()) {
          std::string hint = did_you_mean(m, names);
          if (std::find(known_metrics().begin(), known_metrics().end(), m) != known_metrics().end())
            hint = fmt::format(" (a sweep assertion names a statistic over seeds, e.g. '{}.p95' or '{}.mean')", m, m);
          throw ScenarioError(file_, e.pos.line, e.pos.column, fmt::format("expect: unknown metric '{}'{}", m, hint));
        }
    } catch (const ExpectSyntaxError& err) {
      throw ScenarioError(file_, e.pos.line, e.pos.column + static_cast<int>(err.column),
                          fmt::format("expect: {}\n{}", err.what(), caret_diagnostic(e.text, err)));
    }
  }
  return std::move(plan_);
}

// ---------------------------------------------------------------------------
// Run records: DIR/runs/<key>.csv, "field,value" rows.

struct Record {
  std::uint64_t key = 0;
  std::uint64_t seed = 0;
  std::string trace_hash;
  std::map<std::string, double> metrics;
};

std::string key_hex(std::uint64_t key) { return format_hash_hex(key); }

fs::path record_path(const fs::path& dir, std::uint64_t key) { return dir / "runs" / (key_hex(key) + ".csv"); }

// A record is valid when it parses, names its own key and has every metric
// this build reports; anything else is treated as absent (and re-run).
std::optional<Record> read_record(const fs::path& path, std::uint64_t key) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return std::nullopt;
  try {
    CsvReader in(path.string());
    if (in.header() != std::vector<std::string>{"field", "value"}) return std::nullopt;
    Record r;
    std::string field, value, format;
    bool has_key = false, has_seed = false;
    while (in.next()) {
      field = in[0];
      value = in[1];
      if (field == "format") format = value;
      else if (field == "run") has_key = value == key_hex(key);
      else if (field == "seed") has_seed = (r.seed = std::stoull(value), true);
      else if (field == "trace_hash") r.trace_hash = value;
      else r.metrics[field] = parse_csv_double(value);
    }
    if (format != kRecordFormat || !has_key || !has_seed) return std::nullopt;
    for (const std::string& m : known_metrics())
      if (!r.metrics.count(m)) return std::nullopt;
    r.key = key;
    return r;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

// The record's bytes without the wall-clock line: what must agree between
// two machines that ran the same run.
std::string deterministic_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::string line, out;
  while (std::getline(in, line))
    if (line.rfind("wall_s,", 0) != 0) out += line + "\n";
  return out;
}

void write_record(const fs::path& dir, std::uint64_t key, std::uint64_t seed, const RunOutcome& outcome) {
  write_csv_atomic(record_path(dir, key), [&](CsvWriter& w) {
    w.header({"field", "value"});
    w.row("format", kRecordFormat);
    w.row("run", key_hex(key));
    w.row("seed", seed);
    w.row("trace_hash", outcome.trace_hash);
    for (const std::string& m : known_metrics()) {
      auto it = outcome.metrics.find(m);
      w.row(m, it == outcome.metrics.end() ? std::nan("") : it->second);
    }
  });
}

// ---------------------------------------------------------------------------
// Output directory

std::string default_out_dir(const SweepPlan& plan) { return "out/sweeps/" + plan.name; }

void prepare_dir(const fs::path& dir) {
  std::error_code ec;
  const auto status = fs::symlink_status(dir, ec);
  if (fs::exists(status)) {
    if (!fs::is_directory(fs::status(dir, ec)))
      throw std::runtime_error(fmt::format("sweep directory '{}' exists and is not a directory", dir.string()));
    if (!fs::exists(dir / kSweepMarker) && !fs::is_empty(dir, ec))
      throw std::runtime_error(fmt::format(
          "refusing to use '{}' as a sweep directory: it is not empty and was not written by ecsim sweep (no {} "
          "file); choose another --out",
          dir.string(), kSweepMarker));
  }
  fs::create_directories(dir / "runs", ec);
  if (ec) throw std::runtime_error(fmt::format("cannot create '{}': {}", (dir / "runs").string(), ec.message()));
  if (!fs::exists(dir / kSweepMarker))
    write_file_atomic(dir / kSweepMarker,
                      "Written by ecsim sweep: runs/ holds one record per finished run; runs.csv and aggregate.csv\n"
                      "are assembled from them. Re-running the same sweep resumes; delete this directory to start over.\n");
}

void write_plan_csv(const fs::path& dir, const SweepPlan& plan) {
  write_csv_atomic(dir / "plan.csv", [&](CsvWriter& w) {
    std::vector<std::string> header = {"run"};
    header.insert(header.end(), plan.params.begin(), plan.params.end());
    header.push_back("seed");
    w.header(header);
    for (const SweepRun& r : plan.runs) {
      w.field(key_hex(r.key));
      for (const std::string& v : plan.points[r.point].values) w.field(v);
      w.field(r.seed);
      w.end_row();
    }
  });
}

// ---------------------------------------------------------------------------
// Progress

std::string format_eta(double s) {
  if (!(s >= 0) || !std::isfinite(s)) return "?";
  const long t = std::lround(s);
  if (t < 60) return fmt::format("{}s", t);
  if (t < 3600) return fmt::format("{}m{:02}s", t / 60, t % 60);
  return fmt::format("{}h{:02}m", t / 3600, (t % 3600) / 60);
}

class Progress {
 public:
  Progress(std::size_t total, bool tty, bool quiet) : total_(total), tty_(tty), quiet_(quiet), start_(clock::now()) {}

  void update(std::size_t done, bool final = false) {
    if (quiet_ || total_ == 0) return;
    const double elapsed = std::chrono::duration<double>(clock::now() - start_).count();
    const double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0.0;
    const double eta = done > 0 ? static_cast<double>(total_ - done) / rate : std::nan("");
    const int percent = static_cast<int>(100 * done / total_);
    if (tty_) {
      // Redraw at most ten times a second, however fast runs finish.
      const auto now = clock::now();
      if (!final && now - last_draw_ < std::chrono::milliseconds(100)) return;
      last_draw_ = now;
      constexpr int kWidth = 30;
      const int filled = static_cast<int>(kWidth * done / total_);
      fmt::print(stderr, "\r[{}{}] {}/{} runs ({}%)  {:.1f} runs/s  ETA {}\033[K", std::string(filled, '#'),
                 std::string(kWidth - filled, '.'), done, total_, percent, rate, final ? "0s" : format_eta(eta));
      if (final) fmt::print(stderr, "\r\033[K");
      return;
    }
    // Not a terminal (a log file, a CI job, a Slurm output): a line at every
    // 10%, once the sweep has taken long enough for progress to matter.
    const int step = percent / 10;
    if (final || step <= last_step_ || elapsed < 2.0) return;
    last_step_ = step;
    fmt::print(stderr, "ecsim sweep: {}/{} runs ({}%), {} elapsed, ETA {}\n", done, total_, percent, format_eta(elapsed),
               format_eta(eta));
  }

 private:
  using clock = std::chrono::steady_clock;
  std::size_t total_;
  bool tty_;
  bool quiet_;
  clock::time_point start_;
  clock::time_point last_draw_{};
  int last_step_ = 0;
};

// ---------------------------------------------------------------------------
// Assembly: runs.csv, aggregate.csv, sweep expect:

std::string point_label(const SweepPlan& plan, std::size_t point) {
  if (plan.params.empty()) return "(all runs)";
  std::string s;
  for (std::size_t i = 0; i < plan.params.size(); ++i)
    s += fmt::format("{}{}={}", i ? ", " : "", plan.params[i], plan.points[point].values[i]);
  return s;
}

double param_number(const std::string& text) {
  try {
    return parse_csv_double(text);
  } catch (const std::invalid_argument&) {
  }
  try {
    return to_seconds(parse_duration(text, true));  // durations as seconds, like metric names ending in _s
  } catch (const std::invalid_argument&) {
  }
  return std::nan("");
}

int check_sweep_expect(const SweepPlan& plan, const std::map<std::uint64_t, Record>& records, std::ostream& out) {
  if (plan.expect.empty()) return 0;
  // Per point: every statistic of every metric, and the numeric parameters.
  std::vector<MetricMap> maps(plan.points.size());
  std::vector<std::vector<const Record*>> runs(plan.points.size());
  for (const SweepRun& r : plan.runs) runs[r.point].push_back(&records.at(r.key));
  for (std::size_t p = 0; p < plan.points.size(); ++p) {
    MetricMap& m = maps[p];
    for (const std::string& name : known_metrics()) {
      std::vector<double> v;
      for (const Record* rec : runs[p]) v.push_back(rec->metrics.at(name));
      const Summary s = summarize(v);
      const double stats[] = {static_cast<double>(s.n), static_cast<double>(s.n_nan), s.mean, s.stddev, s.min,
                              s.p50, s.p95, s.max, s.ci95_low, s.ci95_high};
      for (std::size_t k = 0; k < kExpectStats.size(); ++k) m[name + "." + kExpectStats[k]] = stats[k];
    }
    for (std::size_t i = 0; i < plan.params.size(); ++i) m[plan.params[i]] = param_number(plan.points[p].values[i]);
  }
  std::size_t failed_assertions = 0;
  fmt::print(out, "expect ({} grid point{} each):\n", plan.points.size(), plan.points.size() == 1 ? "" : "s");
  for (const Expectation& e : plan.expect) {
    const Expression expr = Expression::parse(e.text);  // validated when the plan was read
    std::vector<std::string> failures;
    std::string pass_detail;
    for (std::size_t p = 0; p < plan.points.size(); ++p) {
      const ExpectResult r = expr.evaluate(maps[p]);
      if (!r.passed) failures.push_back(fmt::format("{}: {}", point_label(plan, p), r.detail));
      else if (plan.points.size() == 1) pass_detail = r.detail;
    }
    if (failures.empty()) {
      fmt::print(out, "  PASS  {}   {}\n", e.text,
                 plan.points.size() == 1 ? pass_detail : fmt::format("at all {} points", plan.points.size()));
      continue;
    }
    ++failed_assertions;
    fmt::print(out, "  FAIL  {}   at {} of {} points  ({}:{}:{})\n", e.text, failures.size(), plan.points.size(), plan.file,
               e.pos.line, e.pos.column);
    for (std::size_t i = 0; i < failures.size() && i < 10; ++i) fmt::print(out, "          {}\n", failures[i]);
    if (failures.size() > 10) fmt::print(out, "          ... and {} more\n", failures.size() - 10);
  }
  if (failed_assertions == 0) {
    fmt::print(out, "expect: all {} assertions passed\n", plan.expect.size());
    return 0;
  }
  fmt::print(out, "expect: {} of {} assertions failed\n", failed_assertions, plan.expect.size());
  return 1;
}

// Writes runs.csv and aggregate.csv from the records; returns the expect: status.
int assemble(const SweepPlan& plan, const fs::path& dir, const std::map<std::uint64_t, Record>& records, bool quiet,
             std::ostream& out) {
  SweepTable table;
  table.params = plan.params;
  table.metrics = plan.metrics;
  for (const SweepRun& r : plan.runs) {
    const Record& rec = records.at(r.key);
    RunRow row{r.point, plan.points[r.point].values, r.seed, {}};
    for (const std::string& m : plan.metrics) row.values.push_back(rec.metrics.at(m));
    table.runs.push_back(std::move(row));
  }
  const AggregateTable agg = aggregate_runs(table);
  write_runs_csv(dir / "runs.csv", table);
  write_aggregate_csv(dir / "aggregate.csv", agg);
  if (quiet) {
    std::ostringstream sink;
    return check_sweep_expect(plan, records, sink);
  }
  // A short table of the first metric, when it fits on a screen.
  if (!plan.metrics.empty() && plan.points.size() <= 40) {
    const std::string& m = plan.metrics.front();
    fmt::print(out, "{} per point (mean [95% CI] over {} seed{}):\n", m, plan.seeds.size(), plan.seeds.size() == 1 ? "" : "s");
    for (const AggregateRow& row : agg.rows) {
      if (row.metric != m) continue;
      std::string label;
      for (std::size_t i = 0; i < plan.params.size(); ++i)
        label += fmt::format("{}{}={}", i ? " " : "", plan.params[i], row.param_values[i]);
      if (label.empty()) label = "(all runs)";
      const Summary& s = row.stats;
      if (s.n == 0)
        fmt::print(out, "  {:<40} n/a (no run produced it)\n", label);
      else
        fmt::print(out, "  {:<40} {:.4g} [{:.4g}, {:.4g}]{}\n", label, s.mean, s.ci95_low, s.ci95_high,
                   s.n_nan ? fmt::format("  ({} of {} runs without a value)", s.n_nan, s.n + s.n_nan) : "");
    }
  }
  fmt::print(out, "outputs: {}  {}\n", (dir / "runs.csv").string(), (dir / "aggregate.csv").string());
  return check_sweep_expect(plan, records, out);
}

std::map<std::uint64_t, Record> load_records(const SweepPlan& plan, const fs::path& dir, std::vector<std::uint64_t>* missing) {
  std::map<std::uint64_t, Record> records;
  for (std::uint64_t key : plan.keys) {
    if (auto r = read_record(record_path(dir, key), key)) records.emplace(key, std::move(*r));
    else if (missing) missing->push_back(key);
  }
  return records;
}

std::string describe_run(const SweepPlan& plan, std::uint64_t key) {
  for (const SweepRun& r : plan.runs)
    if (r.key == key) return fmt::format("{} seed={}", point_label(plan, r.point), r.seed);
  return key_hex(key);
}

}  // namespace

SweepPlan load_sweep(const std::string& file) { return SweepReader(file).read(); }

std::vector<std::uint64_t> shard_keys(const SweepPlan& plan, unsigned shard_index, unsigned shard_count) {
  std::vector<std::uint64_t> keys;
  for (std::size_t j = 0; j < plan.keys.size(); ++j)
    if (j % shard_count == shard_index - 1) keys.push_back(plan.keys[j]);
  return keys;
}

SweepResult run_sweep(const SweepPlan& plan, const SweepOptions& opt, std::ostream& out) {
  SweepResult result;
  result.out_dir = opt.out_dir.empty() ? default_out_dir(plan) : opt.out_dir;
  const fs::path dir(result.out_dir);
  prepare_dir(dir);
  write_plan_csv(dir, plan);
  const std::vector<std::uint64_t> keys = shard_keys(plan, opt.shard_index, opt.shard_count);
  result.runs_planned = keys.size();

  std::vector<std::uint64_t> pending;
  for (std::uint64_t key : keys) {
    if (!opt.rerun && read_record(record_path(dir, key), key)) ++result.runs_skipped;
    else pending.push_back(key);
  }
  std::map<std::uint64_t, const SweepRun*> run_of;
  for (const SweepRun& r : plan.runs) run_of.try_emplace(r.key, &r);

  const unsigned jobs = std::max(1u, std::min<unsigned>(opt.jobs, static_cast<unsigned>(std::max<std::size_t>(1, pending.size()))));
  if (!opt.quiet) {
    fmt::print(out, "ecsim sweep: {} ({}), base {}\n", plan.name, plan.file, plan.base_file);
    fmt::print(out, "  {} point{} x {} seed{} = {} runs", plan.points.size(), plan.points.size() == 1 ? "" : "s",
               plan.seeds.size(), plan.seeds.size() == 1 ? "" : "s", plan.runs.size());
    if (plan.keys.size() != plan.runs.size()) fmt::print(out, " ({} distinct)", plan.keys.size());
    if (opt.shard_count > 1) fmt::print(out, "; shard {}/{}: {} runs", opt.shard_index, opt.shard_count, keys.size());
    fmt::print(out, "\n");
    if (result.runs_skipped)
      fmt::print(out, "  {} already finished in {} (skipped); {} to run\n", result.runs_skipped, dir.string(), pending.size());
    if (!pending.empty()) fmt::print(out, "  running {} runs on {} thread{}\n", pending.size(), jobs, jobs == 1 ? "" : "s");
    out.flush();
  }

  // The pool: each worker takes the next pending run; every run is an
  // independent Simulator, so the order in which they finish is irrelevant.
  std::atomic<std::size_t> next{0};
  std::size_t done = 0;
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::string> errors;
  const auto start = std::chrono::steady_clock::now();
  auto worker = [&] {
    for (;;) {
      const std::size_t i = next.fetch_add(1);
      if (i >= pending.size()) return;
      const std::uint64_t key = pending[i];
      const SweepRun& run = *run_of.at(key);
      std::string error;
      try {
        Scenario s = plan.points[run.point].scenario;
        s.seed = run.seed;
        s.checks.expect.clear();  // per-run assertions do not apply in a sweep; the sweep has its own
        RunSettings settings;
        settings.quiet = true;
        settings.write_outputs = opt.keep_traces;
        if (opt.keep_traces) s.output.dir = (dir / "traces" / key_hex(key)).string();
        std::ostringstream sink;
        const RunOutcome outcome = run_scenario(s, settings, sink);
        write_record(dir, key, run.seed, outcome);
      } catch (const std::exception& e) {
        error = fmt::format("run {} ({}): {}", key_hex(key), describe_run(plan, key), e.what());
      }
      {
        std::lock_guard lock(mu);
        ++done;
        if (!error.empty()) errors.push_back(std::move(error));
      }
      cv.notify_one();
    }
  };
  {
    Progress progress(pending.size(), opt.progress, opt.quiet);
    std::vector<std::thread> threads;
    for (unsigned t = 0; t < jobs && !pending.empty(); ++t) threads.emplace_back(worker);
    std::unique_lock lock(mu);
    while (done < pending.size()) {
      cv.wait_for(lock, std::chrono::milliseconds(200));
      const std::size_t d = done;
      lock.unlock();
      progress.update(d);
      lock.lock();
    }
    lock.unlock();
    for (auto& t : threads) t.join();
    progress.update(done, true);
  }
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  result.runs_failed = errors.size();
  result.runs_done = pending.size() - errors.size();
  if (!opt.quiet && !pending.empty())
    fmt::print(out, "  finished {} runs in {:.2f} s ({:.1f} runs/s)\n", result.runs_done, wall,
               wall > 0 ? static_cast<double>(result.runs_done) / wall : 0.0);
  if (!errors.empty()) {
    std::sort(errors.begin(), errors.end());
    for (const std::string& e : errors) fmt::print(stderr, "ecsim sweep: error: {}\n", e);
    fmt::print(stderr, "ecsim sweep: {} of {} runs failed; the others are recorded in {} (re-run to retry)\n",
               errors.size(), pending.size(), dir.string());
    result.exit_code = 2;
    return result;
  }
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
  result.exit_code = assemble(plan, dir, records, opt.quiet, out);
  result.complete = true;
  return result;
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
  std::set<std::uint64_t> wanted(plan.keys.begin(), plan.keys.end());
  std::map<std::uint64_t, fs::path> source;  // where each run's record was first found
  for (std::uint64_t key : plan.keys)
    if (read_record(record_path(dir, key), key)) source[key] = record_path(dir, key);
  std::size_t foreign = 0;
  for (const std::string& s : shard_dirs) {
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(fs::path(s) / "runs")) files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    for (const fs::path& f : files) {
      const std::string name = f.filename().string();
      if (name.size() != 20 || f.extension() != ".csv") continue;  // temporary files of a killed run
      std::uint64_t key = 0;
      try {
        key = std::stoull(name.substr(0, 16), nullptr, 16);
      } catch (const std::exception&) {
        continue;
      }
      if (!wanted.count(key)) {
        ++foreign;
        continue;
      }
      if (!read_record(f, key)) {
        fmt::print(stderr, "ecsim sweep: warning: ignoring unreadable record {}\n", f.string());
        continue;
      }
      auto it = source.find(key);
      if (it != source.end()) {
        if (fs::equivalent(it->second, f)) continue;
        if (deterministic_text(it->second) != deterministic_text(f))
          throw std::runtime_error(fmt::format(
              "run {} ({}) has different results in {} and {}: the shards were made by different ecsim builds, or a "
              "run is not deterministic",
              key_hex(key), describe_run(plan, key), it->second.string(), f.string()));
        continue;
      }
      const fs::path target = record_path(dir, key);
      std::ifstream in(f, std::ios::binary);
      std::stringstream bytes;
      bytes << in.rdbuf();
      write_file_atomic(target, bytes.str());
      source[key] = f;
    }
  }
  std::vector<std::uint64_t> missing;
  const auto records = load_records(plan, dir, &missing);
  result.runs_planned = plan.keys.size();
  result.runs_skipped = records.size();
  if (!missing.empty()) {
    std::string list;
    for (std::size_t i = 0; i < missing.size() && i < 5; ++i) list += "\n  " + describe_run(plan, missing[i]);
    if (missing.size() > 5) list += fmt::format("\n  ... and {} more", missing.size() - 5);
    throw std::runtime_error(fmt::format("cannot merge: {} of {} runs have no record in the given directories "
                                         "(a shard is missing or unfinished; re-run it, it resumes):{}",
                                         missing.size(), plan.keys.size(), list));
  }
  if (!opt.quiet) {
    fmt::print(out, "ecsim sweep: merged {} runs of {} from {} director{} into {}\n", records.size(), plan.name,
               shard_dirs.size(), shard_dirs.size() == 1 ? "y" : "ies", dir.string());
    if (foreign) fmt::print(out, "  ({} records of other sweeps ignored)\n", foreign);
  }
  write_plan_csv(dir, plan);
  result.exit_code = assemble(plan, dir, records, opt.quiet, out);
  result.complete = true;
  return result;
}

// ---------------------------------------------------------------------------
// Command line

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
      ("quiet,q", "print nothing but errors")
      ("no-progress", "no live progress bar (plain progress lines are printed when stderr is not a terminal)");
  return d;
}

void parse_shard(const std::string& text, SweepOptions& opt) {
  const auto slash = text.find('/');
  unsigned i = 0, n = 0;
  bool ok = slash != std::string::npos;
  try {
    std::size_t used = 0;
    if (ok) {
      i = static_cast<unsigned>(std::stoul(text.substr(0, slash), &used));
      ok = used == slash;
      n = static_cast<unsigned>(std::stoul(text.substr(slash + 1), &used));
      ok = ok && used == text.size() - slash - 1;
    }
  } catch (const std::exception&) {
    ok = false;
  }
  if (!ok) throw po::error(fmt::format("--shard expects I/N such as 2/8, got '{}'", text));
  if (n < 1 || i < 1 || i > n)
    throw po::error(fmt::format("--shard {}: shards count from 1, so I must be between 1 and N", text));
  opt.shard_index = i;
  opt.shard_count = n;
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
  for (std::uint64_t k : keys) finished += read_record(record_path(dir, k), k).has_value();
  if (opt.shard_count > 1) fmt::print("shard {}/{}: {} runs\n", opt.shard_index, opt.shard_count, keys.size());
  fmt::print("finished in {}: {} of {}\n", dir.string(), finished, keys.size());
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
    if (vm.count("shard")) parse_shard(vm["shard"].as<std::string>(), opt);
    opt.keep_traces = vm.count("traces") > 0;
    opt.rerun = vm.count("rerun") > 0;
    opt.quiet = vm.count("quiet") > 0;
    opt.progress = !opt.quiet && !vm.count("no-progress") && isatty(STDERR_FILENO);
    if (vm.count("merge") && vm.count("shard")) throw po::error("--merge and --shard do not go together");

    const SweepPlan plan = load_sweep(p.positional.front());
    if (vm.count("plan")) {
      print_plan(plan, opt);
      return cli::kExitOk;
    }
    const SweepResult r = vm.count("merge") ? merge_sweep(plan, vm["merge"].as<std::vector<std::string>>(), opt, std::cout)
                                            : run_sweep(plan, opt, std::cout);
    return r.exit_code;
  });
}

}  // namespace ecsim
