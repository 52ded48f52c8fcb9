#pragma once
// The fully resolved scenario: plain data produced by the loader
// (sim/scenario_loader.*) from a YAML file. Every value here is validated and
// in base units (ns, probabilities, node ids). The kernel, protocols and
// checkers read their part of it; none of them touch YAML.
#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/distribution.hpp"
#include "sim/section.hpp"
#include "sim/time.hpp"

namespace ecsim {

// Where a value came from in the scenario file, for error messages.
struct SourcePos {
  int line = 0;    // 1-based; 0 = unknown
  int column = 0;  // 1-based
};

enum class StopMode { duration, quiescent, converged };

struct RegionSpec {
  std::string name;
  int nodes = 0;
  NodeId first_node = 0;  // nodes of a region are contiguous ids
};

enum class GraphKind { complete, ring, star, erdos_renyi, small_world, file };

struct LinkOverride {
  // Region names (or node names); latency applies to every link between them.
  std::vector<NodeId> from;
  std::vector<NodeId> to;
  Distribution latency;
  bool oneway = false;
  // A WAN link's rate in bytes per second, one FIFO per direction shared by
  // every message between the two sides; 0 = unlimited (no link stage).
  double bandwidth_Bps = 0.0;
};

struct TopologySpec {
  int nodes = 0;
  std::vector<RegionSpec> regions;      // empty: one implicit region, nodes n0..n{N-1}
  std::vector<std::string> node_names;  // resolved names, size == nodes
  std::vector<int> node_region;         // region index per node (0 when no regions)
  GraphKind graph = GraphKind::complete;
  double p = 0.0;          // erdos_renyi edge probability, small_world rewiring probability
  int k = 0;               // small_world: each node linked to k nearest ring neighbours (k even)
  std::string edges_file;  // graph: {file: edges.csv}, resolved absolute/relative-to-cwd path
  std::vector<std::pair<NodeId, NodeId>> file_edges;  // loaded from edges_file (undirected)
  Distribution latency = Distribution::constant(1.0 * kMillisecond);
  std::vector<LinkOverride> links;
};

struct NetworkSpec {
  double loss = 0.0;       // drop probability per message (per end-to-end delivery)
  double duplicate = 0.0;  // probability that a delivered message is delivered twice
  bool fifo = false;       // force per-link FIFO (no reordering by jitter)
  // Per-node NIC rates in bytes per second (`bandwidth: {egress, ingress}`);
  // 0 = unlimited. A message holds its sender's egress and its receiver's
  // ingress for bytes / rate, FIFO (docs/TIME_MODEL.md).
  double egress_Bps = 0.0;
  double ingress_Bps = 0.0;
};

// `replicas:` — every node serves requests (client operations, messages a
// protocol marks as read/write/merge: sim/protocol.hpp ServiceKind) through
// a FIFO queue with `servers` servers; each request holds a server for a
// time drawn from its kind's distribution (docs/TIME_MODEL.md).
struct ServiceSpec {
  Distribution read = Distribution::constant(100.0 * kMicrosecond);
  Distribution write = Distribution::constant(200.0 * kMicrosecond);
  Distribution merge = Distribution::constant(50.0 * kMicrosecond);
  int servers = 4;
};

struct ClockSpec {
  Distribution skew = Distribution::constant(0.0);       // ns offset at t=0, per node
  Distribution drift_ppm = Distribution::constant(0.0);  // parts per million, per node
};

struct FaultSpec {
  enum class Kind { partition, heal, crash, restart, loss, clock, flapping, duplicate };
  Kind kind = Kind::partition;
  SimTime at_ns = 0;
  SourcePos pos;
  // partition: symmetric groups (nodes not listed form one more group), or
  // directed from -> to (oneway) / both directions between from and to.
  std::vector<std::vector<NodeId>> groups;
  std::vector<NodeId> from, to;
  bool oneway = false;
  // crash / restart / clock
  NodeId node = kNoNode;
  SimTime restart_after_ns = -1;  // crash: restart automatically after this long; -1 = never
  bool lose_state = false;
  // loss: override network.loss from at_ns until until_ns
  double loss = 0.0;
  // duplicate: override network.duplicate from at_ns until until_ns
  double duplicate = 0.0;
  SimTime until_ns = -1;  // loss, duplicate, flapping; -1 = to the end of the run
  // clock: step the node's clock by offset_ns (may be negative); optional new drift
  SimTime offset_ns = 0;
  std::optional<double> drift_ppm;
  // flapping: nodes cut off from the rest for period/2, reconnected for period/2, until until_ns
  std::vector<NodeId> nodes;
  SimTime period_ns = 0;
};

// `choices:` — a schedule of the kernel's message fates, as `ecsim explore
// --exhaustive` finds them: message `message` (messages are numbered 1, 2,
// ... in the order they are sent, which is deterministic) is dropped,
// delivered twice, or delayed, instead of what the network would draw; or
// its sender crashes right after sending it (the message is on its way).
struct MessageChoice {
  enum class Fate { drop, duplicate, delay, crash };
  std::uint64_t message = 0;
  Fate fate = Fate::drop;
  SimTime delay_ns = 0;           // delay: added to the message's latency
  SimTime restart_after_ns = -1;  // crash: the sender restarts this long after (state kept); -1 = never
  SourcePos pos;
};
// The fates by name, in enum order, as `choices:` and `exhaustive.fates` spell them.
inline constexpr std::array<std::string_view, 4> kFateNames = {"drop", "duplicate", "delay", "crash"};

struct Expectation {
  std::string text;  // e.g. "convergence.time_s < 5"
  SourcePos pos;
};

struct CheckSpec {
  bool convergence = true;
  std::vector<std::string> session = {"ryw", "mr", "mw", "wfr"};
  bool staleness = true;  // k-staleness and PBS t-visibility from the history
  bool lost_writes = true;
  std::vector<Expectation> expect;
};

// Above this many nodes the default output.traces leaves out events and
// applied: they grow with nodes x messages (447 MB for a 300,000-node gossip
// run); listing them in output.traces writes them anyway.
inline constexpr int kLeanTracesAboveNodes = 1000;

struct OutputSpec {
  std::string dir;                  // default out/<name>/seed-<seed>
  std::vector<std::string> traces;  // events | ops | convergence | summary
  bool has(const std::string& t) const {
    for (const auto& x : traces) if (x == t) return true;
    return false;
  }
};

struct Scenario {
  std::string name;
  std::string source_file;  // path as given on the command line
  // `modules:` — shared libraries with out-of-tree modules, as absolute
  // paths. The app loads them before the rest of the file (their sections
  // come in LoadOptions::sections); the kernel only carries the list.
  std::vector<std::string> modules;
  std::uint64_t seed = 0;
  SimTime duration_ns = 60 * kSecond;
  StopMode stop = StopMode::duration;
  TopologySpec topology;
  NetworkSpec network;
  ServiceSpec replicas;
  ClockSpec clocks;
  std::vector<FaultSpec> faults;  // in file order
  std::vector<MessageChoice> choices;  // by increasing message number
  CheckSpec checks;
  OutputSpec output;
  // Module sections (sim/section.hpp), in load order: protocols.gossip,
  // sagas, ... Absent = the module is not part of this run.
  std::vector<std::pair<std::string, std::shared_ptr<const SectionValue>>> sections;

  // The section of type T (T::kPath names it), or nullptr when absent.
  template <class T>
  const T* section() const {
    const SectionValue* v = find_section(T::kPath);
    return v ? dynamic_cast<const T*>(v) : nullptr;
  }
  const SectionValue* find_section(std::string_view path) const {
    for (const auto& [p, v] : sections)
      if (p == path) return v.get();
    return nullptr;
  }
  bool has_section(std::string_view path) const { return find_section(path) != nullptr; }
  // Adds or replaces a section (tests and tools that build scenarios in code).
  template <class T>
  void set_section(T value) {
    auto v = std::make_shared<const T>(std::move(value));
    for (auto& [p, old] : sections)
      if (p == T::kPath) { old = std::move(v); return; }
    sections.emplace_back(std::string(T::kPath), std::move(v));
  }
  // A private, writable copy of the section of type T (nullptr when absent):
  // for tests and tools that adjust a loaded scenario.
  template <class T>
  T* mutable_section() {
    for (auto& [p, v] : sections)
      if (p == T::kPath) {
        auto copy = std::make_shared<T>(dynamic_cast<const T&>(*v));
        v = copy;
        return copy.get();
      }
    return nullptr;
  }
  void remove_section(std::string_view path) {
    std::erase_if(sections, [&](const auto& e) { return e.first == path; });
  }
};

}  // namespace ecsim
