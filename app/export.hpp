#pragma once
// `ecsim export RUN_DIR --to chrome|shiviz`: a run's traces for the viewers
// people already use (docs/ANALYZE.md, "Viewing a run").
//  - chrome: the Chrome trace-event JSON (Perfetto, chrome://tracing): a track
//    per node, messages as flow arrows from send to deliver, partitions and
//    loss windows as spans on a "faults" track, crashes as spans on the node's
//    track, clock steps and drops as instant events, session violations as
//    instant events carrying their witness (the violations.csv row).
//  - shiviz: a ShiViz log, two lines per event ("HOST {vector clock}", then
//    the description), vector timestamps from the run's causality: each node
//    ticks its own entry at every event, a delivery merges the sender's clock
//    at the send.
// Reads RUN_DIR/events.csv (required), violations.csv (if present) and
// scenario.resolved.yaml (node order). Writes atomically.
#include <string>
#include <vector>

namespace ecsim {

int export_command(const std::vector<std::string>& args);

// The converters, on a run directory; return the file's text.
std::string chrome_trace_json(const std::string& run_dir);
std::string shiviz_log(const std::string& run_dir);

// The regular expression to paste into ShiViz for shiviz_log's output.
inline constexpr const char* kShivizRegex = R"((?<host>\S*) (?<clock>{.*})\n(?<event>.*))";

}  // namespace ecsim
