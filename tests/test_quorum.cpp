// Quorum replication (protocols/quorum.*): with R + W > N and no failures
// every read returns the latest acknowledged write (or something newer),
// over many seeds; with R = W = 1 the same workload reads stale values, so
// the check has teeth. Read repair brings a replica that missed a write up
// to date without any anti-entropy protocol; CRDTs replicate through quorums
// with their exact state intact.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <unistd.h>

#include "protocols/core/store_config.hpp"
#include "app/modules.hpp"
#include "protocols/clients/clients.hpp"
#include "protocols/quorum/quorum.hpp"
#include "app/runner.hpp"
#include "sim/fault_injector.hpp"
#include "sim/scenario_loader.hpp"
#include "sim/simulator.hpp"

using namespace ecsim;
namespace fs = std::filesystem;

namespace {

struct Rec {
  bool is_write = false;
  bool ok = false;
  KeyId key = 0;
  SimTime invoke = 0, complete = 0;
  StateRank rank;
};

struct Recorder : ReplicaObserver {
  std::vector<Rec> ops;
  void on_op(const OpRecord& r) override { ops.push_back(Rec{r.is_write, r.ok, r.key_id, r.invoke_ns, r.complete_ns, r.rank}); }
};

fs::path write_file(const std::string& yaml) {
  const fs::path dir = fs::temp_directory_path() / ("ecsim-test-quorum-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path file = dir / "scenario.yaml";
  std::ofstream(file) << yaml;
  return file;
}

// The runner's wiring, with a recorder of the client history.
std::vector<Rec> history(const std::string& yaml, std::uint64_t seed) {
  LoadOptions lo;
  lo.seed = seed;
  const Scenario s = load_scenario_with_modules(write_file(yaml).string(), lo);
  KeySpace keys(static_cast<std::uint32_t>(store_of(s).keys));
  WriteTable writes;
  auto store = make_store(s, writes);
  Simulator sim(s);
  REQUIRE(s.section<ReplicationSpec>() != nullptr);
  QuorumProtocol quorum(*s.section<ReplicationSpec>(), *store, static_cast<std::uint32_t>(s.topology.nodes));
  quorum.set_protocol_id(sim.add_protocol(&quorum));
  FaultInjector faults(sim, s);
  ClientDriver clients(sim, s, *store, keys, writes);
  clients.use_replication(quorum);
  Recorder rec;
  store->set_observer(&rec);
  RunOptions run;
  run.end_ns = s.duration_ns;
  sim.run(run);
  return rec.ops;
}

// Reads that returned a version older than the newest write to their key
// acknowledged before the read was invoked.
int stale_reads(const std::vector<Rec>& ops, int& reads) {
  std::map<KeyId, std::vector<const Rec*>> writes;
  for (const Rec& r : ops)
    if (r.is_write && r.ok) writes[r.key].push_back(&r);
  int stale = 0;
  reads = 0;
  for (const Rec& r : ops) {
    if (r.is_write || !r.ok) continue;
    ++reads;
    StateRank newest;
    bool any = false;
    for (const Rec* w : writes[r.key])
      if (w->complete < r.invoke && (!any || newest < w->rank)) newest = w->rank, any = true;
    if (any && r.rank < newest) ++stale;
  }
  return stale;
}

std::string workload(int n, int w, int r) {
  return R"(name: quorum-test
seed: 1
duration: 6s
topology: {nodes: 5, latency: {dist: uniform, min: 1ms, max: 30ms}}
store: {type: lww, timestamps: hlc, keys: 3}
protocols:
  replication: {n: )" + std::to_string(n) + ", w: " + std::to_string(w) + ", r: " + std::to_string(r) + R"(, timeout: 2s}
workload: {clients: 8, rate: 40/s, mix: {read: 0.6, write: 0.4}, stop: 5s, routing: random}
checks: {session: []}
)";
}

MetricMap run_metrics(const std::string& yaml) {
  const Scenario s = load_scenario_with_modules(write_file(yaml).string(), {});
  RunSettings settings;
  settings.quiet = true;
  settings.write_outputs = false;
  std::ostringstream sink;
  return run_scenario(s, settings, sink).metrics;
}

}  // namespace

TEST_CASE("with R + W > N and no failures every read returns the latest acknowledged write", "[quorum][property]") {
  for (auto [n, w, r] : {std::tuple{3, 2, 2}, std::tuple{3, 3, 1}, std::tuple{3, 1, 3}, std::tuple{5, 3, 3}}) {
    DYNAMIC_SECTION("N=" << n << " W=" << w << " R=" << r) {
      for (std::uint64_t seed = 1; seed <= 6; ++seed) {
        INFO("seed " << seed);
        int reads = 0;
        const auto ops = history(workload(n, w, r), seed);
        CHECK(stale_reads(ops, reads) == 0);
        CHECK(reads > 500);
        for (const Rec& o : ops) CHECK(o.ok);  // no failures: every operation reached its quorum
      }
    }
  }
}

TEST_CASE("with R + W <= N the same workload reads stale values", "[quorum]") {
  int stale = 0, reads = 0;
  for (std::uint64_t seed = 1; seed <= 6; ++seed) {
    int r = 0;
    stale += stale_reads(history(workload(3, 1, 1), seed), r);
    reads += r;
  }
  CHECK(reads > 3000);
  CHECK(stale > 10);
}

TEST_CASE("read repair updates a replica that missed a write, without anti-entropy", "[quorum]") {
  // n2 is cut off while n0 writes with W = 1; after the heal a read with R = 3
  // hears n2's old state and sends it the new one.
  auto yaml = [](bool read_after_heal) {
    std::string y = R"(name: read-repair
seed: 1
duration: 5s
topology: {nodes: 3}
store: {type: lww}
protocols:
  replication: {n: 3, w: 1, r: 3, timeout: 500ms}
ops:
  - {at: 0s, client: c0, op: write, key: k, value: old, node: n0}
  - {at: 1s, client: c0, op: write, key: k, value: new, node: n0}
)";
    if (read_after_heal) y += "  - {at: 3s, client: c1, op: read, key: k, node: n1}\n";
    y += R"(faults:
  - {at: 500ms, partition: [[n0, n1], [n2]]}
  - {at: 2s, heal: all}
checks: {session: []}
)";
    return y;
  };
  MetricMap without = run_metrics(yaml(false));
  CHECK(without["convergence.reached"] == 0);  // n2 still holds 'old'
  CHECK(without["replication.read_repairs"] == 0);
  MetricMap with = run_metrics(yaml(true));
  CHECK(with["replication.read_repairs"] == 1);
  CHECK(with["convergence.reached"] == 1);
  CHECK(with["replication.read_repair_bytes"] > 0);
}

TEST_CASE("CRDTs replicate through quorums with their exact state", "[quorum][crdt]") {
  for (const char* store : {"{type: pncounter, keys: 3}", "{type: orset, keys: 3, elements: 4}", "{type: mvregister, keys: 3}"}) {
    DYNAMIC_SECTION(store) {
      MetricMap m = run_metrics(std::string(R"(name: quorum-crdt
seed: 4
duration: 10s
topology: {nodes: 5, latency: {dist: uniform, min: 1ms, max: 10ms}}
store: )") + store + R"(
protocols:
  replication: {n: 3, w: 2, r: 2}
  gossip: {interval: 500ms}
workload: {clients: 4, rate: 30/s, stop: 5s}
checks: {session: []}
)");
      CHECK(m["ops.failed"] == 0);
      CHECK(m["lost_writes"] == 0);
      CHECK(m["state.checked_keys"] == 3);
      CHECK(m["state.mismatched_keys"] == 0);
      CHECK(m["convergence.reached"] == 1);
    }
  }
}
