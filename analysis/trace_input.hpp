#pragma once
// `ecsim analyze`'s reading step (analysis/trace_analysis.cpp replays what it
// reads): ops.csv, applied.csv and events.csv as rows of text, read with
// CsvReader so that every error names file, line and column. Numbers are
// parsed here; versions and node names are checked by the replay, so the
// rows keep where those fields are. Columns: trace_analysis.hpp.
#include <cstdint>
#include <set>
#include <string>
#include <vector>

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
// state_lost, receive (with key and version), partition, heal, loss_start, loss_end.
struct NodeEvent {
  SimTime t = 0;
  std::string node, kind, key, version;
  Where node_at;
};

// events.csv: the node events, and counts of everything else.
struct EventScan {
  std::vector<NodeEvent> node_events;
  std::uint64_t receives = 0;  // copies of writes received (kept or not), with their version
  std::uint64_t rows = 0, sent = 0, bytes = 0, delivered = 0, dropped = 0, duplicated = 0;
  SimTime last_ns = 0;
  std::set<std::string> names;  // every node named
};

// Each throws InputError (file:line:col) on malformed input.
std::vector<OpRow> read_ops(const std::string& path);
std::vector<ApplyText> read_applied(const std::string& path);
EventScan scan_events(const std::string& path);

}  // namespace ecsim::trace_input
