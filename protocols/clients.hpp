#pragma once
// Clients: the scripted `ops:` list and the `workload:` generator. A client
// operation travels to a replica chosen by routing (or pinned with node:),
// runs there against the store, and completes after the return trip; each
// completed operation becomes one history row (Observer::on_op).
#include <deque>
#include <string>
#include <vector>

#include "protocols/hash_ring.hpp"
#include "protocols/keyspace.hpp"
#include "protocols/replica_store.hpp"
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
};

class ClientDriver final : public Component {
 public:
  ClientDriver(Simulator& sim, const Scenario& scenario, ReplicaStore& store, KeySpace& keys, WriteTable& writes);
  void on_event(std::uint64_t x, std::uint32_t a) override;
  const ClientStats& stats() const { return stats_; }

 private:
  enum Phase : std::uint32_t { script_invoke, open_arrival, closed_next, arrive, complete };

  struct Session {
    std::string client;
    std::uint32_t index = 0;       // within the client
    std::uint32_t client_index = 0;
    std::uint64_t uid = 0;         // unique across clients
    std::uint64_t ring_hash = 0;
  };
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
  };

  std::size_t session_for(const std::string& client, std::uint32_t index);
  void invoke(std::size_t session, OpKind op, KeyId key, std::string value, NodeId pinned, bool closed_loop);
  NodeId route(const Session& s, KeyId key);
  void build_rings();
  void on_arrive(std::size_t slot);
  void on_complete(std::size_t slot);
  OpKind draw_op();
  KeyId draw_key();

  Simulator& sim_;
  const Scenario& scenario_;
  ReplicaStore& store_;
  KeySpace& keys_;
  WriteTable& writes_;
  Rng rng_;
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
  ClientStats stats_;
};

const char* op_name(OpKind op);

}  // namespace ecsim
