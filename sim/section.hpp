#pragma once
// Configuration sections that modules own (docs/WRITING_A_PROTOCOL.md).
// The loader reads the kernel's own sections (topology, network, clocks,
// faults, checks, output, ...) and hands every other section to the module
// that declared it: the module validates its keys with file:line:col errors,
// fills in defaults and returns an opaque value the Scenario carries. The
// kernel never looks inside.
//
// Light header: no yaml-cpp. A section's load/write functions receive the
// YAML types declared in sim/yaml_node.hpp, included only by the module's
// config .cpp file.
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sim/yaml_fwd.hpp"

namespace YAML {
class Emitter;
}

namespace ecsim {

struct Scenario;
// A module's resolved configuration. Concrete types name their path:
//   struct GossipSpec : SectionValue { static constexpr std::string_view kPath = "protocols.gossip"; ... };
struct SectionValue {
  virtual ~SectionValue() = default;
};

struct SectionDef {
  // "protocols.gossip" (a protocol, under protocols:) or a top-level key ("sagas").
  std::string path;
  // One line for the scenario reference and "did you mean" hints.
  std::string summary;
  // Reads and validates the section. `scenario` holds the kernel's sections
  // and the module sections loaded before this one (top-level sections load
  // after faults:, protocol sections where protocols: is read).
  std::function<std::shared_ptr<const SectionValue>(const detail::YamlReader&, const detail::YamlValue&, const Scenario&)>
      load;
  // Writes the resolved section's value (the emitter is positioned after the key).
  std::function<void(YAML::Emitter&, const SectionValue&, const Scenario&)> write;
  // Output files (output.traces names) the section adds, written by default when present.
  std::vector<std::string> traces;
  // Load (with an empty value: every default) when the scenario has no such
  // key, so the section is always present and resolved (store:, workload:).
  bool load_when_absent = false;

  bool is_protocol() const { return path.rfind("protocols.", 0) == 0; }
  std::string_view key() const { return is_protocol() ? std::string_view(path).substr(10) : std::string_view(path); }
};

// Every section the loader knows besides its own, in load order.
using SectionTable = std::vector<SectionDef>;

}  // namespace ecsim
