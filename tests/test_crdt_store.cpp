// The CRDT stores end to end: wire format, state loss, what a state reports
// to the lost-writes checker, and whole simulated runs under loss,
// duplication, reordering and a partition, over many seeds: every CRDT
// converges, loses no acknowledged write, and ends in exactly the state its
// history implies; the union-max cart converges too, to the wrong state.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <unistd.h>

#include "app/modules.hpp"
#include "protocols/cart/cart_store.hpp"
#include "protocols/crdt/crdt_store.hpp"
#include "app/runner.hpp"
#include "sim/scenario_loader.hpp"

using namespace ecsim;
namespace fs = std::filesystem;

namespace {

struct Quiet : ReplicaObserver {};

MetricMap run_yaml(const std::string& yaml, std::uint64_t seed) {
  const fs::path dir = fs::temp_directory_path() / ("ecsim-test-crdt-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path file = dir / "scenario.yaml";
  std::ofstream(file) << yaml;
  LoadOptions lo;
  lo.seed = seed;
  const Scenario s = load_scenario_with_modules(file.string(), lo);
  RunSettings settings;
  settings.quiet = true;
  settings.write_outputs = false;
  std::ostringstream sink;
  return run_scenario(s, settings, sink).metrics;
}

// Client messages are lost with the network's loss too, and a lost reply
// leaves an applied update unacknowledged (which the exact-state check rightly
// reports): loss starts once the last operation (invoked before 3 s, two legs
// of at most 40 ms) has completed.
std::string faulty_run(const std::string& store) {
  return R"(name: crdt-property
seed: 1
duration: 30s
stop: converged
topology: {nodes: 5, latency: {dist: uniform, min: 1ms, max: 40ms}}
network: {loss: 0.2, duplicate: 0.1}
store: )" + store + R"(
protocols:
  gossip: {interval: 250ms}
workload: {clients: 4, rate: 40/s, stop: 3s}
faults:
  - {at: 0s, loss: 0.0, until: 3100ms}
  - {at: 1s, partition: [[n0, n1], [n2, n3, n4]]}
  - {at: 2s, heal: all}
checks: {session: []}
)";
}

}  // namespace

TEST_CASE("CRDT wire format round-trips every state", "[crdt]") {
  crdt::State s;
  crdt::counter_update(s, 3, 2, 5, 1);
  crdt::counter_update(s, 1, 0, 2, 0);
  crdt::orset_add(s, 1, 9);
  std::vector<std::uint64_t> words;
  crdt::encode(42, s, words);
  crdt::encode(43, crdt::State{}, words);
  std::size_t pos = 0;
  KeyId key = 0;
  crdt::State back;
  REQUIRE(crdt::decode(words, pos, key, back));
  CHECK(key == 42);
  CHECK(back == s);
  REQUIRE(crdt::decode(words, pos, key, back));
  CHECK(key == 43);
  CHECK(back == crdt::State{});
  CHECK(pos == words.size());
  // A truncated message is rejected, not read past its end.
  std::size_t p2 = 0;
  CHECK_FALSE(crdt::decode(std::span<const std::uint64_t>(words).first(5), p2, key, back));
}

TEST_CASE("a CRDT replica that loses its state comes back as a new actor", "[crdt]") {
  WriteTable writes;
  CrdtStore store(CrdtKind::orset, {"n0", "n1"}, 64, writes);
  Quiet quiet;
  const WriteId a = writes.add(0, "x");
  store.write(ReplicaCall{0, 0, 0, &quiet}, 0, OpKind::add, a, 1);
  std::vector<std::uint64_t> buf;
  store.entries_for(0, std::vector<std::uint64_t>{0}, buf);
  store.merge(ReplicaCall{1, 0, 0, &quiet}, buf);
  store.clear(ReplicaCall{0, 0, 0, &quiet});
  store.clear(ReplicaCall{0, 0, 0, &quiet});  // a second protocol clearing the same crash: no-op
  CHECK(store.actor_name(store.actor_of(0)) == "n0~1");
  // The new incarnation removes x without having seen the old add: the add survives the merge.
  const WriteId r = writes.add(0, "x");
  store.write(ReplicaCall{0, 0, 0, &quiet}, 0, OpKind::remove, r, 1);
  buf.clear();
  store.entries_for(1, std::vector<std::uint64_t>{0}, buf);
  store.merge(ReplicaCall{0, 0, 0, &quiet}, buf);
  CHECK(store.read(ReplicaCall{0, 0, 0, &quiet}, 0).value == "x");
  // Reusing actor n0 would have made the old dot (n0:1) look seen and removed: it was not.
  std::vector<WriteId> reflected;
  store.reflected_writes(0, 0, reflected);
  std::sort(reflected.begin(), reflected.end());
  CHECK(reflected == std::vector<WriteId>{a, r});
}

TEST_CASE("every CRDT converges to its history's state under loss, duplication, reordering and a partition",
          "[crdt][property][run]") {
  for (const char* store : {"{type: gcounter, keys: 3}", "{type: pncounter, keys: 3}", "{type: orset, keys: 3, elements: 4}",
                            "{type: mvregister, keys: 3}", "{type: cart, keys: 2, elements: 4}"}) {
    DYNAMIC_SECTION(store) {
      for (std::uint64_t seed = 1; seed <= 8; ++seed) {
        INFO("seed " << seed);
        MetricMap m = run_yaml(faulty_run(store), seed);
        CHECK(m["messages.dropped"] > 0);
        CHECK(m["messages.duplicated"] > 0);
        CHECK(m["convergence.reached"] == 1);
        CHECK(m["lost_writes"] == 0);
        CHECK(m["state.checked_keys"] > 0);
        CHECK(m["state.mismatched_keys"] == 0);
      }
    }
  }
}

TEST_CASE("the union-max cart converges to a state its history does not imply", "[crdt][cart][run]") {
  int wrong = 0;
  for (std::uint64_t seed = 1; seed <= 8; ++seed) {
    MetricMap m = run_yaml(faulty_run("{type: cart, merge: union-max, keys: 2, elements: 4}"), seed);
    CHECK(m["convergence.reached"] == 1);
    if (m["state.mismatched_keys"] > 0) ++wrong;
  }
  CHECK(wrong == 8);
}

TEST_CASE("a CRDT loses an increment only with the replica's disk, and the checkers say so", "[crdt][run]") {
  const std::string yaml = R"(name: crdt-disk-loss
seed: 1
duration: 10s
topology: {nodes: 3}
store: {type: gcounter}
protocols: {gossip: {interval: 1s, phase: aligned}}
ops:
  - {at: 0s, client: c0, op: incr, key: hits, value: 5, node: n0}
  - {at: 0s, client: c1, op: incr, key: hits, value: 2, node: n1}
  - {at: 5s, client: c0, op: incr, key: hits, value: 1, node: n0}
faults:
  - {at: 3ms, crash: n0, restart_after: 1s, lose_state: true}
checks: {session: []}
)";
  // The 5 reaches n0 at 1 ms (the default 1 ms latency) and is acknowledged at 2 ms.
  MetricMap m = run_yaml(yaml, 1);
  CHECK(m["lost_writes"] == 1);             // the 5 died with n0's disk before any gossip
  CHECK(m["state.mismatched_keys"] == 1);   // 3 everywhere, 8 acknowledged
  CHECK(m["convergence.reached"] == 1);
}
