#pragma once
// Text <-> base units for scenario values: durations ("250us", "1.5s") as
// integer nanoseconds, rates ("200/s") as events per simulated second.
// Errors throw std::invalid_argument with a message meant for the user
// (the caller adds the file position).
#include <optional>
#include <string>
#include <string_view>

#include "sim/time.hpp"

namespace ecsim {

// Nanoseconds per unit for "ns", "us" (or "µs"), "ms", "s", "m" (or "min"), "h".
std::optional<SimTime> duration_unit_ns(std::string_view unit);

// "1.5s" -> 1'500'000'000. The decimal is converted exactly (no binary
// floating point); sub-nanosecond remainders round to nearest, halves away
// from zero. A bare number ("10") is an error: durations always carry a unit.
// A leading '-' is accepted only when allow_negative (clock offsets, skew).
SimTime parse_duration(std::string_view text, bool allow_negative = false);

// "200/s", "5/ms", "30/m" -> events per second (finite, >= 0).
double parse_rate_per_s(std::string_view text);

// Shortest readable text that parse_duration maps back to the same value:
// 1'500'000'000 -> "1.5s", 250'000 -> "250us", 120s -> "2m", 0 -> "0s".
std::string format_duration(SimTime ns);

// "1Gbit/s", "100 Mbit/s", "10MB/s" -> bytes per second (finite, > 0).
// Units are decimal SI: bit/s, kbit/s, Mbit/s, Gbit/s (8 bits a byte) and
// B/s, kB/s, MB/s, GB/s. The number is a plain decimal (no exponent).
double parse_bandwidth_Bps(std::string_view text);

// 125e6 -> "1Gbit/s": the largest bit unit that keeps the number >= 1,
// shortest round-trip decimal (parse_bandwidth_Bps reads it back exactly).
std::string format_bandwidth(double Bps);

// 200.0 -> "200/s" (shortest round-trip decimal).
std::string format_rate(double per_s);

}  // namespace ecsim
