// Registration of the Merkle anti-entropy module (one line in app/modules.cpp).
#include "protocols/merkle/module.hpp"

#include <fmt/format.h>
#include <fmt/ostream.h>
#include <ostream>

#include "protocols/core/module.hpp"
#include "protocols/merkle/merkle.hpp"
#include "sim/scenario.hpp"

namespace ecsim {

ModuleDef merkle_module() {
  ModuleDef def;
  def.name = "merkle";
  def.sections = {merkle_section()};
  def.stage = ModuleStage::replication;
  def.metrics = {"merkle.repairs", "merkle.repairs_divergent", "merkle.bytes", "merkle.bytes_per_repair",
                 "merkle.bytes_per_divergent_repair", "merkle.round_trips_per_repair",
                 "merkle.round_trips_per_divergent_repair", "merkle.keys_shipped"};
  def.start = [](ModuleWorld& w) {
    const MerkleSpec& spec = *w.scenario.section<MerkleSpec>();
    return std::make_unique<ProtocolRun>(
        w.sim, std::make_unique<MerkleProtocol>(spec, w.store, static_cast<std::uint32_t>(w.scenario.topology.nodes)), 0,
        [](std::ostream& out, const MetricMap& m) {
          fmt::print(out, "  merkle        {} repairs ({} divergent), {:.0f} bytes and {:.2f} round trips per divergent repair, {} keys shipped\n",
                     m.at("merkle.repairs"), m.at("merkle.repairs_divergent"), m.at("merkle.bytes_per_divergent_repair"),
                     m.at("merkle.round_trips_per_divergent_repair"), m.at("merkle.keys_shipped"));
        });
  };
  return def;
}

}  // namespace ecsim
