// protocols.merkle: keys, defaults, validation and the resolved-config writer.
#include "protocols/merkle/config.hpp"

#include <fmt/format.h>

#include "sim/units.hpp"
#include "sim/yaml_node.hpp"

namespace ecsim {
namespace {

using namespace detail;

std::shared_ptr<const SectionValue> load(const YamlReader& r, const YamlValue& v, const Scenario&) {
  MerkleSpec mk;
  const MapReader m(r, v);  // "merkle:" with no value = all defaults
  m.allow({"interval", "leaves", "fanout"});
  if (auto x = m.get("interval")) {
    mk.interval_ns = r.duration(*x);
    if (mk.interval_ns <= 0) r.fail(*x, fmt::format("{} must be positive", x->path));
  }
  if (auto x = m.get("leaves")) mk.leaves = static_cast<int>(r.integer(*x, 1, 1 << 24));
  if (auto x = m.get("fanout")) mk.fanout = static_cast<int>(r.integer(*x, 2, 1 << 16));
  return std::make_shared<const MerkleSpec>(mk);
}

void write(YAML::Emitter& e, const SectionValue& value, const Scenario&) {
  const auto& mk = dynamic_cast<const MerkleSpec&>(value);
  e << YAML::Flow << YAML::BeginMap << YAML::Key << "interval" << YAML::Value << format_duration(mk.interval_ns)
    << YAML::Key << "leaves" << YAML::Value << mk.leaves << YAML::Key << "fanout" << YAML::Value << mk.fanout
    << YAML::EndMap;
}

}  // namespace

SectionDef merkle_section() {
  return SectionDef{std::string(MerkleSpec::kPath), "anti-entropy by Merkle-tree comparison", load, write, {}};
}

}  // namespace ecsim
