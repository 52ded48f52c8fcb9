// Gossip end to end: LWW store + GossipProtocol + ConvergenceTracker on the
// kernel, with writes injected by a tiny component. The truth the tracker is
// checked against is read straight from the store (which write each replica
// holds) and from a separate observer that timestamps every state change.
#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "protocols/core/store_config.hpp"
#include "protocols/gossip/config.hpp"
#include "analysis/convergence.hpp"
#include "protocols/gossip/gossip.hpp"
#include "protocols/core/keyspace.hpp"
#include "protocols/lww/lww_store.hpp"
#include "sim/simulator.hpp"

using namespace ecsim;

namespace {

Scenario gossip_scenario(int nodes, GossipMode mode, std::uint64_t seed = 1) {
  Scenario s;
  s.name = "gossip-test";
  s.seed = seed;
  s.topology.nodes = nodes;
  s.topology.graph = GraphKind::complete;
  s.topology.latency = Distribution::constant(5.0 * kMillisecond);
  for (int i = 0; i < nodes; ++i) s.topology.node_names.push_back(fmt::format("n{}", i));
  s.topology.node_region.assign(static_cast<std::size_t>(nodes), 0);
  edit_store(s).type = StoreType::lww;
  edit_store(s).timestamps = TimestampKind::hlc;
  edit_store(s).keys = 16;
  GossipSpec g;
  g.interval_ns = kSecond;
  g.fanout = 1;
  g.mode = mode;
  s.set_section(g);
  return s;
}

// Every state change, timestamped, independently of the tracker.
struct AppliedLog final : ReplicaObserver {
  struct Entry {
    SimTime t;
    NodeId node;
    KeyId key;
  };
  std::vector<Entry> entries;
  void on_applied(SimTime t, NodeId n, KeyId k, std::uint64_t, StateRank, WriteId) override { entries.push_back({t, n, k}); }
  SimTime last() const { return entries.empty() ? -1 : entries.back().t; }
};

// Counts deliveries and drops by (sender side, receiver side) of a split.
struct CrossTraffic final : Observer {
  NodeId split = 0;  // nodes < split are one side
  std::uint64_t cross_deliveries = 0, partition_drops = 0;
  bool wants_net_events() const override { return true; }
  void on_net(const NetEvent& e) override {
    const bool cross = (e.node < split) != (e.peer < split);
    if (e.kind == NetEventKind::deliver && cross) ++cross_deliveries;
    if (e.kind == NetEventKind::drop && e.reason == "partition") ++partition_drops;
  }
};

// Gossip timer firings, per node.
struct TimerLog final : Observer {
  std::map<NodeId, std::vector<SimTime>> fired;
  bool wants_net_events() const override { return true; }
  void on_node(SimTime t, NodeId n, NodeEventKind k, bool) override {
    if (k == NodeEventKind::timer) fired[n].push_back(t);
  }
};

struct Harness {
  struct Write {
    SimTime at;
    NodeId node;
    KeyId key;
    WriteId id = kNoWrite;
    WriteResult result;
  };

  // Writes at node `node` as a client would, and acknowledges them at once.
  struct Writer final : Component {
    Harness* h = nullptr;
    void on_event(std::uint64_t x, std::uint32_t) override {
      Write& w = h->planned[x];
      const ReplicaCall at{w.node, h->sim.now(), h->sim.local_time(w.node), h->store.observer()};
      w.id = h->writes.add(w.key, "v" + std::to_string(x));
      w.result = h->store.write(at, w.key, OpKind::write, w.id, 0);
      OpRecord rec;
      rec.client = "c0";
      rec.op = "write";
      rec.invoke_ns = rec.complete_ns = h->sim.now();
      rec.replica = w.node;
      rec.ok = true;
      rec.key_id = w.key;
      rec.write = w.id;
      rec.rank = w.result.rank;
      rec.is_write = true;
      h->store.observer()->on_op(rec);
    }
  };

  explicit Harness(Scenario s)
      : scenario(std::move(s)),
        store(scenario, writes),
        gossip(*scenario.section<GossipSpec>(), store),
        sim(scenario),
        tracker(static_cast<std::uint32_t>(scenario.topology.nodes), false) {
    sim.add_observer(&tracker);
    replica_events.add(&tracker);
    replica_events.add(&applied);
    store.set_observer(&replica_events);
    sim.add_protocol(&gossip);
    writer.h = this;
    writer_id = sim.add_component(&writer);
  }

  void plan(SimTime at, NodeId node, KeyId key) {
    planned.push_back(Write{at, node, key, kNoWrite, {}});
    sim.schedule(at, writer_id, planned.size() - 1, 0, true);
  }

  StopReason run_until(SimTime end) { return sim.run(RunOptions{end, {}, {}}); }

  int holders_of(WriteId w, KeyId key, NodeId from, NodeId to) const {
    int n = 0;
    for (NodeId i = from; i < to; ++i) {
      const LwwVersion* v = store.find(i, key);
      n += (v && v->write == w);
    }
    return n;
  }

  Scenario scenario;
  WriteTable writes;
  LwwStore store;
  GossipProtocol gossip;
  Simulator sim;
  ConvergenceTracker tracker;
  AppliedLog applied;
  ReplicaObserverHub replica_events;
  Writer writer;
  std::uint16_t writer_id = 0;
  std::vector<Write> planned;
};

const char* mode_name(GossipMode m) {
  switch (m) {
    case GossipMode::push: return "push";
    case GossipMode::pull: return "pull";
    case GossipMode::push_pull: return "push-pull";
  }
  return "?";
}

}  // namespace

TEST_CASE("gossip spreads one write to all 50 nodes, in every mode", "[gossip]") {
  const GossipMode mode = GENERATE(GossipMode::push_pull, GossipMode::push, GossipMode::pull);
  INFO("mode " << mode_name(mode));
  Harness h(gossip_scenario(50, mode));
  TimerLog timers;
  h.sim.add_observer(&timers);
  h.plan(0, 0, 3);
  h.run_until(60 * kSecond);
  // Each node gossips once per second of its (ideal) clock from a random
  // phase in [0, 1 s): 60 rounds in [0, 60 s], each starting with one digest.
  std::uint64_t rounds = 0;
  int wrong_period = 0;
  for (const auto& [node, times] : timers.fired) {
    rounds += times.size();
    CHECK(times.front() < kSecond);
    for (std::size_t i = 1; i < times.size(); ++i) wrong_period += times[i] - times[i - 1] != kSecond;
  }
  CHECK(timers.fired.size() == 50);
  CHECK(wrong_period == 0);
  CHECK(rounds >= 50 * 60);
  CHECK(rounds <= 50 * 61);
  CHECK(h.sim.stats().messages_sent >= rounds);
  const WriteId w = h.planned[0].id;
  REQUIRE(w != kNoWrite);
  CHECK(h.planned[0].result.kept);
  // Ground truth from the store: every replica holds the write.
  CHECK(h.holders_of(w, 3, 0, 50) == 50);
  // Exactly one state change per replica (the write, then 49 copies).
  CHECK(h.applied.entries.size() == 50);
  // The tracker agrees.
  CHECK(h.tracker.converged());
  CHECK(h.tracker.divergent_keys() == 0);
  CHECK(h.tracker.replicas_behind() == 0);
  CHECK(h.tracker.acknowledged_writes() == 1);
  CHECK(h.tracker.writes_never_visible() == 0);
  // Converged when the last replica applied it (the write was acked at t = 0).
  const double expected_s = to_seconds(h.applied.last());
  CHECK(h.tracker.convergence_time_s() == Approx(expected_s).margin(1e-12));
  const auto vis = h.tracker.visibility_delays_s();
  REQUIRE(vis.size() == 1);
  CHECK(vis[0] == Approx(expected_s).margin(1e-12));
  // Epidemic spread takes O(log n) rounds of 1 s; 20 rounds is a loose bound
  // (push-pull typically needs ~5, push or pull alone ~8-10).
  CHECK(expected_s > 0.0);
  CHECK(expected_s < 20.0);
}

TEST_CASE("stop when converged ends the run at the moment of convergence", "[gossip]") {
  Harness h(gossip_scenario(50, GossipMode::push_pull, 3));
  h.plan(0, 7, 0);
  bool written = false;
  RunOptions options{60 * kSecond, [&] {
                       written = written || h.planned[0].id != kNoWrite;
                       return written && h.tracker.converged();
                     },
                     {}};
  CHECK(h.sim.run(options) == StopReason::condition);
  CHECK(h.sim.now() == h.applied.last());
  CHECK(h.holders_of(h.planned[0].id, 0, 0, 50) == 50);
}

TEST_CASE("a symmetric partition keeps the sides divergent until it is removed", "[gossip]") {
  Harness h(gossip_scenario(50, GossipMode::push_pull, 5));
  CrossTraffic traffic;
  traffic.split = 25;
  h.sim.add_observer(&traffic);
  std::vector<NodeId> left, right;
  for (NodeId n = 0; n < 50; ++n) (n < 25 ? left : right).push_back(n);
  h.sim.network().add_group_cut({left, right});
  h.plan(0, 0, 1);
  h.run_until(30 * kSecond);
  const WriteId w = h.planned[0].id;
  // The write filled its own side and nothing crossed.
  CHECK(h.holders_of(w, 1, 0, 25) == 25);
  CHECK(h.holders_of(w, 1, 25, 50) == 0);
  CHECK(traffic.cross_deliveries == 0);
  CHECK(traffic.partition_drops > 0);
  CHECK_FALSE(h.tracker.converged());
  CHECK(h.tracker.divergent_keys() == 1);
  CHECK(h.tracker.replicas_behind() == 25);
  CHECK(std::isnan(h.tracker.convergence_time_s()));

  // Heal at 30 s.
  h.sim.network().remove_all_cuts();
  h.sim.observers().on_fault(h.sim.now(), FaultEventKind::heal, "heal all");
  const std::size_t changes_before_heal = h.applied.entries.size();
  h.run_until(60 * kSecond);
  CHECK(h.holders_of(w, 1, 0, 50) == 50);
  CHECK(h.applied.entries.size() == changes_before_heal + 25);
  CHECK(traffic.cross_deliveries > 0);
  CHECK(h.tracker.converged());
  CHECK(h.tracker.replicas_behind() == 0);
  // Convergence time counts from the heal.
  CHECK(h.tracker.convergence_time_s() == Approx(to_seconds(h.applied.last() - 30 * kSecond)).margin(1e-12));
}

TEST_CASE("concurrent writes under loss, duplication and skewed clocks: every replica ends at the highest version", "[gossip]") {
  Scenario s = gossip_scenario(30, GossipMode::push_pull, 9);
  s.network.loss = 0.1;
  s.network.duplicate = 0.05;
  s.clocks.skew.kind = Distribution::Kind::uniform;
  s.clocks.skew.a = -50.0 * kMillisecond;
  s.clocks.skew.b = 50.0 * kMillisecond;
  s.clocks.drift_ppm.kind = Distribution::Kind::uniform;
  s.clocks.drift_ppm.a = -100;
  s.clocks.drift_ppm.b = 100;
  Harness h(std::move(s));
  Rng rng(21);
  for (int i = 0; i < 100; ++i)
    h.plan(static_cast<SimTime>(rng.below(5 * kSecond)), static_cast<NodeId>(rng.below(30)), static_cast<KeyId>(rng.below(8)));
  h.run_until(60 * kSecond);
  // Expected winner per key: the write with the highest version rank.
  std::map<KeyId, const Harness::Write*> winner;
  for (const auto& w : h.planned) {
    REQUIRE(w.id != kNoWrite);
    auto& best = winner[w.key];
    if (!best || best->result.rank < w.result.rank) best = &w;
  }
  REQUIRE(winner.size() == 8);
  for (const auto& [key, w] : winner) {
    INFO("key " << key);
    CHECK(h.holders_of(w->id, key, 0, 30) == 30);
  }
  CHECK(h.tracker.converged());
  CHECK(h.tracker.replicas_behind() == 0);
  CHECK(h.sim.stats().messages_dropped > 0);
  CHECK(h.sim.stats().messages_duplicated > 0);
}

TEST_CASE("a replica that loses its state in a crash recovers it by gossip", "[gossip]") {
  Harness h(gossip_scenario(20, GossipMode::push_pull, 13));
  h.plan(0, 0, 2);
  h.run_until(10 * kSecond);
  const WriteId w = h.planned[0].id;
  REQUIRE(h.holders_of(w, 2, 0, 20) == 20);
  h.sim.crash(5, true);  // on_crash clears the store
  CHECK(h.store.find(5, 2) == nullptr);
  // The tracker ignores crashed replicas: the 19 live ones agree.
  CHECK(h.tracker.converged());
  h.run_until(12 * kSecond);
  h.sim.restart(5);
  CHECK_FALSE(h.tracker.converged());
  CHECK(h.tracker.replicas_behind() == 1);
  h.run_until(40 * kSecond);
  CHECK(h.holders_of(w, 2, 0, 20) == 20);
  CHECK(h.tracker.converged());
  CHECK(h.tracker.replicas_behind() == 0);
}

TEST_CASE("aligned phase: every node gossips at multiples of the interval", "[gossip]") {
  Scenario s = gossip_scenario(10, GossipMode::push_pull, 17);
  s.mutable_section<GossipSpec>()->aligned_phase = true;
  Harness h(std::move(s));
  TimerLog timers;
  h.sim.add_observer(&timers);
  h.plan(0, 4, 0);
  h.run_until(10 * kSecond);
  REQUIRE(timers.fired.size() == 10);
  for (const auto& [node, times] : timers.fired) {
    std::vector<SimTime> expected;
    for (int k = 0; k <= 10; ++k) expected.push_back(k * kSecond);
    CHECK(times == expected);
  }
  CHECK(h.holders_of(h.planned[0].id, 0, 0, 10) == 10);
}
