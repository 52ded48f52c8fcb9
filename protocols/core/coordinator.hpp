#pragma once
// An interface a module offers others through Services (protocols/core/module.hpp):
// a protocol that coordinates client operations across a key's replicas
// (the quorum module). The clients module routes operations through it when
// one is present.
#include <cstdint>
#include <functional>
#include <vector>

#include "protocols/core/replica_store.hpp"
#include "sim/protocol.hpp"

namespace ecsim {

class ReplicaCoordinator {
 public:
  struct Reply {
    bool ok = false;
    bool coordinator_lost = false;  // the coordinator crashed before answering
    ReadResult read;                // for reads
    WriteResult write;              // for writes
  };
  using Done = std::function<void(std::uint64_t ticket, const Reply& reply)>;

  virtual ~ReplicaCoordinator() = default;
  // The kernel's id of the coordinating protocol (for its Context).
  virtual std::uint16_t protocol_id() const = 0;
  virtual void set_done(Done done) = 0;
  // The key's preference list (the first is the key's primary).
  virtual const std::vector<NodeId>& replicas(KeyId key) = 0;
  // Coordinates one client operation at ctx.node(), which should be one of
  // the key's replicas. Calls done(ticket, ...) exactly once, perhaps before
  // returning (when the coordinator alone is a quorum).
  virtual void start(Context& ctx, std::uint64_t ticket, OpKind op, KeyId key, WriteId write, std::uint64_t session_uid) = 0;
};

}  // namespace ecsim
