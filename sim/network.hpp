#pragma once
// The simulated network: topology (a Boost graph, or implicit when complete),
// per-link latency distributions, partitions (symmetric, one-way, flapping)
// and shortest-path routing around cuts and crashed relays.
// Boost headers stay in network.cpp; this header is cheap to include.
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "sim/rng.hpp"
#include "sim/scenario.hpp"

namespace ecsim {

class StateHasher;

struct Route {
  bool ok = false;
  SimTime latency_ns = 0;
  std::uint32_t hops = 0;
  std::string_view reason;  // when !ok: "partition" or "no-route"
};

class Network {
 public:
  Network(const TopologySpec& topology, Rng topology_rng);
  ~Network();
  Network(const Network&) = delete;
  Network& operator=(const Network&) = delete;

  std::uint32_t node_count() const { return node_count_; }
  bool is_complete() const { return complete_; }

  // Graph neighbours (complete graph: every other node, never materialised).
  std::uint32_t degree(NodeId node) const;
  NodeId random_neighbor(NodeId node, Rng& rng) const;  // kNoNode when isolated
  std::vector<NodeId> neighbors(NodeId node) const;

  // End-to-end route at the current instant. A complete graph is a
  // full mesh of direct links (no relaying); other graphs route along the
  // path of least mean latency that avoids cut links and crashed relays.
  Route route(NodeId from, NodeId to, Rng& rng);

  // Partitions: each cut is added under an id and removed by id or all at once.
  using CutId = std::uint32_t;
  CutId add_group_cut(const std::vector<std::vector<NodeId>>& groups);
  CutId add_directed_cut(const std::vector<NodeId>& from, const std::vector<NodeId>& to, bool oneway);
  void remove_cut(CutId id);
  void remove_all_cuts();
  std::size_t active_cuts() const;
  bool link_blocked(NodeId from, NodeId to) const;

  void set_node_up(NodeId node, bool up);
  // Feeds the mutable state (cuts, nodes up) to a StateHasher (sim/state_hash.hpp).
  void hash_state(StateHasher& h) const;

  // The latency distribution of the link from `from` to `to` (the topology's,
  // or a links override). link_latency(n, n): the latency inside n's region.
  const Distribution& link_latency(NodeId from, NodeId to) const;

  // The index in TopologySpec::links of the override that sets the latency
  // from `from` to `to`, or -1 (the topology's default latency).
  int link_override(NodeId from, NodeId to) const;

  // Whether every node can reach every other through the graph (ignoring cuts).
  bool connected() const;
  // The nodes outside the graph's largest connected component (links only,
  // cuts and crashes aside), in id order; empty when connected.
  std::vector<NodeId> outside_largest_component() const;
  std::size_t edge_count() const;  // directed links (0 for the implicit complete graph)

 struct Impl;  // opaque: keeps Boost out of this header

 private:
  void invalidate_routes();

  std::uint32_t node_count_ = 0;
  bool complete_ = true;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ecsim
