#pragma once
// Client-visible cost of a configuration, from the history and the fault
// log: operation latency (invocation to completion of successful ops) and
// availability while a partition is in force (the fraction of operations
// invoked then that failed). A partition is in force from a `partition`
// fault until `heal` (heal: all ends every one), and during each cut-off half
// of a flapping fault.
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "analysis/observations.hpp"
#include "sim/observer.hpp"

namespace ecsim {

struct OpStatsResult {
  double latency_p50_s = 0;  // NaN when no op succeeded
  double latency_p99_s = 0;
  double latency_max_s = 0;
  std::uint64_t partition_ops = 0;     // ops invoked while a partition was in force
  std::uint64_t partition_failed = 0;  // ... of which failed
  double partition_failed_fraction() const;  // NaN when partition_ops == 0
};

class OpStats final : public Observer, public ReplicaObserver {
 public:
  OpStats() = default;
  ~OpStats();
  OpStats(const OpStats&) = delete;
  OpStats& operator=(const OpStats&) = delete;
  // Keep the latencies in a file at `path` (created, and unlinked at once)
  // instead of in memory: 8 bytes an op on disk, and finish() selects the
  // quantiles from it, exactly, in a few passes (`ecsim analyze` of a big
  // history). Call before the first op. Throws std::runtime_error.
  void spill_latencies(const std::string& path);
  void on_fault(SimTime, FaultEventKind, std::string_view) override;
  void on_op(const OpRecord&) override;
  // Partitions still in force at `end_ns` end there. Call once, at the end.
  OpStatsResult finish(SimTime end_ns);
  std::size_t ops() const { return ops_; }  // completed operations so far

 private:
  struct Op {
    SimTime invoke_ns;
    bool ok;
  };
  // Observations come in time order, so an op is counted when it completes
  // (no list of every op): every partition that began by its invocation is
  // known then. Only an op invoked at the latest instant seen waits, in
  // undecided_, for the rest of that instant (a partition may begin then).
  void advance(SimTime now);
  void count(const Op& op, SimTime open_end);
  bool in_partition(SimTime invoke_ns, SimTime open_end) const;

  std::uint64_t ops_ = 0, partition_ops_ = 0, partition_failed_ = 0;
  void add_latency(SimTime ns);
  void flush_spill();
  double latency_at(std::size_t rank);  // the rank-th smallest (0-based), in seconds

  // Exact quantiles need every successful op's latency: in memory, or in
  // the spill file (latency_ns_ is then its write buffer).
  std::vector<SimTime> latency_ns_;
  std::FILE* spill_ = nullptr;
  std::uint64_t latencies_ = 0;
  SimTime latency_max_ns_ = 0;
  std::vector<Op> undecided_;
  SimTime now_ = 0;
  std::vector<std::pair<SimTime, SimTime>> partitions_;  // [start, end), in time order
  int cuts_ = 0;
  SimTime cut_since_ = 0;
};

}  // namespace ecsim
