#include "analysis/stats.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include <boost/math/distributions/students_t.hpp>

namespace ecsim {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::vector<double> sorted_without_nan(std::span<const double> values) {
  std::vector<double> sorted;
  sorted.reserve(values.size());
  for (double v : values)
    if (!std::isnan(v)) sorted.push_back(v);
  std::sort(sorted.begin(), sorted.end());  // no NaN left, so the order is strict-weak
  return sorted;
}

}  // namespace

double mean(std::span<const double> values) {
  double sum = 0.0;
  std::size_t n = 0;
  for (double v : values) {
    if (std::isnan(v)) continue;
    sum += v;
    ++n;
  }
  return n == 0 ? kNaN : sum / static_cast<double>(n);
}

double sample_stddev(std::span<const double> values) {
  // Two passes (mean first, then squared deviations): numerically stable,
  // unlike the one-pass sum of squares.
  const double m = mean(values);
  if (std::isnan(m)) return kNaN;
  double squares = 0.0;
  std::size_t n = 0;
  for (double v : values) {
    if (std::isnan(v)) continue;
    squares += (v - m) * (v - m);
    ++n;
  }
  if (n == 1) return 0.0;
  return std::sqrt(squares / static_cast<double>(n - 1));
}

double min_value(std::span<const double> values) {
  double result = kNaN;
  for (double v : values)
    if (!std::isnan(v) && (std::isnan(result) || v < result)) result = v;
  return result;
}

double max_value(std::span<const double> values) {
  double result = kNaN;
  for (double v : values)
    if (!std::isnan(v) && (std::isnan(result) || v > result)) result = v;
  return result;
}

double percentile_of_sorted(std::span<const double> sorted, double p) {
  return percentile_of_ranked(sorted.size(), p, [&](std::size_t i) { return sorted[i]; });
}

double percentile_of_ranked(std::size_t n, double p, const std::function<double(std::size_t)>& at) {
  if (!(p >= 0.0 && p <= 100.0))
    throw std::invalid_argument("percentile must be within [0, 100], got " + std::to_string(p));
  if (n == 0) return kNaN;
  const double h = static_cast<double>(n - 1) * (p / 100.0);
  const auto lower = static_cast<std::size_t>(std::floor(h));
  if (lower + 1 >= n) return at(n - 1);
  const double fraction = h - static_cast<double>(lower);
  const double a = at(lower);
  if (fraction == 0.0) return a;
  const double b = at(lower + 1);
  if (a == b) return a;  // also avoids inf - inf
  return a + fraction * (b - a);
}

double percentile(std::span<const double> values, double p) {
  const std::vector<double> sorted = sorted_without_nan(values);
  return percentile_of_sorted(sorted, p);
}

std::vector<double> percentiles(std::span<const double> values, std::initializer_list<double> ps) {
  const std::vector<double> sorted = sorted_without_nan(values);
  std::vector<double> out;
  for (double p : ps) out.push_back(percentile_of_sorted(sorted, p));
  return out;
}

double student_t_975(std::size_t degrees_of_freedom) {
  if (degrees_of_freedom == 0) return kNaN;
  const boost::math::students_t distribution(static_cast<double>(degrees_of_freedom));
  return boost::math::quantile(distribution, 0.975);
}

Summary summarize(std::span<const double> values) {
  Summary s;
  const std::vector<double> sorted = sorted_without_nan(values);
  s.n = sorted.size();
  s.n_nan = values.size() - sorted.size();
  if (s.n == 0) {
    s.mean = s.stddev = s.min = s.p50 = s.p95 = s.max = s.ci95_low = s.ci95_high = kNaN;
    return s;
  }
  // Statistics of the input order (mean, stddev) use `values`, so the result
  // does not depend on sorting; order statistics use `sorted`.
  s.mean = mean(values);
  s.stddev = sample_stddev(values);
  s.min = sorted.front();
  s.max = sorted.back();
  s.p50 = percentile_of_sorted(sorted, 50.0);
  s.p95 = percentile_of_sorted(sorted, 95.0);
  if (s.n == 1) {
    s.ci95_low = s.ci95_high = s.mean;
    return s;
  }
  const double half_width = student_t_975(s.n - 1) * s.stddev / std::sqrt(static_cast<double>(s.n));
  s.ci95_low = s.mean - half_width;
  s.ci95_high = s.mean + half_width;
  return s;
}

}  // namespace ecsim
