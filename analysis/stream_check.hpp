#pragma once
// Checking a history from its CSV files (`ecsim-check`, `ecsim analyze`):
// the session guarantees (analysis/session_checker.hpp) and staleness
// (analysis/staleness.hpp), either in memory (read_history_csv, then the
// checkers) or streaming, in memory bounded by a target, for histories too
// big to hold (about 240 bytes per operation in memory).
//
// Streaming: one pass reads both files with the same reader and checks as
// the in-memory path (so bad input gives the same file:line:col), interns
// names, and writes compact binary records into P partition files in a
// scratch directory:
//   - successful ops by client (every session of a client in one partition):
//     RYW, MR, MW/WFR rule (a) and RYW across a client's sessions need only
//     one client's ops;
//   - successful ops and applied rows by key: staleness is per key, and MW/WFR
//     rule (b) asks, for each op, where every replica incarnation stands on
//     its (key, version) (session_checker.hpp, Stand). Each key partition
//     answers its ops' questions from an index of its applied rows and
//     writes the answers to the partition of the op's client.
// Then each client partition is checked by the same check_sessions as the
// in-memory path, with the answers in place of the applied order: one
// implementation of every rule. Counts, examples and the violation list are
// the in-memory path's exactly. Names (clients, sessions, keys, replicas,
// version origins) stay in memory, and so do the violations kept for the
// report (the examples; every violation with keep_all, for --violations).
//
// Threads (HistoryCheckOptions::threads): applied.csv is read alongside
// ops.csv (read_history_rows), the partitions are checked on a pool, and in
// memory staleness runs alongside check_sessions. Results are kept per
// partition and combined in partition order: the output is the same for
// every thread and partition count.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "analysis/history.hpp"
#include "analysis/session_checker.hpp"
#include "analysis/staleness.hpp"

namespace ecsim {

enum class CheckMode : std::uint8_t { automatic, in_memory, streaming };

// The default memory target (--memory): a fixed size rather than a share of
// the machine's memory, so that the same files take the same path everywhere.
inline constexpr std::uint64_t kDefaultCheckMemory = std::uint64_t{4} << 30;

struct HistoryCheckOptions {
  SessionCheckOptions sessions;
  bool staleness = true;
  std::vector<std::string> node_order;  // version origins' tie-break order (HistoryBuilder::finish)
  // automatic: streaming when in_memory_estimate() of the files exceeds memory_bytes.
  CheckMode mode = CheckMode::automatic;
  std::uint64_t memory_bytes = kDefaultCheckMemory;
  std::string scratch_parent;  // where the scratch directory goes; "" = $TMPDIR, else /tmp
  std::uint32_t partitions = 0;  // streaming: 0 = from the file sizes, memory_bytes and threads
  // Threads reading and checking (0 = one per core). Results do not depend
  // on it; streaming holds one partition per thread at a time.
  std::uint32_t threads = 0;
  ProgressFn progress;           // phases and fractions done, for long runs
  // Wall seconds since any fixed point, for HistoryCheck's timings (the
  // tools pass one; analysis/ reads no clock: scripts/check-determinism-rules.sh).
  // Empty: the timings stay 0.
  std::function<double()> clock_s;
};

struct HistoryCheck {
  // The names; in memory every row, streaming only the ops the violations
  // kept name (History::op_rows): enough for describe_violation and
  // write_violations_csv.
  History history;
  SessionCheckResult sessions;
  StalenessResult staleness;
  std::uint64_t ops = 0, applies = 0;  // rows read
  bool streamed = false;
  std::uint32_t partitions = 0;  // streaming: P
  // Wall seconds (streaming: read = the partitioning pass; staleness runs
  // inside the key partitions' pass, on every thread: its thread seconds
  // divided by the threads, and check the rest of the pass).
  double read_s = 0, check_s = 0, staleness_s = 0;
};

// Where scratch directories go: o.scratch_parent (--tmp), else $TMPDIR,
// else /tmp (ecsim-check's partitions, analyze's spilled latencies).
std::string scratch_parent(const HistoryCheckOptions& o);

// Peak memory of the in-memory path for CSV files of these sizes: twice
// their bytes (bench/README.md: 2.4 GB for 1.2 GB of ops.csv + applied.csv).
std::uint64_t in_memory_estimate(std::uint64_t ops_bytes, std::uint64_t applied_bytes);
// Partitions the streaming path uses for these sizes and memory target
// with `threads` partitions in memory at once (each partition's working set
// is at most about 5 times its share of the CSV bytes): 1, or a multiple of
// the threads.
std::uint32_t stream_partitions(std::uint64_t ops_bytes, std::uint64_t applied_bytes, std::uint64_t memory_bytes,
                                std::uint32_t threads = 1);

// "6GiB", "512MiB", "4G", "100M", "1000000" (bytes); K, M, G, T are powers
// of 1024 with or without "iB"/"B". Throws std::invalid_argument.
std::uint64_t parse_memory_size(std::string_view text);

// Reads and checks (applied_path "" = no applied order: MW and WFR must be
// off). Throws HistoryInputError for bad input, std::invalid_argument for
// options that do not fit, std::runtime_error for scratch file trouble.
HistoryCheck check_history_files(const std::string& ops_path, const std::string& applied_path,
                                 const HistoryCheckOptions& options);

}  // namespace ecsim
