// `ecsim analyze`: metrics recomputed from a run's traces equal the ones the
// run computed; a hand-written history gives the values worked out by hand;
// sweep comparison; bad input.
#include <catch2/catch.hpp>

#include "test_util.hpp"
#include "app/analyze.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>
#include <sys/wait.h>
#include <unistd.h>

#include "protocols/core/store_config.hpp"
#include "app/modules.hpp"
#include "analysis/trace_analysis.hpp"
#include "app/runner.hpp"
#include "sim/scenario_loader.hpp"

using namespace ecsim;
namespace fs = std::filesystem;

namespace {

const std::string kSource = ECSIM_SOURCE_DIR;

fs::path fresh_dir(const std::string& name) { return ecsim::test::fresh_dir("analyze", name); }

int run_binary(const std::string& args, std::string* output = nullptr) {
  const fs::path log = fs::temp_directory_path() / ("ecsim-test-analyze-" + std::to_string(::getpid())) / "binary.log";
  const std::string cmd = std::string(ECSIM_BINARY) + " " + args + " >" + log.string() + " 2>&1";
  const int status = std::system(cmd.c_str());
  if (output) {
    std::ifstream in(log);
    std::ostringstream s;
    s << in.rdbuf();
    *output = s.str();
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void write(const fs::path& p, const std::string& text) { std::ofstream(p) << text; }

bool same(double a, double b) { return (std::isnan(a) && std::isnan(b)) || a == b; }

}  // namespace

TEST_CASE("analyze on a run's traces equals the metrics computed during the run", "[analyze]") {
  // Every example and regression scenario (LWW: versions analyze can order).
  std::vector<fs::path> files;
  for (const char* dir : {"/scenarios", "/scenarios/regression"})
    for (const auto& e : fs::directory_iterator(kSource + dir))
      if (e.path().extension() == ".yaml") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  REQUIRE(files.size() >= 5);
  std::size_t compared_runs = 0;
  for (const fs::path& file : files) {
    LoadOptions lo;
    lo.output_dir = fresh_dir("runs").string() + "/" + file.stem().string();
    Scenario s;
    try {
      s = load_scenario_with_modules(file.string(), lo);
      check_runnable(s);
    } catch (const ScenarioError& e) {
      FAIL_CHECK("example scenario does not load: " << e.what());
      continue;
    }
    if (store_of(s).type != StoreType::lww) continue;
    INFO(file.filename().string());
    RunSettings settings;
    settings.quiet = true;
    std::ostringstream sink;
    const RunOutcome run = run_scenario(s, settings, sink);
    TraceInputs in;
    in.ops = lo.output_dir.value() + "/ops.csv";
    in.applied = lo.output_dir.value() + "/applied.csv";
    in.events = lo.output_dir.value() + "/events.csv";
    in.nodes = s.topology.node_names;
    in.replicas_of = key_replicas(s);
    const TraceAnalysis a = analyze_traces(in);
    std::size_t compared = 0;
    for (const std::string& name : analyzable_metrics()) {
      auto it = a.metrics.find(name);
      REQUIRE(it != a.metrics.end());
      const double expected = run.metrics.at(name);
      // Session checks the scenario switched off are NaN in the run; analyze checks all four.
      if (std::isnan(expected) && name.rfind("violations.", 0) == 0) continue;
      if (std::isnan(expected) && name.rfind("staleness.k", 0) == 0) continue;
      if (std::isnan(expected) && name == "staleness.reads") continue;
      if (std::isnan(expected) && name == "lost_writes" && !s.checks.lost_writes) continue;
      // Writes of failed ops that replicas applied have no session in ops.csv (analyze notes it).
      const bool unnamed = std::any_of(a.notes.begin(), a.notes.end(), [](const std::string& n) { return n.rfind("visibility:", 0) == 0; });
      if (unnamed && name.rfind("staleness.t_visibility", 0) == 0) continue;
      // Checks the scenario switched off are empty in the run; analyze measures them.
      if (std::isnan(expected) && name.rfind("convergence.", 0) == 0 && !s.checks.convergence) continue;
      if (std::isnan(expected) && name.rfind("staleness.", 0) == 0 && !s.checks.staleness) continue;
      INFO(name << ": run " << expected << ", analyze " << it->second);
      CHECK(same(it->second, expected));
      ++compared;
    }
    CHECK(compared >= 20);
    if (run.metrics.at("writes.acknowledged") > 0) ++compared_runs;
  }
  CHECK(compared_runs >= 5);
}

TEST_CASE("analyze of a hand-written history gives the values computed by hand", "[analyze]") {
  const fs::path dir = fresh_dir("hand");
  // Two replicas. c0 writes x at n0 (acknowledged at 1 s), then reads x at
  // n1 before n1 has it (read-your-writes violated) and once more after.
  // c1 writes y at n1 (acknowledged at 2 s); n0 never gets y, and n1 crashes
  // for good at 5 s, so y is lost. x reaches n1 at 3 s.
  write(dir / "ops.csv",
        "client,session,op,key,value,invoke_ns,complete_ns,replica,ok,version\n"
        "c0,0,write,x,1,900000000,1000000000,n0,true,900000000.0@n0\n"
        "c0,0,read,x,,1500000000,1600000000,n1,true,\n"
        "c1,0,write,y,2,2000000000,2000000000,n1,true,2000000000.0@n1\n"
        "c0,0,read,x,1,4000000000,4100000000,n1,true,900000000.0@n0\n"
        "c1,0,read,y,,6000000000,6000000000,n0,false,\n");
  write(dir / "applied.csv",
        "time_ns,replica,key,version\n"
        "950000000,n0,x,900000000.0@n0\n"
        "2000000000,n1,y,2000000000.0@n1\n"
        "3000000000,n1,x,900000000.0@n0\n");
  write(dir / "events.csv",
        "time_ns,node,kind,peer,msg_id,key,bytes\n"
        "2500000000,n0,send,n1,1,,100\n"
        "3000000000,n1,deliver,n0,1,,100\n"
        "3100000000,n1,send,n0,2,,40\n"
        "3200000000,n1,drop,n0,2,,\n"
        "5000000000,n1,crash,,,,\n");
  TraceInputs in{(dir / "ops.csv").string(), (dir / "applied.csv").string(), (dir / "events.csv").string(), {"n0", "n1"}};
  const TraceAnalysis a = analyze_traces(in);
  const MetricMap& m = a.metrics;
  CHECK(m.at("ops.total") == 5);
  CHECK(m.at("ops.failed") == 1);
  CHECK(m.at("ops.reads") == 3);
  CHECK(m.at("writes.acknowledged") == 2);
  CHECK(m.at("violations.ryw") == 1);  // the read at 1.5 s missed the write acknowledged at 1 s
  CHECK(m.at("violations.mr") == 0);
  CHECK(m.at("messages.sent") == 2);
  CHECK(m.at("messages.bytes") == 140);
  CHECK(m.at("messages.delivered") == 1);
  CHECK(m.at("messages.dropped") == 1);
  // x visible everywhere at 3 s: 2 s after its acknowledgement; y never visible
  // (n0 never had it while n1 was up).
  CHECK(m.at("staleness.t_visibility_p50_s") == Approx(2.0));
  CHECK(m.at("staleness.never_visible") == 1);
  // After the crash at 5 s only n0 is live; it holds x and nothing of y: the
  // live replicas agree from the crash on. Reference time: the last
  // acknowledged write (2 s); no heal or restart. Converged at 5 s -> 3 s.
  CHECK(m.at("convergence.reached") == 1);
  CHECK(m.at("convergence.time_s") == Approx(3.0));
  CHECK(m.at("lost_writes") == 1);  // y: acknowledged, in no live replica's final state
  CHECK(a.lost_writes == std::vector<std::pair<std::string, std::string>>{{"y", "2000000000.0@n1"}});
  // Latency of the 4 successful ops: 0.1, 0.1, 0, 0.1 s -> p50 0.1 s.
  CHECK(m.at("ops.latency_p50_s") == Approx(0.1));

  // Without applied.csv and events.csv: what needs them is absent, with notes.
  const TraceAnalysis ops_only = analyze_traces(TraceInputs{(dir / "ops.csv").string(), "", "", {}});
  CHECK(ops_only.metrics.count("convergence.time_s") == 0);
  CHECK(ops_only.metrics.count("messages.sent") == 0);
  CHECK(std::isnan(ops_only.metrics.at("violations.mw")));
  CHECK(ops_only.metrics.at("violations.ryw") == 1);
  CHECK(ops_only.notes.size() >= 2);
}

TEST_CASE("ecsim analyze --check, --compare and bad input", "[analyze][cli]") {
  const fs::path dir = fresh_dir("cli");
  std::string log;
  REQUIRE(run_binary("run " + kSource + "/scenarios/demo.yaml --quiet --out " + (dir / "demo").string()) == 0);
  CHECK(run_binary("analyze " + (dir / "demo").string() + " --check --out " + (dir / "analysis.csv").string(), &log) == 0);
  CHECK(log.find("check: all ") != std::string::npos);
  CHECK(fs::exists(dir / "analysis.csv"));
  CHECK(log.find("DIFFERS") == std::string::npos);

  // Two sweeps of the same grid over bases that differ in gossip fanout.
  const std::string base = R"(name: cmp
seed: 3
duration: 60s
stop: converged
topology: {nodes: 40, latency: {dist: exponential, mean: 10ms}}
store: {type: lww, keys: 4}
protocols: {gossip: {interval: 1s, fanout: FANOUT, mode: push}}
ops:
  - {at: 0s, client: c0, op: write, key: k0, value: v, node: n0}
checks: {session: []}
)";
  for (const char* f : {"1", "4"}) {
    std::string text = base;
    text.replace(text.find("FANOUT"), 6, f);
    write(dir / (std::string("base") + f + ".yaml"), text);
    write(dir / (std::string("sweep") + f + ".yaml"),
          std::string("base: base") + f + ".yaml\ngrid:\n  network.loss: [0, 0.1]\nseeds: 8\n");
    REQUIRE(run_binary(std::string("sweep ") + (dir / (std::string("sweep") + f + ".yaml")).string() + " -j 2 -q --out " +
                       (dir / (std::string("out") + f)).string()) == 0);
  }
  CHECK(run_binary("analyze --compare " + (dir / "out1").string() + " " + (dir / "out1").string(), &log) == 0);
  CHECK(log.find(": 0 of ") != std::string::npos);
  CHECK(run_binary("analyze --compare " + (dir / "out1").string() + " " + (dir / "out4").string() +
                       " --metrics convergence.time_s,messages.sent", &log) == 1);
  CHECK(log.find("CHANGED network.loss=0  convergence.time_s") != std::string::npos);
  CHECK(log.find("CHANGED network.loss=0.1  convergence.time_s") != std::string::npos);  // fanout 4 spreads faster
  CHECK(run_binary("analyze --compare " + (dir / "out1").string() + " " + (dir / "out4").string() + " --metrics convergence.tim",
                   &log) == 2);
  CHECK(log.find("did you mean 'convergence.time_s'") != std::string::npos);

  // A sweep's kept traces (--traces) are run directories: analyze agrees with each run's summary.
  write(dir / "traced.yaml", "base: base1.yaml\ngrid:\n  network.loss: [0.2]\nseeds: 2\n");
  REQUIRE(run_binary("sweep " + (dir / "traced.yaml").string() + " -j 2 -q --traces --out " + (dir / "traced").string()) == 0);
  std::size_t traced = 0;
  for (const auto& e : fs::directory_iterator(dir / "traced" / "traces")) {
    CHECK(run_binary("analyze " + e.path().string() + " --check", &log) == 0);
    CHECK(log.find("check: all ") != std::string::npos);
    ++traced;
  }
  CHECK(traced == 2);

  // Bad input: file:line:col, exit 2.
  write(dir / "bad-ops.csv", "client,session,op,key,invoke_ns,complete_ns,ok,version\nc0,0,read,x,10,soon,true,\n");
  CHECK(run_binary("analyze --ops " + (dir / "bad-ops.csv").string(), &log) == 2);
  CHECK(log.find("bad-ops.csv:2:16: error: complete_ns: expected an integer, got 'soon'") != std::string::npos);
  write(dir / "no-col.csv", "client,session,op,key,invoke_ns,ok,version\n");
  CHECK(run_binary("analyze --ops " + (dir / "no-col.csv").string(), &log) == 2);
  CHECK(log.find("no-col.csv:1:1: error: missing column 'complete_ns'") != std::string::npos);
  CHECK(run_binary("analyze --opz x.csv", &log) == 2);
  CHECK(log.find("did you mean '--ops'") != std::string::npos);
  CHECK(run_binary("analyze " + (dir / "nowhere").string(), &log) == 2);
  CHECK(run_binary("analyze --help", &log) == 0);
}

// tests/data/analyze-hand: a hand-written trace directory (the files in the
// formats `ecsim run` writes) whose metrics are worked out here by hand,
// independently of the checker classes analyze shares with the run.
//
// Nodes n0, n1, n2 (n2 cut off by a partition from 4 s to the heal at 8 s;
// n2 crashes for good at 9 s). Times in ms; versions are accept times.
//   x: W1 c0/0 at n0 (1000, ack 1010); W2 c1/0 at n1 (1100, ack 1110),
//      concurrent with W1. n1 receives W1 at 1200 and discards it (a
//      `receive` row only); n0 takes W2 at 1200, n2 at 1300. W3 c1/0 at n1
//      (1500, ack 1510), to n0 at 1600, n2 at 1700.
//   v: W7 c1/0 at n1 (1520, ack 1530), to n2 at 1650 (before n2 has W3),
//      n0 at 1660.
//   y: W4 c2/0 at n2 (5000, ack 5010) during the partition; W5 c0/0 at n0
//      (6000, ack 6010), n1 at 6100, n2 at 8500 after the heal; n0 and n1
//      receive W4 at 8500/8600 and discard it.
//   z: W6 c2/0 at n2 (5500, ack 5540): never leaves n2.
//   u: W8 c0/1 at n0 (7200, ack 7210), n1 at 7300, n2 at 8400.
//   c2/1 write at 4500 fails; reads: c1/0 x at n2 at 1600 -> W2;
//   c0/1 y at n0 at 7000 -> W5, then y at n2 at 7100 -> W4.
TEST_CASE("analyze of the hand-written trace directory gives the values computed by hand", "[analyze]") {
  const fs::path data = kSource + "/tests/data/analyze-hand";
  const std::vector<std::string> nodes = {"n0", "n1", "n2"};
  const TraceInputs in{(data / "ops.csv").string(), (data / "applied.csv").string(), (data / "events.csv").string(), nodes};
  const TraceAnalysis a = analyze_traces(in);
  const MetricMap& m = a.metrics;
  CHECK(a.ops == 12);
  CHECK(a.applies == 18);
  CHECK(a.events == 45);

  // Convergence. Divergent keys: y from 5000 (n2 alone has W4) until 8500,
  // z from 5500 (only n2) until n2's crash at 9000, when the live n0 and n1
  // agree on every key. Reference: the later of the last acknowledged write
  // (W5, 6010) and the last heal (8000) -> 9000 - 8000 = 1.0 s.
  CHECK(m.at("convergence.reached") == 1);
  CHECK(m.at("convergence.time_s") == Approx(1.0));

  // Visibility: acknowledgement until every live replica holds the write or
  // one that causally follows it (a concurrent write that won does not count).
  //   W1 ack 1010: W2 (concurrent) at n1 and n0 does not cover it; W3, which
  //      n1 accepted after receiving W1, does: n1 1500, n0 1600, n2 1700: 690
  //   W2 ack 1110, n2 takes it at 1300: 190;   W3 ack 1510, n2 at 1700: 190
  //   W7 ack 1530, n0 at 1660: 130
  //   W4 never: W5, concurrent, replaced it everywhere (and W4 is lost)
  //   W5 ack 6010, n2 at 8500: 2490;           W8 ack 7210, n2 at 8400: 1190
  //   W6 never (n0 and n1 never hold z; n2 crashes).
  // Sorted 130 190 190 690 1190 2490: p50 at rank 2.5 = 190 + 0.5 * 500 =
  // 440 ms; p99 at rank 4.95 = 1190 + 0.95 * (2490 - 1190) = 2425 ms.
  CHECK(m.at("staleness.t_visibility_p50_s") == Approx(0.440));
  CHECK(m.at("staleness.t_visibility_p99_s") == Approx(2.425));
  CHECK(m.at("staleness.never_visible") == 2);
  CHECK(m.at("staleness.never_visible") >= m.at("lost_writes"));
  REQUIRE(a.visibility_delays_s.size() == 6);

  // Lost writes (final state: live n0 and n1 hold x W3, v W7, y W5, u W8, no z):
  //   W1: W3 was accepted at n1 after n1 received W1 (the discarded copy) -> superseded
  //   W2: W3 follows it at n1 -> superseded
  //   W4: W5 was accepted at n0 before n0 heard of W4, and c0/0 never saw it -> lost
  //   W6: no live replica holds z -> lost
  CHECK(m.at("lost_writes") == 2);
  auto lost = a.lost_writes;
  std::sort(lost.begin(), lost.end());
  CHECK(lost == std::vector<std::pair<std::string, std::string>>{{"y", "5000000000.0@n2"}, {"z", "5500000000.0@n2"}});

  // Sessions.
  //   RYW: c1/0 read x at 1600 got W2, older than its own W3 (ack 1510) -> 1
  //   MR:  c0/1 read W5 at 7000, then W4 at 7100 -> 1
  //   MW:  c1/0 wrote W3 (x) then W7 (v); n2 took W7 at 1650 and reflected
  //        W3 only at 1700 -> 1 (rule b); no other write of a session inverts
  //   WFR: c0/1 read W5 (y) then wrote W8 (u); n2 took W8 at 8400 and
  //        reflected W5 only at 8500 -> 1
  //   RYW across a client's sessions: also c0/1's read of W4 at 7100 after
  //        c0/0's W5 (ack 6010) -> 2
  CHECK(m.at("violations.ryw") == 1);
  CHECK(m.at("violations.mr") == 1);
  CHECK(m.at("violations.mw") == 1);
  CHECK(m.at("violations.wfr") == 1);
  CHECK(m.at("violations.ryw_sessions") == 1);
  CHECK(m.at("violations.mr_sessions") == 1);
  CHECK(m.at("violations.mw_sessions") == 1);
  CHECK(m.at("violations.wfr_sessions") == 1);
  CHECK(m.at("violations.ryw_client") == 2);
  // Staleness: the read at 1600 is 1 version behind (W3), 7000 is current,
  // 7100 is 1 behind (W5): k=1 1/3, k=2 3/3.
  CHECK(m.at("staleness.reads") == 3);
  CHECK(m.at("staleness.k1_fraction") == Approx(1.0 / 3.0));
  CHECK(m.at("staleness.k2_fraction") == 1);
  CHECK(m.at("staleness.k3_fraction") == 1);

  // Messages: 4 sends (120 + 120 + 64 + 200 bytes), 4 deliveries (one a
  // duplicate's), 1 drop, 1 duplicate.
  CHECK(m.at("messages.sent") == 4);
  CHECK(m.at("messages.bytes") == 504);
  CHECK(m.at("messages.delivered") == 4);
  CHECK(m.at("messages.dropped") == 1);
  CHECK(m.at("messages.duplicated") == 1);

  // Operations: 12, 1 failed, 3 reads, 9 updates, 8 acknowledged. Latency of
  // the 11 successful ops: 5 5 5 10 10 10 10 10 10 10 40 ms: p50 = rank 5 =
  // 10 ms; p99 at rank 9.9 = 10 + 0.9 * 30 = 37 ms.
  CHECK(m.at("ops.total") == 12);
  CHECK(m.at("ops.failed") == 1);
  CHECK(m.at("ops.reads") == 3);
  CHECK(m.at("ops.writes") == 9);
  CHECK(m.at("writes.acknowledged") == 8);
  CHECK(m.at("ops.latency_p50_s") == Approx(0.010));
  CHECK(m.at("ops.latency_p99_s") == Approx(0.037));
  // Invoked during the partition [4000, 8000): the failed write (4500), W4,
  // W6, W5, both c0/1 reads, W8: 7, of which 1 failed.
  CHECK(m.at("ops.partition_ops") == 7);
  CHECK(m.at("ops.partition_failed_fraction") == Approx(1.0 / 7.0));
}

TEST_CASE("analyze of the hand-written trace directory without some inputs", "[analyze]") {
  const fs::path data = kSource + "/tests/data/analyze-hand";
  const std::vector<std::string> nodes = {"n0", "n1", "n2"};

  SECTION("events.csv without receive rows: the discarded copy of W1 is unknown") {
    // Without n1's receipt of W1 at 1200, W3 no longer follows W1: W1 is lost
    // too (3). Nothing else depends on receive rows: applied copies count as received.
    const fs::path dir = fresh_dir("hand-no-receive");
    std::ifstream src(data / "events.csv");
    std::ofstream dst(dir / "events.csv");
    for (std::string line; std::getline(src, line);)
      if (line.find(",receive,") == std::string::npos) dst << line << '\n';
    dst.close();
    const TraceAnalysis a =
        analyze_traces(TraceInputs{(data / "ops.csv").string(), (data / "applied.csv").string(), (dir / "events.csv").string(), nodes});
    CHECK(a.events == 32);  // 45 rows, 13 of them receive rows
    CHECK(a.metrics.at("lost_writes") == 3);
    CHECK(a.metrics.at("convergence.time_s") == Approx(1.0));
    CHECK(a.metrics.at("violations.mw") == 1);
  }
  SECTION("no events.csv: no crash, no heal, no receive rows") {
    // n2 stays live and alone holds z: z is divergent at the end (not
    // converged: NaN). W6 is in n2's final state, so not lost; W1 (no
    // receive row) and W4 are: 2. W6 still never reaches n0 and n1.
    const TraceAnalysis a = analyze_traces(TraceInputs{(data / "ops.csv").string(), (data / "applied.csv").string(), "", nodes});
    CHECK(a.metrics.at("convergence.reached") == 0);
    CHECK(std::isnan(a.metrics.at("convergence.time_s")));
    CHECK(a.metrics.at("lost_writes") == 2);
    // W1 and W4 lost, W6 never leaves n2: 3 never visible; the rest sorted
    // 130 190 190 1190 2490: p50 = 190 ms.
    CHECK(a.metrics.at("staleness.never_visible") == 3);
    CHECK(a.metrics.at("staleness.t_visibility_p50_s") == Approx(0.190));
    CHECK(a.metrics.count("messages.sent") == 0);
    CHECK(a.metrics.count("ops.partition_ops") == 0);
    CHECK(a.metrics.at("violations.wfr") == 1);
  }
  SECTION("ops.csv alone: RYW, MR and staleness only") {
    const TraceAnalysis a = analyze_traces(TraceInputs{(data / "ops.csv").string(), "", "", nodes});
    CHECK(a.metrics.at("violations.ryw") == 1);
    CHECK(a.metrics.at("violations.mr") == 1);
    CHECK(a.metrics.at("violations.ryw_client") == 2);
    CHECK(std::isnan(a.metrics.at("violations.mw")));
    CHECK(std::isnan(a.metrics.at("violations.wfr")));
    CHECK(a.metrics.count("lost_writes") == 0);
    CHECK(a.metrics.at("staleness.k1_fraction") == Approx(1.0 / 3.0));
    CHECK(a.metrics.at("ops.latency_p99_s") == Approx(0.037));
  }
}

TEST_CASE("ecsim analyze on the hand-written trace directory writes the hand values", "[analyze][cli]") {
  const fs::path dir = fresh_dir("hand-cli");
  const std::string data = kSource + "/tests/data/analyze-hand";
  std::string log;
  // A directory without scenario.resolved.yaml: the node names come from the traces (n0, n1, n2).
  REQUIRE(run_binary("analyze " + data + " --out " + (dir / "analysis.csv").string(), &log) == 0);
  CHECK(log.find("12 ops, 18 applied rows, 45 events") != std::string::npos);
  std::ifstream in(dir / "analysis.csv");
  std::map<std::string, std::string> v;
  for (std::string line; std::getline(in, line);) {
    const auto comma = line.find(',');
    if (comma != std::string::npos) v[line.substr(0, comma)] = line.substr(comma + 1);
  }
  CHECK(v["convergence.time_s"] == "1");
  CHECK(v["lost_writes"] == "2");
  CHECK(std::stod(v["staleness.t_visibility_p50_s"]) == Approx(0.44));
  CHECK(std::stod(v["staleness.t_visibility_p99_s"]) == Approx(2.425));
  CHECK(v["violations.ryw"] == "1");
  CHECK(v["violations.mr"] == "1");
  CHECK(v["violations.mw"] == "1");
  CHECK(v["violations.wfr"] == "1");
  CHECK(v["ops.partition_ops"] == "7");
}

// analyze streams the three files merged in time order, so each must be in
// its order; a row out of order is named at file:line:col (exit 2), never
// replayed in the wrong place.
TEST_CASE("ecsim analyze names the first row out of time order", "[analyze][cli]") {
  const fs::path dir = fresh_dir("order");
  std::string log;
  write(dir / "ops.csv",
        "client,session,op,key,invoke_ns,complete_ns,ok,version\n"
        "c0,0,read,x,100,300,true,\n"
        "c0,1,read,x,100,200,true,\n");
  CHECK(run_binary("analyze --ops " + (dir / "ops.csv").string(), &log) == 2);
  CHECK(log.find("ops.csv:3:17: error: complete_ns: 200 is before the previous row's 300: rows must be in completion order") !=
        std::string::npos);

  write(dir / "good-ops.csv", "client,session,op,key,invoke_ns,complete_ns,ok,version\nc0,0,read,x,100,300,true,\n");
  // In order per replica (all the session checks need), not across replicas.
  write(dir / "applied.csv", "time_ns,replica,key,version\n500,n0,x,1@n0\n400,n1,x,2@n0\n");
  CHECK(run_binary("analyze --ops " + (dir / "good-ops.csv").string() + " --applied " + (dir / "applied.csv").string() +
                       " --nodes n0,n1",
                   &log) == 2);
  CHECK(log.find("applied.csv:3:1: error: time_ns: 400 is before the previous row's 500: rows must be in time order") !=
        std::string::npos);

  write(dir / "events.csv", "time_ns,node,kind\n500,n0,send\n500,n0,crash\n  400,n0,restart\n");
  CHECK(run_binary("analyze --ops " + (dir / "good-ops.csv").string() + " --events " + (dir / "events.csv").string() +
                       " --nodes n0",
                   &log) == 2);
  CHECK(log.find("events.csv:4:3: error: time_ns: 400 is before the previous row's 500: rows must be in time order") !=
        std::string::npos);
}

// Rows of different files at the same instant: node events (events.csv)
// come first, then writes accepted and ops completed (ops.csv, with their
// accept time from applied.csv), then applies (applied.csv), as a live run
// reports them (docs/ANALYZE.md). Two keys where that order decides whether
// a write is lost. Nodes n0, n1; times in ms, versions are accept times.
//   x: W1 c0/0 at n0 (1000, ack 1010). At 2000 n1 receives a copy of W1
//      (events.csv) and, at the same instant, accepts W2 c1/0 (applied.csv
//      row at n1 at 2000; ack 2010); n0 takes W2 at 2100. The receive comes
//      first, so W2 follows W1: W1 is superseded, not lost. (Accepting W2
//      before the receive would make them concurrent and W1 lost.)
//   y: W3 c0/0 at n0 (3000, ack 3010). At 4000 n1 accepts W4 c1/0 (invoked
//      3990, ack 4000) and applies W3 (applied.csv lists W3's row at 4000
//      first, then W4's). Writes accepted come before applies, so W4 does
//      not follow W3; n0 takes W4 at 4100. Both end on W4: W3 is lost.
//      (Applies first would make W4 follow W3: nothing lost.)
// lost_writes = 1 (W3). Visibility (ack until every replica holds the write
// or one that follows it): W1 1010 -> 2000 (n1 holds W2, which follows W1):
// 990; W2 2010 -> 2100: 90; W4 4000 -> 4100: 100; W3 lost, never visible.
// Sorted 90 100 990: p50 = 100 ms; never_visible = 1. Convergence: y is
// divergent until n0 takes W4 at 4100; reference: the last acknowledged
// write (4000): 0.1 s.
TEST_CASE("analyze merges same-instant rows of the three files in the live run's order", "[analyze]") {
  const fs::path dir = fresh_dir("same-instant");
  write(dir / "ops.csv",
        "client,session,op,key,value,invoke_ns,complete_ns,replica,ok,version\n"
        "c0,0,write,x,a,1000000000,1010000000,n0,true,1000000000.0@n0\n"
        "c1,0,write,x,b,2000000000,2010000000,n1,true,2000000000.0@n1\n"
        "c0,0,write,y,c,3000000000,3010000000,n0,true,3000000000.0@n0\n"
        "c1,0,write,y,d,3990000000,4000000000,n1,true,4000000000.0@n1\n");
  write(dir / "applied.csv",
        "time_ns,replica,key,version\n"
        "1000000000,n0,x,1000000000.0@n0\n"
        "2000000000,n1,x,2000000000.0@n1\n"
        "2100000000,n0,x,2000000000.0@n1\n"
        "3000000000,n0,y,3000000000.0@n0\n"
        "4000000000,n1,y,3000000000.0@n0\n"
        "4000000000,n1,y,4000000000.0@n1\n"
        "4100000000,n0,y,4000000000.0@n1\n");
  write(dir / "events.csv",
        "time_ns,node,kind,peer,msg_id,key,bytes,version\n"
        "2000000000,n1,receive,,,x,,1000000000.0@n0\n");
  const TraceAnalysis a = analyze_traces(
      TraceInputs{(dir / "ops.csv").string(), (dir / "applied.csv").string(), (dir / "events.csv").string(), {"n0", "n1"}});
  const MetricMap& m = a.metrics;
  CHECK(m.at("lost_writes") == 1);
  CHECK(a.lost_writes == std::vector<std::pair<std::string, std::string>>{{"y", "3000000000.0@n0"}});
  CHECK(m.at("staleness.never_visible") == 1);
  CHECK(m.at("staleness.t_visibility_p50_s") == Approx(0.100));
  std::vector<double> delays = a.visibility_delays_s;
  std::sort(delays.begin(), delays.end());
  REQUIRE(delays.size() == 3);
  CHECK(delays[0] == Approx(0.090));
  CHECK(delays[1] == Approx(0.100));
  CHECK(delays[2] == Approx(0.990));
  CHECK(m.at("convergence.reached") == 1);
  CHECK(m.at("convergence.time_s") == Approx(0.1));
}

// The session checks streamed (--streaming: latencies spilled to a scratch
// file too) or in memory: the same metrics, on the hand-written directory.
TEST_CASE("analyze gives the same metrics streaming and in memory", "[analyze]") {
  const fs::path data = kSource + "/tests/data/analyze-hand";
  TraceInputs in{(data / "ops.csv").string(), (data / "applied.csv").string(), (data / "events.csv").string(), {"n0", "n1", "n2"}};
  in.history_check.mode = CheckMode::in_memory;
  const TraceAnalysis memory = analyze_traces(in);
  in.history_check.mode = CheckMode::streaming;
  in.history_check.scratch_parent = fresh_dir("streaming").string();
  const TraceAnalysis streamed = analyze_traces(in);
  REQUIRE(memory.metrics.size() == streamed.metrics.size());
  for (const auto& [name, value] : memory.metrics) {
    INFO(name);
    CHECK(same(streamed.metrics.at(name), value));
  }
  CHECK(streamed.metrics.at("ops.latency_p99_s") == Approx(0.037));  // worked by hand above
  CHECK(streamed.lost_writes == memory.lost_writes);
  CHECK(fs::is_empty(in.history_check.scratch_parent));  // scratch files removed
}
