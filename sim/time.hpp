#pragma once
// Simulated time: integer nanoseconds, never floating point (DESIGN.md #3).
#include <cstdint>
#include <limits>

namespace ecsim {

using SimTime = std::int64_t;  // nanoseconds of true (simulated) time

inline constexpr SimTime kNanosecond = 1;
inline constexpr SimTime kMicrosecond = 1'000;
inline constexpr SimTime kMillisecond = 1'000'000;
inline constexpr SimTime kSecond = 1'000'000'000;
inline constexpr SimTime kMinute = 60 * kSecond;
inline constexpr SimTime kHour = 60 * kMinute;

inline constexpr double to_seconds(SimTime t) { return static_cast<double>(t) / 1e9; }

// Largest SimTime; a time computed as now + delay saturates here instead of
// wrapping (it never arrives within any run).
inline constexpr SimTime kMaxTime = std::numeric_limits<SimTime>::max();

using NodeId = std::uint32_t;
inline constexpr NodeId kNoNode = 0xFFFFFFFFu;

}  // namespace ecsim
