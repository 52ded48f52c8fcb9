#pragma once
// Forward declarations of the loader's YAML readers (sim/yaml_node.hpp), for
// headers that take them by reference without pulling in yaml-cpp.
namespace ecsim::detail {
class YamlReader;
struct YamlValue;
}  // namespace ecsim::detail
