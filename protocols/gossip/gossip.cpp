#include "protocols/gossip/gossip.hpp"

#include "protocols/core/rounds.hpp"

#include <algorithm>

namespace ecsim {
namespace {
constexpr std::uint32_t kGossipTimer = 1;
}

GossipProtocol::GossipProtocol(const GossipSpec& spec, ReplicaStore& store) : spec_(spec), store_(store) {}

ReplicaCall GossipProtocol::call(Context& ctx) const {
  return store_.call_at(ctx.node(), ctx.now(), ctx.local_time());
}

void GossipProtocol::on_start(Context& ctx) {
  ctx.set_timer(first_round_delay(ctx, spec_.interval_ns, spec_.aligned_phase), kGossipTimer);
}

void GossipProtocol::on_crash(Context& ctx, bool lose_state) {
  if (lose_state) store_.clear(call(ctx));
}

void GossipProtocol::on_timer(Context& ctx, std::uint32_t tag) {
  if (tag != kGossipTimer) return;
  ctx.set_timer(spec_.interval_ns, kGossipTimer);
  // Distinct peers, uniformly among graph neighbours.
  peers_.clear();
  const auto want = std::min<std::uint32_t>(static_cast<std::uint32_t>(spec_.fanout), ctx.neighbor_count());
  for (std::uint32_t attempts = 0; peers_.size() < want && attempts < 64 * want; ++attempts) {
    const NodeId p = ctx.random_neighbor();
    if (p != kNoNode && std::find(peers_.begin(), peers_.end(), p) == peers_.end()) peers_.push_back(p);
  }
  if (peers_.empty()) return;
  buf_.clear();
  store_.digest(ctx.node(), buf_);
  const std::uint32_t bytes = store_.digest_wire_bytes(buf_);
  for (NodeId p : peers_) ctx.send(p, digest, buf_, bytes);
}

void GossipProtocol::send_entries(Context& ctx, NodeId to, std::span<const std::uint64_t> keys) {
  buf_.clear();
  store_.entries_for(ctx.node(), keys, buf_);
  if (!buf_.empty()) ctx.send(to, entries, buf_, store_.entries_wire_bytes(buf_), ServiceKind::merge);
}

void GossipProtocol::on_message(Context& ctx, const Message& msg) {
  switch (msg.type) {
    case digest: {
      entries_.clear();
      wanted_.clear();
      store_.compare(ctx.node(), msg.words, entries_, wanted_);
      const bool ship = spec_.mode != GossipMode::push && !entries_.empty();
      const bool ask = spec_.mode != GossipMode::pull && !wanted_.empty();
      if (spec_.mode == GossipMode::push_pull && (ship || ask)) {
        // REPLY layout: [entry word count, entries..., wanted keys...]
        buf_.clear();
        buf_.push_back(ship ? entries_.size() : 0);
        if (ship) buf_.insert(buf_.end(), entries_.begin(), entries_.end());
        if (ask) buf_.insert(buf_.end(), wanted_.begin(), wanted_.end());
        const std::uint32_t bytes = (ship ? store_.entries_wire_bytes(entries_) : store_.entry_bytes(0)) +
                                    8 * static_cast<std::uint32_t>(ask ? wanted_.size() : 0);
        ctx.send(msg.from, reply, buf_, bytes, ship ? ServiceKind::merge : ServiceKind::none);
      } else if (spec_.mode == GossipMode::pull && ship) {
        ctx.send(msg.from, entries, entries_, store_.entries_wire_bytes(entries_), ServiceKind::merge);
      } else if (spec_.mode == GossipMode::push && ask) {
        ctx.send(msg.from, request, wanted_, 16 + 8 * static_cast<std::uint32_t>(wanted_.size()));
      }
      break;
    }
    case reply: {
      if (msg.words.empty()) break;
      const std::size_t n = static_cast<std::size_t>(msg.words[0]);
      if (n + 1 > msg.words.size()) break;  // malformed: ignore rather than read past the end
      if (n > 0) store_.merge(call(ctx), msg.words.subspan(1, n));
      const auto keys = msg.words.subspan(1 + n);
      if (!keys.empty()) {
        wanted_.assign(keys.begin(), keys.end());  // buf_ is reused by send_entries
        send_entries(ctx, msg.from, wanted_);
      }
      break;
    }
    case request:
      wanted_.assign(msg.words.begin(), msg.words.end());
      send_entries(ctx, msg.from, wanted_);
      break;
    case entries:
      store_.merge(call(ctx), msg.words);
      break;
    default:
      break;
  }
}

}  // namespace ecsim
