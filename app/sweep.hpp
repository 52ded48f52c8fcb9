#pragma once
// `ecsim sweep`: many runs of one base scenario over a grid / zipped lists /
// random samples of dotted scenario paths, times `seeds:` replicates
// (docs/SWEEPS.md).
//
// Runs execute in a pool of threads in this process. A run's outputs depend
// only on its resolved scenario and seed, never on the job count or shard.
// Each finished run is recorded atomically as DIR/runs/<run-key>.csv, where
// the run key is a hash of the run's fully resolved configuration (seed
// included); a re-run skips runs whose record exists, so a killed sweep
// resumes, an extended sweep only runs what is new, and shards written by
// other machines merge by copying records. runs.csv and aggregate.csv are
// assembled from the records, in plan order, once every run has one.
//
// Code, one job per file: sweep_file.cpp reads and validates the sweep file;
// sweep_plan.* expands it into points and runs (run keys); sweep_run.* is the
// thread pool; sweep_records.* the sweep directory (run records, plan.csv,
// merging shards); sweep_output.* writes runs.csv and aggregate.csv;
// sweep_expect.* checks the sweep's expect:; sweep_command.cpp is the
// command line; sweep.cpp runs and merges.
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "analysis/expect.hpp"
#include "sim/scenario.hpp"

namespace ecsim {

class ModuleRegistry;

struct SweepPoint {
  std::vector<std::string> values;  // text of each parameter's value (runs.csv/aggregate.csv columns)
  Scenario scenario;                // the base with this point's overrides, resolved (seed = base seed)
  std::uint64_t config_hash = 0;    // of the resolved configuration, seed excluded
};

struct SweepRun {
  std::size_t point = 0;
  std::uint64_t seed = 0;
  std::uint64_t key = 0;  // run key: config_hash and seed; names the record file
};

struct SweepPlan {
  std::string file;       // the sweep file, as given
  std::string name;       // `name:` or the file's stem
  std::string base_file;  // the base scenario, resolved against the sweep file's directory
  std::vector<std::string> params;  // dotted paths, in column order (grid, zip, sample)
  std::vector<SweepPoint> points;   // grid order: first path outermost, then zip, then samples
  std::vector<std::uint64_t> seeds;
  std::vector<SweepRun> runs;        // point-major, seeds inner
  std::vector<std::uint64_t> keys;   // distinct run keys, in plan order (the unit of work and sharding)
  std::vector<std::string> metrics;  // runs.csv / aggregate.csv columns
  // The modules the base scenario runs with (app/modules.hpp: scenario_modules):
  // the in-tree ones and those of the libraries its `modules:` lists.
  const ModuleRegistry* modules = nullptr;
  // Every metric its runs report (known_metrics(*modules), app/runner.hpp): the
  // fields of a run record, and what metrics: and expect: may name.
  std::vector<std::string> run_metrics;
  std::vector<Expectation> expect;   // sweep-level assertions on aggregates, e.g. "convergence.time_s.p95 < 5"
};

// Reads and validates a sweep file, loading the base scenario once per point
// so that every bad value is reported before anything runs. Throws
// ScenarioError ("file:line:col: error: ..."), pointing into the sweep file
// for values that come from it.
SweepPlan load_sweep(const std::string& file);

struct SweepOptions {
  std::string out_dir;         // empty: out/sweeps/<name>
  unsigned jobs = 1;           // worker threads
  unsigned shard_index = 1;    // 1-based
  unsigned shard_count = 1;
  bool keep_traces = false;    // each run's traces in DIR/traces/<run-key>/
  bool rerun = false;          // ignore finished runs
  bool quiet = false;          // only errors
  bool progress = false;       // live progress bar (a terminal); otherwise plain progress lines
};

struct SweepResult {
  std::string out_dir;
  std::size_t runs_planned = 0;   // distinct runs in this shard
  std::size_t runs_skipped = 0;   // already recorded
  std::size_t runs_done = 0;      // run by this call
  std::size_t runs_failed = 0;
  bool complete = false;          // runs.csv and aggregate.csv were written
  int exit_code = 0;              // 0 ok, 1 a sweep expect: failed, 2 a run failed / bad input
  // One per sweep expect: assertion when complete (for --junit): passed, or
  // detail = the failing points with their values.
  std::vector<ExpectOutcome> expectations;
};

// The shard's slice of plan.keys: key j belongs to shard (j mod N) + 1.
std::vector<std::uint64_t> shard_keys(const SweepPlan& plan, unsigned shard_index, unsigned shard_count);

SweepResult run_sweep(const SweepPlan& plan, const SweepOptions& options, std::ostream& out);

// Copies the run records of `shard_dirs` into options.out_dir (verifying that
// records of the same run agree), then assembles runs.csv and aggregate.csv.
// Throws std::runtime_error when a run of the plan has no record.
SweepResult merge_sweep(const SweepPlan& plan, const std::vector<std::string>& shard_dirs, const SweepOptions& options,
                        std::ostream& out);

// The `ecsim sweep` command line; returns the exit status.
int sweep_command(const std::vector<std::string>& args);

}  // namespace ecsim
