#pragma once
// Merkle-tree anti-entropy (Dynamo, Cassandra's repair). Each replica keeps
// a hash tree over key ranges: keys hash into `leaves` token ranges; a
// leaf's hash is the sum (mod 2^64) of a hash of (key, state digest) over
// the keys it holds, so one key's change updates its leaf in O(1); inner
// nodes (`fanout` children each) are recomputed lazily, only along the
// paths of leaves that changed since the tree was last read. Nothing is
// rebuilt per exchange.
//
// Every `interval` of its clock a node starts a repair with one random
// graph neighbour:
//   A -> B  TREE(level 0: A's root)
//   B -> A  TREE(level 1: B's hashes of the children of differing nodes)
//   A -> B  TREE(level 2: ...)          ... alternating down to the leaves
//   X -> Y  LEAVES(X's (key, digest) lists of the differing leaves)
//   Y -> X  PUSH(Y's entries for the keys that differ + the keys it wants)
//   X -> Y  ENTRIES(X's entries for the wanted keys)
// Equal roots end the repair after one message. Only keys of differing
// leaves are listed and only keys whose digests differ are shipped, by each
// side that holds them (a 64-bit digest does not say which side is newer;
// the store's merge decides, as Cassandra's timestamps do).
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "protocols/core/replica_store.hpp"
#include "protocols/merkle/config.hpp"
#include "sim/protocol.hpp"

namespace ecsim {

struct MerkleStats {
  std::uint64_t repairs = 0;              // exchanges started (root sent)
  std::uint64_t repairs_in_sync = 0;      // roots were equal
  std::uint64_t repairs_divergent = 0;    // roots differed
  std::uint64_t messages = 0;
  std::uint64_t bytes = 0;
  std::uint64_t divergent_messages = 0;   // of repairs whose roots differed
  std::uint64_t divergent_bytes = 0;
  std::uint64_t leaves_differing = 0;     // differing leaves found at the leaf level
  std::uint64_t keys_listed = 0;          // (key, digest) pairs sent in LEAVES
  std::uint64_t keys_shipped = 0;         // key states shipped (PUSH + ENTRIES)
  std::uint64_t leaf_updates = 0;         // O(1) leaf hash updates
  std::uint64_t inner_recomputed = 0;     // inner node hashes recomputed (lazily)
};

class MerkleProtocol final : public Protocol, public StoreListener {
 public:
  enum MessageType : std::uint16_t { tree_msg = 1, leaves_msg = 2, push_msg = 3, entries_msg = 4 };

  MerkleProtocol(const MerkleSpec& spec, ReplicaStore& store, std::uint32_t nodes);
  ~MerkleProtocol() override = default;

  std::string_view name() const override { return "merkle"; }
  void on_start(Context& ctx) override;
  void on_message(Context& ctx, const Message& msg) override;
  void on_timer(Context& ctx, std::uint32_t tag) override;
  void on_crash(Context& ctx, bool lose_state) override;
  void summary_metrics(std::vector<std::pair<std::string, double>>& out) const override;
  bool hash_state(StateHasher& h) const override;  // trees (lazy hashes and dirty marks too) and counters

  void on_state_changed(NodeId node, KeyId key, std::uint64_t digest) override;
  void on_state_cleared(NodeId node) override;

  // Starts a repair from `node` with `peer` now (the timer does this with a random neighbour).
  void start_repair(Context& ctx, NodeId peer);

  // For tests and benchmarks.
  const MerkleStats& stats() const { return stats_; }
  std::uint32_t leaf_of(KeyId key) const;
  std::uint32_t depth() const { return static_cast<std::uint32_t>(level_sizes_.size() - 1); }
  std::uint64_t root(NodeId node);
  // Keys this protocol shipped (in order), when recording is on.
  void record_shipped(bool on) { record_shipped_ = on; }
  const std::vector<std::pair<NodeId, KeyId>>& shipped() const { return shipped_; }

 private:
  struct KeyDigest {
    KeyId key;
    std::uint64_t digest;
  };
  struct Tree {
    std::vector<std::vector<std::uint64_t>> levels;       // [0] = root ... [depth] = leaves
    std::vector<std::vector<KeyDigest>> leaf_keys;        // per leaf, sorted by key
    std::vector<std::uint32_t> dirty;                     // leaves changed since the last refresh
    std::vector<std::uint8_t> is_dirty;
  };
  Tree& tree(NodeId node);
  std::uint64_t hash_at(NodeId node, std::uint32_t level, std::uint32_t index);
  void refresh(Tree& t);
  void send(Context& ctx, NodeId to, MessageType type, std::span<const std::uint64_t> words, std::uint32_t bytes, bool divergent);
  void on_tree(Context& ctx, const Message& msg);
  void on_leaves(Context& ctx, const Message& msg);
  void ship(Context& ctx, NodeId to, MessageType type, std::span<const std::uint64_t> keys, std::span<const std::uint64_t> wanted);

  MerkleSpec spec_;
  ReplicaStore& store_;
  std::vector<std::uint32_t> level_sizes_;  // [0] = 1 ... [depth] = leaves
  std::vector<std::unique_ptr<Tree>> trees_;  // per node, allocated when it first holds a key
  MerkleStats stats_;
  bool record_shipped_ = false;
  std::vector<std::pair<NodeId, KeyId>> shipped_;
  std::vector<std::uint64_t> buf_, keys_, wanted_, entries_;
};

}  // namespace ecsim
