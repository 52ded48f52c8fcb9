// Event-log replicas: after exchanging log summaries, every replica's
// rebuilt state equals a sequential replay of the union of all appended
// events, computed here independently of the protocol and the checker.
// Applying events in arrival order (the shortcut) diverges.
#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <tuple>
#include <vector>

#include "protocols/event_log/config.hpp"
#include "protocols/event_log/checker.hpp"
#include "protocols/event_log/event_log.hpp"
#include "sim/simulator.hpp"

using namespace ecsim;

namespace {

constexpr SimTime ms = kMillisecond;

Scenario log_scenario(int replicas) {
  Scenario s;
  s.name = "event-log-test";
  s.seed = 11;
  s.duration_ns = 6 * kSecond;
  s.topology.nodes = replicas;
  for (int i = 0; i < replicas; ++i) s.topology.node_names.push_back(fmt::format("n{}", i));
  s.topology.node_region.assign(static_cast<std::size_t>(replicas), 0);
  Distribution jitter;
  jitter.kind = Distribution::Kind::uniform;
  jitter.a = 1.0 * ms;
  jitter.b = 30.0 * ms;
  s.topology.latency = jitter;
  EventLogSpec e;
  for (int i = 0; i < replicas; ++i) e.replicas.push_back(static_cast<NodeId>(i));
  e.interval_ns = 200 * ms;
  e.events_per_s = 100;
  e.stop_ns = 3 * kSecond;
  e.entities = 2;  // few accounts: many withdrawals depend on order
  s.set_section(e);
  return s;
}

// Appended events and each replica's last reported state.
struct Tap final {
  std::vector<std::tuple<std::uint64_t, std::uint32_t, std::uint64_t, std::uint32_t, std::int64_t>> appended;
  std::map<NodeId, std::vector<std::int64_t>> state;
  void on_event_log(const LogEvent& e) {
    if (e.kind == LogEventKind::append) appended.emplace_back(e.lamport, e.origin, e.seq, e.entity, e.amount);
    else state[e.node].assign(e.state.begin(), e.state.end());
  }
};

// The reference: sort by (lamport, origin, seq), fold one event at a time.
std::vector<std::int64_t> sequential_replay(std::vector<std::tuple<std::uint64_t, std::uint32_t, std::uint64_t, std::uint32_t, std::int64_t>> events,
                                            int entities) {
  std::sort(events.begin(), events.end());  // tuple order = (lamport, origin, seq, ...)
  std::vector<std::int64_t> balance(static_cast<std::size_t>(entities), 0);
  for (const auto& [lamport, origin, seq, entity, amount] : events) {
    std::int64_t& b = balance[entity];
    if (amount > 0) {
      b += amount;
    } else if (b + amount >= 0) {
      b += amount;
    }
  }
  return balance;
}

struct Outcome {
  Tap tap;
  EventLogTotals totals;
};

void run(const Scenario& s, Outcome& out, Component* (*extra)(Simulator&, EventLogProtocol&, std::uint16_t) = nullptr) {
  Simulator sim(s);
  EventLogProtocol proto(s);
  const std::uint16_t pid = sim.add_protocol(&proto);
  EventLogChecker checker(*s.section<EventLogSpec>());
  proto.events().subscribe([&](const LogEvent& e) { checker.on_event_log(e); });
  proto.events().subscribe([&](const LogEvent& e) { out.tap.on_event_log(e); });
  EventLogWorkload workload(sim, s, proto, pid);
  std::unique_ptr<Component> e(extra ? extra(sim, proto, pid) : nullptr);
  RunOptions o;
  o.end_ns = s.duration_ns;
  sim.run(o);
  out.totals = checker.totals();
}

}  // namespace

TEST_CASE("every replica's rebuilt state equals a sequential replay of the union log", "[event_log]") {
  Scenario s = log_scenario(4);
  s.network.loss = 0.1;
  Outcome out;
  run(s, out);
  const auto expected = sequential_replay(out.tap.appended, 2);
  REQUIRE(out.tap.appended.size() > 200);
  REQUIRE(out.tap.state.size() == 4);
  for (const auto& [node, state] : out.tap.state) {
    INFO("replica n" << node);
    CHECK(state == expected);
  }
  CHECK(out.totals.events == out.tap.appended.size());
  CHECK(out.totals.union_state == expected);
  CHECK(out.totals.mismatched == 0);
  CHECK(out.totals.replicas_equal);
  CHECK(out.totals.missing_events == 0);
  CHECK(out.totals.rebuilds > 0);  // jitter reordered events: the replay path ran
  CHECK(out.totals.converged_after_s < 3.0);
}

TEST_CASE("applying events in arrival order diverges from the replay", "[event_log]") {
  Scenario s = log_scenario(4);
  s.mutable_section<EventLogSpec>()->order = EventOrder::arrival;
  Outcome out;
  run(s, out);
  const auto expected = sequential_replay(out.tap.appended, 2);
  std::size_t differ = 0;
  for (const auto& [node, state] : out.tap.state) differ += state != expected;
  CHECK(differ > 0);
  CHECK(out.totals.mismatched == differ);
  CHECK(out.totals.missing_events == 0);  // the logs did converge: only the order of application differs
  CHECK(std::isnan(out.totals.converged_after_s));
}

TEST_CASE("two concurrent events, hand-computed: order decides a withdrawal", "[event_log]") {
  // At 10 ms, n0 deposits 5 into e0 and n1 withdraws 3 from e0; both get
  // Lamport time 1, so (1, n0) sorts first: deposit, then withdrawal -> 2.
  // In arrival order n1 applies its own withdrawal first (rejected: the
  // balance is 0) and then the deposit -> 5.
  for (EventOrder order : {EventOrder::timestamp, EventOrder::arrival}) {
    Scenario s = log_scenario(2);
    s.topology.latency = Distribution::constant(1.0 * ms);
    s.mutable_section<EventLogSpec>()->events_per_s = 0;
    s.mutable_section<EventLogSpec>()->order = order;
    Outcome out;
    run(s, out, [](Simulator& sim, EventLogProtocol& p, std::uint16_t pid) -> Component* {
      struct Two final : Component {
        Simulator& sim;
        EventLogProtocol& p;
        std::uint16_t pid;
        Two(Simulator& si, EventLogProtocol& pr, std::uint16_t id) : sim(si), p(pr), pid(id) {
          const std::uint16_t self = sim.add_component(this);
          sim.schedule(10 * ms, self, 0, 0, true);
          sim.schedule(10 * ms, self, 1, 0, true);
        }
        void on_event(std::uint64_t x, std::uint32_t) override {
          Context ctx(sim, static_cast<NodeId>(x), pid);
          p.append(ctx, 0, x == 0 ? 5 : -3);
        }
      };
      return new Two(sim, p, pid);
    });
    REQUIRE(out.tap.appended.size() == 2);
    CHECK(out.totals.union_state == std::vector<std::int64_t>{2, 0});
    if (order == EventOrder::timestamp) {
      CHECK(out.tap.state[0] == std::vector<std::int64_t>{2, 0});
      CHECK(out.tap.state[1] == std::vector<std::int64_t>{2, 0});
      CHECK(out.totals.mismatched == 0);
      CHECK(out.totals.rebuilds == 1);  // n1 had its withdrawal; the deposit sorts before it
    } else {
      CHECK(out.tap.state[0] == std::vector<std::int64_t>{2, 0});
      CHECK(out.tap.state[1] == std::vector<std::int64_t>{5, 0});
      CHECK(out.totals.mismatched == 1);
    }
  }
}
