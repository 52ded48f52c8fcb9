// Descriptive statistics for sweeps, checked against hand computations.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

#include "analysis/stats.hpp"

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
}

TEST_CASE("stats: mean, sample stddev, min, max", "[stats]") {
  const std::vector<double> v{2, 4, 4, 4, 5, 5, 7, 9};
  CHECK(ecsim::mean(v) == 5.0);
  // Squared deviations sum to 32; sample variance 32/7.
  CHECK(ecsim::sample_stddev(v) == Approx(std::sqrt(32.0 / 7.0)));
  CHECK(ecsim::min_value(v) == 2.0);
  CHECK(ecsim::max_value(v) == 9.0);
  CHECK(ecsim::sample_stddev(std::vector<double>{3.0}) == 0.0);
  CHECK(std::isnan(ecsim::mean(std::vector<double>{})));
  CHECK(std::isnan(ecsim::sample_stddev(std::vector<double>{})));
}

TEST_CASE("stats: percentile is numpy's linear (type 7) definition", "[stats]") {
  // numpy.percentile([1, 2, 3, 4], p): h = 3p/100.
  const std::vector<double> v{4, 1, 3, 2};  // unsorted on purpose
  CHECK(ecsim::percentile(v, 0) == 1.0);
  CHECK(ecsim::percentile(v, 100) == 4.0);
  CHECK(ecsim::percentile(v, 50) == Approx(2.5));   // h = 1.5: 2 + 0.5*(3-2)
  CHECK(ecsim::percentile(v, 25) == Approx(1.75));  // h = 0.75: 1 + 0.75*(2-1)
  CHECK(ecsim::percentile(v, 95) == Approx(3.85));  // h = 2.85: 3 + 0.85*(4-3)
  // numpy.percentile([10, 20, 40], 90): h = 1.8 -> 20 + 0.8*(40-20) = 36.
  CHECK(ecsim::percentile(std::vector<double>{40, 10, 20}, 90) == Approx(36.0));
  // Odd n, p50 is the middle value exactly.
  CHECK(ecsim::percentile(std::vector<double>{5, 1, 3}, 50) == 3.0);
  CHECK(ecsim::percentile(std::vector<double>{7}, 95) == 7.0);
  CHECK(std::isnan(ecsim::percentile(std::vector<double>{}, 50)));
  CHECK_THROWS_AS(ecsim::percentile(v, 101), std::invalid_argument);
  CHECK_THROWS_AS(ecsim::percentile(v, -1), std::invalid_argument);
  CHECK_THROWS_AS(ecsim::percentile(v, kNaN), std::invalid_argument);
}

TEST_CASE("stats: several percentiles at once, NaN ignored", "[stats]") {
  // Sorted without the NaN: 1, 2, 3, 4 (as numpy.nanpercentile): h = 3p/100.
  const std::vector<double> v{3, kNaN, 1, 4, 2};
  const std::vector<double> p = ecsim::percentiles(v, {50, 99, 0});
  REQUIRE(p.size() == 3);
  CHECK(p[0] == Approx(2.5));   // h = 1.5: 2 + 0.5*(3-2)
  CHECK(p[1] == Approx(3.97));  // h = 2.97: 3 + 0.97*(4-3)
  CHECK(p[2] == 1.0);
  const std::vector<double> none = ecsim::percentiles(std::vector<double>{}, {50, 99});
  REQUIRE(none.size() == 2);
  CHECK((std::isnan(none[0]) && std::isnan(none[1])));
  CHECK_THROWS_AS(ecsim::percentiles(v, {50, 101}), std::invalid_argument);
}

TEST_CASE("stats: Student t quantiles", "[stats]") {
  // Published two-sided 95% values of standard t tables (e.g. the NIST/SEMATECH
  // e-Handbook of Statistical Methods), to their 3 decimals.
  CHECK(ecsim::student_t_975(1) == Approx(12.706).margin(5e-4));
  CHECK(ecsim::student_t_975(4) == Approx(2.776).margin(5e-4));
  CHECK(ecsim::student_t_975(5) == Approx(2.571).margin(5e-4));
  CHECK(ecsim::student_t_975(30) == Approx(2.042).margin(5e-4));
  // More digits, and beyond the usual table, towards the normal quantile 1.95996.
  CHECK(ecsim::student_t_975(1) == Approx(12.7062047362).epsilon(1e-10));
  CHECK(ecsim::student_t_975(31) == Approx(2.039513446).epsilon(1e-7));
  CHECK(ecsim::student_t_975(60) == Approx(2.000297822).epsilon(1e-7));
  CHECK(ecsim::student_t_975(100) == Approx(1.983971519).epsilon(1e-7));
  CHECK(ecsim::student_t_975(100000) == Approx(1.96).epsilon(1e-4));
  CHECK(std::isnan(ecsim::student_t_975(0)));
}

TEST_CASE("stats: summary with a 95% confidence interval", "[stats]") {
  // Five values: mean 6, deviations -4 -2 0 2 4, squares sum 40, s^2 = 10.
  // CI = 6 ± t(0.975, 4) * sqrt(10) / sqrt(5) = 6 ± 2.776 * 1.41421 = 6 ± 3.926.
  const std::vector<double> v{2, 4, 6, 8, 10};
  const ecsim::Summary s = ecsim::summarize(v);
  CHECK(s.n == 5);
  CHECK(s.n_nan == 0);
  CHECK(s.mean == 6.0);
  CHECK(s.stddev == Approx(std::sqrt(10.0)));
  CHECK(s.min == 2.0);
  CHECK(s.max == 10.0);
  CHECK(s.p50 == 6.0);
  CHECK(s.p95 == Approx(9.6));  // h = 4*0.95 = 3.8: 8 + 0.8*(10-8)
  // 2.776 is rounded (exactly 2.77645), hence the 1e-3 margin.
  CHECK(s.ci95_low == Approx(6.0 - 3.926).margin(1e-3));
  CHECK(s.ci95_high == Approx(6.0 + 3.926).margin(1e-3));
  CHECK(s.ci95_high - s.ci95_low == Approx(2 * 3.926).margin(2e-3));
}

TEST_CASE("stats: NaN values are skipped and counted", "[stats]") {
  const std::vector<double> v{kNaN, 2, 4, kNaN, 6, 8, 10};
  const ecsim::Summary s = ecsim::summarize(v);
  CHECK(s.n == 5);
  CHECK(s.n_nan == 2);
  CHECK(s.mean == 6.0);
  CHECK(s.p50 == 6.0);
  CHECK(ecsim::mean(v) == 6.0);
  CHECK(ecsim::min_value(v) == 2.0);
  CHECK(ecsim::max_value(v) == 10.0);
  CHECK(ecsim::percentile(v, 100) == 10.0);
}

TEST_CASE("stats: summary of one value and of none", "[stats]") {
  const ecsim::Summary one = ecsim::summarize(std::vector<double>{3.5});
  CHECK(one.n == 1);
  CHECK(one.mean == 3.5);
  CHECK(one.stddev == 0.0);
  CHECK(one.min == 3.5);
  CHECK(one.p50 == 3.5);
  CHECK(one.p95 == 3.5);
  CHECK(one.max == 3.5);
  CHECK(one.ci95_low == 3.5);
  CHECK(one.ci95_high == 3.5);

  for (const std::vector<double>& none : {std::vector<double>{}, std::vector<double>{kNaN, kNaN}}) {
    const ecsim::Summary s = ecsim::summarize(none);
    CHECK(s.n == 0);
    CHECK(s.n_nan == none.size());
    for (double x : {s.mean, s.stddev, s.min, s.p50, s.p95, s.max, s.ci95_low, s.ci95_high})
      CHECK(std::isnan(x));
  }
}
