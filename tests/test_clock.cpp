// NodeClocks: offset, drift, steps and drift changes, with hand-computed
// readings (drift d ppm over T ns of true time adds T * d / 1e6 ns).
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>

#include "sim/clock.hpp"
#include "sim/rng.hpp"

using namespace ecsim;

namespace {

NodeClocks make_clocks(std::size_t nodes, double skew_ns, double drift_ppm) {
  ClockSpec spec;
  spec.skew = Distribution::constant(skew_ns);
  spec.drift_ppm = Distribution::constant(drift_ppm);
  return NodeClocks(nodes, spec, Rng(1));
}

}  // namespace

TEST_CASE("clock offset is constant without drift", "[clock]") {
  NodeClocks c = make_clocks(3, 5.0 * kMillisecond, 0.0);
  for (NodeId n = 0; n < 3; ++n) {
    CHECK(c.local(n, 0) == 5 * kMillisecond);
    CHECK(c.local(n, 7 * kSecond + 3) == 7 * kSecond + 3 + 5 * kMillisecond);
    CHECK(c.offset(n, 123 * kSecond) == 5 * kMillisecond);
  }
}

TEST_CASE("clock skew is drawn per node from the distribution", "[clock]") {
  ClockSpec spec;
  spec.skew.kind = Distribution::Kind::uniform;
  spec.skew.a = -50.0 * kMillisecond;
  spec.skew.b = 50.0 * kMillisecond;
  NodeClocks c(100, spec, Rng(9));
  SimTime lo = kSecond, hi = -kSecond;
  for (NodeId n = 0; n < 100; ++n) {
    const SimTime off = c.offset(n, 0);
    CHECK(off >= -50 * kMillisecond);
    CHECK(off <= 50 * kMillisecond);
    lo = std::min(lo, off);
    hi = std::max(hi, off);
  }
  // 100 uniform draws over 100 ms: the spread is far above 50 ms (P(fail) ~ 1e-28).
  CHECK(hi - lo > 50 * kMillisecond);
}

TEST_CASE("clock drift: +100 ppm over 10 s of true time is +1 ms", "[clock]") {
  NodeClocks c = make_clocks(2, 0.0, 100.0);
  CHECK(c.local(0, 10 * kSecond) == 10 * kSecond + kMillisecond);
  CHECK(c.local(0, 1 * kSecond) == kSecond + 100 * kMicrosecond);
  CHECK(c.offset(1, 100 * kSecond) == 10 * kMillisecond);

  NodeClocks slow = make_clocks(1, 0.0, -100.0);
  CHECK(slow.local(0, 10 * kSecond) == 10 * kSecond - kMillisecond);

  // Offset and drift add: 5 ms + 1 ms.
  NodeClocks both = make_clocks(1, 5.0 * kMillisecond, 100.0);
  CHECK(both.local(0, 10 * kSecond) == 10 * kSecond + 6 * kMillisecond);
  CHECK(both.drift_ppm(0) == 100.0);
}

TEST_CASE("true_duration inverts the local rate", "[clock]") {
  SECTION("hand-computed") {
    NodeClocks none = make_clocks(1, 0.0, 0.0);
    CHECK(none.true_duration(0, kSecond) == kSecond);
    // 1e9 / 1.0001 = 999900009.9990..., rounded up so the local clock has
    // advanced at least the requested amount when the timer fires.
    NodeClocks fast = make_clocks(1, 0.0, 100.0);
    CHECK(fast.true_duration(0, kSecond) == 999'900'010);
    // 1e9 / 0.9999 = 1000100010.0010...
    NodeClocks slow = make_clocks(1, 0.0, -100.0);
    CHECK(slow.true_duration(0, kSecond) == 1'000'100'011);
    // +100 ppm: 10.001 s of local time take exactly 10 s of true time.
    CHECK(fast.true_duration(0, 10 * kSecond + kMillisecond) == 10 * kSecond);
  }
  SECTION("smallest true duration after which the local clock advanced by at least d") {
    Rng rng(5);
    int failures = 0;
    for (int i = 0; i < 20'000; ++i) {
      const double drift = rng.uniform(-500.0, 500.0);
      NodeClocks c = make_clocks(1, 0.0, drift);
      const SimTime d = static_cast<SimTime>(rng.below(std::uint64_t{1} << (1 + rng.below(40))));
      const SimTime t = c.true_duration(0, d);
      const SimTime base = c.local(0, 0);
      if (c.local(0, t) - base < d) ++failures;                // not early
      if (t > 0 && c.local(0, t - 1) - base >= d) ++failures;  // not late
      // From an arbitrary instant inside the segment, integer readings can
      // differ from the exact rate by at most 1 ns either way.
      const SimTime t0 = static_cast<SimTime>(rng.below(std::uint64_t{1} << 40));
      const SimTime advanced = c.local(0, t0 + t) - c.local(0, t0);
      if (advanced < d - 1 || advanced > d + 1) ++failures;
    }
    CHECK(failures == 0);
  }
}

TEST_CASE("clock step is relative to the current reading", "[clock]") {
  NodeClocks c = make_clocks(2, 5.0 * kMillisecond, 0.0);
  c.step(0, 2 * kSecond, 300 * kMillisecond);
  CHECK(c.local(0, 2 * kSecond) == 2 * kSecond + 305 * kMillisecond);
  CHECK(c.local(0, 3 * kSecond) == 3 * kSecond + 305 * kMillisecond);
  c.step(0, 4 * kSecond, -100 * kMillisecond);
  CHECK(c.local(0, 4 * kSecond) == 4 * kSecond + 205 * kMillisecond);
  CHECK(c.offset(0, 9 * kSecond) == 205 * kMillisecond);
  // Other nodes untouched.
  CHECK(c.offset(1, 9 * kSecond) == 5 * kMillisecond);

  // With drift: 10 s at +100 ppm = 10.001 s; step back 1 ms; drift continues.
  NodeClocks d = make_clocks(1, 0.0, 100.0);
  d.step(0, 10 * kSecond, -kMillisecond);
  CHECK(d.local(0, 10 * kSecond) == 10 * kSecond);
  CHECK(d.local(0, 20 * kSecond) == 20 * kSecond + kMillisecond);
  CHECK(d.drift_ppm(0) == 100.0);
}

TEST_CASE("set_drift changes the rate without a jump", "[clock]") {
  NodeClocks c = make_clocks(1, 0.0, 100.0);
  const SimTime before = c.local(0, 10 * kSecond - 1);
  const SimTime at = c.local(0, 10 * kSecond);
  CHECK(at == 10 * kSecond + kMillisecond);
  c.set_drift(0, 10 * kSecond, -100.0);
  CHECK(c.drift_ppm(0) == -100.0);
  CHECK(c.local(0, 10 * kSecond) == at);  // continuity at the change
  const SimTime after = c.local(0, 10 * kSecond + 1);
  CHECK(after - at >= 0);
  CHECK(after - at <= 1);
  CHECK(at - before >= 0);
  CHECK(at - before <= 2);
  // 10 s more at -100 ppm: 10.001 s + 9.999 s = 20 s.
  CHECK(c.local(0, 20 * kSecond) == 20 * kSecond);
  // The new rate applies to timers too.
  CHECK(c.true_duration(0, kSecond) == 1'000'100'011);
}
