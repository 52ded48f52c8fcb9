// Hybrid logical clocks (Kulkarni et al., 2014, Fig. 5) and Lamport clocks.
// Hand-computed steps of the algorithm, then random runs checked against the
// paper's properties: timestamps strictly increase at a node, l >= pt,
// a receive is later than the message, and l equals the largest physical
// time in the event's causal past (computed here by a separate model).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "protocols/core/logical_clock.hpp"
#include "sim/rng.hpp"

using namespace ecsim;

namespace {
Timestamp ts(std::int64_t l, std::uint32_t c) { return Timestamp{l, c}; }
}  // namespace

TEST_CASE("timestamps order by l, then c", "[hlc]") {
  CHECK(ts(1, 5) < ts(2, 0));
  CHECK(ts(2, 0) < ts(2, 1));
  CHECK_FALSE(ts(2, 1) < ts(2, 1));
  CHECK_FALSE(ts(3, 0) < ts(2, 9));
  CHECK(ts(-5, 0) < ts(0, 0));
}

TEST_CASE("HLC send/local event rule", "[hlc]") {
  // l' = l; l = max(l', pt); c = (l == l') ? c + 1 : 0
  HybridClock h;
  CHECK(h.tick(10) == ts(10, 0));  // pt ahead: take pt, reset c
  CHECK(h.tick(10) == ts(10, 1));  // pt equal: l unchanged, c + 1
  CHECK(h.tick(5) == ts(10, 2));   // pt behind: l unchanged, c + 1
  CHECK(h.tick(11) == ts(11, 0));  // pt ahead again
  CHECK(h.state == ts(11, 0));
}

TEST_CASE("HLC receive rule, every branch", "[hlc]") {
  // l = max(l', l.m, pt);
  // c = l == l' == l.m ? max(c', c.m) + 1 : l == l' ? c' + 1 : l == l.m ? c.m + 1 : 0
  HybridClock h;
  h.state = ts(10, 2);
  CHECK(h.receive(ts(20, 5), 12) == ts(20, 6));   // message's l largest: c.m + 1
  CHECK(h.receive(ts(20, 3), 15) == ts(20, 7));   // all equal, own c larger: c' + 1
  CHECK(h.receive(ts(20, 9), 15) == ts(20, 10));  // all equal, message's c larger: c.m + 1
  CHECK(h.receive(ts(18, 50), 19) == ts(20, 11)); // own l largest: c' + 1 (message's c ignored)
  CHECK(h.receive(ts(21, 4), 30) == ts(30, 0));   // pt largest: reset
  CHECK(h.receive(ts(30, 0), 30) == ts(30, 1));   // pt == l' == l.m: max(0, 0) + 1
  CHECK(h.receive(ts(25, 7), 30) == ts(30, 2));   // pt == l' > l.m: c' + 1
  CHECK(h.state == ts(30, 2));

  // A node whose physical clock lags receives from a faster node, then
  // counts in c until its own pt passes l, which resets c.
  HybridClock slow;
  CHECK(slow.tick(0) == ts(0, 1));  // initial (0,0): pt = 0 equals l
  CHECK(slow.receive(ts(10, 0), 1) == ts(10, 1));
  CHECK(slow.tick(2) == ts(10, 2));
  CHECK(slow.tick(3) == ts(10, 3));
  CHECK(slow.tick(11) == ts(11, 0));
}

TEST_CASE("HLC properties under random runs with backwards-stepping physical clocks", "[hlc]") {
  constexpr int kNodes = 5;
  Rng rng(17);
  struct Node {
    HybridClock clock;
    std::int64_t pt = 0;          // physical clock, may step back
    std::int64_t max_pt_seen = 0; // model: max pt over the causal past
    Timestamp last{};
    bool started = false;
  };
  std::vector<Node> nodes(kNodes);
  struct InFlight {
    NodeId to;
    Timestamp ts;
    std::int64_t max_pt;
  };
  std::vector<InFlight> in_flight;
  std::int64_t true_time = 0;
  int not_increasing = 0, below_pt = 0, receive_not_later = 0, l_mismatch = 0;

  auto check_event = [&](Node& n, const Timestamp& t) {
    if (n.started && !(n.last < t)) ++not_increasing;
    if (t.wall < n.pt) ++below_pt;
    if (t.wall != n.max_pt_seen) ++l_mismatch;
    if (!(n.clock.state == t)) ++not_increasing;
    n.last = t;
    n.started = true;
  };

  for (int step = 0; step < 50'000; ++step) {
    true_time += static_cast<std::int64_t>(rng.below(20));
    const auto action = rng.below(3);
    if (action == 0 || in_flight.empty()) {
      // Local or send event at a random node. Physical time: true time plus
      // a per-node skew, sometimes stepped back.
      const NodeId i = static_cast<NodeId>(rng.below(kNodes));
      Node& n = nodes[i];
      n.pt = true_time + static_cast<std::int64_t>(i) * 37 - (rng.below(50) == 0 ? 500 : 0);
      if (rng.below(200) == 0) n.pt -= 5000;  // NTP-style big backwards step
      n.max_pt_seen = std::max(n.max_pt_seen, n.pt);
      const Timestamp t = n.clock.tick(n.pt);
      check_event(n, t);
      if (action != 0 || rng.below(2) == 0) {
        const NodeId to = static_cast<NodeId>(rng.below(kNodes));
        in_flight.push_back(InFlight{to, t, n.max_pt_seen});
      }
    } else {
      // Deliver a random in-flight message (arbitrary reordering).
      const std::size_t k = rng.below(in_flight.size());
      const InFlight m = in_flight[k];
      in_flight.erase(in_flight.begin() + static_cast<std::ptrdiff_t>(k));
      Node& r = nodes[m.to];
      r.pt = true_time + static_cast<std::int64_t>(m.to) * 37;
      r.max_pt_seen = std::max({r.max_pt_seen, r.pt, m.max_pt});
      const Timestamp t = r.clock.receive(m.ts, r.pt);
      if (!(m.ts < t)) ++receive_not_later;
      check_event(r, t);
    }
  }
  CHECK(not_increasing == 0);
  CHECK(below_pt == 0);
  CHECK(receive_not_later == 0);
  CHECK(l_mismatch == 0);
}

TEST_CASE("Lamport clock: tick increments, receive takes the max", "[lamport]") {
  LamportClock c;
  CHECK(c.tick() == ts(1, 0));
  CHECK(c.tick() == ts(2, 0));
  c.receive(ts(10, 0));
  CHECK(c.counter == 10);
  CHECK(c.tick() == ts(11, 0));  // later than the received timestamp
  c.receive(ts(3, 0));           // an older message does not move it back
  CHECK(c.counter == 11);
  CHECK(c.tick() == ts(12, 0));

  // Two clocks exchanging: every receive-then-tick is later than the message.
  LamportClock a, b;
  Rng rng(3);
  int violations = 0;
  for (int i = 0; i < 1000; ++i) {
    LamportClock& from = rng.below(2) ? a : b;
    LamportClock& to = (&from == &a) ? b : a;
    const Timestamp m = from.tick();
    for (auto k = rng.below(3); k > 0; --k) to.tick();
    to.receive(m);
    if (!(m < to.tick())) ++violations;
  }
  CHECK(violations == 0);
}
