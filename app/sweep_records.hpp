#pragma once
// `ecsim sweep`, the sweep directory on disk: DIR/.ecsim-sweep (the marker
// that makes DIR safe to write into), DIR/plan.csv, and DIR/runs/<key>.csv,
// one record per finished run ("field,value" rows, written atomically), which
// make a sweep resumable and shards mergeable by copying files.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "app/sweep.hpp"

namespace ecsim {

struct RunOutcome;

namespace sweep_detail {

struct Record {
  std::uint64_t key = 0;
  std::uint64_t seed = 0;
  std::string trace_hash;
  std::map<std::string, double> metrics;
};

std::filesystem::path record_path(const std::filesystem::path& dir, std::uint64_t key);

// A record is valid when it parses, names its own key and has every metric
// of plan.run_metrics; anything else is treated as absent (and re-run).
std::optional<Record> read_record(const SweepPlan& plan, const std::filesystem::path& path, std::uint64_t key);

// DIR/runs/<key>.csv: the run's seed, trace hash and plan.run_metrics (NaN where the run has none).
void write_record(const SweepPlan& plan, const std::filesystem::path& dir, std::uint64_t key, std::uint64_t seed,
                  const RunOutcome& outcome);

// The valid records of plan.keys in `dir`; the keys without one go to `missing`.
std::map<std::uint64_t, Record> load_records(const SweepPlan& plan, const std::filesystem::path& dir,
                                             std::vector<std::uint64_t>* missing);

// Copies into `dir` the records of the plan's runs found in the shard
// directories' runs/ folders, skipping unreadable ones (with a warning) and
// throwing std::runtime_error when two records of one run disagree. Returns
// how many records of other sweeps were ignored.
std::size_t copy_shard_records(const SweepPlan& plan, const std::filesystem::path& dir,
                               const std::vector<std::string>& shard_dirs);

// out/sweeps/<name>
std::string default_out_dir(const SweepPlan& plan);

// Creates DIR/runs and the marker; refuses a directory that exists, is not
// empty and has no marker. Throws std::runtime_error.
void prepare_dir(const std::filesystem::path& dir);

// DIR/plan.csv: run key, parameter values and seed of every run.
void write_plan_csv(const std::filesystem::path& dir, const SweepPlan& plan);

}  // namespace sweep_detail
}  // namespace ecsim
