#pragma once
// Convergence and visibility, from replica observations alone.
//
// For every key the tracker keeps which state digests the live replicas hold
// and how many hold each. A key is divergent while live replicas hold
// different states (absent counts as a state). The newest state of a key is
// the one with the highest rank; `replicas_behind` counts (live replica, key)
// pairs not holding it (with one key: the number of replicas behind).
//
// convergence.time_s: from the later of the last acknowledged write and the
// last heal/restart until every live replica holds the same state for every
// key, and stays so until the end. t-visibility of a write: from its
// acknowledgement until every live replica holds a state of at least its rank.
#include <cmath>
#include <cstdint>
#include <vector>

#include "sim/inline_vector.hpp"
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
  void on_applied(SimTime, NodeId, KeyId, std::uint64_t digest, StateRank) override;
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
  struct Holder {
    std::uint64_t digest;
    StateRank rank;
    std::uint32_t count;
  };
  struct PendingWrite {
    WriteId write;
    StateRank rank;
  };
  struct KeyState {
    std::vector<Holder> holders;  // over live replicas, absent not listed
    std::vector<PendingWrite> pending;
    bool divergent = false;
    std::uint64_t behind = 0;
  };
  struct NodeEntry {
    KeyId key;
    std::uint64_t digest;
    StateRank rank;
  };
  struct WriteTimes {
    SimTime accepted = -1;
    SimTime acked = -1;
    SimTime visible = -1;
  };

  KeyState& key_state(KeyId key);
  void add_holder(KeyState& ks, std::uint64_t digest, StateRank rank);
  void remove_holder(KeyState& ks, std::uint64_t digest);
  void refresh(SimTime now, KeyId key);
  void refresh_all(SimTime now);
  void check_visibility(SimTime now, KeyState& ks);
  void record(SimTime now);

  std::vector<KeyState> keys_;
  std::vector<InlineVector<NodeEntry>> nodes_;  // per node, sorted by key
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
};

}  // namespace ecsim
