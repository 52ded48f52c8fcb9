#pragma once
// Timestamps for last-writer-wins: physical (the node's local clock), Lamport
// counters, and hybrid logical clocks (Kulkarni et al., 2014: "Logical
// Physical Clocks and Consistent Snapshots in Globally Distributed Databases").
#include <cstdint>

#include "sim/time.hpp"

namespace ecsim {

struct Timestamp {
  std::int64_t wall = 0;     // physical ns (physical, HLC l) or Lamport counter
  std::uint32_t logical = 0; // HLC c; 0 otherwise
  friend bool operator==(const Timestamp&, const Timestamp&) = default;
  friend bool operator<(const Timestamp& a, const Timestamp& b) {
    return a.wall < b.wall || (a.wall == b.wall && a.logical < b.logical);
  }
};

// HLC rules from Kulkarni et al., Fig. 5.
struct HybridClock {
  Timestamp state;
  // Local or send event at physical time pt.
  Timestamp tick(std::int64_t pt) {
    const std::int64_t l = state.wall > pt ? state.wall : pt;
    state.logical = (l == state.wall) ? state.logical + 1 : 0;
    state.wall = l;
    return state;
  }
  // Receive event carrying m at physical time pt.
  Timestamp receive(const Timestamp& m, std::int64_t pt) {
    std::int64_t l = state.wall > m.wall ? state.wall : m.wall;
    if (pt > l) l = pt;
    if (l == state.wall && l == m.wall)
      state.logical = (state.logical > m.logical ? state.logical : m.logical) + 1;
    else if (l == state.wall)
      state.logical = state.logical + 1;
    else if (l == m.wall)
      state.logical = m.logical + 1;
    else
      state.logical = 0;
    state.wall = l;
    return state;
  }
};

// Lamport (1978): tick on local events, max on receive.
struct LamportClock {
  std::int64_t counter = 0;
  Timestamp tick() { return Timestamp{++counter, 0}; }
  void receive(const Timestamp& m) {
    if (m.wall > counter) counter = m.wall;
  }
};

}  // namespace ecsim
