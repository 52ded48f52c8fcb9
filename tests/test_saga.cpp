// Sagas, hand-computed: a failure at each step gives exactly the right
// compensations in reverse order at the right simulated times; in-doubt
// steps are compensated; idempotency under duplicated delivery; crash and
// resume of the orchestrator with and without a durable saga log.
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "protocols/sagas/config.hpp"
#include "protocols/sagas/checker.hpp"
#include "protocols/sagas/saga.hpp"
#include "sim/fault_injector.hpp"
#include "sim/simulator.hpp"

using namespace ecsim;

namespace {

constexpr SimTime ms = kMillisecond;

// n0 orchestrator; inventory on n1, payment on n2, shipping on n3; every
// link 1 ms one way, so a request and its reply take 2 ms.
Scenario saga_scenario(std::int64_t count) {
  Scenario s;
  s.name = "saga-test";
  s.seed = 7;
  s.duration_ns = 10 * kSecond;
  s.topology.nodes = 4;
  for (int i = 0; i < 4; ++i) s.topology.node_names.push_back("n" + std::to_string(i));
  s.topology.node_region.assign(4, 0);
  s.topology.latency = Distribution::constant(1.0 * ms);
  SagaSpec sp;
  sp.orchestrators = {0};
  sp.steps = {{"inventory", SagaAction::reserve, {1}, 0.0},
              {"payment", SagaAction::charge, {2}, 0.0},
              {"shipping", SagaAction::ship, {3}, 0.0}};
  sp.count = count;
  sp.timeout_ns = 100 * ms;
  sp.retries = 3;
  sp.products = 1;
  sp.stock = 10;
  s.set_section(sp);
  return s;
}

// Every saga observation as text, in order: "t_ms kind action@node".
struct Recorder final {
  const SagaSpec* spec = nullptr;
  std::vector<std::string> applied;  // "reserve@1", "refund@2", ...
  std::vector<SimTime> applied_at;
  std::vector<std::string> all;
  void on_saga(const SagaEvent& e) {
    if (e.kind == SagaEventKind::applied) {
      applied.push_back(fmt::format("{}@{}", e.detail, e.node));
      applied_at.push_back(e.time);
    }
    all.push_back(fmt::format("{} saga{} step{} {} {}", e.time, e.saga, e.step, static_cast<int>(e.kind), e.detail));
  }
};

// Submits saga i+1 at times[i] (exactly, unlike the Poisson workload).
struct Submitter final : Component {
  Simulator& sim;
  SagaProtocol& saga;
  std::uint16_t pid;
  std::uint16_t self;
  Submitter(Simulator& s, SagaProtocol& g, std::uint16_t p, const std::vector<SimTime>& times)
      : sim(s), saga(g), pid(p), self(s.add_component(this)) {
    for (std::size_t i = 0; i < times.size(); ++i) sim.schedule(times[i], self, i + 1, 0, true);
  }
  void on_event(std::uint64_t id, std::uint32_t) override {
    const NodeId o = saga.orchestrator_of(id);
    if (!sim.node_up(o)) return;
    Context ctx(sim, o, pid);
    saga.submit(ctx, id, 0);
  }
};

struct Run {
  explicit Run(Scenario s) : scenario(std::move(s)) {}
  Scenario scenario;
  Recorder rec;
  SagaTotals totals;
  std::vector<SagaRow> rows;
};

void run(Run& r, const std::vector<SimTime>& submit_at) {
  Simulator sim(r.scenario);
  SagaProtocol saga(r.scenario);
  const std::uint16_t pid = sim.add_protocol(&saga);
  SagaChecker checker(*r.scenario.section<SagaSpec>());
  saga.events().subscribe([&](const SagaEvent& e) { checker.on_saga(e); });
  r.rec.spec = &*r.scenario.section<SagaSpec>();
  saga.events().subscribe([&](const SagaEvent& e) { r.rec.on_saga(e); });
  FaultInjector faults(sim, r.scenario);
  Submitter submitter(sim, saga, pid, submit_at);
  RunOptions options;
  options.end_ns = r.scenario.duration_ns;
  sim.run(options);
  r.totals = checker.totals();
  r.rows = checker.rows();
}

FaultSpec crash(NodeId node, SimTime at, SimTime restart_after = -1) {
  FaultSpec f;
  f.kind = FaultSpec::Kind::crash;
  f.node = node;
  f.at_ns = at;
  f.restart_after_ns = restart_after;
  return f;
}

}  // namespace

TEST_CASE("saga without failures commits: three actions, no compensation", "[saga]") {
  Run r(saga_scenario(1));
  run(r, {10 * ms});
  CHECK(r.rec.applied == std::vector<std::string>{"reserve@1", "charge@2", "ship@3"});
  CHECK(r.rec.applied_at == std::vector<SimTime>{11 * ms, 13 * ms, 15 * ms});
  REQUIRE(r.rows.size() == 1);
  CHECK(r.rows[0].outcome == "committed");
  CHECK(r.rows[0].steps_done == 3);
  CHECK(r.rows[0].compensations == 0);
  CHECK(r.rows[0].start_ns == 10 * ms);
  CHECK(r.rows[0].end_ns == 16 * ms);  // last reply back at the orchestrator
  CHECK(r.rows[0].atomic);
  CHECK(r.totals.committed == 1);
  CHECK(r.totals.not_atomic == 0);
  CHECK(r.totals.sold_units == 1);
}

TEST_CASE("a failure at each step compensates exactly the steps before it, in reverse order", "[saga]") {
  struct Case {
    std::size_t failing;
    std::vector<std::string> applied;
    std::vector<SimTime> at;
    SimTime end;
  };
  // Submitted at 10 ms. Each request reaches its service 1 ms after it is
  // sent; the reply is back 1 ms later and the next request leaves at once.
  const std::vector<Case> cases = {
      {0, {}, {}, 12 * ms},
      {1, {"reserve@1", "release@1"}, {11 * ms, 15 * ms}, 16 * ms},
      {2, {"reserve@1", "charge@2", "refund@2", "release@1"}, {11 * ms, 13 * ms, 17 * ms, 19 * ms}, 20 * ms},
  };
  for (const Case& c : cases) {
    INFO("failing step " << c.failing);
    Run r(saga_scenario(1));
    r.scenario.mutable_section<SagaSpec>()->steps[c.failing].fail = 1.0;
    run(r, {10 * ms});
    CHECK(r.rec.applied == c.applied);
    CHECK(r.rec.applied_at == c.at);
    REQUIRE(r.rows.size() == 1);
    CHECK(r.rows[0].outcome == "compensated");
    CHECK(r.rows[0].failed_step == r.scenario.mutable_section<SagaSpec>()->steps[c.failing].service);
    CHECK(r.rows[0].failure == "declined");
    CHECK(r.rows[0].steps_done == c.failing);
    CHECK(r.rows[0].compensations == c.failing);
    CHECK(r.rows[0].end_ns == c.end);
    CHECK(r.rows[0].atomic);
    CHECK(r.totals.sold_units == 0);  // the reservation was released
    CHECK(r.totals.not_atomic == 0);
  }
}

TEST_CASE("a step that times out is in doubt: it is compensated too, and a late request is refused", "[saga]") {
  // Shipping (n3) is down from 0 to 1 s. Ship is sent at 14 ms and re-sent
  // at 114, 214, 314 ms (retries: 3); at 414 ms it is in doubt. Its
  // compensation is re-sent every 100 ms until n3 is back: the one sent at
  // 1014 ms lands at 1015 ms as a no-op (ship never happened), then the
  // refund and the release run.
  Run r(saga_scenario(1));
  r.scenario.faults.push_back(crash(3, 0, kSecond));
  run(r, {10 * ms});
  CHECK(r.rec.applied == std::vector<std::string>{"reserve@1", "charge@2", "refund@2", "release@1"});
  CHECK(r.rec.applied_at == std::vector<SimTime>{11 * ms, 13 * ms, 1017 * ms, 1019 * ms});
  REQUIRE(r.rows.size() == 1);
  CHECK(r.rows[0].outcome == "compensated");
  CHECK(r.rows[0].failed_step == "shipping");
  CHECK(r.rows[0].failure == "timeout");
  // 3 forward re-sends, then the compensation sent at 414 ms and re-sent at
  // 514 .. 1014 ms (6 times).
  CHECK(r.rows[0].retries == 3 + 6);
  CHECK(r.rows[0].end_ns == 1020 * ms);
  CHECK(r.rows[0].atomic);
}

TEST_CASE("idempotency under duplicated delivery: every request twice, every action once", "[saga]") {
  Run on(saga_scenario(20));
  on.scenario.network.duplicate = 1.0;
  on.scenario.mutable_section<SagaSpec>()->steps[2].fail = 0.5;  // some sagas compensate
  std::vector<SimTime> times;
  for (int i = 0; i < 20; ++i) times.push_back((10 + 50 * i) * ms);
  on.scenario.mutable_section<SagaSpec>()->stock = 100;
  run(on, times);
  REQUIRE(on.totals.submitted == 20);
  CHECK(on.totals.committed + on.totals.compensated == 20);
  CHECK(on.totals.compensated > 0);
  CHECK(on.totals.committed > 0);
  CHECK(on.totals.double_charges == 0);
  CHECK(on.totals.double_refunds == 0);
  CHECK(on.totals.not_atomic == 0);
  // Every request was delivered twice: one copy applied, the other suppressed.
  std::uint64_t requests = 0;
  for (const SagaRow& row : on.rows) {
    // committed: 3 requests; compensated at shipping: 3 forward + 2 compensations.
    requests += row.outcome == "committed" ? 3 : 5;
    CHECK(row.duplicates_suppressed == (row.outcome == "committed" ? 3u : 5u));
    CHECK(row.charges == 1);
    CHECK(row.refunds == (row.outcome == "committed" ? 0u : 1u));
  }
  CHECK(on.totals.duplicates_suppressed == requests);
  CHECK(on.totals.sold_units == static_cast<std::int64_t>(on.totals.committed));

  // The same run without idempotency: each copy takes effect.
  Run off(on.scenario);
  off.scenario.mutable_section<SagaSpec>()->idempotency = false;
  run(off, times);
  CHECK(off.totals.double_charges == 20);
  CHECK(off.totals.double_refunds == off.totals.compensated);
  CHECK(off.totals.double_refunds > 0);
  CHECK(off.totals.duplicates_suppressed == 0);
  // Charged twice, refunded twice: net zero for compensated sagas, but a
  // committed saga charged twice is not atomic.
  CHECK(off.totals.partial >= off.totals.committed);
  CHECK(off.totals.committed > 0);
}

TEST_CASE("orchestrator crash mid-saga: a durable log resumes it, without one it is stuck", "[saga]") {
  // Submitted at 10 ms: reserve applied at 11 ms, its reply due at 12 ms.
  // The orchestrator crashes at 11.5 ms and restarts at 61.5 ms.
  for (bool durable : {true, false}) {
    INFO("durable_log " << durable);
    Run r(saga_scenario(1));
    r.scenario.mutable_section<SagaSpec>()->durable_log = durable;
    FaultSpec f = crash(0, 11 * ms + ms / 2, 50 * ms);
    r.scenario.faults.push_back(f);
    run(r, {10 * ms});
    REQUIRE(r.rows.size() == 1);
    if (durable) {
      // Resumed at 61.5 ms by re-sending reserve: the service recognises
      // the request id, answers from its record, and the saga goes on.
      CHECK(r.rec.applied == std::vector<std::string>{"reserve@1", "charge@2", "ship@3"});
      CHECK(r.rec.applied_at == std::vector<SimTime>{11 * ms, 64 * ms + ms / 2, 66 * ms + ms / 2});
      CHECK(r.rows[0].outcome == "committed");
      CHECK(r.rows[0].retries == 1);
      CHECK(r.rows[0].duplicates_suppressed == 1);
      CHECK(r.totals.recovered == 1);
      CHECK(r.totals.stuck == 0);
      CHECK(r.totals.not_atomic == 0);
    } else {
      CHECK(r.rec.applied == std::vector<std::string>{"reserve@1"});
      CHECK(r.rows[0].outcome == "stuck");
      CHECK(r.totals.stuck == 1);
      CHECK(r.totals.partial == 1);  // a reservation held forever
      CHECK(r.totals.not_atomic == 1);
      CHECK(r.totals.sold_units == 1);
    }
  }
}

TEST_CASE("a release is a credit: correct whatever was reserved in the meantime", "[saga]") {
  // Stock 2. Saga 1 reserves at 11 ms and fails at shipping; saga 2 reserves
  // at 13 ms, between saga 1's reservation and its release (19 ms), and
  // commits. Restoring a snapshot taken before saga 1 ("undo") would put the
  // stock back to 2 and lose saga 2's unit; the credit leaves 1.
  Run r(saga_scenario(2));
  r.scenario.mutable_section<SagaSpec>()->stock = 2;
  r.scenario.mutable_section<SagaSpec>()->steps[2].fail = 0.5;
  // Find a seed where saga 1 fails and saga 2 does not: the failure draw is
  // part of the run, so check the outcome rather than assume it.
  bool found = false;
  for (std::uint64_t seed = 1; seed < 64 && !found; ++seed) {
    Run t(r.scenario);
    t.scenario.seed = seed;
    run(t, {10 * ms, 12 * ms});
    if (t.rows.size() == 2 && t.rows[0].outcome == "compensated" && t.rows[1].outcome == "committed") {
      found = true;
      CHECK(t.totals.sold_units == 1);
      CHECK(t.totals.min_available == 0);
      CHECK(t.totals.oversold_units == 0);
    }
  }
  CHECK(found);
}
