#pragma once
// `ecsim analyze`'s reading step (analysis/trace_analysis.cpp replays what it
// reads): ops.csv, applied.csv and events.csv, one row at a time, read with
// CsvReader so that every error names file, line and column. The replay
// merges the three files in time order without holding their rows, so each
// reader checks the order its file must be in (ops.csv by completion,
// applied.csv and events.csv by time) and names the first row out of order.
// Numbers are parsed here; versions and node names are checked by the
// replay, so the rows keep where those fields are. Columns: trace_analysis.hpp.
#include <cstdint>
#include <optional>
#include <set>
#include <string>

#include "analysis/csv_reader.hpp"
#include "sim/time.hpp"

namespace ecsim::trace_input {

// Where a field is, for errors found after reading.
struct Where {
  int line = 0;
  int column = 0;
};

// One row of ops.csv.
struct OpRow {
  std::string client;
  std::uint32_t session = 0;
  std::string op, key, value, replica, version;
  SimTime invoke = 0, complete = 0;
  bool ok = false;
  Where replica_at, version_at;  // version_at: the version's first character
};

// One row of applied.csv.
struct ApplyText {
  SimTime t = 0;
  std::string replica, key, version;  // key and version empty: the replica lost its state
  Where replica_at, version_at;
};

// A row of events.csv that the replay needs one by one: crash, restart,
// state_lost, receive (with key and version), partition, heal, loss_start,
// loss_end, duplicate_start, duplicate_end.
struct NodeEvent {
  SimTime t = 0;
  std::string node, kind, key, version;
  Where node_at;
};

// events.csv: counts of the rows the reader skips over.
struct EventCounts {
  std::uint64_t receives = 0;  // copies of writes received (kept or not), with their version
  std::uint64_t rows = 0, sent = 0, bytes = 0, delivered = 0, dropped = 0, duplicated = 0;
  SimTime last_ns = 0;
};

// Each reader throws InputError (file:line:col) on malformed input and on a
// row out of order; row() is valid after next() returned true.
class OpsReader {
 public:
  explicit OpsReader(const std::string& path);
  bool next();
  const OpRow& row() const { return row_; }
  std::uint64_t rows() const { return rows_; }

 private:
  CsvReader in_;
  std::size_t client_, session_, op_, key_, invoke_, complete_, ok_, version_;
  std::optional<std::size_t> replica_, value_;
  OpRow row_;
  std::uint64_t rows_ = 0;
};

class AppliedReader {
 public:
  explicit AppliedReader(const std::string& path);
  bool next();
  const ApplyText& row() const { return row_; }
  std::uint64_t rows() const { return rows_; }

 private:
  CsvReader in_;
  std::size_t time_, replica_, key_, version_;
  ApplyText row_;
  std::uint64_t rows_ = 0;
};

// next() moves to the next node event; message rows are counted on the way.
class EventsReader {
 public:
  // names: also collect every node name (for a history without a node list).
  explicit EventsReader(const std::string& path, std::set<std::string>* names = nullptr);
  bool next();
  const NodeEvent& row() const { return row_; }
  const EventCounts& counts() const { return counts_; }

 private:
  CsvReader in_;
  std::size_t time_, node_, kind_;
  std::optional<std::size_t> key_, bytes_, version_;
  std::set<std::string>* names_;
  NodeEvent row_;
  EventCounts counts_;
  bool started_ = false;
};

}  // namespace ecsim::trace_input
