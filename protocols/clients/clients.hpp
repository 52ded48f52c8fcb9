#pragma once
// Clients: the scripted `ops:` list and the `workload:` generator. A client
// operation travels to a replica chosen by routing (or pinned with node:),
// runs there against the store (or, with protocols.replication, through the
// quorum coordinator there), and completes after the return trip; each
// completed operation becomes one history row (Observer::on_op).
//
// Time (docs/SESSIONS.md#time): a request and its reply each take the
// network's latency between the client's place (workload.placement) and the
// replica, or workload.client_latency when given; each is lost with the
// network's loss probability or by a partition between place and replica.
// A client that hears nothing gives up on the attempt after
// session.attempt_timeout. At the replica the request waits its turn in the
// node's service queue, then runs.
//
// Sessions (protocols/clients/session.hpp, docs/SESSIONS.md): a request carries the
// session's guarantees; a replica that is behind them waits (bounded) or
// answers "behind", and an unreachable replica (crashed, or cut off from the
// client's place by a partition) answers nothing usable; either way the
// client retries at its fallback, at most `retries` more times and not after
// `timeout`, then reports the operation failed.
#include <deque>
#include <string>
#include <vector>

#include "protocols/clients/config.hpp"
#include "protocols/core/coordinator.hpp"
#include "protocols/core/store_config.hpp"
#include "protocols/core/hash_ring.hpp"
#include "protocols/core/keyspace.hpp"
#include "protocols/core/replica_store.hpp"
#include "protocols/clients/session.hpp"
#include "sim/protocol.hpp"
#include "sim/rng.hpp"
#include "sim/scenario.hpp"

namespace ecsim {

class Simulator;

struct ClientStats {
  std::uint64_t ops = 0;
  std::uint64_t failed = 0;
  std::uint64_t reads = 0;
  std::uint64_t writes = 0;
  std::uint64_t cache_hits = 0;  // reads answered by the session's cache
  std::uint64_t retries = 0;     // attempts after an op's first
  std::uint64_t behind = 0;      // attempts a replica answered "behind the session"
  std::uint64_t waited = 0;      // attempts a replica held until it caught up (or gave up)
  std::uint64_t unavailable = 0; // attempts at a crashed or cut-off replica, or a lost coordinator
  std::uint64_t lost_requests = 0;  // requests lost on the way (loss, partition, no route)
  std::uint64_t lost_replies = 0;   // replies lost on the way back
  std::uint64_t timeouts = 0;       // attempts the client gave up on (no reply within attempt_timeout)
};

class ClientDriver final : public Component {
 public:
  ClientDriver(Simulator& sim, const Scenario& scenario, ReplicaStore& store, KeySpace& keys, WriteTable& writes);
  // Run operations through Dynamo-style replication: a client talks to one of
  // the key's replicas, which coordinates the quorum.
  void use_replication(ReplicaCoordinator& coordinator);
  void on_event(std::uint64_t x, std::uint32_t a) override;
  const ClientStats& stats() const { return stats_; }
  bool hash_state(StateHasher& h) const override;

 private:
  enum Phase : std::uint32_t { script_invoke, open_arrival, closed_next, arrive, complete, recheck, served, timeout };
  // Events of one attempt carry its token (slot | token << 32): events of an
  // attempt that timed out, or of a slot since reused, are stale and ignored.
  static std::uint64_t tagged(std::size_t slot, std::uint32_t token) { return slot | std::uint64_t{token} << 32; }

  struct Session {
    std::string client;
    std::uint32_t index = 0;       // within the client
    std::uint32_t client_index = 0;
    std::uint64_t uid = 0;         // unique across clients
    std::uint64_t ring_hash = 0;
    NodeId home = kNoNode;         // where the client sits (workload.placement); kNoNode: anywhere
    std::uint64_t issued = 0;      // ops issued so far (the next op's seq is issued + 1)
    SessionState state;
  };
  // Where an attempt stands; unavailable and behind may be retried elsewhere.
  enum class Outcome : std::uint8_t { pending, done, failed, unavailable, behind, timed_out };
  struct PendingOp {
    std::size_t session = 0;
    OpKind op = OpKind::read;
    KeyId key = 0;
    std::string value;  // written value; for reads, what came back
    NodeId replica = kNoNode;
    SimTime invoke_ns = 0;
    WriteId write = kNoWrite;
    bool ok = false;
    std::string version;
    StateRank rank;
    bool closed_loop = false;
    NodeId pinned = kNoNode;
    Outcome outcome = Outcome::pending;
    std::uint32_t attempts = 0;
    std::uint32_t token = 0;    // the current attempt's (0: none in flight)
    SimTime deadline_ns = 0;    // the current attempt times out then
    SimTime request_ns = 0;     // the current attempt's request latency
    SimTime arrived_ns = 0;     // when the current attempt reached its replica
    bool waiting = false;       // the replica is holding the current attempt
    std::vector<NodeId> tried;  // replicas tried by this op, in order
    std::uint64_t seq = 0;      // issue order within the session, 1-based
  };

  std::size_t session_for(const std::string& client, std::uint32_t index);
  void invoke(std::size_t session, OpKind op, KeyId key, std::string value, NodeId pinned, bool closed_loop);
  NodeId route(const Session& s, KeyId key);
  NodeId first_choice(const PendingOp& p);
  NodeId fallback_choice(const PendingOp& p);
  std::uint64_t ring_hash(const Session& s) const;
  bool reachable(const Session& s, NodeId replica);
  bool tried(const PendingOp& p, NodeId replica) const;
  void build_rings();
  // One way between a client's place and a replica.
  struct Leg {
    bool delivered = false;
    SimTime latency_ns = 0;
  };
  Leg travel(const Session& s, NodeId replica, bool to_replica);
  void attempt(std::size_t slot);
  void on_arrive(std::size_t slot);
  void serve(std::size_t slot);
  void send_reply(std::size_t slot);
  void notice_unavailable(std::size_t slot);
  void on_timeout(std::size_t slot);
  std::uint32_t next_token();
  void on_complete(std::size_t slot);
  void finish(std::size_t slot);
  void on_quorum_done(std::uint64_t slot, bool ok, bool coordinator_lost, const ReadResult* read, const WriteResult* write);
  OpKind draw_op();
  KeyId draw_key();

  Simulator& sim_;
  const Scenario& scenario_;
  const WorkloadSpec& workload_;
  const std::vector<OpSpec>& ops_;
  const StoreSpec& store_spec_;
  ReplicaStore& store_;
  KeySpace& keys_;
  WriteTable& writes_;
  Rng rng_;          // the workload: arrivals, ops, keys, sessions, think times
  Rng route_rng_;    // random routing, a stream of its own: every configuration sees the same workload
  Rng latency_rng_;  // client-replica latency (retries draw more)
  Rng loss_rng_;     // client-replica message loss, a stream of its own
  std::uint32_t last_token_ = 0;
  std::uint16_t self_ = 0;
  std::vector<Session> sessions_;
  std::vector<std::size_t> client_first_session_;  // workload clients c0..: first session index
  std::deque<PendingOp> pending_;
  std::vector<std::size_t> free_pending_;
  bool rings_built_ = false;
  HashRing ring_;
  std::vector<HashRing> region_rings_;
  ZipfSampler zipf_;
  std::vector<std::pair<OpKind, double>> mix_cdf_;
  SessionGuarantees guarantees_;
  ReplicaCoordinator* quorum_ = nullptr;
  std::uint16_t quorum_id_ = 0;
  ClientStats stats_;
};


}  // namespace ecsim
