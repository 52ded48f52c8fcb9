#include "protocols/event_log/event_log.hpp"

#include "sim/state_hash.hpp"

#include <algorithm>
#include <cmath>

#include "sim/distribution.hpp"
#include "sim/simulator.hpp"

namespace ecsim {
namespace {
constexpr std::uint32_t kExchangeTimer = 1;
}

EventLogProtocol::EventLogProtocol(const Scenario& scenario) : spec_(*scenario.section<EventLogSpec>()) {
  replicas_.resize(spec_.replicas.size());
  for (std::size_t i = 0; i < spec_.replicas.size(); ++i) {
    index_[spec_.replicas[i]] = static_cast<int>(i);
    replicas_[i].vv.assign(spec_.replicas.size(), 0);
    replicas_[i].state.assign(static_cast<std::size_t>(spec_.entities), 0);
  }
}

int EventLogProtocol::replica_index(NodeId node) const {
  const auto it = index_.find(node);
  return it == index_.end() ? -1 : it->second;
}

void EventLogProtocol::apply(std::vector<std::int64_t>& state, const Event& e) {
  std::int64_t& balance = state[e.entity];
  if (e.amount >= 0 || balance >= -e.amount) balance += e.amount;  // an uncovered withdrawal is rejected
}

void EventLogProtocol::publish(Context& ctx, const Replica& r, std::uint64_t replayed, bool rebuilt) {
  LogEvent e;
  e.time = ctx.now();
  e.kind = LogEventKind::state;
  e.node = ctx.node();
  e.state = r.state;
  e.held = r.log.size();
  e.replayed = replayed;
  e.rebuilt = rebuilt;
  events_.publish(e);
}

void EventLogProtocol::on_start(Context& ctx) {
  if (replica_index(ctx.node()) < 0 || replicas_.size() < 2) return;
  ctx.set_timer(static_cast<SimTime>(ctx.rng().below(static_cast<std::uint64_t>(spec_.interval_ns))), kExchangeTimer);
}

void EventLogProtocol::append(Context& ctx, std::uint32_t entity, std::int64_t amount) {
  const int ri = replica_index(ctx.node());
  if (ri < 0) return;
  Replica& r = replicas_[static_cast<std::size_t>(ri)];
  // The new timestamp exceeds every one in the log: the event goes at the end.
  Event e{++r.lamport, static_cast<std::uint32_t>(ri), ++r.vv[static_cast<std::size_t>(ri)], entity, amount};
  r.log.push_back(e);
  apply(r.state, e);
  LogEvent a;
  a.time = ctx.now();
  a.kind = LogEventKind::append;
  a.node = ctx.node();
  a.origin = e.origin;
  a.seq = e.seq;
  a.lamport = e.lamport;
  a.entity = e.entity;
  a.amount = e.amount;
  events_.publish(a);
  publish(ctx, r, 1, false);
}

void EventLogProtocol::on_timer(Context& ctx, std::uint32_t tag) {
  if (tag != kExchangeTimer) return;
  ctx.set_timer(spec_.interval_ns, kExchangeTimer);
  const int self = replica_index(ctx.node());
  const auto n = static_cast<std::uint32_t>(replicas_.size());
  const std::uint32_t want = std::min<std::uint32_t>(static_cast<std::uint32_t>(spec_.fanout), n - 1);
  std::vector<std::uint32_t> peers;
  while (peers.size() < want) {
    auto p = static_cast<std::uint32_t>(ctx.rng().below(n - 1));
    if (p >= static_cast<std::uint32_t>(self)) ++p;  // uniform over the others
    if (std::find(peers.begin(), peers.end(), p) == peers.end()) peers.push_back(p);
  }
  const Replica& r = replicas_[static_cast<std::size_t>(self)];
  for (std::uint32_t p : peers)
    ctx.send(spec_.replicas[p], summary, r.vv, static_cast<std::uint32_t>(16 + 8 * r.vv.size()));
}

void EventLogProtocol::encode_missing(const Replica& r, std::span<const std::uint64_t> peer_vv,
                                      std::vector<std::uint64_t>& out) const {
  const std::size_t count_at = out.size();
  out.push_back(0);
  std::uint64_t count = 0;
  for (const Event& e : r.log) {
    if (e.seq <= peer_vv[e.origin]) continue;
    out.insert(out.end(), {e.origin, e.seq, e.lamport, e.entity, static_cast<std::uint64_t>(e.amount)});
    ++count;
  }
  out[count_at] = count;
}

void EventLogProtocol::merge(Context& ctx, Replica& r, std::span<const std::uint64_t> words) {
  // words: [count, count events of kEventWords each]
  if (words.empty()) return;
  const std::uint64_t count = words[0];
  if (words.size() < 1 + count * kEventWords) return;
  const auto n = static_cast<std::uint32_t>(replicas_.size());
  incoming_.clear();
  for (std::uint64_t i = 0; i < count; ++i) {
    const std::uint64_t* w = &words[1 + i * kEventWords];
    Event e{w[2], static_cast<std::uint32_t>(w[0]), w[1], static_cast<std::uint32_t>(w[3]), static_cast<std::int64_t>(w[4])};
    if (e.origin >= n || e.entity >= r.state.size()) continue;
    // Keep every origin's events a gap-free prefix: take only the next one
    // (events of one origin arrive in seq order; later ones come again).
    if (e.seq != r.vv[e.origin] + 1) continue;
    r.vv[e.origin] = e.seq;
    r.lamport = std::max(r.lamport, e.lamport);
    incoming_.push_back(e);
  }
  if (incoming_.empty()) return;
  if (spec_.order == EventOrder::arrival) {
    // The shortcut: apply in arrival order, whatever the timestamps say.
    for (const Event& e : incoming_) apply(r.state, e);
    std::vector<Event> merged;
    std::sort(incoming_.begin(), incoming_.end(), before);
    std::merge(r.log.begin(), r.log.end(), incoming_.begin(), incoming_.end(), std::back_inserter(merged), before);
    r.log.swap(merged);
    publish(ctx, r, incoming_.size(), false);
    return;
  }
  std::sort(incoming_.begin(), incoming_.end(), before);
  if (r.log.empty() || before(r.log.back(), incoming_.front())) {
    for (const Event& e : incoming_) {
      r.log.push_back(e);
      apply(r.state, e);
    }
    publish(ctx, r, incoming_.size(), false);
    return;
  }
  // An event sorts before the tail: rebuild the state by replaying the log.
  std::vector<Event> merged;
  merged.reserve(r.log.size() + incoming_.size());
  std::merge(r.log.begin(), r.log.end(), incoming_.begin(), incoming_.end(), std::back_inserter(merged), before);
  r.log.swap(merged);
  std::fill(r.state.begin(), r.state.end(), 0);
  for (const Event& e : r.log) apply(r.state, e);
  publish(ctx, r, r.log.size(), true);
}

void EventLogProtocol::on_message(Context& ctx, const Message& msg) {
  const int self = replica_index(ctx.node());
  if (self < 0) return;
  Replica& r = replicas_[static_cast<std::size_t>(self)];
  const std::size_t n = replicas_.size();
  switch (msg.type) {
    case summary: {
      if (msg.words.size() != n) return;
      // REPLY layout: [count, events..., my summary]
      buf_.clear();
      encode_missing(r, msg.words, buf_);
      buf_.insert(buf_.end(), r.vv.begin(), r.vv.end());
      ctx.send(msg.from, reply, buf_, static_cast<std::uint32_t>(16 + 8 * buf_.size()));
      break;
    }
    case reply: {
      if (msg.words.empty()) return;
      const std::uint64_t count = msg.words[0];
      const std::size_t events_end = 1 + count * kEventWords;
      if (msg.words.size() != events_end + n) return;
      const std::vector<std::uint64_t> peer_vv(msg.words.begin() + static_cast<std::ptrdiff_t>(events_end), msg.words.end());
      merge(ctx, r, msg.words.first(events_end));
      buf_.clear();
      encode_missing(r, peer_vv, buf_);
      if (buf_[0] > 0) ctx.send(msg.from, push, buf_, static_cast<std::uint32_t>(16 + 8 * buf_.size()));
      break;
    }
    case push: merge(ctx, r, msg.words); break;
    default: break;
  }
}

// ---------------------------------------------------------------------------

EventLogWorkload::EventLogWorkload(Simulator& sim, const Scenario& scenario, EventLogProtocol& protocol,
                                   std::uint16_t protocol_id)
    : sim_(sim), spec_(*scenario.section<EventLogSpec>()), protocol_(protocol), protocol_id_(protocol_id),
      rng_(Rng::stream(scenario.seed, "event_log.workload")) {
  self_ = sim_.add_component(this);
  stop_ns_ = spec_.stop_ns < 0 ? scenario.duration_ns : spec_.stop_ns;
  if (spec_.events_per_s > 0) {
    const SimTime first = time_after(spec_.start_ns, gap());
    if (first < stop_ns_) sim_.schedule(first, self_, 0, 0, true);
  }
}

SimTime EventLogWorkload::gap() { return poisson_gap(rng_, spec_.events_per_s); }

void EventLogWorkload::on_event(std::uint64_t, std::uint32_t) {
  const std::size_t n = spec_.replicas.size();
  const auto entity = static_cast<std::uint32_t>(rng_.below(static_cast<std::uint64_t>(spec_.entities)));
  const auto amount = static_cast<std::int64_t>(1 + rng_.below(10));
  const bool deposit = rng_.bernoulli(0.5);
  // A random live replica takes the append (clients fail over).
  const std::size_t start = rng_.below(n);
  for (std::size_t i = 0; i < n; ++i) {
    const NodeId node = spec_.replicas[(start + i) % n];
    if (!sim_.node_up(node)) continue;
    Context ctx(sim_, node, protocol_id_);
    protocol_.append(ctx, entity, deposit ? amount : -amount);
    break;
  }
  const SimTime next = time_after(sim_.now(), gap());
  if (next < stop_ns_) sim_.schedule(next, self_, 0, 0, true);
}

bool EventLogProtocol::hash_state(StateHasher& h) const {
  for (const Replica& r : replicas_) {
    h.add(r.log.size());
    for (const Event& e : r.log) {
      h.add(e.lamport);
      h.add(e.origin);
      h.add(e.seq);
      h.add(e.entity);
      h.add_signed(e.amount);
    }
    for (const std::uint64_t v : r.vv) h.add(v);
    h.add(r.lamport);
    for (const std::int64_t s : r.state) h.add_signed(s);
  }
  return true;
}

bool EventLogWorkload::hash_state(StateHasher& h) const {
  rng_.hash_state(h);
  h.add_signed(stop_ns_);
  return true;
}

}  // namespace ecsim
