#include "sim/distribution.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace ecsim {

namespace {

// A duration in ns, in the largest unit that keeps it >= 1: "250us", "2ms",
// "1.5s". fmt's "{}" prints the shortest round-trip form (no locale, same text
// on every platform) so the value shown is exactly the value used.
std::string format_duration_ns(double ns) {
  if (ns == 0.0) return "0s";
  if (!std::isfinite(ns)) return fmt::format("{}", ns);
  const double mag = std::fabs(ns);
  if (mag >= 1e9) return fmt::format("{}s", ns / 1e9);
  if (mag >= 1e6) return fmt::format("{}ms", ns / 1e6);
  if (mag >= 1e3) return fmt::format("{}us", ns / 1e3);
  return fmt::format("{}ns", ns);
}

std::string format_value(double v, bool is_duration) {
  return is_duration ? format_duration_ns(v) : fmt::format("{}", v);
}

const std::vector<double>& checked_samples(const Distribution& d) {
  if (!d.samples || d.samples->empty()) {
    throw std::logic_error("empirical distribution '" + d.source + "' has no samples");
  }
  return *d.samples;
}

}  // namespace

double Distribution::sample(Rng& rng) const {
  switch (kind) {
    case Kind::constant: return a;  // consumes no randomness
    case Kind::uniform: return rng.uniform(a, b);
    case Kind::exponential: return rng.exponential(a);
    case Kind::normal: return rng.normal(a, b);
    case Kind::lognormal: return rng.lognormal(a, b);
    case Kind::pareto: return rng.pareto(a, b);
    case Kind::empirical: {
      const auto& s = checked_samples(*this);
      return s[rng.below(s.size())];
    }
  }
  throw std::logic_error("Distribution::sample: unknown kind");
}

double Distribution::sample_nonnegative(Rng& rng) const {
  // A negative delay would move time backwards; the format clamps at 0. The
  // upper clamp (the same as drawn_ns_to_time's) keeps a later conversion to
  // SimTime from wrapping, also for callers that llround this value directly.
  const double x = sample(rng);
  if (std::isnan(x)) throw std::domain_error(fmt::format("{} drew NaN", describe(true)));
  return std::max(0.0, saturate_drawn_ns(x));
}

double Distribution::mean() const {
  switch (kind) {
    case Kind::constant: return a;
    case Kind::uniform: return (a + b) / 2.0;
    case Kind::exponential: return a;
    case Kind::normal: return a;  // of the unclamped distribution
    case Kind::lognormal: return a * std::exp(b * b / 2.0);
    case Kind::pareto:
      return b > 1.0 ? a * b / (b - 1.0) : std::numeric_limits<double>::infinity();
    case Kind::empirical: {
      const auto& s = checked_samples(*this);
      double sum = 0.0;
      for (const double v : s) sum += v;  // fixed order: same result everywhere
      return sum / static_cast<double>(s.size());
    }
  }
  throw std::logic_error("Distribution::mean: unknown kind");
}

std::string Distribution::describe(bool is_duration) const {
  const auto v = [is_duration](double x) { return format_value(x, is_duration); };
  switch (kind) {
    case Kind::constant: return fmt::format("constant({})", v(a));
    case Kind::uniform: return fmt::format("uniform(min={}, max={})", v(a), v(b));
    case Kind::exponential: return fmt::format("exponential(mean={})", v(a));
    case Kind::normal: return fmt::format("normal(mean={}, stddev={})", v(a), v(b));
    // sigma and shape are dimensionless whatever the quantity.
    case Kind::lognormal: return fmt::format("lognormal(median={}, sigma={})", v(a), b);
    case Kind::pareto: return fmt::format("pareto(scale={}, shape={})", v(a), b);
    case Kind::empirical: {
      const std::size_t n = samples ? samples->size() : 0;
      const char* plural = n == 1 ? "" : "s";
      if (source.empty()) return fmt::format("empirical({} sample{})", n, plural);
      return fmt::format("empirical({}, {} sample{})", source, n, plural);
    }
  }
  return "unknown";
}

}  // namespace ecsim
