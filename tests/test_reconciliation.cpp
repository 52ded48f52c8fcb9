// Background reconciliation: copies that missed updates (a replica down) or
// were corrupted are repaired by the next job run; without the job they
// stay wrong. The truth and the copies are tracked here by an observer of
// our own, independently of the checker, and both must agree.
#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <vector>

#include "protocols/reconciliation/config.hpp"
#include "protocols/reconciliation/checker.hpp"
#include "protocols/reconciliation/reconciliation.hpp"
#include "sim/fault_injector.hpp"
#include "sim/simulator.hpp"

using namespace ecsim;

namespace {

constexpr SimTime ms = kMillisecond;

// n0 is the source; n1..n3 hold copies; 1 ms links; job every 500 ms.
Scenario recon_scenario() {
  Scenario s;
  s.name = "recon-test";
  s.seed = 3;
  s.duration_ns = 4 * kSecond;
  s.topology.nodes = 4;
  for (int i = 0; i < 4; ++i) s.topology.node_names.push_back(fmt::format("n{}", i));
  s.topology.node_region.assign(4, 0);
  s.topology.latency = Distribution::constant(1.0 * ms);
  ReconcileSpec r;
  r.source = 0;
  r.replicas = {1, 2, 3};
  r.values = 20;
  r.updates_per_s = 50;
  r.updates_stop_ns = 3 * kSecond;
  r.period_ns = 500 * ms;
  s.set_section(r);
  return s;
}

// The truth and every copy, straight from the observations.
struct Mirror final {
  std::map<std::uint32_t, std::int64_t> truth;
  std::map<std::pair<NodeId, std::uint32_t>, std::int64_t> copy;
  std::vector<SimTime> runs;
  void on_reconcile(const ReconcileEvent& e) {
    if (e.kind == ReconcileEventKind::truth) truth[e.value] = e.data;
    if (e.kind == ReconcileEventKind::copy) copy[{e.node, e.value}] = e.data;
    if (e.kind == ReconcileEventKind::run) runs.push_back(e.time);
  }
  std::size_t wrong(const std::vector<NodeId>& replicas, std::uint32_t values) const {
    std::size_t n = 0;
    for (NodeId r : replicas)
      for (std::uint32_t v = 0; v < values; ++v) {
        const auto t = truth.count(v) ? truth.at(v) : 0;
        const auto c = copy.count({r, v}) ? copy.at({r, v}) : 0;
        n += t != c;
      }
    return n;
  }
};

struct Result {
  ReconcileTotals totals;
  std::vector<RepairRow> repairs;
  Mirror mirror;
};

Result run(const Scenario& s) {
  Result out;
  Simulator sim(s);
  ReconciliationProtocol proto(s);
  const std::uint16_t pid = sim.add_protocol(&proto);
  ReconcileChecker checker(*s.section<ReconcileSpec>());
  proto.events().subscribe([&](const ReconcileEvent& e) { checker.on_reconcile(e); });
  proto.events().subscribe([&](const ReconcileEvent& e) { out.mirror.on_reconcile(e); });
  FaultInjector faults(sim, s);
  ReconcileDriver driver(sim, s, proto, pid);
  RunOptions o;
  o.end_ns = s.duration_ns;
  sim.run(o);
  out.totals = checker.totals(s.duration_ns);
  out.repairs = checker.repairs();
  return out;
}

FaultSpec crash(NodeId node, SimTime at, SimTime restart_after, bool lose_state = false) {
  FaultSpec f;
  f.kind = FaultSpec::Kind::crash;
  f.node = node;
  f.at_ns = at;
  f.restart_after_ns = restart_after;
  f.lose_state = lose_state;
  return f;
}

}  // namespace

TEST_CASE("reconciliation repairs the copies a down replica missed, at the next run", "[reconciliation]") {
  // n2 is down from 1 s to 1.8 s and misses the updates sent meanwhile. The
  // job runs at 0.5 s, 1 s, 1.5 s, 2 s, ...: at 2 s it asks n2 (arrives
  // 2.001 s), n2 answers (2.002 s), the repairs land at 2.003 s.
  Scenario s = recon_scenario();
  s.faults.push_back(crash(2, kSecond, 800 * ms));
  const Result r = run(s);
  CHECK(r.mirror.runs.front() == 500 * ms);
  CHECK(r.mirror.runs.size() == 8);  // 0.5 .. 4 s
  CHECK(r.totals.updates > 100);
  CHECK(r.totals.repairs > 0);
  for (const RepairRow& row : r.repairs) {
    CHECK(row.replica == 2);          // only n2 missed anything
    CHECK(row.time_ns == 2002 * ms);  // all found by the 2 s run
    CHECK(row.found != row.expected);
  }
  // Wrong copies: each update is wrong for 1 ms of lag at every replica;
  // n2's missed ones until 2.003 s at the latest.
  const double longest = *std::max_element(r.totals.episodes_s.begin(), r.totals.episodes_s.end());
  CHECK(longest <= 1.003 + 1e-9);
  CHECK(longest > 0.2);
  CHECK(r.totals.wrong_final == 0);
  CHECK(r.mirror.wrong({1, 2, 3}, 20) == 0);
  // Scans answered: 8 runs x 3 replicas, less n2 at 1 s and 1.5 s (down)
  // and the 4 s run whose replies come after the end.
  const std::uint64_t scans = 8 * 3 - 2 - 3;
  CHECK(r.totals.values_compared == scans * 20);
  CHECK(r.totals.bytes == 8u * 3u * ReconciliationProtocol::kScanRequestBytes + scans * ReconciliationProtocol::scan_reply_bytes(20) +
                              r.totals.repairs * ReconciliationProtocol::kRepairBytes);
}

TEST_CASE("without the job, the copies a down replica missed stay wrong", "[reconciliation]") {
  Scenario s = recon_scenario();
  s.faults.push_back(crash(2, kSecond, 800 * ms));
  s.mutable_section<ReconcileSpec>()->enabled = false;
  s.mutable_section<ReconcileSpec>()->updates_stop_ns = 1500 * ms;  // no later update overwrites what n2 missed
  const Result r = run(s);
  CHECK(r.mirror.runs.empty());
  CHECK(r.totals.repairs == 0);
  CHECK(r.totals.wrong_final > 0);
  CHECK(r.totals.wrong_final == r.mirror.wrong({1, 2, 3}, 20));
  // Only n2's copies can be wrong: the others got every update.
  CHECK(r.mirror.wrong({1, 3}, 20) == 0);
}

TEST_CASE("corrupted copies are repaired within one period, a disk loss is rebuilt", "[reconciliation]") {
  Scenario s = recon_scenario();
  s.mutable_section<ReconcileSpec>()->updates_per_s = 0;
  s.mutable_section<ReconcileSpec>()->corruption_per_s = 5;
  s.duration_ns = 6 * kSecond;
  // n3 loses its disk at 4.2 s: every copy back to 0 (wrong where the truth moved).
  s.mutable_section<ReconcileSpec>()->updates_per_s = 20;
  s.mutable_section<ReconcileSpec>()->updates_stop_ns = 4 * kSecond;
  s.faults.push_back(crash(3, 4200 * ms, 100 * ms, true));
  const Result r = run(s);
  CHECK(r.totals.repairs > 0);
  // A corruption at time t is found by the first run after t and repaired
  // 3 ms later; the disk loss at 4.2 s by the 4.5 s run.
  for (double e : r.totals.episodes_s) CHECK(e <= 0.503 + 1e-9);
  bool n3_rebuilt = false;
  for (const RepairRow& row : r.repairs) n3_rebuilt = n3_rebuilt || (row.replica == 3 && row.time_ns == 4502 * ms);
  CHECK(n3_rebuilt);
  // Corruptions keep coming until the end; only those after the last run (6 s) may be open.
  CHECK(r.totals.wrong_final == r.mirror.wrong({1, 2, 3}, 20));
}

TEST_CASE("a batched job compares a window per run and covers every value in turn", "[reconciliation]") {
  Scenario s = recon_scenario();
  s.mutable_section<ReconcileSpec>()->batch = 5;
  s.mutable_section<ReconcileSpec>()->updates_per_s = 0;
  s.mutable_section<ReconcileSpec>()->corruption_per_s = 0;
  s.duration_ns = 2 * kSecond;
  // One corrupted copy, v17 at n1 at 100 ms: the windows are v0-4 (0.5 s),
  // v5-9 (1 s), v10-14 (1.5 s), v15-19 (2 s): found at 2 s.
  struct Corrupt final : Component {
    Simulator& sim;
    ReconciliationProtocol& p;
    std::uint16_t pid;
    Corrupt(Simulator& s, ReconciliationProtocol& proto, std::uint16_t id) : sim(s), p(proto), pid(id) {
      sim.schedule(100 * ms, sim.add_component(this), 0, 0, true);
    }
    void on_event(std::uint64_t, std::uint32_t) override {
      Context ctx(sim, 1, pid);
      p.corrupt(ctx, 17);
    }
  };
  Simulator sim(s);
  ReconciliationProtocol proto(s);
  const std::uint16_t pid = sim.add_protocol(&proto);
  ReconcileChecker checker(*s.section<ReconcileSpec>());
  proto.events().subscribe([&](const ReconcileEvent& e) { checker.on_reconcile(e); });
  Corrupt corrupt(sim, proto, pid);
  RunOptions o;
  o.end_ns = s.duration_ns + 10 * ms;
  sim.run(o);
  const ReconcileTotals t = checker.totals(o.end_ns);
  CHECK(t.runs == 4);
  CHECK(t.values_compared == 4u * 3u * 5u);
  REQUIRE(checker.repairs().size() == 1);
  CHECK(checker.repairs()[0].value == 17);
  CHECK(checker.repairs()[0].time_ns == 2002 * ms);
  REQUIRE(t.episodes_s.size() == 1);
  CHECK(t.episodes_s[0] == Approx(1.903));
  CHECK(t.wrong_final == 0);
}
