#pragma once
// `ecsim explore`'s nemesis: which faults a run may suffer, and the fault
// schedule each run draws from its own seed (docs/EXPLORE.md#the-nemesis).
//
//   nemesis:
//     swarm: true                    # each run switches a random subset of the kinds off
//     window: [1s, 20s]              # when faults may start (default: the whole run)
//     crash:     {count: [0, 2], restart_after: [100ms, 3s], lose_state: 0.5}
//     partition: {count: [0, 2], heal_after: [100ms, 5s], oneway: 0.25}
//     flapping:  {count: [0, 1], period: [200ms, 2s], length: [1s, 5s]}
//     clock:     {count: [0, 2], offset: [-1s, 1s], drift_ppm: [-200, 200]}
//     loss:      {count: [0, 2], probability: [0.1, 0.9], length: [100ms, 3s]}
//     duplicate: {count: [0, 2], probability: [0.1, 0.9], length: [100ms, 3s]}
//
// The schedule is a list of ordinary `faults:` entries (docs/SCENARIO_REFERENCE.md#faults),
// so a failing run's scenario is a plain scenario file.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>  // only app/explore*.cpp include this header

#include "sim/rng.hpp"
#include "sim/scenario.hpp"
#include "sim/yaml_fwd.hpp"

namespace ecsim {

struct TimeRange {
  SimTime lo = 0, hi = 0;
};
struct NumberRange {
  double lo = 0, hi = 0;
};

struct NemesisKind {
  enum class Type { crash, partition, flapping, clock, loss, duplicate };
  Type type = Type::crash;
  int count_lo = 1, count_hi = 1;  // faults of this kind per run, uniform in [lo, hi]
  // crash: restart after (nullopt: never restarts); partition: heal after (nullopt: never heals)
  std::optional<TimeRange> after;
  double lose_state = 0.0;   // crash: probability that the node restarts with empty state
  double oneway = 0.0;       // partition: probability that it cuts one direction only
  TimeRange period;          // flapping
  TimeRange length;          // flapping, loss, duplicate: how long the window lasts
  TimeRange offset;          // clock: the step (may be negative)
  std::optional<NumberRange> drift_ppm;  // clock: a new drift as well
  NumberRange probability;   // loss, duplicate
  SourcePos pos;
};

struct NemesisSpec {
  std::vector<NemesisKind> kinds;  // in file order
  bool swarm = true;
  std::optional<TimeRange> window;
  SourcePos pos;
};

// The fault kinds a nemesis may name, in the order above.
const std::vector<std::string>& nemesis_kind_names();
const std::string& name_of(NemesisKind::Type type);

// Reads `nemesis:`; throws ScenarioError at file:line:col.
NemesisSpec read_nemesis(const detail::YamlReader& r, const detail::YamlValue& v);

// One run's schedule, drawn from `rng`: the kinds swarm testing left on
// (all of them without swarm), and the faults as `faults:` entries sorted by
// time, on nodes `nodes` within [0, duration].
struct FaultSchedule {
  std::vector<std::string> kinds_on;
  std::vector<YAML::Node> faults;
};
FaultSchedule draw_schedule(const NemesisSpec& spec, const std::vector<std::string>& nodes, SimTime duration, Rng& rng);

}  // namespace ecsim
