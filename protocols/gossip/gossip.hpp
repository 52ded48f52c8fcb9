#pragma once
// Gossip anti-entropy (Demers et al., 1987). Every `interval` of its own
// clock a node picks `fanout` random graph neighbours and starts an exchange:
//   push:      DIGEST ->, <- REQUEST(keys the initiator has newer), ENTRIES ->
//   pull:      DIGEST ->, <- ENTRIES(what the peer has newer)
//   push-pull: DIGEST ->, <- REPLY(peer's newer entries + keys it wants), ENTRIES ->
// Only digests travel unconditionally; values travel only where a side lacks them.
#include <vector>

#include "protocols/core/replica_store.hpp"
#include "protocols/gossip/config.hpp"
#include "sim/protocol.hpp"

namespace ecsim {

class GossipProtocol final : public Protocol {
 public:
  enum MessageType : std::uint16_t { digest = 1, reply = 2, request = 3, entries = 4 };

  GossipProtocol(const GossipSpec& spec, ReplicaStore& store);
  std::string_view name() const override { return "gossip"; }
  void on_start(Context& ctx) override;
  void on_message(Context& ctx, const Message& msg) override;
  void on_timer(Context& ctx, std::uint32_t tag) override;
  void on_crash(Context& ctx, bool lose_state) override;
  // Stateless between events (its buffers are scratch): the data is the store's.
  bool hash_state(StateHasher&) const override { return true; }

 private:
  ReplicaCall call(Context& ctx) const;
  void send_entries(Context& ctx, NodeId to, std::span<const std::uint64_t> keys);

  GossipSpec spec_;
  ReplicaStore& store_;
  // Scratch buffers reused across events: no allocation per message.
  std::vector<std::uint64_t> buf_, entries_, wanted_;
  std::vector<NodeId> peers_;
};

}  // namespace ecsim
