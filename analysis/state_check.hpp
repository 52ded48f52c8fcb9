#pragma once
// Exact-state checks: for data types with a sequential specification, the
// value every live replica holds at the end must be the one the operation
// history implies (value formats: docs/SCENARIO_REFERENCE.md, store):
//   gcounter, pncounter  the sum of acknowledged increments minus decrements;
//   cart                 per item, acknowledged adds minus removes; the lines
//                        with a quantity > 0 as "item:qty", sorted, ';'-joined;
//   orset (add-wins)     x is a member iff some acknowledged add(x) was not
//                        observed by any acknowledged remove(x);
//   mvregister           the acknowledged writes that no acknowledged write
//                        observed (the siblings), values sorted, '|'-joined.
// "Observed": the replica that accepted the later operation had accepted or
// received the earlier write before it (Observer::on_write_accepted /
// on_write_received), the causality the data type itself can act on. A
// replica that lost its state (on_state_lost: a crash with lose_state) has
// observed nothing it did not receive again afterwards: it continues as a
// new incarnation with knowledge of its own, as the stores continue with a
// new actor (n0~1). The checker reads observations and the history only,
// never store internals.
// An LWW register has no such specification (any concurrent write may win):
// it is not checked. Operations that failed are left out: a write that
// failed at the client but reached a replica shows up as a mismatch.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "analysis/observations.hpp"
#include "sim/scenario.hpp"

namespace ecsim {

struct StateMismatch {
  KeyId key = 0;
  NodeId replica = kNoNode;  // kNoNode: no live replica held the key
  std::string got;
  std::string expected;
};

class StateChecker final : public ReplicaObserver {
 public:
  explicit StateChecker(StoreType type);
  // False for lww: nothing to check.
  bool applies() const { return type_ != StoreType::lww; }

  void on_write_accepted(SimTime, NodeId, KeyId, WriteId, StateRank, std::uint64_t) override;
  void on_write_received(SimTime, NodeId, KeyId, WriteId) override;
  void on_state_lost(SimTime, NodeId) override;
  void on_op(const OpRecord&) override;

  // After the run: the value of a live replica that holds the key.
  void final_value(NodeId node, KeyId key, std::string_view value);
  // Evaluates every key with an acknowledged write; call after all final values.
  void finish();

  std::string expected(KeyId key) const;
  std::uint64_t checked_keys() const { return checked_; }
  std::uint64_t mismatched_keys() const { return mismatched_; }
  const std::vector<StateMismatch>& first_mismatches() const { return mismatches_; }  // at most 5

 private:
  // A replica incarnation: node n's first is actor n; each loss of state
  // gives the node a fresh actor numbered from kFirstReborn up (node ids
  // stay far below it).
  using ActorId = std::uint32_t;
  static constexpr ActorId kNoActor = 0xFFFFFFFFu;
  static constexpr ActorId kFirstReborn = 0x80000000u;
  struct Write {
    KeyId key = 0;
    ActorId actor = kNoActor;        // the replica incarnation that accepted it
    std::uint32_t known_before = 0;  // how many writes that incarnation knew when it accepted it
    bool listed = false;  // in effective_by_key_: acknowledged, or accepted by a replica
    bool remove = false;  // decr / remove
    std::string value;
  };
  // Lists a write among those the final state must reflect (once).
  void took_effect(WriteId id, Write& w);
  struct Known {
    std::unordered_map<WriteId, std::uint32_t> position;  // order in which the replica learned each write
    std::uint32_t count = 0;
  };
  static std::uint64_t slot(ActorId actor, KeyId key) { return (static_cast<std::uint64_t>(actor) << 32) | key; }
  ActorId actor_of(NodeId node) const { return node < actor_.size() ? actor_[node] : node; }
  void learn(ActorId actor, KeyId key, WriteId write);
  bool observed(WriteId later, WriteId earlier) const;

  StoreType type_;
  bool needs_causality_;
  std::vector<Write> writes_;   // by WriteId
  std::vector<ActorId> actor_;  // by node: its incarnation; a node past the end never lost state (actor = node)
  ActorId next_actor_ = kFirstReborn;
  // Per (actor, key), lookups only. A lost incarnation's entries stay: the
  // writes it accepted are judged by what it knew then.
  std::unordered_map<std::uint64_t, Known> known_;
  std::map<KeyId, std::vector<WriteId>> effective_by_key_;  // writes that took effect, per key
  std::map<KeyId, std::vector<std::pair<NodeId, std::string>>> finals_;
  std::uint64_t checked_ = 0;
  std::uint64_t mismatched_ = 0;
  std::vector<StateMismatch> mismatches_;
};

}  // namespace ecsim
