#pragma once
// What moving and serving requests costs in time (docs/TIME_MODEL.md):
// bandwidth (per-node NIC egress and ingress, WAN links of topology.links)
// and per-node service queues (`replicas:`). Each resource is a FIFO whose
// state is the time it next falls idle, so the kernel's state stays
// O(nodes × servers + links): never per node pair, nothing per request.
// The simulator calls these at the instant a message or request reaches
// the resource, so FIFO order is arrival order. Boost.Histogram stays in
// time_costs.cpp.
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "sim/protocol.hpp"
#include "sim/rng.hpp"
#include "sim/scenario.hpp"

namespace ecsim {

class StateHasher;

class Network;

// summary.csv's replicas.* metrics; empty optionals when nothing was served.
struct ServiceReport {
  std::uint64_t served = 0;                 // requests that started service
  double utilisation_max = 0.0;             // max over nodes of busy server-time / (servers × run time)
  std::optional<double> queue_delay_p50_s;  // arrival at the node -> start of service
  std::optional<double> queue_delay_p99_s;
};

class TimeCosts {
 public:
  TimeCosts(const Scenario& scenario, const Network& network);
  ~TimeCosts();
  TimeCosts(const TimeCosts&) = delete;
  TimeCosts& operator=(const TimeCosts&) = delete;

  bool has_egress() const { return egress_Bps_ > 0; }
  bool has_ingress() const { return ingress_Bps_ > 0; }
  bool has_links() const { return !links_.empty(); }
  // False for none, and when every service time is a constant 0: then a
  // request never waits (no server is ever busy) and costs nothing here.
  bool serves(ServiceKind kind) const { return kind != ServiceKind::none && servers_ > 0; }

  // When a message of `bytes` sent now has left its sender's NIC.
  SimTime egress(NodeId from, std::uint32_t bytes, SimTime now);
  // The rate-limited WAN link between from and to (an index for link()), or -1.
  int link_of(NodeId from, NodeId to) const;
  // When a message reaching WAN link `link` now has crossed it (direction by the sender).
  SimTime link(int link, NodeId from, std::uint32_t bytes, SimTime now);
  // When a message arriving at `to` now has passed its NIC.
  SimTime ingress(NodeId to, std::uint32_t bytes, SimTime now);
  // A request of `kind` arriving at `node` now: when its service completes.
  // Draws the service time from `rng` (the kernel's "service" stream).
  SimTime admit(NodeId node, ServiceKind kind, SimTime now, Rng& rng);
  // The node crashed: its queue is gone, its servers are idle from now on.
  void clear_node(NodeId node, SimTime now);

  ServiceReport service_report(SimTime run_ns) const;
  // Feeds the NICs', links' and service queues' state (their delay
  // histogram included) to a StateHasher (sim/state_hash.hpp).
  bool hash_state(StateHasher& h, SimTime now) const;

 private:
  struct Link {
    double Bps = 0.0;
    std::vector<NodeId> from_side;  // the link's `from` nodes, sorted: no per-node state beyond its definition
    SimTime free_forward = 0, free_back = 0;
  };
  struct DelayHistogram;  // Boost.Histogram, in time_costs.cpp

  double egress_Bps_, ingress_Bps_;
  std::vector<SimTime> egress_free_, ingress_free_;  // per node, only when the rate is set
  std::vector<Link> links_;
  std::vector<int> link_index_;  // topology.links index -> links_ index, or -1
  const Network& network_;
  const ServiceSpec service_;  // a copy: the scenario may not outlive the simulator
  std::size_t servers_ = 0;  // per node; 0 when every service time is 0 (nothing to queue for)
  // Per node: the service time started at it (the utilisation maximum).
  std::vector<SimTime> busy_;
  // When each of a node's servers falls idle, kept only for nodes whose
  // servers may be busy: idle servers are interchangeable (a request starts
  // at max(earliest idle, now) whichever idle server takes it), so a node
  // whose servers are all idle by now is the same as one never used. An
  // open-addressing table (node -> servers_ times), rebuilt without the
  // idle nodes when it fills: 8 bytes per node instead of 8 x (servers + 1)
  // (bench/README.md, issue 12). Looked up only, never iterated into output.
  static constexpr NodeId kNoNode32 = ~NodeId{0};
  std::vector<NodeId> active_nodes_;
  std::vector<SimTime> active_free_;  // slot i: [i * servers_, (i + 1) * servers_)
  std::size_t active_count_ = 0;
  SimTime* servers_of(NodeId node, SimTime now);  // inserts idle servers if absent
  SimTime* find_servers(NodeId node);             // nullptr if absent
  void rebuild_active(std::size_t slots, SimTime now);
  std::unique_ptr<DelayHistogram> delays_;
  std::uint64_t served_ = 0;
};

// Time to push `bytes` through a link of `Bps` bytes per second, rounded up to whole ns.
SimTime transmission_ns(std::uint32_t bytes, double Bps);

}  // namespace ecsim
