#include "protocols/quorum/quorum.hpp"

#include "sim/state_hash.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

namespace ecsim {
namespace {
constexpr std::uint32_t kHeaderBytes = 16;
constexpr std::uint32_t kOpIdBytes = 8;
constexpr std::uint32_t kNodeIdBytes = 4;
}  // namespace

QuorumProtocol::QuorumProtocol(const ReplicationSpec& spec, ReplicaStore& store, std::uint32_t nodes)
    : spec_(spec), store_(store), nodes_(nodes) {
  if (spec_.sloppy) {
    hints_.resize(nodes);
    handoff_armed_.assign(nodes, 0);
  }
  ring_ = make_ring(nodes);
}

HashRing QuorumProtocol::make_ring(std::uint32_t nodes) {
  std::vector<NodeId> all(nodes);
  for (NodeId n = 0; n < nodes; ++n) all[n] = n;
  // As for client routing: enough virtual nodes for balance, at most ~4M points.
  const auto vnodes = static_cast<std::uint32_t>(std::clamp<std::uint64_t>((4u << 20) / std::max<std::uint32_t>(1, nodes), 1, 64));
  return HashRing(all, vnodes);
}

std::vector<NodeId> QuorumProtocol::preference_list(const HashRing& ring, KeyId key, std::size_t count) {
  return ring.successors(stable_hash("key-" + std::to_string(key)), count);
}

ReplicaCall QuorumProtocol::call(Context& ctx) const { return store_.call_at(ctx.node(), ctx.now(), ctx.local_time()); }

const std::vector<NodeId>& QuorumProtocol::replicas(KeyId key) {
  std::vector<NodeId>& list = preference_[key];
  if (list.empty()) list = preference_list(ring_, key, static_cast<std::size_t>(spec_.n));
  return list;
}

NodeId QuorumProtocol::fallback(KeyId key, std::size_t i) {
  const std::size_t n = replicas(key).size();
  const std::size_t want = n + i + 1;
  if (want > nodes_) return kNoNode;  // the ring has no more nodes
  std::vector<NodeId>& order = ring_order_[key];
  if (order.size() < want)  // grow by doubling: a big cluster never walks its whole ring for one key
    order = ring_.successors(stable_hash("key-" + std::to_string(key)), std::min<std::size_t>(nodes_, std::max(want, 2 * order.size())));
  return order[n + i];
}

const std::vector<QuorumProtocol::Hint>& QuorumProtocol::hints_at(NodeId node) const {
  static const std::vector<Hint> none;
  return node < hints_.size() ? hints_[node] : none;
}

void QuorumProtocol::start(Context& ctx, std::uint64_t ticket, OpKind op, KeyId key, WriteId write, std::uint64_t session_uid) {
  std::uint32_t slot;
  if (!free_.empty()) {
    slot = free_.back();
    free_.pop_back();
  } else {
    slot = static_cast<std::uint32_t>(ops_.size());
    ops_.emplace_back();
  }
  Op& o = ops_[slot];
  o.ticket = ticket;
  o.coordinator = ctx.node();
  o.key = key;
  o.is_read = op == OpKind::read;
  o.finished = false;
  o.live = true;
  o.needed = o.is_read ? spec_.r : spec_.w;
  o.got = 1;  // the coordinator itself
  o.replies.clear();
  o.targets.clear();
  o.next_fallback = 0;
  o.rounds = 0;
  const std::uint64_t generation = o.generation;
  // The slot stays taken until the timer fires (or the coordinator crashes,
  // which kills the timer), so a timer always finds its own operation.
  ctx.set_timer(spec_.timeout_ns, slot);

  buf_.clear();
  buf_.push_back(slot);
  buf_.push_back(generation);
  std::uint16_t type;
  std::uint32_t bytes;
  if (o.is_read) {
    type = read_req;
    buf_.push_back(key);
    bytes = kHeaderBytes + 2 * kOpIdBytes;
  } else {
    o.write = store_.write(call(ctx), key, op, write, session_uid);
    key_.assign(1, key);
    store_.entries_for(ctx.node(), key_, buf_);  // the coordinator's state, which holds or supersedes the write
    type = write_req;
    bytes = kOpIdBytes + store_.entries_wire_bytes(std::span<const std::uint64_t>(buf_).subspan(2));
  }
  for (NodeId r : replicas(key))
    if (r != ctx.node()) ctx.send(r, type, buf_, bytes, o.is_read ? ServiceKind::read : ServiceKind::write);
  if (spec_.sloppy && !o.is_read) {
    for (NodeId r : replicas(key))
      if (r != ctx.node()) o.targets.push_back(Target{r, r, false});
    // The first stand-in round; the rounds stop before the operation's
    // timeout (hint_after < timeout), which releases the slot.
    if (!o.targets.empty()) {
      ctx.set_timer(spec_.hint_after_ns, kHintRoundBit | slot);
      o.round_pending = true;
    }
  }
  if (o.got >= o.needed) {
    Reply reply;
    reply.ok = true;
    if (o.is_read) reply.read = store_.read(call(ctx), key);
    else reply.write = o.write;
    finish(slot, std::move(reply));
  }
}

void QuorumProtocol::finish(std::uint32_t slot, Reply reply) {
  Op& o = ops_[slot];
  o.finished = true;
  const std::uint64_t ticket = o.ticket;
  if (done_) done_(ticket, reply);
}

void QuorumProtocol::release(std::uint32_t slot) {
  Op& o = ops_[slot];
  o.live = false;
  ++o.generation;
  if (!o.round_pending) free_.push_back(slot);  // else once the round timer has fired
}

QuorumProtocol::Op* QuorumProtocol::match(std::span<const std::uint64_t> words, NodeId at, bool finished_too) {
  if (words.size() < 2 || words[0] >= ops_.size()) return nullptr;
  Op& o = ops_[words[0]];
  if (!o.live || (o.finished && !finished_too) || o.generation != words[1] || o.coordinator != at) return nullptr;
  return &o;
}

void QuorumProtocol::repair_if_stale(Context& ctx, NodeId to, KeyId key, std::uint64_t their_digest) {
  if (store_.state_digest(ctx.node(), key) == their_digest) return;
  key_.assign(1, key);
  buf_.clear();
  store_.entries_for(ctx.node(), key_, buf_);
  if (buf_.empty()) return;
  const std::uint32_t bytes = store_.entries_wire_bytes(buf_);
  ++read_repairs_;
  read_repair_bytes_ += bytes;
  ctx.send(to, read_repair, buf_, bytes, ServiceKind::merge);
}

void QuorumProtocol::summary_metrics(std::vector<std::pair<std::string, double>>& out) const {
  out.emplace_back("replication.read_repairs", static_cast<double>(read_repairs_));
  out.emplace_back("replication.read_repair_bytes", static_cast<double>(read_repair_bytes_));
  // Strict quorums have no hints at all: NaN (does not apply), not a measured 0.
  const double nan = std::numeric_limits<double>::quiet_NaN();
  out.emplace_back("replication.hinted_writes", spec_.sloppy ? static_cast<double>(hinted_writes_) : nan);
  out.emplace_back("replication.hints_delivered", spec_.sloppy ? static_cast<double>(hints_delivered_) : nan);
  out.emplace_back("replication.hints_pending_at_end", spec_.sloppy ? static_cast<double>(hints_pending_) : nan);
}

void QuorumProtocol::on_start(Context& ctx) {
  // A restarted node that kept its hints resumes handing them off.
  if (spec_.sloppy && !hints_[ctx.node()].empty()) arm_handoff(ctx);
}

void QuorumProtocol::hint_round(Context& ctx, std::uint32_t slot) {
  Op& o = ops_[slot];
  ++o.rounds;
  auto covered = [&o](NodeId intended) {
    return std::any_of(o.targets.begin(), o.targets.end(),
                       [intended](const Target& t) { return t.intended == intended && t.acked; });
  };
  // [slot, generation, intended, key, the coordinator's state for the key]
  buf_.assign({slot, o.generation, 0, o.key});
  key_.assign(1, o.key);
  store_.entries_for(ctx.node(), key_, buf_);
  const std::uint32_t bytes =
      kOpIdBytes + kNodeIdBytes + store_.entries_wire_bytes(std::span<const std::uint64_t>(buf_).subspan(4));
  // Every preference-list replica (the first targets) that nobody has
  // acknowledged for gets the next stand-in; one that did not answer last
  // round is passed over.
  const std::size_t replicas = o.targets.size() - std::count_if(o.targets.begin(), o.targets.end(),
                                                                [](const Target& t) { return t.node != t.intended; });
  bool waiting = false;
  for (std::size_t i = 0; i < replicas; ++i) {
    const NodeId intended = o.targets[i].intended;
    if (covered(intended)) continue;
    waiting = true;
    const NodeId stand_in = fallback(o.key, o.next_fallback);
    if (stand_in == kNoNode) break;  // no node left on the ring
    ++o.next_fallback;
    buf_[2] = intended;
    ctx.send(stand_in, hinted_write, buf_, bytes, ServiceKind::write);
    o.targets.push_back(Target{stand_in, intended, false});
  }
  const SimTime next = static_cast<SimTime>(o.rounds + 1) * spec_.hint_after_ns;
  if (waiting && next < spec_.timeout_ns && fallback(o.key, o.next_fallback) != kNoNode) {
    ctx.set_timer(spec_.hint_after_ns, kHintRoundBit | slot);
    o.round_pending = true;
  }
}

void QuorumProtocol::store_hint(Context& ctx, const Message& msg) {
  const auto& w = msg.words;
  std::vector<Hint>& held = hints_[ctx.node()];
  const auto entries = w.subspan(4);
  const auto intended = static_cast<NodeId>(w[2]);
  const auto key = static_cast<KeyId>(w[3]);
  // The same state for the same replica (a duplicated message) is kept once.
  const bool known = std::any_of(held.begin(), held.end(), [&](const Hint& h) {
    return h.intended == intended && h.key == key && std::equal(h.entries.begin(), h.entries.end(), entries.begin(), entries.end());
  });
  if (!known) {
    held.push_back(Hint{next_hint_id_++, intended, key, std::vector<std::uint64_t>(entries.begin(), entries.end())});
    ++hinted_writes_;
    ++hints_pending_;
    arm_handoff(ctx);
  }
  const std::uint64_t ack[2] = {w[0], w[1]};
  ctx.send(msg.from, write_ack, ack, kHeaderBytes + kOpIdBytes);
}

void QuorumProtocol::arm_handoff(Context& ctx) {
  if (handoff_armed_[ctx.node()]) return;
  handoff_armed_[ctx.node()] = 1;
  ctx.set_timer(spec_.handoff_interval_ns, kHandoffTag);
}

void QuorumProtocol::hand_off(Context& ctx) {
  // Every held hint goes to its intended replica, which may still be
  // unreachable: a message that is lost is sent again next interval.
  for (const Hint& h : hints_[ctx.node()]) {
    buf_.assign(1, h.id);
    buf_.insert(buf_.end(), h.entries.begin(), h.entries.end());
    ctx.send(h.intended, handoff, buf_, kOpIdBytes + store_.entries_wire_bytes(h.entries), ServiceKind::merge);
  }
  if (!hints_[ctx.node()].empty()) arm_handoff(ctx);
}

void QuorumProtocol::on_message(Context& ctx, const Message& msg) {
  switch (msg.type) {
    case write_req: {
      if (msg.words.size() < 2) break;
      store_.merge(call(ctx), msg.words.subspan(2));
      const std::uint64_t ack[2] = {msg.words[0], msg.words[1]};
      ctx.send(msg.from, write_ack, ack, kHeaderBytes + kOpIdBytes);
      break;
    }
    case read_req: {
      // Reply: [slot, generation, state digest, entries...]; the digest lets
      // the coordinator tell a stale replica without decoding its state.
      if (msg.words.size() < 3) break;
      buf_.assign(msg.words.begin(), msg.words.begin() + 2);
      buf_.push_back(store_.state_digest(ctx.node(), static_cast<KeyId>(msg.words[2])));
      key_.assign(1, msg.words[2]);
      store_.entries_for(ctx.node(), key_, buf_);
      ctx.send(msg.from, read_reply, buf_,
               2 * kOpIdBytes + store_.entries_wire_bytes(std::span<const std::uint64_t>(buf_).subspan(3)));
      break;
    }
    case read_repair:
      store_.merge(call(ctx), msg.words);
      break;
    case hinted_write:
      if (spec_.sloppy && msg.words.size() >= 4) store_hint(ctx, msg);
      break;
    case handoff: {
      if (msg.words.empty()) break;
      store_.merge(call(ctx), msg.words.subspan(1));  // now a regular replica's state
      const std::uint64_t ack[1] = {msg.words[0]};
      ctx.send(msg.from, handoff_ack, ack, kHeaderBytes + kOpIdBytes);
      break;
    }
    case handoff_ack: {
      if (!spec_.sloppy || msg.words.empty()) break;
      std::vector<Hint>& held = hints_[ctx.node()];
      auto it = std::find_if(held.begin(), held.end(), [&](const Hint& h) { return h.id == msg.words[0]; });
      if (it == held.end()) break;  // a duplicate acknowledgement
      held.erase(it);
      --hints_pending_;
      ++hints_delivered_;
      break;
    }
    case write_ack: {
      if (spec_.sloppy) {
        // Late acknowledgements still count for coverage (no stand-in for a
        // replica that answered); each recipient counts once toward w.
        Op* o = match(msg.words, ctx.node(), /*finished_too=*/true);
        if (!o) break;
        auto t = std::find_if(o->targets.begin(), o->targets.end(), [&](const Target& x) { return x.node == msg.from && !x.acked; });
        if (t == o->targets.end()) break;
        t->acked = true;
        if (o->finished || ++o->got < o->needed) break;
        Reply reply;
        reply.ok = true;
        reply.write = o->write;
        finish(static_cast<std::uint32_t>(msg.words[0]), std::move(reply));
        break;
      }
      Op* o = match(msg.words, ctx.node());
      if (!o || ++o->got < o->needed) break;
      Reply reply;
      reply.ok = true;
      reply.write = o->write;
      finish(static_cast<std::uint32_t>(msg.words[0]), std::move(reply));
      break;
    }
    case read_reply: {
      Op* o = match(msg.words, ctx.node(), /*finished_too=*/true);
      if (!o || msg.words.size() < 3) break;
      const KeyId key = o->key;
      if (msg.words.size() > 3) store_.merge(call(ctx), msg.words.subspan(3));  // repair the coordinator
      if (o->finished) {  // a late reply: repair the replier right away
        repair_if_stale(ctx, msg.from, key, msg.words[2]);
        break;
      }
      o->replies.emplace_back(msg.from, msg.words[2]);
      if (++o->got < o->needed) break;
      Reply reply;
      reply.ok = true;
      reply.read = store_.read(call(ctx), key);
      const auto replies = std::move(o->replies);
      o->replies.clear();
      finish(static_cast<std::uint32_t>(msg.words[0]), std::move(reply));
      for (const auto& [node, digest] : replies) repair_if_stale(ctx, node, key, digest);
      break;
    }
    default:
      break;
  }
}

void QuorumProtocol::on_timer(Context& ctx, std::uint32_t tag) {
  if (spec_.sloppy && tag == kHandoffTag) {
    handoff_armed_[ctx.node()] = 0;
    hand_off(ctx);
    return;
  }
  if (spec_.sloppy && (tag & kHintRoundBit)) {
    const std::uint32_t slot = tag & ~kHintRoundBit;
    if (slot >= ops_.size()) return;
    Op& o = ops_[slot];
    o.round_pending = false;
    if (!o.live) free_.push_back(slot);  // released while this timer was set
    else hint_round(ctx, slot);
    return;
  }
  if (tag >= ops_.size() || !ops_[tag].live) return;
  if (!ops_[tag].finished) finish(tag, Reply{});  // no quorum in time: the operation fails
  release(tag);
}

void QuorumProtocol::on_crash(Context& ctx, bool lose_state) {
  for (std::uint32_t slot = 0; slot < ops_.size(); ++slot) {
    Op& o = ops_[slot];
    if (o.coordinator != ctx.node()) continue;
    if (o.round_pending) {  // the timer died with the node
      o.round_pending = false;
      if (!o.live) free_.push_back(slot);
    }
    if (!o.live) continue;
    if (!o.finished) {
      Reply lost;
      lost.coordinator_lost = true;
      finish(slot, std::move(lost));
    }
    release(slot);  // its timer died with the node
  }
  if (spec_.sloppy) {
    handoff_armed_[ctx.node()] = 0;  // the handoff timer died too; hints are durable unless state is lost
    if (lose_state) {
      hints_lost_ += hints_[ctx.node()].size();
      hints_pending_ -= hints_[ctx.node()].size();
      hints_[ctx.node()].clear();
    }
  }
  if (lose_state) store_.clear(call(ctx));
}

bool QuorumProtocol::hash_state(StateHasher& h) const {
  h.add(ops_.size());
  for (const Op& op : ops_) {
    h.add(op.ticket);
    h.add(op.coordinator);
    h.add(op.key);
    h.add_bool(op.is_read);
    h.add_bool(op.finished);
    h.add_bool(op.live);
    h.add(op.generation);
    h.add_signed(op.needed);
    h.add_signed(op.got);
    h.add_string(op.write.version);
    h.add(op.write.rank.major);
    h.add(op.write.rank.minor);
    h.add_bool(op.write.kept);
    h.add(op.replies.size());
    for (const auto& [n, d] : op.replies) {
      h.add(n);
      h.add(d);
    }
    h.add(op.targets.size());
    for (const Target& t : op.targets) {
      h.add(t.node);
      h.add(t.intended);
      h.add_bool(t.acked);
    }
    h.add(op.next_fallback);
    h.add(op.rounds);
    h.add_bool(op.round_pending);
  }
  h.add(free_.size());
  for (const std::uint32_t f : free_) h.add(f);
  for (const auto& held : hints_) {
    h.add(held.size());
    for (const Hint& hint : held) {
      h.add(hint.id);
      h.add(hint.intended);
      h.add(hint.key);
      h.add(hint.entries.size());
      for (const std::uint64_t w : hint.entries) h.add(w);
    }
  }
  for (const std::uint8_t a : handoff_armed_) h.add(a);
  for (const std::uint64_t v : {read_repairs_, read_repair_bytes_, next_hint_id_, hints_pending_, hinted_writes_,
                                hints_delivered_, hints_lost_})
    h.add(v);
  return true;
}

}  // namespace ecsim
