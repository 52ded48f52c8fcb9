#pragma once
// Descriptive statistics for sweep aggregation (aggregate.csv): one Summary
// per grid point and metric over its seed replicates.
//
// NaN means "not available" (e.g. a run that never converged). Every function
// here skips NaN values, so statistics describe the runs that produced a
// value; Summary::n_nan counts the skipped ones so a report can show that
// 3 of 20 runs never converged instead of hiding it. Results are
// deterministic: sums run in input order.
#include <cstddef>
#include <functional>
#include <initializer_list>
#include <span>
#include <vector>

namespace ecsim {

// NaN when there are no (non-NaN) values.
double mean(std::span<const double> values);
// Sample standard deviation (divides by n-1); 0 for one value, NaN for none.
double sample_stddev(std::span<const double> values);
double min_value(std::span<const double> values);
double max_value(std::span<const double> values);

// The p-th percentile, p in [0, 100], interpolating linearly between order
// statistics: numpy.percentile's default ("linear", Hyndman & Fan type 7),
// h = (n-1)*p/100, x[floor(h)] + (h - floor(h)) * (x[floor(h)+1] - x[floor(h)]).
// NaN for no values; throws std::invalid_argument for p outside [0, 100].
double percentile(std::span<const double> values, double p);
// Several percentiles of the same values, in the order of `ps`, sorting
// them once (NaN for each when there are no values).
std::vector<double> percentiles(std::span<const double> values, std::initializer_list<double> ps);
// The same on values already sorted ascending and free of NaN (no copy).
double percentile_of_sorted(std::span<const double> sorted, double p);
// The same over n sorted values fetched by rank (at(i): the i-th smallest,
// 0-based), for values not held in one array (OpStats' spilled latencies).
double percentile_of_ranked(std::size_t n, double p, const std::function<double(std::size_t)>& at);

// Student's t quantile t(0.975, df), for a two-sided 95% interval
// (Boost.Math's students_t quantile). NaN for df == 0.
double student_t_975(std::size_t degrees_of_freedom);

struct Summary {
  std::size_t n = 0;      // values used (NaN excluded)
  std::size_t n_nan = 0;  // NaN values skipped
  double mean = 0.0;
  double stddev = 0.0;  // sample (n-1)
  double min = 0.0;
  double p50 = 0.0;
  double p95 = 0.0;
  double max = 0.0;
  // 95% confidence interval of the mean: mean ± t(0.975, n-1) * stddev / sqrt(n).
  double ci95_low = 0.0;
  double ci95_high = 0.0;
};

// n == 0: every statistic is NaN. n == 1: stddev 0 and the interval is
// [mean, mean] (there is no spread to estimate; callers should show n).
Summary summarize(std::span<const double> values);

}  // namespace ecsim
