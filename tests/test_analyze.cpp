// `ecsim analyze`: metrics recomputed from a run's traces equal the ones the
// run computed; a hand-written history gives the values worked out by hand;
// sweep comparison; bad input.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

#include "app/modules.hpp"
#include "analysis/trace_analysis.hpp"
#include "app/runner.hpp"
#include "sim/scenario_loader.hpp"

using namespace ecsim;
namespace fs = std::filesystem;

namespace {

const std::string kSource = ECSIM_SOURCE_DIR;

fs::path fresh_dir(const std::string& name) {
  const fs::path p = fs::temp_directory_path() / ("ecsim-test-analyze-" + std::to_string(::getpid())) / name;
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}

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
    if (s.store.type != StoreType::lww) continue;
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
