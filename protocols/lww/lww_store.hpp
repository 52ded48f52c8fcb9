#pragma once
// Last-writer-wins registers, one per key per replica. A version is
// (timestamp, origin node, write id): the timestamp comes from the physical
// clock, a Lamport clock or a hybrid logical clock (store.timestamps); the
// origin node and write id break ties deterministically.
#include <span>
#include <string>
#include <vector>

#include "protocols/core/keyspace.hpp"
#include "protocols/core/logical_clock.hpp"
#include "protocols/core/replica_store.hpp"
#include "protocols/core/store_config.hpp"

namespace ecsim {

struct LwwVersion {
  Timestamp ts;
  NodeId origin = 0;
  WriteId write = kNoWrite;
  friend bool operator==(const LwwVersion&, const LwwVersion&) = default;
  friend bool operator<(const LwwVersion& a, const LwwVersion& b) {
    if (!(a.ts == b.ts)) return a.ts < b.ts;
    if (a.origin != b.origin) return a.origin < b.origin;
    return a.write < b.write;
  }
};

class LwwStore final : public ReplicaStore {
 public:
  LwwStore(const Scenario& scenario, const WriteTable& writes);

  ReadResult read(const ReplicaCall& at, KeyId key) override;
  WriteResult write(const ReplicaCall& at, KeyId key, OpKind op, WriteId write, std::uint64_t session_uid) override;
  void digest(NodeId node, std::vector<std::uint64_t>& out) const override;
  void compare(NodeId self, std::span<const std::uint64_t> peer_digest, std::vector<std::uint64_t>& entries_to_send,
               std::vector<std::uint64_t>& keys_wanted) const override;
  void entries_for(NodeId self, std::span<const std::uint64_t> keys, std::vector<std::uint64_t>& out) const override;
  void merge(const ReplicaCall& at, std::span<const std::uint64_t> entries) override;
  std::uint32_t digest_bytes(std::size_t words) const override;
  std::uint32_t entry_bytes(std::size_t words) const override;
  void clear(const ReplicaCall& at) override;
  std::uint64_t state_digest(NodeId node, KeyId key) override;
  StateProbe probe(NodeId node, KeyId key) override;
  bool hash_state(StateHasher& h) const override;

  // For tests and checkers of this type.
  // Valid until the store next changes (versions live in one growing table).
  const LwwVersion* find(NodeId node, KeyId key) const;
  static StateRank rank_of(const LwwVersion& v);
  static std::uint64_t digest_of(const LwwVersion& v);
  std::string version_text(const LwwVersion& v) const;

  static constexpr std::size_t kWordsPerEntry = 3;

 private:
  // Per node, what it holds for one key: an index into versions_ (a
  // version is one write's, created once by write() and carried unchanged
  // by merges, so replicas share it instead of copying 32 bytes each).
  struct Held {
    KeyId key;
    std::uint32_t version;
  };
  Timestamp stamp(const ReplicaCall& at);
  void observe_received(const ReplicaCall& at, const Timestamp& ts);
  // The node's held versions in key order; `one` backs a single inline entry.
  std::span<const Held> held(NodeId node, Held& one) const;
  std::uint32_t held_version(NodeId node, KeyId key) const;  // 0: none
  void hold(NodeId node, KeyId key, std::uint32_t version);
  std::uint32_t take_list();  // an empty slot of lists_
  // The index of v in versions_, added if new.
  std::uint32_t intern(const LwwVersion& v);
  std::uint32_t add_version(const LwwVersion& v);
  // Stores v if newer; returns true when the state changed.
  bool offer(const ReplicaCall& at, KeyId key, const LwwVersion& v);
  static void encode(KeyId key, const LwwVersion& v, std::vector<std::uint64_t>& out);
  static KeyId decode(const std::uint64_t* w, LwwVersion& v);

  TimestampKind kind_;
  std::uint32_t value_bytes_;
  const WriteTable& writes_;
  const std::vector<std::string>& node_names_;  // the scenario's (it outlives the store)
  // Where a node's versions are, in two tiers. Gossip among a million
  // replicas reads one random node's state per digest and per compare, and
  // on this machine a random read costs ~11 ns in 1 MB, ~64 ns in 4 MB and
  // ~180 ns from 8 MB up (bench/README.md): so 1 byte per node says it all
  // in the common case. small_: 0 holds nothing; 1..254 holds key 0 only,
  // at that version index (the first 254 versions); kSeeCell: see cells_.
  // cells_ (allocated on first use), 8 bytes per node: 0, one (key << 32 |
  // version index) inline, or kListBit | an index into lists_ (two keys or
  // more, sorted).
  std::vector<std::uint8_t> small_;
  std::vector<std::uint64_t> cells_;
  std::vector<std::vector<Held>> lists_;
  std::vector<std::uint32_t> free_lists_;  // lists_ slots of cleared nodes
  // Every distinct version once, index 0 unused; by_write_ finds a version
  // by its write id (the 32 bits on the wire); a version whose write id is
  // taken by another (the same write id written twice, or ids far beyond
  // the table) goes to extra_versions_. One index per distinct version.
  std::vector<LwwVersion> versions_;
  std::vector<std::uint32_t> by_write_;
  std::vector<std::uint32_t> extra_versions_;  // indices, sorted by version
  std::vector<HybridClock> hlc_;
  std::vector<LamportClock> lamport_;
};

}  // namespace ecsim
