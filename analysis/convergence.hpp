#pragma once
// Convergence and visibility, from replica observations alone.
//
// A key's replicas are every node, or with a KeyPlacement (partial
// replication) the nodes responsible for it; other nodes' states for the key
// (hinted copies) are not judged. For every key the tracker keeps which state
// digests its live replicas hold and how many hold each. A key is divergent
// while its live replicas hold different states (absent counts as a state).
// The newest state of a key is the one with the highest rank;
// `replicas_behind` counts (live replica, key) pairs not holding it.
//
// convergence.time_s: from the later of the last acknowledged write and the
// last heal/restart until every key's live replicas hold one state, and
// stay so until the end. t-visibility of a write: from its acknowledgement
// until every live replica of its key holds it or a write that causally
// follows it (with a causality oracle, the lost-writes checker; without one,
// or for states that merge many writes, a state of at least its rank). A
// write discarded in favour of a concurrent one never becomes visible that
// way, and one the lost-writes checker finds lost at the end is never
// visible (exclude_lost): for LWW, never_visible >= lost_writes.
#include <cmath>
#include <cstdint>
#include <map>
#include <unordered_map>
#include <vector>

#include "sim/inline_vector.hpp"
#include "analysis/lost_writes.hpp"
#include "analysis/observations.hpp"
#include "sim/observer.hpp"

namespace ecsim {

struct ConvergencePoint {
  SimTime time_ns;
  std::uint64_t divergent_keys;
  std::uint64_t replicas_behind;
};

class ConvergenceTracker final : public Observer, public ReplicaObserver {
 public:
  ConvergenceTracker(std::uint32_t nodes, bool record_series);

  void on_node(SimTime, NodeId, NodeEventKind, bool lose_state) override;
  void on_fault(SimTime, FaultEventKind, std::string_view) override;
  void on_write_accepted(SimTime, NodeId, KeyId, WriteId, StateRank, std::uint64_t) override;
  void on_applied(SimTime, NodeId, KeyId, std::uint64_t digest, StateRank, WriteId) override;
  // Judge each key over its responsible replicas (not owned; set before the run).
  void set_placement(const KeyPlacement* placement) { placement_ = placement; }
  // Sizing hint: write ids are 1..writes (a replay knows them in advance).
  void reserve_writes(std::size_t writes) { writes_.reserve(writes + 1); }
  // Visibility follows causality as this checker tracks it (not owned; it
  // must observe writes before this tracker does).
  void set_causality(const LostWritesChecker* causality) { causality_ = causality; }
  // After the final reads: these writes are lost, hence never visible.
  void exclude_lost(const std::vector<WriteId>& lost);
  // Whether `node` is one of `key`'s replicas (always, without placement).
  bool responsible(NodeId node, KeyId key) const;
  void on_state_lost(SimTime, NodeId) override;
  void on_op(const OpRecord&) override;

  bool converged() const { return divergent_keys_ == 0; }
  std::uint64_t divergent_keys() const { return divergent_keys_; }
  std::uint64_t replicas_behind() const { return replicas_behind_; }
  SimTime last_change_ns() const { return last_change_; }
  // NaN when not converged at the end.
  double convergence_time_s() const;
  SimTime reference_time_ns() const { return std::max(last_ack_write_, last_heal_); }
  const std::vector<ConvergencePoint>& series() const { return series_; }
  // Visibility delays (seconds) of acknowledged writes that became visible.
  std::vector<double> visibility_delays_s() const;
  std::uint64_t writes_never_visible() const;
  std::uint64_t acknowledged_writes() const { return acked_writes_; }

 private:
  // A distinct replica state (digest, rank, write) as first reported: per
  // node only its index is kept (8 bytes a (node, key) instead of 40). A
  // state no node entry and no holder refers to any more is recycled, so
  // states_ grows with what replicas hold, not with every write.
  struct StateInfo {
    std::uint64_t digest;
    StateRank rank;
    WriteId write;  // the write whose version the state is (kNoWrite: a merged state)
  };
  struct Holder {
    std::uint64_t digest;
    StateRank rank;
    WriteId write;
    std::uint32_t count;
    std::uint32_t state;  // index into states_
  };
  struct PendingWrite {
    WriteId write;
    StateRank rank;
  };
  struct KeyState {
    std::vector<Holder> holders;  // over live replicas, absent not listed
    std::vector<PendingWrite> pending;
    std::vector<NodeId> replicas;  // with placement: the responsible nodes, sorted
    bool placed = false;           // replicas looked up
    bool divergent = false;
    std::uint64_t behind = 0;
  };
  struct NodeEntry {
    KeyId key;
    std::uint32_t state;  // index into states_
  };
  struct WriteTimes {
    SimTime acked = -1;
    SimTime visible = -1;
  };

  KeyState& key_state(KeyId key);
  void add_holder(KeyState& ks, std::uint32_t state);
  // The index of the state (digest, rank, write) of `ks`: a live holder's, else a new one.
  std::uint32_t state_of(const KeyState& ks, std::uint64_t digest, StateRank rank, WriteId write);
  void retain(std::uint32_t state) { ++state_refs_[state]; }
  void release(std::uint32_t state) {
    if (--state_refs_[state] == 0) free_states_.push_back(state);
  }
  void remove_entries(NodeId node);
  std::uint32_t live_replicas(const KeyState& ks) const;
  bool covers(const Holder& h, const PendingWrite& p) const;
  void remove_holder(KeyState& ks, std::uint64_t digest);
  void refresh(SimTime now, KeyId key);
  void refresh(SimTime now, KeyState& ks);
  void refresh_all(SimTime now);
  void check_visibility(SimTime now, KeyState& ks);
  void record(SimTime now);

  // Only keys the run touched: a run with few operations over many keys
  // (store.keys: 100000000) must not pay per key. Ordered, so refresh_all
  // visits keys in id order; references stay valid as keys are added.
  std::map<KeyId, KeyState> keys_;
  std::unordered_map<KeyId, KeyState*> key_index_;  // the same, looked up in O(1): a lookup per observation
  KeyId cached_key_ = 0;
  KeyState* cached_ = nullptr;  // the last key looked up (most runs touch one key at a time)
  std::vector<InlineVector<NodeEntry>> nodes_;  // per node, sorted by key
  std::vector<StateInfo> states_;
  std::vector<std::uint32_t> state_refs_;   // by state: node entries and holders that refer to it
  std::vector<std::uint32_t> free_states_;  // states with no reference, to reuse
  std::vector<std::uint8_t> live_;
  std::uint32_t live_count_;
  std::uint64_t divergent_keys_ = 0;
  std::uint64_t replicas_behind_ = 0;
  SimTime converged_since_ = 0;
  SimTime last_ack_write_ = 0;
  SimTime last_heal_ = 0;
  SimTime last_change_ = 0;
  std::vector<WriteTimes> writes_;  // indexed by WriteId
  std::uint64_t acked_writes_ = 0;
  bool record_series_;
  std::vector<ConvergencePoint> series_;
  const KeyPlacement* placement_ = nullptr;
  const LostWritesChecker* causality_ = nullptr;
};

}  // namespace ecsim
