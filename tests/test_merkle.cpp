// Merkle-tree repair: after random divergence of d of K keys exactly the
// divergent keys are shipped; the number of leaves that differ averages
// L(1 - (1 - 1/L)^d); tree updates are incremental; bytes and round trips
// per repair; and whole runs where Merkle repair alone converges replicas.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <unistd.h>

#include "protocols/core/store_config.hpp"
#include "protocols/merkle/config.hpp"
#include "app/modules.hpp"
#include "protocols/crdt/crdt_store.hpp"
#include "protocols/lww/lww_store.hpp"
#include "protocols/merkle/merkle.hpp"
#include "app/runner.hpp"
#include "sim/scenario_loader.hpp"
#include "sim/simulator.hpp"

using namespace ecsim;
namespace fs = std::filesystem;

namespace {

// Two replicas, an LWW store and Merkle repair, driven by hand.
struct Rig {
  Scenario s;
  WriteTable writes;
  std::unique_ptr<Simulator> sim;
  std::unique_ptr<LwwStore> store;
  std::unique_ptr<MerkleProtocol> merkle;
  std::uint16_t pid = 0;

  Rig(int leaves, int fanout) {
    s.name = "merkle-test";
    s.seed = 5;
    s.topology.nodes = 2;
    s.topology.node_names = {"n0", "n1"};
    s.topology.node_region = {0, 0};
    s.topology.latency = Distribution::constant(1.0 * kMillisecond);
    sim = std::make_unique<Simulator>(s);
    store = std::make_unique<LwwStore>(s, writes);
    MerkleSpec spec;
    spec.interval_ns = SimTime{1} << 60;  // timers never fire in a test: repairs are started by hand
    spec.leaves = leaves;
    spec.fanout = fanout;
    merkle = std::make_unique<MerkleProtocol>(spec, *store, 2);
    pid = sim->add_protocol(merkle.get());
  }
  ReplicaCall at(NodeId n) { return ReplicaCall{n, sim->now(), sim->local_time(n), store->observer()}; }
  void write(NodeId n, KeyId key) {
    const WriteId w = writes.add(key, "v");
    store->write(at(n), key, OpKind::write, w, 0);
  }
  void copy(NodeId from, NodeId to, KeyId keys) {
    std::vector<std::uint64_t> list, buf;
    for (KeyId k = 0; k < keys; ++k) list.push_back(k);
    store->entries_for(from, list, buf);
    store->merge(at(to), buf);
  }
  void repair(NodeId from, NodeId to) {
    Context ctx(*sim, from, pid);
    merkle->start_repair(ctx, to);
    RunOptions o;
    o.end_ns = sim->now() + 60 * kSecond;
    o.stop_when = [this] { return sim->messages_in_flight() == 0; };
    sim->run(o);
  }
  bool same(KeyId keys) {
    for (KeyId k = 0; k < keys; ++k)
      if (store->state_digest(0, k) != store->state_digest(1, k)) return false;
    return merkle->root(0) == merkle->root(1);
  }
};

std::vector<KeyId> random_keys(Rng& rng, KeyId universe, std::size_t d) {
  std::set<KeyId> chosen;
  while (chosen.size() < d) chosen.insert(static_cast<KeyId>(rng.below(universe)));
  return {chosen.begin(), chosen.end()};
}

MetricMap run_yaml(const std::string& yaml) {
  const fs::path dir = fs::temp_directory_path() / ("ecsim-test-merkle-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path file = dir / "scenario.yaml";
  std::ofstream(file) << yaml;
  const Scenario s = load_scenario_with_modules(file.string(), {});
  RunSettings settings;
  settings.quiet = true;
  settings.write_outputs = false;
  std::ostringstream sink;
  return run_scenario(s, settings, sink).metrics;
}

}  // namespace

TEST_CASE("Merkle repair ships exactly the divergent keys", "[merkle]") {
  constexpr KeyId K = 2000;
  Rig rig(64, 4);
  for (KeyId k = 0; k < K; ++k) rig.write(0, k);
  rig.copy(0, 1, K);
  REQUIRE(rig.same(K));
  rig.merkle->record_shipped(true);
  Rng rng(99);
  for (std::size_t d : {std::size_t{1}, std::size_t{10}, std::size_t{100}, std::size_t{K}}) {
    INFO("d = " << d);
    const std::vector<KeyId> divergent = random_keys(rng, K, d);
    for (KeyId k : divergent) rig.write(rng.below(2) ? 0 : 1, k);  // a newer version on one side
    REQUIRE_FALSE(rig.same(K));
    const std::size_t before = rig.merkle->shipped().size();
    rig.repair(0, 1);
    std::multiset<KeyId> shipped;
    std::set<NodeId> senders;
    for (std::size_t i = before; i < rig.merkle->shipped().size(); ++i) {
      shipped.insert(rig.merkle->shipped()[i].second);
      senders.insert(rig.merkle->shipped()[i].first);
    }
    // Both sides hold every divergent key, differently: each ships its version, once.
    CHECK(std::set<KeyId>(shipped.begin(), shipped.end()) == std::set<KeyId>(divergent.begin(), divergent.end()));
    CHECK(shipped.size() == 2 * d);
    CHECK(senders.size() == 2);
    CHECK(rig.same(K));  // and the newer version won on both
  }

  SECTION("keys only one side holds are shipped once, by that side") {
    const std::size_t before = rig.merkle->shipped().size();
    for (KeyId k = K; k < K + 37; ++k) rig.write(1, k);
    rig.repair(0, 1);
    std::set<KeyId> shipped;
    for (std::size_t i = before; i < rig.merkle->shipped().size(); ++i) {
      CHECK(rig.merkle->shipped()[i].first == 1);
      shipped.insert(rig.merkle->shipped()[i].second);
    }
    CHECK(rig.merkle->shipped().size() - before == 37);
    CHECK(shipped.size() == 37);
    CHECK(rig.same(K + 37));
  }
}

TEST_CASE("differing leaves average L(1-(1-1/L)^d) over random divergences", "[merkle][property]") {
  constexpr KeyId K = 4096;
  constexpr int L = 64;
  Rig rig(L, 4);
  for (KeyId k = 0; k < K; ++k) rig.write(0, k);
  rig.copy(0, 1, K);
  Rng rng(2024);
  for (std::size_t d : {std::size_t{1}, std::size_t{8}, std::size_t{64}, std::size_t{256}}) {
    INFO("d = " << d);
    constexpr int kTrials = 150;
    double sum = 0;
    for (int t = 0; t < kTrials; ++t) {
      const std::vector<KeyId> divergent = random_keys(rng, K, d);
      std::set<std::uint32_t> leaves;
      for (KeyId k : divergent) {
        rig.write(rng.below(2) ? 0 : 1, k);
        leaves.insert(rig.merkle->leaf_of(k));
      }
      const std::uint64_t before = rig.merkle->stats().leaves_differing;
      const NodeId from = rng.below(2) ? 0 : 1;
      rig.repair(from, 1 - from);
      const std::uint64_t found = rig.merkle->stats().leaves_differing - before;
      REQUIRE(found == leaves.size());  // exactly the leaves holding a divergent key
      sum += static_cast<double>(found);
    }
    const double expected = L * (1.0 - std::pow(1.0 - 1.0 / L, static_cast<double>(d)));
    CHECK(sum / kTrials == Approx(expected).epsilon(0.04));
  }
}

TEST_CASE("Merkle trees update incrementally, never rebuilt per exchange", "[merkle]") {
  Rig rig(1024, 2);
  REQUIRE(rig.merkle->depth() == 10);
  for (KeyId k = 0; k < 5000; ++k) rig.write(0, k);
  rig.copy(0, 1, 5000);
  rig.merkle->root(0);
  rig.merkle->root(1);
  const MerkleStats base = rig.merkle->stats();

  // One change: one O(1) leaf update, then one root-to-leaf path recomputed.
  rig.write(0, 17);
  CHECK(rig.merkle->stats().leaf_updates == base.leaf_updates + 1);
  rig.merkle->root(0);
  CHECK(rig.merkle->stats().inner_recomputed == base.inner_recomputed + 10);
  rig.merkle->root(0);  // nothing changed since: nothing recomputed
  CHECK(rig.merkle->stats().inner_recomputed == base.inner_recomputed + 10);

  rig.repair(0, 1);
  REQUIRE(rig.same(5000));
  // The repair recomputed only n1's path to the changed leaf.
  CHECK(rig.merkle->stats().inner_recomputed == base.inner_recomputed + 20);

  // Equal trees: one message (the root), nothing recomputed, nothing shipped.
  const MerkleStats before = rig.merkle->stats();
  rig.repair(1, 0);
  CHECK(rig.merkle->stats().messages == before.messages + 1);
  CHECK(rig.merkle->stats().bytes == before.bytes + 36);  // header 16 + level 8 + one (index, hash) 12
  CHECK(rig.merkle->stats().repairs_in_sync == before.repairs_in_sync + 1);
  CHECK(rig.merkle->stats().inner_recomputed == before.inner_recomputed);
  CHECK(rig.merkle->stats().keys_shipped == before.keys_shipped);
}

TEST_CASE("bytes and round trips per repair, against shipping every digest", "[merkle]") {
  constexpr KeyId K = 100000;
  Rig rig(1024, 4);  // depth 5
  for (KeyId k = 0; k < K; ++k) rig.write(0, k);
  rig.copy(0, 1, K);
  rig.write(0, 4242);
  const MerkleStats before = rig.merkle->stats();
  rig.repair(0, 1);
  const MerkleStats& s = rig.merkle->stats();
  CHECK(s.repairs_divergent == before.repairs_divergent + 1);
  // root, 5 levels, LEAVES, PUSH, ENTRIES: depth + 4 messages = 4.5 round trips.
  CHECK(s.divergent_messages - before.divergent_messages == rig.merkle->depth() + 4);
  const std::uint64_t bytes = s.divergent_bytes - before.divergent_bytes;
  // One leaf of ~100 keys is listed; the gossip digest of every key is K * 24 bytes.
  CHECK(bytes < 5000);
  CHECK(bytes * 100 < std::uint64_t{K} * 24);
  std::vector<std::pair<std::string, double>> metrics;
  rig.merkle->summary_metrics(metrics);
  bool found = false;
  for (const auto& [name, value] : metrics)
    if (name == "merkle.round_trips_per_divergent_repair") {
      found = true;
      CHECK(value == Approx(4.5));
    }
  CHECK(found);
}

TEST_CASE("Merkle repair alone converges replicas, under loss and after a disk loss", "[merkle][run]") {
  for (const char* store : {"{type: lww, keys: 200}", "{type: orset, keys: 50, elements: 4}", "{type: pncounter, keys: 50}"}) {
    DYNAMIC_SECTION(store) {
      const std::string yaml = std::string(R"(name: merkle-only
seed: 3
duration: 60s
stop: converged
topology: {nodes: 6, latency: {dist: uniform, min: 1ms, max: 20ms}}
store: )") + store + R"(
protocols:
  merkle: {interval: 500ms, leaves: 64, fanout: 4}
workload: {clients: 3, rate: 30/s, stop: 4s}
faults:
  - {at: 2s, crash: n5, restart_after: 1s, lose_state: true}
  - {at: 4100ms, loss: 0.1}
checks: {session: []}
)";
      // Loss starts once the last operation (invoked before 4 s, two legs of at most
      // 20 ms) has completed: a lost reply would leave an applied write
      // unacknowledged, which the exact-state check rightly reports. No
      // duplicates: without loss before 4.1 s nothing would offset them in the
      // round-trip bound below.
      MetricMap m = run_yaml(yaml);
      CHECK(m["messages.dropped"] > 0);
      CHECK(m["convergence.reached"] == 1);
      CHECK(m["merkle.repairs"] > 0);
      CHECK(m["merkle.keys_shipped"] > 0);
      // 64 leaves, fanout 4: depth 3, so a complete divergent repair is 7 messages (3.5
      // round trips); lost messages cut some short.
      CHECK(m["merkle.round_trips_per_divergent_repair"] <= 3.5);
      CHECK(m["merkle.round_trips_per_divergent_repair"] > 2.0);
      // n5's disk loss may take writes with it (lost_writes counts them); every
      // key whose final state is not what the history implies is explained by one.
      if (std::string(store).find("lww") == std::string::npos) CHECK(m["state.mismatched_keys"] <= m["lost_writes"]);
    }
  }
}

TEST_CASE("the loader reads protocols.merkle and store.merge, and writes them back", "[merkle][loader]") {
  const fs::path dir = fs::temp_directory_path() / ("ecsim-test-merkle-loader-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path file = dir / "s.yaml";
  std::ofstream(file) << "name: t\nseed: 1\ntopology: {nodes: 3}\nstore: {type: cart, merge: union-max, elements: 5}\n"
                         "protocols: {merkle: {interval: 2s, leaves: 256, fanout: 16}}\n";
  const Scenario s = load_scenario_with_modules(file.string(), {});
  REQUIRE(s.section<MerkleSpec>() != nullptr);
  CHECK(s.section<MerkleSpec>()->interval_ns == 2 * kSecond);
  CHECK(s.section<MerkleSpec>()->leaves == 256);
  CHECK(s.section<MerkleSpec>()->fanout == 16);
  CHECK(store_of(s).cart_merge == CartMerge::union_max);
  CHECK(store_of(s).elements == 5);
  const fs::path again = dir / "resolved.yaml";
  std::ofstream(again) << resolved_config_yaml(s);
  const Scenario r = load_scenario_with_modules(again.string(), {});
  CHECK(r.section<MerkleSpec>()->leaves == 256);
  CHECK(r.section<MerkleSpec>()->fanout == 16);
  CHECK(store_of(r).cart_merge == CartMerge::union_max);
  CHECK(resolved_config_yaml(r) == resolved_config_yaml(s));

  std::ofstream(file) << "name: t\nseed: 1\ntopology: {nodes: 3}\nprotocols: {merkle: }\n";
  const Scenario d = load_scenario_with_modules(file.string(), {});
  CHECK(d.section<MerkleSpec>()->leaves == 1024);
  CHECK(d.section<MerkleSpec>()->fanout == 2);
  CHECK(d.section<MerkleSpec>()->interval_ns == 10 * kSecond);
}
