#pragma once
// event_log: the section this module owns (loaded by config.cpp). Times are
// integer nanoseconds, nodes are ids (docs/SAGAS.md).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sim/section.hpp"
#include "sim/time.hpp"

namespace ecsim {

// How an event-log replica turns its log into state.
enum class EventOrder : std::uint8_t { timestamp, arrival };

struct EventLogSpec : SectionValue {
  static constexpr std::string_view kPath = "event_log";
  std::vector<NodeId> replicas;   // default: every node
  SimTime interval_ns = 500 * kMillisecond;  // log-summary exchange period, per replica
  int fanout = 1;
  double events_per_s = 20.0;     // appends in total (Poisson), each at a random live replica
  SimTime start_ns = 0;
  SimTime stop_ns = -1;           // -1 = until the end of the run
  int entities = 8;               // accounts e0 .. e{entities-1}
  EventOrder order = EventOrder::timestamp;
};

SectionDef event_log_section();

}  // namespace ecsim
