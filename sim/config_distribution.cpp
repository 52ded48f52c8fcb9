// Distributions in scenario files: reading (with file:line:col errors) and
// writing the resolved form. Shared by the kernel's sections and modules'.
#include "sim/config_distribution.hpp"

#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>
#include <system_error>

#include <fmt/format.h>
// fast-cpp-csv-parser copies file names with strncpy; GCC 12 warns harmlessly.
#pragma GCC diagnostic push
#ifndef __clang__  // a GCC-only warning; Clang would warn about the unknown option
#pragma GCC diagnostic ignored "-Wstringop-truncation"
#endif
#include <libfccp/csv.h>
#pragma GCC diagnostic pop
#include <yaml-cpp/yaml.h>

#include "sim/strings.hpp"
#include "sim/units.hpp"

namespace ecsim::detail {
namespace {

constexpr Named<Distribution::Kind> kDistKinds[] = {
    {"constant", Distribution::Kind::constant}, {"uniform", Distribution::Kind::uniform},
    {"exponential", Distribution::Kind::exponential}, {"normal", Distribution::Kind::normal},
    {"lognormal", Distribution::Kind::lognormal}, {"pareto", Distribution::Kind::pareto},
    {"empirical", Distribution::Kind::empirical}};

std::string num(double x) { return fmt::format("{}", x); }
std::string dist_value(double x, bool duration) {
  return duration ? format_duration(static_cast<SimTime>(std::llround(x))) : num(x);
}

double dist_value(const YamlReader& r_, const YamlValue& v, Quantity q) {
  if (q == Quantity::number) return r_.number(v);
  return static_cast<double>(r_.duration(v, true));
}

std::shared_ptr<const std::vector<double>> empirical_samples(const YamlReader& r_, const YamlValue& file_value,
                                                             const std::string& column, const YamlValue& column_value,
                                                             double unit, Quantity q, const std::string& what,
                                                             const std::filesystem::path& base_dir) {
  const std::string file = r_.scalar(file_value, "a CSV file name");
  const std::filesystem::path path = std::filesystem::path(file).is_absolute() ? std::filesystem::path(file).lexically_normal()
                                                                               : (base_dir / file).lexically_normal();
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    r_.fail(file_value, fmt::format("empirical {} file '{}' not found (looked in {})", what, file,
                                    std::filesystem::absolute(path, ec).lexically_normal().string()));
  auto samples = std::make_shared<std::vector<double>>();
  try {
    io::CSVReader<1, io::trim_chars<' ', '\t'>, io::double_quote_escape<',', '"'>, io::throw_on_overflow,
                  io::single_line_comment<'#'>>
        in(path.string());
    try {
      in.read_header(io::ignore_extra_column, column);
    } catch (const io::error::missing_column_in_header&) {
      // Name the columns that are there; a typo is the usual cause.
      std::ifstream header_in(path);
      std::string header;
      std::getline(header_in, header);
      std::vector<std::string> columns;
      std::stringstream hs(header);
      for (std::string c; std::getline(hs, c, ',');) {
        while (!c.empty() && (c.back() == ' ' || c.back() == '\r' || c.back() == '"')) c.pop_back();
        while (!c.empty() && (c.front() == ' ' || c.front() == '"')) c.erase(0, 1);
        columns.push_back(c);
      }
      r_.fail(column_value, fmt::format("column '{}' not found in empirical {} file '{}' (its columns: {}){}", column,
                                        what, file, join(columns), detail::suggest(column, columns)));
    }
    char* cell = nullptr;
    while (in.read_row(cell)) {
      const std::string_view text(cell);
      double x = 0.0;
      const auto [end, parse_ec] = std::from_chars(text.data(), text.data() + text.size(), x);
      if (text.empty() || parse_ec != std::errc{} || end != text.data() + text.size() || !std::isfinite(x))
        r_.fail(file_value, fmt::format("empirical {} file '{}' line {}: expected a number in column '{}', got '{}'",
                                        what, file, in.get_file_line(), column, text));
      // Durations become whole nanoseconds, like every other duration.
      const double value = q == Quantity::number ? x : std::round(x * unit);
      if (q == Quantity::latency && value < 0)
        r_.fail(file_value, fmt::format("empirical {} file '{}' line {}: a {} cannot be negative, got {}", what, file,
                                        in.get_file_line(), what, text));
      samples->push_back(value);
    }
  } catch (const io::error::base& e) {
    r_.fail(file_value, fmt::format("cannot read empirical {} file '{}': {}", what, file, e.what()));
  }
  if (samples->empty()) r_.fail(file_value, fmt::format("empirical {} file '{}' has no samples", what, file));
  return samples;
}

}  // namespace

Distribution read_distribution(const YamlReader& r_, const YamlValue& v, Quantity q, const std::string& what,
                               const std::filesystem::path& base_dir) {
  Distribution d;
  const bool is_duration = q != Quantity::number;
  auto not_negative = [&](const YamlValue& x, double value) {
    if (q == Quantity::latency && value < 0)
      r_.fail(x, fmt::format("{}: a {} cannot be negative, got {}", x.path, what, x.node.Scalar()));
  };
  if (v.node.IsScalar()) {
    // Shorthand: "latency: 5ms" is {dist: constant, value: 5ms}.
    d.a = dist_value(r_, v, q);
    not_negative(v, d.a);
    return d;
  }
  if (!v.node.IsMap())
    r_.fail(v, fmt::format("{}: expected a distribution like {{dist: constant, value: {}}}, got {}", v.path,
                           is_duration ? "10ms" : "1", YamlReader::describe(v.node)));
  const MapReader m(r_, v);
  const auto dist = m.get("dist");
  if (!dist)
    r_.fail(v, fmt::format("{}: a distribution needs 'dist' (one of: {})", v.path, join(names_of(kDistKinds))));
  d.kind = pick(r_, *dist, kDistKinds);
  auto positive = [&](const YamlValue& x, double value) {
    if (!(value > 0)) r_.fail(x, fmt::format("{} must be positive, got {}", x.path, x.node.Scalar()));
  };
  auto read = [&](std::string_view key, bool duration_valued) {
    const YamlValue x = m.require(key);
    return std::pair{x, duration_valued ? dist_value(r_, x, q) : r_.number(x)};
  };
  switch (d.kind) {
    case Distribution::Kind::constant: {
      m.allow({"dist", "value"});
      const auto [x, value] = read("value", true);
      not_negative(x, value);
      d.a = value;
      break;
    }
    case Distribution::Kind::uniform: {
      m.allow({"dist", "min", "max"});
      const auto [lo, lo_value] = read("min", true);
      const auto [hi, hi_value] = read("max", true);
      not_negative(lo, lo_value);
      if (lo_value > hi_value)
        r_.fail(hi, fmt::format("{}: min ({}) is greater than max ({})", v.path, lo.node.Scalar(), hi.node.Scalar()));
      d.a = lo_value;
      d.b = hi_value;
      break;
    }
    case Distribution::Kind::exponential: {
      m.allow({"dist", "mean"});
      const auto [x, mean] = read("mean", true);
      positive(x, mean);
      d.a = mean;
      break;
    }
    case Distribution::Kind::normal: {
      m.allow({"dist", "mean", "stddev"});
      const auto [x, mean] = read("mean", true);
      const auto [sx, stddev] = read("stddev", true);
      not_negative(x, mean);
      if (stddev < 0) r_.fail(sx, fmt::format("{} must not be negative, got {}", sx.path, sx.node.Scalar()));
      d.a = mean;
      d.b = stddev;
      break;
    }
    case Distribution::Kind::lognormal: {
      m.allow({"dist", "median", "sigma"});
      const auto [x, median] = read("median", true);
      const auto [sx, sigma] = read("sigma", false);
      positive(x, median);
      if (sigma < 0) r_.fail(sx, fmt::format("{} must not be negative, got {}", sx.path, sx.node.Scalar()));
      d.a = median;
      d.b = sigma;
      break;
    }
    case Distribution::Kind::pareto: {
      m.allow({"dist", "scale", "shape"});
      const auto [x, scale] = read("scale", true);
      const auto [sx, shape] = read("shape", false);
      positive(x, scale);
      positive(sx, shape);
      d.a = scale;
      d.b = shape;
      break;
    }
    case Distribution::Kind::empirical: {
      if (is_duration) {
        m.allow({"dist", "file", "column", "unit"});
      } else {
        m.allow({"dist", "file", "column"});  // plain numbers: no unit to scale by
      }
      const YamlValue file = m.require("file");
      const YamlValue column = m.require("column");
      const std::string column_name = r_.scalar(column, "a column name");
      double unit = 1.0;
      if (is_duration) {
        const YamlValue unit_v = m.require("unit");
        const std::vector<std::string> units = {"ns", "us", "ms", "s", "m", "h"};
        unit = static_cast<double>(*duration_unit_ns(units[r_.choice(unit_v, units)]));
      }
      d.samples = empirical_samples(r_, file, column_name, column, unit, q, what, base_dir);
      d.source = r_.scalar(file, "a CSV file name") + ":" + column_name;
      break;
    }
  }
  return d;
}

void write_distribution(YAML::Emitter& e_, const Distribution& d, bool duration) {
  e_ << YAML::Flow << YAML::BeginMap << YAML::Key << "dist" << YAML::Value << name_of(kDistKinds, d.kind);
  auto kv = [&](const char* k, const std::string& v) { e_ << YAML::Key << k << YAML::Value << v; };
  switch (d.kind) {
    case Distribution::Kind::constant: kv("value", dist_value(d.a, duration)); break;
    case Distribution::Kind::uniform:
      kv("min", dist_value(d.a, duration));
      kv("max", dist_value(d.b, duration));
      break;
    case Distribution::Kind::exponential: kv("mean", dist_value(d.a, duration)); break;
    case Distribution::Kind::normal:
      kv("mean", dist_value(d.a, duration));
      kv("stddev", dist_value(d.b, duration));
      break;
    case Distribution::Kind::lognormal:
      kv("median", dist_value(d.a, duration));
      kv("sigma", num(d.b));
      break;
    case Distribution::Kind::pareto:
      kv("scale", dist_value(d.a, duration));
      kv("shape", num(d.b));
      break;
    case Distribution::Kind::empirical: {
      // The samples are already in base units; name where they came from.
      const std::size_t n = d.samples ? d.samples->size() : 0;
      double sum = 0.0;
      if (d.samples)
        for (double x : *d.samples) sum += x;
      kv("source", d.source);
      kv("samples", std::to_string(n));
      if (n > 0) kv("mean", dist_value(sum / static_cast<double>(n), duration));
      break;
    }
  }
  e_ << YAML::EndMap;
}

}  // namespace ecsim::detail
