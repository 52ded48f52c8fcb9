#include "protocols/sagas/saga.hpp"

#include "sim/state_hash.hpp"

#include <bit>
#include <cmath>
#include <stdexcept>

#include "sim/distribution.hpp"
#include "sim/simulator.hpp"

namespace ecsim {
namespace {

// Timer tags: kind in the top 4 bits. A saga timeout carries the saga's
// slot (20 bits, < 2^20 sagas) and a generation (8 bits) so that a timer
// left over from an earlier attempt is recognised and ignored.
constexpr std::uint32_t kTimeout = 1;
constexpr std::uint32_t kStockSync = 2;
constexpr std::uint32_t kRetransmit = 3;
constexpr std::uint32_t kind_of(std::uint32_t tag) { return tag >> 28; }

const char* result_name(SagaProtocol::Result r) {
  switch (r) {
    case SagaProtocol::ok: return "ok";
    case SagaProtocol::declined: return "declined";
    case SagaProtocol::out_of_stock: return "out_of_stock";
    case SagaProtocol::refused: return "refused";
  }
  return "?";
}

}  // namespace

const char* saga_action_name(SagaAction action, bool compensation) {
  switch (action) {
    case SagaAction::reserve: return compensation ? "release" : "reserve";
    case SagaAction::charge: return compensation ? "refund" : "charge";
    case SagaAction::ship: return compensation ? "return" : "ship";
    case SagaAction::generic: return compensation ? "undo" : "do";
  }
  return "?";
}

SagaProtocol::SagaProtocol(const Scenario& scenario) : spec_(*scenario.section<SagaSpec>()) {
  if (spec_.count >= (std::int64_t{1} << 20)) throw std::invalid_argument("sagas.count must be below 2^20");
  if (spec_.steps.size() > 255) throw std::invalid_argument("at most 255 saga steps");
  sagas_.resize(static_cast<std::size_t>(spec_.count));
  reserve_step_ = spec_.reserve_step();
  if (reserve_step_ >= 0) {
    replicas_ = static_cast<std::uint32_t>(spec_.steps[static_cast<std::size_t>(reserve_step_)].nodes.size());
    if (replicas_ > 64) throw std::invalid_argument("at most 64 stock replicas");
    const auto products = static_cast<std::size_t>(spec_.products);
    if (spec_.stock_consistency == StockConsistency::eventual) {
      counters_.assign(replicas_, std::vector<std::int64_t>(products * replicas_ * 2, 0));
    } else {
      leader_available_.assign(products, spec_.stock);
      follower_has_.assign(replicas_, {});
    }
  }
}

NodeId SagaProtocol::orchestrator_of(std::uint64_t id) const {
  return spec_.orchestrators[static_cast<std::size_t>((id - 1) % spec_.orchestrators.size())];
}

int SagaProtocol::orchestrator_index(NodeId node) const {
  for (std::size_t i = 0; i < spec_.orchestrators.size(); ++i)
    if (spec_.orchestrators[i] == node) return static_cast<int>(i);
  return -1;
}

std::uint32_t SagaProtocol::replica_index(NodeId node) const {
  if (reserve_step_ < 0) return ~0u;
  const auto& nodes = spec_.steps[static_cast<std::size_t>(reserve_step_)].nodes;
  for (std::size_t i = 0; i < nodes.size(); ++i)
    if (nodes[i] == node) return static_cast<std::uint32_t>(i);
  return ~0u;
}

NodeId SagaProtocol::target(std::uint64_t id, std::uint32_t step) const {
  const auto& nodes = spec_.steps[step].nodes;
  if (nodes.size() == 1) return nodes[0];
  // Stock replicas: quorum goes to the leader; eventual to the orchestrator's home replica.
  if (spec_.stock_consistency == StockConsistency::quorum) return nodes[0];
  const std::size_t orchestrator = static_cast<std::size_t>((id - 1) % spec_.orchestrators.size());
  return nodes[orchestrator % nodes.size()];
}

std::int64_t& SagaProtocol::counter(std::uint32_t at, std::uint32_t product, std::uint32_t origin, bool released) {
  return counters_[at][(static_cast<std::size_t>(product) * replicas_ + origin) * 2 + (released ? 1 : 0)];
}

std::int64_t SagaProtocol::view(std::uint32_t replica, std::uint32_t product) const {
  std::int64_t available = spec_.stock;
  const auto& c = counters_[replica];
  for (std::uint32_t o = 0; o < replicas_; ++o) {
    const std::size_t i = (static_cast<std::size_t>(product) * replicas_ + o) * 2;
    available += c[i + 1] - c[i];
  }
  return available;
}

void SagaProtocol::emit(Context& ctx, SagaEventKind kind, std::uint64_t id, std::uint32_t step, bool compensation,
                        std::string_view detail, std::uint32_t product, std::int64_t quantity, SagaOutcome outcome) {
  SagaEvent e;
  e.time = ctx.now();
  e.kind = kind;
  e.node = ctx.node();
  e.saga = id;
  e.step = step;
  e.compensation = compensation;
  e.outcome = outcome;
  e.product = product;
  e.quantity = quantity;
  e.detail = detail;
  events_.publish(e);
}

// ---------------------------------------------------------------------------
// Lifecycle

void SagaProtocol::on_start(Context& ctx) {
  const NodeId self = ctx.node();
  const std::uint32_t r = replica_index(self);
  if (r != ~0u && replicas_ > 1) {
    if (spec_.stock_consistency == StockConsistency::eventual) {
      ctx.set_timer(static_cast<SimTime>(ctx.rng().below(static_cast<std::uint64_t>(spec_.stock_sync_ns))),
                    kStockSync << 28);
    } else if (r == 0) {
      ctx.set_timer(spec_.stock_sync_ns, kRetransmit << 28);
    }
  }
  if (orchestrator_index(self) >= 0) {
    // After a restart with a durable log: resume every unfinished saga.
    for (std::uint64_t id = 1; id <= sagas_.size(); ++id) {
      Saga& s = sagas_[id - 1];
      if (orchestrator_of(id) != self || (s.phase != Phase::forward && s.phase != Phase::compensating)) continue;
      emit(ctx, SagaEventKind::recovered, id, s.step, s.phase == Phase::compensating);
      s.attempts = 0;
      send_current(ctx, id, true);
    }
  }
}

void SagaProtocol::on_crash(Context& ctx, bool lose_state) {
  // Timers die with the crash. The saga log is all the orchestrator has:
  // without durability (or with the disk lost) in-flight sagas are forgotten.
  if (orchestrator_index(ctx.node()) < 0 || (spec_.durable_log && !lose_state)) return;
  for (std::uint64_t id = 1; id <= sagas_.size(); ++id)
    if (orchestrator_of(id) == ctx.node()) sagas_[id - 1] = Saga{};
}

// ---------------------------------------------------------------------------
// Orchestrator

void SagaProtocol::submit(Context& ctx, std::uint64_t id, std::uint32_t product) {
  if (id == 0 || id > sagas_.size()) throw std::out_of_range("saga id out of range");
  Saga& s = sagas_[id - 1];
  if (s.phase != Phase::unknown) return;  // a saga id is submitted once
  s = Saga{};
  s.phase = Phase::forward;
  s.product = product;
  emit(ctx, SagaEventKind::submitted, id, 0, false, {}, product, spec_.quantity);
  if (spec_.steps.empty()) {
    finish(ctx, id, SagaOutcome::committed);
    return;
  }
  send_current(ctx, id, false);
}

void SagaProtocol::send_current(Context& ctx, std::uint64_t id, bool resend) {
  Saga& s = sagas_[id - 1];
  ++s.attempts;
  const bool compensation = s.phase == Phase::compensating;
  if (resend) emit(ctx, SagaEventKind::resent, id, s.step, compensation);
  buf_.assign({id, s.step, compensation ? 1u : 0u, s.product, static_cast<std::uint64_t>(spec_.quantity)});
  ctx.send(target(id, s.step), request, buf_, kRequestBytes);
  ++s.timer_gen;
  const std::uint32_t tag = (kTimeout << 28) | (static_cast<std::uint32_t>(id - 1) << 8) | s.timer_gen;
  ctx.set_timer(spec_.timeout_ns, tag);
}

void SagaProtocol::begin_compensation(Context& ctx, std::uint64_t id, std::int64_t from_step) {
  if (from_step < 0) {
    finish(ctx, id, SagaOutcome::compensated);
    return;
  }
  Saga& s = sagas_[id - 1];
  s.phase = Phase::compensating;
  s.step = static_cast<std::uint32_t>(from_step);
  s.attempts = 0;
  send_current(ctx, id, false);
}

void SagaProtocol::finish(Context& ctx, std::uint64_t id, SagaOutcome outcome) {
  Saga& s = sagas_[id - 1];
  s.phase = Phase::done;
  ++s.timer_gen;  // a pending timeout is now stale
  emit(ctx, SagaEventKind::ended, id, s.step, outcome == SagaOutcome::compensated, {}, 0, 0, outcome);
}

void SagaProtocol::on_reply(Context& ctx, std::span<const std::uint64_t> w) {
  if (w.size() < 4) return;
  const std::uint64_t id = w[0];
  if (id == 0 || id > sagas_.size() || orchestrator_of(id) != ctx.node()) return;
  Saga& s = sagas_[id - 1];
  const auto step = static_cast<std::uint32_t>(w[1]);
  const bool compensation = w[2] != 0;
  const auto result = static_cast<Result>(w[3]);
  // Only the reply to the current request counts; anything else is a
  // duplicate, a late reply, or a reply to a saga this orchestrator forgot.
  const bool current = (s.phase == Phase::forward && !compensation) || (s.phase == Phase::compensating && compensation);
  if (!current || s.step != step) return;
  if (!compensation) {
    if (result == ok) {
      if (s.step + 1 == spec_.steps.size()) {
        finish(ctx, id, SagaOutcome::committed);
      } else {
        ++s.step;
        s.attempts = 0;
        send_current(ctx, id, false);
      }
    } else {
      // Declined: this step did not take effect; undo the ones before it.
      emit(ctx, SagaEventKind::step_failed, id, step, false, result_name(result));
      begin_compensation(ctx, id, static_cast<std::int64_t>(step) - 1);
    }
  } else {
    // Compensations cannot be declined: any answer means it is recorded.
    begin_compensation(ctx, id, static_cast<std::int64_t>(step) - 1);
  }
}

void SagaProtocol::on_timer(Context& ctx, std::uint32_t tag) {
  switch (kind_of(tag)) {
    case kTimeout: {
      const std::uint64_t id = ((tag >> 8) & 0xFFFFF) + 1;
      if (id > sagas_.size()) return;
      Saga& s = sagas_[id - 1];
      if ((tag & 0xFF) != s.timer_gen || orchestrator_of(id) != ctx.node()) return;  // stale
      if (s.phase == Phase::compensating) {
        send_current(ctx, id, true);  // compensations are retried until acknowledged
      } else if (s.phase == Phase::forward) {
        if (s.attempts <= static_cast<std::uint32_t>(spec_.retries)) {
          send_current(ctx, id, true);
        } else {
          // In doubt: the request may have been applied. Compensate it too;
          // the service records a compensation for an unseen request.
          emit(ctx, SagaEventKind::step_failed, id, s.step, false, "timeout");
          begin_compensation(ctx, id, s.step);
        }
      }
      break;
    }
    case kStockSync: {
      ctx.set_timer(spec_.stock_sync_ns, kStockSync << 28);
      const std::uint32_t r = replica_index(ctx.node());
      if (r == ~0u) return;
      // State-based: each replica ships its own (monotone) counters; a lost
      // sync is made good by the next one.
      buf_.clear();
      buf_.push_back(r);
      for (std::uint32_t p = 0; p < static_cast<std::uint32_t>(spec_.products); ++p) {
        buf_.push_back(static_cast<std::uint64_t>(counter(r, p, r, false)));
        buf_.push_back(static_cast<std::uint64_t>(counter(r, p, r, true)));
      }
      const auto& nodes = spec_.steps[static_cast<std::size_t>(reserve_step_)].nodes;
      const auto bytes = static_cast<std::uint32_t>(16 + 8 * buf_.size());
      for (std::uint32_t o = 0; o < replicas_; ++o)
        if (o != r) ctx.send(nodes[o], stock_sync, buf_, bytes);
      break;
    }
    case kRetransmit: {
      ctx.set_timer(spec_.stock_sync_ns, kRetransmit << 28);
      const std::uint64_t all = replicas_ >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << replicas_) - 1;
      while (first_uncommitted_ < ops_.size() && ops_[first_uncommitted_].committed) ++first_uncommitted_;
      for (std::uint64_t i = first_uncommitted_; i < ops_.size(); ++i)
        if (!ops_[i].committed) replicate(ctx, i, all & ~ops_[i].acks);
      break;
    }
    default:
      break;
  }
}

// ---------------------------------------------------------------------------
// Services

void SagaProtocol::send_reply(Context& ctx, NodeId to, std::uint64_t id, std::uint32_t step, bool compensation,
                              Result r) {
  buf_.assign({id, step, compensation ? 1u : 0u, static_cast<std::uint64_t>(r)});
  ctx.send(to, reply, buf_, kReplyBytes);
}

SagaProtocol::Result SagaProtocol::act(Context& ctx, std::uint64_t id, std::uint32_t step, bool compensation,
                                       std::uint32_t product, NodeId from, std::uint64_t& op_out) {
  op_out = 0;
  const SagaStepSpec& sp = spec_.steps[step];
  if (!compensation && ctx.rng().bernoulli(sp.fail)) {
    emit(ctx, SagaEventKind::declined, id, step, false, "declined");
    return declined;
  }
  std::int64_t quantity = 0;
  if (sp.action == SagaAction::reserve) {
    const std::int64_t q = spec_.quantity;
    quantity = q;
    if (spec_.stock_consistency == StockConsistency::eventual) {
      const std::uint32_t r = replica_index(ctx.node());
      if (!compensation) {
        if (view(r, product) < q) {
          emit(ctx, SagaEventKind::declined, id, step, false, "out_of_stock");
          return out_of_stock;
        }
        counter(r, product, r, false) += q;
      } else {
        counter(r, product, r, true) += q;  // a credit: correct whatever was reserved since
      }
    } else {
      if (!compensation) {
        if (leader_available_[product] < q) {
          emit(ctx, SagaEventKind::declined, id, step, false, "out_of_stock");
          return out_of_stock;
        }
        leader_available_[product] -= q;
      } else {
        leader_available_[product] += q;
      }
      StockOp op;
      op.product = product;
      op.delta = compensation ? q : -q;
      op.saga = id;
      op.step = step;
      op.compensation = compensation;
      op.reply_to = from;
      op.acks = 1;  // the leader (replica 0) stored it
      ops_.push_back(op);
      op_out = ops_.size();
      const std::uint64_t all = replicas_ >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << replicas_) - 1;
      replicate(ctx, ops_.size() - 1, all & ~std::uint64_t{1});
    }
  }
  emit(ctx, SagaEventKind::applied, id, step, compensation, saga_action_name(sp.action, compensation), product, quantity);
  return ok;
}

void SagaProtocol::on_request(Context& ctx, NodeId from, std::span<const std::uint64_t> w) {
  if (w.size() < 5) return;
  const std::uint64_t id = w[0];
  const auto step = static_cast<std::uint32_t>(w[1]);
  const bool compensation = w[2] != 0;
  const auto product = static_cast<std::uint32_t>(w[3]);
  if (id == 0 || id > sagas_.size() || step >= spec_.steps.size() || product >= static_cast<std::uint64_t>(spec_.products))
    return;
  auto reply_now = [&](std::uint64_t op, Result r) {
    // Quorum stock answers only once the change is stored by a majority.
    if (op == 0) {
      send_reply(ctx, from, id, step, compensation, r);
    } else {
      maybe_commit(ctx, op - 1);
    }
  };

  if (!spec_.idempotency) {
    std::uint64_t op = 0;
    const Result r = act(ctx, id, step, compensation, product, from, op);
    reply_now(op, r);
    return;
  }

  const std::uint64_t key = (static_cast<std::uint64_t>(ctx.node()) << 28) | (static_cast<std::uint64_t>(step) << 20) | (id - 1);
  Entry& e = entries_[key];
  auto answer_recorded = [&](Result r) {
    // A duplicate: answer from the record (after commit, for quorum stock).
    if (e.op != 0 && !ops_[e.op - 1].committed) return;  // the commit will answer
    send_reply(ctx, from, id, step, compensation, r);
  };
  if (!compensation) {
    switch (e.state) {
      case Record::none: {
        std::uint64_t op = 0;
        const Result r = act(ctx, id, step, false, product, from, op);
        e.state = r == ok ? Record::applied : r == out_of_stock ? Record::out_of_stock : Record::declined;
        e.op = op;
        reply_now(op, r);
        break;
      }
      case Record::applied:
        emit(ctx, SagaEventKind::suppressed, id, step, false);
        answer_recorded(ok);
        break;
      case Record::declined:
      case Record::out_of_stock:
        emit(ctx, SagaEventKind::suppressed, id, step, false);
        answer_recorded(e.state == Record::declined ? declined : out_of_stock);
        break;
      case Record::compensated:
      case Record::voided:
        // Its compensation came first: applying it now would outlive the saga.
        emit(ctx, SagaEventKind::refused, id, step, false);
        send_reply(ctx, from, id, step, false, refused);
        break;
    }
  } else {
    switch (e.state) {
      case Record::none:
      case Record::declined:
      case Record::out_of_stock:
        e.state = Record::voided;
        e.op = 0;
        emit(ctx, SagaEventKind::noop_compensation, id, step, true);
        send_reply(ctx, from, id, step, true, ok);
        break;
      case Record::applied: {
        std::uint64_t op = 0;
        act(ctx, id, step, true, product, from, op);
        e.state = Record::compensated;
        e.op = op;
        reply_now(op, ok);
        break;
      }
      case Record::compensated:
      case Record::voided:
        emit(ctx, SagaEventKind::suppressed, id, step, true);
        answer_recorded(ok);
        break;
    }
  }
}

void SagaProtocol::replicate(Context& ctx, std::uint64_t op_index, std::uint64_t to_mask) {
  const StockOp& op = ops_[op_index];
  const auto& nodes = spec_.steps[static_cast<std::size_t>(reserve_step_)].nodes;
  buf_.assign({op_index + 1, op.product, static_cast<std::uint64_t>(op.delta)});
  for (std::uint32_t r = 1; r < replicas_; ++r)
    if (to_mask & (std::uint64_t{1} << r)) ctx.send(nodes[r], stock_replicate, buf_, 40);
}

void SagaProtocol::maybe_commit(Context& ctx, std::uint64_t op_index) {
  StockOp& op = ops_[op_index];
  if (op.committed || static_cast<std::uint32_t>(std::popcount(op.acks)) < majority()) return;
  op.committed = true;
  send_reply(ctx, op.reply_to, op.saga, op.step, op.compensation, ok);
}

void SagaProtocol::on_message(Context& ctx, const Message& msg) {
  switch (msg.type) {
    case request: on_request(ctx, msg.from, msg.words); break;
    case reply: on_reply(ctx, msg.words); break;
    case stock_sync: {
      const std::uint32_t at = replica_index(ctx.node());
      if (at == ~0u || counters_.empty() || msg.words.empty()) return;
      const auto origin = static_cast<std::uint32_t>(msg.words[0]);
      if (origin >= replicas_ || msg.words.size() != 1 + 2 * static_cast<std::size_t>(spec_.products)) return;
      for (std::uint32_t p = 0; p < static_cast<std::uint32_t>(spec_.products); ++p) {
        std::int64_t& reserved = counter(at, p, origin, false);
        std::int64_t& released = counter(at, p, origin, true);
        reserved = std::max(reserved, static_cast<std::int64_t>(msg.words[1 + 2 * p]));
        released = std::max(released, static_cast<std::int64_t>(msg.words[2 + 2 * p]));
      }
      break;
    }
    case stock_replicate: {
      const std::uint32_t r = replica_index(ctx.node());
      if (r == ~0u || r == 0 || follower_has_.empty() || msg.words.size() < 3) return;
      const std::uint64_t seq = msg.words[0];
      auto& has = follower_has_[r];
      if (has.size() < seq) has.resize(seq, 0);
      has[seq - 1] = 1;  // stored (a duplicate is acknowledged again)
      buf_.assign({seq, r});
      ctx.send(msg.from, stock_ack, buf_, 24);
      break;
    }
    case stock_ack: {
      if (msg.words.size() < 2 || replica_index(ctx.node()) != 0) return;
      const std::uint64_t seq = msg.words[0];
      const std::uint64_t r = msg.words[1];
      if (seq == 0 || seq > ops_.size() || r >= replicas_) return;
      ops_[seq - 1].acks |= std::uint64_t{1} << r;
      maybe_commit(ctx, seq - 1);
      break;
    }
    default: break;
  }
}

// ---------------------------------------------------------------------------
// Client arrivals

SagaWorkload::SagaWorkload(Simulator& sim, const Scenario& scenario, SagaProtocol& saga, std::uint16_t protocol_id)
    : sim_(sim), spec_(*scenario.section<SagaSpec>()), saga_(saga), protocol_id_(protocol_id), rng_(Rng::stream(scenario.seed, "sagas.workload")) {
  self_ = sim_.add_component(this);
  if (spec_.count > 0) schedule_next(1, spec_.start_ns);
}

void SagaWorkload::schedule_next(std::uint64_t id, SimTime after) {
  const SimTime gap = poisson_gap(rng_, spec_.rate_per_s);
  sim_.schedule(time_after(after, gap), self_, id, 0, true);
}

void SagaWorkload::on_event(std::uint64_t id, std::uint32_t) {
  const auto product = static_cast<std::uint32_t>(rng_.below(static_cast<std::uint64_t>(spec_.products)));
  const NodeId orchestrator = saga_.orchestrator_of(id);
  if (sim_.node_up(orchestrator)) {
    Context ctx(sim_, orchestrator, protocol_id_);
    saga_.submit(ctx, id, product);
  } else {
    SagaEvent e;
    e.time = sim_.now();
    e.kind = SagaEventKind::rejected;
    e.node = orchestrator;
    e.saga = id;
    e.product = product;
    saga_.events().publish(e);
  }
  if (id < static_cast<std::uint64_t>(spec_.count)) schedule_next(id + 1, sim_.now());
}

bool SagaProtocol::hash_state(StateHasher& h) const {
  h.add(sagas_.size());
  for (const Saga& s : sagas_) {
    h.add(static_cast<std::uint64_t>(s.phase));
    h.add(s.timer_gen);
    h.add(s.step);
    h.add(s.attempts);
    h.add(s.product);
  }
  UnorderedHash entries;
  for (const auto& [key, e] : entries_) {
    StateHasher one;
    one.add(key);
    one.add(static_cast<std::uint64_t>(e.state));
    one.add(e.op);
    entries.add(one.value());
  }
  entries.into(h);
  for (const auto& c : counters_) {
    h.add(c.size());
    for (const std::int64_t v : c) h.add_signed(v);
  }
  for (const std::int64_t v : leader_available_) h.add_signed(v);
  h.add(ops_.size());
  for (const StockOp& op : ops_) {
    h.add(op.product);
    h.add_signed(op.delta);
    h.add(op.saga);
    h.add(op.step);
    h.add_bool(op.compensation);
    h.add(op.reply_to);
    h.add(op.acks);
    h.add_bool(op.committed);
  }
  h.add(first_uncommitted_);
  for (const auto& f : follower_has_) {
    h.add(f.size());
    for (const std::uint8_t b : f) h.add(b);
  }
  return true;
}

bool SagaWorkload::hash_state(StateHasher& h) const {
  rng_.hash_state(h);
  return true;
}

}  // namespace ecsim
