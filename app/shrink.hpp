#pragma once
// Shrinking a failing scenario (`ecsim explore`): delta debugging (Zeller and
// Hildebrandt 2002, ddmin) over the `faults:` and `ops:` lists, then smaller
// node, key, client and saga counts, a shorter duration and workload,
// sections dropped, and the values inside faults toward zero (clock offset
// and drift, outage and window lengths, probabilities), repeated until
// nothing more can go. A candidate counts
// as failing only if it still breaks the same property (the failure
// signature); a candidate that does not load is simply not failing.
//
// Candidates are tried in a fixed order and the first failing one is taken,
// so the result does not depend on `jobs` (which only evaluates the next
// `jobs` candidates at once).
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace ecsim {

struct ShrinkReport {
  // Candidate runs a one-at-a-time search would have made (independent of
  // jobs); runs actually made may be up to jobs-1 more per step.
  std::uint64_t runs = 0;
  bool budget_exhausted = false;         // stopped at max_runs: smaller may exist
  std::vector<std::string> reduced;      // "faults 7 -> 1", "topology.nodes 12 -> 2", "dropped workload"
};

// `yaml` is a whole scenario that fails; returns the smallest failing one
// found, as YAML text. `fails` must be deterministic and thread-safe.
std::string shrink_scenario(const std::string& yaml, const std::function<bool(const std::string&)>& fails, unsigned jobs,
                            std::uint64_t max_runs, ShrinkReport& report);

}  // namespace ecsim
