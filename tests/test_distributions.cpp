// Distribution sampling checked against closed-form moments, plus mean(),
// describe() and a cross-platform replay pin.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "sim/distribution.hpp"

using ecsim::Distribution;
using ecsim::Rng;
using Kind = Distribution::Kind;

namespace {

constexpr double kMs = 1e6;  // distributions hold durations in ns
constexpr int kDraws = 200'000;

Distribution make(Kind kind, double a, double b = 0.0) {
  Distribution d;
  d.kind = kind;
  d.a = a;
  d.b = b;
  return d;
}

Distribution empirical(std::vector<double> values, std::string source) {
  Distribution d;
  d.kind = Kind::empirical;
  d.samples = std::make_shared<const std::vector<double>>(std::move(values));
  d.source = std::move(source);
  return d;
}

// Draws kDraws samples and checks sample mean and standard deviation against
// the true mean mu, stddev sigma and kurtosis (E[(X-mu)^4] / sigma^4).
// Standard errors (large-N):
//   SE(mean) = sigma / sqrt(N)
//   SE(sd)   = sigma * sqrt((kurtosis - 1) / (4N))   (delta method on s^2)
// Tolerance is 5 SE: a correct sampler fails either check for fewer than 1
// seed in 10^6 (normal approximation), while a wrong formula (e.g. a missing
// factor, a swapped parameter) is off by far more than 5 SE at N = 200k.
void check_moments(const Distribution& d, double mu, double sigma, double kurtosis,
                   std::uint64_t seed) {
  Rng rng(seed);
  // Welford: numerically stable single pass.
  double mean = 0.0, m2 = 0.0;
  for (int i = 1; i <= kDraws; ++i) {
    const double x = d.sample(rng);
    const double delta = x - mean;
    mean += delta / i;
    m2 += delta * (x - mean);
  }
  const double sd = std::sqrt(m2 / (kDraws - 1));
  const double se_mean = sigma / std::sqrt(kDraws);
  const double se_sd = sigma * std::sqrt((kurtosis - 1.0) / (4.0 * kDraws));
  INFO(d.describe(true) << ": mean " << mean << " vs " << mu << " (SE " << se_mean << "), sd "
                        << sd << " vs " << sigma << " (SE " << se_sd << ")");
  CHECK(std::fabs(mean - mu) <= 5 * se_mean);
  CHECK(std::fabs(sd - sigma) <= 5 * se_sd);
  // The analytic mean() must agree with the formula too.
  CHECK(d.mean() == Approx(mu).epsilon(1e-12));
}

}  // namespace

TEST_CASE("uniform: mean (a+b)/2, sd (b-a)/sqrt(12)", "[distribution]") {
  const double a = 5 * kMs, b = 15 * kMs;
  // Kurtosis of a uniform is 9/5.
  check_moments(make(Kind::uniform, a, b), (a + b) / 2, (b - a) / std::sqrt(12.0), 1.8, 1);
}

TEST_CASE("exponential: sd equals mean", "[distribution]") {
  const double m = 10 * kMs;
  check_moments(make(Kind::exponential, m), m, m, 9.0, 2);
}

TEST_CASE("normal: mean and stddev as given", "[distribution]") {
  check_moments(make(Kind::normal, 10 * kMs, 2 * kMs), 10 * kMs, 2 * kMs, 3.0, 3);
}

TEST_CASE("lognormal: mean m*e^(s^2/2), variance (e^(s^2)-1) m^2 e^(s^2)", "[distribution]") {
  const double median = 2 * kMs, s = 0.5, s2 = s * s;
  // With mu = ln(median): variance (e^{s^2}-1) e^{2mu+s^2}.
  const double mean = median * std::exp(s2 / 2);
  const double var = (std::exp(s2) - 1) * std::exp(2 * std::log(median) + s2);
  const double kurtosis = std::exp(4 * s2) + 2 * std::exp(3 * s2) + 3 * std::exp(2 * s2) - 3;
  check_moments(make(Kind::lognormal, median, s), mean, std::sqrt(var), kurtosis, 4);
}

TEST_CASE("pareto: mean x*a/(a-1), variance x^2 a/((a-1)^2 (a-2))", "[distribution]") {
  const double scale = 5 * kMs;
  {
    // shape 5: the sd check needs a finite fourth moment (shape > 4).
    const double a = 5.0;
    const double mean = scale * a / (a - 1);
    const double var = scale * scale * a / ((a - 1) * (a - 1) * (a - 2));
    const double kurtosis = 3 + 6 * (a * a * a + a * a - 6 * a - 2) / (a * (a - 3) * (a - 4));
    check_moments(make(Kind::pareto, scale, a), mean, std::sqrt(var), kurtosis, 5);
  }
  {
    // shape 2.5 (the format's example): finite variance, so the sample mean is
    // within a few SE, but the sample sd has no finite variance: mean only.
    const double a = 2.5;
    const Distribution d = make(Kind::pareto, scale, a);
    const double mean = scale * a / (a - 1);
    const double sigma = std::sqrt(scale * scale * a / ((a - 1) * (a - 1) * (a - 2)));
    Rng rng(6);
    double sum = 0.0, lo = std::numeric_limits<double>::infinity();
    for (int i = 0; i < kDraws; ++i) {
      const double x = d.sample(rng);
      sum += x;
      lo = std::min(lo, x);
    }
    CHECK(lo >= scale);  // support is [scale, inf)
    CHECK(std::fabs(sum / kDraws - mean) <= 5 * sigma / std::sqrt(kDraws));
    CHECK(d.mean() == Approx(mean));
  }
}

TEST_CASE("constant: always the value, no spread", "[distribution]") {
  const Distribution d = Distribution::constant(10 * kMs);
  CHECK(d.is_constant());
  Rng rng(7);
  for (int i = 0; i < 100; ++i) REQUIRE(d.sample(rng) == 10 * kMs);
  CHECK(d.mean() == 10 * kMs);
}

TEST_CASE("empirical: uniform pick among the samples", "[distribution]") {
  // {1,2,3,4} equally likely: mean 2.5, variance 1.25, kurtosis 2.5625/1.5625.
  const Distribution d = empirical({1, 2, 3, 4}, "f.csv:x");
  check_moments(d, 2.5, std::sqrt(1.25), 2.5625 / 1.5625, 8);

  Rng rng(9);
  for (int i = 0; i < 1000; ++i) {
    const double x = d.sample(rng);
    REQUIRE((x == 1 || x == 2 || x == 3 || x == 4));
  }
  Distribution none;
  none.kind = Kind::empirical;
  CHECK_THROWS_AS(none.sample(rng), std::logic_error);
}

TEST_CASE("sample_nonnegative clamps the normal at 0", "[distribution]") {
  // mean 1ms, sd 2ms: P(X < 0) = Phi(-0.5) ~ 0.3085, so many draws clamp.
  const Distribution d = make(Kind::normal, 1 * kMs, 2 * kMs);
  Rng rng(10);
  int zeros = 0;
  for (int i = 0; i < kDraws; ++i) {
    const double x = d.sample_nonnegative(rng);
    REQUIRE(x >= 0.0);
    zeros += (x == 0.0);
  }
  // Clamped draws are exactly 0, with frequency Phi(-0.5); 5 binomial SE.
  const double p = 0.5 * std::erfc(0.5 / std::sqrt(2.0));
  const double freq = static_cast<double>(zeros) / kDraws;
  CHECK(std::fabs(freq - p) <= 5 * std::sqrt(p * (1 - p) / kDraws));

  // mean() describes the unclamped distribution, as documented.
  CHECK(d.mean() == 1 * kMs);
  // Other kinds clamp too (a uniform skew range crossing 0).
  const Distribution u = make(Kind::uniform, -5 * kMs, 5 * kMs);
  for (int i = 0; i < 1000; ++i) REQUIRE(u.sample_nonnegative(rng) >= 0.0);
}

TEST_CASE("mean() is analytic", "[distribution]") {
  CHECK(make(Kind::uniform, 2, 6).mean() == 4);
  CHECK(make(Kind::exponential, 7).mean() == 7);
  CHECK(make(Kind::normal, -3, 1).mean() == -3);
  CHECK(make(Kind::lognormal, 2, 0.0).mean() == 2);
  CHECK(make(Kind::lognormal, 1, 2.0).mean() == Approx(std::exp(2.0)));
  CHECK(make(Kind::pareto, 1, 3).mean() == Approx(1.5));
  CHECK(std::isinf(make(Kind::pareto, 1, 1).mean()));
  CHECK(std::isinf(make(Kind::pareto, 1, 0.5).mean()));
  CHECK(empirical({1, 2, 6}, "a.csv:b").mean() == 3);
}

TEST_CASE("describe() is human-readable with duration units", "[distribution]") {
  CHECK(make(Kind::lognormal, 2 * kMs, 0.3).describe(true) == "lognormal(median=2ms, sigma=0.3)");
  CHECK(Distribution::constant(10 * kMs).describe(true) == "constant(10ms)");
  CHECK(Distribution::constant(250e3).describe(true) == "constant(250us)");
  CHECK(Distribution::constant(1.5e9).describe(true) == "constant(1.5s)");
  CHECK(Distribution::constant(12).describe(true) == "constant(12ns)");
  CHECK(Distribution::constant(0).describe(true) == "constant(0s)");
  CHECK(make(Kind::uniform, -50 * kMs, 50 * kMs).describe(true) == "uniform(min=-50ms, max=50ms)");
  CHECK(make(Kind::uniform, -100, 100).describe(false) == "uniform(min=-100, max=100)");
  CHECK(make(Kind::exponential, 10 * kMs).describe(true) == "exponential(mean=10ms)");
  CHECK(make(Kind::normal, 10 * kMs, 2 * kMs).describe(true) == "normal(mean=10ms, stddev=2ms)");
  CHECK(make(Kind::pareto, 5 * kMs, 2.5).describe(true) == "pareto(scale=5ms, shape=2.5)");
  CHECK(empirical(std::vector<double>(1000, 1.0), "file.csv:rtt_ms").describe(true) ==
        "empirical(file.csv:rtt_ms, 1000 samples)");
  CHECK(empirical({1.0}, "x.csv:c").describe(true) == "empirical(x.csv:c, 1 sample)");
}

TEST_CASE("distribution samples are pinned (cross-platform replay regression)",
          "[distribution][golden]") {
  // Golden values computed once (and matched by an independent Python port of
  // the same algorithms). These go through libm (log/exp/cos/pow), so they are
  // compared after rounding to whole nanoseconds, the simulator's time unit: a
  // mismatch here means a scenario would replay differently on this platform.
  Rng rng = Rng::stream(42, "latency", 0);
  CHECK(std::llround(make(Kind::lognormal, 2 * kMs, 0.3).sample(rng)) == 1816716);
  CHECK(std::llround(make(Kind::exponential, 10 * kMs).sample(rng)) == 27374844);
  CHECK(std::llround(make(Kind::normal, 10 * kMs, 2 * kMs).sample(rng)) == 7314206);
  CHECK(std::llround(make(Kind::pareto, 5 * kMs, 2.5).sample(rng)) == 5108383);
  CHECK(std::llround(make(Kind::uniform, -50 * kMs, 50 * kMs).sample(rng)) == 5081884);
}

TEST_CASE("drawn_ns_to_time: rounds like llround, saturates at 2^62 ns, refuses NaN", "[distribution]") {
  using ecsim::drawn_ns_to_time;
  using ecsim::kMaxDrawnDuration;
  static_assert(kMaxDrawnDuration == 4'611'686'018'427'387'904);  // 2^62 ns, about 146 years
  CHECK(drawn_ns_to_time(0.0) == 0);
  CHECK(drawn_ns_to_time(2.5) == 3);  // halves away from zero, as std::llround
  CHECK(drawn_ns_to_time(-2.5) == -3);
  CHECK(drawn_ns_to_time(10 * kMs) == 10'000'000);
  CHECK(drawn_ns_to_time(4'611'686'018'427'387'904.0) == kMaxDrawnDuration);
  // The largest double below 2^62 (spacing there is 2^9) passes unchanged.
  CHECK(drawn_ns_to_time(4'611'686'018'427'387'392.0) == 4'611'686'018'427'387'392);
  // Beyond int64 (where llround alone gave INT64_MIN), up to infinity: the clamp.
  for (const double big : {1e19, 1e300, std::numeric_limits<double>::infinity()}) {
    CHECK(drawn_ns_to_time(big) == kMaxDrawnDuration);
    CHECK(drawn_ns_to_time(-big) == -kMaxDrawnDuration);
  }
  CHECK_THROWS_AS(drawn_ns_to_time(std::numeric_limits<double>::quiet_NaN()), std::domain_error);
}

TEST_CASE("sample_duration saturates heavy tails and refuses NaN", "[distribution]") {
  Rng rng(11);
  CHECK(Distribution::constant(1e30).sample_duration(rng) == ecsim::kMaxDrawnDuration);
  CHECK(Distribution::constant(-5 * kMs).sample_duration(rng) == 0);
  CHECK(Distribution::constant(1.5 * kMs).sample_duration(rng) == 1'500'000);
  const Distribution nan = Distribution::constant(std::numeric_limits<double>::quiet_NaN());
  CHECK_THROWS_WITH(nan.sample_nonnegative(rng), "constant(nan) drew NaN");
  CHECK_THROWS_AS(nan.sample_duration(rng), std::domain_error);
  // sample_nonnegative applies the same clamp, as a double.
  CHECK(make(Kind::pareto, 5 * kMs, 0.01).sample_nonnegative(rng) <= 4.611686018427387904e18);
}

TEST_CASE("lognormal(median=10ms, sigma=1000) never yields a negative or wrapped time", "[distribution]") {
  // X = 1e7 ns * exp(1000 Z), Z standard normal. By hand:
  //   X >= 2^62 ns  <=>  Z >= (62 ln 2 - ln 1e7) / 1000 = 0.0268568...,
  // so a draw saturates to exactly 2^62 with probability 1 - Phi(0.0268568)
  // = 0.48929; X rounds to 0 ns when Z < (ln 0.5 - ln 1e7) / 1000, with
  // probability Phi(-0.0168112) = 0.49329; the rest (~1.7%) lie in between.
  // Before the clamp, every draw with exp(1000 Z) = inf (Z > 0.7098, ~24%)
  // or beyond 2^63 became INT64_MIN ns: a message delivered in the past.
  const Distribution d = make(Kind::lognormal, 10 * kMs, 1000);
  const double z_max = (62 * std::log(2.0) - std::log(1e7)) / 1000;
  const double z_zero = (std::log(0.5) - std::log(1e7)) / 1000;
  const double p_max = 0.5 * std::erfc(z_max / std::sqrt(2.0));
  const double p_zero = 0.5 * std::erfc(-z_zero / std::sqrt(2.0));
  REQUIRE(p_max == Approx(0.48929).epsilon(1e-4));
  REQUIRE(p_zero == Approx(0.49329).epsilon(1e-4));
  Rng rng(12), raw_rng(12);
  int at_max = 0, zeros = 0, between = 0, raw_inf = 0;
  for (int i = 0; i < kDraws; ++i) {
    const ecsim::SimTime t = d.sample_duration(rng);
    REQUIRE(t >= 0);
    REQUIRE(t <= ecsim::kMaxDrawnDuration);
    at_max += t == ecsim::kMaxDrawnDuration;
    zeros += t == 0;
    between += t > 0 && t < ecsim::kMaxDrawnDuration;
    raw_inf += std::isinf(d.sample(raw_rng));  // same stream: what the clamp absorbed
  }
  const auto within = [](int count, double p) {
    return std::fabs(static_cast<double>(count) / kDraws - p) <= 5 * std::sqrt(p * (1 - p) / kDraws);
  };
  CHECK(within(at_max, p_max));
  CHECK(within(zeros, p_zero));
  CHECK(between > 0);
  CHECK(within(raw_inf, 0.5 * std::erfc(std::log(std::numeric_limits<double>::max() / 1e7) / 1000 / std::sqrt(2.0))));
}
