#pragma once
// Runs one scenario end to end: builds the kernel, the store, the protocols,
// the clients and the checkers; runs; writes the outputs atomically; and
// evaluates `expect:`. Used by `ecsim run` and by tests.
#include <iosfwd>
#include <string>
#include <vector>

#include "analysis/expect.hpp"
#include "sim/scenario.hpp"

namespace ecsim {

struct RunSettings {
  bool quiet = false;         // no human summary
  bool progress = false;      // live progress line on stderr
  bool write_outputs = true;  // false: compute metrics only (tests, benchmarks)
  std::string reproduce;      // the command line that reproduces this run, printed in the summary
};

struct RunOutcome {
  MetricMap metrics;
  std::vector<ExpectOutcome> expectations;
  std::string output_dir;
  std::string trace_hash;
  int exit_code = 0;  // 0 pass, 1 an expectation failed
};

// Names of every metric a run reports (for validating expect: up front).
const std::vector<std::string>& known_metrics();

// Rejects what the file may say but this build cannot do yet, and expect:
// lines that do not parse or name unknown metrics. Throws ScenarioError.
void check_runnable(const Scenario& scenario);

RunOutcome run_scenario(const Scenario& scenario, const RunSettings& settings, std::ostream& out);

}  // namespace ecsim
