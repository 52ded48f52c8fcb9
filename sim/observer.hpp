#pragma once
// Typed observations flowing one way: kernel and protocols report what
// happened; checkers and trace writers (analysis/) listen. Nothing here lets
// an observer steer the simulation (DESIGN.md #9).
#include <cstdint>
#include <string>
#include <string_view>

#include "sim/time.hpp"

namespace ecsim {

using KeyId = std::uint32_t;
using WriteId = std::uint64_t;
inline constexpr WriteId kNoWrite = 0;  // write ids start at 1

enum class NetEventKind : std::uint8_t { send, deliver, drop, duplicate };

struct NetEvent {
  SimTime time;
  NetEventKind kind;
  NodeId node;  // send/drop-at-send/duplicate: sender; deliver/drop-at-delivery: receiver
  NodeId peer;
  std::uint64_t msg_id;
  std::uint32_t bytes;
  std::string_view reason;  // drop: "loss", "partition", "crashed", "no-route"
};

enum class NodeEventKind : std::uint8_t { timer, crash, restart, clock_step };

enum class FaultEventKind : std::uint8_t { partition, heal, loss_start, loss_end, flap_cut, flap_heal };

// A replica's state for one key, as a checker sees it: `digest` identifies
// the state exactly (equal digests = equal states, 0 = nothing held), `rank`
// orders states by how much they contain (a state that includes another has
// a higher rank), so a checker can tell "newest" without knowing the type.
struct StateRank {
  std::uint64_t major = 0;
  std::uint64_t minor = 0;
  friend bool operator<(const StateRank& l, const StateRank& r) {
    return l.major < r.major || (l.major == r.major && l.minor < r.minor);
  }
  friend bool operator==(const StateRank& l, const StateRank& r) = default;
  friend bool operator<=(const StateRank& l, const StateRank& r) { return !(r < l); }
};

// One completed client operation (a row of ops.csv).
struct OpRecord {
  std::string_view client;
  std::uint32_t session = 0;
  std::string_view op;       // read, write, incr, ...
  std::string_view key;
  std::string_view value;    // written value, or what a read returned
  SimTime invoke_ns = 0;
  SimTime complete_ns = 0;
  NodeId replica = kNoNode;
  bool ok = false;
  std::string_view version;  // opaque version text written / returned
  KeyId key_id = 0;
  WriteId write = kNoWrite;  // write: its id; read: the id of the write returned
  StateRank rank;            // write: its version's rank; read: the returned state's rank
  std::uint64_t session_uid = 0;  // unique across clients
  bool is_write = false;
};

class Observer {
 public:
  virtual ~Observer() = default;
  // High-volume kernel observations (on_net, timer on_node) go only to
  // observers that want them, so checkers don't pay for trace volume.
  virtual bool wants_net_events() const { return false; }
  // Network and node level (kernel).
  virtual void on_net(const NetEvent&) {}
  virtual void on_node(SimTime, NodeId, NodeEventKind, bool lose_state) {}
  virtual void on_fault(SimTime, FaultEventKind, std::string_view description) {}
  // Replica level (protocols).
  // A replica accepted a client write (the write's origin).
  virtual void on_write_accepted(SimTime, NodeId, KeyId, WriteId, StateRank, std::uint64_t session_uid) {}
  // A replica received a replicated copy of a write (kept or not): causality.
  virtual void on_write_received(SimTime, NodeId, KeyId, WriteId) {}
  // A replica's state for a key changed.
  virtual void on_applied(SimTime, NodeId, KeyId, std::uint64_t digest, StateRank) {}
  // The same change, naming the write whose version the replica now holds and
  // that version's text as ops.csv writes it: the per-replica apply order the
  // MW/WFR checkers read (applied.csv). Stores format the text only when some
  // observer wants it.
  virtual bool wants_applied_versions() const { return false; }
  virtual void on_version_applied(SimTime, NodeId, KeyId, WriteId, std::string_view version) {}
  // A replica lost all its state (crash with lose_state).
  virtual void on_state_lost(SimTime, NodeId) {}
  // Client level.
  virtual void on_op(const OpRecord&) {}
};

}  // namespace ecsim
