// Whole runs: determinism (same scenario + seed => identical bytes), exit
// statuses of the ecsim binary, and no half-written output on bad input.
#include <catch2/catch.hpp>

#include "test_util.hpp"
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>

#include "app/modules.hpp"
#include "app/runner.hpp"
#include "sim/scenario_loader.hpp"

using namespace ecsim;
namespace fs = std::filesystem;

namespace {

const std::string kSource = ECSIM_SOURCE_DIR;

fs::path fresh_dir(const std::string& name) {
  const fs::path p = fs::temp_directory_path() / ("ecsim-test-runs-" + std::to_string(::getpid())) / name;
  fs::remove_all(p);
  fs::create_directories(p.parent_path());
  return p;
}

using ecsim::test::slurp;

// summary.csv minus its wall-clock line, the one value that may differ.
std::string summary_without_wall(const fs::path& p) {
  std::istringstream in(slurp(p));
  std::string line, out;
  while (std::getline(in, line))
    if (line.rfind("wall_s,", 0) != 0) out += line + "\n";
  return out;
}

RunOutcome run_file(const std::string& file, const fs::path& out, std::optional<std::uint64_t> seed = {}) {
  LoadOptions lo;
  lo.output_dir = out.string();
  lo.seed = seed;
  const Scenario s = load_scenario_with_modules(file, lo);
  RunSettings settings;
  settings.quiet = true;
  std::ostringstream sink;
  return run_scenario(s, settings, sink);
}

int run_binary(const std::string& args) {
  const std::string cmd = std::string(ECSIM_BINARY) + " " + args + " >/dev/null 2>&1";
  const int status = std::system(cmd.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

TEST_CASE("same scenario and seed give identical bytes, another seed differs", "[determinism]") {
  const std::string file = kSource + "/scenarios/demo.yaml";
  const fs::path a = fresh_dir("det-a"), b = fresh_dir("det-b"), c = fresh_dir("det-c");
  const RunOutcome ra = run_file(file, a);
  const RunOutcome rb = run_file(file, b);
  REQUIRE(ra.trace_hash == rb.trace_hash);
  for (const char* name : {"events.csv", "ops.csv", "convergence.csv"}) {
    INFO(name);
    const std::string bytes = slurp(a / name);
    CHECK(bytes.size() > 100);  // a real trace, not an empty file
    CHECK(bytes == slurp(b / name));
  }
  CHECK(summary_without_wall(a / "summary.csv") == summary_without_wall(b / "summary.csv"));

  const RunOutcome rc = run_file(file, c, 43);
  CHECK(rc.trace_hash != ra.trace_hash);
  CHECK(slurp(c / "events.csv") != slurp(a / "events.csv"));
}

TEST_CASE("the trace hash covers the CSV bytes", "[determinism]") {
  // Two runs that differ in one scripted value must differ in hash.
  const fs::path dir = fresh_dir("hash");
  fs::create_directories(dir);
  const std::string base = R"(name: tiny
seed: 9
duration: 3s
topology: {nodes: 3, latency: {dist: constant, value: 1ms}}
store: {type: lww, keys: 1}
protocols: {gossip: {interval: 100ms}}
ops:
  - {at: 0s, client: c0, op: write, key: k0, value: VALUE, node: n0}
)";
  auto write = [&](const std::string& value) {
    std::string text = base;
    text.replace(text.find("VALUE"), 5, value);
    const fs::path f = dir / ("tiny-" + value + ".yaml");
    std::ofstream(f) << text;
    return f.string();
  };
  const RunOutcome r1 = run_file(write("one"), dir / "out1");
  const RunOutcome r2 = run_file(write("two"), dir / "out2");
  CHECK(r1.trace_hash != r2.trace_hash);
  CHECK(r1.metrics.at("convergence.reached") == 1);
}

TEST_CASE("ecsim exit status: 0 pass, 1 failed expectation, 2 bad input", "[cli]") {
  const fs::path dir = fresh_dir("cli");
  fs::create_directories(dir);
  const std::string ok = R"(name: ok
seed: 1
duration: 2s
topology: {nodes: 2}
protocols: {gossip: {interval: 100ms}}
ops:
  - {at: 0s, client: c0, op: write, key: k0, value: v, node: n0}
checks:
  expect: ["convergence.reached == 1"]
)";
  std::ofstream(dir / "ok.yaml") << ok;
  CHECK(run_binary((dir / "ok.yaml").string() + " --out " + (dir / "ok-out").string()) == 2);  // missing command
  CHECK(run_binary("run " + (dir / "ok.yaml").string() + " --out " + (dir / "ok-out").string()) == 0);
  CHECK(fs::exists(dir / "ok-out" / "summary.csv"));

  std::string failing = ok;
  failing.replace(failing.find("== 1"), 4, "== 0");
  std::ofstream(dir / "fail.yaml") << failing;
  CHECK(run_binary("run " + (dir / "fail.yaml").string() + " --out " + (dir / "fail-out").string()) == 1);
  CHECK(fs::exists(dir / "fail-out" / "summary.csv"));  // outputs are still written for inspection

  std::string typo = ok;
  typo.replace(typo.find("duration"), 8, "duraton");
  std::ofstream(dir / "typo.yaml") << typo;
  CHECK(run_binary("run " + (dir / "typo.yaml").string() + " --out " + (dir / "typo-out").string()) == 2);
  CHECK_FALSE(fs::exists(dir / "typo-out"));  // nothing half-written

  std::string bad_metric = ok;
  bad_metric.replace(bad_metric.find("convergence.reached"), 19, "convergence.reachd");
  std::ofstream(dir / "metric.yaml") << bad_metric;
  CHECK(run_binary("validate " + (dir / "metric.yaml").string()) == 2);
  CHECK(run_binary("validate " + (dir / "ok.yaml").string()) == 0);
  CHECK(run_binary("frobnicate") == 2);
  CHECK(run_binary("--help") == 0);
  CHECK(run_binary("run --help") == 0);
}

TEST_CASE("error messages name file, line and column with a did-you-mean", "[cli]") {
  const fs::path dir = fresh_dir("msg");
  fs::create_directories(dir);
  std::ofstream(dir / "typo.yaml") << "name: t\nseed: 1\nduration: 2s\ntopology: {nodes: 2}\nprotocols:\n  gossip: {fanuot: 2}\n";
  try {
    load_scenario_with_modules((dir / "typo.yaml").string());
    FAIL("expected a ScenarioError");
  } catch (const ScenarioError& e) {
    const std::string what = e.what();
    CHECK(what.find("typo.yaml:6:") != std::string::npos);
    CHECK(what.find("did you mean 'fanout'") != std::string::npos);
  }
}
