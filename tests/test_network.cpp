// Network: topology shapes, partitions (group, directed, one-way), routing
// around cuts and crashed relays, and per-region latency overrides. Expected
// hop counts and latencies are worked out by hand from the graph.
#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "sim/network.hpp"
#include "sim/rng.hpp"

using namespace ecsim;

namespace {

TopologySpec topology(int nodes, GraphKind graph, SimTime latency_ns) {
  TopologySpec t;
  t.nodes = nodes;
  t.graph = graph;
  t.latency = Distribution::constant(static_cast<double>(latency_ns));
  for (int i = 0; i < nodes; ++i) t.node_names.push_back(fmt::format("n{}", i));
  t.node_region.assign(static_cast<std::size_t>(nodes), 0);
  return t;
}

std::set<NodeId> as_set(const std::vector<NodeId>& v) { return {v.begin(), v.end()}; }

}  // namespace

TEST_CASE("complete graph is implicit", "[network]") {
  Network net(topology(10, GraphKind::complete, kMillisecond), Rng(1));
  CHECK(net.is_complete());
  CHECK(net.node_count() == 10);
  CHECK(net.edge_count() == 0);
  CHECK(net.connected());
  for (NodeId n = 0; n < 10; ++n) {
    CHECK(net.degree(n) == 9);
    const auto nb = net.neighbors(n);
    CHECK(nb.size() == 9);
    CHECK(std::find(nb.begin(), nb.end(), n) == nb.end());
  }
  // Direct links only: one hop at the link latency.
  Rng rng(2);
  const Route r = net.route(3, 8, rng);
  CHECK(r.ok);
  CHECK(r.hops == 1);
  CHECK(r.latency_ns == kMillisecond);
}

TEST_CASE("complete graph random_neighbor is never self and roughly uniform", "[network]") {
  Network net(topology(10, GraphKind::complete, kMillisecond), Rng(1));
  Rng rng(3);
  for (NodeId self : {NodeId{0}, NodeId{4}, NodeId{9}}) {
    std::vector<std::uint64_t> counts(10, 0);
    const int draws = 90'000;
    int out_of_range = 0;
    for (int i = 0; i < draws; ++i) {
      const NodeId p = net.random_neighbor(self, rng);
      if (p < 10) ++counts[p]; else ++out_of_range;
    }
    CHECK(out_of_range == 0);
    CHECK(counts[self] == 0);
    // Chi-square over the 9 others, 8 degrees of freedom: the 99.99th
    // percentile is 31.8.
    double chi2 = 0;
    for (NodeId i = 0; i < 10; ++i) {
      if (i == self) continue;
      const double d = static_cast<double>(counts[i]) - draws / 9.0;
      chi2 += d * d / (draws / 9.0);
    }
    CHECK(chi2 < 31.8);
  }
}

TEST_CASE("ring and star degrees", "[network]") {
  Network ring(topology(8, GraphKind::ring, kMillisecond), Rng(1));
  CHECK_FALSE(ring.is_complete());
  CHECK(ring.edge_count() == 16);  // 8 undirected links, both directions
  CHECK(ring.connected());
  for (NodeId n = 0; n < 8; ++n) CHECK(ring.degree(n) == 2);
  CHECK(as_set(ring.neighbors(0)) == std::set<NodeId>{1, 7});
  CHECK(as_set(ring.neighbors(5)) == std::set<NodeId>{4, 6});
  Rng rng(4);
  for (int i = 0; i < 100; ++i) {
    const NodeId p = ring.random_neighbor(3, rng);
    CHECK((p == 2 || p == 4));
  }

  Network star(topology(6, GraphKind::star, kMillisecond), Rng(1));
  CHECK(star.edge_count() == 10);
  CHECK(star.degree(0) == 5);
  for (NodeId n = 1; n < 6; ++n) {
    CHECK(star.degree(n) == 1);
    CHECK(star.neighbors(n) == std::vector<NodeId>{0});
  }
  // Leaf to leaf goes through the hub.
  const Route r = star.route(2, 5, rng);
  CHECK(r.ok);
  CHECK(r.hops == 2);
  CHECK(r.latency_ns == 2 * kMillisecond);
}

TEST_CASE("disconnected graph without cuts: no-route", "[network]") {
  TopologySpec t = topology(4, GraphKind::file, kMillisecond);
  t.file_edges = {{0, 1}, {2, 3}};
  Network net(t, Rng(1));
  CHECK_FALSE(net.connected());
  Rng rng(1);
  const Route r = net.route(0, 3, rng);
  CHECK_FALSE(r.ok);
  CHECK(r.reason == "no-route");
  CHECK(net.route(0, 1, rng).ok);
}

TEST_CASE("group partition blocks across groups only, unlisted nodes form their own group", "[network]") {
  Network net(topology(6, GraphKind::complete, kMillisecond), Rng(1));
  const auto cut = net.add_group_cut({{0, 1}, {2, 3}});
  CHECK(net.active_cuts() == 1);
  // Across listed groups, both directions.
  CHECK(net.link_blocked(0, 2));
  CHECK(net.link_blocked(3, 1));
  // Within a group.
  CHECK_FALSE(net.link_blocked(0, 1));
  CHECK_FALSE(net.link_blocked(1, 0));
  CHECK_FALSE(net.link_blocked(2, 3));
  // 4 and 5 are in no group: together, cut from both listed groups.
  CHECK_FALSE(net.link_blocked(4, 5));
  CHECK(net.link_blocked(4, 0));
  CHECK(net.link_blocked(2, 5));
  Rng rng(1);
  Route r = net.route(0, 3, rng);
  CHECK_FALSE(r.ok);
  CHECK(r.reason == "partition");
  CHECK(net.route(4, 5, rng).ok);
  net.remove_cut(cut);
  CHECK(net.active_cuts() == 0);
  for (NodeId a = 0; a < 6; ++a)
    for (NodeId b = 0; b < 6; ++b) CHECK_FALSE(net.link_blocked(a, b));
  CHECK(net.route(0, 3, rng).ok);
}

TEST_CASE("directed cuts: one-way blocks one direction only", "[network]") {
  Network net(topology(4, GraphKind::complete, kMillisecond), Rng(1));
  const auto oneway = net.add_directed_cut({0}, {2, 3}, true);
  CHECK(net.link_blocked(0, 2));
  CHECK(net.link_blocked(0, 3));
  CHECK_FALSE(net.link_blocked(2, 0));
  CHECK_FALSE(net.link_blocked(3, 0));
  CHECK_FALSE(net.link_blocked(0, 1));
  CHECK_FALSE(net.link_blocked(2, 3));
  Rng rng(1);
  CHECK_FALSE(net.route(0, 2, rng).ok);
  CHECK(net.route(2, 0, rng).ok);

  const auto both = net.add_directed_cut({1}, {3}, false);
  CHECK(net.link_blocked(1, 3));
  CHECK(net.link_blocked(3, 1));
  CHECK(net.active_cuts() == 2);

  // Removing one cut by id leaves the other in force.
  net.remove_cut(oneway);
  CHECK_FALSE(net.link_blocked(0, 2));
  CHECK(net.link_blocked(1, 3));
  CHECK(net.active_cuts() == 1);
  net.add_directed_cut({0}, {1}, true);
  net.remove_all_cuts();
  CHECK(net.active_cuts() == 0);
  CHECK_FALSE(net.link_blocked(1, 3));
  CHECK_FALSE(net.link_blocked(0, 1));
  (void)both;
}

TEST_CASE("ring routing: shortest path, rerouting around cuts, partition", "[network]") {
  // Ring 0-1-2-3-4-5-6-7-0, 3 ms per link.
  const SimTime link = 3 * kMillisecond;
  Network net(topology(8, GraphKind::ring, link), Rng(1));
  Rng rng(1);
  auto expect_route = [&](NodeId a, NodeId b, std::uint32_t hops) {
    const Route r = net.route(a, b, rng);
    INFO("route " << a << " -> " << b);
    REQUIRE(r.ok);
    CHECK(r.hops == hops);
    CHECK(r.latency_ns == hops * link);
  };
  expect_route(0, 3, 3);
  expect_route(0, 5, 3);  // the other way round: 0-7-6-5
  expect_route(0, 4, 4);
  expect_route(6, 1, 3);  // across the 7-0 link
  const Route self = net.route(2, 2, rng);
  CHECK(self.ok);
  CHECK(self.hops == 0);
  CHECK(self.latency_ns == 0);

  SECTION("one link cut: the long way round") {
    net.add_directed_cut({0}, {1}, false);
    expect_route(0, 3, 5);  // 0-7-6-5-4-3
    expect_route(3, 0, 5);
    expect_route(0, 1, 7);
    expect_route(2, 7, 5);  // unaffected shortest path 2-3-4-5-6-7 (the 2-1-0-7 path is cut)
    expect_route(4, 6, 2);
    net.remove_all_cuts();
    expect_route(0, 3, 3);
  }
  SECTION("one-way link cut reroutes only that direction") {
    net.add_directed_cut({0}, {1}, true);
    expect_route(0, 1, 7);
    expect_route(1, 0, 1);
  }
  SECTION("two cuts separate the ring") {
    const auto c1 = net.add_directed_cut({0}, {1}, false);
    net.add_directed_cut({4}, {5}, false);
    // Halves {1,2,3,4} and {5,6,7,0}.
    const Route r = net.route(0, 2, rng);
    CHECK_FALSE(r.ok);
    CHECK(r.reason == "partition");
    CHECK_FALSE(net.route(5, 4, rng).ok);
    expect_route(0, 6, 2);
    expect_route(1, 4, 3);
    // Healing one of the two restores the route, the long way.
    net.remove_cut(c1);
    expect_route(0, 2, 2);
    expect_route(5, 4, 7);  // 5-6-7-0-1-2-3-4
  }
  SECTION("group partition of the ring") {
    net.add_group_cut({{0, 1, 2, 3}, {4, 5, 6, 7}});
    CHECK_FALSE(net.route(0, 5, rng).ok);
    CHECK(net.route(0, 5, rng).reason == "partition");
    expect_route(0, 3, 3);
    expect_route(4, 7, 3);
  }
  SECTION("a crashed relay forces the other way") {
    net.set_node_up(1, false);
    expect_route(0, 2, 6);  // 0-7-6-5-4-3-2
    expect_route(2, 0, 6);
    net.set_node_up(1, true);
    expect_route(0, 2, 2);
  }
}

TEST_CASE("region link overrides apply to inter-region pairs only", "[network]") {
  // us-east: n0..n2, eu-west: n3..n4; 2 ms by default, 40 ms between regions.
  TopologySpec t = topology(5, GraphKind::complete, 2 * kMillisecond);
  t.regions = {RegionSpec{"us-east", 3, 0}, RegionSpec{"eu-west", 2, 3}};
  t.node_region = {0, 0, 0, 1, 1};
  LinkOverride link;
  link.from = {0, 1, 2};
  link.to = {3, 4};
  link.latency = Distribution::constant(40.0 * kMillisecond);

  SECTION("symmetric") {
    t.links = {link};
    Network net(t, Rng(1));
    Rng rng(1);
    for (NodeId a = 0; a < 5; ++a)
      for (NodeId b = 0; b < 5; ++b) {
        if (a == b) continue;
        const bool inter = (a < 3) != (b < 3);
        const Route r = net.route(a, b, rng);
        REQUIRE(r.ok);
        CHECK(r.latency_ns == (inter ? 40 : 2) * kMillisecond);
      }
  }
  SECTION("one-way") {
    link.oneway = true;
    t.links = {link};
    Network net(t, Rng(1));
    Rng rng(1);
    CHECK(net.route(0, 3, rng).latency_ns == 40 * kMillisecond);
    CHECK(net.route(3, 0, rng).latency_ns == 2 * kMillisecond);
    CHECK(net.route(3, 4, rng).latency_ns == 2 * kMillisecond);
  }
  SECTION("node-level override (not a whole region)") {
    LinkOverride pair;
    pair.from = {0};
    pair.to = {4};
    pair.latency = Distribution::constant(7.0 * kMillisecond);
    t.links = {link, pair};
    Network net(t, Rng(1));
    Rng rng(1);
    CHECK(net.route(0, 4, rng).latency_ns == 7 * kMillisecond);
    CHECK(net.route(4, 0, rng).latency_ns == 7 * kMillisecond);
    CHECK(net.route(1, 4, rng).latency_ns == 40 * kMillisecond);
    CHECK(net.route(0, 3, rng).latency_ns == 40 * kMillisecond);
    CHECK(net.route(0, 1, rng).latency_ns == 2 * kMillisecond);
  }
  SECTION("multi-hop routing picks the path of least latency") {
    // Ring 0-1-2-3-4-0: links 2-3 and 4-0 cross regions (40 ms).
    // 0 -> 3: 0-1-2-3 = 2+2+40 = 44 ms; 0-4-3 = 40+2 = 42 ms.
    t.graph = GraphKind::ring;
    t.links = {link};
    Network net(t, Rng(1));
    Rng rng(1);
    const Route r = net.route(0, 3, rng);
    REQUIRE(r.ok);
    CHECK(r.hops == 2);
    CHECK(r.latency_ns == 42 * kMillisecond);
    const Route inside = net.route(0, 2, rng);
    CHECK(inside.hops == 2);
    CHECK(inside.latency_ns == 4 * kMillisecond);
  }
}
