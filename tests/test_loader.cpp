// Scenario loader: units, a full scenario, defaults, every class of bad
// input (message and exact position), --set overrides, resolved config.
#include <catch2/catch.hpp>

#include "test_util.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>

#include <yaml-cpp/yaml.h>

#include "protocols/clients/config.hpp"
#include "protocols/core/store_config.hpp"
#include "protocols/gossip/config.hpp"
#include "app/modules.hpp"
#include "sim/scenario_loader.hpp"
#include "sim/units.hpp"
#include "sim/yaml_path.hpp"

using namespace ecsim;

namespace {

using ecsim::test::TempDir;

// The error a load must raise; fails the test if it loads.
ScenarioError load_error(const std::string& file, const LoadOptions& options = {}) {
  try {
    load_scenario_with_modules(file, options);
  } catch (const ScenarioError& e) {
    return e;
  }
  FAIL("expected a ScenarioError from " << file);
  throw std::logic_error("unreachable");
}

// Loads a scenario written as `text` and returns the error it raises.
ScenarioError error_for(const std::string& text, const LoadOptions& options = {}) {
  TempDir dir;
  return load_error(dir.write("s.yaml", text), options);
}

const char* kMinimal = "name: t\nseed: 1\ntopology: {nodes: 5}\n";

}  // namespace

TEST_CASE("durations parse exactly into nanoseconds", "[units]") {
  CHECK(parse_duration("1.5s") == 1'500'000'000);
  CHECK(parse_duration("250us") == 250'000);
  CHECK(parse_duration("10ms") == 10'000'000);
  CHECK(parse_duration("500ns") == 500);
  CHECK(parse_duration("2m") == 120 * kSecond);
  CHECK(parse_duration("1h") == kHour);
  CHECK(parse_duration("0.1s") == 100'000'000);  // exact: no binary floating point
  CHECK(parse_duration("0.3s") == 300'000'000);
  CHECK(parse_duration(".5ms") == 500'000);
  CHECK(parse_duration("10 ms") == 10'000'000);
  CHECK(parse_duration("1.0000000005s") == 1'000'000'001);  // half rounds away from zero
  CHECK(parse_duration("1.0000000004s") == 1'000'000'000);
  CHECK(parse_duration("0.0000001ms") == 0);
  CHECK(parse_duration("0s") == 0);
  CHECK(parse_duration("-200ms", true) == -200'000'000);
  CHECK(parse_duration("2562047h") == 2562047 * kHour);  // close to the int64 limit

  CHECK_THROWS_WITH(parse_duration("10"), Catch::Contains("expected a duration with a unit, e.g. 10ms"));
  CHECK_THROWS_WITH(parse_duration("-200ms"), Catch::Contains("must not be negative"));
  // The grammar: a '+' sign is allowed; a '-' only where negatives are, "-0s" included.
  CHECK(parse_duration("+5ms") == 5'000'000);
  CHECK(parse_duration("-0s", true) == 0);
  CHECK_THROWS_WITH(parse_duration("-0s"), Catch::Contains("must not be negative"));
  CHECK_THROWS_WITH(parse_duration("5sec"), Catch::Contains("unknown unit 'sec'"));
  CHECK_THROWS_WITH(parse_duration("abc"), Catch::Contains("expected a duration like 10ms"));
  CHECK_THROWS_WITH(parse_duration(""), Catch::Contains("expected a duration like 10ms"));
  CHECK_THROWS_WITH(parse_duration("1.s"), Catch::Contains("expected a duration like 10ms"));
  CHECK_THROWS_WITH(parse_duration("2562048h"), Catch::Contains("too large"));
  CHECK_THROWS_WITH(parse_duration("99999999999999999999999s"), Catch::Contains("too large"));
}

TEST_CASE("durations format back readably and round-trip", "[units]") {
  CHECK(format_duration(1'500'000'000) == "1.5s");
  CHECK(format_duration(250'000) == "250us");
  CHECK(format_duration(120 * kSecond) == "2m");
  CHECK(format_duration(90 * kSecond) == "90s");
  CHECK(format_duration(kHour) == "1h");
  CHECK(format_duration(60 * kSecond) == "60s");
  CHECK(format_duration(0) == "0s");
  CHECK(format_duration(-200 * kMillisecond) == "-200ms");
  CHECK(format_duration(1) == "1ns");
  CHECK(format_duration(1'500) == "1.5us");
  CHECK(format_duration(1'234'567) == "1234.567us");
  for (SimTime t : {SimTime{1}, SimTime{999}, SimTime{1'001}, SimTime{123'456'789}, 61 * kSecond, 7 * kHour + 1,
                    -5 * kMillisecond, std::numeric_limits<SimTime>::max()})
    CHECK(parse_duration(format_duration(t), true) == t);
}

TEST_CASE("rates parse per second", "[units]") {
  CHECK(parse_rate_per_s("200/s") == 200.0);
  CHECK(parse_rate_per_s("5/ms") == 5000.0);
  CHECK(parse_rate_per_s("30/m") == 0.5);
  CHECK(parse_rate_per_s("0.5/s") == 0.5);
  CHECK_THROWS_WITH(parse_rate_per_s("200"), Catch::Contains("expected a rate like 200/s"));
  CHECK_THROWS_WITH(parse_rate_per_s("-1/s"), Catch::Contains("must not be negative"));
  CHECK_THROWS_WITH(parse_rate_per_s("1/year"), Catch::Contains("unknown unit"));
  CHECK(format_rate(200.0) == "200/s");
}

TEST_CASE("a full scenario loads with every value resolved", "[loader]") {
  TempDir dir;
  dir.write("data/lat.csv", "host,rtt_ms\na,10\nb,12.5\nc,40\n");
  const std::string path = dir.write("full.yaml", R"(
name: gossip-partition-heal
seed: 42
duration: 60s
stop: quiescent
topology:
  regions:
    - {name: us-east, nodes: 3}
    - {name: eu-west, nodes: 2}
  graph: {small_world: {k: 2, p: 0.1}}
  latency: {dist: lognormal, median: 2ms, sigma: 0.3}
  links:
    - {from: us-east, to: eu-west, latency: {dist: constant, value: 40ms}}
    - {from: [us-east-0], to: eu-west-1, latency: {dist: empirical, file: data/lat.csv, column: rtt_ms, unit: ms}, oneway: true}
network:
  loss: 0.01
  duplicate: 0.001
  fifo: true
clocks:
  skew: {dist: uniform, min: -50ms, max: 50ms}
  drift_ppm: {dist: uniform, min: -100, max: 100}
store:
  type: lww
  timestamps: hlc
  keys: 1000
protocols:
  gossip: {interval: 1.5s, fanout: 2, mode: push-pull, phase: aligned}
workload:
  clients: 10
  sessions_per_client: 2
  rate: 100/s
  mix: {read: 4, write: 1}
  keys: {dist: zipf, s: 0.99}
  start: 250us
  stop: 30s
  routing: sticky
  session:
    guarantees: [ryw, mr]
    cache_ttl: 30s
  client_latency: {dist: normal, mean: 1ms, stddev: 200us}
ops:
  - {at: 2s,   client: c1, op: write, key: hits, value: 5}
  - {at: 0s,   client: c0, op: write, key: k0, value: 1, node: us-east-0}
  - {at: 1ms,  client: c0, op: read,  key: k0}
  - {at: 0s,   client: c2, op: read,  key: k1}
faults:
  - {at: 10s, partition: [[us-east], [eu-west]]}
  - {at: 12s, partition: {from: [us-east-0], to: [eu-west-0]}, oneway: true}
  - {at: 20s, heal: all}
  - {at: 15s, crash: us-east-2, restart_after: 5s, lose_state: true}
  - {at: 25s, restart: us-east-2}
  - {at: 5s,  loss: 0.3, until: 8s}
  - {at: 0s,  clock: eu-west-1, offset: -200ms, drift_ppm: 50}
  - {at: 30s, flapping: {nodes: [us-east-1], period: 2s, until: 40s}}
  - {at: 31s, partition: [us-east-0]}
  - {at: 6s,  duplicate: 0.2, until: 9s}
checks:
  convergence: true
  session: [ryw, mr, mw, wfr]
  lost_writes: false
  expect:
    - "convergence.time_s < 5"
    - "violations.ryw == 0"
output:
  dir: out/custom
  traces: [ops, summary]
)");
  const Scenario s = load_scenario_with_modules(path);
  CHECK(s.name == "gossip-partition-heal");
  CHECK(s.seed == 42);
  CHECK(s.source_file == path);
  CHECK(s.duration_ns == 60 * kSecond);
  CHECK(s.stop == StopMode::quiescent);

  const TopologySpec& t = s.topology;
  CHECK(t.nodes == 5);
  REQUIRE(t.regions.size() == 2);
  CHECK(t.regions[1].name == "eu-west");
  CHECK(t.regions[1].nodes == 2);
  CHECK(t.regions[1].first_node == 3);
  CHECK(t.node_names == std::vector<std::string>{"us-east-0", "us-east-1", "us-east-2", "eu-west-0", "eu-west-1"});
  CHECK(t.node_region == std::vector<int>{0, 0, 0, 1, 1});
  CHECK(t.graph == GraphKind::small_world);
  CHECK(t.k == 2);
  CHECK(t.p == 0.1);
  CHECK(t.latency.kind == Distribution::Kind::lognormal);
  CHECK(t.latency.a == 2e6);
  CHECK(t.latency.b == 0.3);
  REQUIRE(t.links.size() == 2);
  CHECK(t.links[0].from == std::vector<NodeId>{0, 1, 2});
  CHECK(t.links[0].to == std::vector<NodeId>{3, 4});
  CHECK(t.links[0].latency.a == 40e6);
  CHECK_FALSE(t.links[0].oneway);
  CHECK(t.links[1].from == std::vector<NodeId>{0});
  CHECK(t.links[1].to == std::vector<NodeId>{4});
  CHECK(t.links[1].oneway);
  CHECK(t.links[1].latency.kind == Distribution::Kind::empirical);
  REQUIRE(t.links[1].latency.samples);
  CHECK(*t.links[1].latency.samples == std::vector<double>{10e6, 12.5e6, 40e6});
  CHECK(t.links[1].latency.source == "data/lat.csv:rtt_ms");

  CHECK(s.network.loss == 0.01);
  CHECK(s.network.duplicate == 0.001);
  CHECK(s.network.fifo);
  CHECK(s.clocks.skew.kind == Distribution::Kind::uniform);
  CHECK(s.clocks.skew.a == -50e6);
  CHECK(s.clocks.skew.b == 50e6);
  CHECK(s.clocks.drift_ppm.a == -100.0);
  CHECK(s.clocks.drift_ppm.b == 100.0);
  CHECK(store_of(s).type == StoreType::lww);
  CHECK(store_of(s).timestamps == TimestampKind::hlc);
  CHECK(store_of(s).keys == 1000);

  REQUIRE(s.section<GossipSpec>());
  CHECK(s.section<GossipSpec>()->interval_ns == 1'500'000'000);
  CHECK(s.section<GossipSpec>()->fanout == 2);
  CHECK(s.section<GossipSpec>()->mode == GossipMode::push_pull);
  CHECK(s.section<GossipSpec>()->aligned_phase);

  const WorkloadSpec& w = workload_of(s);
  CHECK(w.clients == 10);
  CHECK(w.sessions_per_client == 2);
  CHECK(w.rate_per_s == 100.0);
  CHECK_FALSE(w.closed);
  CHECK(w.mix.at(OpKind::read) == Approx(0.8));
  CHECK(w.mix.at(OpKind::write) == Approx(0.2));
  CHECK(w.zipf_keys);
  CHECK(w.zipf_s == 0.99);
  CHECK(w.start_ns == 250'000);
  CHECK(w.stop_ns == 30 * kSecond);
  CHECK(w.routing == Routing::sticky);
  CHECK(w.session_guarantees == std::vector<std::string>{"ryw", "mr"});
  CHECK(w.cache_ttl_ns == 30 * kSecond);
  REQUIRE(w.client_latency);
  CHECK(w.client_latency->kind == Distribution::Kind::normal);
  CHECK(w.client_latency->a == 1e6);
  CHECK(w.client_latency->b == 200e3);

  // Stable-sorted by time: the two at-0s ops keep their file order.
  REQUIRE(ops_of(s).size() == 4);
  CHECK(ops_of(s)[0].client == "c0");
  CHECK(ops_of(s)[0].node == 0);
  CHECK(ops_of(s)[0].value == "1");
  CHECK(ops_of(s)[0].pos.line == 43);
  CHECK(ops_of(s)[0].pos.column == 5);
  CHECK(ops_of(s)[1].client == "c2");
  CHECK(ops_of(s)[1].node == kNoNode);
  CHECK(ops_of(s)[2].at_ns == kMillisecond);
  CHECK(ops_of(s)[3].key == "hits");
  CHECK(ops_of(s)[3].value == "5");

  REQUIRE(s.faults.size() == 10);
  const auto& part = s.faults[0];
  CHECK(part.kind == FaultSpec::Kind::partition);
  CHECK(part.at_ns == 10 * kSecond);
  CHECK(part.groups == std::vector<std::vector<NodeId>>{{0, 1, 2}, {3, 4}});
  CHECK(part.pos.line == 47);
  CHECK(s.faults[1].from == std::vector<NodeId>{0});
  CHECK(s.faults[1].to == std::vector<NodeId>{3});
  CHECK(s.faults[1].oneway);
  CHECK(s.faults[1].groups.empty());
  CHECK(s.faults[2].kind == FaultSpec::Kind::heal);
  CHECK(s.faults[3].kind == FaultSpec::Kind::crash);
  CHECK(s.faults[3].node == 2);
  CHECK(s.faults[3].restart_after_ns == 5 * kSecond);
  CHECK(s.faults[3].lose_state);
  CHECK(s.faults[4].kind == FaultSpec::Kind::restart);
  CHECK(s.faults[5].loss == 0.3);
  CHECK(s.faults[5].until_ns == 8 * kSecond);
  CHECK(s.faults[6].node == 4);
  CHECK(s.faults[6].offset_ns == -200 * kMillisecond);
  CHECK(s.faults[6].drift_ppm == 50.0);
  CHECK(s.faults[7].nodes == std::vector<NodeId>{1});
  CHECK(s.faults[7].period_ns == 2 * kSecond);
  CHECK(s.faults[7].until_ns == 40 * kSecond);
  CHECK(s.faults[9].kind == FaultSpec::Kind::duplicate);
  CHECK(s.faults[9].duplicate == 0.2);
  CHECK(s.faults[9].until_ns == 9 * kSecond);
  // Unlisted nodes form one more group, written out.
  CHECK(s.faults[8].groups == std::vector<std::vector<NodeId>>{{0}, {1, 2, 3, 4}});

  CHECK(s.checks.convergence);
  CHECK(s.checks.session.size() == 4);
  CHECK_FALSE(s.checks.lost_writes);
  REQUIRE(s.checks.expect.size() == 2);
  CHECK(s.checks.expect[1].text == "violations.ryw == 0");
  CHECK(s.checks.expect[1].pos.line == 63);
  CHECK(s.checks.expect[1].pos.column == 7);
  CHECK(s.output.dir == "out/custom");
  CHECK(s.output.traces == std::vector<std::string>{"ops", "summary"});
  CHECK_FALSE(s.output.has("events"));

  SECTION("the resolved configuration reloads to the same configuration") {
    const std::string text = resolved_config_yaml(s);
    CHECK_THAT(text, Catch::Contains("duration: 60s"));
    CHECK_THAT(text, Catch::Contains("interval: 1.5s"));
    CHECK_THAT(text, Catch::Contains("start: 250us"));
    CHECK_THAT(text, Catch::Contains("partition: [[us-east], [eu-west]]"));
    CHECK_THAT(text, Catch::Contains("{at: 6s, duplicate: 0.2, until: 9s}"));
    CHECK_THAT(text, Catch::Contains("source: data/lat.csv:rtt_ms"));
    // Empirical samples are not re-readable from the summary; swap that link out.
    Scenario copy = s;
    copy.topology.links[1].latency = Distribution::constant(3.0 * kMillisecond);
    const std::string first = resolved_config_yaml(copy);
    TempDir again;
    const Scenario reloaded = load_scenario_with_modules(again.write("resolved.yaml", first));
    CHECK(resolved_config_yaml(reloaded) == first);
  }
}

TEST_CASE("defaults fill every optional value", "[loader]") {
  TempDir dir;
  const Scenario s = load_scenario_with_modules(dir.write("min.yaml", kMinimal));
  CHECK(s.duration_ns == 60 * kSecond);
  CHECK(s.stop == StopMode::duration);
  CHECK(s.topology.nodes == 5);
  CHECK(s.topology.node_names.back() == "n4");
  CHECK(s.topology.node_region == std::vector<int>(5, 0));
  CHECK(s.topology.regions.empty());
  CHECK(s.topology.graph == GraphKind::complete);
  CHECK(s.topology.latency.kind == Distribution::Kind::constant);
  CHECK(s.topology.latency.a == 1e6);
  CHECK(s.network.loss == 0.0);
  CHECK_FALSE(s.network.fifo);
  CHECK(s.clocks.skew.a == 0.0);
  CHECK(store_of(s).type == StoreType::lww);
  CHECK(store_of(s).timestamps == TimestampKind::hlc);
  CHECK(store_of(s).keys == 1000);
  CHECK_FALSE(s.section<GossipSpec>());
  CHECK(workload_of(s).clients == 0);
  CHECK(workload_of(s).stop_ns == 60 * kSecond);
  CHECK(workload_of(s).mix.at(OpKind::read) == 0.5);
  CHECK(workload_of(s).mix.at(OpKind::write) == 0.5);
  CHECK_FALSE(workload_of(s).client_latency);  // absent: the network's latency
  CHECK(ops_of(s).empty());
  CHECK(s.faults.empty());
  CHECK(s.checks.convergence);
  CHECK(s.checks.lost_writes);
  CHECK(s.checks.session == std::vector<std::string>{"ryw", "mr", "mw", "wfr"});
  CHECK(s.checks.staleness);
  CHECK(s.output.dir == "out/t/seed-1");
  CHECK(s.output.traces ==
        std::vector<std::string>{"events", "ops", "applied", "convergence", "staleness", "violations", "summary"});

  const Scenario g = load_scenario_with_modules(dir.write("g.yaml", std::string(kMinimal) +
                                                            "protocols: {gossip: }\nstore: {type: pncounter}\n"
                                                            "workload: {clients: 2, closed: true, client_latency: 1ms}\n"));
  REQUIRE(g.section<GossipSpec>());
  CHECK(g.section<GossipSpec>()->interval_ns == kSecond);
  CHECK(g.section<GossipSpec>()->fanout == 1);
  CHECK(g.section<GossipSpec>()->mode == GossipMode::push_pull);
  CHECK_FALSE(g.section<GossipSpec>()->aligned_phase);
  CHECK(workload_of(g).closed);
  CHECK(workload_of(g).mix.at(OpKind::incr) == 0.25);
  CHECK(workload_of(g).mix.at(OpKind::decr) == 0.25);
  CHECK(workload_of(g).think_time.a == 0.0);  // default; with client_latency 0 too it is refused (test_robustness.cpp)
}

TEST_CASE("graph forms and edge files", "[loader]") {
  TempDir dir;
  dir.write("edges.csv", "from,to\nn0,n1\n1,2\n# a comment\nn3,n2\nn1,n0\n");
  auto graph_of = [&](const std::string& graph) {
    return load_scenario_with_modules(dir.write("g.yaml", "name: g\nseed: 1\ntopology: {nodes: 4, graph: " + graph + "}\n")).topology;
  };
  CHECK(graph_of("ring").graph == GraphKind::ring);
  CHECK(graph_of("star").graph == GraphKind::star);
  CHECK(graph_of("{erdos_renyi: {p: 0.25}}").p == 0.25);
  CHECK(graph_of("{type: erdos_renyi, p: 0.5}").p == 0.5);
  const auto sw = graph_of("{type: small_world, k: 2, p: 0.2}");
  CHECK(sw.graph == GraphKind::small_world);
  CHECK(sw.k == 2);
  const auto f = graph_of("{file: edges.csv}");
  CHECK(f.graph == GraphKind::file);
  CHECK(f.edges_file == (dir.path / "edges.csv").string());
  // Undirected, normalised, de-duplicated.
  CHECK(f.file_edges == std::vector<std::pair<NodeId, NodeId>>{{0, 1}, {1, 2}, {2, 3}});
  CHECK(graph_of("{type: file, file: edges.csv}").file_edges.size() == 3);
}

TEST_CASE("time costs: bandwidths, servers and service times are checked where they are written", "[loader]") {
  const std::string base = "name: t\nseed: 1\ntopology: {nodes: 3}\n";
  const auto unit = error_for(base + "network: {bandwidth: {egress: 100Mbps}}\n");
  CHECK((unit.line() == 4 && unit.column() == 31));
  CHECK_THAT(unit.what(), Catch::Contains("unknown unit 'Mbps' in bandwidth '100Mbps'"));
  CHECK_THAT(error_for(base + "network: {bandwidth: {ingress: 0Gbit/s}}\n").what(),
             Catch::Contains("bandwidth must be positive, got '0Gbit/s'"));
  CHECK_THAT(error_for(base + "network: {bandwidth: {ingress: -5MB/s}}\n").what(),
             Catch::Contains("expected a bandwidth like 1Gbit/s or 10MB/s, got '-5MB/s'"));
  CHECK_THAT(error_for(base + "network: {bandwidth: {ingress: 100}}\n").what(), Catch::Contains("a bandwidth needs a unit"));
  CHECK_THAT(error_for(base + "replicas: {servers: 0}\n").what(), Catch::Contains("replicas.servers must be between 1 and 1024, got 0"));
  CHECK_THAT(error_for(base + "replicas: {service: {read: -1ms}}\n").what(), Catch::Contains("replicas.service.read: a read service time cannot be negative, got -1ms"));
  CHECK_THAT(error_for(base + "replicas: {service: {write: {dist: normal, mean: 1ms, stddev: 1ms}}}\n").what(),
             Catch::Contains("a normal service time needs mean >= 3 stddev"));
  CHECK_THAT(error_for(base + "replicas: {service: {merge: 1ms, rread: 1ms}}\n").what(), Catch::Contains("did you mean 'read'"));
  // Exact values: 100 Mbit/s is 12.5 MB/s; 1.5kB/s is 1500 B/s.
  TempDir dir;
  const Scenario s = load_scenario_with_modules(dir.write("ok.yaml", base + "network: {bandwidth: {egress: 100Mbit/s, ingress: 1.5kB/s}}\nreplicas: {servers: 2}\n"));
  CHECK(s.network.egress_Bps == 12.5e6);
  CHECK(s.network.ingress_Bps == 1500.0);
  CHECK(s.replicas.servers == 2);
  CHECK(parse_bandwidth_Bps("1Gbit/s") == 125e6);
  CHECK(format_bandwidth(12.5e6) == "100Mbit/s");
  CHECK(format_bandwidth(1500.0) == "12kbit/s");
}

TEST_CASE("bad input points at the offending node", "[loader][errors]") {
  SECTION("unknown key with did-you-mean, exact position") {
    const auto e = error_for(std::string(kMinimal) +
                             "protocols:\n"
                             "  gossip:\n"
                             "    interval: 1s\n"
                             "    fanuot: 2\n");
    CHECK(e.line() == 7);
    CHECK(e.column() == 5);
    CHECK_THAT(e.what(), Catch::EndsWith(":7:5: error: unknown key 'fanuot' in protocols.gossip (did you mean 'fanout'?)"));
    CHECK_THAT(e.file(), Catch::EndsWith("s.yaml"));
  }
  SECTION("unknown top-level key") {
    const auto e = error_for("name: t\nseed: 1\ntopolgy: {nodes: 5}\n");
    CHECK(e.line() == 3);
    CHECK(e.column() == 1);
    CHECK_THAT(e.what(), Catch::Contains("unknown key 'topolgy' at the top level (did you mean 'topology'?)"));
  }
  SECTION("unknown key with no close match lists the keys") {
    const auto e = error_for(std::string(kMinimal) + "network: {zzz: 1}\n");
    CHECK_THAT(e.what(), Catch::Contains("unknown key 'zzz' in network (expected one of: loss, duplicate, fifo, bandwidth)"));
  }
  SECTION("probability out of range") {
    const auto e = error_for(std::string(kMinimal) + "network:\n  loss: 1.5\n");
    CHECK(e.line() == 5);
    CHECK(e.column() == 9);
    CHECK_THAT(e.what(), Catch::EndsWith("error: network.loss must be a probability in [0, 1], got 1.5"));
  }
  SECTION("unknown node in a fault") {
    const auto e = error_for(std::string(kMinimal) + "faults:\n  - {at: 1s, crash: n9}\n");
    CHECK(e.line() == 5);
    CHECK(e.column() == 21);
    CHECK_THAT(e.what(), Catch::EndsWith("error: unknown node 'n9' in fault (nodes are n0..n4)"));
  }
  SECTION("unknown region in a partition, with did-you-mean") {
    const auto e = error_for("name: t\nseed: 1\ntopology:\n  regions: [{name: us-east, nodes: 2}, {name: eu-west, nodes: 1}]\n"
                             "faults:\n  - {at: 1s, partition: [[us-east], [eu-wset]]}\n");
    CHECK(e.line() == 6);
    CHECK(e.column() == 38);
    CHECK_THAT(e.what(), Catch::Contains("unknown node or region 'eu-wset' in fault (regions are us-east, eu-west; "
                                         "nodes are us-east-0..us-east-1, eu-west-0) (did you mean 'eu-west'?)"));
  }
  SECTION("fault after the duration") {
    const auto e = error_for(std::string(kMinimal) + "faults:\n  - {at: 90s, heal: all}\n");
    CHECK(e.line() == 5);
    CHECK(e.column() == 10);
    CHECK_THAT(e.what(), Catch::EndsWith("error: fault at 90s is after duration 60s"));
  }
  SECTION("until before at") {
    const auto e = error_for(std::string(kMinimal) + "faults:\n  - {at: 9s, loss: 0.3, until: 8s}\n");
    CHECK(e.line() == 5);
    CHECK_THAT(e.what(), Catch::Contains("faults[0].until (8s) is before the fault's at (9s)"));
  }
  SECTION("a duplication window takes a probability") {
    CHECK_THAT(error_for(std::string(kMinimal) + "faults:\n  - {at: 1s, duplicate: 1.5}\n").what(),
               Catch::Contains("5:25: error: faults[0].duplicate must be a probability in [0, 1], got 1.5"));
  }
  SECTION("until after the duration") {
    CHECK_THAT(error_for(std::string(kMinimal) + "faults:\n  - {at: 9s, loss: 0.3, until: 80s}\n").what(),
               Catch::Contains("faults[0].until (80s) is after duration 60s"));
  }
  SECTION("flapping until before at") {
    const auto e = error_for(std::string(kMinimal) + "faults:\n  - {at: 9s, flapping: {nodes: [n1], period: 2s, until: 1s}}\n");
    CHECK_THAT(e.what(), Catch::Contains("faults[0].flapping.until (1s) is before the fault's at (9s)"));
  }
  SECTION("a fault with two actions, and keys that do not apply") {
    CHECK_THAT(error_for(std::string(kMinimal) + "faults:\n  - {at: 1s, crash: n1, loss: 0.2}\n").what(),
               Catch::Contains("a fault is one action; 'crash' and 'loss' need separate list entries"));
    CHECK_THAT(error_for(std::string(kMinimal) + "faults:\n  - {at: 1s, crash: n1, until: 2s}\n").what(),
               Catch::Contains("'until' does not apply to a crash fault"));
    CHECK_THAT(error_for(std::string(kMinimal) + "faults:\n  - {at: 1s, crsh: n1}\n").what(),
               Catch::Contains("unknown key 'crsh' in faults[0] (did you mean 'crash'?)"));
    CHECK_THAT(error_for(std::string(kMinimal) + "faults:\n  - {at: 1s, partition: [[n0, n1], [n1]]}\n").what(),
               Catch::Contains("node 'n1' is in two partition groups"));
    CHECK_THAT(error_for(std::string(kMinimal) + "faults:\n  - {at: 1s, clock: n1}\n").what(),
               Catch::Contains("a clock fault needs offset"));
  }
  SECTION("empirical file not found names where it looked") {
    TempDir dir;
    const std::string path = dir.write("e.yaml", "name: t\nseed: 1\ntopology:\n  nodes: 2\n"
                                                 "  latency: {dist: empirical, file: lat.csv, column: rtt_ms, unit: ms}\n");
    const auto err = load_error(path);
    CHECK(err.line() == 5);
    CHECK(err.column() == 36);
    CHECK_THAT(err.what(), Catch::Contains("error: empirical latency file 'lat.csv' not found (looked in " +
                                           (dir.path / "lat.csv").string() + ")"));
  }
  SECTION("empirical file problems") {
    TempDir dir;
    dir.write("empty.csv", "rtt_ms\n");
    dir.write("lat.csv", "rtt_ms,host\n1,a\n");
    dir.write("bad.csv", "rtt_ms\n1\nx\n");
    auto with = [&](const std::string& dist) {
      return load_error(dir.write("e.yaml", "name: t\nseed: 1\ntopology:\n  nodes: 2\n  latency: " + dist + "\n"));
    };
    CHECK_THAT(with("{dist: empirical, file: empty.csv, column: rtt_ms, unit: ms}").what(),
               Catch::Contains("empirical latency file 'empty.csv' has no samples"));
    const auto col = with("{dist: empirical, file: lat.csv, column: rtt, unit: ms}");
    CHECK(col.column() == 53);
    CHECK_THAT(col.what(), Catch::Contains("column 'rtt' not found in empirical latency file 'lat.csv' (its columns: "
                                           "rtt_ms, host) (did you mean 'rtt_ms'?)"));
    CHECK_THAT(with("{dist: empirical, file: bad.csv, column: rtt_ms, unit: ms}").what(),
               Catch::Contains("'bad.csv' line 3: expected a number in column 'rtt_ms', got 'x'"));
    CHECK_THAT(with("{dist: empirical, file: lat.csv, column: rtt_ms}").what(),
               Catch::Contains("missing required key 'unit' in topology.latency"));
    CHECK_THAT(with("{dist: empirical, file: lat.csv, column: rtt_ms, unit: sec}").what(),
               Catch::Contains("expected one of: ns, us, ms, s, m, h, got 'sec'"));
  }
  SECTION("durations need units") {
    const auto e = error_for("name: t\nseed: 1\nduration: 60\ntopology: {nodes: 5}\n");
    CHECK(e.line() == 3);
    CHECK(e.column() == 11);
    CHECK_THAT(e.what(), Catch::Contains("duration: expected a duration with a unit, e.g. 10ms, got '60'"));
  }
  SECTION("no node cap but the type's: node counts are 32-bit signed integers") {
    const auto nodes = error_for("name: t\nseed: 1\ntopology: {nodes: 2147483648}\n");
    CHECK(nodes.line() == 3);
    CHECK(nodes.column() == 19);
    CHECK_THAT(nodes.what(), Catch::Contains("a topology has at most 2147483647 nodes (node counts are 32-bit signed "
                                             "integers); topology.nodes gives 2147483648"));
    // The regions' sum, at the region that takes it past the limit.
    const auto sum = error_for("name: t\nseed: 1\ntopology:\n  regions: [{name: a, nodes: 2000000000}, {name: b, nodes: "
                               "200000000}]\n");
    CHECK(sum.line() == 4);
    CHECK(sum.column() == 60);
    CHECK_THAT(sum.what(), Catch::Contains("topology.regions[1].nodes gives 2200000000"));
  }
  SECTION("wrong types name what was expected") {
    CHECK_THAT(error_for(std::string(kMinimal) + "protocols: {gossip: {fanout: two}}\n").what(),
               Catch::Contains("protocols.gossip.fanout: expected an integer, got 'two'"));
    CHECK_THAT(error_for(std::string(kMinimal) + "protocols: {gossip: {fanout: 0}}\n").what(),
               Catch::Contains("protocols.gossip.fanout must be between 1 and 2147483647, got 0"));
    const auto mode = error_for(std::string(kMinimal) + "protocols: {gossip: {mode: psh}}\n");
    CHECK(mode.line() == 4);
    CHECK(mode.column() == 28);
    CHECK_THAT(mode.what(), Catch::Contains("protocols.gossip.mode: expected one of: push, pull, push-pull, got 'psh' "
                                            "(did you mean 'push'?)"));
    CHECK_THAT(error_for(std::string(kMinimal) + "protocols: {gossip: {interval: 1s}}\nnetwork: {fifo: maybe}\n").what(),
               Catch::Contains("network.fifo: expected true or false, got 'maybe'"));
    CHECK_THAT(error_for(std::string(kMinimal) + "network: [1, 2]\n").what(),
               Catch::Contains("network: expected a map (key: value), got a list"));
    CHECK_THAT(error_for(std::string(kMinimal) + "store: {type: lwww}\n").what(),
               Catch::Contains("(did you mean 'lww'?)"));
    CHECK_THAT(error_for(std::string(kMinimal) + "store: {keys: 0}\n").what(),
               Catch::Contains("store.keys must be between 1 and"));
  }
  SECTION("an empty value points at its key") {
    const auto e = error_for(std::string(kMinimal) + "network:\n  loss:\n  fifo: true\n");
    CHECK(e.line() == 5);
    CHECK(e.column() == 3);
    CHECK_THAT(e.what(), Catch::Contains("network.loss: expected a probability in [0, 1], got nothing"));
  }
  SECTION("bad distributions") {
    auto lat = [](const std::string& d) {
      return error_for("name: t\nseed: 1\ntopology: {nodes: 2, latency: " + d + "}\n");
    };
    CHECK_THAT(lat("{dist: constant, value: -1ms}").what(),
               Catch::Contains("topology.latency.value: a latency cannot be negative, got -1ms"));
    CHECK_THAT(lat("{dist: uniform, min: -1ms, max: 2ms}").what(), Catch::Contains("a latency cannot be negative"));
    CHECK_THAT(lat("{dist: normal, mean: -1ms, stddev: 2ms}").what(), Catch::Contains("a latency cannot be negative"));
    const auto minmax = lat("{dist: uniform, min: 15ms, max: 5ms}");
    CHECK(minmax.column() == 63);
    CHECK_THAT(minmax.what(), Catch::Contains("topology.latency: min (15ms) is greater than max (5ms)"));
    CHECK_THAT(lat("{dist: uniform, min: 1ms, mx: 2ms}").what(),
               Catch::Contains("unknown key 'mx' in topology.latency (did you mean 'max'?)"));
    CHECK_THAT(lat("{dist: lognormel, median: 2ms, sigma: 0.3}").what(), Catch::Contains("(did you mean 'lognormal'?)"));
    CHECK_THAT(lat("{median: 2ms}").what(), Catch::Contains("a distribution needs 'dist'"));
    CHECK_THAT(lat("{dist: pareto, scale: 5ms, shape: 0}").what(),
               Catch::Contains("topology.latency.shape must be positive, got 0"));
    CHECK_THAT(lat("{dist: exponential, mean: 10}").what(), Catch::Contains("expected a duration with a unit"));
    CHECK_THAT(lat("[1ms]").what(), Catch::Contains("expected a distribution like {dist: constant, value: 10ms}"));
    // Drift is a plain number: units are wrong there, and negative is fine.
    CHECK_THAT(error_for(std::string(kMinimal) + "clocks: {drift_ppm: {dist: constant, value: 5ms}}\n").what(),
               Catch::Contains("clocks.drift_ppm.value: expected a number, got '5ms'"));
  }
  SECTION("merkle parameters, store.merge, cart lines and unknown protocols") {
    const auto m = error_for(std::string(kMinimal) + "protocols:\n  merkle: {interval: 10s, leaves: 0}\n");
    CHECK(m.line() == 5);
    CHECK(m.column() == 35);
    CHECK_THAT(m.what(), Catch::Contains("protocols.merkle.leaves must be between 1 and"));
    CHECK_THAT(error_for(std::string(kMinimal) + "protocols: {merkle: {fanuot: 4}}\n").what(),
               Catch::Contains("unknown key 'fanuot' in protocols.merkle (did you mean 'fanout'?)"));
    CHECK_THAT(error_for(std::string(kMinimal) + "protocols: {merkle: {fanout: 1}}\n").what(),
               Catch::Contains("protocols.merkle.fanout must be between 2 and"));
    CHECK_THAT(error_for(std::string(kMinimal) + "store: {type: orset, merge: union-max}\n").what(),
               Catch::Contains("store.merge applies only to store.type cart (this store is orset)"));
    CHECK_THAT(error_for(std::string(kMinimal) + "store: {type: cart, merge: union_max}\n").what(),
               Catch::Contains("(did you mean 'union-max'?)"));
    CHECK_THAT(error_for(std::string(kMinimal) + "store: {type: cart}\nops:\n  - {at: 0s, client: c0, op: add, key: k, value: 'apple:0'}\n").what(),
               Catch::Contains("a cart line is 'item' or 'item:quantity' with a whole quantity >= 1, got 'apple:0'"));
    CHECK_THAT(error_for(std::string(kMinimal) + "protocols: {gosip: {}}\n").what(),
               Catch::Contains("unknown protocol 'gosip' in protocols (did you mean 'gossip'?)"));
  }
  SECTION("workload mix and ops are checked against the store type") {
    CHECK_THAT(error_for(std::string(kMinimal) + "workload: {clients: 1, rate: 1/s, mix: {read: 1, incr: 1}}\n").what(),
               Catch::Contains("workload.mix.incr: op 'incr' does not apply to a lww store (its ops: read, write)"));
    CHECK_THAT(error_for(std::string(kMinimal) + "store: {type: gcounter}\nworkload: {clients: 1, rate: 1/s, mix: {decr: 1}}\n").what(),
               Catch::Contains("op 'decr' does not apply to a gcounter store (its ops: read, incr)"));
    CHECK_THAT(error_for(std::string(kMinimal) + "workload: {clients: 1, rate: 1/s, mix: {read: 0, write: 0}}\n").what(),
               Catch::Contains("workload.mix: at least one weight must be positive"));
    CHECK_THAT(error_for(std::string(kMinimal) + "workload: {clients: 1, rate: 1/s, mix: {raed: 1}}\n").what(),
               Catch::Contains("(did you mean 'read'?)"));
    CHECK_THAT(error_for(std::string(kMinimal) + "workload: {clients: 1}\n").what(),
               Catch::Contains("workload.rate is required for an open-loop workload"));
    CHECK_THAT(error_for(std::string(kMinimal) + "workload: {clients: 1, rate: 100}\n").what(),
               Catch::Contains("workload.rate: expected a rate like 200/s, got '100'"));
    CHECK_THAT(error_for(std::string(kMinimal) + "workload: {clients: 1, closed: true, rate: 1/s}\n").what(),
               Catch::Contains("workload.rate applies to an open-loop workload"));
    CHECK_THAT(error_for(std::string(kMinimal) + "workload: {clients: 1, rate: 1/s, stop: 61s}\n").what(),
               Catch::Contains("workload.stop at 61s is after duration 60s"));
    CHECK_THAT(error_for(std::string(kMinimal) + "workload: {clients: 1, rate: 1/s, start: 10s, stop: 5s}\n").what(),
               Catch::Contains("workload.start (10s) is after workload.stop (5s)"));
    CHECK_THAT(error_for(std::string(kMinimal) + "workload: {clients: 1, rate: 1/s, session: {guarantees: [ryw, mrr]}}\n").what(),
               Catch::Contains("expected one of: ryw, mr, mw, wfr, got 'mrr' (did you mean 'mr'?)"));
    const auto op = error_for(std::string(kMinimal) + "ops:\n  - {at: 1s, client: c0, op: incr, key: k}\n");
    CHECK(op.line() == 5);
    CHECK(op.column() == 30);
    CHECK_THAT(op.what(), Catch::Contains("ops[0].op: op 'incr' does not apply to a lww store"));
    CHECK_THAT(error_for(std::string(kMinimal) + "ops:\n  - {at: 61s, client: c0, op: read, key: k}\n").what(),
               Catch::Contains("op at 61s is after duration 60s"));
    CHECK_THAT(error_for(std::string(kMinimal) + "ops:\n  - {at: 1s, client: c0, op: read, key: k, node: n7}\n").what(),
               Catch::Contains("unknown node 'n7' in ops[0].node (nodes are n0..n4)"));
    CHECK_THAT(error_for(std::string(kMinimal) + "ops:\n  - {at: 1s, client: c0, op: write, key: k}\n").what(),
               Catch::Contains("ops[0]: a write needs a value"));
    CHECK_THAT(error_for(std::string(kMinimal) + "ops:\n  - {at: 1s, client: c0, op: write, key: k, value: 'a,b'}\n").what(),
               Catch::Contains("free of , ; | and quotes"));
  }
  SECTION("topology problems") {
    CHECK_THAT(error_for("name: t\nseed: 1\ntopology: {}\n").what(), Catch::Contains("topology needs 'nodes: N'"));
    CHECK_THAT(error_for("name: t\nseed: 1\ntopology: {nodes: 2, regions: [{name: a, nodes: 1}]}\n").what(),
               Catch::Contains("give either nodes or regions"));
    CHECK_THAT(error_for("name: t\nseed: 1\ntopology: {regions: [{name: a, nodes: 1}, {name: a, nodes: 2}]}\n").what(),
               Catch::Contains("duplicate region name 'a'"));
    CHECK_THAT(error_for("name: t\nseed: 1\ntopology: {nodes: 4, graph: {small_world: {k: 3, p: 0.1}}}\n").what(),
               Catch::Contains("topology.graph.small_world.k must be even"));
    CHECK_THAT(error_for("name: t\nseed: 1\ntopology: {nodes: 4, graph: {erdos_renyi: {p: 2}}}\n").what(),
               Catch::Contains("topology.graph.erdos_renyi.p must be a probability in [0, 1], got 2"));
    CHECK_THAT(error_for("name: t\nseed: 1\ntopology: {nodes: 4, graph: erdos_renyi}\n").what(),
               Catch::Contains("graph erdos_renyi needs p"));
    CHECK_THAT(error_for("name: t\nseed: 1\ntopology: {nodes: 4, graph: rnig}\n").what(),
               Catch::Contains("(did you mean 'ring'?)"));
    CHECK_THAT(error_for("name: t\nseed: 1\ntopology: {nodes: 4, links: [{from: n0, to: n5, latency: 1ms}]}\n").what(),
               Catch::Contains("unknown node 'n5' in topology.links (nodes are n0..n3)"));
    TempDir dir;
    dir.write("edges.csv", "from,to\nn0,n9\n");
    dir.write("noheader.csv", "n0,n1\n");
    const auto e = load_error(dir.write("s.yaml", "name: t\nseed: 1\ntopology: {nodes: 4, graph: {file: edges.csv}}\n"));
    CHECK(e.line() == 3);
    CHECK(e.column() == 36);
    CHECK_THAT(e.what(), Catch::Contains("edge file 'edges.csv' line 2: unknown node 'n9' (nodes are n0..n3)"));
    CHECK_THAT(load_error(dir.write("s.yaml", "name: t\nseed: 1\ntopology: {nodes: 4, graph: {file: noheader.csv}}\n")).what(),
               Catch::Contains("cannot read edge file 'noheader.csv'"));
  }
  SECTION("top-level problems") {
    const auto e = error_for("seed: 1\ntopology: {nodes: 5}\n");
    CHECK(e.line() == 1);
    CHECK(e.column() == 1);
    CHECK_THAT(e.what(), Catch::Contains("missing required key 'name' at the top level"));
    CHECK_THAT(error_for("name: t\ntopology: {nodes: 5}\n").what(), Catch::Contains("missing required key 'seed'"));
    CHECK_THAT(error_for("name: a b\nseed: 1\ntopology: {nodes: 5}\n").what(),
               Catch::Contains("name must contain only letters"));
    CHECK_THAT(error_for("name: t\nseed: -1\ntopology: {nodes: 5}\n").what(),
               Catch::Contains("seed: expected an unsigned 64-bit integer, got '-1'"));
    CHECK_THAT(error_for("name: t\nseed: 1\n").what(), Catch::Contains("missing required key 'topology'"));
    CHECK_THAT(error_for("name: t\nseed: 1\nstop: quiscent\ntopology: {nodes: 5}\n").what(),
               Catch::Contains("(did you mean 'quiescent'?)"));
    CHECK_THAT(error_for("").what(), Catch::Contains(":1:1: error: scenario file is empty"));
    CHECK_THAT(error_for("- a\n- b\n").what(), Catch::Contains("a scenario file is a map of keys"));
    // Found by tests/fuzz: inputs that used to hang yaml-cpp's LoadAll or were silently misread.
    const auto utf8 = error_for("name: t\n,\xfcG\n");
    CHECK((utf8.line() == 2 && utf8.column() == 2));
    CHECK_THAT(utf8.what(), Catch::Contains("must be UTF-8 text; byte 0xfc here is not"));
    const auto tag = error_for("name: t\nseed: !!int 1\ntopology: {nodes: 5}\n");
    CHECK(tag.line() == 2);
    CHECK_THAT(tag.what(), Catch::Contains("YAML tags are not supported (found 'tag:yaml.org,2002:int')"));
    const auto after_end = error_for(std::string(kMinimal) + "...\nname: u\n");
    CHECK(after_end.line() == 5);
    CHECK_THAT(after_end.what(), Catch::Contains("a scenario file holds one YAML document"));
    const auto two = error_for(std::string(kMinimal) + "---\nname: u\n");
    CHECK(two.line() == 4);  // the "---" that starts it
    CHECK_THAT(two.what(), Catch::Contains("a scenario file holds one YAML document"));
    const auto dup = error_for("name: t\nseed: 1\ntopology: {nodes: 5}\nseed: 2\n");
    CHECK(dup.line() == 4);
    CHECK_THAT(dup.what(), Catch::Contains("duplicate key 'seed' at the top level (first given on line 2)"));
    CHECK_THAT(load_error("/nonexistent/x.yaml").what(), Catch::Contains("/nonexistent/x.yaml: error: scenario file not found"));
  }
  SECTION("malformed YAML keeps the same format") {
    const auto e = error_for("name: t\nseed: 1\ntopology: {nodes: [1, 2}\n");
    CHECK(e.line() == 3);
    CHECK_THAT(e.what(), Catch::Contains(":3:"));
    CHECK_THAT(e.what(), Catch::Contains("error: malformed YAML"));
  }
  SECTION("checks and output") {
    CHECK_THAT(error_for(std::string(kMinimal) + "checks: {session: [ryww]}\n").what(),
               Catch::Contains("(did you mean 'ryw'?)"));
    CHECK_THAT(error_for(std::string(kMinimal) + "checks: {expect: [{a: 1}]}\n").what(),
               Catch::Contains("checks.expect[0]: expected an assertion"));
    CHECK_THAT(error_for(std::string(kMinimal) + "output: {traces: [event]}\n").what(),
               Catch::Contains("(did you mean 'events'?)"));
  }
}

TEST_CASE("overrides given with --set apply before validation", "[loader][set]") {
  TempDir dir;
  const std::string path = dir.write("s.yaml", std::string(kMinimal) + "network: {loss: 0.1}\nprotocols:\n  gossip: {mode: pull}\n");
  LoadOptions o;
  o.overrides = {"network.loss=0.2", "protocols.gossip.mode=push", "workload.clients=3", "workload.rate=50/s",
                 "topology.latency={dist: constant, value: 7ms}", "checks.session=[ryw]"};
  o.seed = 99;
  const Scenario s = load_scenario_with_modules(path, o);
  CHECK(s.network.loss == 0.2);
  CHECK(s.section<GossipSpec>()->mode == GossipMode::push);
  CHECK(workload_of(s).clients == 3);
  CHECK(workload_of(s).rate_per_s == 50.0);
  CHECK(s.topology.latency.a == 7e6);
  CHECK(s.checks.session == std::vector<std::string>{"ryw"});
  CHECK(s.seed == 99);
  CHECK(s.output.dir == "out/t/seed-99");  // the default follows the effective seed

  LoadOptions out;
  out.output_dir = "/tmp/elsewhere";
  CHECK(load_scenario_with_modules(path, out).output.dir == "/tmp/elsewhere");

  SECTION("a bad value points at the --set argument") {
    LoadOptions bad;
    bad.overrides = {"network.fifo=true", "network.loss=1.5"};
    const auto e = load_error(path, bad);
    CHECK(e.file() == "--set");
    CHECK(e.line() == 2);
    CHECK(e.column() == 14);
    CHECK(std::string(e.what()) ==
          "--set:2:14: error: network.loss must be a probability in [0, 1], got 1.5 (in --set network.loss=1.5)");
  }
  SECTION("an unknown key created by --set points at it") {
    LoadOptions bad;
    bad.overrides = {"network.lsos=0.2"};
    const auto e = load_error(path, bad);
    CHECK(e.file() == "--set");
    CHECK(e.column() == 9);
    CHECK_THAT(e.what(), Catch::Contains("unknown key 'lsos' in network (did you mean 'loss'?)"));
  }
  SECTION("an empty file can be filled entirely by --set") {
    LoadOptions all;
    all.overrides = {"name=x", "seed=3", "topology.nodes=2"};
    const Scenario e = load_scenario_with_modules(dir.write("empty.yaml", "# nothing yet\n"), all);
    CHECK(e.name == "x");
    CHECK(e.topology.nodes == 2);
    LoadOptions missing;
    missing.overrides = {"name=x", "seed=3"};
    const auto err = load_error(dir.write("empty.yaml", ""), missing);
    CHECK_THAT(err.what(), Catch::Contains("missing required key 'topology'"));
  }
  SECTION("malformed overrides") {
    LoadOptions bad;
    bad.overrides = {"network.loss"};
    CHECK_THAT(load_error(path, bad).what(), Catch::StartsWith("--set:1:1: error: expected --set path=value"));
    bad.overrides = {"network..loss=1"};
    CHECK_THAT(load_error(path, bad).what(), Catch::Contains("empty segment"));
    bad.overrides = {"network.loss=[1,"};
    const auto e = load_error(path, bad);
    CHECK(e.file() == "--set");
    CHECK_THAT(e.what(), Catch::Contains("malformed YAML value"));
    bad.overrides = {"name.x=1"};
    CHECK_THAT(load_error(path, bad).what(), Catch::Contains("'name' is a single value, not a map"));
  }
}

TEST_CASE("set_yaml_path edits a tree in place", "[set]") {
  YAML::Node root = YAML::Load("a: {b: 1}\nlist: [{x: 1}, {x: 2}]\nalias: &v {q: 1}\nuse: *v\n");
  set_yaml_path(root, "a.b", std::string("2"));
  set_yaml_path(root, "a.c.d", std::string("[1, 2]"));
  set_yaml_path(root, "list.1.x", std::string("5"));
  set_yaml_path(root, "use", std::string("3"));
  CHECK(root["a"]["b"].as<int>() == 2);
  CHECK(root["a"]["c"]["d"].size() == 2);
  CHECK(root["list"][1]["x"].as<int>() == 5);
  CHECK(root["use"].as<int>() == 3);
  CHECK(root["alias"]["q"].as<int>() == 1);  // the alias target is untouched
  CHECK_THROWS_AS(set_yaml_path(root, "list.7.x", std::string("1")), std::invalid_argument);
  CHECK_THROWS_AS(set_yaml_path(root, "a.b.c", std::string("1")), std::invalid_argument);
  CHECK_THROWS_AS(set_yaml_path(root, "", std::string("1")), std::invalid_argument);
}
