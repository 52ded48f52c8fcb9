// Client sessions end to end: routing and failover, the read-your-writes
// cache and its holes, monotonic-read tracking with fallback, the combined
// session object, quorum replication against PBS's closed form, and the
// history checkers giving the same counts on the written CSV files.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "protocols/clients/config.hpp"
#include "protocols/core/store_config.hpp"
#include "protocols/quorum/config.hpp"
#include "app/modules.hpp"
#include "analysis/history.hpp"
#include "analysis/session_checker.hpp"
#include "protocols/core/hash_ring.hpp"
#include "app/runner.hpp"
#include "sim/scenario_loader.hpp"

using namespace ecsim;
namespace fs = std::filesystem;

namespace {

const std::string kScenarios = std::string(ECSIM_SOURCE_DIR) + "/scenarios/";

Scenario load(const std::string& name, std::vector<std::string> overrides = {}, const std::string& out = "") {
  LoadOptions lo;
  lo.overrides = std::move(overrides);
  if (!out.empty()) lo.output_dir = out;
  return load_scenario_with_modules(kScenarios + name, lo);
}

MetricMap run(const Scenario& s, bool write_outputs = false) {
  RunSettings settings;
  settings.quiet = true;
  settings.write_outputs = write_outputs;
  std::ostringstream sink;
  return run_scenario(s, settings, sink).metrics;
}

MetricMap run(const std::string& name, std::vector<std::string> overrides = {}) { return run(load(name, std::move(overrides))); }

double choose(int n, int k) {
  if (k < 0 || k > n) return 0;
  double c = 1;
  for (int i = 1; i <= k; ++i) c = c * (n - k + i) / i;
  return c;
}

}  // namespace

TEST_CASE("consistent hashing moves few sessions when a replica joins, hash mod N moves most", "[sessions][routing]") {
  std::vector<NodeId> ten, eleven;
  for (NodeId n = 0; n < 10; ++n) ten.push_back(n);
  eleven = ten;
  eleven.push_back(10);
  const HashRing before(ten, 64), after(eleven, 64);
  const int sessions = 20000;
  int ring_moved = 0, mod_moved = 0, to_new = 0;
  for (int i = 0; i < sessions; ++i) {
    const std::uint64_t h = stable_hash("user-" + std::to_string(i));
    const NodeId a = before.owner(h), b = after.owner(h);
    if (a != b) {
      ++ring_moved;
      if (b == 10) ++to_new;
    }
    if (h % 10 != h % 11) ++mod_moved;
  }
  // Ideal: 1/11 of the sessions move, all of them to the new replica; mod N moves 10/11.
  CHECK(ring_moved == to_new);
  CHECK(static_cast<double>(ring_moved) / sessions < 0.15);
  CHECK(static_cast<double>(ring_moved) / sessions > 0.04);
  CHECK(static_cast<double>(mod_moved) / sessions > 0.85);
  // A preference list is N distinct replicas.
  const auto list = after.successors(stable_hash("key"), 3);
  REQUIRE(list.size() == 3);
  CHECK(list[0] != list[1]);
  CHECK(list[1] != list[2]);
  CHECK(list[0] != list[2]);
  CHECK(list[0] == after.owner(stable_hash("key")));
}

TEST_CASE("random routing violates read-your-writes, sticky routing does not", "[sessions]") {
  const MetricMap random = run("sessions-ryw-random.yaml");
  const MetricMap sticky = run("sessions-ryw-random.yaml", {"workload.routing=sticky"});
  CHECK(random.at("violations.ryw") > 10);
  CHECK(random.at("violations.mr") > 0);
  CHECK(random.at("violations.ryw_sessions") == 6);
  CHECK(sticky.at("violations.ryw") == 0);
  CHECK(sticky.at("violations.mr") == 0);
  CHECK(sticky.at("ops.total") == random.at("ops.total"));  // the same workload
  // Devices that move to another replica every second lose what sticking bought.
  const MetricMap roaming = run("sessions-ryw-random.yaml", {"workload.routing=sticky", "workload.session.switch_every=1s"});
  CHECK(roaming.at("violations.ryw") > 0);
}

TEST_CASE("a failover breaks a sticky session's RYW, the combined session object prevents it", "[sessions]") {
  const MetricMap plain = run("sessions-failover.yaml");
  const MetricMap guarded = run("sessions-failover-guarded.yaml");
  CHECK(plain.at("violations.ryw") > 0);
  CHECK(plain.at("ops.failed") == 0);
  CHECK(guarded.at("violations.ryw") == 0);
  CHECK(guarded.at("violations.mr") == 0);
  CHECK(guarded.at("ops.partition_failed_fraction") > 0);  // what it costs
  CHECK(guarded.at("ops.latency_p99_s") > plain.at("ops.latency_p99_s"));
  // Without the partition nobody fails over, and sticky sessions need no help.
  const MetricMap calm = run("sessions-failover.yaml", {"faults=[]"});
  CHECK(calm.at("violations.ryw") == 0);
}

TEST_CASE("the read-your-writes cache and its holes", "[sessions][cache]") {
  const std::vector<std::string> base = {"workload.routing=random"};
  auto with = [&](std::vector<std::string> extra) {
    extra.insert(extra.begin(), base.begin(), base.end());
    return run("sessions-ryw-random.yaml", extra);
  };
  const MetricMap none = with({});
  const MetricMap cached = with({"workload.session.cache_ttl=60s"});
  CHECK(none.at("violations.ryw") > 0);
  CHECK(cached.at("violations.ryw") == 0);  // every read of an own write hits the cache
  CHECK(cached.at("ops.cache_hits") > 0);
  // Hole 1: an entry that expired sends the read to a stale replica.
  const MetricMap expiring = with({"workload.session.cache_ttl=500ms"});
  CHECK(expiring.at("violations.ryw") > 0);
  CHECK(expiring.at("violations.ryw") < none.at("violations.ryw"));
  // Hole 2: another device (session) of the same user does not see it.
  const MetricMap devices = with({"workload.session.cache_ttl=60s", "workload.sessions_per_client=2"});
  CHECK(devices.at("violations.ryw") == 0);
  CHECK(devices.at("violations.ryw_client") > 0);
  // Hole 3: a cached write can hide a newer version the session already read.
  CHECK(cached.at("violations.mr") > 0);
}

TEST_CASE("monotonic-read tracking: fall back to another replica or the primary, or fail", "[sessions]") {
  const MetricMap plain = run("sessions-ryw-random.yaml");
  const MetricMap tracked = run("sessions-ryw-random.yaml", {"workload.session={guarantees: [mr], on_behind: redirect, fallback: primary}"});
  CHECK(plain.at("violations.mr") > 0);
  CHECK(tracked.at("violations.mr") == 0);
  CHECK(tracked.at("ops.retries") > 0);
  const MetricMap next = run("sessions-ryw-random.yaml", {"workload.session={guarantees: [mr], on_behind: redirect, fallback: next}"});
  CHECK(next.at("violations.mr") == 0);
  // No fallback: a replica that is behind fails the read.
  const MetricMap none = run("sessions-ryw-random.yaml", {"workload.session={guarantees: [mr], on_behind: redirect, fallback: none}"});
  CHECK(none.at("violations.mr") == 0);
  CHECK(none.at("ops.failed") > 0);
  CHECK(none.at("ops.retries") == 0);
  // Waiting instead: replicas hold reads until gossip catches them up (bounded).
  const MetricMap wait = run("sessions-ryw-random.yaml", {"workload.session={guarantees: [ryw, mr], on_behind: wait, max_wait: 3s, timeout: 5s}"});
  CHECK(wait.at("violations.mr") == 0);
  CHECK(wait.at("violations.ryw") == 0);
  CHECK(wait.at("ops.latency_p99_s") > 0.5);
}

TEST_CASE("partial quorums match PBS's closed form for k-staleness, strict quorums are never stale", "[sessions][quorum]") {
  const Scenario s = load("quorum-pbs.yaml");
  REQUIRE(s.section<ReplicationSpec>());
  const int n = s.section<ReplicationSpec>()->n, w = s.section<ReplicationSpec>()->w, r = s.section<ReplicationSpec>()->r;
  REQUIRE(n == 3);
  REQUIRE(w == 1);
  REQUIRE(r == 1);
  const MetricMap m = run(s);
  // Bailis et al. 2012: P(consistent) = 1 - C(N-W, R) / C(N, R); k versions: 1 - (C(N-W, R) / C(N, R))^k.
  const double miss = choose(n - w, r) / choose(n, r);
  CHECK(1 - miss == Approx(1.0 / 3));
  CHECK(m.at("staleness.reads") > 10000);  // 30 s / (1 ms think + 2 x 100 us to the replica and back): 25,000 ops, half reads
  CHECK(m.at("staleness.k1_fraction") == Approx(1 - miss).margin(0.02));
  CHECK(m.at("staleness.k2_fraction") == Approx(1 - miss * miss).margin(0.02));
  CHECK(m.at("staleness.k3_fraction") == Approx(1 - miss * miss * miss).margin(0.02));

  const MetricMap strict = run("quorum-strict.yaml");
  CHECK(strict.at("staleness.k1_fraction") == 1);
  CHECK(strict.at("violations.ryw") == 0);
  CHECK(strict.at("ops.failed") == 0);
  // A partition cuts the minority side's coordinators off from a write quorum.
  const MetricMap cut = run("quorum-strict.yaml", {"faults=[{at: 5s, partition: [[n0, n1], [n2, n3, n4]]}, {at: 12s, heal: all}]",
                                                   "workload.placement=nodes"});
  CHECK(cut.at("ops.partition_failed_fraction") > 0);
  CHECK(cut.at("ops.partition_failed_fraction") < 1);
  CHECK(cut.at("staleness.k1_fraction") == 1);  // strict quorums stay consistent: they pay in availability
}

TEST_CASE("the checkers give the same counts on the written ops.csv and applied.csv", "[sessions]") {
  const fs::path out = fs::temp_directory_path() / ("ecsim-sessions-" + std::to_string(::getpid()));
  fs::remove_all(out);
  for (const char* file : {"sessions-failover.yaml", "demo.yaml"}) {
    INFO(file);
    const Scenario s = load(file, {}, out.string());
    const MetricMap m = run(s, true);
    const History h = read_history_csv((out / "ops.csv").string(), (out / "applied.csv").string(), s.topology.node_names);
    const SessionCheckResult r = check_sessions(h);
    CHECK(static_cast<double>(r[Guarantee::ryw].violations) == m.at("violations.ryw"));
    CHECK(static_cast<double>(r[Guarantee::mr].violations) == m.at("violations.mr"));
    CHECK(static_cast<double>(r[Guarantee::mw].violations) == m.at("violations.mw"));
    CHECK(static_cast<double>(r[Guarantee::wfr].violations) == m.at("violations.wfr"));
    CHECK(m.at("violations.mw") + m.at("violations.ryw") > 0);  // something to agree on
    CHECK(fs::exists(out / "violations.csv"));
    CHECK(fs::exists(out / "staleness.csv"));
    fs::remove_all(out);
  }
}

TEST_CASE("session and replication keys load, default and fail with positions", "[sessions][loader]") {
  const Scenario s = load("sessions-failover-guarded.yaml");
  const WorkloadSpec& w = workload_of(s);
  CHECK(w.placement == Placement::regions);
  CHECK(w.session_guarantees == std::vector<std::string>{"ryw", "mr", "mw", "wfr"});
  CHECK(w.on_behind == BehindPolicy::wait);
  CHECK(w.max_wait_ns == 300 * kMillisecond);
  CHECK(w.fallback == Fallback::primary);
  CHECK(w.retries == 2);
  CHECK(w.op_timeout_ns == 2 * kSecond);
  CHECK(w.switch_every_ns == 0);
  const std::string text = resolved_config_yaml(s);
  CHECK_THAT(text, Catch::Contains("placement: regions"));
  CHECK_THAT(text, Catch::Contains("on_behind: wait"));

  const Scenario q = load("quorum-pbs.yaml");
  CHECK(q.section<ReplicationSpec>()->timeout_ns == kSecond);
  CHECK_THAT(resolved_config_yaml(q), Catch::Contains("replication: {n: 3, w: 1, r: 1, timeout: 1s}"));
  // Unset w and r default to majorities; n defaults to 3 or the node count.
  CHECK(load("quorum-pbs.yaml", {"protocols.replication={n: 3}"}).section<ReplicationSpec>()->w == 2);
  CHECK(load("quorum-pbs.yaml", {"protocols.replication={}"}).section<ReplicationSpec>()->n == 3);
  CHECK(load("quorum-pbs.yaml", {"topology.nodes=2", "protocols.replication={}"}).section<ReplicationSpec>()->n == 2);

  auto error = [&](const std::string& set) -> std::string {
    try {
      load("quorum-pbs.yaml", {set});
    } catch (const ScenarioError& e) {
      return e.what();
    }
    return "no error";
  };
  CHECK_THAT(error("protocols.replication.w=4"), Catch::Contains("--set:1:") && Catch::Contains("protocols.replication.w (4) must be between 1 and n (3)"));
  CHECK_THAT(error("protocols.replication.n=5"), Catch::Contains("protocols.replication.n (5) exceeds the number of nodes (3)"));
  CHECK_THAT(error("protocols.replication.timeout=0s"), Catch::Contains("must be positive"));
  CHECK_THAT(error("protocols.replication.quorum=2"), Catch::Contains("unknown key 'quorum'"));
  CHECK_THAT(error("workload.placement=region"), Catch::Contains("did you mean 'regions'"));
  CHECK_THAT(error("workload.session.on_behind=block"), Catch::Contains("expected one of: wait, redirect"));
  CHECK_THAT(error("workload.session.fallback=primry"), Catch::Contains("did you mean 'primary'"));
  CHECK_THAT(error("workload.session.retries=-1"), Catch::Contains("workload.session.retries"));
  CHECK_THAT(error("workload.session.timeout=0s"), Catch::Contains("workload.session.timeout must be positive"));
  CHECK_THAT(error("checks.staleness=maybe"), Catch::Contains("checks.staleness"));
}

TEST_CASE("MW and WFR are measured zeros without the apply order when no session can violate them", "[sessions]") {
  // lww-hlc.yaml: 4 nodes, gossip every 100 ms. c1 writes k0 at n0 at 1 s; c0 reads it at n0 at
  // 1.01 s; then a write of k1 at n1 at 1.02 s. n1 applies that write at once, long before the
  // next gossip brings k0 to n1.
  const std::string base = "explore/lww-hlc.yaml";
  const std::string first = "ops=[{at: 1s, client: c1, op: write, key: k0, value: a, node: n0}, "
                            "{at: 1010ms, client: c0, op: read, key: k0, node: n0}, ";
  // Written by c2, which read nothing and wrote once: no session can violate MW or WFR, so
  // the run keeps no apply order, and both are reported as checked zeros (not "not measured").
  const MetricMap other = run(base, {first + "{at: 1020ms, client: c2, op: write, key: k1, value: b, node: n1}]"});
  CHECK(other.at("violations.mw") == 0);
  CHECK(other.at("violations.wfr") == 0);
  CHECK(other.at("violations.wfr_sessions") == 0);
  // Written by c0, which read k0: n1 took c0's write before the write c0 had read: one WFR violation.
  const MetricMap same = run(base, {first + "{at: 1020ms, client: c0, op: write, key: k1, value: b, node: n1}]"});
  CHECK(same.at("violations.wfr") == 1);
  CHECK(same.at("violations.mw") == 0);
}
