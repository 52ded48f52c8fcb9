#pragma once
// Reading the files `ecsim sweep` and `ecsim explore` are given: the file
// itself, the base scenario it names, and error messages about values that
// came from it. One implementation for both commands.
#include <string>
#include <string_view>

#include "sim/scenario_loader.hpp"
#include "sim/yaml_fwd.hpp"

namespace ecsim {

// The whole file; ScenarioError "<what> not found (looked in ABSOLUTE)" or
// "cannot open <what>" at file:0:0.
std::string read_input_file(const std::string& file, std::string_view what);

// `base:`'s path, resolved against the folder of the file naming it
// (`owner`); fails at the value when no such file exists.
std::string resolve_base_file(const detail::YamlReader& r, const detail::YamlValue& v, const std::string& owner);

// "--set:1:14: error: what (in --set a=b)" -> "what": the loader's message
// for a value a sweep or explore file supplied, to be re-reported at that file's line.
std::string bare_message(const ScenarioError& e);

}  // namespace ecsim
