#pragma once
// Typed observations of the reconciliation job and the copies it repairs.
// The module's protocol publishes them on a Channel (sim/channel.hpp); its
// checker builds its verdicts from them alone, never from protocol state, so
// the same checker could read a trace recorded from a real system.
#include <cstdint>

#include "sim/time.hpp"

namespace ecsim {

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

}  // namespace ecsim
