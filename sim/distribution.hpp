#pragma once
// A parsed distribution from the scenario file (latency, skew, drift, think
// time). Values are in the quantity's base unit: nanoseconds for durations,
// plain numbers otherwise (e.g. drift in ppm).
#include <memory>
#include <string>
#include <vector>

#include "sim/rng.hpp"
#include "sim/time.hpp"

namespace ecsim {

struct Distribution {
  enum class Kind { constant, uniform, exponential, normal, lognormal, pareto, empirical };
  Kind kind = Kind::constant;
  // constant: a=value | uniform: a=min, b=max | exponential: a=mean
  // normal: a=mean, b=stddev | lognormal: a=median, b=sigma | pareto: a=scale, b=shape
  double a = 0.0;
  double b = 0.0;
  std::shared_ptr<const std::vector<double>> samples;  // empirical: values in base unit
  std::string source;  // empirical: "file.csv:column" for messages

  static Distribution constant(double v) { Distribution d; d.a = v; return d; }

  double sample(Rng& rng) const;
  // Durations, think times: normal is clamped at 0 as the format says, and
  // the top saturates at kMaxDrawnDuration (sim/time.hpp): heavy tails
  // (lognormal with a large sigma, pareto with a small shape) draw values far
  // beyond int64 ns, even +inf. NaN throws std::domain_error.
  double sample_nonnegative(Rng& rng) const;
  // sample_nonnegative as SimTime ns, via drawn_ns_to_time: in [0, kMaxDrawnDuration].
  SimTime sample_duration(Rng& rng) const { return drawn_ns_to_time(sample_nonnegative(rng)); }
  // Analytic mean (empirical: sample mean; pareto with shape <= 1: infinity).
  double mean() const;
  // Human-readable, e.g. "lognormal(median=2ms, sigma=0.3)"; is_duration picks units.
  std::string describe(bool is_duration) const;
  bool is_constant() const { return kind == Kind::constant; }
};

// Gap to the next arrival of a Poisson process with `rate_per_s` (> 0)
// arrivals per second: an exponential draw with mean 1e9 / rate_per_s ns,
// converted by drawn_ns_to_time. For normal rates this is exactly
// llround(rng.exponential(1e9 / rate_per_s)), one draw as before. An absurdly
// low rate saturates at kMaxDrawnDuration (no arrival within any run) instead
// of overflowing llround: 1e-15/s for 10s used to give arrivals at t = 0
// forever. A rate so low that the mean is +inf (about 1e-300/s) draws +inf,
// or NaN in the one case u = 0 (inf * 0): both mean "never".
inline SimTime poisson_gap(Rng& rng, double rate_per_s) {
  const double ns = rng.exponential(1e9 / rate_per_s);
  return drawn_ns_to_time(std::isnan(ns) && std::isinf(1e9 / rate_per_s) ? static_cast<double>(kMaxDrawnDuration) : ns);
}

}  // namespace ecsim
