#pragma once
// Event-sourced replicas reconciled by log exchange.
//
// Each replica keeps a log of events (deposits and withdrawals on accounts
// e0..e{E-1}); an event is identified by (origin replica, seq), seq counting
// from 1 per origin, and stamped with a Lamport timestamp. A replica's log
// holds, for every origin, a prefix 1..vv[origin] of that origin's events:
// the version vector vv is its log summary. Every `interval` a replica sends
// its summary to `fanout` random other replicas; the peer answers with the
// events the summary lacks plus its own summary, and the first replica sends
// back what the peer lacks (push-pull).
//
// State is the fold of the log in (lamport, origin, seq) order: a total
// order every replica agrees on, so equal logs give equal states. Events are
// not commutative (a withdrawal applies only if the balance covers it), so
// an event that sorts before the end of the log forces a rebuild: the state
// is replayed from the start. `order: arrival` is the tempting shortcut of
// applying events as they arrive; replicas then diverge.
#include <cstdint>
#include <map>
#include <vector>

#include "protocols/event_log/config.hpp"
#include "protocols/event_log/events.hpp"
#include "sim/channel.hpp"
#include "sim/protocol.hpp"
#include "sim/scenario.hpp"

namespace ecsim {

class Simulator;

class EventLogProtocol final : public Protocol {
 public:
  enum MessageType : std::uint16_t { summary = 1, reply = 2, push = 3 };
  static constexpr std::size_t kEventWords = 5;  // origin, seq, lamport, entity, amount

  explicit EventLogProtocol(const Scenario& scenario);
  // Where this module\'s observations go (its checker and traces subscribe).
  Channel<LogEvent>& events() { return events_; }
  std::string_view name() const override { return "event_log"; }
  void on_start(Context& ctx) override;
  void on_message(Context& ctx, const Message& msg) override;
  void on_timer(Context& ctx, std::uint32_t tag) override;
  bool hash_state(StateHasher& h) const override;  // every replica's log, version vector, clock and state

  // A client appends an event at replica ctx.node().
  void append(Context& ctx, std::uint32_t entity, std::int64_t amount);

 private:
  struct Event {
    std::uint64_t lamport = 0;
    std::uint32_t origin = 0;
    std::uint64_t seq = 0;
    std::uint32_t entity = 0;
    std::int64_t amount = 0;
  };
  static bool before(const Event& a, const Event& b) {
    if (a.lamport != b.lamport) return a.lamport < b.lamport;
    if (a.origin != b.origin) return a.origin < b.origin;
    return a.seq < b.seq;
  }
  struct Replica {
    std::vector<Event> log;  // sorted by before()
    std::vector<std::uint64_t> vv;
    std::uint64_t lamport = 0;
    std::vector<std::int64_t> state;
  };
  int replica_index(NodeId node) const;
  static void apply(std::vector<std::int64_t>& state, const Event& e);
  void merge(Context& ctx, Replica& r, std::span<const std::uint64_t> words);
  void encode_missing(const Replica& r, std::span<const std::uint64_t> peer_vv, std::vector<std::uint64_t>& out) const;
  void publish(Context& ctx, const Replica& r, std::uint64_t replayed, bool rebuilt);

  EventLogSpec spec_;
  std::vector<Replica> replicas_;
  std::map<NodeId, int> index_;
  std::vector<std::uint64_t> buf_;
  std::vector<Event> incoming_;
  Channel<LogEvent> events_;
};

// Appends at Poisson times between start and stop, each at a random live
// replica: a deposit or a withdrawal of 1..10 on a random account.
class EventLogWorkload final : public Component {
 public:
  EventLogWorkload(Simulator& sim, const Scenario& scenario, EventLogProtocol& protocol, std::uint16_t protocol_id);
  void on_event(std::uint64_t x, std::uint32_t a) override;
  bool hash_state(StateHasher& h) const override;

 private:
  SimTime gap();
  Simulator& sim_;
  const EventLogSpec& spec_;
  EventLogProtocol& protocol_;
  std::uint16_t protocol_id_;
  std::uint16_t self_ = 0;
  SimTime stop_ns_ = 0;
  Rng rng_;
};

}  // namespace ecsim
