// Registration of the quorum replication module (one line in app/modules.cpp).
// It offers its coordinator to other modules as a ReplicaCoordinator.
#include "protocols/quorum/module.hpp"

#include "protocols/core/module.hpp"
#include "protocols/quorum/quorum.hpp"
#include "sim/scenario.hpp"

namespace ecsim {
namespace {

// With sloppy quorums a run is not settled while hints wait for handoff
// (stop: converged / quiescent wait for them).
class QuorumRun final : public ProtocolRun {
 public:
  QuorumRun(Simulator& sim, std::unique_ptr<QuorumProtocol> q) : ProtocolRun(sim, std::move(q)) {}
  bool idle() const override { return static_cast<const QuorumProtocol&>(protocol()).hints_pending() == 0; }
};

class RingPlacement final : public KeyPlacement {
 public:
  RingPlacement(std::uint32_t nodes, std::size_t n) : ring_(QuorumProtocol::make_ring(nodes)), n_(n) {}
  std::vector<NodeId> replicas(KeyId key) const override { return QuorumProtocol::preference_list(ring_, key, n_); }

 private:
  HashRing ring_;
  std::size_t n_;
};

}  // namespace

std::unique_ptr<KeyPlacement> quorum_placement(const Scenario& scenario) {
  const ReplicationSpec* spec = scenario.section<ReplicationSpec>();
  const auto nodes = static_cast<std::uint32_t>(scenario.topology.nodes);
  if (!spec || spec->n <= 0 || static_cast<std::uint32_t>(spec->n) >= nodes) return nullptr;
  return std::make_unique<RingPlacement>(nodes, static_cast<std::size_t>(spec->n));
}

ModuleDef quorum_module() {
  ModuleDef def;
  def.name = "quorum";
  def.sections = {replication_section()};
  def.stage = ModuleStage::replication;
  // hinted_writes, hints_delivered, hints_pending_at_end: NaN with strict quorums (sloppy: false).
  def.metrics = {"replication.read_repairs", "replication.read_repair_bytes", "replication.hinted_writes",
                 "replication.hints_delivered", "replication.hints_pending_at_end"};
  def.start = [](ModuleWorld& w) {
    const ReplicationSpec& spec = *w.scenario.section<ReplicationSpec>();
    auto q = std::make_unique<QuorumProtocol>(spec, w.store, static_cast<std::uint32_t>(w.scenario.topology.nodes));
    QuorumProtocol* coordinator = q.get();
    auto run = std::make_unique<QuorumRun>(w.sim, std::move(q));
    coordinator->set_protocol_id(run->protocol_id());
    w.services.provide<ReplicaCoordinator>(coordinator);
    return run;
  };
  return def;
}

}  // namespace ecsim
