#pragma once
// Sweep tables: runs.csv (one row per run) and aggregate.csv (one row per
// grid point and metric), their atomic writers, readers for both (via
// analysis/csv_reader.hpp), and the comparison of two aggregates that
// `ecsim analyze --compare` reports. Plain data: no YAML, no simulator.
//
// runs.csv:      <param columns...>,seed,<metric columns...>
// aggregate.csv: <param columns...>,metric,n,mean,stddev,min,p50,p95,max,ci95_low,ci95_high
// (docs/SWEEPS.md). Statistics skip NaN (a run that did
// not produce the metric, e.g. never converged): n counts the values used.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "analysis/stats.hpp"

namespace ecsim {

class CsvWriter;

// Bad or unreadable input file; the message starts with "file:line: ".
class TableError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct RunRow {
  std::size_t point = 0;                  // grid point index (rows of a point are aggregated together)
  std::vector<std::string> param_values;  // one per SweepTable::params
  std::uint64_t seed = 0;
  std::vector<double> values;  // one per SweepTable::metrics; NaN = not available
};

struct SweepTable {
  std::vector<std::string> params;   // dotted paths, in column order
  std::vector<std::string> metrics;  // metric columns, in order
  std::vector<RunRow> runs;          // in plan order
};

struct AggregateRow {
  std::vector<std::string> param_values;
  std::string metric;
  Summary stats;
};

struct AggregateTable {
  std::vector<std::string> params;
  std::vector<AggregateRow> rows;
};

// One row per point (in order of first appearance) and metric (in
// table.metrics order), over that point's runs.
AggregateTable aggregate_runs(const SweepTable& table);

// Writes `<path>.tmp-...` through a CsvWriter, then renames it over `path`:
// readers never see a partial file. Throws std::runtime_error.
void write_csv_atomic(const std::filesystem::path& path, const std::function<void(CsvWriter&)>& fill);

void write_runs_csv(const std::filesystem::path& path, const SweepTable& table);
void write_aggregate_csv(const std::filesystem::path& path, const AggregateTable& table);

// Readers (throw TableError; files are read with CsvReader,
// analysis/csv_reader.hpp). Parameter columns are the ones before `seed`
// (runs.csv) or `metric` (aggregate.csv). Empty numeric fields read as NaN.
SweepTable read_runs_csv(const std::filesystem::path& path);
AggregateTable read_aggregate_csv(const std::filesystem::path& path);

// The header fields of a CSV file.
std::vector<std::string> read_csv_header(const std::filesystem::path& path);
// Every value of the named column, as text, in row order.
std::vector<std::string> read_csv_column(const std::filesystem::path& path, const std::string& column);

// "" -> NaN, "inf", numbers in any form from_chars accepts; throws
// std::invalid_argument otherwise.
double parse_csv_double(const std::string& text);

// Comparison of two aggregates, row by row (same parameter values and
// metric). A metric "changed" when the 95% confidence interval of the
// difference of the means (Welch's t interval from n, mean and stddev)
// excludes 0; with n == 1 on a side there is no interval and any difference
// of the values counts. Identical values never count.
struct MetricChange {
  std::vector<std::string> param_values;
  std::string metric;
  Summary before;
  Summary after;
  double diff = 0.0;      // after.mean - before.mean
  double diff_low = 0.0;  // 95% interval of diff (NaN without one)
  double diff_high = 0.0;
  bool changed = false;
};

struct AggregateComparison {
  std::vector<std::string> params;
  std::vector<MetricChange> rows;  // rows present in both, in `after` order
  std::size_t only_before = 0;     // rows without a partner
  std::size_t only_after = 0;
};

// Throws TableError if the parameter columns differ.
AggregateComparison compare_aggregates(const AggregateTable& before, const AggregateTable& after);

}  // namespace ecsim
