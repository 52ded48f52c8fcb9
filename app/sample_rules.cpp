// Reading and drawing sample rules. See sample_rules.hpp.
#include "app/sample_rules.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "sim/units.hpp"
#include "sim/yaml_node.hpp"

namespace ecsim {

using detail::MapReader;
using detail::YamlReader;
using detail::YamlValue;

namespace {

std::string flow_yaml(const YAML::Node& node) {
  YAML::Emitter e;
  e.SetMapFormat(YAML::Flow);
  e.SetSeqFormat(YAML::Flow);
  e << node;
  return e.c_str();
}

std::string shortest(double v) {
  if (v == 0.0) v = 0.0;
  return fmt::format("{}", v);
}

// True when `v` is a scalar that reads as a duration (with a unit).
bool is_duration(const YamlValue& v) {
  if (!v.node.IsScalar()) return false;
  try {
    parse_duration(v.node.Scalar(), true);
    return true;
  } catch (const std::invalid_argument&) {
    return false;
  }
}

void read_choice(const YamlReader& r, const YamlValue& rule, const MapReader& m, SampleRule& out) {
  m.allow({"dist", "values"});
  const auto items = r.list(m.require("values"));
  if (items.empty()) r.fail(m.require("values"), fmt::format("{}.values: needs at least one value", rule.path));
  for (const YamlValue& item : items) {
    SampledValue v = literal_value(r, item);
    v.pos = out.pos;
    out.values.push_back(std::move(v));
  }
}

void read_int(const YamlReader& r, const YamlValue& rule, const YamlValue& lo, const YamlValue& hi, SampleRule& out) {
  out.int_lo = r.integer(lo, INT64_MIN / 2, INT64_MAX / 2);
  out.int_hi = r.integer(hi, INT64_MIN / 2, INT64_MAX / 2);
  if (out.int_hi < out.int_lo) r.fail(hi, fmt::format("{}: max {} is below min {}", rule.path, out.int_hi, out.int_lo));
}

// uniform or log_uniform: durations when both bounds carry a unit, plain numbers otherwise.
void read_number(const YamlReader& r, const YamlValue& rule, const YamlValue& lo, const YamlValue& hi, SampleRule& out) {
  out.durations = is_duration(lo);
  if (out.durations != is_duration(hi))
    r.fail(hi, fmt::format("{}: min and max must both be durations (with a unit) or both plain numbers", rule.path));
  out.lo = out.durations ? static_cast<double>(r.duration(lo, true)) : r.number(lo);
  out.hi = out.durations ? static_cast<double>(r.duration(hi, true)) : r.number(hi);
  if (out.hi < out.lo) r.fail(hi, fmt::format("{}: max is below min", rule.path));
  if (out.dist == SampleRule::Dist::log_uniform && !(out.lo > 0))
    r.fail(lo, fmt::format("{}: log_uniform needs min > 0", rule.path));
}

}  // namespace

// Sampled values are rounded to a few significant digits so that tables and
// plots show 0.254975 and 243.8ms rather than 0.25497534204870304 and
// 243837.945us; the sample is still of the same distribution.
double round_significant(double x, int digits) {
  if (x == 0.0 || !std::isfinite(x)) return x;
  const double scale = std::pow(10.0, digits - 1 - static_cast<int>(std::floor(std::log10(std::fabs(x)))));
  return std::round(x * scale) / scale;
}

SampledValue literal_value(const YamlReader& r, const YamlValue& v) {
  if (!v.node.IsDefined() || v.node.IsNull()) r.fail(v, fmt::format("{}: expected a value, got nothing", v.path));
  const std::string yaml = flow_yaml(v.node);
  return SampledValue{v.node.IsScalar() ? v.node.Scalar() : yaml, yaml, r.position(v.node)};
}

SampleRule read_sample_rule(const YamlReader& r, const YamlValue& rule) {
  const MapReader m(r, rule);
  SampleRule out;
  out.pos = r.position(rule.node);
  static const std::vector<std::string> kinds = {"uniform", "log_uniform", "int", "choice"};
  const std::size_t kind = r.choice(m.require("dist"), kinds);
  out.dist = static_cast<SampleRule::Dist>(kind);
  if (out.dist == SampleRule::Dist::choice) {
    read_choice(r, rule, m, out);
    return out;
  }
  m.allow({"dist", "min", "max"});
  const YamlValue lo = m.require("min"), hi = m.require("max");
  if (out.dist == SampleRule::Dist::integer)
    read_int(r, rule, lo, hi, out);
  else
    read_number(r, rule, lo, hi, out);
  return out;
}

SampledValue draw_sample(const SampleRule& rule, Rng& rng) {
  switch (rule.dist) {
    case SampleRule::Dist::choice: return rule.values[rng.below(rule.values.size())];
    case SampleRule::Dist::integer: {
      const std::int64_t x =
          rule.int_lo + static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(rule.int_hi - rule.int_lo) + 1));
      return SampledValue{std::to_string(x), std::to_string(x), rule.pos};
    }
    case SampleRule::Dist::uniform:
    case SampleRule::Dist::log_uniform: break;
  }
  const double a = rule.lo, b = rule.hi;
  const double u = rng.uniform01();
  const double x = rule.dist == SampleRule::Dist::log_uniform ? std::exp(std::log(a) + u * (std::log(b) - std::log(a)))
                                                               : a + u * (b - a);
  if (rule.durations) {
    const std::string text = format_duration(static_cast<SimTime>(std::llround(std::clamp(round_significant(x, 4), a, b))));
    return SampledValue{text, text, rule.pos};
  }
  const std::string text = shortest(std::clamp(round_significant(x, 6), a, b));
  return SampledValue{text, text, rule.pos};
}

}  // namespace ecsim
