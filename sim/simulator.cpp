#include "sim/simulator.hpp"

#include "sim/state_hash.hpp"

#include <boost/core/demangle.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <stdexcept>
#include <string>
#include <typeinfo>

namespace ecsim {
namespace {
constexpr std::uint16_t kExternalBit = 0x8000;
constexpr std::uint64_t kProgressEvery = 1u << 16;
}  // namespace

// --- Context: a thin window onto the kernel for one node and protocol ---
SimTime Context::now() const { return sim_.now(); }
SimTime Context::local_time() const { return sim_.local_time(node_); }
Rng& Context::rng() { return sim_.protocol_rng(protocol_); }
std::uint32_t Context::node_count() const { return sim_.node_count(); }
NodeId Context::random_neighbor() { return sim_.network().random_neighbor(node_, sim_.protocol_rng(protocol_)); }
std::uint32_t Context::neighbor_count() const { return sim_.network().degree(node_); }
void Context::send(NodeId to, std::uint16_t type, std::span<const std::uint64_t> words, std::uint32_t bytes,
                   ServiceKind service) {
  sim_.send(node_, to, protocol_, type, words, bytes, service);
}
void Context::set_timer(SimTime local_delay_ns, std::uint32_t tag) { sim_.set_timer(node_, protocol_, local_delay_ns, tag); }

// --- Simulator ---
namespace {
std::atomic<bool> g_inject_nondeterminism{false};
std::atomic<std::uint64_t> g_simulators_built{0};
}  // namespace

void Simulator::inject_nondeterminism_for_tests(bool on) { g_inject_nondeterminism = on; }

namespace {
// Crashes (a = 0) and restarts (a = 1) of nodes that a `choices:` entry with
// fate crash schedules: as events, so that the sender's handler finishes first.
class ChoiceCrashes final : public Component {
 public:
  explicit ChoiceCrashes(Simulator& sim) : sim_(sim) {}
  void on_event(std::uint64_t node, std::uint32_t restart) override {
    if (restart)
      sim_.restart(static_cast<NodeId>(node));
    else
      sim_.crash(static_cast<NodeId>(node), false);
  }
  bool hash_state(StateHasher&) const override { return true; }  // stateless: its work is in the queue

 private:
  Simulator& sim_;
};
}  // namespace

void Simulator::crash_after_send(NodeId node, SimTime restart_after) {
  if (!choice_crashes_) {
    choice_crashes_ = std::make_unique<ChoiceCrashes>(*this);
    choice_crashes_id_ = add_component(choice_crashes_.get());
  }
  schedule(now_, choice_crashes_id_, node, 0, true);
  if (restart_after >= 0) schedule(after(restart_after, "restart"), choice_crashes_id_, node, 1, true);
}

Simulator::Simulator(const Scenario& scenario)
    : seed_(scenario.seed),
      network_spec_(scenario.network),
      network_(scenario.topology, Rng::stream(scenario.seed, "topology")),
      clocks_(static_cast<std::size_t>(scenario.topology.nodes), scenario.clocks, Rng::stream(scenario.seed, "clocks")),
      network_rng_(Rng::stream(scenario.seed, "network")),
      costs_(scenario, network_),
      service_rng_(Rng::stream(scenario.seed, "service")),
      node_count_(static_cast<std::uint32_t>(scenario.topology.nodes)),
      up_bits_((node_count_ + 63) / 64, ~std::uint64_t{0}),
      epoch_(node_count_, 0),
      duplicate_(scenario.network.duplicate),
      choices_(scenario.choices) {
  // The test-only nondeterminism is a 1 ns delay of message 1 in every second simulator.
  if (g_inject_nondeterminism && g_simulators_built++ % 2 == 1 && (choices_.empty() || choices_.front().message > 1)) {
    MessageChoice late;
    late.message = 1;
    late.fate = MessageChoice::Fate::delay;
    late.delay_ns = 1;
    choices_.insert(choices_.begin(), late);
  }
  if (!choices_.empty()) next_choice_message_ = choices_.front().message;
}

const MessageChoice* Simulator::take_choice(NodeId from) {
  const MessageChoice* choice = &choices_[next_choice_++];
  next_choice_message_ = next_choice_ < choices_.size() ? choices_[next_choice_].message : ~std::uint64_t{0};
  if (choice->fate == MessageChoice::Fate::crash) crash_after_send(from, choice->restart_after_ns);
  return choice;
}

Simulator::~Simulator() = default;

std::uint16_t Simulator::add_protocol(Protocol* protocol) {
  if (started_) throw std::logic_error("protocols must be added before run()");
  protocols_.push_back(protocol);
  protocol_rngs_.push_back(Rng::stream(seed_, std::string("protocol:") + std::string(protocol->name())));
  return static_cast<std::uint16_t>(protocols_.size() - 1);
}

std::uint16_t Simulator::add_component(Component* component) {
  components_.push_back(component);
  if (components_.size() >= kExternalBit) throw std::length_error("too many components");
  return static_cast<std::uint16_t>(components_.size() - 1);
}

void Simulator::emit_net(NetEventKind kind, NodeId node, NodeId peer, std::uint64_t id, std::uint32_t bytes,
                         std::string_view reason) {
  if (!hub_.wants_net()) return;
  hub_.on_net(NetEvent{now_, kind, node, peer, id, bytes, reason});
}

void Simulator::send(NodeId from, NodeId to, std::uint16_t protocol, std::uint16_t type,
                     std::span<const std::uint64_t> words, std::uint32_t bytes, ServiceKind service) {
  if (!node_up(from)) return;  // a crashed node sends nothing
  const std::uint64_t id = next_msg_id_++;
  ++stats_.messages_sent;
  stats_.messages_bytes += bytes;
  emit_net(NetEventKind::send, from, to, id, bytes, {});
  // The sender's NIC serialises every message it sends, lost ones included:
  // loss and partitions happen in the network, after it.
  const SimTime left_sender = costs_.has_egress() ? costs_.egress(from, bytes, now_) : now_;

  // A scheduled fate (scenario.choices) replaces the network's draws for this message.
  const MessageChoice* choice = id == next_choice_message_ ? take_choice(from) : nullptr;
  const double loss = current_loss();
  if (choice ? choice->fate == MessageChoice::Fate::drop : (loss > 0 && network_rng_.bernoulli(loss))) {
    ++stats_.messages_dropped;
    emit_net(NetEventKind::drop, from, to, id, bytes, choice ? "choice" : "loss");
    return;
  }
  const Route route = network_.route(from, to, network_rng_);
  if (!route.ok) {
    ++stats_.messages_dropped;
    emit_net(NetEventKind::drop, from, to, id, bytes, route.reason);
    return;
  }

  const std::uint32_t slot = take_slot();
  MessageSlot& m = slots_[slot];
  m.id = id;
  m.from = from;
  m.to = to;
  m.bytes = bytes;
  m.protocol = protocol;
  m.type = type;
  m.size = static_cast<std::uint32_t>(words.size());
  m.pending = 0;
  m.service = service;
  if (words.size() <= kInlineWords) {
    std::copy(words.begin(), words.end(), m.inline_words);
  } else {
    if (spilled_words_.size() <= slot) spilled_words_.resize(slot + 1);
    spilled_words_[slot].assign(words.begin(), words.end());
  }
  const SimTime delay = choice && choice->fate == MessageChoice::Fate::delay ? choice->delay_ns : 0;
  transmit(slot, left_sender, route.latency_ns + delay);

  if (choice ? choice->fate == MessageChoice::Fate::duplicate : (duplicate_ > 0 && network_rng_.bernoulli(duplicate_))) {
    const Route again = network_.route(from, to, network_rng_);
    if (again.ok) {
      ++stats_.messages_duplicated;
      emit_net(NetEventKind::duplicate, from, to, id, bytes, {});
      transmit(slot, left_sender, again.latency_ns);
    }
  }
}

SimTime Simulator::admit(NodeId node, ServiceKind kind) {
  if (!costs_.serves(kind)) return now_;
  return costs_.admit(node, kind, now_, service_rng_);
}

// Kernel invariant, on in release: nothing is scheduled before now. Time
// never goes backwards, and the event queue (a radix heap) relies on it. A
// caller asking for the past has a bug; clamping to now used to hide it.
// Cold and out of line so the schedule paths stay a compare and a branch.
void Simulator::scheduled_in_past(const char* what, SimTime at) const {
  throw std::logic_error(fmt::format("{} scheduled at {} ns, before now ({} ns): the kernel never schedules into the past",
                                     what, at, now_));
}

// now_ + delay for delay >= 0, saturating at kMaxTime (a delay that long
// never arrives within a run) instead of wrapping negative.
SimTime Simulator::after(SimTime delay, const char* what) const {
  if (delay < 0) scheduled_in_past(what, now_ + delay);  // delay >= -2^63 and now_ >= 0: no overflow
  return delay > kMaxTime - now_ ? kMaxTime : now_ + delay;
}

// One delivery (the original or a duplicate) of a message that left its
// sender at `left_sender`: across a rate-limited WAN link if one joins the
// pair (an event when it reaches the link, so the link is FIFO by arrival),
// then `latency` to the receiver.
void Simulator::transmit(std::uint32_t slot, SimTime left_sender, SimTime latency) {
  ++slots_[slot].pending;
  ++in_flight_;
  const MessageSlot& m = slots_[slot];
  const int link = costs_.has_links() ? costs_.link_of(m.from, m.to) : -1;
  if (link >= 0) {
    if (left_sender > now_) {
      schedule_stage(slot, left_sender, at_link, latency);
      return;
    }
    left_sender = costs_.link(link, m.from, m.bytes, now_);
  }
  schedule_arrival(slot, time_after(left_sender, latency));
}

void Simulator::schedule_arrival(std::uint32_t slot, SimTime at) {
  at = after(at - now_, "message delivery");
  if (network_spec_.fifo) {
    // Per-link FIFO: never deliver before an earlier message on the same link.
    const MessageSlot& m = slots_[slot];
    SimTime& last = fifo_last_[(static_cast<std::uint64_t>(m.from) << 32) | m.to];
    if (at < last) at = last;
    last = at;
  }
  schedule_stage(slot, at, arrived);
}

// x carries the stage (low 2 bits) and, before the link, the latency still
// to travel; d the receiver's epoch once it holds the message (a crash in
// between drops it).
void Simulator::schedule_stage(std::uint32_t slot, SimTime at, DeliverStage stage, SimTime latency) {
  const std::uint16_t epoch = stage >= at_server ? epoch_[slots_[slot].to] : 0;
  // 2^61 ns is 73 years: a latency that long never arrives within a run anyway.
  const auto travel = static_cast<std::uint64_t>(std::min(latency, SimTime{1} << 61));
  queue_.push(Event{at, (travel << 2) | stage, slot, EventKind::deliver, epoch});
}

void Simulator::set_timer(NodeId node, std::uint16_t protocol, SimTime local_delay_ns, std::uint32_t tag) {
  if (local_delay_ns < 0) scheduled_in_past("timer", now_ + local_delay_ns);  // was silently clamped to 0
  const SimTime at = after(clocks_.true_duration(node, local_delay_ns), "timer");
  const std::uint64_t x = any_crash_ ? (static_cast<std::uint64_t>(epoch_[node]) << 32) | tag : tag;
  queue_.push(Event{at, x, node, EventKind::timer, protocol});
}

void Simulator::schedule(SimTime at, std::uint16_t component, std::uint64_t x, std::uint32_t a, bool external) {
  if (at < now_) scheduled_in_past("component event", at);  // was silently clamped to now
  if (external) ++pending_external_;
  queue_.push(Event{at, x, a, EventKind::component, static_cast<std::uint16_t>(component | (external ? kExternalBit : 0))});
}

void Simulator::deliver(const Event& e) {
  const std::uint32_t slot = e.a;
  const MessageSlot& m = slots_[slot];
  const auto stage = static_cast<DeliverStage>(e.x & 3);
  if (stage == at_link) {
    const SimTime crossed = costs_.link(costs_.link_of(m.from, m.to), m.from, m.bytes, now_);
    schedule_arrival(slot, time_after(crossed, static_cast<SimTime>(e.x >> 2)));
    return;
  }
  // Lost if the receiver is down, or crashed (and perhaps restarted) while
  // the message waited in its NIC or queue.
  if (!node_up(m.to) || (stage >= at_server && any_crash_ && e.d != epoch_[m.to])) [[unlikely]] {
    drop_at_receiver(slot);
    return;
  }
  if (stage == arrived && costs_.has_ingress()) {
    const SimTime through = costs_.ingress(m.to, m.bytes, now_);
    if (through > now_) {
      schedule_stage(slot, through, at_server);
      return;
    }
  }
  if (stage != served && costs_.serves(m.service)) {
    const SimTime done = costs_.admit(m.to, m.service, now_, service_rng_);
    if (done > now_) {
      schedule_stage(slot, done, served);
      return;
    }
  }
  hand_to_protocol(slot);
}

void Simulator::drop_at_receiver(std::uint32_t slot) {
  const MessageSlot& m = slots_[slot];
  ++stats_.messages_dropped;
  emit_net(NetEventKind::drop, m.to, m.from, m.id, m.bytes, "crashed");
  release(slot);
}

void Simulator::hand_to_protocol(std::uint32_t slot) {
  const MessageSlot& m = slots_[slot];
  Message msg{m.id, m.from, m.to, m.protocol, m.type, m.bytes, {}};
  ++stats_.messages_delivered;
  emit_net(NetEventKind::deliver, msg.to, msg.from, msg.id, msg.bytes, {});
  // Handlers may send (and grow slots_), so hand them a copy of the payload.
  const std::uint64_t* words = m.size <= kInlineWords ? m.inline_words : spilled_words_[slot].data();
  delivering_.assign(words, words + m.size);
  msg.words = delivering_;
  release(slot);  // before the handler: it may reuse the slot for what it sends
  Context ctx(*this, msg.to, msg.protocol);
  protocols_[msg.protocol]->on_message(ctx, msg);
}

std::uint32_t Simulator::take_slot() {
  if (free_slots_.empty()) {
    slots_.emplace_back();
    return static_cast<std::uint32_t>(slots_.size() - 1);
  }
  const std::uint32_t slot = free_slots_.front();
  free_slots_.pop_front();
  return slot;
}

void Simulator::release(std::uint32_t slot) {
  --in_flight_;
  if (--slots_[slot].pending == 0) free_slots_.push_back(slot);
}

void Simulator::dispatch(const Event& e) {
  switch (e.kind) {
    case EventKind::deliver:
      deliver(e);
      break;
    case EventKind::timer: {
      const NodeId node = e.a;
      if (!node_up(node)) break;
      if (any_crash_ && static_cast<std::uint16_t>(e.x >> 32) != epoch_[node]) break;  // died with a crash
      if (hub_.wants_net()) hub_.on_node(now_, node, NodeEventKind::timer, false);
      Context ctx(*this, node, e.d);
      protocols_[e.d]->on_timer(ctx, static_cast<std::uint32_t>(e.x));
      break;
    }
    case EventKind::component: {
      const bool external = (e.d & kExternalBit) != 0;
      components_[e.d & ~kExternalBit]->on_event(e.x, e.a);
      if (external) --pending_external_;  // after: the handler may schedule follow-up work
      break;
    }
  }
}

StopReason Simulator::run(const RunOptions& options) {
  // Setting now_ = end_ns at the end would move time backwards (and break the
  // queue's precondition for later pushes).
  if (options.end_ns < now_)
    throw std::logic_error("run(until) with until before now: time never goes backwards");
  if (!started_) {
    started_ = true;
    for (NodeId n = 0; n < node_count(); ++n)
      for (std::uint16_t p = 0; p < protocols_.size(); ++p) {
        Context ctx(*this, n, p);
        protocols_[p]->on_start(ctx);
      }
  }
  // pop_not_after peeks without committing the queue: stopping here with an
  // event pending past end_ns must still accept events in (end_ns, that
  // event) scheduled before the next run() call.
  Event e{};
  while (queue_.pop_not_after(options.end_ns, e)) {
    if (e.time < now_) throw std::logic_error("event queue went back in time");  // cheap, stays on
    now_ = e.time;
    ++stats_.events_processed;
    dispatch(e);
    if (options.stop_when && options.stop_when()) return StopReason::condition;
    if (options.progress && (stats_.events_processed % kProgressEvery) == 0)
      options.progress(now_, stats_.events_processed);
  }
  if (queue_.empty()) return StopReason::queue_empty;
  now_ = options.end_ns;
  return StopReason::duration;
}

void Simulator::crash(NodeId node, bool lose_state) {
  if (!node_up(node)) return;
  set_up(node, false);
  any_crash_ = true;  // epochs start at 0, so timers set before now carry epoch 0: still correct
  ++epoch_[node];
  network_.set_node_up(node, false);
  costs_.clear_node(node, now_);  // its NIC and service queue are emptied: what waited there is lost
  hub_.on_node(now_, node, NodeEventKind::crash, lose_state);
  for (std::uint16_t p = 0; p < protocols_.size(); ++p) {
    Context ctx(*this, node, p);
    protocols_[p]->on_crash(ctx, lose_state);
  }
}

void Simulator::restart(NodeId node) {
  if (node_up(node)) return;
  set_up(node, true);
  ++epoch_[node];
  network_.set_node_up(node, true);
  hub_.on_node(now_, node, NodeEventKind::restart, false);
  for (std::uint16_t p = 0; p < protocols_.size(); ++p) {
    Context ctx(*this, node, p);
    protocols_[p]->on_start(ctx);
  }
}

bool Simulator::hash_state(StateHasher& h, std::string* why) const {
  const auto cannot = [why](std::string what) {
    if (why) *why = std::move(what);
    return false;
  };
  h.add_signed(now_);
  h.add(node_count_);
  for (const std::uint64_t w : up_bits_) h.add(w);
  h.add_bool(any_crash_);
  for (const std::uint16_t e : epoch_) h.add(e);
  clocks_.hash_state(h);
  network_rng_.hash_state(h);
  service_rng_.hash_state(h);
  for (const Rng& r : protocol_rngs_) r.hash_state(h);
  network_.hash_state(h);
  if (!costs_.hash_state(h, now_)) return cannot("replicas.service queues");
  h.add_double(loss_override_);
  h.add_double(duplicate_);
  h.add(next_msg_id_);  // the message counter: numbers the choices
  for (std::size_t i = next_choice_; i < choices_.size(); ++i) {
    const MessageChoice& c = choices_[i];
    h.add(c.message);
    h.add(static_cast<std::uint64_t>(c.fate));
    h.add_signed(c.delay_ns);
    h.add_signed(c.restart_after_ns);
  }
  h.add_bool(choice_crashes_ != nullptr);
  h.add(pending_external_);
  h.add(in_flight_);
  UnorderedHash fifo;  // per link: the last arrival scheduled
  for (const auto& [link, at] : fifo_last_) {
    StateHasher e;
    e.add(link);
    e.add_signed(at);
    fifo.add(e.value());
  }
  fifo.into(h);
  for (const std::uint64_t v : {stats_.events_processed, stats_.messages_sent, stats_.messages_bytes,
                                stats_.messages_delivered, stats_.messages_dropped, stats_.messages_duplicated})
    h.add(v);
  // Pending events in pop order: a message by its content (ids reach only
  // traces), not by the slot that holds it.
  const std::vector<Event> pending = queue_.pending_in_order();
  h.add(pending.size());
  for (const Event& e : pending) {
    h.add_signed(e.time);
    h.add(static_cast<std::uint64_t>(e.kind));
    h.add(e.x);
    h.add(e.d);
    if (e.kind != EventKind::deliver) {
      h.add(e.a);
      continue;
    }
    const MessageSlot& m = slots_[e.a];
    h.add(m.from);
    h.add(m.to);
    h.add(m.bytes);
    h.add(m.protocol);
    h.add(m.type);
    h.add(static_cast<std::uint64_t>(m.service));
    h.add(m.size);
    const std::uint64_t* words = m.size <= kInlineWords ? m.inline_words : spilled_words_[e.a].data();
    for (std::uint32_t i = 0; i < m.size; ++i) h.add(words[i]);
  }
  h.add(protocols_.size());
  for (const Protocol* p : protocols_)
    if (!p->hash_state(h)) return cannot("protocol " + std::string(p->name()));
  h.add(components_.size());
  for (const Component* c : components_)
    if (!c->hash_state(h)) return cannot(fmt::format("component {}", boost::core::demangle(typeid(*c).name())));
  return true;
}

}  // namespace ecsim
