#pragma once
// Last-writer-wins registers, one per key per replica. A version is
// (timestamp, origin node, write id): the timestamp comes from the physical
// clock, a Lamport clock or a hybrid logical clock (store.timestamps); the
// origin node and write id break ties deterministically.
#include <string>
#include <vector>

#include "sim/inline_vector.hpp"
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
  const LwwVersion* find(NodeId node, KeyId key) const;
  static StateRank rank_of(const LwwVersion& v);
  static std::uint64_t digest_of(const LwwVersion& v);
  std::string version_text(const LwwVersion& v) const;

  static constexpr std::size_t kWordsPerEntry = 3;

 private:
  struct Entry {
    KeyId key;
    LwwVersion version;
  };
  Timestamp stamp(const ReplicaCall& at);
  void observe_received(const ReplicaCall& at, const Timestamp& ts);
  Entry* find_mutable(NodeId node, KeyId key);
  // Stores v if newer; returns true when the state changed.
  bool offer(const ReplicaCall& at, KeyId key, const LwwVersion& v);
  static void encode(const Entry& e, std::vector<std::uint64_t>& out);
  static Entry decode(const std::uint64_t* w);

  TimestampKind kind_;
  std::uint32_t value_bytes_;
  const WriteTable& writes_;
  const std::vector<std::string>& node_names_;  // the scenario's (it outlives the store)
  std::vector<InlineVector<Entry>> entries_;  // per node, sorted by key
  // 1 byte per node mirrors !entries_[n].empty(): gossip with empty replicas
  // (most of them, early in a spread) then skips a 24-byte-per-node array.
  std::vector<std::uint8_t> holds_any_;
  std::vector<HybridClock> hlc_;
  std::vector<LamportClock> lamport_;
};

}  // namespace ecsim
