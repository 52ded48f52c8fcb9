#pragma once
// The memory a run needs, estimated from its inputs before it starts, and the
// memory this process may use. `ecsim run` refuses a scenario whose estimate
// does not fit (exit 2, nothing run, no output) instead of being killed
// part-way; the out-of-memory report quotes the same figures. The per-node and
// per-operation costs are measured: bench/README.md "Memory per key and per node".
#include <cstdint>
#include <optional>
#include <string>

#include "sim/scenario.hpp"

namespace ecsim {

// Peak RSS / nodes, default checks (bench/README.md "Memory per key and per
// node"): at 1M nodes 134 push-pull, 158 gossip-convergence, 177 with 10
// keys and a client; 122 at 10M. The largest, with some room.
inline constexpr double kBytesPerNode = 200;
// Peak RSS / operations: 8 nodes, 2M generated operations, default checks and
// traces (437; the slope between 0.5M and 2M operations is 405).
inline constexpr double kBytesPerOp = 440;

// What a run's memory grows with: its nodes and its client operations.
struct MemoryNeed {
  std::int64_t nodes = 0;
  double ops = 0;          // scripted plus generated (open loop: clients x rate x window)
  std::string ops_inputs;  // where `ops` comes from, e.g. "workload.clients 1 x workload.rate 10/s x 1 s"
  double bytes() const { return kBytesPerNode * static_cast<double>(nodes) + kBytesPerOp * ops; }
};

// The need of a loaded scenario; of a node count alone before the rest is read.
MemoryNeed memory_need(const Scenario& s);
MemoryNeed memory_need_of_nodes(std::int64_t nodes);

// The least of the address-space and data limits (ulimit -v, -d; less what
// the process already maps), MemAvailable in /proc/meminfo and the cgroup's
// memory.max less memory.current. `source` names the one that binds.
struct MemoryAvailable {
  double bytes = 0;
  std::string source;
};
MemoryAvailable memory_available();
// memory_available() shared by the runs `jobs` threads make at a time (sweep, explore).
MemoryAvailable memory_available_per_run(unsigned jobs);

// The inputs and their shares: "topology.nodes (N x 200 bytes = M MiB) and the operations (...)".
std::string describe_need(const MemoryNeed& need);

// Nothing when the need fits; otherwise why the run is refused (needed and
// available in MiB, the inputs, how to proceed), without a "file: error:" prefix.
std::optional<std::string> memory_refusal(const MemoryNeed& need, const MemoryAvailable& available);

// The refusal for a node count alone, against memory_available(): the
// loader's check before it creates the nodes (LoadOptions::check_nodes).
std::optional<std::string> node_count_refusal(std::int64_t nodes);

}  // namespace ecsim
