#pragma once
// What `ecsim-check` and `ecsim analyze` give the history checks
// (analysis/stream_check.hpp) that analysis/ may not have itself: a progress
// line on stderr and a wall clock (analysis/ reads no clock:
// scripts/check-determinism-rules.sh).
#include <string>

#include "analysis/history.hpp"  // ProgressFn

namespace ecsim {

// On a terminal one line "LABEL: PHASE NN%" redrawn at most ten times a
// second and cleared at the end; otherwise (a log, a CI job) a line at every
// 10% of a phase once the work has taken 2 s. `enabled` false: nothing.
ProgressFn stderr_progress(std::string label, bool tty, bool enabled);

// Seconds on a steady wall clock (for HistoryCheckOptions::clock_s).
double wall_seconds();

}  // namespace ecsim
