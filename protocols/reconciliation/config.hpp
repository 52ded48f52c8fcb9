#pragma once
// reconciliation: the section this module owns (loaded by config.cpp). Times are
// integer nanoseconds, nodes are ids (docs/SAGAS.md).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sim/section.hpp"
#include "sim/time.hpp"

namespace ecsim {

struct ReconcileSpec : SectionValue {
  static constexpr std::string_view kPath = "reconciliation";
  NodeId source = 0;              // holds the source of truth and runs the job
  std::vector<NodeId> replicas;   // hold copies (default: every other node)
  int values = 100;               // v0 .. v{values-1}
  double updates_per_s = 10.0;    // changes to the source of truth (Poisson), each streamed to every replica once
  SimTime updates_start_ns = 0;
  SimTime updates_stop_ns = -1;   // -1 = until the end of the run
  double corruption_per_s = 0.0;  // spontaneous wrong copies (a replica, a value), Poisson
  bool enabled = true;            // false: no reconciliation job (the shortcut: trust the stream)
  SimTime period_ns = kSecond;    // job period on the source's clock
  int batch = 0;                  // values compared per replica per run; 0 = all
};

SectionDef reconciliation_section();

}  // namespace ecsim
