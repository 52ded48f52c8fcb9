// load_scaling_bench: loads (validates) and briefly runs a scenario with two
// regions of 1 and N-1 nodes and one partition between them, at N and at 4N,
// in this process, and prints each time and the 4N/N ratio: about 4 when the
// work is linear in N, about 16 when it is quadratic (issue 12, bench/README.md).
//
// Usage: load_scaling_bench [N...]   (default 250000 1000000; each N also at 4N)
// The run: gossip at 1 s intervals for 2 s, the partition from 0.5 s to 1.5 s,
// metrics only (no output files). Wall time in this process, one run each.
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "app/modules.hpp"
#include "app/runner.hpp"
#include "sim/scenario_loader.hpp"

namespace {

namespace fs = std::filesystem;
using namespace ecsim;

// The scenario file for n nodes: regions a (1 node) and b (n - 1 nodes).
std::string write_scenario(const fs::path& dir, long n) {
  const fs::path file = dir / fmt::format("partition-{}.yaml", n);
  std::ofstream(file) << fmt::format(
      "name: load-scaling\nseed: 1\nduration: 2s\n"
      "topology:\n  regions: [{{name: a, nodes: 1}}, {{name: b, nodes: {}}}]\n  latency: 10ms\n"
      "store: {{type: lww, keys: 1}}\nprotocols: {{gossip: {{interval: 1s}}}}\n"
      "ops:\n  - {{at: 0s, client: c0, op: write, key: k0, value: x, node: a-0}}\n"
      "faults:\n  - {{at: 0.5s, partition: [[a], [b]]}}\n  - {{at: 1.5s, heal: all}}\n"
      "output:\n  traces: [summary]\n",
      n - 1);
  return file.string();
}

struct Timing {
  double load_s = 0;
  double run_s = 0;
};

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

Timing measure(const std::string& file) {
  Timing t;
  auto start = std::chrono::steady_clock::now();
  const Scenario s = load_scenario_with_modules(file);
  check_runnable(s);
  t.load_s = seconds_since(start);
  RunSettings settings;
  settings.quiet = true;
  settings.write_outputs = false;
  std::ostringstream sink;
  start = std::chrono::steady_clock::now();
  run_scenario(s, settings, sink);
  t.run_s = seconds_since(start);
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<long> sizes;
  for (int i = 1; i < argc; ++i) sizes.push_back(std::atol(argv[i]));
  if (sizes.empty()) sizes = {250'000, 1'000'000};
  const fs::path dir = fs::temp_directory_path() / fmt::format("ecsim-load-scaling-{}", getpid());
  fs::create_directories(dir);
  fmt::print("{:>9} {:>9} | {:>9} {:>9} {:>6} | {:>9} {:>9} {:>6}\n", "N", "4N", "load N s", "load 4N s", "ratio",
             "run N s", "run 4N s", "ratio");
  for (const long n : sizes) {
    const Timing small = measure(write_scenario(dir, n));
    const Timing large = measure(write_scenario(dir, 4 * n));
    fmt::print("{:>9} {:>9} | {:>9.3f} {:>9.3f} {:>6.2f} | {:>9.3f} {:>9.3f} {:>6.2f}\n", n, 4 * n, small.load_s,
               large.load_s, large.load_s / small.load_s, small.run_s, large.run_s, large.run_s / small.run_s);
  }
  fs::remove_all(dir);
  return 0;
}
