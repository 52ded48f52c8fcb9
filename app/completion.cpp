#include "app/completion.hpp"

#include <iostream>

#include <yaml-cpp/yaml.h>

#include "app/modules.hpp"
#include "sim/scenario_loader.hpp"

namespace ecsim {

namespace {

void collect(const YAML::Node& node, const std::string& prefix, std::vector<std::string>& out) {
  if (!node.IsMap()) return;
  for (const auto& entry : node) {
    const std::string path = prefix.empty() ? entry.first.as<std::string>() : prefix + "." + entry.first.as<std::string>();
    out.push_back(path);
    collect(entry.second, path, out);
  }
}

}  // namespace

std::vector<std::string> yaml_key_paths(const std::string& yaml_text) {
  std::vector<std::string> paths;
  collect(YAML::Load(yaml_text), "", paths);
  return paths;
}

int complete_command(const std::vector<std::string>& args) {
  if (args.size() != 2 || args[0] != "keys") {
    std::cerr << "usage: ecsim complete keys SCENARIO_FILE\n";
    return 2;
  }
  try {
    const Scenario s = load_scenario_with_modules(args[1]);
    for (const std::string& path : yaml_key_paths(resolved_config_yaml(s, modules_of(s).sections()))) std::cout << path << "\n";
    return 0;
  } catch (const std::exception&) {
    return 2;  // silently: the completion offers nothing
  }
}

}  // namespace ecsim
