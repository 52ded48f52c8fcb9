#pragma once
// Distributions in scenario files (docs/SCENARIO_REFERENCE.md, "Distributions"):
// `5ms` or {dist: constant|uniform|exponential|normal|lognormal|pareto|empirical, ...}.
// For the loader and modules' config .cpp files (includes yaml-cpp).
#include <filesystem>
#include <string>

#include "sim/distribution.hpp"
#include "sim/yaml_node.hpp"

namespace ecsim::detail {

// What a distribution's values are: a latency (a duration >= 0), a signed
// duration (clock skew) or a plain number (drift in ppm).
enum class Quantity { latency, signed_duration, number };

// Reads a distribution; empirical files are relative to `base_dir` (the scenario's folder).
Distribution read_distribution(const YamlReader& r, const YamlValue& v, Quantity q, const std::string& what,
                               const std::filesystem::path& base_dir);
// Writes its resolved form (flow map) for the resolved configuration.
void write_distribution(YAML::Emitter& e, const Distribution& d, bool duration);

}  // namespace ecsim::detail
