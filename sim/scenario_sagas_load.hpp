#pragma once
// Internal to the scenario loader: the `sagas:`, `reconciliation:` and
// `event_log:` sections (sim/scenario_sagas.hpp), validated with the same
// error quality as the rest of the file. Includes yaml-cpp: include only
// from the loader.
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "sim/scenario.hpp"
#include "sim/yaml_node.hpp"

namespace ecsim::detail {

// Top-level keys these sections add.
const std::vector<std::string>& pattern_section_keys();

// Reads whichever of the sections `top` has into `s`. Needs topology,
// duration and faults already loaded (faults are checked against roles).
void load_pattern_sections(const YamlReader& r, const MapReader& top, Scenario& s);

// Output files the sections add to output.traces: "sagas" (sagas.csv),
// "repairs" (repairs.csv); pattern_default_traces() are those the scenario's
// sections write when output.traces is not given.
const std::vector<std::string>& pattern_trace_names();
std::vector<std::string> pattern_default_traces(const Scenario& s);

// The resolved sections, for resolved_config_yaml (inside the top-level map).
void write_pattern_sections(YAML::Emitter& e, const Scenario& s);

}  // namespace ecsim::detail
