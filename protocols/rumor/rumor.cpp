#include "protocols/rumor/rumor.hpp"

#include "sim/state_hash.hpp"

#include "protocols/core/rounds.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace ecsim {
namespace {
constexpr std::uint32_t kRoundTimer = 1;
constexpr std::uint32_t kInjectTimer = 2;  // + Rumor
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr std::uint8_t kNecessary = 1;
constexpr std::uint8_t kUnnecessary = 2;
}  // namespace

std::optional<std::string> rumor_spec_error(const RumorSpec& spec, std::uint32_t node_count) {
  if (node_count == 0) return "rumor: the scenario has no nodes";
  if (spec.k < 1) return "rumor.k must be >= 1 (got " + std::to_string(spec.k) + ")";
  if (spec.fanout < 1) return "rumor.fanout must be >= 1 (got " + std::to_string(spec.fanout) + ")";
  if (spec.interval_ns <= 0) return "rumor.interval must be > 0";
  if (spec.origin >= node_count)
    return "rumor.origin " + std::to_string(spec.origin) + " is not a node (nodes 0.." + std::to_string(node_count - 1) + ")";
  if (spec.inject_at_ns < 0) return "rumor.inject_at must be >= 0";
  if (spec.value_bytes < 0 || spec.value_bytes > (1 << 30)) return "rumor.value_bytes must be in [0, 2^30]";
  if (spec.death_certificates) {
    if (spec.delete_origin >= node_count)
      return "rumor.delete_origin " + std::to_string(spec.delete_origin) + " is not a node (nodes 0.." +
             std::to_string(node_count - 1) + ")";
    if (spec.delete_at_ns < 0) return "rumor.delete_at must be >= 0";
  }
  return std::nullopt;
}

RumorProtocol::RumorProtocol(const RumorSpec& spec, std::uint32_t node_count) : spec_(spec), n_(node_count) {
  if (auto error = rumor_spec_error(spec, node_count)) throw std::invalid_argument(*error);
  for (int r = 0; r < rumor_count(); ++r) {
    RumorState& rs = rumors_[static_cast<std::size_t>(r)];
    rs.state.assign(n_, susceptible);
    rs.counter.assign(n_, 0);
    rs.round_flags.assign(n_, 0);
    rs.learned_tick.assign(n_, 0);
    rs.learned_ns.assign(n_, -1);
  }
  ticks_.assign(n_, 0);
}

std::uint32_t RumorProtocol::update_bytes(Rumor r) const {
  // Header, the rumor id, then the value itself or the deletion's timestamp.
  return kHeaderBytes + kWordBytes + (r == value ? static_cast<std::uint32_t>(spec_.value_bytes) : kWordBytes);
}

bool RumorProtocol::finished() const {
  for (int r = 0; r < rumor_count(); ++r) {
    const RumorState& rs = rumors_[static_cast<std::size_t>(r)];
    if (rs.injected_ns < 0 || rs.infective > 0) return false;
  }
  return true;
}

void RumorProtocol::on_start(Context& ctx) {
  // Boot at t=0 and every restart: (re)arm the round timer, and the
  // injections this node owes if they have not happened yet.
  const SimTime first = first_round_delay(ctx, spec_.interval_ns, spec_.aligned_phase);
  schedule_injections(ctx);  // before the round timer: an injection due now precedes this node's round
  ctx.set_timer(first, kRoundTimer);
}

void RumorProtocol::schedule_injections(Context& ctx) {
  for (int i = 0; i < rumor_count(); ++i) {
    const auto r = static_cast<Rumor>(i);
    const NodeId at = r == value ? spec_.origin : spec_.delete_origin;
    const SimTime when = r == value ? spec_.inject_at_ns : spec_.delete_at_ns;
    if (ctx.node() != at || injected(r)) continue;
    // The injection is a scenario action, not protocol logic, so it is timed
    // on true time; the delay runs on the origin's clock (equal without drift).
    const SimTime delay = when - ctx.now();
    if (delay <= 0) inject(ctx, r);
    else ctx.set_timer(delay, kInjectTimer + r);
  }
}

void RumorProtocol::inject(Context& ctx, Rumor r) {
  if (injected(r)) return;
  rumors_[r].injected_ns = ctx.now();
  learn(ctx, r, ctx.node());
}

void RumorProtocol::learn(Context& ctx, Rumor r, NodeId node) {
  RumorState& rs = rumors_[r];
  if (rs.state[node] != susceptible) return;
  rs.state[node] = infective;
  ++rs.infective;
  rs.counter[node] = 0;
  rs.round_flags[node] = 0;
  rs.learned_tick[node] = ticks_[node];
  if (rs.learned_ns[node] < 0) {
    rs.learned_ns[node] = ctx.now();
    ++rs.informed;
  }
  if (r == certificate) {
    // The deletion overrides the value: the node stops spreading it and will
    // never adopt it; an UPDATE of the value now finds it "already knew".
    RumorState& vs = rumors_[value];
    if (vs.state[node] == infective) --vs.infective;
    if (vs.state[node] == susceptible) vs.learned_tick[node] = ticks_[node];
    vs.state[node] = removed;
  }
}

void RumorProtocol::remove(Rumor r, NodeId node) {
  RumorState& rs = rumors_[r];
  if (rs.state[node] != infective) return;
  rs.state[node] = removed;
  --rs.infective;
}

bool RumorProtocol::knew(Rumor r, NodeId node) const {
  const RumorState& rs = rumors_[r];
  if (rs.state[node] == susceptible) return false;
  // Round-start judgement: what the node learned during its current round
  // still counts as news (the paper's synchronous cycles).
  return !spec_.feedback_round_start || rs.learned_tick[node] < ticks_[node];
}

void RumorProtocol::send(Context& ctx, NodeId to, MessageType type, std::span<const std::uint64_t> words,
                         std::uint32_t bytes) {
  ctx.send(to, type, words, bytes);
  ++messages_sent_;
  bytes_sent_ += bytes;
}

void RumorProtocol::send_update(Context& ctx, Rumor r, NodeId to) {
  const std::uint64_t words[1] = {r};
  send(ctx, to, update, words, update_bytes(r));
  RumorState& rs = rumors_[r];
  ++rs.updates_sent;
  if (spec_.feedback) return;
  // Blind: every contact is a step towards losing interest.
  const NodeId self = ctx.node();
  if (spec_.loss == RumorLoss::counter) {
    if (++rs.counter[self] >= static_cast<std::uint32_t>(spec_.k)) remove(r, self);
  } else if (ctx.rng().bernoulli(1.0 / spec_.k)) {
    remove(r, self);
  }
}

void RumorProtocol::answer_request(Context& ctx, NodeId to, int except_rumor) {
  for (int i = 0; i < rumor_count(); ++i) {
    const auto r = static_cast<Rumor>(i);
    if (i != except_rumor && rumors_[r].state[ctx.node()] == infective) send_update(ctx, r, to);
  }
}

void RumorProtocol::on_timer(Context& ctx, std::uint32_t tag) {
  if (tag == kInjectTimer + value || tag == kInjectTimer + certificate) {
    inject(ctx, static_cast<Rumor>(tag - kInjectTimer));
    return;
  }
  if (tag != kRoundTimer) return;
  ctx.set_timer(spec_.interval_ns, kRoundTimer);
  const NodeId self = ctx.node();
  ++ticks_[self];
  if (spec_.feedback && spec_.loss == RumorLoss::counter && spec_.counter_per_round)
    for (int i = 0; i < rumor_count(); ++i) settle_round(static_cast<Rumor>(i), self);

  bool hot = false;
  for (int i = 0; i < rumor_count(); ++i) hot = hot || rumors_[static_cast<std::size_t>(i)].state[self] == infective;
  if (spec_.mode == RumorMode::push && !hot) return;  // nothing to do: draw no random numbers

  // Distinct peers, uniformly among graph neighbours (as gossip does).
  peers_.clear();
  const auto want = std::min<std::uint32_t>(static_cast<std::uint32_t>(spec_.fanout), ctx.neighbor_count());
  for (std::uint32_t attempts = 0; peers_.size() < want && attempts < 64 * want; ++attempts) {
    const NodeId p = ctx.random_neighbor();
    if (p != kNoNode && std::find(peers_.begin(), peers_.end(), p) == peers_.end()) peers_.push_back(p);
  }
  for (NodeId peer : peers_) {
    bool pushed = false;
    if (spec_.mode != RumorMode::pull) {
      for (int i = 0; i < rumor_count(); ++i) {
        const auto r = static_cast<Rumor>(i);
        if (rumors_[r].state[self] != infective) continue;
        send_update(ctx, r, peer);
        pushed = true;
      }
    }
    if (spec_.mode == RumorMode::pull || (spec_.mode == RumorMode::push_pull && !pushed)) {
      send(ctx, peer, request, {}, kHeaderBytes);
      ++requests_sent_;
    }
  }
}

void RumorProtocol::on_update(Context& ctx, Rumor r, NodeId from) {
  const NodeId self = ctx.node();
  const bool already = knew(r, self);
  if (rumors_[r].state[self] == susceptible) learn(ctx, r, self);
  if (spec_.feedback) {
    const std::uint64_t words[2] = {r, already ? 1u : 0u};
    send(ctx, from, feedback, words, kHeaderBytes + 2 * kWordBytes);
    ++feedbacks_sent_;
  }
  // push_pull: an UPDATE also asks for what the receiver spreads.
  if (spec_.mode == RumorMode::push_pull) answer_request(ctx, from, static_cast<int>(r));
}

void RumorProtocol::on_feedback(Context& ctx, Rumor r, bool already) {
  const NodeId self = ctx.node();
  RumorState& rs = rumors_[r];
  if (rs.state[self] != infective) return;  // lost interest already (fanout > 1, or blocked by a certificate)
  if (spec_.loss == RumorLoss::counter) {
    if (spec_.counter_per_round) rs.round_flags[self] |= already ? kUnnecessary : kNecessary;
    else if (already && ++rs.counter[self] >= static_cast<std::uint32_t>(spec_.k)) remove(r, self);
  } else if (already && ctx.rng().bernoulli(1.0 / spec_.k)) {
    remove(r, self);
  }
}

void RumorProtocol::settle_round(Rumor r, NodeId node) {
  RumorState& rs = rumors_[r];
  const std::uint8_t flags = rs.round_flags[node];
  rs.round_flags[node] = 0;
  if (rs.state[node] != infective) return;
  if (flags & kNecessary) rs.counter[node] = 0;
  else if ((flags & kUnnecessary) && ++rs.counter[node] >= static_cast<std::uint32_t>(spec_.k)) remove(r, node);
}

void RumorProtocol::on_message(Context& ctx, const Message& msg) {
  // Malformed payloads (wrong size, unknown rumor) are ignored, not trusted.
  const auto rumor_of = [&](std::uint64_t w) { return w < static_cast<std::uint64_t>(rumor_count()); };
  switch (msg.type) {
    case update:
      if (msg.words.size() == 1 && rumor_of(msg.words[0])) on_update(ctx, static_cast<Rumor>(msg.words[0]), msg.from);
      break;
    case feedback:
      if (msg.words.size() == 2 && rumor_of(msg.words[0]))
        on_feedback(ctx, static_cast<Rumor>(msg.words[0]), msg.words[1] != 0);
      break;
    case request:
      answer_request(ctx, msg.from, -1);
      break;
    default:
      break;
  }
}

void RumorProtocol::on_crash(Context& ctx, bool lose_state) {
  if (!lose_state) return;  // rumor lists and counters survive a plain crash
  const NodeId self = ctx.node();
  for (int i = 0; i < rumor_count(); ++i) {
    RumorState& rs = rumors_[static_cast<std::size_t>(i)];
    if (rs.state[self] == infective) --rs.infective;
    rs.state[self] = susceptible;
    rs.counter[self] = 0;
    rs.round_flags[self] = 0;
    // learned_ns stays: metrics are about when a node *first* learned.
  }
}

void RumorProtocol::rumor_metrics(Rumor r, const std::string& prefix,
                                  std::vector<std::pair<std::string, double>>& out) const {
  const RumorState& rs = rumors_[r];
  const double n = static_cast<double>(n_);
  const NodeId origin = r == value ? spec_.origin : spec_.delete_origin;
  // Learning times are taken over the nodes that learned the rumor from
  // another node: the origin was told by the scenario at elapsed time 0.
  std::uint64_t learners = 0;
  double sum_s = 0, sum_rounds = 0;
  SimTime last = 0;
  std::int64_t last_rounds = 0;
  if (rs.injected_ns >= 0) {
    for (NodeId v = 0; v < n_; ++v) {
      if (v == origin || rs.learned_ns[v] < 0) continue;
      const SimTime elapsed = rs.learned_ns[v] - rs.injected_ns;
      // Round number: ceil(elapsed / interval). With aligned phase and
      // latency < interval, a node told during the c-th round since the
      // injection gets c, the paper's cycle count.
      const std::int64_t rounds = (elapsed + spec_.interval_ns - 1) / spec_.interval_ns;
      ++learners;
      sum_s += to_seconds(elapsed);
      sum_rounds += static_cast<double>(rounds);
      last = std::max(last, elapsed);
      last_rounds = std::max(last_rounds, rounds);
    }
  }
  const bool injected_yet = rs.injected_ns >= 0;
  const bool spread = learners > 0;
  out.emplace_back(prefix + "residue", injected_yet ? (n - rs.informed) / n : kNaN);
  out.emplace_back(prefix + "traffic", static_cast<double>(rs.updates_sent) / n);
  out.emplace_back(prefix + "t_ave_s", spread ? sum_s / static_cast<double>(learners) : kNaN);
  out.emplace_back(prefix + "t_last_s", spread ? to_seconds(last) : kNaN);
  out.emplace_back(prefix + "t_ave_rounds", spread ? sum_rounds / static_cast<double>(learners) : kNaN);
  out.emplace_back(prefix + "t_last_rounds", spread ? static_cast<double>(last_rounds) : kNaN);
  out.emplace_back(prefix + "informed", static_cast<double>(rs.informed));
}

void RumorProtocol::summary_metrics(std::vector<std::pair<std::string, double>>& out) const {
  const double n = static_cast<double>(n_);
  rumor_metrics(value, "rumor.", out);
  out.emplace_back("rumor.messages_per_node", static_cast<double>(messages_sent_) / n);
  out.emplace_back("rumor.bytes_per_node", static_cast<double>(bytes_sent_) / n);
  if (spec_.death_certificates) {
    rumor_metrics(certificate, "rumor.dc.", out);
    // Nodes that still hold the value without its death certificate: they
    // would keep serving a deleted item.
    std::uint32_t stale = 0;
    for (NodeId v = 0; v < n_; ++v)
      stale += rumors_[value].state[v] != susceptible && rumors_[certificate].state[v] == susceptible;
    out.emplace_back("rumor.dc.stale", rumors_[certificate].injected_ns >= 0 ? stale / n : kNaN);
  } else {
    for (const char* m : {"residue", "traffic", "t_ave_s", "t_last_s", "t_ave_rounds", "t_last_rounds", "informed", "stale"})
      out.emplace_back(std::string("rumor.dc.") + m, kNaN);  // death certificates are off: does not apply
  }
}

bool RumorProtocol::hash_state(StateHasher& h) const {
  for (const RumorState& r : rumors_) {
    for (const std::uint8_t s : r.state) h.add(s);
    for (const std::uint32_t c : r.counter) h.add(c);
    for (const std::uint8_t f : r.round_flags) h.add(f);
    for (const std::uint32_t t : r.learned_tick) h.add(t);
    for (const SimTime t : r.learned_ns) h.add_signed(t);  // metrics read them
    h.add_signed(r.injected_ns);
    h.add(r.informed);
    h.add(r.infective);
    h.add(r.updates_sent);
  }
  for (const std::uint32_t t : ticks_) h.add(t);
  for (const std::uint64_t v : {messages_sent_, bytes_sent_, feedbacks_sent_, requests_sent_}) h.add(v);
  return true;
}

}  // namespace ecsim
