// Registration of the rumor-mongering module (one line in app/modules.cpp).
#include "protocols/rumor/module.hpp"

#include <fmt/format.h>
#include <fmt/ostream.h>
#include <ostream>

#include "protocols/rumor/rumor.hpp"
#include "sim/scenario.hpp"

namespace ecsim {
namespace {

class RumorRun final : public ProtocolRun {
 public:
  RumorRun(Simulator& sim, std::unique_ptr<RumorProtocol> p) : ProtocolRun(sim, std::move(p)) {}
  // stop: converged/quiescent wait until no node is still spreading.
  bool idle() const override { return static_cast<const RumorProtocol&>(protocol()).finished(); }
  void print(std::ostream& out, const MetricMap& m) const override {
    fmt::print(out, "  rumor         residue {:.4g}, traffic {:.3g} updates/node, t_ave {:.3g} rounds, t_last {:.3g} rounds\n",
               m.at("rumor.residue"), m.at("rumor.traffic"), m.at("rumor.t_ave_rounds"), m.at("rumor.t_last_rounds"));
  }
};

}  // namespace

ModuleDef rumor_module() {
  ModuleDef def;
  def.name = "rumor";
  def.sections = {rumor_section()};
  def.stage = ModuleStage::replication;
  def.metrics = {"rumor.residue", "rumor.traffic", "rumor.t_ave_s", "rumor.t_last_s", "rumor.t_ave_rounds",
                 "rumor.t_last_rounds", "rumor.informed", "rumor.messages_per_node", "rumor.bytes_per_node",
                 "rumor.dc.residue", "rumor.dc.traffic", "rumor.dc.t_ave_s", "rumor.dc.t_last_s",
                 "rumor.dc.t_ave_rounds", "rumor.dc.t_last_rounds", "rumor.dc.informed", "rumor.dc.stale"};
  def.start = [](ModuleWorld& w) {
    const RumorSpec& spec = *w.scenario.section<RumorSpec>();
    return std::make_unique<RumorRun>(
        w.sim, std::make_unique<RumorProtocol>(spec, static_cast<std::uint32_t>(w.scenario.topology.nodes)));
  };
  return def;
}

}  // namespace ecsim
