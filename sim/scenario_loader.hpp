#pragma once
// Reads a scenario YAML file into a validated, fully resolved Scenario.
// Every error names the file, line and column and what was expected.
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "sim/scenario.hpp"

namespace ecsim {

// Bad input: the message is already formatted as "file:line:col: what".
class ScenarioError : public std::runtime_error {
 public:
  ScenarioError(std::string file, int line, int column, const std::string& what);
  const std::string& file() const { return file_; }
  int line() const { return line_; }
  int column() const { return column_; }

 private:
  std::string file_;
  int line_;
  int column_;
};

struct LoadOptions {
  std::optional<std::uint64_t> seed;      // --seed overrides the file's seed
  std::optional<std::string> output_dir;  // --out overrides output.dir
  std::vector<std::string> overrides;     // --set a.b.c=value (value parsed as YAML)
  // The modules' sections (protocols.gossip, sagas, ...); not owned. Without
  // it only the kernel's sections are known.
  const SectionTable* sections = nullptr;
  // The scenario's YAML text, read instead of the file at `path` (which still
  // names it in messages and resolves relative paths): `ecsim explore` loads
  // the scenarios it generates without writing them out.
  std::optional<std::string> text;
  // Called with the node count before the nodes are created (their names take
  // memory); a message refuses the scenario there, at topology.nodes or
  // topology.regions (ecsim run: the memory estimate, app/memory_estimate.hpp).
  std::function<std::optional<std::string>(std::int64_t nodes)> check_nodes;
};

Scenario load_scenario(const std::string& path, const LoadOptions& options = {});

// The resolved configuration as YAML text (every default filled in), printed
// before a run so that what ran is never ambiguous.
std::string resolved_config_yaml(const Scenario& scenario, const SectionTable& sections);

}  // namespace ecsim
