// ConvergenceTracker against a hand-worked sequence of observations: which
// states the live replicas hold, when a key converges and when each write
// becomes visible, across a crash and a restart. The tracker recycles a
// state's slot once no replica refers to it; a crashed replica still refers
// to what it held, and must come back holding that, not a newer state.
#include <catch2/catch.hpp>

#include <vector>

#include "analysis/convergence.hpp"

using namespace ecsim;

namespace {

constexpr NodeId n0 = 0, n1 = 1, n2 = 2;
constexpr KeyId kX = 0;

// Write w has rank w and digest 10 + w; it is acknowledged when accepted.
struct Driver {
  ConvergenceTracker c{3, false};

  void write(SimTime t, NodeId node, WriteId w) {
    c.on_write_accepted(t, node, kX, w, rank(w), 1);
    c.on_applied(t, node, kX, digest(w), rank(w), w);
    OpRecord r;
    r.ok = true;
    r.is_write = true;
    r.key_id = kX;
    r.write = w;
    r.complete_ns = t;
    c.on_op(r);
  }
  void apply(SimTime t, NodeId node, WriteId w) { c.on_applied(t, node, kX, digest(w), rank(w), w); }
  static StateRank rank(WriteId w) { return StateRank{w, 0}; }
  static std::uint64_t digest(WriteId w) { return 10 + w; }
};

}  // namespace

TEST_CASE("convergence: a replica down while two newer writes spread comes back behind", "[convergence]") {
  Driver d;
  d.write(1, n0, 1);
  d.apply(2, n2, 1);
  d.c.on_node(3, n2, NodeEventKind::crash, false);
  d.apply(4, n1, 1);  // both live replicas hold w1: visible at 4, converged
  CHECK(d.c.converged());
  d.write(5, n0, 2);
  d.apply(6, n1, 2);  // w2 visible at 6; only the crashed n2 still holds w1
  d.write(7, n1, 3);
  d.apply(8, n0, 3);  // w3 visible at 8
  CHECK(d.c.converged());
  d.c.on_node(9, n2, NodeEventKind::restart, false);
  // n2 holds w1, the others w3: one divergent key, one replica behind.
  CHECK_FALSE(d.c.converged());
  CHECK(d.c.divergent_keys() == 1);
  CHECK(d.c.replicas_behind() == 1);
  d.apply(10, n2, 3);
  CHECK(d.c.converged());
  CHECK(d.c.replicas_behind() == 0);
  // From the later of the last acknowledged write (7) and the restart (9) to 10.
  CHECK(d.c.convergence_time_s() == Approx(1e-9));
  // Acknowledged at 1, 5, 7; visible at 4, 6, 8.
  const std::vector<double> delays = d.c.visibility_delays_s();
  REQUIRE(delays.size() == 3);
  CHECK(delays[0] == Approx(3e-9));
  CHECK(delays[1] == Approx(1e-9));
  CHECK(delays[2] == Approx(1e-9));
  CHECK(d.c.writes_never_visible() == 0);
}
