#pragma once
// Random parameter values: the rules of a sweep's `sample.params` and of
// `ecsim explore`'s `sample:` (docs/SWEEPS.md), e.g.
//   network.loss:          {dist: uniform, min: 0, max: 0.3}
//   topology.latency.mean: {dist: log_uniform, min: 1ms, max: 100ms}
//   workload.clients:      {dist: int, min: 1, max: 4}
//   protocols.gossip.mode: {dist: choice, values: [push, pull]}
// A rule is read (and checked, at file:line:col) once; drawing needs no YAML
// and may run on any thread.
#include <cstdint>
#include <string>
#include <vector>

#include "sim/rng.hpp"
#include "sim/scenario.hpp"
#include "sim/yaml_fwd.hpp"

namespace ecsim {

// One drawn value.
struct SampledValue {
  std::string text;  // for tables: "0.254975", "243.8ms", "push"
  std::string yaml;  // for the loader: path=yaml
  SourcePos pos;     // of the value, or of the rule it was drawn by
};

struct SampleRule {
  enum class Dist { uniform, log_uniform, integer, choice };
  Dist dist = Dist::uniform;
  bool durations = false;             // uniform/log_uniform over durations (nanoseconds)
  double lo = 0, hi = 0;              // uniform, log_uniform
  std::int64_t int_lo = 0, int_hi = 0;  // int
  std::vector<SampledValue> values;   // choice
  SourcePos pos;                      // of the rule
};

// Reads `{dist: ..., ...}`; throws ScenarioError at the offending node.
SampleRule read_sample_rule(const detail::YamlReader& r, const detail::YamlValue& rule);

// Draws one value. Numbers are rounded to 6 significant digits, durations to
// 4, so that tables show 0.254975 and 243.8ms (still inside [min, max]).
SampledValue draw_sample(const SampleRule& rule, Rng& rng);

// x rounded to `digits` significant digits (0, inf and NaN unchanged).
double round_significant(double x, int digits);

// A YAML node as one line of flow YAML ("[1, 2]", "{dist: constant, value: 5ms}").
SampledValue literal_value(const detail::YamlReader& r, const detail::YamlValue& v);

}  // namespace ecsim
