#pragma once
// The simulation kernel: one event loop over a deterministic event queue,
// the network, node clocks and node liveness. It knows nothing of what
// protocols do: it moves opaque messages and fires timers.
// A Simulator is a plain value with no globals: two of them can run side by
// side in one process.
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <unordered_map>
#include <vector>

#include "sim/clock.hpp"
#include "sim/event_queue.hpp"
#include "sim/network.hpp"
#include "sim/observer.hpp"
#include "sim/protocol.hpp"
#include "sim/scenario.hpp"
#include "sim/time_costs.hpp"

namespace ecsim {

// Fans observations out to every registered observer.
class ObserverHub final : public Observer {
 public:
  void add(Observer* o) {
    observers_.push_back(o);
    if (o->wants_net_events()) net_observers_.push_back(o);
  }
  bool wants_net() const { return !net_observers_.empty(); }
  void on_net(const NetEvent& e) override { for (auto* o : net_observers_) o->on_net(e); }
  void on_node(SimTime t, NodeId n, NodeEventKind k, bool lose) override {
    for (auto* o : (k == NodeEventKind::timer ? net_observers_ : observers_)) o->on_node(t, n, k, lose);
  }
  void on_fault(SimTime t, FaultEventKind k, std::string_view d) override { for (auto* o : observers_) o->on_fault(t, k, d); }

 private:
  std::vector<Observer*> observers_;
  std::vector<Observer*> net_observers_;
};

struct KernelStats {
  std::uint64_t events_processed = 0;
  std::uint64_t messages_sent = 0;
  std::uint64_t messages_bytes = 0;
  std::uint64_t messages_delivered = 0;
  std::uint64_t messages_dropped = 0;
  std::uint64_t messages_duplicated = 0;
};

struct RunOptions {
  SimTime end_ns = 0;                                        // stop at this true time
  std::function<bool()> stop_when;                           // checked after each event
  std::function<void(SimTime now, std::uint64_t events)> progress;  // called every ~64k events
};

enum class StopReason { duration, queue_empty, condition };

class Simulator {
 public:
  explicit Simulator(const Scenario& scenario);
  // Test-only: while on, every second Simulator this process builds delays
  // its first message by 1 ns, a deliberate nondeterminism for the replay
  // self-check of `ecsim explore` to catch (tests only; never in a real run).
  static void inject_nondeterminism_for_tests(bool on);
  ~Simulator();
  Simulator(const Simulator&) = delete;
  Simulator& operator=(const Simulator&) = delete;

  std::uint16_t add_protocol(Protocol* protocol);  // not owned
  std::uint16_t add_component(Component* component);  // not owned
  void add_observer(Observer* observer) { hub_.add(observer); }

  StopReason run(const RunOptions& options);

  // --- services for Context, components and fault injection ---
  SimTime now() const { return now_; }
  std::uint32_t node_count() const { return node_count_; }
  bool node_up(NodeId n) const { return (up_bits_[n >> 6] >> (n & 63)) & 1; }
  SimTime local_time(NodeId n) const { return clocks_.local(n, now_); }
  Network& network() { return network_; }
  NodeClocks& clocks() { return clocks_; }
  Observer& observers() { return hub_; }
  Rng& protocol_rng(std::uint16_t protocol) { return protocol_rngs_[protocol]; }
  const KernelStats& stats() const { return stats_; }
  std::uint64_t root_seed() const { return seed_; }

  void send(NodeId from, NodeId to, std::uint16_t protocol, std::uint16_t type,
            std::span<const std::uint64_t> words, std::uint32_t bytes, ServiceKind service = ServiceKind::none);
  // A request of `kind` (from a component: the client driver) arriving at
  // `node` now joins the node's FIFO service queue (`replicas:`); returns
  // when its service completes (>= now; now for ServiceKind::none). The
  // caller checks the node is still up then: a crash empties the queue.
  SimTime admit(NodeId node, ServiceKind kind);
  // Service statistics so far (summary.csv replicas.*), over [0, now()].
  ServiceReport service_report() const { return costs_.service_report(now_); }
  void set_timer(NodeId node, std::uint16_t protocol, SimTime local_delay_ns, std::uint32_t tag);
  // Scheduling before now() (at < now, a negative delay) throws std::logic_error.
  // `external` marks work that must finish before stop: converged/quiescent may end a run
  // (scripted ops, workload arrivals, faults).
  void schedule(SimTime at, std::uint16_t component, std::uint64_t x, std::uint32_t a, bool external);
  std::uint64_t pending_external() const { return pending_external_; }
  std::uint64_t messages_in_flight() const { return in_flight_; }

  void crash(NodeId node, bool lose_state);
  void restart(NodeId node);
  // Loss probability override (fault {loss, until}); negative restores network.loss.
  void set_loss_override(double loss) { loss_override_ = loss; }
  double current_loss() const { return loss_override_ >= 0 ? loss_override_ : network_spec_.loss; }
  // Duplication probability override (fault {duplicate, until}); negative restores network.duplicate.
  void set_duplicate_override(double p) { duplicate_ = p >= 0 ? p : network_spec_.duplicate; }

  // State hashing for `ecsim explore --exhaustive` (sim/state_hash.hpp),
  // between two events: the kernel's whole state (time, nodes up and their
  // epochs, clocks, every random stream, pending events in pop order with
  // message contents but not message ids, network cuts, loss and duplication
  // overrides, NIC and link state, the message counter, the scheduled
  // choices still to come, the counters metrics read) and every protocol's
  // and component's. False when some part cannot hash its state (`why` then
  // names it). Never called by a normal run.
  bool hash_state(StateHasher& h, std::string* why = nullptr) const;

 private:
  // One cache line per message: header plus up to 4 payload words inline
  // (digests and replies of a key or so); larger payloads spill to a
  // parallel array touched only by big messages.
  static constexpr std::size_t kInlineWords = 4;
  struct alignas(64) MessageSlot {
    std::uint64_t id;
    NodeId from, to;
    std::uint32_t bytes;
    std::uint16_t protocol, type;
    std::uint32_t size;     // payload words
    std::uint16_t pending;  // deliveries still scheduled (duplicates)
    ServiceKind service;    // what the receiver's service queue charges
    std::uint8_t unused;
    std::uint64_t inline_words[kInlineWords];
  };
  static_assert(sizeof(MessageSlot) == 64);
  void set_up(NodeId n, bool up) {
    if (up) up_bits_[n >> 6] |= std::uint64_t{1} << (n & 63);
    else up_bits_[n >> 6] &= ~(std::uint64_t{1} << (n & 63));
  }

  [[noreturn, gnu::cold, gnu::noinline]] void scheduled_in_past(const char* what, SimTime at) const;
  SimTime after(SimTime delay, const char* what) const;
  void dispatch(const Event& e);
  // A message's way, one event per stage that takes time (docs/TIME_MODEL.md):
  // sender's egress (computed at send), WAN link, latency, receiver's
  // ingress, receiver's service queue, then the protocol's handler.
  enum DeliverStage : std::uint64_t { at_link = 0, arrived = 1, at_server = 2, served = 3 };
  void deliver(const Event& e);
  void transmit(std::uint32_t slot, SimTime left_sender, SimTime latency);
  void schedule_arrival(std::uint32_t slot, SimTime at);
  void schedule_stage(std::uint32_t slot, SimTime at, DeliverStage stage, SimTime latency = 0);
  [[gnu::cold, gnu::noinline]] void drop_at_receiver(std::uint32_t slot);
  void hand_to_protocol(std::uint32_t slot);
  void release(std::uint32_t slot);
  void emit_net(NetEventKind kind, NodeId node, NodeId peer, std::uint64_t id, std::uint32_t bytes, std::string_view reason);
  // A `choices:` crash: `node` crashes once the current handler returns, restarting after `restart_after` (-1: never).
  void crash_after_send(NodeId node, SimTime restart_after);
  // The scheduled fate of the message being sent (its number is next_choice_message_), and the next one due.
  [[gnu::cold, gnu::noinline]] const MessageChoice* take_choice(NodeId from);

  std::uint64_t seed_;
  NetworkSpec network_spec_;
  EventQueue queue_;
  Network network_;
  NodeClocks clocks_;
  Rng network_rng_;
  TimeCosts costs_;
  Rng service_rng_;
  // Liveness as a bitset (128 KiB per million nodes stays in L2: it is read
  // on every delivery and timer). Epochs bump on crash/restart so stale
  // timers are ignored; they are consulted only once any node has crashed.
  std::uint32_t node_count_;
  std::vector<std::uint64_t> up_bits_;
  std::vector<std::uint16_t> epoch_;
  bool any_crash_ = false;
  std::vector<Protocol*> protocols_;
  std::vector<Rng> protocol_rngs_;
  std::vector<Component*> components_;
  std::vector<MessageSlot> slots_;
  std::vector<std::vector<std::uint64_t>> spilled_words_;  // by slot, when size > kInlineWords
  // Free slots, reused oldest first (a FIFO): with equal
  // latencies messages arrive in the order they were sent, so deliveries
  // then walk the slots in order instead of hopping (LIFO reuse scattered
  // them: a cache miss per delivery at a million nodes, bench/README.md).
  std::deque<std::uint32_t> free_slots_;
  std::uint32_t take_slot();  // the oldest free slot, or a new one
  std::vector<std::uint64_t> delivering_;  // payload copy: handlers may grow slots_
  std::unordered_map<std::uint64_t, SimTime> fifo_last_;  // per directed link, only with fifo
  ObserverHub hub_;
  KernelStats stats_;
  SimTime now_ = 0;
  double loss_override_ = -1.0;
  double duplicate_;  // network.duplicate, or a duplicate fault's while it lasts (read on every send)
  std::vector<MessageChoice> choices_;  // scenario.choices, by message number
  std::size_t next_choice_ = 0;
  // The number of the next message with a scheduled fate (never reached when
  // none is left): the one comparison a send pays for `choices:`.
  std::uint64_t next_choice_message_ = ~std::uint64_t{0};
  std::unique_ptr<Component> choice_crashes_;  // crashes and restarts of fate crash, once one is due
  std::uint16_t choice_crashes_id_ = 0;
  std::uint64_t next_msg_id_ = 1;
  std::uint64_t pending_external_ = 0;
  std::uint64_t in_flight_ = 0;
  bool started_ = false;
};

}  // namespace ecsim
