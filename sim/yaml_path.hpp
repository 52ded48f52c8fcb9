#pragma once
// Set a value in a YAML tree by dotted path ("network.loss"), shared by
// `--set` overrides and sweep grids. This header pulls in yaml-cpp: include
// it only from the .cpp files that need it.
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

namespace ecsim {

// Splits "a.b.c" into segments; throws std::invalid_argument on an empty path
// or an empty segment ("a..b", ".a").
std::vector<std::string> split_yaml_path(const std::string& dotted);

// root[a][b][c] = value. Missing maps on the way are created; a segment that
// is a non-negative integer indexes an existing list element ("faults.0.at").
// Throws std::invalid_argument when the path passes through a scalar or a
// list index is out of range. root is a handle: the tree is changed in place
// (YAML::Clone it first to keep the original). The old value is detached,
// not overwritten, so YAML aliases of it keep their value.
void set_yaml_path(YAML::Node root, const std::string& dotted, const YAML::Node& value);

// As above with the value given as YAML text: "0.2", "push", "[1, 2]",
// "{dist: constant, value: 5ms}". Malformed text throws YAML::ParserException.
void set_yaml_path(YAML::Node root, const std::string& dotted, const std::string& yaml_value);

// A tree as the text of a YAML file (block style where the nodes do not ask
// for flow, a final newline): the scenario files `ecsim explore` writes.
std::string yaml_text(const YAML::Node& root);

}  // namespace ecsim
