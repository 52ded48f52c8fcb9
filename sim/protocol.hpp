#pragma once
// The narrow interface between the kernel and everything that runs on it
//. A Protocol serves every node of the simulation (state in
// flat arrays indexed by node id) and sees the world only through Context:
// send, timers, its node's local clock and its random stream. What it
// reports goes to its module's observers (a store's ReplicaObserver, a
// module's Channel), never through the kernel.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sim/observer.hpp"
#include "sim/rng.hpp"
#include "sim/time.hpp"

namespace ecsim {

class Simulator;
class StateHasher;  // sim/state_hash.hpp

// What a message asks of the node that receives it (`replicas.service`):
// none is handled on arrival; read, write and merge wait for a server of the
// receiver's FIFO queue and hold it for a drawn service time first
// (docs/TIME_MODEL.md). Protocols mark messages that apply replica state
// as merge, replica reads and writes sent by a coordinator as read/write.
enum class ServiceKind : std::uint8_t { none, read, write, merge };

struct Message {
  std::uint64_t id = 0;
  NodeId from = kNoNode;
  NodeId to = kNoNode;
  std::uint16_t protocol = 0;
  std::uint16_t type = 0;
  std::uint32_t bytes = 0;
  std::span<const std::uint64_t> words;  // payload; valid only during on_message
};

class Context {
 public:
  Context(Simulator& sim, NodeId node, std::uint16_t protocol) : sim_(sim), node_(node), protocol_(protocol) {}

  NodeId node() const { return node_; }
  // True simulated time: for observations only. Protocol logic reads local_time().
  SimTime now() const;
  SimTime local_time() const;
  Rng& rng();
  std::uint32_t node_count() const;
  // A uniformly random graph neighbour (kNoNode if none).
  NodeId random_neighbor();
  std::uint32_t neighbor_count() const;

  // Sends a message; `bytes` is the modelled wire size (counted in metrics,
  // and what bandwidth limits charge); `service`: see ServiceKind.
  void send(NodeId to, std::uint16_t type, std::span<const std::uint64_t> words, std::uint32_t bytes,
            ServiceKind service = ServiceKind::none);
  // Fires on_timer(tag) after local_delay_ns of this node's (drifting) clock.
  // Timers die with a crash.
  void set_timer(SimTime local_delay_ns, std::uint32_t tag);

 private:
  Simulator& sim_;
  NodeId node_;
  std::uint16_t protocol_;
};

class Protocol {
 public:
  virtual ~Protocol() = default;
  virtual std::string_view name() const = 0;
  // Node boot at t=0 and after every restart.
  virtual void on_start(Context& ctx) = 0;
  virtual void on_message(Context& ctx, const Message& msg) = 0;
  virtual void on_timer(Context& ctx, std::uint32_t tag) = 0;
  // The node crashed; drop volatile state, and everything when lose_state.
  virtual void on_crash(Context& ctx, bool lose_state) {}
  // Protocol-specific summary metrics (name, value) after a run, e.g.
  // merkle.bytes_per_repair; names must be listed in the module's ModuleDef::metrics.
  virtual void summary_metrics(std::vector<std::pair<std::string, double>>& out) const {}
  // State hashing (`ecsim explore --exhaustive`, sim/state_hash.hpp): feeds
  // everything that influences this protocol's future behaviour and its
  // summary_metrics (every node's state, pending per-node bookkeeping,
  // counters) to `h`, and returns true; false (the default) means it cannot,
  // and turns pruning off rather than merge states that differ.
  virtual bool hash_state(StateHasher& h) const { return false; }
};

// Something that is not a node but acts on the simulation at chosen times:
// the client workload driver, the fault injector.
class Component {
 public:
  virtual ~Component() = default;
  virtual void on_event(std::uint64_t x, std::uint32_t a) = 0;
  // As Protocol::hash_state: false (the default) when it cannot hash its state.
  virtual bool hash_state(StateHasher& h) const { return false; }
};

}  // namespace ecsim
