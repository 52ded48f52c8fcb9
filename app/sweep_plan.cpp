// `ecsim sweep`: points (the base scenario at each combination of the swept
// values) and runs (points x seeds, with their run keys). See sweep_plan.hpp.
#include "app/sweep_plan.hpp"

#include <cctype>
#include <set>

#include <fmt/format.h>

#include "analysis/csv_writer.hpp"
#include "app/input_files.hpp"
#include "app/memory_estimate.hpp"
#include "app/modules.hpp"
#include "app/runner.hpp"
#include "sim/hash.hpp"
#include "sim/scenario_loader.hpp"

namespace ecsim {

namespace sweep_detail {

namespace {

constexpr std::size_t kMaxRuns = 10'000'000;

// The base scenario with values[i] for params[i], loaded and checked.
Scenario load_point(const SweepPlan& plan, const std::vector<ParamInfo>& params,
                    const std::vector<const AxisValue*>& values) {
  LoadOptions lo;
  lo.check_nodes = node_count_refusal;
  for (std::size_t i = 0; i < params.size(); ++i) lo.overrides.push_back(params[i].path + "=" + values[i]->yaml);
  std::string where;
  for (std::size_t i = 0; i < params.size(); ++i)
    where += fmt::format("{}{}={}", i ? ", " : "", params[i].path, values[i]->text);
  try {
    Scenario s = load_scenario_with_modules(plan.base_file, lo);
    check_runnable(s);
    return s;
  } catch (const ScenarioError& e) {
    if (e.file() == "--set" && e.line() >= 1 && static_cast<std::size_t>(e.line()) <= params.size()) {
      // A value from this sweep file: point at it (or at the path, for errors in the path).
      const std::size_t i = static_cast<std::size_t>(e.line() - 1);
      const bool in_path = e.column() >= 1 && static_cast<std::size_t>(e.column()) <= params[i].path.size();
      SourcePos p = in_path ? params[i].pos : values[i]->pos;
      if (in_path && p.line > 0) p.column += e.column() - 1;
      throw ScenarioError(plan.file, p.line, p.column,
                          fmt::format("{} (sweep parameter '{}' applied to {})", bare_message(e), params[i].path,
                                      plan.base_file));
    }
    if (params.empty()) throw;
    throw ScenarioError(e.file(), e.line(), e.column(),
                        fmt::format("{} (at sweep point {} of {})", bare_message(e), where, plan.file));
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

// The number of points; throws when it, or it times the seeds, exceeds kMaxRuns.
std::size_t count_points(const SweepPlan& plan, const std::vector<Axis>& axes) {
  std::size_t total = 1;
  for (const Axis& a : axes) {
    if (total > kMaxRuns / a.steps.size())
      throw ScenarioError(plan.file, 0, 0, fmt::format("the sweep has more than {} points", kMaxRuns));
    total *= a.steps.size();
  }
  if (total > kMaxRuns / plan.seeds.size())
    throw ScenarioError(plan.file, 0, 0, fmt::format("the sweep has more than {} runs ({} points x {} seeds)", kMaxRuns,
                                                     total, plan.seeds.size()));
  return total;
}

}  // namespace

void expand_points(SweepPlan& plan, const std::vector<ParamInfo>& params, const std::vector<Axis>& axes) {
  const std::size_t total = count_points(plan, axes);
  std::vector<std::size_t> index(axes.size(), 0);
  std::vector<const AxisValue*> values(params.size(), nullptr);
  for (std::size_t p = 0; p < total; ++p) {
    for (std::size_t a = 0; a < axes.size(); ++a)
      for (std::size_t j = 0; j < axes[a].params.size(); ++j) values[axes[a].params[j]] = &axes[a].steps[index[a]][j];
    SweepPoint point;
    for (const AxisValue* v : values) point.values.push_back(v->text);
    point.scenario = load_point(plan, params, values);
    point.config_hash = config_hash(point.scenario);
    plan.points.push_back(std::move(point));
    for (std::size_t a = axes.size(); a-- > 0;) {  // odometer, last axis fastest
      if (++index[a] < axes[a].steps.size()) break;
      index[a] = 0;
    }
  }
}

void add_runs(SweepPlan& plan) {
  std::set<std::uint64_t> seen;
  for (std::size_t p = 0; p < plan.points.size(); ++p)
    for (std::uint64_t seed : plan.seeds) {
      const std::uint64_t key = run_key(plan.points[p].config_hash, seed);
      plan.runs.push_back(SweepRun{p, seed, key});
      if (seen.insert(key).second) plan.keys.push_back(key);
    }
}

std::string key_hex(std::uint64_t key) { return format_hash_hex(key); }

std::string point_label(const SweepPlan& plan, std::size_t point) {
  if (plan.params.empty()) return "(all runs)";
  std::string s;
  for (std::size_t i = 0; i < plan.params.size(); ++i)
    s += fmt::format("{}{}={}", i ? ", " : "", plan.params[i], plan.points[point].values[i]);
  return s;
}

std::string trace_dir_name(const SweepPlan& plan, const SweepRun& run) {
  std::string name;
  for (std::size_t i = 0; i < plan.params.size(); ++i) name += fmt::format("{}={}_", plan.params[i], plan.points[run.point].values[i]);
  name += fmt::format("seed={}", run.seed);
  std::string safe;
  for (char c : name) {
    const bool keep = std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '=' || c == '+' || c == '-' || c == '_';
    // "{dist: constant, value: 5ms}" -> "dist-constant-value-5ms": one '-' between words, none next to '=' or '_'.
    if (keep && (c == '_' || c == '=') && !safe.empty() && safe.back() == '-') safe.pop_back();
    if (keep) safe += c;
    else if (!safe.empty() && safe.back() != '-' && safe.back() != '=' && safe.back() != '_') safe += '-';
  }
  return plan.params.empty() || safe.size() > 200 ? key_hex(run.key) : safe;
}

std::string describe_run(const SweepPlan& plan, std::uint64_t key) {
  for (const SweepRun& r : plan.runs)
    if (r.key == key) return fmt::format("{} seed={}", point_label(plan, r.point), r.seed);
  return key_hex(key);
}

}  // namespace sweep_detail

std::vector<std::uint64_t> shard_keys(const SweepPlan& plan, unsigned shard_index, unsigned shard_count) {
  std::vector<std::uint64_t> keys;
  for (std::size_t j = 0; j < plan.keys.size(); ++j)
    if (j % shard_count == shard_index - 1) keys.push_back(plan.keys[j]);
  return keys;
}

}  // namespace ecsim
