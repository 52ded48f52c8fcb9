#pragma once
// Simulated time: integer nanoseconds, never floating point.
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>

namespace ecsim {

using SimTime = std::int64_t;  // nanoseconds of true (simulated) time

inline constexpr SimTime kNanosecond = 1;
inline constexpr SimTime kMicrosecond = 1'000;
inline constexpr SimTime kMillisecond = 1'000'000;
inline constexpr SimTime kSecond = 1'000'000'000;
inline constexpr SimTime kMinute = 60 * kSecond;
inline constexpr SimTime kHour = 60 * kMinute;

inline constexpr double to_seconds(SimTime t) { return static_cast<double>(t) / 1e9; }

// Largest magnitude a drawn (floating-point) duration converts to: 2^62 ns,
// about 146 years. Far past any run's end, so a latency that large just means
// "arrives after the run ends"; and now + 2^62 cannot overflow SimTime for
// any now <= 2^62, so later arithmetic on the clamped value stays exact.
inline constexpr SimTime kMaxDrawnDuration = SimTime{1} << 62;

// Clamps a drawn value in ns to [-kMaxDrawnDuration, kMaxDrawnDuration]
// (exactly representable as a double); +-inf saturate. NaN has no meaning as
// a time and is refused with std::domain_error rather than guessed.
inline double saturate_drawn_ns(double ns) {
  constexpr double max = static_cast<double>(kMaxDrawnDuration);
  if (std::isnan(ns)) throw std::domain_error("a drawn duration is NaN: check the distribution's parameters");
  return ns > max ? max : (ns < -max ? -max : ns);
}

// The one conversion from a drawn double (ns) to SimTime, used wherever the
// kernel turns a draw into time (latency, clock skew, drifted timer delays;
// Distribution::sample_duration). Rounds to nearest, halves away from zero
// (std::llround, as before), after saturating: converting a double beyond
// int64's range is undefined and on x86 gave INT64_MIN, a time in the past.
inline SimTime drawn_ns_to_time(double ns) { return static_cast<SimTime>(std::llround(saturate_drawn_ns(ns))); }

// Largest SimTime; a time computed as now + delay saturates here instead of
// wrapping (it never arrives within any run).
inline constexpr SimTime kMaxTime = std::numeric_limits<SimTime>::max();

// at + delay for a delay >= 0 (e.g. from drawn_ns_to_time), saturating at
// kMaxTime instead of wrapping: used to schedule a drawn gap after `at`.
inline constexpr SimTime time_after(SimTime at, SimTime delay) {
  return delay > kMaxTime - at ? kMaxTime : at + delay;
}

using NodeId = std::uint32_t;
inline constexpr NodeId kNoNode = 0xFFFFFFFFu;

}  // namespace ecsim
