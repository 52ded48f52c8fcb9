#pragma once
// Typed observations of the application patterns (issue 5): sagas, the
// reconciliation job and replicated event logs. Protocols report them
// through Context::observe(); checkers (analysis/saga_checker,
// reconciliation_checker, event_log_checker) build their verdicts from them
// alone, never from protocol state, so the same checkers could read a trace
// recorded from a real system.
#include <cstdint>
#include <span>
#include <string_view>

#include "sim/time.hpp"

namespace ecsim {

enum class SagaOutcome : std::uint8_t { none, committed, compensated };

enum class SagaEventKind : std::uint8_t {
  // Orchestrator side (node = orchestrator).
  submitted,    // the orchestrator accepted saga `saga`
  rejected,     // the saga arrived while its orchestrator was down: never started
  resent,       // a request was sent again (timeout, or resumed after a restart)
  step_failed,  // forward step `step` failed (detail: declined, out_of_stock, refused, timeout)
  recovered,    // resumed from the durable saga log after a restart
  ended,        // the orchestrator finished the saga with `outcome`
  // Service side (node = the service's node).
  applied,      // an action took effect (compensation: its compensating action)
  noop_compensation,  // a compensation for an action never applied: nothing to undo, recorded
  declined,     // a forward action was declined (detail: declined or out_of_stock)
  suppressed,   // a duplicate request recognised by its request id: not applied again
  refused,      // a forward request arriving after its compensation: refused
};

struct SagaEvent {
  SimTime time = 0;
  SagaEventKind kind = SagaEventKind::submitted;
  NodeId node = kNoNode;
  std::uint64_t saga = 0;   // 1-based
  std::uint32_t step = 0;   // index into sagas.steps
  bool compensation = false;
  SagaOutcome outcome = SagaOutcome::none;  // ended
  std::uint32_t product = 0;                // applied on a reserve step: which product
  std::int64_t quantity = 0;                //   and how many units
  std::string_view detail;
};

enum class ReconcileEventKind : std::uint8_t {
  truth,    // the source of truth set `value` to `data` (version)
  copy,     // replica `node`'s copy of `value` is now `data` (version)
  run,      // the job started a run (node = source; bytes: its scan requests)
  scan,     // the job compared `compared` values of replica `node` (bytes: the reply)
  repair,   // the job sent a repair of `value` to replica `node`: it held `found`, the truth is `data`
};

struct ReconcileEvent {
  SimTime time = 0;
  ReconcileEventKind kind = ReconcileEventKind::truth;
  NodeId node = kNoNode;
  std::uint32_t value = 0;
  std::int64_t data = 0;
  std::uint64_t version = 0;
  std::int64_t found = 0;
  std::uint64_t run = 0;
  std::uint32_t compared = 0;
  std::uint32_t bytes = 0;
};

enum class LogEventKind : std::uint8_t {
  append,  // replica `node` (index `origin`) created event (origin, seq) with `lamport`, `entity`, `amount`
  state,   // replica `node`'s log or rebuilt state changed: `state` holds its balances
};

struct LogEvent {
  SimTime time = 0;
  LogEventKind kind = LogEventKind::append;
  NodeId node = kNoNode;
  std::uint32_t origin = 0;  // replica index of the event's origin
  std::uint64_t seq = 0;     // per origin, from 1
  std::uint64_t lamport = 0;
  std::uint32_t entity = 0;
  std::int64_t amount = 0;   // > 0 deposit, < 0 withdrawal (applied only if the balance covers it)
  std::span<const std::int64_t> state;  // state: balances by entity (valid during the call)
  std::uint64_t held = 0;               // state: events in the replica's log
  std::uint64_t replayed = 0;           // state: events (re)applied to produce it
  bool rebuilt = false;                 // state: replayed from the start (an event sorted before the tail)
};

}  // namespace ecsim
