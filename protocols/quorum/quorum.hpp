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
// Dynamo/Cassandra). No sloppy quorums or hinted handoff: with gossip enabled
// too, gossip spreads every key to every node.
//
// The replicas' state lives in the ReplicaStore, so any data type that
// implements it (LWW registers now, CRDTs later) replicates through this
// unchanged: a write ships the coordinator's state, a read merges states.
#include <cstdint>
#include <functional>
#include <vector>

#include "protocols/core/coordinator.hpp"
#include "protocols/core/hash_ring.hpp"
#include "protocols/quorum/config.hpp"
#include "protocols/core/replica_store.hpp"
#include "sim/protocol.hpp"

namespace ecsim {

class QuorumProtocol final : public Protocol, public ReplicaCoordinator {
 public:
  enum MessageType : std::uint16_t { write_req = 1, write_ack = 2, read_req = 3, read_reply = 4, read_repair = 5 };

  using Reply = ReplicaCoordinator::Reply;
  using Done = ReplicaCoordinator::Done;

  // A replica that crashes with lose_state is wiped (ReplicaStore clears
  // once per crash, whichever protocol asks first).
  QuorumProtocol(const ReplicationSpec& spec, ReplicaStore& store, std::uint32_t nodes);
  std::string_view name() const override { return "replication"; }
  void on_start(Context&) override {}
  void on_message(Context& ctx, const Message& msg) override;
  void on_timer(Context& ctx, std::uint32_t tag) override;
  void on_crash(Context& ctx, bool lose_state) override;
  void summary_metrics(std::vector<std::pair<std::string, double>>& out) const override;

  const ReplicationSpec& spec() const { return spec_; }
  void set_protocol_id(std::uint16_t id) { protocol_id_ = id; }

  // ReplicaCoordinator (protocols/core/coordinator.hpp)
  std::uint16_t protocol_id() const override { return protocol_id_; }
  void set_done(Done done) override { done_ = std::move(done); }
  // The key's preference list (n replicas, the first is the key's primary).
  const std::vector<NodeId>& replicas(KeyId key) override;
  void start(Context& ctx, std::uint64_t ticket, OpKind op, KeyId key, WriteId write, std::uint64_t session_uid) override;

 private:
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
  };
  ReplicaCall call(Context& ctx) const;
  void finish(std::uint32_t slot, Reply reply);
  void release(std::uint32_t slot);
  Op* match(std::span<const std::uint64_t> words, NodeId at, bool finished_too = false);
  // Read repair: sends the coordinator's state of `key` to `to` if its digest differs.
  void repair_if_stale(Context& ctx, NodeId to, KeyId key, std::uint64_t their_digest);

  ReplicationSpec spec_;
  ReplicaStore& store_;
  std::uint16_t protocol_id_ = 0;
  HashRing ring_;
  std::vector<std::vector<NodeId>> preference_;  // by key, computed on first use
  std::vector<Op> ops_;
  std::vector<std::uint32_t> free_;
  std::vector<std::uint64_t> buf_, key_;
  Done done_;
  std::uint64_t read_repairs_ = 0;       // read-repair messages sent
  std::uint64_t read_repair_bytes_ = 0;
};

}  // namespace ecsim
