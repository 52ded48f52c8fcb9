// OpStats against hand-computed cases: latency percentiles of a handful of
// operations, and which operations count as invoked during a partition
// (partition..heal, flapping cuts, nesting, a partition still in force at
// the end). Callbacks are called on the OpStats object itself.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string_view>
#include <vector>

#include "test_util.hpp"
#include "analysis/op_stats.hpp"

using namespace ecsim;

namespace {

constexpr SimTime kMs = 1'000'000;
constexpr SimTime kS = 1'000'000'000;

OpRecord op(SimTime invoke, SimTime complete, bool ok) {
  OpRecord r;
  r.client = "c0";
  r.op = "read";
  r.key = "k0";
  r.invoke_ns = invoke;
  r.complete_ns = complete;
  r.ok = ok;
  return r;
}

}  // namespace

TEST_CASE("OpStats: latency p50/p99/max of five operations", "[op_stats]") {
  OpStats s;
  // Latencies 4, 1, 100, 3, 2 ms (out of order on purpose), all successful,
  // plus one failed op of 1000 ms that must not count.
  s.on_op(op(0, 4 * kMs, true));
  s.on_op(op(10 * kMs, 11 * kMs, true));
  s.on_op(op(20 * kMs, 120 * kMs, true));
  s.on_op(op(30 * kMs, 33 * kMs, true));
  s.on_op(op(40 * kMs, 42 * kMs, true));
  s.on_op(op(50 * kMs, 1050 * kMs, false));
  const OpStatsResult r = s.finish(2 * kS);
  // Sorted: 1, 2, 3, 4, 100 ms. Linear interpolation between closest ranks
  // (rank h = (n - 1) p): p50 -> h = 2 -> 3 ms; p99 -> h = 3.96 -> 4 + 0.96 * (100 - 4) = 96.16 ms.
  CHECK(r.latency_p50_s == Approx(0.003));
  CHECK(r.latency_p99_s == Approx(0.09616));
  CHECK(r.latency_max_s == Approx(0.100));
  // No partition at all: nothing invoked during one, the fraction is NaN.
  CHECK(r.partition_ops == 0);
  CHECK(r.partition_failed == 0);
  CHECK(std::isnan(r.partition_failed_fraction()));
}

TEST_CASE("OpStats: no successful op gives NaN latencies", "[op_stats]") {
  OpStats s;
  s.on_op(op(0, kMs, false));
  const OpStatsResult r = s.finish(kS);
  CHECK(std::isnan(r.latency_p50_s));
  CHECK(std::isnan(r.latency_p99_s));
  CHECK(std::isnan(r.latency_max_s));
  const OpStatsResult none = OpStats().finish(0);
  CHECK(std::isnan(none.latency_p50_s));
}

TEST_CASE("OpStats: operations invoked during a partition", "[op_stats]") {
  OpStats s;
  // Partitions in force (hand-derived from the fault sequence below):
  //   [10 s, 20 s)  partition .. heal
  //   [30 s, 35 s)  flap_cut .. flap_heal
  //   [40 s, 60 s)  partition, flap_cut (nested), flap_heal (partition still
  //                 in force), heal (heal ends every cut)
  //   loss_start/loss_end at 62/64 s are not partitions
  //   [70 s, end)   partition never healed; end = 80 s
  s.on_fault(10 * kS, FaultEventKind::partition, "n0 | n1");
  s.on_fault(20 * kS, FaultEventKind::heal, "all");
  s.on_fault(30 * kS, FaultEventKind::flap_cut, "flapping n0 | n1");
  s.on_fault(35 * kS, FaultEventKind::flap_heal, "flapping n0 | n1");
  s.on_fault(40 * kS, FaultEventKind::partition, "n0 | n1");
  s.on_fault(45 * kS, FaultEventKind::flap_cut, "flapping n1 | n2");
  s.on_fault(50 * kS, FaultEventKind::flap_heal, "flapping n1 | n2");
  s.on_fault(60 * kS, FaultEventKind::heal, "all");
  s.on_fault(62 * kS, FaultEventKind::loss_start, "loss 0.5");
  s.on_fault(64 * kS, FaultEventKind::loss_end, "loss 0.5");
  s.on_fault(70 * kS, FaultEventKind::partition, "n0 | n1");
  // Ops by invocation time (latency 1 ms), ok or failed:
  struct Case {
    SimTime at;
    bool ok;
    bool during;  // invoked while a partition was in force (by hand)
  };
  const Case cases[] = {
      {5 * kS, false, false},        // before any partition
      {10 * kS, true, true},         // at the partition instant: in force from then
      {15 * kS, false, true},        //
      {20 * kS, false, false},       // at the heal: over (end exclusive)
      {32 * kS, false, true},        // flapping cut
      {36 * kS, true, false},        // between flaps
      {52 * kS, false, true},        // after the nested flap healed, the partition holds
      {61 * kS, true, false},        // healed
      {63 * kS, false, false},       // loss window only
      {75 * kS, false, true},        // partition in force until the end
  };
  for (const Case& c : cases) s.on_op(op(c.at, c.at + kMs, c.ok));
  const OpStatsResult r = s.finish(80 * kS);
  // During: 10 (ok), 15 (failed), 32 (failed), 52 (failed), 75 (failed): 5 ops, 4 failed.
  CHECK(r.partition_ops == 5);
  CHECK(r.partition_failed == 4);
  CHECK(r.partition_failed_fraction() == Approx(0.8));
  // Latency over the 3 successful ops, all 1 ms.
  CHECK(r.latency_p50_s == Approx(0.001));
  CHECK(r.latency_max_s == Approx(0.001));
}

TEST_CASE("OpStats: a partition still in force at the end ends there", "[op_stats]") {
  OpStats s;
  s.on_fault(10 * kS, FaultEventKind::partition, "n0 | n1");
  s.on_op(op(12 * kS, 13 * kS, false));
  // Invoked at the end given to finish (the end is at or after every
  // observation): not during [10 s, 20 s).
  s.on_op(op(20 * kS, 20 * kS, false));
  const OpStatsResult r = s.finish(20 * kS);
  CHECK(r.partition_ops == 1);
  CHECK(r.partition_failed == 1);
  CHECK(r.partition_failed_fraction() == 1.0);
}

// `ecsim analyze` keeps the latencies of a big history in a file and selects
// the quantiles from it (radix selection). Checked against the sorted
// values: the order statistics at numpy's ranks (p50 of n values: ranks
// floor(h), floor(h)+1 with h = (n-1)/2), and against the in-memory OpStats.
TEST_CASE("OpStats: latencies spilled to a file give the in-memory quantiles exactly", "[op_stats]") {
  const auto dir = ecsim::test::fresh_dir("op_stats", "spill");
  struct Case {
    const char* name;
    std::size_t n;
    SimTime (*latency)(std::uint64_t i, std::uint64_t random);
  };
  // Few distinct values in 1.2M ops: the selection narrows down to a single
  // value; spread over 40 bits: it sorts the few left in a 16-bit bucket.
  const Case cases[] = {
      {"1.2M ops, 1000 distinct latencies", 1'200'000, [](std::uint64_t i, std::uint64_t) { return SimTime((i * 7919) % 1000); }},
      {"300k ops over 40 bits", 300'000, [](std::uint64_t, std::uint64_t r) { return SimTime(r >> 24); }},
      {"one op", 1, [](std::uint64_t, std::uint64_t) { return SimTime(5 * kMs); }},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    OpStats memory, spilled;
    spilled.spill_latencies((dir / "latency.bin").string());
    std::vector<SimTime> sorted;
    std::uint64_t x = 88172645463325252ULL;  // xorshift64
    for (std::uint64_t i = 0; i < c.n; ++i) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      const SimTime latency = c.latency(i, x);
      const OpRecord r = op(kS, kS + latency, true);
      memory.on_op(r);
      spilled.on_op(r);
      sorted.push_back(latency);
    }
    std::sort(sorted.begin(), sorted.end());
    const OpStatsResult a = memory.finish(2 * kS), b = spilled.finish(2 * kS);
    const double h50 = static_cast<double>(c.n - 1) * 0.5;
    const auto lo = static_cast<std::size_t>(h50);
    const double p50 = lo + 1 < c.n ? to_seconds(sorted[lo]) + (h50 - lo) * (to_seconds(sorted[lo + 1]) - to_seconds(sorted[lo]))
                                    : to_seconds(sorted[lo]);
    CHECK(a.latency_p50_s == Approx(p50).epsilon(1e-12));
    CHECK(b.latency_p50_s == a.latency_p50_s);  // bit for bit
    CHECK(b.latency_p99_s == a.latency_p99_s);
    CHECK(b.latency_max_s == a.latency_max_s);
    CHECK(b.latency_max_s == to_seconds(sorted.back()));
  }
  CHECK(std::filesystem::is_empty(dir));  // the spill file is unlinked as soon as it is open
}
