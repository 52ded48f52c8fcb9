// Loader for sagas:, reconciliation:, event_log: values, defaults, every
// class of bad input (message and exact position), --set, the resolved
// configuration round trip, and expect: metrics that need a section.
#include <catch2/catch.hpp>

#include "test_util.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include "protocols/clients/config.hpp"
#include "protocols/core/store_config.hpp"
#include "protocols/event_log/config.hpp"
#include "protocols/reconciliation/config.hpp"
#include "protocols/sagas/config.hpp"
#include "app/modules.hpp"
#include "app/runner.hpp"
#include "sim/scenario_loader.hpp"

using namespace ecsim;

namespace {

using ecsim::test::TempDir;

const std::string kBase = "name: t\nseed: 1\ntopology: {nodes: 4}\n";

Scenario load_text(const std::string& text, const LoadOptions& options = {}) {
  TempDir dir;
  return load_scenario_with_modules(dir.write("s.yaml", text), options);
}

ScenarioError error_for(const std::string& text, const LoadOptions& options = {}) {
  TempDir dir;
  const std::string file = dir.write("s.yaml", text);
  try {
    load_scenario_with_modules(file, options);
  } catch (const ScenarioError& e) {
    return e;
  }
  FAIL("expected a ScenarioError");
  throw std::logic_error("unreachable");
}

}  // namespace

TEST_CASE("sagas: defaults", "[saga][loader]") {
  const Scenario s = load_text(kBase + "sagas:\n");
  REQUIRE(s.section<SagaSpec>());
  const SagaSpec& g = *s.section<SagaSpec>();
  CHECK(g.orchestrators == std::vector<NodeId>{0});
  REQUIRE(g.steps.size() == 3);
  CHECK(g.steps[0].service == "inventory");
  CHECK(g.steps[0].action == SagaAction::reserve);
  CHECK(g.steps[0].nodes == std::vector<NodeId>{1});
  CHECK(g.steps[1].action == SagaAction::charge);
  CHECK(g.steps[1].nodes == std::vector<NodeId>{2});
  CHECK(g.steps[2].action == SagaAction::ship);
  CHECK(g.steps[2].nodes == std::vector<NodeId>{3});
  CHECK(g.count == 100);
  CHECK(g.rate_per_s == 10.0);
  CHECK(g.timeout_ns == 100 * kMillisecond);
  CHECK(g.retries == 3);
  CHECK(g.idempotency);
  CHECK(g.durable_log);
  CHECK(g.workload == SagaWorkloadKind::orders);
  CHECK(g.products == 100);
  CHECK(g.stock == 1'000'000);
  CHECK(g.stock_consistency == StockConsistency::eventual);
  CHECK(s.output.has("sagas"));
  CHECK_FALSE(s.output.has("repairs"));
  CHECK_FALSE(s.section<ReconcileSpec>());
  CHECK_FALSE(s.section<EventLogSpec>());
}

TEST_CASE("sagas: a full section", "[saga][loader]") {
  const Scenario s = load_text(
      "name: t\nseed: 1\ntopology:\n  regions: [{name: us, nodes: 3}, {name: eu, nodes: 3}]\n"
      "sagas:\n"
      "  orchestrator: [us-0, eu-0]\n"
      "  steps:\n"
      "    - {service: inventory, node: [us-1, eu-1]}\n"
      "    - {service: payment, node: us-2, fail: 0.25}\n"
      "    - {service: loyalty, node: eu-2}\n"
      "    - {service: refunds_desk, action: charge, node: eu-2}\n"
      "  count: 20\n  rate: 5/ms\n  start: 1s\n  timeout: 30ms\n  retries: 0\n"
      "  idempotency: false\n  durable_log: false\n"
      "  workload: {kind: flash_sale, stock: 7}\n  stock: quorum\n  stock_sync: 5ms\n");
  const SagaSpec& g = *s.section<SagaSpec>();
  CHECK(g.orchestrators == std::vector<NodeId>{0, 3});
  CHECK(g.steps[0].nodes == std::vector<NodeId>{1, 4});
  CHECK(g.steps[1].fail == 0.25);
  CHECK(g.steps[2].action == SagaAction::generic);
  CHECK(g.steps[3].action == SagaAction::charge);
  CHECK(g.count == 20);
  CHECK(g.rate_per_s == 5000.0);
  CHECK(g.start_ns == kSecond);
  CHECK(g.retries == 0);
  CHECK_FALSE(g.idempotency);
  CHECK_FALSE(g.durable_log);
  CHECK(g.workload == SagaWorkloadKind::flash_sale);
  CHECK(g.products == 1);  // the flash_sale default
  CHECK(g.stock == 7);
  CHECK(g.stock_consistency == StockConsistency::quorum);
  CHECK(g.stock_sync_ns == 5 * kMillisecond);
}

TEST_CASE("sagas: bad input is reported at its position with a hint", "[saga][loader]") {
  auto msg = [](const std::string& text) { return std::string(error_for(kBase + text).what()); };
  CHECK_THAT(msg("sagas: {idempotncy: true}\n"),
             Catch::Contains("s.yaml:4:9: error: unknown key 'idempotncy' in sagas (did you mean 'idempotency'?)"));
  CHECK_THAT(msg("sagas:\n  orchestrator: n9\n"),
             Catch::Contains("s.yaml:5:17: error: unknown node 'n9' in sagas.orchestrator (nodes are n0..n3)"));
  CHECK_THAT(msg("sagas:\n  stock: eventul\n"),
             Catch::Contains("5:10: error: sagas.stock: expected one of: eventual, quorum, got 'eventul' (did you mean 'eventual'?)"));
  CHECK_THAT(msg("sagas:\n  steps:\n    - {service: payment, node: [n1, n2]}\n"),
             Catch::Contains("6:32: error: sagas.steps[0].node: only a reserve step may list several nodes"));
  CHECK_THAT(msg("sagas:\n  steps:\n    - {service: payment, fail: 1.5}\n"),
             Catch::Contains("6:32: error: sagas.steps[0].fail must be a probability in [0, 1], got 1.5"));
  CHECK_THAT(msg("sagas:\n  steps:\n    - {service: payment, action: refund}\n"),
             Catch::Contains("expected one of: reserve, charge, ship, generic, got 'refund'"));
  CHECK_THAT(msg("sagas:\n  steps: [payment, payment]\n"),
             Catch::Contains("5:20: error: sagas.steps[1]: service 'payment' appears twice"));
  CHECK_THAT(msg("sagas:\n  steps: [payment]\n  workload: flash_sale\n"),
             Catch::Contains("6:13: error: sagas.workload: a flash_sale needs a reserve step"));
  CHECK_THAT(msg("sagas:\n  workload: {kind: orders, prodcts: 3}\n"),
             Catch::Contains("unknown key 'prodcts' in sagas.workload (did you mean 'products'?)"));
  CHECK_THAT(msg("sagas:\n  timeout: 0s\n"), Catch::Contains("sagas.timeout must be positive"));
  CHECK_THAT(msg("sagas:\n  count: 2000000\n"), Catch::Contains("sagas.count must be between 0 and 1000000"));
  CHECK_THAT(msg("sagas:\n  start: 90s\n"), Catch::Contains("sagas.start (90s) is after duration 60s"));
  CHECK_THAT(msg("sagas: {steps: []}\n"), Catch::Contains("sagas.steps must list at least one step"));
  // Services keep their database: losing it is not modelled, and said so at the fault.
  CHECK_THAT(msg("faults:\n  - {at: 1s, crash: n2, lose_state: true}\nsagas:\n"),
             Catch::Contains("s.yaml:5:5: error: crash of n2 with lose_state: true is not modelled"));
  CHECK_THAT(msg("sagas:\n  steps: [{service: a, node: n1}, {service: b, action: reserve, node: n2}, {service: c, action: reserve}]\n"),
             Catch::Contains("only one reserve step is supported"));
}

TEST_CASE("reconciliation and event_log: values, defaults and errors", "[reconciliation][event_log][loader]") {
  const Scenario s = load_text(kBase +
                               "reconciliation: {source: n1, values: 50, updates: 0/s, corruption: 2/s, period: 250ms, batch: 10}\n"
                               "event_log: {replicas: [n0, n2, n3], interval: 100ms, events: 5/s, stop: 10s, entities: 3, order: arrival}\n");
  REQUIRE(s.section<ReconcileSpec>());
  CHECK(s.section<ReconcileSpec>()->source == 1);
  CHECK(s.section<ReconcileSpec>()->replicas == std::vector<NodeId>{0, 2, 3});  // every other node
  CHECK(s.section<ReconcileSpec>()->values == 50);
  CHECK(s.section<ReconcileSpec>()->updates_per_s == 0.0);
  CHECK(s.section<ReconcileSpec>()->corruption_per_s == 2.0);
  CHECK(s.section<ReconcileSpec>()->period_ns == 250 * kMillisecond);
  CHECK(s.section<ReconcileSpec>()->batch == 10);
  CHECK(s.section<ReconcileSpec>()->enabled);
  REQUIRE(s.section<EventLogSpec>());
  CHECK(s.section<EventLogSpec>()->replicas == std::vector<NodeId>{0, 2, 3});
  CHECK(s.section<EventLogSpec>()->order == EventOrder::arrival);
  CHECK(s.section<EventLogSpec>()->stop_ns == 10 * kSecond);
  CHECK(s.output.has("repairs"));

  const Scenario d = load_text(kBase + "event_log:\n");
  CHECK(d.section<EventLogSpec>()->replicas == std::vector<NodeId>{0, 1, 2, 3});
  CHECK(d.section<EventLogSpec>()->order == EventOrder::timestamp);

  auto msg = [](const std::string& text) { return std::string(error_for(kBase + text).what()); };
  CHECK_THAT(msg("reconciliation: {source: n0, replicas: [n0, n1]}\n"),
             Catch::Contains("reconciliation.replicas: the source n0 cannot also be a replica"));
  CHECK_THAT(msg("reconciliation: {values: 10, batch: 11}\n"),
             Catch::Contains("reconciliation.batch must be between 0 and 10, got 11"));
  CHECK_THAT(msg("reconciliation: {updates_start: 5s, updates_stop: 2s}\n"),
             Catch::Contains("reconciliation.updates_stop (2s) is before updates_start (5s)"));
  CHECK_THAT(msg("reconciliation: {perod: 1s}\n"),
             Catch::Contains("4:18: error: unknown key 'perod' in reconciliation (did you mean 'period'?)"));
  CHECK_THAT(msg("reconciliation: {source: [n0, n1]}\n"), Catch::Contains("reconciliation.source: expected a node name, got a list"));
  CHECK_THAT(msg("event_log: {order: timestmp}\n"),
             Catch::Contains("event_log.order: expected one of: timestamp, arrival, got 'timestmp' (did you mean 'timestamp'?)"));
  CHECK_THAT(msg("event_log: {replicas: [n0, nn1]}\n"), Catch::Contains("unknown node 'nn1' in event_log.replicas[1]"));
  CHECK_THAT(msg("faults:\n  - {at: 1s, crash: n0, lose_state: true}\nreconciliation:\n"),
             Catch::Contains("the reconciliation source of truth is durable"));
  CHECK_THAT(msg("faults:\n  - {at: 1s, crash: n3, lose_state: true}\nevent_log:\n"),
             Catch::Contains("an event-log replica's log is its durable state"));
  // A replica of the reconciliation may lose its disk: the job rebuilds it.
  CHECK_NOTHROW(load_text(kBase + "faults:\n  - {at: 1s, crash: n3, lose_state: true}\nreconciliation:\n"));
}

TEST_CASE("pattern sections: --set, traces and the resolved configuration round trip", "[saga][loader]") {
  LoadOptions o;
  o.overrides = {"sagas.idempotency=false", "sagas.stock=quorum", "reconciliation.period=3s"};
  const Scenario s = load_text(kBase + "sagas: {count: 5}\nreconciliation:\n", o);
  CHECK_FALSE(s.section<SagaSpec>()->idempotency);
  CHECK(s.section<SagaSpec>()->stock_consistency == StockConsistency::quorum);
  CHECK(s.section<ReconcileSpec>()->period_ns == 3 * kSecond);
  LoadOptions bad;
  bad.overrides = {"sagas.retries=-1"};
  CHECK_THAT(error_for(kBase + "sagas:\n", bad).what(), Catch::Contains("--set:1:15: error: sagas.retries must be between 0 and 1000"));

  const Scenario t = load_text(kBase + "sagas:\noutput: {traces: [summary, sagas]}\n");
  CHECK(t.output.traces == std::vector<std::string>{"summary", "sagas"});
  CHECK_THAT(error_for(kBase + "output: {traces: [sags]}\n").what(), Catch::Contains("did you mean 'sagas'?"));

  const std::string full = kBase +
                           "sagas:\n  orchestrator: [n0, n1]\n  steps: [{service: inventory, node: [n1, n2]}, {service: pay, action: charge, fail: 0.125}]\n"
                           "  workload: {kind: flash_sale, stock: 9}\n  stock: quorum\n  idempotency: false\n"
                           "reconciliation: {source: n3, replicas: [n0, n1], updates_stop: 20s, enabled: false, batch: 3}\n"
                           "event_log: {replicas: [n1, n2], fanout: 2, stop: 7s, order: arrival}\n";
  const Scenario a = load_text(full);
  const std::string resolved = resolved_config_yaml(a);
  CHECK_THAT(resolved, Catch::Contains("sagas:"));
  CHECK_THAT(resolved, Catch::Contains("{service: pay, action: charge, node: [n2], fail: 0.125}"));
  const Scenario b = load_text(resolved);
  CHECK(resolved_config_yaml(b) == resolved);
  CHECK(b.section<SagaSpec>()->steps[0].nodes == std::vector<NodeId>{1, 2});
  CHECK(b.section<ReconcileSpec>()->updates_stop_ns == 20 * kSecond);
  CHECK(b.section<EventLogSpec>()->fanout == 2);
}

TEST_CASE("expect: pattern metrics need their section", "[saga][loader]") {
  const Scenario with = load_text(kBase + "sagas:\nchecks: {expect: [\"sagas.stuck == 0\", \"payments.double_refunds == 0\"]}\n");
  CHECK_NOTHROW(check_runnable(with));
  const Scenario without = load_text(kBase + "checks:\n  expect: [\"sagas.stuck == 0\"]\n");
  CHECK_THROWS_WITH(check_runnable(without), Catch::Contains("s.yaml:5:12: error: expect: metric 'sagas.stuck' needs a 'sagas:' section"));
  const Scenario typo = load_text(kBase + "sagas:\nchecks:\n  expect: [\"sagas.stuk == 0\"]\n");
  CHECK_THROWS_WITH(check_runnable(typo), Catch::Contains("unknown metric 'sagas.stuk' (did you mean 'sagas.stuck'?)"));
}
