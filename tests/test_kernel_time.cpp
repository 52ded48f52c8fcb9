// Kernel time invariants: run(until) may be called repeatedly with events
// scheduled in between (peeking at the next event must not commit the queue
// to it), scheduling before now is refused, and drawn durations saturate
// instead of wrapping SimTime.
#include <catch2/catch.hpp>

#include <algorithm>
#include <compare>
#include <cstdint>
#include <ostream>
#include <limits>
#include <stdexcept>
#include <vector>

#include "sim/simulator.hpp"

using namespace ecsim;

namespace {

Scenario make_scenario(int nodes, Distribution latency, std::uint64_t seed = 1) {
  Scenario s;
  s.name = "kernel-time-test";
  s.seed = seed;
  s.topology.nodes = nodes;
  s.topology.graph = GraphKind::complete;
  s.topology.latency = latency;
  for (int i = 0; i < nodes; ++i) s.topology.node_names.push_back("n" + std::to_string(i));
  s.topology.node_region.assign(static_cast<std::size_t>(nodes), 0);
  return s;
}

// One component event as it fired: (time, id). A struct rather than a pair
// so Catch prints it on failure.
struct Fired {
  SimTime time;
  std::uint64_t id;
  friend bool operator==(const Fired&, const Fired&) = default;
  friend auto operator<=>(const Fired&, const Fired&) = default;
  friend std::ostream& operator<<(std::ostream& os, const Fired& f) { return os << "(" << f.time << ", " << f.id << ")"; }
};
using Seen = std::vector<Fired>;

// Records every component event it receives.
struct Recorder final : Component {
  Simulator* sim = nullptr;
  Seen seen;
  void on_event(std::uint64_t x, std::uint32_t) override { seen.push_back({sim->now(), x}); }
};

struct Fixture {
  Scenario scenario = make_scenario(1, Distribution::constant(0.0));
  Simulator sim{scenario};
  Recorder rec;
  std::uint16_t comp;
  Fixture() {
    rec.sim = &sim;
    comp = sim.add_component(&rec);
  }
  void at(SimTime t, std::uint64_t id) { sim.schedule(t, comp, id, 0, false); }
  StopReason run(SimTime until) { return sim.run(RunOptions{until, {}, {}}); }
};

}  // namespace

TEST_CASE("run(until) then an earlier schedule: the earlier event pops first", "[kernel_time]") {
  // The original bug: run(75) peeked at 100 and moved the radix heap's
  // reference there, so 80 (scheduled afterwards) popped after 100 and the
  // loop threw "event queue went back in time".
  Fixture f;
  f.at(100, 1);
  CHECK(f.run(75) == StopReason::duration);
  CHECK(f.sim.now() == 75);
  f.at(80, 2);
  CHECK(f.run(200) == StopReason::queue_empty);
  CHECK(f.rec.seen == Seen{{80, 2}, {100, 1}});
  CHECK(f.sim.now() == 100);
}

TEST_CASE("run(until) in steps with interleaved schedules keeps time order and FIFO among ties", "[kernel_time]") {
  Fixture f;
  f.at(1000, 1);
  f.at(100, 2);
  CHECK(f.run(50) == StopReason::duration);
  f.at(100, 3);   // ties with 2, pushed later
  f.at(60, 4);
  f.at(1000, 5);  // ties with 1
  CHECK(f.run(60) == StopReason::duration);  // 60 is due: runs up to and including it
  CHECK(f.rec.seen == Seen{{60, 4}});
  f.at(60, 6);    // at now: still due in the next run
  f.at(99, 7);
  CHECK(f.run(99) == StopReason::duration);
  CHECK(f.rec.seen == Seen{{60, 4}, {60, 6}, {99, 7}});
  f.at(99, 8);    // at now again, after 99 was already popped
  f.at(100, 9);
  CHECK(f.run(500) == StopReason::duration);
  f.at(999, 10);
  f.at(1000, 11);
  CHECK(f.run(5000) == StopReason::queue_empty);
  const Seen expected{{60, 4}, {60, 6}, {99, 7}, {99, 8}, {100, 2}, {100, 3}, {100, 9},
                      {999, 10}, {1000, 1}, {1000, 5}, {1000, 11}};
  CHECK(f.rec.seen == expected);
}

TEST_CASE("many run(until) slices with interleaved schedules pop in (time, schedule order)", "[kernel_time]") {
  // Waves of events at a few distinct offsets (many ties, some at exactly
  // now) are scheduled between run(until) slices. Every event is scheduled
  // at or after now and ids grow with scheduling order, so the only correct
  // pop order is all events sorted by (time, id).
  Fixture f;
  Rng rng(9);
  Seen all;
  std::uint64_t id = 0;
  auto wave = [&](SimTime from) {
    for (int i = 0; i < 20; ++i) {
      const SimTime t = from + static_cast<SimTime>(rng.below(8)) * 37;
      f.at(t, id);
      all.push_back({t, id++});
    }
  };
  wave(0);
  for (SimTime t = 10; t <= 400; t += 10) {
    CHECK(f.run(t) == StopReason::duration);
    CHECK(f.sim.now() == t);
    wave(t);
  }
  CHECK(f.run(100'000) == StopReason::queue_empty);
  std::sort(all.begin(), all.end());
  CHECK(f.rec.seen == all);
}

TEST_CASE("run(until) earlier than now is refused", "[kernel_time]") {
  Fixture f;
  f.at(100, 1);
  f.run(50);
  CHECK_THROWS_AS(f.run(40), std::logic_error);
  CHECK(f.sim.now() == 50);
  CHECK(f.run(50) == StopReason::duration);  // until == now is fine
  CHECK(f.run(200) == StopReason::queue_empty);
  CHECK(f.rec.seen == Seen{{100, 1}});
}
