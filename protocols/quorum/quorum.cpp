#include "protocols/quorum/quorum.hpp"

#include <algorithm>
#include <string>

namespace ecsim {
namespace {
constexpr std::uint32_t kHeaderBytes = 16;
constexpr std::uint32_t kOpIdBytes = 8;
}  // namespace

QuorumProtocol::QuorumProtocol(const ReplicationSpec& spec, ReplicaStore& store, std::uint32_t nodes)
    : spec_(spec), store_(store) {
  std::vector<NodeId> all(nodes);
  for (NodeId n = 0; n < nodes; ++n) all[n] = n;
  // As for client routing: enough virtual nodes for balance, at most ~4M points.
  const auto vnodes = static_cast<std::uint32_t>(std::clamp<std::uint64_t>((4u << 20) / std::max<std::uint32_t>(1, nodes), 1, 64));
  ring_ = HashRing(all, vnodes);
}

ReplicaCall QuorumProtocol::call(Context& ctx) const { return store_.call_at(ctx.node(), ctx.now(), ctx.local_time()); }

const std::vector<NodeId>& QuorumProtocol::replicas(KeyId key) {
  if (key >= preference_.size()) preference_.resize(static_cast<std::size_t>(key) + 1);
  std::vector<NodeId>& list = preference_[key];
  if (list.empty()) list = ring_.successors(stable_hash("key-" + std::to_string(key)), static_cast<std::size_t>(spec_.n));
  return list;
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
    if (r != ctx.node()) ctx.send(r, type, buf_, bytes);
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
  free_.push_back(slot);
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
  ctx.send(to, read_repair, buf_, bytes);
}

void QuorumProtocol::summary_metrics(std::vector<std::pair<std::string, double>>& out) const {
  out.emplace_back("replication.read_repairs", static_cast<double>(read_repairs_));
  out.emplace_back("replication.read_repair_bytes", static_cast<double>(read_repair_bytes_));
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
    case write_ack: {
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

void QuorumProtocol::on_timer(Context&, std::uint32_t tag) {
  if (tag >= ops_.size() || !ops_[tag].live) return;
  if (!ops_[tag].finished) finish(tag, Reply{});  // no quorum in time: the operation fails
  release(tag);
}

void QuorumProtocol::on_crash(Context& ctx, bool lose_state) {
  for (std::uint32_t slot = 0; slot < ops_.size(); ++slot) {
    Op& o = ops_[slot];
    if (!o.live || o.coordinator != ctx.node()) continue;
    if (!o.finished) {
      Reply lost;
      lost.coordinator_lost = true;
      finish(slot, std::move(lost));
    }
    release(slot);  // its timer died with the node
  }
  if (lose_state) store_.clear(call(ctx));
}

}  // namespace ecsim
