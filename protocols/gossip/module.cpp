// Registration of the gossip module (one line in app/modules.cpp).
#include "protocols/gossip/module.hpp"

#include "protocols/core/module.hpp"
#include "protocols/gossip/gossip.hpp"
#include "sim/scenario.hpp"

namespace ecsim {

ModuleDef gossip_module() {
  ModuleDef def;
  def.name = "gossip";
  def.sections = {gossip_section()};
  def.stage = ModuleStage::replication;
  def.start = [](ModuleWorld& w) {
    const GossipSpec& spec = *w.scenario.section<GossipSpec>();
    // Quiet for three rounds: every node has compared digests with a peer since the last change.
    return std::make_unique<ProtocolRun>(w.sim, std::make_unique<GossipProtocol>(spec, w.store), 3 * spec.interval_ns);
  };
  return def;
}

}  // namespace ecsim
