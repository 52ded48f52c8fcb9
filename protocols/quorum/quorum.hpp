#pragma once
// Dynamo-style replication with partial quorums (DeCandia et al., 2007;
// the model of Bailis et al., 2012, PBS). Each key lives on `n` replicas, its
// preference list: the first n distinct nodes clockwise from the key's hash on
// a consistent-hash ring. A client sends an operation to one of them, the
// coordinator (clients/routing pick which):
//   write: the coordinator applies it locally (stamping the version), sends
//          its resulting state for the key to the other n-1 replicas and
//          acknowledges once w replicas (itself included) hold it;
//   read:  the coordinator asks the other n-1 replicas, merges their replies
//          into its own state and answers from its state once r replicas
//          (itself included) replied. Read repair: every replier whose state
//          differs from the merged one (by state digest) is sent the merged
//          state, at the answer for the first r and on arrival for late
//          replies (until the operation's timeout).
// An operation that does not reach its quorum within `timeout` fails; a write
// that failed may still have reached some replicas (no rollback, as in
// Dynamo/Cassandra). With gossip enabled too, gossip spreads every key to
// every node.
//
// Sloppy quorum with hinted handoff (`sloppy: true`; DeCandia et al., 2007,
// section 4.6). The coordinator of a write detects unreachable replicas the
// way Dynamo does, by timeouts: a preference-list replica that has not
// acknowledged within `hint_after` (on the coordinator's clock) gets a
// stand-in, the next node clockwise beyond the first n that this write has
// not used yet. The stand-in receives the coordinator's state for the key
// with a hint naming the intended replica, keeps it apart from its own
// replica state (it never serves reads from it and anti-entropy never sees
// it) and acknowledges; the acknowledgement counts toward w. A stand-in that
// stays silent for another `hint_after` is itself replaced by the next node,
// and so on while the operation is live (until `timeout`), even after w acks:
// the write aims for n copies, as in Dynamo. Every `handoff_interval` a node
// holding hints sends each to its intended replica, which merges it into its
// state and acknowledges; the hint is then deleted. Hints survive a crash
// unless the crash loses state. Reads stay strict: the coordinator asks the
// preference list only and needs r replies from it; hints are never read (as
// in Cassandra), so R + W > N no longer guarantees that a read sees every
// acknowledged write.
//
// The replicas' state lives in the ReplicaStore, so any data type that
// implements it (LWW registers now, CRDTs later) replicates through this
// unchanged: a write ships the coordinator's state, a read merges states.
#include <cstdint>
#include <functional>
#include <unordered_map>
#include <vector>

#include "protocols/core/coordinator.hpp"
#include "protocols/core/hash_ring.hpp"
#include "protocols/quorum/config.hpp"
#include "protocols/core/replica_store.hpp"
#include "sim/protocol.hpp"

namespace ecsim {

class QuorumProtocol final : public Protocol, public ReplicaCoordinator {
 public:
  enum MessageType : std::uint16_t {
    write_req = 1,
    write_ack = 2,
    read_req = 3,
    read_reply = 4,
    read_repair = 5,
    hinted_write = 6,  // [slot, generation, intended replica, key, entries...] to a stand-in; answered by write_ack
    handoff = 7,       // [hint id, entries...] from a hint's holder to its intended replica
    handoff_ack = 8,   // [hint id]
  };

  // A write held by a stand-in for another replica.
  struct Hint {
    std::uint64_t id = 0;
    NodeId intended = kNoNode;
    KeyId key = 0;
    std::vector<std::uint64_t> entries;  // the coordinator's state for the key, in the store's wire format
  };

  using Reply = ReplicaCoordinator::Reply;
  using Done = ReplicaCoordinator::Done;

  // A replica that crashes with lose_state is wiped (ReplicaStore clears
  // once per crash, whichever protocol asks first).
  QuorumProtocol(const ReplicationSpec& spec, ReplicaStore& store, std::uint32_t nodes);
  // The ring of `nodes` nodes that places keys, and a key's first `count`
  // nodes on it: the same lists without a running protocol (ecsim analyze).
  static HashRing make_ring(std::uint32_t nodes);
  static std::vector<NodeId> preference_list(const HashRing& ring, KeyId key, std::size_t count);
  std::string_view name() const override { return "replication"; }
  void on_start(Context& ctx) override;
  void on_message(Context& ctx, const Message& msg) override;
  void on_timer(Context& ctx, std::uint32_t tag) override;
  void on_crash(Context& ctx, bool lose_state) override;
  void summary_metrics(std::vector<std::pair<std::string, double>>& out) const override;
  // Operations in flight (free slots too: their generations), hints, counters;
  // not the preference-list caches, which follow from the ring.
  bool hash_state(StateHasher& h) const override;

  const ReplicationSpec& spec() const { return spec_; }
  void set_protocol_id(std::uint16_t id) { protocol_id_ = id; }

  // ReplicaCoordinator (protocols/core/coordinator.hpp)
  std::uint16_t protocol_id() const override { return protocol_id_; }
  void set_done(Done done) override { done_ = std::move(done); }
  // The key's preference list (n replicas, the first is the key's primary).
  const std::vector<NodeId>& replicas(KeyId key) override;
  void start(Context& ctx, std::uint64_t ticket, OpKind op, KeyId key, WriteId write, std::uint64_t session_uid) override;

  // Sloppy quorums. The key's stand-ins in the order a coordinator uses them:
  // the nodes clockwise on the ring beyond its first n (index i: the i-th).
  NodeId fallback(KeyId key, std::size_t i);
  // Hints held at `node` (still undelivered), and in total.
  const std::vector<Hint>& hints_at(NodeId node) const;
  std::uint64_t hints_pending() const { return hints_pending_; }
  std::uint64_t hinted_writes() const { return hinted_writes_; }
  std::uint64_t hints_delivered() const { return hints_delivered_; }
  std::uint64_t hints_lost() const { return hints_lost_; }  // dropped by crashes that lost state

 private:
  // Timer tags: an operation's timeout is its slot; these bits mark the others.
  static constexpr std::uint32_t kHintRoundBit = 0x80000000u;  // | slot: a sloppy write's next stand-in round
  static constexpr std::uint32_t kHandoffTag = 0xffffffffu;     // a node's hint handoff
  // A sloppy write's recipients: a preference-list replica stands for itself,
  // a stand-in for `intended`.
  struct Target {
    NodeId node = kNoNode;
    NodeId intended = kNoNode;
    bool acked = false;
  };
  struct Op {
    std::uint64_t ticket = 0;
    NodeId coordinator = kNoNode;
    KeyId key = 0;
    bool is_read = false;
    bool finished = false;
    bool live = false;
    std::uint32_t generation = 0;  // bumped when the slot is freed: late replies are ignored
    int needed = 0;
    int got = 0;
    WriteResult write;
    std::vector<std::pair<NodeId, std::uint64_t>> replies;  // read: who replied with which state digest
    std::vector<Target> targets;   // sloppy writes only
    std::uint32_t next_fallback = 0;  // the next stand-in: fallback(key, next_fallback)
    std::uint32_t rounds = 0;         // stand-in rounds so far
    bool round_pending = false;       // a stand-in round timer is set: the slot is not reused before it fires
  };
  ReplicaCall call(Context& ctx) const;
  void finish(std::uint32_t slot, Reply reply);
  void release(std::uint32_t slot);
  Op* match(std::span<const std::uint64_t> words, NodeId at, bool finished_too = false);
  // Read repair: sends the coordinator's state of `key` to `to` if its digest differs.
  void repair_if_stale(Context& ctx, NodeId to, KeyId key, std::uint64_t their_digest);
  // Sloppy quorums: stands in for every replica of the write that nobody has acknowledged for.
  void hint_round(Context& ctx, std::uint32_t slot);
  void store_hint(Context& ctx, const Message& msg);
  void hand_off(Context& ctx);
  void arm_handoff(Context& ctx);

  ReplicationSpec spec_;
  ReplicaStore& store_;
  std::uint16_t protocol_id_ = 0;
  HashRing ring_;
  // By key, computed on first use; only keys used (store.keys may be huge).
  // Never iterated, so the hash order cannot reach the trace.
  std::unordered_map<KeyId, std::vector<NodeId>> preference_;
  std::vector<Op> ops_;
  std::vector<std::uint32_t> free_;
  std::vector<std::uint64_t> buf_, key_;
  Done done_;
  std::uint64_t read_repairs_ = 0;       // read-repair messages sent
  std::uint64_t read_repair_bytes_ = 0;
  // Sloppy quorums
  std::uint32_t nodes_ = 0;
  std::unordered_map<KeyId, std::vector<NodeId>> ring_order_;  // by key: the first nodes clockwise, computed as far as needed
  std::vector<std::vector<Hint>> hints_;          // by holder
  std::vector<std::uint8_t> handoff_armed_;       // by node: its handoff timer is set
  std::uint64_t next_hint_id_ = 1;
  std::uint64_t hints_pending_ = 0;
  std::uint64_t hinted_writes_ = 0;    // hints stored
  std::uint64_t hints_delivered_ = 0;  // hints acknowledged by their intended replica (and deleted)
  std::uint64_t hints_lost_ = 0;       // hints dropped by a crash that lost state
};

}  // namespace ecsim
