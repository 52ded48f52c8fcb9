#include "sim/network.hpp"

#include "sim/state_hash.hpp"
// GCC 12 reports a false -Wmaybe-uninitialized inside Boost.Graph edge iterators.
#ifndef __clang__  // a GCC-only warning; Clang would warn about the unknown option
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include <algorithm>
#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/connected_components.hpp>
#include <boost/graph/dijkstra_shortest_paths.hpp>
#include <boost/graph/erdos_renyi_generator.hpp>
#include <boost/graph/filtered_graph.hpp>
#include <boost/graph/small_world_generator.hpp>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <stdexcept>
#include <unordered_map>

namespace ecsim {
namespace {

using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS, boost::no_property,
                                    boost::property<boost::edge_weight_t, double>>;
using UndirectedGraph = boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS>;

// Lets Boost's generators draw from our deterministic stream.
struct BoostRng {
  using result_type = std::uint64_t;
  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return std::numeric_limits<result_type>::max(); }
  result_type operator()() { return rng->next_u64(); }
  Rng* rng;
};

struct Cut {
  Network::CutId id;
  bool groups;                     // symmetric groups, else directed sets
  std::vector<std::uint32_t> label;  // groups: 0 = not listed (its own group)
  std::vector<std::uint8_t> from_mask, to_mask;
  bool oneway = false;

  bool blocks(NodeId u, NodeId v) const {
    if (groups) return label[u] != label[v];
    if (from_mask[u] && to_mask[v]) return true;
    return !oneway && from_mask[v] && to_mask[u];
  }
};

}  // namespace

struct Network::Impl {
  std::vector<int> region;                 // per node
  std::vector<Distribution> dists;         // [0] = default latency
  // Every link's latency when it is one constant (no overrides): the draw,
  // done once (a constant consumes no randomness); -1 otherwise.
  SimTime constant_ns = -1;
  std::vector<std::vector<int>> region_latency;  // region x region -> dist index
  std::unordered_map<std::uint64_t, int> pair_latency;  // node-level overrides
  Graph graph;
  std::vector<std::vector<NodeId>> adjacency;  // undirected neighbour lists (non-complete)
  std::vector<Cut> cuts;
  CutId next_cut = 1;
  std::vector<std::uint8_t> up;
  // Shortest-path trees per source, valid until the next cut/up change.
  std::unordered_map<NodeId, std::vector<NodeId>> route_cache;
  std::size_t route_cache_limit = 1;

  bool blocked(NodeId u, NodeId v) const {
    for (const Cut& c : cuts)
      if (c.blocks(u, v)) return true;
    return false;
  }
};

namespace {

// An edge is usable when its source is up (a crashed node forwards nothing)
// and no partition cuts it.
struct UsableEdge {
  const Network::Impl* impl = nullptr;
  const Graph* graph = nullptr;
  template <typename Edge>
  bool operator()(const Edge& e) const {
    const auto u = boost::source(e, *graph);
    const auto v = boost::target(e, *graph);
    return impl->up[u] && !impl->blocked(static_cast<NodeId>(u), static_cast<NodeId>(v));
  }
};

std::uint64_t pair_key(NodeId a, NodeId b) { return (static_cast<std::uint64_t>(a) << 32) | b; }

}  // namespace

Network::Network(const TopologySpec& topo, Rng rng) : impl_(std::make_unique<Impl>()) {
  node_count_ = static_cast<std::uint32_t>(topo.nodes);
  complete_ = topo.graph == GraphKind::complete;
  Impl& m = *impl_;
  m.up.assign(node_count_, 1);
  m.region = topo.node_region;
  if (m.region.size() != node_count_) m.region.assign(node_count_, 0);
  const std::size_t regions = std::max<std::size_t>(1, topo.regions.size());
  m.dists.push_back(topo.latency);
  m.region_latency.assign(regions, std::vector<int>(regions, 0));

  // Link overrides: whole regions go into the region matrix (O(1) lookup even
  // for huge regions); anything finer becomes node-pair entries.
  for (const LinkOverride& link : topo.links) {
    const int index = static_cast<int>(m.dists.size());
    m.dists.push_back(link.latency);
    auto whole_regions = [&](const std::vector<NodeId>& nodes, std::set<int>& out) {
      std::map<int, std::size_t> count;
      for (NodeId n : nodes) ++count[m.region[n]];
      for (auto [r, c] : count) {
        const std::size_t size = topo.regions.empty() ? node_count_ : static_cast<std::size_t>(topo.regions[r].nodes);
        if (c != size) return false;
        out.insert(r);
      }
      return true;
    };
    std::set<int> from_regions, to_regions;
    if (whole_regions(link.from, from_regions) && whole_regions(link.to, to_regions)) {
      for (int a : from_regions)
        for (int b : to_regions) {
          m.region_latency[a][b] = index;
          if (!link.oneway) m.region_latency[b][a] = index;
        }
    } else {
      if (link.from.size() * link.to.size() > 10'000'000)
        throw std::invalid_argument("a link override between node sets this large must name whole regions");
      for (NodeId a : link.from)
        for (NodeId b : link.to) {
          m.pair_latency[pair_key(a, b)] = index;
          if (!link.oneway) m.pair_latency[pair_key(b, a)] = index;
        }
    }
  }

  if (m.dists.size() == 1 && m.dists[0].is_constant() && !std::isnan(m.dists[0].a)) {
    Rng unused = rng;  // a constant draws nothing
    m.constant_ns = m.dists[0].sample_duration(unused);
  }
  if (complete_) return;

  // Explicit graphs: build undirected edges, store both directions.
  std::vector<std::pair<NodeId, NodeId>> edges;
  const NodeId n = node_count_;
  switch (topo.graph) {
    case GraphKind::ring:
      for (NodeId i = 0; n > 1 && i < n; ++i) edges.emplace_back(i, (i + 1) % n);
      if (n == 2) edges.pop_back();
      break;
    case GraphKind::star:
      for (NodeId i = 1; i < n; ++i) edges.emplace_back(0, i);
      break;
    case GraphKind::erdos_renyi: {
      BoostRng gen{&rng};
      using Gen = boost::sorted_erdos_renyi_iterator<BoostRng, UndirectedGraph>;
      for (Gen it(gen, n, topo.p), end; it != end; ++it) edges.emplace_back(it->first, it->second);
      break;
    }
    case GraphKind::small_world: {
      BoostRng gen{&rng};
      using Gen = boost::small_world_iterator<BoostRng, UndirectedGraph>;
      for (Gen it(gen, n, static_cast<std::size_t>(topo.k), topo.p), end; it != end; ++it)
        edges.emplace_back(static_cast<NodeId>(it->first), static_cast<NodeId>(it->second));
      break;
    }
    case GraphKind::file:
      edges = topo.file_edges;
      break;
    case GraphKind::complete:
      break;
  }
  m.graph = Graph(n);
  m.adjacency.assign(n, {});
  std::set<std::pair<NodeId, NodeId>> seen;
  for (auto [a, b] : edges) {
    if (a == b || a >= n || b >= n) continue;
    if (!seen.insert({std::min(a, b), std::max(a, b)}).second) continue;
    boost::add_edge(a, b, link_latency(a, b).mean(), m.graph);
    boost::add_edge(b, a, link_latency(b, a).mean(), m.graph);
    m.adjacency[a].push_back(b);
    m.adjacency[b].push_back(a);
  }
  // Cache at most ~16M predecessor entries across sources.
  m.route_cache_limit = std::max<std::size_t>(1, (16u << 20) / std::max<NodeId>(1, n));
}

Network::~Network() = default;

const Distribution& Network::link_latency(NodeId from, NodeId to) const {
  const Impl& m = *impl_;
  if (m.dists.size() == 1) return m.dists[0];  // no overrides: skip two per-node lookups
  if (!m.pair_latency.empty()) {
    auto it = m.pair_latency.find(pair_key(from, to));
    if (it != m.pair_latency.end()) return m.dists[static_cast<std::size_t>(it->second)];
  }
  return m.dists[static_cast<std::size_t>(m.region_latency[m.region[from]][m.region[to]])];
}

int Network::link_override(NodeId from, NodeId to) const {
  const Impl& m = *impl_;
  if (m.dists.size() == 1) return -1;
  if (!m.pair_latency.empty()) {
    auto it = m.pair_latency.find(pair_key(from, to));
    if (it != m.pair_latency.end()) return it->second - 1;
  }
  return m.region_latency[m.region[from]][m.region[to]] - 1;  // dists[0] is the default
}

std::uint32_t Network::degree(NodeId node) const {
  if (complete_) return node_count_ > 0 ? node_count_ - 1 : 0;
  return static_cast<std::uint32_t>(impl_->adjacency[node].size());
}

NodeId Network::random_neighbor(NodeId node, Rng& rng) const {
  if (complete_) {
    if (node_count_ < 2) return kNoNode;
    auto r = static_cast<NodeId>(rng.below(node_count_ - 1));
    return r >= node ? r + 1 : r;
  }
  const auto& adj = impl_->adjacency[node];
  if (adj.empty()) return kNoNode;
  return adj[rng.below(adj.size())];
}

std::vector<NodeId> Network::neighbors(NodeId node) const {
  if (!complete_) return impl_->adjacency[node];
  std::vector<NodeId> out;
  for (NodeId i = 0; i < node_count_; ++i)
    if (i != node) out.push_back(i);
  return out;
}

Route Network::route(NodeId from, NodeId to, Rng& rng) {
  Impl& m = *impl_;
  Route r;
  if (from == to) {
    r.ok = true;
    return r;
  }
  if (complete_) {
    if (!m.cuts.empty() && m.blocked(from, to)) {
      r.reason = "partition";
      return r;
    }
    r.ok = true;
    r.hops = 1;
    r.latency_ns = m.constant_ns >= 0 ? m.constant_ns : link_latency(from, to).sample_duration(rng);
    return r;
  }
  auto it = m.route_cache.find(from);
  if (it == m.route_cache.end()) {
    if (m.route_cache.size() >= m.route_cache_limit) m.route_cache.clear();
    std::vector<std::size_t> pred(node_count_);
    std::vector<double> dist(node_count_);
    boost::filtered_graph<Graph, UsableEdge> usable(m.graph, UsableEdge{&m, &m.graph});
    boost::dijkstra_shortest_paths(usable, from,
                                   boost::predecessor_map(pred.data()).distance_map(dist.data()));
    std::vector<NodeId> tree(node_count_);
    for (std::size_t i = 0; i < node_count_; ++i) tree[i] = static_cast<NodeId>(pred[i]);
    it = m.route_cache.emplace(from, std::move(tree)).first;
  }
  const std::vector<NodeId>& pred = it->second;
  if (pred[to] == to) {
    r.reason = m.cuts.empty() ? "no-route" : "partition";
    return r;
  }
  // Walk back from the destination; each hop draws its own latency.
  SimTime total = 0;
  for (NodeId v = to; v != from; v = pred[v]) {
    // Each hop is <= kMaxDrawnDuration; the sum saturates there too (two
    // maximal hops would otherwise reach 2^63 and overflow).
    const SimTime hop = link_latency(pred[v], v).sample_duration(rng);
    total = hop > kMaxDrawnDuration - total ? kMaxDrawnDuration : total + hop;
    ++r.hops;
  }
  r.ok = true;
  r.latency_ns = total;
  return r;
}

void Network::hash_state(StateHasher& h) const {
  h.add(impl_->next_cut);
  h.add(impl_->cuts.size());
  for (const Cut& c : impl_->cuts) {
    h.add(c.id);
    h.add_bool(c.groups);
    h.add_bool(c.oneway);
    for (const std::uint32_t l : c.label) h.add(l);
    for (const std::uint8_t f : c.from_mask) h.add(f);
    for (const std::uint8_t t : c.to_mask) h.add(t);
  }
  for (const std::uint8_t u : impl_->up) h.add(u);
}

Network::CutId Network::add_group_cut(const std::vector<std::vector<NodeId>>& groups) {
  Cut c;
  c.id = impl_->next_cut++;
  c.groups = true;
  c.label.assign(node_count_, 0);
  for (std::size_t g = 0; g < groups.size(); ++g)
    for (NodeId n : groups[g]) c.label[n] = static_cast<std::uint32_t>(g + 1);
  impl_->cuts.push_back(std::move(c));
  invalidate_routes();
  return impl_->cuts.back().id;
}

Network::CutId Network::add_directed_cut(const std::vector<NodeId>& from, const std::vector<NodeId>& to, bool oneway) {
  Cut c;
  c.id = impl_->next_cut++;
  c.groups = false;
  c.oneway = oneway;
  c.from_mask.assign(node_count_, 0);
  c.to_mask.assign(node_count_, 0);
  for (NodeId n : from) c.from_mask[n] = 1;
  for (NodeId n : to) c.to_mask[n] = 1;
  impl_->cuts.push_back(std::move(c));
  invalidate_routes();
  return impl_->cuts.back().id;
}

void Network::remove_cut(CutId id) {
  auto& cuts = impl_->cuts;
  cuts.erase(std::remove_if(cuts.begin(), cuts.end(), [id](const Cut& c) { return c.id == id; }), cuts.end());
  invalidate_routes();
}

void Network::remove_all_cuts() {
  impl_->cuts.clear();
  invalidate_routes();
}

std::size_t Network::active_cuts() const { return impl_->cuts.size(); }

bool Network::link_blocked(NodeId from, NodeId to) const { return impl_->blocked(from, to); }

void Network::set_node_up(NodeId node, bool up) {
  impl_->up[node] = up ? 1 : 0;
  if (!complete_) invalidate_routes();
}

void Network::invalidate_routes() { impl_->route_cache.clear(); }

bool Network::connected() const { return outside_largest_component().empty(); }

std::vector<NodeId> Network::outside_largest_component() const {
  if (complete_ || node_count_ <= 1) return {};
  UndirectedGraph g(node_count_);
  for (NodeId a = 0; a < node_count_; ++a)
    for (NodeId b : impl_->adjacency[a])
      if (a < b) boost::add_edge(a, b, g);
  std::vector<int> component(node_count_);
  const int count = boost::connected_components(g, component.data());
  if (count == 1) return {};
  // Components are numbered in order of their lowest node: ties go to the first.
  std::vector<std::size_t> sizes(static_cast<std::size_t>(count), 0);
  for (int c : component) ++sizes[static_cast<std::size_t>(c)];
  const auto largest = static_cast<int>(std::max_element(sizes.begin(), sizes.end()) - sizes.begin());
  std::vector<NodeId> out;
  for (NodeId a = 0; a < node_count_; ++a)
    if (component[a] != largest) out.push_back(a);
  return out;
}

std::size_t Network::edge_count() const { return complete_ ? 0 : boost::num_edges(impl_->graph); }

}  // namespace ecsim
