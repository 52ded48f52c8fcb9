#pragma once
// The shopping cart as popular articles describe Dynamo's: replicas merge
// carts by "union of items, max quantity" (store.type: cart, store.merge:
// union-max). A line is present with a quantity, or absent (removed).
//
// The merge itself is a perfectly good join (commutative, associative,
// idempotent: tests/test_crdt_laws.cpp checks it like every CRDT): the flaw
// is that the local updates are not inflations. Removing an item or
// lowering its quantity moves a replica *down* the order the merge climbs,
// so the next merge with a replica that has not seen the removal undoes it:
// removed items come back and decrements vanish. store.merge: crdt
// (protocols/crdt/crdt_store.hpp: one PN-Counter per item) does not lose them;
// scenarios/cart-union-max.yaml and cart-crdt.yaml show both.
//
// For the checkers each line also carries its provenance: the writes whose
// effects produced its current value (instrumentation, not charged on the
// wire). Merging picks one side's line, and its provenance with it, so a
// decrement the merge discarded is reported as lost, honestly.
#include <cstdint>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "protocols/core/keyspace.hpp"
#include "protocols/core/replica_store.hpp"

namespace ecsim {

namespace cart {

struct Line {
  std::uint32_t item = 0;
  bool present = false;
  std::int64_t qty = 0;         // > 0 when present
  std::vector<WriteId> prov;    // sorted
  friend bool operator==(const Line&, const Line&) = default;
};

struct State {
  std::vector<Line> lines;  // sorted by item
  friend bool operator==(const State&, const State&) = default;
};

// The order the merge climbs: present over absent, then higher quantity;
// provenance (size, then lexicographic) only breaks ties deterministically.
bool line_less(const Line& a, const Line& b);
// Union of items, the greater line per item. Returns true if `into` changed.
bool merge(State& into, const State& from);
void add(State& s, std::uint32_t item, std::int64_t qty, WriteId write);
void remove(State& s, std::uint32_t item, std::int64_t qty, WriteId write);
std::uint64_t digest(const State& s);
StateRank rank(const State& s);
void encode(KeyId key, const State& s, std::vector<std::uint64_t>& out);
bool decode(std::span<const std::uint64_t> words, std::size_t& pos, KeyId& key, State& s);

}  // namespace cart

class UnionMaxCartStore final : public ReplicaStore {
 public:
  UnionMaxCartStore(const Scenario& scenario, const WriteTable& writes);
  UnionMaxCartStore(std::vector<std::string> node_names, std::uint32_t value_bytes, const WriteTable& writes);

  ReadResult read(const ReplicaCall& at, KeyId key) override;
  WriteResult write(const ReplicaCall& at, KeyId key, OpKind op, WriteId write, std::uint64_t session_uid) override;
  void digest(NodeId node, std::vector<std::uint64_t>& out) const override;
  void compare(NodeId self, std::span<const std::uint64_t> peer_digest, std::vector<std::uint64_t>& entries_to_send,
               std::vector<std::uint64_t>& keys_wanted) const override;
  void entries_for(NodeId self, std::span<const std::uint64_t> keys, std::vector<std::uint64_t>& out) const override;
  void merge(const ReplicaCall& at, std::span<const std::uint64_t> entries) override;
  std::uint32_t digest_bytes(std::size_t words) const override;
  std::uint32_t entry_bytes(std::size_t words) const override;
  std::uint32_t entries_wire_bytes(std::span<const std::uint64_t> entries) const override;
  void clear(const ReplicaCall& at) override;
  std::uint64_t state_digest(NodeId node, KeyId key) override;
  void reflected_writes(NodeId node, KeyId key, std::vector<WriteId>& out) override;
  bool hash_state(StateHasher& h) const override;  // canonical encodings: merge order does not matter

  const cart::State* find(NodeId node, KeyId key) const;
  std::string value_text(const cart::State& s) const;

 private:
  struct KeyState {
    KeyId key;
    cart::State state;
  };
  KeyState* find_mutable(NodeId node, KeyId key);
  KeyState& get_or_create(NodeId node, KeyId key);
  std::uint32_t intern(const std::string& item);

  std::uint32_t value_bytes_;
  const WriteTable& writes_;
  std::vector<std::string> node_names_;
  std::vector<std::vector<KeyState>> nodes_;  // per node, sorted by key
  std::vector<std::uint64_t> local_ops_;      // per node, for version text
  std::vector<std::string> items_;
  std::unordered_map<std::string, std::uint32_t> item_ids_;  // lookups only
};

}  // namespace ecsim
