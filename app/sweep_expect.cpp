// `ecsim sweep`'s expect: assertions: their names checked up front, their
// values evaluated per point. See sweep_expect.hpp.
#include "app/sweep_expect.hpp"

#include <algorithm>
#include <cmath>
#include <ostream>
#include <stdexcept>

#include <fmt/format.h>
#include <fmt/ostream.h>
#include <fmt/ranges.h>

#include "analysis/aggregate.hpp"
#include "analysis/expect.hpp"
#include "analysis/stats.hpp"
#include "app/sweep_plan.hpp"
#include "sim/did_you_mean.hpp"
#include "sim/scenario_loader.hpp"
#include "sim/units.hpp"

namespace ecsim::sweep_detail {

namespace {

// Statistics a sweep expect: may name, as <metric>.<stat>.
const std::vector<std::string> kExpectStats = {"n",   "n_missing", "mean", "stddev",   "min",
                                               "p50", "p95",       "max",  "ci95_low", "ci95_high"};

// A parameter is numeric when every point's value is a number or a duration.
bool is_numeric_param(const SweepPlan& plan, std::size_t i) {
  for (const SweepPoint& pt : plan.points) {
    try {
      parse_csv_double(pt.values[i]);
    } catch (const std::invalid_argument&) {
      try {
        parse_duration(pt.values[i], true);
      } catch (const std::invalid_argument&) {
        return false;
      }
    }
  }
  return true;
}

// Sweep assertions name aggregates (<metric>.<stat>) and numeric parameters.
std::vector<std::string> expect_names(const SweepPlan& plan) {
  std::vector<std::string> names;
  for (const std::string& m : plan.run_metrics)
    for (const std::string& s : kExpectStats) names.push_back(m + "." + s);
  for (std::size_t i = 0; i < plan.params.size(); ++i)
    if (is_numeric_param(plan, i)) names.push_back(plan.params[i]);
  return names;
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

// Per point: every statistic of every metric over its runs, and the numeric parameters.
std::vector<MetricMap> point_metrics(const SweepPlan& plan, const std::map<std::uint64_t, Record>& records) {
  std::vector<MetricMap> maps(plan.points.size());
  std::vector<std::vector<const Record*>> runs(plan.points.size());
  for (const SweepRun& r : plan.runs) runs[r.point].push_back(&records.at(r.key));
  for (std::size_t p = 0; p < plan.points.size(); ++p) {
    MetricMap& m = maps[p];
    for (const std::string& name : plan.run_metrics) {
      std::vector<double> v;
      for (const Record* rec : runs[p]) v.push_back(rec->metrics.at(name));
      const Summary s = summarize(v);
      const double stats[] = {static_cast<double>(s.n), static_cast<double>(s.n_nan), s.mean, s.stddev, s.min,
                              s.p50, s.p95, s.max, s.ci95_low, s.ci95_high};
      for (std::size_t k = 0; k < kExpectStats.size(); ++k) m[name + "." + kExpectStats[k]] = stats[k];
    }
    for (std::size_t i = 0; i < plan.params.size(); ++i) m[plan.params[i]] = param_number(plan.points[p].values[i]);
  }
  return maps;
}

// Evaluates one assertion at every point and prints its PASS or FAIL line.
ExpectOutcome report_expectation(const SweepPlan& plan, const Expectation& e, const std::vector<MetricMap>& maps,
                                 std::ostream& out) {
  const Expression expr = Expression::parse(e.text);  // validated when the plan was read
  std::vector<std::string> failures;
  std::string pass_detail;
  for (std::size_t p = 0; p < plan.points.size(); ++p) {
    const ExpectResult r = expr.evaluate(maps[p]);
    if (!r.passed) failures.push_back(fmt::format("{}: {}", point_label(plan, p), r.detail));
    else if (plan.points.size() == 1) pass_detail = r.detail;
  }
  ExpectOutcome outcome;
  outcome.text = e.text;
  outcome.pos = e.pos;
  outcome.passed = failures.empty();
  if (failures.empty()) {
    outcome.detail = plan.points.size() == 1 ? pass_detail : fmt::format("at all {} points", plan.points.size());
    fmt::print(out, "  PASS  {}   {}\n", e.text, outcome.detail);
    return outcome;
  }
  fmt::print(out, "  FAIL  {}   at {} of {} points  ({}:{}:{})\n", e.text, failures.size(), plan.points.size(), plan.file,
             e.pos.line, e.pos.column);
  for (std::size_t i = 0; i < failures.size() && i < 10; ++i) fmt::print(out, "          {}\n", failures[i]);
  if (failures.size() > 10) fmt::print(out, "          ... and {} more\n", failures.size() - 10);
  outcome.detail = fmt::format("at {} of {} points: {}", failures.size(), plan.points.size(), fmt::join(failures, "; "));
  return outcome;
}

}  // namespace

void check_expect_names(const SweepPlan& plan) {
  const std::vector<std::string> names = expect_names(plan);
  for (const Expectation& e : plan.expect) {
    try {
      const Expression expr = Expression::parse(e.text);
      for (const std::string& m : expr.metrics())
        if (std::find(names.begin(), names.end(), m) == names.end()) {
          std::string hint = did_you_mean(m, names);
          if (std::find(plan.run_metrics.begin(), plan.run_metrics.end(), m) != plan.run_metrics.end())
            hint = fmt::format(" (a sweep assertion names a statistic over seeds, e.g. '{}.p95' or '{}.mean')", m, m);
          throw ScenarioError(plan.file, e.pos.line, e.pos.column, fmt::format("expect: unknown metric '{}'{}", m, hint));
        }
    } catch (const ExpectSyntaxError& err) {
      throw ScenarioError(plan.file, e.pos.line, e.pos.column + static_cast<int>(err.column),
                          fmt::format("expect: {}\n{}", err.what(), caret_diagnostic(e.text, err)));
    }
  }
}

int check_sweep_expect(const SweepPlan& plan, const std::map<std::uint64_t, Record>& records, std::ostream& out,
                       std::vector<ExpectOutcome>& outcomes) {
  if (plan.expect.empty()) return 0;
  const std::vector<MetricMap> maps = point_metrics(plan, records);
  std::size_t failed_assertions = 0;
  fmt::print(out, "expect ({} grid point{} each):\n", plan.points.size(), plan.points.size() == 1 ? "" : "s");
  for (const Expectation& e : plan.expect) {
    outcomes.push_back(report_expectation(plan, e, maps, out));
    if (!outcomes.back().passed) ++failed_assertions;
  }
  if (failed_assertions == 0) {
    fmt::print(out, "expect: all {} assertions passed\n", plan.expect.size());
    return 0;
  }
  fmt::print(out, "expect: {} of {} assertions failed\n", failed_assertions, plan.expect.size());
  return 1;
}

}  // namespace ecsim::sweep_detail
