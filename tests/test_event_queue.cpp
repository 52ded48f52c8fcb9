// EventQueue (radix heap with FIFO buckets): pops by time, equal times in
// push order. Checked by hand on small cases and against a reference model
// (std::multimap, whose insert places equal keys after existing ones, so
// begin() is "earliest time, first pushed") over long random sequences with
// pushes interleaved with pops.
#include <catch2/catch.hpp>

#include <cstdint>
#include <map>
#include <utility>
#include <vector>

#include "sim/event_queue.hpp"
#include "sim/rng.hpp"

using ecsim::Event;
using ecsim::EventKind;
using ecsim::EventQueue;
using ecsim::SimTime;

namespace {

Event ev(SimTime t, std::uint64_t id) { return Event{t, id, static_cast<std::uint32_t>(id * 7), EventKind::timer, static_cast<std::uint16_t>(id & 0xFFFF)}; }

std::vector<std::pair<SimTime, std::uint64_t>> drain(EventQueue& q) {
  std::vector<std::pair<SimTime, std::uint64_t>> out;
  while (!q.empty()) {
    const Event e = q.pop();
    out.emplace_back(e.time, e.x);
  }
  return out;
}

// Randomised differential test. `delta` draws how far past the last popped
// time a new event lands (the radix heap's monotone precondition).
template <typename DeltaFn>
void run_against_model(std::uint64_t seed, int operations, DeltaFn delta) {
  ecsim::Rng rng(seed);
  EventQueue q;
  std::multimap<SimTime, std::uint64_t> model;
  SimTime last_popped = 0;
  std::uint64_t next_id = 1;
  std::uint64_t mismatches = 0;
  std::uint64_t pops = 0;
  for (int op = 0; op < operations; ++op) {
    // Slightly more pushes than pops so the queue grows and shrinks in phases.
    const bool push = model.empty() || rng.below(100) < 55;
    if (push) {
      const SimTime t = last_popped + delta(rng);
      q.push(ev(t, next_id));
      model.emplace(t, next_id);
      ++next_id;
    } else {
      const auto expected = *model.begin();
      model.erase(model.begin());
      if (q.next_time() != expected.first) ++mismatches;
      const Event e = q.pop();
      ++pops;
      if (e.time != expected.first || e.x != expected.second) ++mismatches;
      // Payload fields travel intact through bucket moves.
      if (e.a != static_cast<std::uint32_t>(e.x * 7) || e.d != static_cast<std::uint16_t>(e.x & 0xFFFF) ||
          e.kind != EventKind::timer)
        ++mismatches;
      last_popped = e.time;
    }
    if (q.size() != model.size()) ++mismatches;
  }
  // Drain the rest.
  while (!model.empty()) {
    const auto expected = *model.begin();
    model.erase(model.begin());
    const Event e = q.pop();
    ++pops;
    if (e.time != expected.first || e.x != expected.second) ++mismatches;
  }
  CHECK(q.empty());
  CHECK(q.pushed_total() == next_id - 1);
  CHECK(pops == next_id - 1);
  CHECK(mismatches == 0);
}

}  // namespace

TEST_CASE("event queue pops in nondecreasing time, FIFO among equal times", "[event_queue]") {
  EventQueue q;
  // ids: 1..6 with times 5,3,5,1,3,5
  const SimTime times[] = {5, 3, 5, 1, 3, 5};
  for (std::uint64_t i = 0; i < 6; ++i) q.push(ev(times[i], i + 1));
  CHECK(q.size() == 6);
  CHECK(q.next_time() == 1);
  const std::vector<std::pair<SimTime, std::uint64_t>> expected{{1, 4}, {3, 2}, {3, 5}, {5, 1}, {5, 3}, {5, 6}};
  CHECK(drain(q) == expected);
  CHECK(q.pushed_total() == 6);
}

TEST_CASE("event queue keeps push order for equal times pushed at different moments", "[event_queue]") {
  EventQueue q;
  q.push(ev(10, 1));
  q.push(ev(20, 2));
  q.push(ev(1000, 3));
  REQUIRE(q.pop().x == 1);  // now = 10
  q.push(ev(20, 4));        // same time as id 2, pushed later
  q.push(ev(15, 5));
  q.push(ev(10, 6));        // at the current time: next, before 15
  q.push(ev(1000, 7));
  REQUIRE(q.pop().x == 6);
  REQUIRE(q.pop().x == 5);  // now = 15
  q.push(ev(20, 8));
  REQUIRE(q.pop().x == 2);  // now = 20
  q.push(ev(20, 9));        // pushed while draining time 20: after 4 and 8
  q.push(ev(1000, 10));
  const std::vector<std::pair<SimTime, std::uint64_t>> expected{{20, 4}, {20, 8}, {20, 9}, {1000, 3}, {1000, 7}, {1000, 10}};
  CHECK(drain(q) == expected);
}

TEST_CASE("event queue handles large and zero times", "[event_queue]") {
  EventQueue q;
  const SimTime big = SimTime{1} << 62;
  q.push(ev(big, 1));
  q.push(ev(0, 2));
  q.push(ev(big - 1, 3));
  q.push(ev(big, 4));
  q.push(ev(0, 5));
  const std::vector<std::pair<SimTime, std::uint64_t>> expected{{0, 2}, {0, 5}, {big - 1, 3}, {big, 1}, {big, 4}};
  CHECK(drain(q) == expected);
}

TEST_CASE("event queue matches a multimap model: spread keys", "[event_queue]") {
  // Deltas of every magnitude from 0 to 2^40 ns: exercises all bucket levels.
  run_against_model(1, 100'000, [](ecsim::Rng& rng) -> SimTime {
    const unsigned bits = static_cast<unsigned>(rng.below(41));
    return static_cast<SimTime>(rng.next_u64() & ((std::uint64_t{1} << bits) - 1));
  });
}

TEST_CASE("event queue matches a multimap model: heavily tied keys", "[event_queue]") {
  // A handful of distinct future instants, so most pushes tie with earlier
  // pushes made at other moments (including at the current time).
  run_against_model(2, 100'000, [](ecsim::Rng& rng) -> SimTime {
    return static_cast<SimTime>(rng.below(4)) * 1000;
  });
  run_against_model(3, 100'000, [](ecsim::Rng& rng) -> SimTime {
    return rng.below(3) == 0 ? 0 : 1;
  });
}

TEST_CASE("event queue: peeking does not commit, so earlier pushes still pop first", "[event_queue]") {
  // The run(until) pattern: peek (or a refused pop_not_after), then push an
  // event earlier than the peeked one but not before the last popped time.
  EventQueue q;
  q.push(ev(100, 1));
  CHECK(q.next_time() == 100);
  Event e{};
  CHECK_FALSE(q.pop_not_after(75, e));
  CHECK(q.size() == 1);
  q.push(ev(80, 2));
  CHECK(q.next_time() == 80);
  q.push(ev(100, 3));  // ties with 1, pushed later
  REQUIRE(q.pop_not_after(200, e));
  CHECK(e.time == 80);
  CHECK(e.x == 2);
  const std::vector<std::pair<SimTime, std::uint64_t>> expected{{100, 1}, {100, 3}};
  CHECK(drain(q) == expected);
  CHECK_FALSE(q.pop_not_after(1000, e));  // empty
}

TEST_CASE("event queue: pop_not_after pops exactly the due events", "[event_queue]") {
  EventQueue q;
  for (std::uint64_t i = 0; i < 6; ++i) q.push(ev(static_cast<SimTime>(10 * (i % 3)), i));  // 0,10,20,0,10,20
  Event e{};
  std::vector<std::uint64_t> ids;
  while (q.pop_not_after(10, e)) ids.push_back(e.x);
  CHECK(ids == std::vector<std::uint64_t>{0, 3, 1, 4});
  CHECK(q.next_time() == 20);
  CHECK(q.size() == 2);
  q.push(ev(10, 6));  // at the last popped time: due, before 20
  REQUIRE(q.pop_not_after(10, e));
  CHECK(e.x == 6);
  CHECK_FALSE(q.pop_not_after(19, e));
  REQUIRE(q.pop_not_after(20, e));
  CHECK(e.x == 2);
}

TEST_CASE("event queue matches a multimap model with peeks and refused pops between pushes", "[event_queue]") {
  // Like run_against_model, but pops go through pop_not_after with a random
  // limit, and peeks are interleaved; pushes land anywhere at or after the
  // last popped time, so often before a time that was peeked or refused.
  for (std::uint64_t seed : {11, 12, 13}) {
    ecsim::Rng rng(seed);
    EventQueue q;
    std::multimap<SimTime, std::uint64_t> model;
    SimTime last_popped = 0;
    std::uint64_t next_id = 1, mismatches = 0, refused = 0;
    for (int op = 0; op < 100'000; ++op) {
      const auto r = rng.below(100);
      if (model.empty() || r < 40) {  // fewer pushes than pops: the queue stays short, often empty
        const unsigned bits = static_cast<unsigned>(rng.below(seed == 13 ? 4 : 24));
        const SimTime t = last_popped + static_cast<SimTime>(rng.next_u64() & ((std::uint64_t{1} << bits) - 1));
        q.push(ev(t, next_id));
        model.emplace(t, next_id++);
      } else if (r < 55) {
        if (q.next_time() != model.begin()->first) ++mismatches;
      } else {
        const std::uint64_t span = seed == 13 ? 16 : std::uint64_t{1} << 24;  // about the push spread
        const SimTime limit = last_popped + static_cast<SimTime>(rng.below(span)) - static_cast<SimTime>(span / 16);
        Event e{};
        const bool due = model.begin()->first <= limit;
        if (q.pop_not_after(limit, e) != due) ++mismatches;
        if (due) {
          const auto expected = *model.begin();
          model.erase(model.begin());
          if (e.time != expected.first || e.x != expected.second) ++mismatches;
          last_popped = e.time;
        } else {
          ++refused;
        }
      }
      if (q.size() != model.size()) ++mismatches;
    }
    while (!model.empty()) {
      const auto expected = *model.begin();
      model.erase(model.begin());
      const Event e = q.pop();
      if (e.time != expected.first || e.x != expected.second) ++mismatches;
    }
    CHECK(q.empty());
    INFO("refused " << refused);
    CHECK(refused > 1000);  // the refused-pop path was exercised
    CHECK(mismatches == 0);
  }
}

TEST_CASE("event queue: pending_in_order lists exactly what the pops then return, in that order", "[event_queue]") {
  // State hashing reads the queue without popping it; its list must be the
  // pop order, ties included, wherever the events sit (current bucket,
  // several levels, multi-block buckets).
  for (const std::uint64_t seed : {1, 2, 3}) {
    ecsim::Rng rng(seed);
    EventQueue q;
    std::uint64_t id = 0;
    SimTime now = 0;
    for (int step = 0; step < 5000; ++step) {
      if (q.empty() || rng.below(100) < 60) {
        const SimTime delta = seed == 3 ? static_cast<SimTime>(rng.below(3)) * 7
                                        : static_cast<SimTime>(rng.next_u64() & ((std::uint64_t{1} << rng.below(30)) - 1));
        q.push(ev(now + delta, ++id));
      } else {
        now = q.pop().time;
      }
    }
    std::vector<std::pair<SimTime, std::uint64_t>> listed;
    for (const Event& e : q.pending_in_order()) listed.emplace_back(e.time, e.x);
    REQUIRE(listed.size() == q.size());
    CHECK(listed == drain(q));
  }
}
