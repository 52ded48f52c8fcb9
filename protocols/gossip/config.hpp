#pragma once
// protocols.gossip: the section this module owns (loaded by config.cpp).
#include <string_view>

#include "sim/section.hpp"
#include "sim/time.hpp"

namespace ecsim {

enum class GossipMode { push, pull, push_pull };

struct GossipSpec : SectionValue {
  static constexpr std::string_view kPath = "protocols.gossip";
  SimTime interval_ns = kSecond;
  int fanout = 1;
  GossipMode mode = GossipMode::push_pull;
  bool aligned_phase = false;  // phase: aligned | random (default)
};

SectionDef gossip_section();

}  // namespace ecsim
