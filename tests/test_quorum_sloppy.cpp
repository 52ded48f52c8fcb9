// Sloppy quorums with hinted handoff (protocols/quorum/quorum.hpp, `sloppy:
// true`), against truths computed here: the key's ring order comes from an
// independent HashRing over the same nodes, so the test knows which node
// must stand in for a cut-off replica; times follow from constant latencies.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

#include <fmt/format.h>

#include "protocols/core/store_config.hpp"
#include "app/modules.hpp"
#include "app/runner.hpp"
#include "protocols/clients/clients.hpp"
#include "protocols/core/hash_ring.hpp"
#include "protocols/quorum/quorum.hpp"
#include "sim/fault_injector.hpp"
#include "sim/scenario_loader.hpp"
#include "sim/simulator.hpp"

using namespace ecsim;
namespace fs = std::filesystem;

namespace {

constexpr std::uint32_t kNodes = 5;

fs::path write_file(const std::string& yaml) {
  const fs::path dir = fs::temp_directory_path() / ("ecsim-test-quorum-sloppy-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path file = dir / "scenario.yaml";
  std::ofstream(file) << yaml;
  return file;
}

// Key k0 (id 0) in ring order over all five nodes, computed the way a Dynamo
// ring is defined (64 virtual nodes each, the first distinct nodes clockwise
// from the hash of the key), independently of the quorum module.
std::vector<NodeId> ring_order() {
  std::vector<NodeId> all;
  for (NodeId n = 0; n < kNodes; ++n) all.push_back(n);
  return HashRing(all, 64).successors(stable_hash("key-0"), kNodes);
}

std::string node(NodeId n) { return fmt::format("n{}", n); }

// One write of k0 at the key's first replica while its third replica is cut
// off (100 ms .. heal), W = 3 of N = 3; a read at `read_at` on the cut-off
// replica (R = 1) when asked.
std::string scenario(bool sloppy, const std::vector<NodeId>& order, const std::string& extra_ops = "",
                     const std::string& heal_at = "2s") {
  const NodeId victim = order[2];
  std::string others;
  for (NodeId n = 0; n < kNodes; ++n)
    if (n != victim) others += (others.empty() ? "" : ", ") + node(n);
  std::string y = R"(name: sloppy-test
seed: 1
duration: 8s
topology: {nodes: 5, latency: {dist: constant, value: 5ms}}
store: {type: lww, keys: 1}
protocols:
  replication: {n: 3, w: 3, r: 1, timeout: 500ms, hint_after: 100ms, handoff_interval: 1s)";
  y += sloppy ? ", sloppy: true}\n" : "}\n";
  y += "ops:\n  - {at: 500ms, client: c0, op: write, key: k0, value: x, node: " + node(order[0]) + "}\n" + extra_ops;
  y += "faults:\n  - {at: 100ms, partition: [[" + others + "], [" + node(victim) + "]]}\n";
  y += "  - {at: " + heal_at + ", heal: all}\n";
  y += "checks: {session: []}\n";
  return y;
}

struct Op {
  bool ok = false;
  bool is_write = false;
  std::string value;
  NodeId replica = kNoNode;
};

struct Recorder : ReplicaObserver {
  std::vector<Op> ops;
  void on_op(const OpRecord& r) override { ops.push_back(Op{r.ok, r.is_write, std::string(r.value), r.replica}); }
};

// The runner's wiring, kept open so that the test can look inside at chosen times.
struct Run {
  Scenario s;
  KeySpace keys;
  WriteTable writes;
  std::unique_ptr<ReplicaStore> store;
  Simulator sim;
  QuorumProtocol quorum;
  FaultInjector faults;
  ClientDriver clients;
  Recorder rec;

  explicit Run(const std::string& yaml)
      : s(load_scenario_with_modules(write_file(yaml).string(), {})),
        keys(static_cast<std::uint32_t>(store_of(s).keys)),
        store(make_store(s, writes)),
        sim(s),
        quorum(*s.section<ReplicationSpec>(), *store, static_cast<std::uint32_t>(s.topology.nodes)),
        faults(sim, s),
        clients(sim, s, *store, keys, writes) {
    quorum.set_protocol_id(sim.add_protocol(&quorum));
    clients.use_replication(quorum);
    store->set_observer(&rec);
  }
  void until(SimTime t) {
    RunOptions o;
    o.end_ns = t;
    sim.run(o);
  }
  // What replica `n` holds for k0 as a regular replica (reads, anti-entropy).
  ReadResult held(NodeId n) { return store->read(ReplicaCall{n, 0, 0, nullptr}, 0); }
};

MetricMap run_metrics(const std::string& yaml) {
  const Scenario s = load_scenario_with_modules(write_file(yaml).string(), {});
  RunSettings settings;
  settings.quiet = true;
  settings.write_outputs = false;
  std::ostringstream sink;
  return run_scenario(s, settings, sink).metrics;
}

}  // namespace

TEST_CASE("the module's preference list and stand-ins follow the ring order computed independently", "[quorum][sloppy]") {
  const std::vector<NodeId> order = ring_order();
  REQUIRE(order.size() == kNodes);
  Run run(scenario(true, order));
  const std::vector<NodeId>& list = run.quorum.replicas(0);
  CHECK(list == std::vector<NodeId>(order.begin(), order.begin() + 3));
  CHECK(run.quorum.fallback(0, 0) == order[3]);
  CHECK(run.quorum.fallback(0, 1) == order[4]);
  CHECK(run.quorum.fallback(0, 2) == kNoNode);  // five nodes: only two beyond the first three
}

TEST_CASE("strict quorum: W = 3 with one of n = 3 replicas cut off fails the write", "[quorum][sloppy]") {
  const std::vector<NodeId> order = ring_order();
  Run run(scenario(false, order));
  run.until(4 * kSecond);
  REQUIRE(run.rec.ops.size() == 1);
  CHECK_FALSE(run.rec.ops[0].ok);
  // No rollback: the two reachable replicas hold it, the cut-off one does not.
  CHECK(run.held(order[0]).value == "x");
  CHECK(run.held(order[1]).value == "x");
  CHECK_FALSE(run.held(order[2]).found);
  for (NodeId n = 0; n < kNodes; ++n) CHECK(run.quorum.hints_at(n).empty());

  const MetricMap m = run_metrics(scenario(false, order));
  CHECK(m.at("ops.failed") == 1);
  CHECK(std::isnan(m.at("replication.hinted_writes")));  // strict quorums have no hints: NaN, not 0
  CHECK(std::isnan(m.at("replication.hints_delivered")));
  CHECK(std::isnan(m.at("replication.hints_pending_at_end")));
}

TEST_CASE("sloppy quorum: the write succeeds with a hint at the next node on the ring, handed off after the heal",
          "[quorum][sloppy]") {
  const std::vector<NodeId> order = ring_order();
  const NodeId coordinator = order[0], victim = order[2], stand_in = order[3];
  Run run(scenario(true, order));

  // The write, invoked at 500 ms, reaches its coordinator at 505 ms (the
  // client is inside the region: 5 ms) and is served by 505.2 ms
  // (replicas.service.write: 200 us); replicas serve it by 510.4 ms and their
  // acks arrive at 515.4 ms; at 605.2 ms (hint_after) the coordinator sends
  // to the stand-in, whose ack arrives at 615.4 ms: W = 3; the reply reaches
  // the client at 620.4 ms.
  run.until(619 * kMillisecond);
  CHECK(run.rec.ops.empty());
  run.until(621 * kMillisecond);
  REQUIRE(run.rec.ops.size() == 1);
  CHECK(run.rec.ops[0].ok);
  CHECK(run.rec.ops[0].replica == coordinator);

  // The hint sits at order[3] (and nowhere else), naming the cut-off replica.
  for (NodeId n = 0; n < kNodes; ++n) {
    INFO("node " << n);
    if (n == stand_in) {
      REQUIRE(run.quorum.hints_at(n).size() == 1);
      CHECK(run.quorum.hints_at(n)[0].intended == victim);
      CHECK(run.quorum.hints_at(n)[0].key == 0);
    } else {
      CHECK(run.quorum.hints_at(n).empty());
    }
  }
  CHECK(run.quorum.hinted_writes() == 1);
  CHECK(run.quorum.hints_pending() == 1);
  // Kept apart from the stand-in's replica state: it does not hold k0.
  CHECK_FALSE(run.held(stand_in).found);

  // The stand-in tries every second from 1.605 s; until the heal at 2 s the
  // hint cannot arrive.
  run.until(2 * kSecond);
  CHECK_FALSE(run.held(victim).found);
  CHECK(run.quorum.hints_pending() == 1);

  // After the heal: within handoff_interval plus a round trip the intended
  // replica holds the write and the hint is gone (2.605 s handoff, 2.610 s
  // merged, 2.615 s acknowledged).
  run.until(2 * kSecond + kSecond + 10 * kMillisecond);
  CHECK(run.held(victim).value == "x");
  CHECK(run.quorum.hints_pending() == 0);
  CHECK(run.quorum.hints_delivered() == 1);
  CHECK(run.quorum.hints_at(stand_in).empty());
  CHECK_FALSE(run.held(stand_in).found);  // still not a replica of k0

  const MetricMap m = run_metrics(scenario(true, order));
  CHECK(m.at("ops.failed") == 0);
  CHECK(m.at("replication.hinted_writes") == 1);
  CHECK(m.at("replication.hints_delivered") == 1);
  CHECK(m.at("replication.hints_pending_at_end") == 0);
}

TEST_CASE("sloppy reads stay on the preference list: a hint is never read", "[quorum][sloppy]") {
  // R = 1 at the cut-off replica during the partition: the acknowledged write
  // sits at the stand-in, so the read finds nothing (stale); after the handoff
  // the same read finds it.
  const std::vector<NodeId> order = ring_order();
  const std::string reads = "  - {at: 1s, client: c1, op: read, key: k0, node: " + node(order[2]) + "}\n" +
                            "  - {at: 4s, client: c1, op: read, key: k0, node: " + node(order[2]) + "}\n";
  Run run(scenario(true, order, reads));
  run.until(5 * kSecond);
  REQUIRE(run.rec.ops.size() == 3);
  CHECK(run.rec.ops[0].is_write);
  CHECK(run.rec.ops[0].ok);
  CHECK(run.rec.ops[1].ok);
  CHECK(run.rec.ops[1].value.empty());
  CHECK(run.rec.ops[2].value == "x");
}

TEST_CASE("hints survive a crash of their holder without state loss, and die with state loss", "[quorum][sloppy]") {
  const std::vector<NodeId> order = ring_order();
  const NodeId stand_in = order[3], victim = order[2];
  for (bool lose : {false, true}) {
    DYNAMIC_SECTION("lose_state: " << lose) {
      // The stand-in is down from 1 s to 3 s; the heal is at 2 s.
      std::string y = scenario(true, order);
      const std::string crash = "  - {at: 1s, crash: " + node(stand_in) + (lose ? ", lose_state: true}\n" : "}\n") +
                                "  - {at: 3s, restart: " + node(stand_in) + "}\n";
      y.insert(y.find("checks:"), crash);
      Run run(y);
      run.until(3 * kSecond);
      CHECK_FALSE(run.held(victim).found);
      // Restarted at 3 s: the first handoff is one interval later (4.005 s
      // arrival, merged by 4.00505 s: replicas.service.merge is 50 us), and its
      // ack is back at 4.01005 s.
      run.until(4 * kSecond + 20 * kMillisecond);
      if (lose) {
        CHECK_FALSE(run.held(victim).found);
        CHECK(run.quorum.hints_lost() == 1);
        CHECK(run.quorum.hints_delivered() == 0);
      } else {
        CHECK(run.held(victim).value == "x");
        CHECK(run.quorum.hints_delivered() == 1);
      }
      CHECK(run.quorum.hints_pending() == 0);
    }
  }
}

TEST_CASE("a stand-in that does not answer is passed over for the next node on the ring", "[quorum][sloppy]") {
  // order[3] is down as well: the round at 600 ms gets no answer, the round
  // at 700 ms goes to order[4].
  const std::vector<NodeId> order = ring_order();
  std::string y = scenario(true, order);
  y.insert(y.find("checks:"), "  - {at: 200ms, crash: " + node(order[3]) + "}\n");
  Run run(y);
  run.until(2 * kSecond);
  REQUIRE(run.rec.ops.size() == 1);
  CHECK(run.rec.ops[0].ok);
  CHECK(run.quorum.hints_at(order[4]).size() == 1);
  CHECK(run.quorum.hints_at(order[3]).empty());
  CHECK(run.quorum.hinted_writes() == 1);
}

TEST_CASE("with no failures a sloppy run's history equals the strict run's", "[quorum][sloppy]") {
  // Every replica answers within hint_after: no stand-in is ever asked.
  const std::string base = R"(name: sloppy-no-faults
seed: 3
duration: 6s
topology: {nodes: 6, latency: {dist: uniform, min: 1ms, max: 20ms}}
store: {type: lww, timestamps: hlc, keys: 4}
protocols:
  replication: {n: 3, w: 2, r: 2, timeout: 1s)";
  const std::string rest = R"(
workload: {clients: 6, rate: 40/s, mix: {read: 0.5, write: 0.5}, stop: 5s, routing: random}
checks: {session: []}
)";
  const MetricMap strict = run_metrics(base + "}" + rest);
  const MetricMap sloppy = run_metrics(base + ", sloppy: true}" + rest);
  CHECK(sloppy.at("replication.hinted_writes") == 0);
  for (const char* name : {"ops.total", "ops.failed", "staleness.k1_fraction", "messages.sent", "messages.bytes"}) {
    INFO(name);
    CHECK(sloppy.at(name) == strict.at(name));
  }
}
