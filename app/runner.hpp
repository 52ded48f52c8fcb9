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

class ModuleRegistry;

// State hashing for `ecsim explore --exhaustive` (docs/EXPLORE.md): for
// each message number m in (after, until] that the run sends, the hash of
// the whole world (kernel, protocols, components, store, module runs, and a
// running hash of every observation checkers and metrics read) at the event
// boundary just before the event that sent message m. Two runs with equal
// keys at m behave identically from there on, given the same choices on
// messages >= m. Nothing is hashed before message `after` is sent (an event
// that sends it and later messages leaves those without a key), nor once
// some part cannot hash its state (then nothing is recorded at all).
struct StateHashProbe {
  std::uint64_t after = 0;
  std::uint64_t until = 0;
  bool hashable = true;
  std::string unhashable;  // when not hashable: the part that cannot hash its state
  std::vector<std::pair<std::uint64_t, std::uint64_t>> keys;  // (message number, world hash)
};

struct RunSettings {
  bool quiet = false;         // no human summary
  bool progress = false;      // live progress line on stderr
  bool write_outputs = true;  // false: compute metrics only (tests, benchmarks)
  // Without write_outputs: still produce every trace (into /dev/null), so that
  // trace_hash covers them all, as a run writing its default traces would
  // (ecsim explore's replay check; the hash then equals that of `ecsim run`
  // on a scenario of at most 1000 nodes).
  bool hash_all_traces = false;
  std::string reproduce;      // the command line that reproduces this run, printed in the summary
  // The modules the scenario was loaded with (app/modules.hpp: scenario_modules);
  // nullptr: modules_of(scenario), the same registry.
  const ModuleRegistry* modules = nullptr;
  StateHashProbe* state_hashes = nullptr;  // ecsim explore --exhaustive only
};

struct RunOutcome {
  MetricMap metrics;
  std::vector<ExpectOutcome> expectations;
  std::string output_dir;
  std::string trace_hash;
  // Why convergence was not reached (summary.csv `convergence.reason`): empty
  // when it was; "check off" / "no key-value writes" when it does not apply.
  std::string convergence_reason;
  int exit_code = 0;  // 0 pass, 1 an expectation failed
};

// What `ecsim validate` warns about (exit 0): nodes the topology graph cuts
// off from its largest connected component (isolated nodes first), and with
// partial replication keys none of whose replicas is in that component.
// Each line is "file:line:col: warning: ..." at topology.graph (or
// topology, or 1:1).
std::vector<std::string> scenario_warnings(const Scenario& s);

// Names of every metric a run reports (for validating expect: up front),
// with the in-tree modules or with `modules`.
const std::vector<std::string>& known_metrics();
std::vector<std::string> known_metrics(const ModuleRegistry& modules);

// Rejects what the file may say but this build cannot do yet, and expect:
// lines that do not parse or name unknown metrics. Throws ScenarioError.
// Without `modules`, with modules_of(scenario).
void check_runnable(const Scenario& scenario);
void check_runnable(const Scenario& scenario, const ModuleRegistry& modules);

RunOutcome run_scenario(const Scenario& scenario, const RunSettings& settings, std::ostream& out);

}  // namespace ecsim
