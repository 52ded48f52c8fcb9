// `ecsim sweep`'s directory: the marker, plan.csv and the run records. See sweep_records.hpp.
#include "app/sweep_records.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>

#include "analysis/aggregate.hpp"
#include "analysis/csv_reader.hpp"
#include "analysis/csv_writer.hpp"
#include "analysis/output_dir.hpp"
#include "app/runner.hpp"
#include "app/sweep_plan.hpp"

namespace ecsim::sweep_detail {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kSweepMarker = ".ecsim-sweep";
constexpr std::string_view kRecordFormat = "ecsim-sweep-run-1";

// The record's bytes without the wall-clock line: what must agree between
// two machines that ran the same run.
std::string deterministic_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::string line, out;
  while (std::getline(in, line))
    if (line.rfind("wall_s,", 0) != 0) out += line + "\n";
  return out;
}

// The files of `folder`, in name order.
std::vector<fs::path> sorted_files(const fs::path& folder) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(folder)) files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  return files;
}

// The run key a record's file name gives (<16 hex digits>.csv); none for
// other files, such as the temporary files of a killed run.
std::optional<std::uint64_t> record_file_key(const fs::path& f) {
  const std::string name = f.filename().string();
  if (name.size() != 20 || f.extension() != ".csv") return std::nullopt;
  try {
    return std::stoull(name.substr(0, 16), nullptr, 16);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

// Merging shards: the records found so far, by run.
class RecordMerge {
 public:
  RecordMerge(const SweepPlan& plan, const fs::path& dir) : plan_(plan), dir_(dir), wanted_(plan.keys.begin(), plan.keys.end()) {
    for (std::uint64_t key : plan.keys)
      if (read_record(plan, record_path(dir, key), key)) source_[key] = record_path(dir, key);
  }

  // One file of a shard's runs/ folder.
  void add(const fs::path& f) {
    const std::optional<std::uint64_t> key = record_file_key(f);
    if (!key) return;
    if (!wanted_.count(*key)) {
      ++foreign_;
      return;
    }
    if (!read_record(plan_, f, *key)) {
      fmt::print(stderr, "ecsim sweep: warning: ignoring unreadable record {}\n", f.string());
      return;
    }
    auto it = source_.find(*key);
    if (it != source_.end()) {
      if (!fs::equivalent(it->second, f) && deterministic_text(it->second) != deterministic_text(f))
        throw std::runtime_error(fmt::format(
            "run {} ({}) has different results in {} and {}: the shards were made by different ecsim builds, or a "
            "run is not deterministic",
            key_hex(*key), describe_run(plan_, *key), it->second.string(), f.string()));
      return;
    }
    std::ifstream in(f, std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    write_file_atomic(record_path(dir_, *key), bytes.str());
    source_[*key] = f;
  }

  std::size_t foreign() const { return foreign_; }

 private:
  const SweepPlan& plan_;
  fs::path dir_;
  std::set<std::uint64_t> wanted_;
  std::map<std::uint64_t, fs::path> source_;  // where each run's record was first found
  std::size_t foreign_ = 0;                   // records of other sweeps
};

}  // namespace

fs::path record_path(const fs::path& dir, std::uint64_t key) { return dir / "runs" / (key_hex(key) + ".csv"); }

std::optional<Record> read_record(const SweepPlan& plan, const fs::path& path, std::uint64_t key) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return std::nullopt;
  try {
    CsvReader in(path.string());
    if (in.header() != std::vector<std::string>{"field", "value"}) return std::nullopt;
    Record r;
    std::string field, value, format;
    bool has_key = false, has_seed = false;
    while (in.next()) {
      field = in[0];
      value = in[1];
      if (field == "format") format = value;
      else if (field == "run") has_key = value == key_hex(key);
      else if (field == "seed") has_seed = (r.seed = std::stoull(value), true);
      else if (field == "trace_hash") r.trace_hash = value;
      else r.metrics[field] = parse_csv_double(value);
    }
    if (format != kRecordFormat || !has_key || !has_seed) return std::nullopt;
    for (const std::string& m : plan.run_metrics)
      if (!r.metrics.count(m)) return std::nullopt;
    r.key = key;
    return r;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

void write_record(const SweepPlan& plan, const fs::path& dir, std::uint64_t key, std::uint64_t seed,
                  const RunOutcome& outcome) {
  write_csv_atomic(record_path(dir, key), [&](CsvWriter& w) {
    w.header({"field", "value"});
    w.row("format", kRecordFormat);
    w.row("run", key_hex(key));
    w.row("seed", seed);
    w.row("trace_hash", outcome.trace_hash);
    for (const std::string& m : plan.run_metrics) {
      auto it = outcome.metrics.find(m);
      w.row(m, it == outcome.metrics.end() ? std::nan("") : it->second);
    }
  });
}

std::map<std::uint64_t, Record> load_records(const SweepPlan& plan, const fs::path& dir, std::vector<std::uint64_t>* missing) {
  std::map<std::uint64_t, Record> records;
  for (std::uint64_t key : plan.keys) {
    if (auto r = read_record(plan, record_path(dir, key), key)) records.emplace(key, std::move(*r));
    else if (missing) missing->push_back(key);
  }
  return records;
}

std::size_t copy_shard_records(const SweepPlan& plan, const fs::path& dir, const std::vector<std::string>& shard_dirs) {
  RecordMerge merge(plan, dir);
  for (const std::string& s : shard_dirs)
    for (const fs::path& f : sorted_files(fs::path(s) / "runs")) merge.add(f);
  return merge.foreign();
}

std::string default_out_dir(const SweepPlan& plan) { return "out/sweeps/" + plan.name; }

void prepare_dir(const fs::path& dir) {
  std::error_code ec;
  const auto status = fs::symlink_status(dir, ec);
  if (fs::exists(status)) {
    if (!fs::is_directory(fs::status(dir, ec)))
      throw std::runtime_error(fmt::format("sweep directory '{}' exists and is not a directory", dir.string()));
    if (!fs::exists(dir / kSweepMarker) && !fs::is_empty(dir, ec))
      throw std::runtime_error(fmt::format(
          "refusing to use '{}' as a sweep directory: it is not empty and was not written by ecsim sweep (no {} "
          "file); choose another --out",
          dir.string(), kSweepMarker));
  }
  fs::create_directories(dir / "runs", ec);
  if (ec) throw std::runtime_error(fmt::format("cannot create '{}': {}", (dir / "runs").string(), ec.message()));
  if (!fs::exists(dir / kSweepMarker))
    write_file_atomic(dir / kSweepMarker,
                      "Written by ecsim sweep: runs/ holds one record per finished run; runs.csv and aggregate.csv\n"
                      "are assembled from them. Re-running the same sweep resumes; delete this directory to start over.\n");
}

void write_plan_csv(const fs::path& dir, const SweepPlan& plan) {
  write_csv_atomic(dir / "plan.csv", [&](CsvWriter& w) {
    std::vector<std::string> header = {"run"};
    header.insert(header.end(), plan.params.begin(), plan.params.end());
    header.push_back("seed");
    header.push_back("traces");  // the folder under DIR/traces/ with --traces
    w.header(header);
    for (const SweepRun& r : plan.runs) {
      w.field(key_hex(r.key));
      for (const std::string& v : plan.points[r.point].values) w.field(v);
      w.field(r.seed);
      w.field(trace_dir_name(plan, r));
      w.end_row();
    }
  });
}

}  // namespace ecsim::sweep_detail
