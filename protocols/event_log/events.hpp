#pragma once
// Typed observations of replicated event logs.
// The module's protocol publishes them on a Channel (sim/channel.hpp); its
// checker builds its verdicts from them alone, never from protocol state, so
// the same checker could read a trace recorded from a real system.
#include <cstdint>
#include <span>

#include "sim/time.hpp"

namespace ecsim {

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
