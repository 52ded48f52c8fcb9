#pragma once
// What replicated key-value stores and their clients report, and what the
// history checkers read (the history model's vocabulary): writes accepted
// and received, state changes per replica and key, completed client
// operations. Header-only, no kernel library: the offline checkers
// (ecsim-check) share these types. Producers: the stores and protocols of
// protocols/ (through ReplicaStore::observer()); consumers: analysis/.
#include <cstdint>
#include <string_view>
#include <vector>

#include "sim/time.hpp"

namespace ecsim {

// The replicated data type of a history's values, and the kinds of client
// operation on it (store.type and ops[].op in a scenario).
enum class StoreType { lww, mvregister, gcounter, pncounter, orset, cart };
enum class OpKind { read, write, incr, decr, add, remove };

using KeyId = std::uint32_t;
using WriteId = std::uint64_t;
inline constexpr WriteId kNoWrite = 0;  // write ids start at 1

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
  std::uint64_t seq = 0;  // issue order within the session, 1-based; 0 = unknown
  bool is_write = false;
};

class ReplicaObserver {
 public:
  virtual ~ReplicaObserver() = default;
  // A replica accepted a client write (the write's origin).
  virtual void on_write_accepted(SimTime, NodeId, KeyId, WriteId, StateRank, std::uint64_t session_uid) {}
  // A replica received a replicated copy of a write (kept or not): causality.
  virtual void on_write_received(SimTime, NodeId, KeyId, WriteId) {}
  // A replica's state for a key changed. `write`: the write whose version the
  // state now is (a register); kNoWrite when the state merges many (CRDTs).
  virtual void on_applied(SimTime, NodeId, KeyId, std::uint64_t digest, StateRank, WriteId write) {}
  // The same change, naming the write whose version the replica now holds and
  // that version's text as ops.csv writes it: the per-replica apply order the
  // MW/WFR checkers read (applied.csv). Stores format the text only when some
  // observer wants it. `step` identifies the atomic step (one store call:
  // one client write, one message's merged batch) the change belongs to:
  // changes with one step were applied together, no reader could see them
  // apart (ReplicaStore numbers them; 0 = a step of its own).
  virtual bool wants_applied_versions() const { return false; }
  virtual void on_version_applied(SimTime, NodeId, KeyId, WriteId, std::string_view version, std::uint64_t step) {}
  // A replica lost all its state (crash with lose_state).
  virtual void on_state_lost(SimTime, NodeId) {}
  // Client level.
  virtual void on_op(const OpRecord&) {}
};

// Which replicas are responsible for a key (the preference list under
// partial replication): convergence, visibility and lost writes are judged
// over them. The app wires it from the module that places keys.
class KeyPlacement {
 public:
  virtual ~KeyPlacement() = default;
  // The key's replicas; the same list for the whole run.
  virtual std::vector<NodeId> replicas(KeyId key) const = 0;
};

// Fans replica observations out to every registered observer.
class ReplicaObserverHub final : public ReplicaObserver {
 public:
  void add(ReplicaObserver* o) {
    observers_.push_back(o);
    if (o->wants_applied_versions()) version_observers_.push_back(o);
  }
  bool wants_applied_versions() const override { return !version_observers_.empty(); }
  void on_version_applied(SimTime t, NodeId n, KeyId k, WriteId w, std::string_view v, std::uint64_t step) override {
    for (auto* o : version_observers_) o->on_version_applied(t, n, k, w, v, step);
  }
  void on_write_accepted(SimTime t, NodeId n, KeyId k, WriteId w, StateRank r, std::uint64_t s) override {
    for (auto* o : observers_) o->on_write_accepted(t, n, k, w, r, s);
  }
  void on_write_received(SimTime t, NodeId n, KeyId k, WriteId w) override {
    for (auto* o : observers_) o->on_write_received(t, n, k, w);
  }
  void on_applied(SimTime t, NodeId n, KeyId k, std::uint64_t d, StateRank r, WriteId w) override {
    for (auto* o : observers_) o->on_applied(t, n, k, d, r, w);
  }
  void on_state_lost(SimTime t, NodeId n) override { for (auto* o : observers_) o->on_state_lost(t, n); }
  void on_op(const OpRecord& r) override { for (auto* o : observers_) o->on_op(r); }

 private:
  std::vector<ReplicaObserver*> observers_;
  std::vector<ReplicaObserver*> version_observers_;
};

}  // namespace ecsim
