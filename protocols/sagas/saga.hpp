#pragma once
// Orchestrated sagas (Garcia-Molina & Salem, 1987) over simulated services.
//
// One SagaProtocol serves every node. An orchestrator node runs each saga's
// steps in order, one request at a time, over the network; each request has
// a timeout on the orchestrator's clock and is re-sent up to `retries` times.
// A step that is declined ends the forward phase; a step that still times out
// after its retries is *in doubt* (it may have been applied) and is
// compensated too. Compensations run in reverse order and are re-sent until
// acknowledged. They are forward actions, not undos: a refund is a credit, a
// shipment is returned, a released reservation adds units back (so it is
// correct whatever others reserved in the meantime).
//
// Request ids are (saga, step). With idempotency the service records the
// outcome of every request id it has seen and answers duplicates from that
// record; a compensation that arrives before (or instead of) its forward
// action is recorded too, so a late forward request is refused rather than
// applied after its own compensation. Without idempotency every delivered
// request takes effect.
//
// With a durable log the orchestrator's saga records survive a crash (not
// `lose_state`), and on restart it resumes every unfinished saga by
// re-sending its current request. Without one, a crash forgets them.
//
// Stock (a reserve step with several nodes): `eventual` — each replica
// decides on its own view (initial stock minus the reservations it knows
// of) and replicas exchange per-origin counters every stock_sync; `quorum` —
// the first replica orders every stock change and acknowledges it once a
// majority of the replicas stored it (no leader failover is modelled).
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "protocols/sagas/config.hpp"
#include "protocols/sagas/events.hpp"
#include "sim/channel.hpp"
#include "sim/protocol.hpp"
#include "sim/scenario.hpp"

namespace ecsim {

class Simulator;

class SagaProtocol final : public Protocol {
 public:
  enum MessageType : std::uint16_t { request = 1, reply = 2, stock_sync = 3, stock_replicate = 4, stock_ack = 5 };
  enum Result : std::uint64_t { ok = 0, declined = 1, out_of_stock = 2, refused = 3 };

  explicit SagaProtocol(const Scenario& scenario);
  // Where this module\'s observations go (its checker and traces subscribe).
  Channel<SagaEvent>& events() { return events_; }
  std::string_view name() const override { return "saga"; }
  void on_start(Context& ctx) override;
  void on_message(Context& ctx, const Message& msg) override;
  void on_timer(Context& ctx, std::uint32_t tag) override;
  void on_crash(Context& ctx, bool lose_state) override;
  // Every saga's progress, the services' records, stock counters and replicated stock operations.
  bool hash_state(StateHasher& h) const override;

  // Saga `id` (1-based) arrives from a client at its orchestrator, ctx.node().
  void submit(Context& ctx, std::uint64_t id, std::uint32_t product);
  NodeId orchestrator_of(std::uint64_t id) const;
  // Modelled wire sizes.
  static constexpr std::uint32_t kRequestBytes = 64;
  static constexpr std::uint32_t kReplyBytes = 48;

 private:
  enum class Phase : std::uint8_t { unknown, forward, compensating, done };
  struct Saga {
    Phase phase = Phase::unknown;
    std::uint8_t timer_gen = 0;
    std::uint32_t step = 0;
    std::uint32_t attempts = 0;  // sends of the current request
    std::uint32_t product = 0;
  };
  // A service's record of one request id (idempotency).
  enum class Record : std::uint8_t { none, applied, declined, out_of_stock, compensated, voided };
  struct Entry {
    Record state = Record::none;
    std::uint64_t op = 0;  // quorum stock: the op whose commit the reply waits for (1-based), 0 = none
  };
  struct StockOp {
    std::uint32_t product = 0;
    std::int64_t delta = 0;
    std::uint64_t saga = 0;
    std::uint32_t step = 0;
    bool compensation = false;
    NodeId reply_to = kNoNode;
    std::uint64_t acks = 0;  // bit r: replica r stored it
    bool committed = false;
  };

  void send_current(Context& ctx, std::uint64_t id, bool resend);
  void begin_compensation(Context& ctx, std::uint64_t id, std::int64_t from_step);
  void finish(Context& ctx, std::uint64_t id, SagaOutcome outcome);
  void on_reply(Context& ctx, std::span<const std::uint64_t> w);
  void on_request(Context& ctx, NodeId from, std::span<const std::uint64_t> w);
  // Applies a forward action (compensation = false) or its compensation; returns the result.
  Result act(Context& ctx, std::uint64_t id, std::uint32_t step, bool compensation, std::uint32_t product,
             NodeId from, std::uint64_t& op_out);
  void send_reply(Context& ctx, NodeId to, std::uint64_t id, std::uint32_t step, bool compensation, Result r);
  void replicate(Context& ctx, std::uint64_t op_index, std::uint64_t to_mask);
  void maybe_commit(Context& ctx, std::uint64_t op_index);
  void emit(Context& ctx, SagaEventKind kind, std::uint64_t id, std::uint32_t step, bool compensation,
            std::string_view detail = {}, std::uint32_t product = 0, std::int64_t quantity = 0,
            SagaOutcome outcome = SagaOutcome::none);
  std::int64_t view(std::uint32_t replica, std::uint32_t product) const;
  std::int64_t& counter(std::uint32_t at, std::uint32_t product, std::uint32_t origin, bool released);
  NodeId target(std::uint64_t id, std::uint32_t step) const;
  std::uint32_t replica_index(NodeId node) const;  // index in the reserve step's nodes, or ~0u
  int orchestrator_index(NodeId node) const;       // -1 if not an orchestrator
  std::uint32_t majority() const { return static_cast<std::uint32_t>(replicas_ / 2 + 1); }

  SagaSpec spec_;
  std::int64_t reserve_step_ = -1;
  std::uint32_t replicas_ = 0;  // stock replicas (nodes of the reserve step)
  std::vector<Saga> sagas_;     // by id - 1
  std::unordered_map<std::uint64_t, Entry> entries_;  // (node, step, saga) -> record; lookups only
  // Eventual stock: counters_[at][(product * replicas + origin) * 2 + released].
  std::vector<std::vector<std::int64_t>> counters_;
  // Quorum stock: the leader's available units, its ops, followers' stored ops.
  std::vector<std::int64_t> leader_available_;
  std::vector<StockOp> ops_;
  std::uint64_t first_uncommitted_ = 0;
  std::vector<std::vector<std::uint8_t>> follower_has_;  // [replica][op index]
  std::vector<std::uint64_t> buf_;
  Channel<SagaEvent> events_;
};

// Client arrivals: saga k (1..count) arrives at its orchestrator at Poisson
// times from `start`; an orchestrator that is down rejects it.
class SagaWorkload final : public Component {
 public:
  SagaWorkload(Simulator& sim, const Scenario& scenario, SagaProtocol& saga, std::uint16_t protocol_id);
  void on_event(std::uint64_t x, std::uint32_t a) override;
  bool hash_state(StateHasher& h) const override;

 private:
  void schedule_next(std::uint64_t id, SimTime after);
  Simulator& sim_;
  const SagaSpec& spec_;
  SagaProtocol& saga_;
  std::uint16_t protocol_id_;
  std::uint16_t self_ = 0;
  Rng rng_;
};

const char* saga_action_name(SagaAction action, bool compensation);

}  // namespace ecsim
