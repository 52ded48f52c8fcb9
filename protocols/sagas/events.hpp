#pragma once
// Typed observations of sagas (orchestrator and service side).
// The module's protocol publishes them on a Channel (sim/channel.hpp); its
// checker builds its verdicts from them alone, never from protocol state, so
// the same checker could read a trace recorded from a real system.
#include <cstdint>

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

}  // namespace ecsim
