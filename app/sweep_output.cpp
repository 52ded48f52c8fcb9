// `ecsim sweep`: runs.csv, aggregate.csv and the summary table. See sweep_output.hpp.
#include "app/sweep_output.hpp"

#include <sstream>

#include <fmt/format.h>
#include <fmt/ostream.h>

#include "analysis/aggregate.hpp"
#include "app/sweep_expect.hpp"

namespace ecsim::sweep_detail {

namespace fs = std::filesystem;

namespace {

// The table of runs.csv: every run in plan order, the plan's metrics.
SweepTable run_table(const SweepPlan& plan, const std::map<std::uint64_t, Record>& records) {
  SweepTable table;
  table.params = plan.params;
  table.metrics = plan.metrics;
  for (const SweepRun& r : plan.runs) {
    const Record& rec = records.at(r.key);
    RunRow row{r.point, plan.points[r.point].values, r.seed, {}};
    for (const std::string& m : plan.metrics) row.values.push_back(rec.metrics.at(m));
    table.runs.push_back(std::move(row));
  }
  return table;
}

// A short table of the first metric, when it fits on a screen.
void print_first_metric(const SweepPlan& plan, const AggregateTable& agg, std::ostream& out) {
  if (plan.metrics.empty() || plan.points.size() > 40) return;
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

}  // namespace

int assemble(const SweepPlan& plan, const fs::path& dir, const std::map<std::uint64_t, Record>& records, bool quiet,
             std::ostream& out, std::vector<ExpectOutcome>& outcomes) {
  const SweepTable table = run_table(plan, records);
  const AggregateTable agg = aggregate_runs(table);
  write_runs_csv(dir / "runs.csv", table);
  write_aggregate_csv(dir / "aggregate.csv", agg);
  if (quiet) {
    std::ostringstream sink;
    return check_sweep_expect(plan, records, sink, outcomes);
  }
  print_first_metric(plan, agg, out);
  fmt::print(out, "outputs: {}  {}\n", (dir / "runs.csv").string(), (dir / "aggregate.csv").string());
  return check_sweep_expect(plan, records, out, outcomes);
}

}  // namespace ecsim::sweep_detail
