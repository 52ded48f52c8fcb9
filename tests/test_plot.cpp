// `ecsim plot`: real PNG and SVG files from gnuplot for a run and a sweep,
// the data behind them, and errors for what cannot be plotted.
#include <catch2/catch.hpp>

#include "test_util.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace {

const std::string kSource = ECSIM_SOURCE_DIR;

fs::path fresh_dir(const std::string& name) {
  const fs::path p = fs::temp_directory_path() / ("ecsim-test-plot-" + std::to_string(::getpid())) / name;
  fs::remove_all(p);
  fs::create_directories(p.parent_path());
  return p;
}

using ecsim::test::slurp;

int run_binary(const std::string& args, std::string* output = nullptr) {
  const fs::path log = fs::temp_directory_path() / ("ecsim-test-plot-" + std::to_string(::getpid())) / "binary.log";
  const std::string cmd = std::string(ECSIM_BINARY) + " " + args + " >" + log.string() + " 2>&1";
  const int status = std::system(cmd.c_str());
  if (output) *output = slurp(log);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

bool is_png(const fs::path& p) { return slurp(p).rfind("\x89PNG\r\n\x1a\n", 0) == 0 && fs::file_size(p) > 5000; }

}  // namespace

TEST_CASE("ecsim plot draws a run: convergence with faults, visibility CDF, space-time", "[plot]") {
  const fs::path run = fresh_dir("run");
  REQUIRE(run_binary("run " + kSource + "/scenarios/demo.yaml --quiet --out " + run.string()) == 0);
  std::string log;
  REQUIRE(run_binary("plot " + run.string(), &log) == 0);
  for (const char* name : {"convergence", "visibility-cdf", "spacetime"}) {
    INFO(name);
    CHECK(is_png(run / "plots" / (std::string(name) + ".png")));
    const std::string svg = slurp(run / "plots" / (std::string(name) + ".svg"));
    CHECK(svg.find("<svg") != std::string::npos);
    CHECK(fs::exists(run / "plots" / (std::string(name) + ".gp")));  // kept for restyling
  }
  // The demo partitions its regions from 10 s to 20 s: the shaded interval.
  CHECK(slurp(run / "plots" / "convergence.gp").find("set object 1 rect from 10, graph 0 to 20, graph 1") != std::string::npos);
  CHECK(slurp(run / "plots" / "convergence.svg").find("partition") != std::string::npos);
  // The CDF's data: one row per visible write, ending at fraction 1.
  const std::string cdf = slurp(run / "plots" / "visibility-cdf.dat");
  CHECK(cdf.substr(cdf.rfind(',', cdf.size() - 2) + 1) == "1\n");
  // Plotting again replaces the plots directory as a whole; nothing temporary is left.
  REQUIRE(run_binary("plot " + run.string() + " --format svg", &log) == 0);
  CHECK_FALSE(fs::exists(run / "plots" / "convergence.png"));
  for (const auto& e : fs::directory_iterator(run))
    CHECK(e.path().filename().string().find(".tmp-") == std::string::npos);
}

TEST_CASE("ecsim plot singles out the messages that matter: the required version, a lost write, duplicates", "[plot]") {
  // A hand-made run. c0 writes x at n0 (1000.0@n0), then reads x at n1 at
  // 3 s and gets nothing: RYW requires 1000@n0 (violations.csv spells it
  // without ".0"). c1 writes y at n2 (2000.0@n2); n0 receives it but keeps
  // it nowhere and n2 crashes for good at 6 s: y is lost.
  //   msg 1 n0 -> n2 hands n2 x 1000.0@n0         carried
  //   msg 2 n0 -> n1, nothing received             plain
  //   msg 5 n2 -> n0 hands n0 y 2000.0@n2         carried (the lost write)
  //   msg 3 n2 -> n1 duplicated: first copy hands n1 x 1000.0@n0 (carried), second copy nothing (duplicated)
  //   msg 4 n1 -> n0 hands n0 x 999.0@n1          plain: no one needed it
  const fs::path run = fresh_dir("matter");
  fs::create_directories(run);
  auto put = [&](const char* name, const std::string& text) { std::ofstream(run / name) << text; };
  put("ops.csv",
      "client,session,op,key,value,invoke_ns,complete_ns,replica,ok,version\n"
      "c0,0,write,x,a,1000000000,1100000000,n0,true,1000000000.0@n0\n"
      "c1,0,write,y,b,2000000000,2000000000,n2,true,2000000000.0@n2\n"
      "c0,0,read,x,,3000000000,3000000000,n1,true,\n");
  put("applied.csv",
      "time_ns,replica,key,version\n"
      "1000000000,n0,x,1000000000.0@n0\n"
      "2000000000,n2,x,1000000000.0@n0\n"
      "2000000000,n2,y,2000000000.0@n2\n"
      "4000000000,n1,x,1000000000.0@n0\n");
  put("events.csv",
      "time_ns,node,kind,peer,msg_id,key,bytes,version\n"
      "1500000000,n0,send,n2,1,,40,\n"
      "1500000000,n0,send,n1,2,,24,\n"
      "1600000000,n1,deliver,n0,2,,24,\n"
      "2000000000,n2,deliver,n0,1,,40,\n"
      "2000000000,n2,receive,,,x,,1000000000.0@n0\n"
      "2600000000,n2,send,n0,5,,40,\n"
      "2700000000,n0,deliver,n2,5,,40,\n"
      "2700000000,n0,receive,,,y,,2000000000.0@n2\n"
      "3500000000,n2,send,n1,3,,40,\n"
      "3500000000,n2,duplicate,n1,3,,40,\n"
      "4000000000,n1,deliver,n2,3,,40,\n"
      "4000000000,n1,receive,,,x,,1000000000.0@n0\n"
      "4200000000,n1,deliver,n2,3,,40,\n"
      "5000000000,n1,send,n0,4,,40,\n"
      "5100000000,n0,deliver,n1,4,,40,\n"
      "5100000000,n0,receive,,,x,,999000000.0@n1\n"
      "6000000000,n2,crash,,,,,\n");
  put("violations.csv",
      "guarantee,client,session,op,key,invoke_ns,complete_ns,replica,version,required,ops_row,cause_row,inverted_at,applied_ns\n"
      "ryw,c0,0,read,x,3000000000,3000000000,n1,,1000000000@n0,3,1,,\n");
  std::string log;
  REQUIRE(run_binary("plot " + run.string() + " --format svg", &log) == 0);
  // Node rows in first-seen order (a sender, or a receiver when a message arrives): n0 0, n1 1 (1.6 s), n2 2 (2 s).
  CHECK(slurp(run / "plots" / "spacetime-carried.dat") == "# sent_s,from,arrived_s,to\n"
                                                           "1.5,0,2,2\n"
                                                           "2.6,2,2.7,0\n"
                                                           "3.5,2,4,1\n");
  CHECK(slurp(run / "plots" / "spacetime-duplicated.dat") == "# sent_s,from,arrived_s,to\n"
                                                              "3.5,2,4.2,1\n");
  CHECK(slurp(run / "plots" / "spacetime.gp").find("delivered a version a violation required, or a lost write") !=
        std::string::npos);
}

TEST_CASE("ecsim plot singles out the messages whose fate choices: set", "[plot]") {
  // Two nodes push-gossip every 100 ms from 0 (phase aligned), 10 ms apart:
  // each round sends n0 -> n1 then n1 -> n0 (messages 1-6 at 0, 100, 200 ms),
  // so message 5 is n0's digest at 200 ms, the first with the write of 150 ms.
  // Delayed 20 ms it arrives at 230 ms, and n1 at once asks n0 for the entry:
  // message 7, n1 -> n0 at 230 ms, which is dropped.
  const fs::path run = fresh_dir("chosen");
  fs::create_directories(run);
  std::ofstream(run / "s.yaml") << "name: chosen\nseed: 1\nduration: 350ms\nstop: duration\n"
                                   "topology: {nodes: 2, latency: {dist: constant, value: 10ms}}\n"
                                   "store: {type: lww, timestamps: hlc, keys: 1}\n"
                                   "protocols: {gossip: {interval: 100ms, fanout: 1, mode: push, phase: aligned}}\n"
                                   "ops: [{at: 150ms, client: c0, op: write, key: k0, value: a, node: n0}]\n"
                                   "choices: [{message: 5, fate: delay, by: 20ms}, {message: 7, fate: drop}]\n"
                                   "output: {traces: [events, ops, applied, convergence]}\n";
  REQUIRE(run_binary("run " + (run / "s.yaml").string() + " --quiet --out " + (run / "out").string()) == 0);
  REQUIRE(run_binary("plot " + (run / "out").string() + " --format svg") == 0);
  const fs::path plots = run / "out" / "plots";
  CHECK(slurp(plots / "spacetime-chosen.dat") == "# sent_s,from,arrived_s,to\n0.2,0,0.23,1\n");
  CHECK(slurp(plots / "spacetime-chosen-drops.dat") == "# t_s,node\n0.23,1\n");
  CHECK(slurp(plots / "spacetime-drops.dat") == "# t_s,node\n");  // no other drop
}

TEST_CASE("ecsim plot draws a sweep: each metric against a parameter with a confidence band", "[plot]") {
  const fs::path dir = fresh_dir("sweep");
  fs::create_directories(dir);
  std::ofstream(dir / "sweep.yaml") << "base: " << kSource << "/tests/sweeps/gossip-base.yaml\n"
                                    << "grid:\n  protocols.gossip.interval: [250ms, 500ms, 1s]\n  protocols.gossip.fanout: [1, 2]\n"
                                    << "seeds: 3\nmetrics: [convergence.time_s, messages.sent]\n";
  REQUIRE(run_binary("sweep " + (dir / "sweep.yaml").string() + " -j 2 -q --out " + (dir / "out").string()) == 0);
  std::string log;
  REQUIRE(run_binary("plot " + (dir / "out").string(), &log) == 0);
  for (const char* name : {"convergence.time_s", "messages.sent"}) {
    INFO(name);
    CHECK(is_png(dir / "out" / "plots" / (std::string(name) + ".png")));
    CHECK(slurp(dir / "out" / "plots" / (std::string(name) + ".svg")).find("<svg") != std::string::npos);
  }
  // Durations on the x axis in seconds; a series per fanout, with its band.
  const std::string data = slurp(dir / "out" / "plots" / "convergence.time_s.dat");
  CHECK(data.find("# protocols.gossip.fanout=1\n0.25,") != std::string::npos);
  CHECK(data.find("# protocols.gossip.fanout=2\n0.25,") != std::string::npos);
  CHECK(slurp(dir / "out" / "plots" / "convergence.time_s.gp").find("filledcurves") != std::string::npos);

  CHECK(run_binary("plot " + (dir / "out").string() + " --x protocols.gossip.fanuot", &log) == 2);
  CHECK(log.find("did you mean 'protocols.gossip.fanout'") != std::string::npos);
  CHECK(run_binary("plot " + (dir / "out").string() + " --format gif", &log) == 2);
  CHECK(run_binary("plot " + dir.string(), &log) == 2);  // neither a run nor a sweep
  CHECK(log.find("neither") != std::string::npos);
  CHECK(run_binary("plot --help", &log) == 0);
}
