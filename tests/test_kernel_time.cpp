// Kernel time invariants: run(until) may be called repeatedly with events
// scheduled in between (peeking at the next event must not commit the queue
// to it), scheduling before now is refused rather than clamped, and drawn
// latencies saturate at kMaxDrawnDuration instead of wrapping SimTime.
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <compare>
#include <cstdint>
#include <limits>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
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
  // fmt, not "n" + std::to_string(i): that trips g++ 12's false -Wrestrict.
  for (int i = 0; i < nodes; ++i) s.topology.node_names.push_back(fmt::format("n{}", i));
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

namespace {

// Records when its timers fire; nothing else.
struct TimerLog final : Protocol {
  std::vector<Fired> fired;
  Simulator* sim = nullptr;
  std::string_view name() const override { return "timerlog"; }
  void on_start(Context&) override {}
  void on_timer(Context&, std::uint32_t tag) override { fired.push_back({sim->now(), tag}); }
  void on_message(Context&, const Message&) override {}
};

}  // namespace

TEST_CASE("scheduling a component event before now throws instead of clamping to now", "[kernel_time]") {
  Fixture f;
  f.at(100, 1);
  f.run(50);
  try {
    f.at(49, 2);
    FAIL("no exception");
  } catch (const std::logic_error& e) {
    CHECK(std::string(e.what()) ==
          "component event scheduled at 49 ns, before now (50 ns): the kernel never schedules into the past");
  }
  CHECK(f.sim.pending_external() == 0);  // refused before any bookkeeping
  f.at(50, 3);  // at now: allowed, fires next
  CHECK(f.run(200) == StopReason::queue_empty);
  CHECK(f.rec.seen == Seen{{50, 3}, {100, 1}});
}

TEST_CASE("a handler scheduling into the past aborts the run with logic_error", "[kernel_time]") {
  Scenario s = make_scenario(1, Distribution::constant(0.0));
  Simulator sim(s);
  struct Back final : Component {
    Simulator* sim = nullptr;
    std::uint16_t self = 0;
    void on_event(std::uint64_t, std::uint32_t) override { sim->schedule(sim->now() - 1, self, 0, 0, false); }
  } back;
  back.sim = &sim;
  back.self = sim.add_component(&back);
  sim.schedule(10, back.self, 0, 0, false);
  CHECK_THROWS_AS(sim.run(RunOptions{100, {}, {}}), std::logic_error);
}

TEST_CASE("a negative timer delay throws, zero and huge delays are fine", "[kernel_time]") {
  Scenario s = make_scenario(1, Distribution::constant(0.0));
  Simulator sim(s);
  TimerLog p;
  p.sim = &sim;
  const std::uint16_t pid = sim.add_protocol(&p);
  Context ctx(sim, 0, pid);
  ctx.set_timer(1000, 1);
  sim.run(RunOptions{1000, {}, {}});
  REQUIRE(sim.now() == 1000);
  CHECK_THROWS_AS(ctx.set_timer(-1, 9), std::logic_error);
  ctx.set_timer(0, 2);
  // now + kMaxTime would wrap negative; it saturates at kMaxTime instead.
  ctx.set_timer(kMaxTime, 3);
  CHECK(sim.run(RunOptions{kMaxTime - 1, {}, {}}) == StopReason::duration);
  CHECK(p.fired == Seen{{1000, 1}, {1000, 2}});
  CHECK(sim.run(RunOptions{kMaxTime, {}, {}}) == StopReason::queue_empty);
  CHECK(p.fired == Seen{{1000, 1}, {1000, 2}, {kMaxTime, 3}});
}

namespace {

// Node 0 sends `count` numbered messages to `to` at start; receipts are (time, number).
struct Burst final : Protocol {
  std::uint64_t count = 0;
  NodeId to = 1;
  Seen receipts;
  std::string_view name() const override { return "burst"; }
  void on_start(Context& ctx) override {
    if (ctx.node() != 0) return;
    for (std::uint64_t i = 0; i < count; ++i) ctx.send(to, 1, {&i, 1}, 8);
  }
  void on_message(Context& ctx, const Message& m) override { receipts.push_back({ctx.now(), m.words[0]}); }
  void on_timer(Context&, std::uint32_t) override {}
};

}  // namespace

TEST_CASE("latency lognormal(10ms, sigma 1000): huge draws arrive after the run, at exactly 2^62 ns", "[kernel_time]") {
  // About half the draws exceed int64 ns (many are +inf). They used to wrap to
  // INT64_MIN, a delivery in the past, and the run threw "event queue went
  // back in time" once the queue drained down to them. Now each saturates at
  // kMaxDrawnDuration: the message is simply still in flight when the run ends.
  Distribution latency;
  latency.kind = Distribution::Kind::lognormal;
  latency.a = 10.0 * kMillisecond;
  latency.b = 1000;
  const Scenario s = make_scenario(2, latency, 17);
  Simulator sim(s);
  Burst p;
  p.count = 1000;
  sim.add_protocol(&p);

  // Expected arrivals from the same stream the kernel draws latencies from
  // (no loss, no duplication: one latency draw per message, in send order).
  // Delivery order is by time, then send order.
  Rng network = Rng::stream(17, "network");
  Seen expected;
  for (std::uint64_t i = 0; i < p.count; ++i) expected.push_back({latency.sample_duration(network), i});
  std::stable_sort(expected.begin(), expected.end(), [](const Fired& a, const Fired& b) { return a.time < b.time; });
  const auto saturated = std::count_if(expected.begin(), expected.end(), [](const Fired& f) { return f.time == kMaxDrawnDuration; });
  REQUIRE(saturated > 400);  // ~48.9% by hand (tests/test_distributions.cpp)
  REQUIRE(expected.front().time >= 0);

  CHECK(sim.run(RunOptions{10 * kSecond, {}, {}}) == StopReason::duration);
  const auto late = std::find_if(expected.begin(), expected.end(), [](const Fired& f) { return f.time > 10 * kSecond; });
  CHECK(p.receipts == Seen(expected.begin(), late));
  CHECK(sim.messages_in_flight() == static_cast<std::uint64_t>(expected.end() - late));
  CHECK(sim.run(RunOptions{kMaxTime, {}, {}}) == StopReason::queue_empty);
  CHECK(p.receipts == expected);
  CHECK(sim.now() == kMaxDrawnDuration);
}

TEST_CASE("multi-hop latency saturates at 2^62 ns instead of overflowing the sum", "[kernel_time]") {
  // Ring of 4 with an absurd constant link latency: 0 -> 2 is two hops of
  // 2^62 each after the clamp; their sum (2^63) would overflow SimTime.
  Scenario s = make_scenario(4, Distribution::constant(1e30));
  s.topology.graph = GraphKind::ring;
  Simulator sim(s);
  Burst p;
  p.count = 1;
  p.to = 2;
  sim.add_protocol(&p);
  CHECK(sim.run(RunOptions{kMaxTime, {}, {}}) == StopReason::queue_empty);
  CHECK(p.receipts == Seen{{kMaxDrawnDuration, 0}});
}
