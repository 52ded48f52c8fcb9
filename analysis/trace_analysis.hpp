#pragma once
// Recomputes a run's metrics from its CSV traces alone (`ecsim analyze`):
// the same checkers that observe a live run (ConvergenceTracker,
// LostWritesChecker, OpStats, the session checkers) are fed observations
// rebuilt from the files, so the metrics mean exactly what summary.csv says,
// and a history recorded from a real system can be checked the same way.
//
// Inputs (read by analysis/trace_input.hpp with CsvReader: quoting, blank lines;
// columns found by header name, extra
// columns ignored):
//   ops.csv      client,session,op,key,invoke_ns,complete_ns,ok,version [,replica,value]
//                one row per client operation, in completion order
//   applied.csv  time_ns,replica,key,version: each time a replica's state for
//                a key took on a new version (empty key and version: the
//                replica lost its state)
//   events.csv   time_ns,node,kind,peer,msg_id,key,bytes: messages (send,
//                deliver, drop, duplicate), crash/restart/state_lost, and
//                faults (partition, heal, loss_start, loss_end)
// The files are read row by row and merged in time order, never held in
// memory (ops.csv must be in completion order, the others in time order:
// checked). What each metric needs, and what memory grows with, is in
// docs/ANALYZE.md; a metric whose inputs are missing is reported as NaN
// with a note saying why, never guessed.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "analysis/expect.hpp"  // MetricMap
#include "analysis/stream_check.hpp"

namespace ecsim {

struct TraceInputs {
  std::string ops;      // required
  std::string applied;  // optional ("" = absent)
  std::string events;   // optional
  // Node names in node-id order (ecsim: from scenario.resolved.yaml). Used
  // for the LWW tie-break between equal timestamps and for the node count
  // (a replica that never appears in a trace still counts as diverging).
  // Empty: the names seen in the traces, in natural order ("n2" < "n10").
  std::vector<std::string> nodes;
  // Partial replication: the replicas responsible for a key, as indexes into
  // `nodes`, by key name (ecsim analyze: from scenario.resolved.yaml's
  // replication section). Empty: every node replicates every key.
  std::function<std::vector<std::uint32_t>(std::string_view key)> replicas_of = {};
  // How the session checks and staleness read the history (in memory or
  // streaming, memory target, scratch directory, progress): `ecsim-check`'s
  // function, check_history_files. Its sessions, staleness and node_order
  // fields are set by analyze_traces. Its mode and scratch directory also
  // decide where the latencies go (streaming, or automatic with a big
  // ops.csv: a scratch file).
  HistoryCheckOptions history_check = {};
};

struct TraceAnalysis {
  MetricMap metrics;               // every metric computed, by summary.csv name
  std::vector<std::string> notes;  // metrics left out and why; approximations made
  std::size_t ops = 0, applies = 0, events = 0;  // rows read
  // Per acknowledged write that became visible everywhere: seconds from its
  // acknowledgement until every live replica reflected it (for CDF plots).
  std::vector<double> visibility_delays_s;
  // The lost writes (metric lost_writes) as (key, version text), by key then version.
  std::vector<std::pair<std::string, std::string>> lost_writes;
};

// Throws ScenarioError ("file:line:col: error: ...") on malformed input.
TraceAnalysis analyze_traces(const TraceInputs& inputs);

// The metrics analyze can recompute, in summary.csv order.
const std::vector<std::string>& analyzable_metrics();

}  // namespace ecsim
