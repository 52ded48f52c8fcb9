// A sweep whose base scenario loads a module library (`modules:`) reports
// that module's metrics like the in-tree ones: metrics: and expect: may name
// them, the run records carry them, runs.csv and aggregate.csv have them.
//
// The module library is compiled here, with the compiler that built ecsim
// (from the build's CMakeCache.txt), against the source tree's headers, and
// loaded by the `ecsim` executable, which exports the kernel's symbols
// (ecsim_tests does not, so it cannot load the library itself).
#include <catch2/catch.hpp>

#include "test_util.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

using namespace std::string_literals;
namespace fs = std::filesystem;

namespace {

// Reports the run's seed and a constant, on every scenario.
const char* const kProbeModule = R"(#include <memory>
#include "protocols/core/plugin.hpp"
#include "sim/scenario.hpp"
namespace {
class ProbeRun final : public ecsim::ModuleRun {
 public:
  explicit ProbeRun(double seed) : seed_(seed) {}
  void add_metrics(ecsim::MetricMap& m, ecsim::SimTime) const override {
    m["probe.seed"] = seed_;
    m["probe.constant"] = 7;
  }
 private:
  double seed_;
};
}  // namespace
ECSIM_PLUGIN_EXPORT int ecsim_module_abi_version() { return ecsim::kEcsimModuleAbi; }
ECSIM_PLUGIN_EXPORT void ecsim_register_modules(ecsim::ModuleRegistry& r) {
  ecsim::ModuleDef def;
  def.name = "probe";
  def.metrics = {"probe.seed", "probe.constant"};
  def.always = true;
  def.start = [](ecsim::ModuleWorld& w) -> std::unique_ptr<ecsim::ModuleRun> {
    return std::make_unique<ProbeRun>(static_cast<double>(w.scenario.seed));
  };
  r.add(std::move(def));
}
)";

const char* const kBase = R"(modules: [libprobe.so]
name: probe-base
seed: 1
duration: 2s
topology: {nodes: 3, graph: complete, latency: {dist: constant, value: 5ms}}
store: {type: lww, keys: 2}
protocols:
  gossip: {interval: 100ms, fanout: 1}
ops:
  - {at: 0s, client: c0, op: write, key: a, value: x, node: n0}
)";

using ecsim::test::slurp;

int shell(const std::string& command, const fs::path& log, std::string* output) {
  const int status = std::system((command + " >" + log.string() + " 2>&1").c_str());
  *output = slurp(log);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// The C++ compiler of the build that made ECSIM_BINARY; "" when unknown.
std::string build_compiler() {
  const fs::path cache = fs::path(ECSIM_BINARY).parent_path().parent_path() / "CMakeCache.txt";
  std::istringstream in(slurp(cache));
  const std::string key = "CMAKE_CXX_COMPILER:FILEPATH=";
  for (std::string line; std::getline(in, line);)
    if (line.rfind(key, 0) == 0) return line.substr(key.size());
  return "";
}

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

}  // namespace

TEST_CASE("a sweep reports the metrics of the base scenario's module libraries", "[sweep][modules][cli]") {
  const std::string compiler = build_compiler();
  if (compiler.empty() || !fs::exists(compiler)) {
    WARN("no CMakeCache.txt compiler next to " ECSIM_BINARY "; the module library cannot be built");
    return;
  }
  const fs::path dir = fs::temp_directory_path() / ("ecsim-test-sweep-modules-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ofstream(dir / "probe.cpp") << kProbeModule;
  std::ofstream(dir / "base.yaml") << kBase;
  std::string log;
  REQUIRE(shell(compiler + " -std=c++20 -fPIC -shared -O1 -I" ECSIM_SOURCE_DIR " -o " + (dir / "libprobe.so").string() +
                    " " + (dir / "probe.cpp").string(),
                dir / "compile.log", &log) == 0);
  INFO(log);

  std::ofstream(dir / "probe.yaml") << R"(base: base.yaml
grid:
  network.loss: [0, 0.1]
seeds: [3, 5]
metrics: [probe.seed, messages.sent]
expect:
  - "probe.seed.mean == 4"
  - "probe.constant.min == 7"
)";
  const std::string sweep = ECSIM_BINARY " sweep "s + (dir / "probe.yaml").string() + " -j 2 --no-progress --out ";
  CHECK(shell(sweep + (dir / "out").string(), dir / "sweep.log", &log) == 0);
  CHECK_THAT(log, Catch::Contains("PASS  probe.seed.mean == 4") && Catch::Contains("PASS  probe.constant.min == 7"));
  const std::string runs = slurp(dir / "out" / "runs.csv");
  CHECK(first_line(runs) == "network.loss,seed,probe.seed,messages.sent");
  CHECK_THAT(runs, Catch::Contains("\n0,3,3,") && Catch::Contains("\n0.1,5,5,"));
  CHECK_THAT(slurp(dir / "out" / "aggregate.csv"), Catch::Contains("\n0,probe.seed,2,4,"));
  // The records carry every metric of the registry, so a re-run finds them all finished.
  CHECK(shell(sweep + (dir / "out").string(), dir / "sweep.log", &log) == 0);
  CHECK_THAT(log, Catch::Contains("4 already finished"));

  // Without metrics:, every metric but wall_s, the module's included.
  std::ofstream(dir / "all.yaml") << "base: base.yaml\n";
  CHECK(shell(ECSIM_BINARY " sweep "s + (dir / "all.yaml").string() + " --quiet --out " + (dir / "all").string(),
              dir / "all.log", &log) == 0);
  const std::string header = first_line(slurp(dir / "all" / "runs.csv"));
  CHECK_THAT(header, Catch::StartsWith("seed,convergence.time_s,") && Catch::EndsWith(",probe.seed,probe.constant"));

  // A misspelt module metric is an unknown metric, with the module's names as suggestions.
  std::ofstream(dir / "typo.yaml") << "base: base.yaml\nmetrics: [probe.sed]\n";
  CHECK(shell(ECSIM_BINARY " sweep "s + (dir / "typo.yaml").string() + " --plan --out " + (dir / "typo").string(),
              dir / "typo.log", &log) == 2);
  CHECK_THAT(log, Catch::Contains("typo.yaml:2:11: error: metrics: unknown metric 'probe.sed' (did you mean 'probe.seed'?)"));
  fs::remove_all(dir);
}
