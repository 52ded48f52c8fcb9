#pragma once
// `ecsim sweep`, the sweep file's expect: assertions on aggregates over seeds,
// such as "convergence.time_s.p95 < 10 + 50 * network.loss": names are
// <metric>.<stat> and the numeric parameters. Checked when the plan is read,
// evaluated at every point once every run has a record.
#include <cstdint>
#include <iosfwd>
#include <map>
#include <vector>

#include "analysis/expect.hpp"

#include "app/sweep.hpp"
#include "app/sweep_records.hpp"

namespace ecsim::sweep_detail {

// Throws ScenarioError (plan.file:line:col) when an assertion of plan.expect
// does not parse or names something that is neither <metric>.<stat> nor a
// numeric parameter. Needs plan.points.
void check_expect_names(const SweepPlan& plan);

// Evaluates plan.expect at every point on the statistics of its runs'
// records, printing PASS/FAIL lines to `out` and appending one outcome per
// assertion to `outcomes` (a failure's detail lists the failing points).
// Returns 1 when an assertion failed somewhere, else 0.
int check_sweep_expect(const SweepPlan& plan, const std::map<std::uint64_t, Record>& records, std::ostream& out,
                       std::vector<ExpectOutcome>& outcomes);

}  // namespace ecsim::sweep_detail
