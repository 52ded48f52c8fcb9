#pragma once
// `ecsim explore`: randomized fault schedules against declared properties,
// a determinism self-check of every failing run, and shrinking of the first
// failure of each property to a minimal scenario (docs/EXPLORE.md).
//
// Run i (0-based) of an exploration is a pure function of the explore file
// and i: its seed is mix64(explore seed, i); from that seed it draws its
// sample: values and its fault schedule (app/nemesis.hpp), and the base
// scenario with those values and faults (appended to the base's own) runs
// with that seed. So the failures found do not depend on --jobs or --shard,
// and a failing run is written out as a plain scenario file.
//
// Code: explore_file.cpp reads the explore file; explore.cpp builds and runs
// the runs and writes the results; shrink.cpp is the delta debugging;
// explore_command.cpp the command line.
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "app/memory_estimate.hpp"
#include "app/nemesis.hpp"
#include "app/sample_rules.hpp"
#include "sim/scenario.hpp"

namespace ecsim {

class ModuleRegistry;

struct ExploreParam {
  std::string path;  // dotted scenario path, as for --set
  SampleRule rule;
};

// `exhaustive:` — the bound of `ecsim explore --exhaustive` (exhaustive.cpp).
struct ExhaustiveSpec {
  int depth = 2;                   // at most this many message choices in a schedule
  std::uint64_t messages = 40;     // choice points: messages 1..N of each run
  std::vector<MessageChoice::Fate> fates = {MessageChoice::Fate::drop, MessageChoice::Fate::duplicate};
  SimTime delay_ns = kSecond;      // what fate delay adds
  SimTime restart_after_ns = kSecond;  // fate crash: the sender restarts this long after
  std::uint64_t max_runs = 100'000;
  bool state_hashing = true;       // prune schedules that reach a state already seen (docs/EXPLORE.md)
};

struct ExplorePlan {
  std::string file;          // the explore file, as given
  std::string name;          // `name:` or the file's stem
  std::string base_file;     // resolved against the explore file's folder
  std::string base_text;     // the base scenario's YAML text
  std::uint64_t seed = 1;    // the exploration's seed (`seed:`)
  std::uint64_t runs = 1000; // budget (`runs:`)
  double time_budget_s = 0;  // `time_budget:` in wall seconds; 0 = none
  double sim_time_budget_s = 0;  // `sim_time_budget:` in simulated seconds; 0 = none
  NemesisSpec nemesis;
  bool has_nemesis = false;  // randomized runs need one; --exhaustive does not
  ExhaustiveSpec exhaustive;
  std::vector<ExploreParam> sample;
  std::vector<Expectation> properties;  // `expect:`, positions in the explore file
  bool shrink = true;
  std::uint64_t shrink_max_runs = 2000;
  const ModuleRegistry* modules = nullptr;
  // The base scenario as loaded: node names and duration for the nemesis
  // when no sample: path changes them.
  std::vector<std::string> base_nodes;
  SimTime base_duration = 0;
  bool sample_changes_topology = false;
  MemoryNeed base_need;  // of one run of the base (app/memory_estimate.hpp)
};

// Reads and checks an explore file and its base scenario; throws ScenarioError
// (file:line:col) for anything wrong in either, before anything runs.
ExplorePlan load_explore(const std::string& file);

struct ExploreOptions {
  std::string out_dir;        // empty: out/explore/<name>
  unsigned jobs = 1;
  unsigned shard_index = 1;   // 1-based
  unsigned shard_count = 1;
  std::uint64_t runs = 0;     // overrides the plan's budget when > 0
  double time_budget_s = -1;  // overrides the plan's when >= 0
  double sim_time_budget_s = -1;  // overrides the plan's when >= 0
  bool shrink = true;         // false: --no-shrink
  bool exhaustive = false;    // --exhaustive: bounded exhaustive search instead of random runs
  bool quiet = false;
  bool progress = false;
  // Test-only (--test-inject-nondeterminism): the kernel perturbs one message
  // in every other run of this process, which the replay check must catch.
  bool inject_nondeterminism = false;
};

struct ExploreResult {
  std::string out_dir;
  std::uint64_t runs_done = 0;
  std::uint64_t runs_failed = 0;      // runs that broke at least one property
  std::uint64_t nondeterministic = 0; // failing runs whose replay differed
  std::uint64_t schedules_pruned = 0; // --exhaustive: children not run (their state was seen before)
  std::uint64_t distinct_states = 0;  // --exhaustive: distinct (message, world hash) pairs seen
  int exit_code = 0;  // 0 nothing found, 1 a property broke, 2 bad input / a run failed, 3 nondeterminism
};

ExploreResult run_explore(const ExplorePlan& plan, const ExploreOptions& options, std::ostream& out);

// Breadth-first search over the kernel's message choices (drop, duplicate,
// delay message i; sim/scenario.hpp MessageChoice) of the base scenario at
// its own seed, up to plan.exhaustive's bound: the first schedule (fewest
// choices, then lowest message numbers) that breaks a property is written as
// DIR/min-1.yaml with a `choices:` list that `ecsim run` replays.
ExploreResult run_exhaustive(const ExplorePlan& plan, const ExploreOptions& options, std::ostream& out);

// The `ecsim explore` command line; returns the exit status.
int explore_command(const std::vector<std::string>& args);

}  // namespace ecsim
