#pragma once
// Periodic protocols (gossip, rumor mongering) run in rounds: one timer per
// node with period `interval_ns`.
#include <cstdint>

#include "sim/protocol.hpp"

namespace ecsim {

// The delay of a node's first round after it boots: aligned rounds start on
// the next multiple of the interval (the synchronous cycles of the epidemic
// literature); otherwise at a uniformly random phase (one draw from the
// protocol's stream).
inline SimTime first_round_delay(Context& ctx, SimTime interval_ns, bool aligned) {
  if (aligned) {
    const SimTime now = ctx.now();
    return (now % interval_ns == 0) ? 0 : interval_ns - now % interval_ns;
  }
  return static_cast<SimTime>(ctx.rng().below(static_cast<std::uint64_t>(interval_ns)));
}

}  // namespace ecsim
