#include "sim/units.hpp"

#include <vector>

#include "sim/did_you_mean.hpp"

#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <system_error>

#include <charconv>
#include <fmt/format.h>

#include "sim/strings.hpp"  // trim

namespace ecsim {
namespace {

// 128-bit intermediate so that "fraction digits x unit" cannot overflow.
__extension__ typedef unsigned __int128 u128;

struct UnitName {
  std::string_view name;
  SimTime ns;
};
constexpr UnitName kUnits[] = {
    {"ns", kNanosecond}, {"us", kMicrosecond}, {"\xC2\xB5s", kMicrosecond},  // µs
    {"ms", kMillisecond}, {"s", kSecond},     {"m", kMinute},
    {"min", kMinute},     {"h", kHour},
};

bool is_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

std::optional<SimTime> duration_unit_ns(std::string_view unit) {
  for (const auto& u : kUnits)
    if (u.name == unit) return u.ns;
  return std::nullopt;
}

SimTime parse_duration(std::string_view text, bool allow_negative) {
  const std::string_view original = trim(text);
  std::string_view s = original;
  if (s.empty()) throw std::invalid_argument("expected a duration like 10ms");
  bool negative = false;
  if (s.front() == '-' || s.front() == '+') {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  // Integer part: more than 20 digits cannot be a valid int64 count of anything.
  u128 whole = 0;
  std::size_t i = 0, whole_digits = 0;
  for (; i < s.size() && is_digit(s[i]); ++i, ++whole_digits) {
    if (whole_digits >= 20) throw std::invalid_argument("duration '" + std::string(original) + "' is too large");
    whole = whole * 10 + static_cast<unsigned>(s[i] - '0');
  }
  // Fraction: keep 20 digits, enough for exact ns with any unit up to hours.
  u128 frac = 0, frac_scale = 1;
  std::size_t frac_digits = 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    for (; i < s.size() && is_digit(s[i]); ++i, ++frac_digits) {
      if (frac_digits < 20) {
        frac = frac * 10 + static_cast<unsigned>(s[i] - '0');
        frac_scale *= 10;
      }
    }
    if (frac_digits == 0) throw std::invalid_argument("expected a duration like 10ms, got '" + std::string(original) + "'");
  }
  if (whole_digits == 0 && frac_digits == 0)
    throw std::invalid_argument("expected a duration like 10ms, got '" + std::string(original) + "'");
  const std::string_view unit = trim(s.substr(i));
  if (unit.empty())
    throw std::invalid_argument("expected a duration with a unit, e.g. 10ms, got '" + std::string(original) + "'");
  const auto unit_ns = duration_unit_ns(unit);
  if (!unit_ns)
    throw std::invalid_argument("unknown unit '" + std::string(unit) + "' in duration '" + std::string(original) +
                                "' (use ns, us, ms, s, m or h)");
  const u128 u = static_cast<u128>(*unit_ns);
  const u128 scaled = frac * u;
  u128 total = whole * u + scaled / frac_scale;
  if (2 * (scaled % frac_scale) >= frac_scale) ++total;  // round half away from zero
  if (total > static_cast<u128>(std::numeric_limits<SimTime>::max()))
    throw std::invalid_argument("duration '" + std::string(original) + "' is too large (limit about 292 years)");
  const auto value = static_cast<SimTime>(total);
  // Any '-' is refused where durations cannot be negative, "-0s" included:
  // a sign there is a mistake, not a way to write zero. '+' is allowed.
  if (negative && !allow_negative)
    throw std::invalid_argument("duration must not be negative, got '" + std::string(original) + "'");
  return negative ? -value : value;
}

double parse_rate_per_s(std::string_view text) {
  const std::string_view s = trim(text);
  const std::string bad = "expected a rate like 200/s, got '" + std::string(s) + "'";
  const auto slash = s.find('/');
  if (slash == std::string_view::npos) throw std::invalid_argument(bad);
  const std::string_view number = trim(s.substr(0, slash));
  const std::string_view unit = trim(s.substr(slash + 1));
  double n = 0.0;
  const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), n);
  if (number.empty() || ec != std::errc{} || end != number.data() + number.size() || !std::isfinite(n))
    throw std::invalid_argument(bad);
  if (n < 0.0) throw std::invalid_argument("rate must not be negative, got '" + std::string(s) + "'");
  const auto unit_ns = duration_unit_ns(unit);
  if (!unit_ns)
    throw std::invalid_argument("unknown unit '" + std::string(unit) + "' in rate '" + std::string(s) +
                                "' (use /s, /ms, /m, ...)");
  return n * static_cast<double>(kSecond) / static_cast<double>(*unit_ns);
}

namespace {
struct BandwidthUnit {
  std::string_view name;
  double Bps;  // bytes per second for 1 of the unit
};
constexpr BandwidthUnit kBandwidthUnits[] = {
    {"bit/s", 1.0 / 8}, {"kbit/s", 1e3 / 8}, {"Mbit/s", 1e6 / 8}, {"Gbit/s", 1e9 / 8},
    {"B/s", 1.0},       {"kB/s", 1e3},       {"MB/s", 1e6},       {"GB/s", 1e9}};
}  // namespace

double parse_bandwidth_Bps(std::string_view text) {
  const std::string_view s = trim(text);
  const std::string bad = "expected a bandwidth like 1Gbit/s or 10MB/s, got '" + std::string(s) + "'";
  std::size_t i = 0;
  while (i < s.size() && (is_digit(s[i]) || s[i] == '.')) ++i;
  const std::string_view number = s.substr(0, i), unit = trim(s.substr(i));
  double n = 0.0;
  const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), n);
  if (number.empty() || ec != std::errc{} || end != number.data() + number.size() || !std::isfinite(n))
    throw std::invalid_argument(bad);
  std::vector<std::string> names;
  for (const BandwidthUnit& u : kBandwidthUnits) {
    if (u.name == unit) {
      if (!(n > 0)) throw std::invalid_argument("bandwidth must be positive, got '" + std::string(s) + "'");
      return n * u.Bps;
    }
    names.emplace_back(u.name);
  }
  if (unit.empty()) throw std::invalid_argument(bad + " (a bandwidth needs a unit)");
  throw std::invalid_argument("unknown unit '" + std::string(unit) + "' in bandwidth '" + std::string(s) + "'" +
                              did_you_mean(unit, names) + " (use " + join(names) + ")");
}

std::string format_bandwidth(double Bps) {
  const BandwidthUnit* unit = &kBandwidthUnits[0];
  for (int i = 0; i < 4; ++i)
    if (Bps / kBandwidthUnits[i].Bps >= 1) unit = &kBandwidthUnits[i];
  return fmt::format("{}{}", Bps / unit->Bps, unit->name);
}

std::string format_duration(SimTime ns) {
  if (ns == 0) return "0s";
  const bool negative = ns < 0;
  // Magnitude as unsigned so that INT64_MIN does not overflow.
  const std::uint64_t a = negative ? 0 - static_cast<std::uint64_t>(ns) : static_cast<std::uint64_t>(ns);
  const std::string sign = negative ? "-" : "";
  // Hours and minutes only when whole, and "60s" rather than "1m": users
  // write durations under a few minutes in seconds ("90s" beats "1.5m").
  if (a % kHour == 0) return fmt::format("{}{}h", sign, a / kHour);
  if (a % kMinute == 0 && a >= 2 * kMinute) return fmt::format("{}{}m", sign, a / kMinute);
  // Otherwise the largest of s/ms/us with at most three decimals.
  constexpr UnitName kDecimalUnits[] = {{"s", kSecond}, {"ms", kMillisecond}, {"us", kMicrosecond}};
  for (const auto& u : kDecimalUnits) {
    const auto unit = static_cast<std::uint64_t>(u.ns);
    if (a < unit || a % (unit / 1000) != 0) continue;
    const std::uint64_t whole = a / unit;
    std::uint64_t milli = (a % unit) / (unit / 1000);
    if (milli == 0) return fmt::format("{}{}{}", sign, whole, u.name);
    std::string frac = fmt::format("{:03}", milli);
    while (frac.back() == '0') frac.pop_back();
    return fmt::format("{}{}.{}{}", sign, whole, frac, u.name);
  }
  return fmt::format("{}{}ns", sign, a);
}

std::string format_rate(double per_s) { return fmt::format("{}/s", per_s); }

}  // namespace ecsim
