// Fuzz findings: hostile or absurd input gives a clean error (exit 2,
// file:line:col) or a correct run, never a crash, a hang or a silently wrong
// workload.
#include <catch2/catch.hpp>

#include "test_util.hpp"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>
#include <chrono>
#include <fmt/format.h>
#include <csignal>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include "sim/distribution.hpp"
#include "sim/rng.hpp"

namespace fs = std::filesystem;

namespace {

fs::path fresh_dir(const std::string& name) {
  const fs::path root = fs::temp_directory_path() / ("ecsim-test-robust-" + std::to_string(::getpid()));
  struct RemoveAtExit {
    fs::path dir;
    ~RemoveAtExit() {
      std::error_code ec;
      fs::remove_all(dir, ec);
    }
  };
  static const RemoveAtExit cleanup{root};
  const fs::path p = root / name;
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}

using ecsim::test::slurp;

struct Result {
  int status = -1;  // exit status, or 128 + signal
  std::string err;  // stderr
};

// Runs the ecsim binary under `timeout` (a hang fails the test, not the suite).
// `limit_kib` > 0 limits its address space (ulimit -v), as a shared machine would.
Result run_ecsim(const std::string& args, const fs::path& dir, long limit_kib = 0) {
  const fs::path err = dir / "stderr.txt";
  const std::string ulimit = limit_kib > 0 ? fmt::format("ulimit -v {} && ", limit_kib) : "";
  const std::string cmd = fmt::format("sh -c '{}exec timeout -s KILL 60 {} {}' >/dev/null 2>{}", ulimit, ECSIM_BINARY, args, err.string());
  const int status = std::system(cmd.c_str());
  Result r;
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : -1;
  r.err = slurp(err);
  return r;
}

std::size_t lines(const std::string& text) {
  std::size_t n = 0;
  for (char c : text) n += c == '\n';
  return n;
}

const char* const kHeader = "name: t\nseed: 1\ntopology: {nodes: 1}\nstore: {type: lww, keys: 1}\n";

}  // namespace

TEST_CASE("validate: 100,000 unary operators in an expect: are a syntax error, not a crash", "[robust][expect]") {
  const fs::path dir = fresh_dir("unary");
  for (const std::string op : {"not ", "-"}) {
    std::string chain;
    for (int i = 0; i < 100'000; ++i) chain += op;
    std::ofstream(dir / "s.yaml") << kHeader << "duration: 1s\nchecks:\n  expect:\n    - \"" << chain << "1 > 0\"\n";
    const Result r = run_ecsim("validate " + (dir / "s.yaml").string(), dir);
    INFO(r.err.substr(0, 300));
    CHECK(r.status == 2);
    const std::string where = (dir / "s.yaml").string() + ":8:" + std::to_string(7 + 100 * op.size()) + ": error: ";
    CHECK(r.err.rfind(where + "expect: unary '" + op.substr(0, op.find(' ')) + "' nested too deeply", 0) == 0);
  }
}

TEST_CASE("workload: a closed loop without think time or client latency is refused", "[robust][workload]") {
  // Without client_latency a request takes the network's latency: a topology
  // with latency 0 leaves nothing to advance time.
  const char* const kZeroLatency = "name: t\nseed: 1\ntopology: {nodes: 1, latency: 0s}\nstore: {type: lww, keys: 1}\n";
  const fs::path dir = fresh_dir("closed");
  std::ofstream(dir / "s.yaml") << kZeroLatency << "duration: 1ms\nworkload: {clients: 1, closed: true}\n";
  const Result r = run_ecsim("run " + (dir / "s.yaml").string() + " --quiet --out " + (dir / "out").string(), dir);
  CHECK(r.status == 2);
  CHECK(r.err.rfind((dir / "s.yaml").string() + ":6:32: error: workload.think_time: a closed loop needs time", 0) == 0);
  CHECK_FALSE(fs::exists(dir / "out"));
  // think_time: 0s said explicitly: the error points at it.
  std::ofstream(dir / "zero.yaml") << kZeroLatency << "duration: 1ms\nworkload: {clients: 1, closed: true, think_time: 0s}\n";
  CHECK(run_ecsim("validate " + (dir / "zero.yaml").string(), dir).err.find("zero.yaml:6:50: error: workload.think_time") !=
        std::string::npos);
  // Either delay makes time advance: 1ms of think time in 1ms gives exactly one
  // operation (at t = 0; the next would be at 1ms, which is the stop).
  std::ofstream(dir / "think.yaml") << kZeroLatency << "duration: 1ms\nworkload: {clients: 1, closed: true, think_time: 1ms}\n";
  REQUIRE(run_ecsim("run " + (dir / "think.yaml").string() + " --quiet --out " + (dir / "think").string(), dir).status == 0);
  CHECK(lines(slurp(dir / "think" / "ops.csv")) == 1 + 1);
  // normal(0, 1ms) clamped at 0 averages about 0.4ms: accepted.
  std::ofstream(dir / "normal.yaml") << kZeroLatency
                                     << "duration: 1ms\nworkload: {clients: 1, closed: true, "
                                        "think_time: {dist: normal, mean: 0s, stddev: 1ms}}\n";
  CHECK(run_ecsim("validate " + (dir / "normal.yaml").string(), dir).status == 0);
  std::ofstream(dir / "latency.yaml") << kZeroLatency << "duration: 1ms\nworkload: {clients: 1, closed: true, client_latency: 1us}\n";
  CHECK(run_ecsim("validate " + (dir / "latency.yaml").string(), dir).status == 0);
  // The default topology's 1ms latency is time enough.
  std::ofstream(dir / "network.yaml") << kHeader << "duration: 1ms\nworkload: {clients: 1, closed: true}\n";
  CHECK(run_ecsim("validate " + (dir / "network.yaml").string(), dir).status == 0);
}

TEST_CASE("workload: an offered load above the replicas' capacity is warned about, not refused", "[robust][workload]") {
  const fs::path dir = fresh_dir("overload");
  // Two nodes, one server each, writes 1 ms, reads 3 ms, half and half: a
  // mean service time of 2 ms, so 500 ops/s per node. Four clients at 300/s
  // offer 1200/s, 600 per node: over capacity. At 200/s, 400 per node: fine.
  const std::string head = "name: t\nseed: 1\nduration: 1s\ntopology: {nodes: 2}\nstore: {type: lww, keys: 10}\n"
                           "replicas: {service: {write: 1ms, read: 3ms}, servers: 1}\n";
  std::ofstream(dir / "over.yaml") << head << "workload: {clients: 4, rate: 300/s}\n";
  const Result over = run_ecsim("validate " + (dir / "over.yaml").string(), dir);
  CHECK(over.status == 0);
  CHECK(over.err.rfind((dir / "over.yaml").string() + ":7:30: warning: the workload offers about 600 operations/s per node", 0) == 0);
  CHECK(over.err.find("more than a node serves: 500/s (replicas.servers 1 / the mix's mean service time 2ms)") != std::string::npos);
  std::ofstream(dir / "fine.yaml") << head << "workload: {clients: 4, rate: 200/s}\n";
  const Result fine = run_ecsim("validate " + (dir / "fine.yaml").string(), dir);
  CHECK(fine.status == 0);
  CHECK(fine.err.find("warning") == std::string::npos);
}

TEST_CASE("workload: an absurdly low open-loop rate gives no operation, quickly", "[robust][workload]") {
  const fs::path dir = fresh_dir("rate");
  // Mean gap 1e24 ns (1e-15/s) or +inf (1e-300/s): the first draw saturates at
  // 2^62 ns, far past the 10s run, so no operation at all. Before, llround
  // overflowed to INT64_MIN: 32,322 operations at t = 0, or a hang.
  for (const char* rate : {"0.000000000000001/s", "1e-300/s"}) {
    INFO(rate);
    std::ofstream(dir / "s.yaml") << kHeader << "duration: 10s\nworkload: {clients: 1, rate: " << rate << "}\n";
    REQUIRE(run_ecsim("run " + (dir / "s.yaml").string() + " --quiet --out " + (dir / "out").string(), dir).status == 0);
    CHECK(lines(slurp(dir / "out" / "ops.csv")) == 1);  // the header only
  }
}

TEST_CASE("poisson_gap: llround of the exponential draw for normal rates, saturating for absurd ones", "[robust][distribution]") {
  ecsim::Rng a = ecsim::Rng::stream(7, "gap"), b = ecsim::Rng::stream(7, "gap");
  for (int i = 0; i < 1000; ++i) {
    const double rate = i % 2 ? 100.0 : 3.5e6;
    CHECK(ecsim::poisson_gap(a, rate) == static_cast<ecsim::SimTime>(std::llround(b.exponential(1e9 / rate))));
  }
  for (const double rate : {1e-15, 1e-300, 4.9e-324}) {
    ecsim::Rng r = ecsim::Rng::stream(1, "gap");
    for (int i = 0; i < 100; ++i) CHECK(ecsim::poisson_gap(r, rate) >= (rate < 1e-200 ? ecsim::kMaxDrawnDuration : 1e16));
  }
  CHECK(ecsim::time_after(ecsim::kMaxTime - 5, ecsim::kMaxDrawnDuration) == ecsim::kMaxTime);
  CHECK(ecsim::time_after(10, 5) == 15);
}

namespace {

// Names in `dir` that contain ".tmp-".
std::vector<std::string> temp_entries(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().find(".tmp-") != std::string::npos) out.push_back(e.path().filename().string());
  return out;
}

// Starts `ecsim run big.yaml --out dir/out`, sends `sig` once its temporary
// directory exists, and returns the exit status (or 128 + signal if killed).
int interrupted_run(const fs::path& dir, int sig) {
  const std::string scenario = (dir / "big.yaml").string(), out = (dir / "out").string();
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    std::signal(SIGINT, SIG_DFL);
    ::execl(ECSIM_BINARY, ECSIM_BINARY, "run", scenario.c_str(), "--quiet", "--out", out.c_str(), nullptr);
    ::_exit(127);
  }
  const fs::path temp = dir / ("out.tmp-" + std::to_string(pid));
  for (int i = 0; i < 1000 && !fs::exists(temp); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  CHECK(fs::exists(temp));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // well into the run
  ::kill(pid, sig);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : -1;
}

}  // namespace

TEST_CASE("run: SIGTERM and SIGINT remove the temporary output directory, exit 128 + signal", "[robust][output]") {
  const fs::path dir = fresh_dir("signal");
  // An hour of simulated load (3.6 million operations, about 1.5 GB by the
  // memory estimate, so not refused): far longer than the test waits.
  std::ofstream(dir / "big.yaml") << "name: big\nseed: 1\nduration: 1h\ntopology: {nodes: 3, latency: 1ms}\n"
                                     "store: {type: lww, keys: 100}\nprotocols: {gossip: {interval: 100ms}}\n"
                                     "workload: {clients: 1, rate: 1000/s}\n";
  for (const int sig : {SIGTERM, SIGINT}) {
    INFO("signal " << sig);
    CHECK(interrupted_run(dir, sig) == 128 + sig);
    CHECK(temp_entries(dir).empty());
    CHECK_FALSE(fs::exists(dir / "out"));  // nothing committed either
  }
}

TEST_CASE("run: stale temporary output directories of dead processes are removed", "[robust][output]") {
  const fs::path dir = fresh_dir("stale");
  // A pid that is certainly dead: a child that exited and was reaped.
  const pid_t dead = ::fork();
  REQUIRE(dead >= 0);
  if (dead == 0) ::_exit(0);
  ::waitpid(dead, nullptr, 0);
  const fs::path stale = dir / ("out.tmp-" + std::to_string(dead));
  fs::create_directories(stale);
  std::ofstream(stale / ".ecsim-output") << "x";
  std::ofstream(stale / "events.csv") << "half-written";
  const fs::path stale_empty = dir / ("out.tmp-" + std::to_string(dead) + "0");  // probably dead too
  fs::create_directories(stale_empty);
  // Kept: a live process's (this test's), one without the marker, another name.
  const fs::path live = dir / ("out.tmp-" + std::to_string(::getpid()));
  fs::create_directories(live);
  std::ofstream(live / ".ecsim-output") << "x";
  const fs::path foreign = dir / ("out.tmp-" + std::to_string(dead) + "1");
  fs::create_directories(foreign);
  std::ofstream(foreign / "user-file") << "x";
  const fs::path other = dir / ("other.tmp-" + std::to_string(dead));
  fs::create_directories(other);

  std::ofstream(dir / "s.yaml") << kHeader << "duration: 1s\n";
  REQUIRE(run_ecsim("run " + (dir / "s.yaml").string() + " --quiet --out " + (dir / "out").string(), dir).status == 0);
  CHECK(fs::exists(dir / "out" / "summary.csv"));
  CHECK_FALSE(fs::exists(stale));
  CHECK(fs::exists(live));
  CHECK(fs::exists(foreign / "user-file"));
  CHECK(fs::exists(other));
  if (::kill(std::stoi(stale_empty.string().substr(stale_empty.string().rfind('-') + 1)), 0) != 0) CHECK_FALSE(fs::exists(stale_empty));
}

#if !defined(__SANITIZE_ADDRESS__)  // ASan reserves terabytes of address space: ulimit -v cannot apply
TEST_CASE("memory: store.keys costs nothing per untouched key, and running out of memory names the inputs", "[robust][memory]") {
  const fs::path dir = fresh_dir("memory");
  // 100 million keys, 10 operations: per-key state was sized by the largest
  // key id (about 117 bytes per key: 11 GB) and failed with a bare
  // std::bad_alloc; only touched keys cost memory now.
  std::ofstream(dir / "keys.yaml") << "name: t\nseed: 1\ntopology: {nodes: 8}\nstore: {keys: 100000000}\n"
                                      "workload: {clients: 1, rate: 10/s}\nduration: 1s\n";
  const Result keys = run_ecsim("run " + (dir / "keys.yaml").string() + " --quiet --out " + (dir / "k").string(), dir, 400'000);
  INFO(keys.err);
  CHECK(keys.status == 0);
  // A dense graph costs memory the estimate (nodes, operations) leaves out:
  // 3000 nodes with every pair linked (4.5 million links) do not fit in
  // 300 MB. The run stops with a report naming the inputs and what was
  // available, exit 2, and leaves no output behind.
  std::ofstream(dir / "dense.yaml") << "name: t\nseed: 1\ntopology: {nodes: 3000, graph: {erdos_renyi: {p: 1}}}\n"
                                       "store: {keys: 10}\nworkload: {clients: 1, rate: 10/s}\nduration: 1s\n";
  const Result dense = run_ecsim("run " + (dir / "dense.yaml").string() + " --quiet --out " + (dir / "n").string(), dir, 300'000);
  INFO(dense.err);
  CHECK(dense.status == 2);
  CHECK(dense.err.rfind((dir / "dense.yaml").string() + ": error: out of memory during the run (std::bad_alloc), although "
                        "the estimate, about 1 MiB, fit in the ", 0) == 0);
  CHECK(dense.err.find("MiB available (the address-space limit, ulimit -v, less what ecsim already maps)") != std::string::npos);
  CHECK(dense.err.find("topology.nodes (3000 x 200 bytes = 1 MiB) and the operations (10 x ") != std::string::npos);
  CHECK(dense.err.find("plus about 10 generated: workload.clients 1 x workload.rate 10/s x 1 s") != std::string::npos);
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    CHECK((name == "dense.yaml" || name.rfind("n", 0) != 0));  // neither n nor n.tmp-PID
  }
}

TEST_CASE("memory: a run whose estimate exceeds the memory available is refused before it starts", "[robust][memory]") {
  const fs::path dir = fresh_dir("estimate");
  constexpr long kLimitKib = 1L << 20;  // ulimit -v 1 GiB
  const auto run = [&](const std::string& name, const std::string& yaml) {
    std::ofstream(dir / (name + ".yaml")) << "name: t\nseed: 1\n" << yaml << "duration: 1s\n";
    return run_ecsim("run " + (dir / (name + ".yaml")).string() + " --quiet --out " + (dir / ("out-" + name)).string(), dir,
                     kLimitKib);
  };
  // 50 million nodes (about 9.3 GiB): refused while loading, at topology.nodes, before the nodes are created.
  const Result nodes = run("nodes", "topology: {nodes: 50000000}\n");
  INFO(nodes.err);
  CHECK(nodes.status == 2);
  CHECK(nodes.err.rfind((dir / "nodes.yaml").string() + ":3:19: error: refused before running: it needs about 9537 MiB "
                        "of memory and ", 0) == 0);  // 50e6 x 200 / 2^20
  CHECK(nodes.err.find(" MiB are available (the address-space limit, ulimit -v, less what ecsim already maps)") != std::string::npos);
  CHECK(nodes.err.find("Memory grows with topology.nodes (50000000 x 200 bytes = 9537 MiB), before the operations are counted") !=
        std::string::npos);
  // Few nodes, 3.6 billion generated operations: refused once the workload is read.
  const Result ops = run("ops", "topology: {nodes: 8}\nworkload: {clients: 1000, rate: 3600/s}\n");
  INFO(ops.err);
  CHECK(ops.status == 2);
  CHECK(ops.err.find((dir / "ops.yaml").string() + ": error: refused before running: it needs about ") != std::string::npos);
  CHECK(ops.err.find("plus about 3.6e+06 generated: workload.clients 1000 x workload.rate 3600/s x 1 s") != std::string::npos);
  // The same limit runs a small scenario.
  const Result small = run("small", "topology: {nodes: 1000}\nworkload: {clients: 1, rate: 10/s}\n");
  INFO(small.err);
  CHECK(small.status == 0);
  CHECK(fs::exists(dir / "out-small" / "summary.csv"));
  CHECK_FALSE(fs::exists(dir / "out-nodes"));
  CHECK_FALSE(fs::exists(dir / "out-ops"));
}

TEST_CASE("memory: a sweep is refused before it starts when a point, times --jobs, does not fit", "[robust][memory][sweep]") {
  const fs::path dir = fresh_dir("sweep-estimate");
  std::ofstream(dir / "base.yaml") << "name: t\nseed: 1\ntopology: {nodes: 8}\nworkload: {clients: 1, rate: 10/s}\nduration: 1s\n";
  const auto sweep = [&](const std::string& name, const std::string& grid) {
    std::ofstream(dir / (name + ".yaml")) << "base: base.yaml\ngrid:\n  " << grid << "\nseeds: 2\n";
    return run_ecsim("sweep " + (dir / (name + ".yaml")).string() + " --jobs 2 --out " + (dir / ("out-" + name)).string(),
                     dir, 1L << 20);
  };
  // A point with 50 million nodes: refused while its point loads, at the value in the sweep file.
  const Result nodes = sweep("nodes", "topology.nodes: [8, 50000000]");
  INFO(nodes.err);
  CHECK(nodes.status == 2);
  CHECK(nodes.err.rfind((dir / "nodes.yaml").string() + ":3:23: error: refused before running: it needs about 9537 MiB", 0) == 0);
  // 2 million operations (about 840 MiB) fit in 1 GiB once, not twice: two run at a time.
  const Result ops = sweep("ops", "workload.rate: [10/s, 2000000/s]");
  INFO(ops.err);
  CHECK(ops.status == 2);
  CHECK(ops.err.find((dir / "ops.yaml").string() + ": error: sweep point workload.rate=2000000/s: refused before running: "
                     "it needs about 839 MiB of memory and ") != std::string::npos);
  CHECK(ops.err.find("shared by the 2 runs at a time of --jobs 2)") != std::string::npos);
  CHECK_FALSE(fs::exists(dir / "out-nodes"));
  CHECK_FALSE(fs::exists(dir / "out-ops"));
}

TEST_CASE("memory: an exploration is refused before it starts when its base, times --jobs, does not fit", "[robust][memory][explore]") {
  const fs::path dir = fresh_dir("explore-estimate");
  // 2 million operations (about 840 MiB) fit in 1 GiB once, not twice: two run at a time.
  std::ofstream(dir / "base.yaml") << "name: t\nseed: 1\ntopology: {nodes: 8}\nworkload: {clients: 1, rate: 2000000/s}\nduration: 1s\n";
  std::ofstream(dir / "e.yaml") << "base: base.yaml\nnemesis: {crash: {count: 1}}\nexpect: [\"lost_writes == 0\"]\n";
  const Result r = run_ecsim("explore " + (dir / "e.yaml").string() + " --jobs 2 --out " + (dir / "out").string(), dir, 1L << 20);
  INFO(r.err);
  CHECK(r.status == 2);
  CHECK(r.err.find((dir / "e.yaml").string() + ": error: base ") != std::string::npos);
  CHECK(r.err.find("refused before running: it needs about 839 MiB of memory") != std::string::npos);
  CHECK(r.err.find("shared by the 2 runs at a time of --jobs 2)") != std::string::npos);
  CHECK_FALSE(fs::exists(dir / "out"));
}
#endif
