#include "analysis/stats.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

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

// t(0.975, df) for df = 1..30, to double precision.
constexpr std::array<double, 30> kStudentT975 = {
    12.706204736174698, 4.302652729749464,  3.182446305284263,  2.7764451051977987,
    2.570581835636314,  2.4469118511449692, 2.3646242515927844, 2.306004135204166,
    2.2621571628540993, 2.2281388519649385, 2.200985160082949,  2.1788128296634177,
    2.1603686564610127, 2.1447866879169273, 2.131449545559323,  2.1199052992210112,
    2.1098155778331806, 2.10092204024096,   2.093024054408263,  2.0859634472658364,
    2.079613844727662,  2.0738730679040147, 2.0686576104190406, 2.0638985616280205,
    2.059538552753294,  2.055529438642871,  2.0518305164802833, 2.048407141795244,
    2.0452296421327034, 2.0422724563012373,
};

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
  if (!(p >= 0.0 && p <= 100.0))
    throw std::invalid_argument("percentile must be within [0, 100], got " + std::to_string(p));
  if (sorted.empty()) return kNaN;
  const double h = static_cast<double>(sorted.size() - 1) * (p / 100.0);
  const auto lower = static_cast<std::size_t>(std::floor(h));
  if (lower + 1 >= sorted.size()) return sorted.back();
  const double fraction = h - static_cast<double>(lower);
  const double a = sorted[lower], b = sorted[lower + 1];
  if (fraction == 0.0 || a == b) return a;  // also avoids inf - inf
  return a + fraction * (b - a);
}

double percentile(std::span<const double> values, double p) {
  const std::vector<double> sorted = sorted_without_nan(values);
  return percentile_of_sorted(sorted, p);
}

double student_t_975(std::size_t degrees_of_freedom) {
  if (degrees_of_freedom == 0) return kNaN;
  if (degrees_of_freedom <= kStudentT975.size()) return kStudentT975[degrees_of_freedom - 1];
  // Cornish-Fisher expansion of t around the normal quantile z (Abramowitz &
  // Stegun 26.7.5); for df > 30 its error is below 1e-7, and it meets the
  // table smoothly instead of jumping from 2.042 to 1.96.
  const double z = 1.959963984540054;  // normal quantile 0.975
  const double v = static_cast<double>(degrees_of_freedom);
  const double z2 = z * z;
  const double g1 = (z2 + 1.0) * z / 4.0;
  const double g2 = ((5.0 * z2 + 16.0) * z2 + 3.0) * z / 96.0;
  const double g3 = (((3.0 * z2 + 19.0) * z2 + 17.0) * z2 - 15.0) * z / 384.0;
  const double g4 = ((((79.0 * z2 + 776.0) * z2 + 1482.0) * z2 - 1920.0) * z2 - 945.0) * z / 92160.0;
  return z + g1 / v + g2 / (v * v) + g3 / (v * v * v) + g4 / (v * v * v * v);
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
