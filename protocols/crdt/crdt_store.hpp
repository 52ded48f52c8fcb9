#pragma once
// State-based CRDTs (Shapiro et al., 2011), one per key per replica, for
// store.type gcounter, pncounter, orset, mvregister and cart (merge: crdt).
// Two families share one state layout:
//
//  - per-actor prefix states: G-Counter, PN-Counter, and the CRDT cart (a
//    map of PN-Counters, one per item). An actor's contribution is a
//    function of how many of its operations on the key a replica has seen,
//    so the join takes, per actor, the side that has seen more of them.
//  - dotted states with a causal context: OR-Set (add-wins, "optimised"
//    OR-Set of Bieniusa et al. 2012 / Almeida et al. 2018) and MV-Register
//    (Dynamo/Riak siblings). Every add/write carries a unique dot
//    (actor, seq); an element survives a merge unless the other side has
//    seen its dot (its context covers it) and no longer holds it.
//
// Both keep a version vector per key, the causal context: ctx[a] = how many
// of actor a's operations on this key the state reflects. Gossip digests are
// these vectors and compare() classifies each key as equal, newer, older or
// concurrent (concurrent: ship ours and ask for theirs). Removes get a dot
// too, so the context names every operation a state reflects: that is what
// reflected_writes() reports to the lost-writes checker.
//
// A replica that loses its state (crash with lose_state) comes back as a new
// actor ("n3~1"), so it never reuses a dot it handed out before (Riak does
// the same with vnode ids).
#include <cstdint>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "protocols/core/keyspace.hpp"
#include "protocols/core/replica_store.hpp"
#include "protocols/core/version_vector.hpp"

namespace ecsim {

enum class CrdtKind : std::uint8_t { gcounter, pncounter, orset, mvregister, cart };

const char* crdt_kind_name(CrdtKind kind);

namespace crdt {

// Prefix family: one row per (actor, item); counters use item 0.
struct Row {
  ActorId actor = 0;
  std::uint32_t item = 0;
  std::int64_t p = 0;  // increments
  std::int64_t n = 0;  // decrements
  friend bool operator==(const Row&, const Row&) = default;
};

// Dotted family: an element (set member id, or the write id of an
// MV-register sibling) and the dot of the add/write that put it there.
struct Elem {
  std::uint64_t value = 0;
  ActorId actor = 0;
  std::uint32_t seq = 0;
  friend bool operator==(const Elem&, const Elem&) = default;
};

struct State {
  VersionVector ctx;        // causal context
  std::vector<Row> rows;    // prefix family, sorted by (actor, item)
  std::vector<Elem> elems;  // dotted family, sorted by (value, actor, seq)
  friend bool operator==(const State&, const State&) = default;
};

bool is_prefix_kind(CrdtKind kind);

// The join: commutative, associative, idempotent (tests/test_crdt_laws.cpp).
// Returns true if `into` changed. `from` may be a delta (prefix family: the
// rows and context entries of some actors only).
bool merge(CrdtKind kind, State& into, const State& from);

// Local updates by `actor`. Each returns the operation's sequence number
// among the actor's operations on this key (its dot).
std::uint32_t counter_update(State& s, ActorId actor, std::uint32_t item, std::int64_t incr, std::int64_t decr);
std::uint32_t orset_add(State& s, ActorId actor, std::uint64_t value);
std::uint32_t orset_remove(State& s, ActorId actor, std::uint64_t value);
std::uint32_t mv_write(State& s, ActorId actor, std::uint64_t write);

// Queries.
std::int64_t counter_value(const State& s);                                   // sum of p - n
std::vector<std::pair<std::uint32_t, std::int64_t>> item_totals(const State& s);  // per item p - n, sorted by item
std::vector<std::uint64_t> members(const State& s);                           // distinct values, sorted

std::uint64_t digest(const State& s);  // never 0
StateRank rank(const State& s);        // (operations seen, 0): a state that includes another ranks higher

// Wire format of one key: [key << 32 | words that follow], ctx count,
// ctx words (actor << 32 | counter), row count, rows (actor << 32 | item, p, n),
// elem count, elems (value, actor << 32 | seq).
void encode(KeyId key, const State& s, std::vector<std::uint64_t>& out);
// Decodes the key at `pos`, advances `pos`; false if malformed.
bool decode(std::span<const std::uint64_t> words, std::size_t& pos, KeyId& key, State& s);

}  // namespace crdt

class CrdtStore final : public ReplicaStore {
 public:
  CrdtStore(const Scenario& scenario, const WriteTable& writes);
  // For tests and benchmarks: `node_names` sets the node count.
  CrdtStore(CrdtKind kind, std::vector<std::string> node_names, std::uint32_t value_bytes, const WriteTable& writes);

  ReadResult read(const ReplicaCall& at, KeyId key) override;
  WriteResult write(const ReplicaCall& at, KeyId key, OpKind op, WriteId write, std::uint64_t session_uid) override;
  void digest(NodeId node, std::vector<std::uint64_t>& out) const override;
  void compare(NodeId self, std::span<const std::uint64_t> peer_digest, std::vector<std::uint64_t>& entries_to_send,
               std::vector<std::uint64_t>& keys_wanted) const override;
  void entries_for(NodeId self, std::span<const std::uint64_t> keys, std::vector<std::uint64_t>& out) const override;
  void merge(const ReplicaCall& at, std::span<const std::uint64_t> entries) override;
  std::uint32_t digest_bytes(std::size_t words) const override;
  std::uint32_t entry_bytes(std::size_t words) const override;
  std::uint32_t digest_wire_bytes(std::span<const std::uint64_t> digest) const override;
  std::uint32_t entries_wire_bytes(std::span<const std::uint64_t> entries) const override;
  void clear(const ReplicaCall& at) override;
  std::uint64_t state_digest(NodeId node, KeyId key) override;
  void reflected_writes(NodeId node, KeyId key, std::vector<WriteId>& out) override;
  // Each replica's states in their canonical (sorted) encoding, so equal
  // states hash equal whatever order their merges came in.
  bool hash_state(StateHasher& h) const override;

  // For tests and checkers of this type.
  CrdtKind kind() const { return kind_; }
  const crdt::State* find(NodeId node, KeyId key) const;
  ActorId actor_of(NodeId node) const { return actor_[node]; }
  const std::string& actor_name(ActorId actor) const { return actor_names_[actor]; }
  std::string value_text(const crdt::State& s) const;
  std::string context_text(const crdt::State& s) const;
  std::uint32_t node_count() const { return static_cast<std::uint32_t>(nodes_.size()); }
  std::size_t keys_held(NodeId node) const { return nodes_[node].size(); }

 private:
  struct KeyState {
    KeyId key;
    crdt::State state;
  };
  KeyState* find_mutable(NodeId node, KeyId key);
  KeyState& get_or_create(NodeId node, KeyId key);
  std::uint32_t intern(const std::string& value);
  std::vector<WriteId>& log(KeyId key, ActorId actor) { return log_[(static_cast<std::uint64_t>(key) << 32) | actor]; }
  const std::vector<WriteId>* find_log(KeyId key, ActorId actor) const;
  WriteId latest_write(KeyId key, const crdt::State& s) const;
  // Observations for writes a merge made this replica reflect (ctx grew from `before`).
  void report_new_writes(const ReplicaCall& at, KeyId key, const VersionVector& before, const VersionVector& after) const;
  std::uint32_t key_wire_bytes(const crdt::State& s) const;

  CrdtKind kind_;
  std::uint32_t value_bytes_;
  const WriteTable& writes_;
  std::vector<std::vector<KeyState>> nodes_;  // per node, sorted by key
  std::vector<ActorId> actor_;                // each node's current actor
  std::vector<std::uint32_t> incarnation_;    // state losses so far, per node
  std::vector<std::string> actor_names_;      // by actor id
  // Which write was actor a's s-th operation on key k: history, shared by all
  // replicas (like WriteTable), never part of a replica's state. Lookups only.
  std::unordered_map<std::uint64_t, std::vector<WriteId>> log_;
  // Set members and cart items by id (a dictionary; the wire carries the id
  // and is charged value_bytes for the text).
  std::vector<std::string> values_;
  std::unordered_map<std::string, std::uint32_t> value_ids_;
};

// Operation values as ops.csv writes them (docs/SCENARIO_REFERENCE.md): a counter
// amount ("5"; anything else counts 1), a cart line "item" or "item:qty".
std::int64_t parse_amount(const std::string& text);
std::pair<std::string, std::int64_t> parse_cart_line(const std::string& text);

}  // namespace ecsim
