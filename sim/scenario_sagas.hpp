#pragma once
// Plain data for the application-pattern sections of a scenario (issue 5,
// docs/SAGAS.md): `sagas:` (orchestrated sagas with compensations),
// `reconciliation:` (a periodic job that repairs copies against a source of
// truth) and `event_log:` (replicated event logs rebuilt by deterministic
// replay). Loaded and validated by sim/scenario_sagas.cpp; included by
// sim/scenario.hpp. Times are integer nanoseconds, nodes are ids.
#include <cstdint>
#include <string>
#include <vector>

#include "sim/time.hpp"

namespace ecsim {

// What a saga step does at its service, and the compensation that undoes it
// as a new forward action: reserve/release stock, charge/refund, ship/return,
// and a generic do/undo for any other service.
enum class SagaAction : std::uint8_t { reserve, charge, ship, generic };

struct SagaStepSpec {
  std::string service;                      // e.g. "payment"; unique within the saga
  SagaAction action = SagaAction::generic;
  std::vector<NodeId> nodes;                // the service's node; a reserve step may list several stock replicas
  double fail = 0.0;                        // probability that a forward request is declined (business failure)
};

enum class SagaWorkloadKind : std::uint8_t { orders, flash_sale };
// How replicated stock (a reserve step with several nodes) decides.
enum class StockConsistency : std::uint8_t { eventual, quorum };

struct SagaSpec {
  std::vector<NodeId> orchestrators;  // saga k (1-based) is run by orchestrators[(k-1) % size]
  std::vector<SagaStepSpec> steps;    // forward order; compensations run in reverse
  std::int64_t count = 100;           // sagas submitted in total
  double rate_per_s = 10.0;           // Poisson arrivals
  SimTime start_ns = 0;               // first arrival not before this
  SimTime timeout_ns = 100 * kMillisecond;  // per request attempt, on the orchestrator's clock
  int retries = 3;                    // forward re-sends after a timeout before the step counts as failed
  bool idempotency = true;            // services dedupe by request id (saga, step)
  bool durable_log = true;            // the orchestrator's saga log survives a crash (not lose_state)
  SagaWorkloadKind workload = SagaWorkloadKind::orders;
  int products = 100;                 // p0 .. p{products-1}, drawn uniformly per saga
  std::int64_t stock = 1'000'000;     // initial units per product
  int quantity = 1;                   // units per saga
  StockConsistency stock_consistency = StockConsistency::eventual;
  SimTime stock_sync_ns = 100 * kMillisecond;  // eventual: counter exchange period; quorum: leader retransmit period
  std::int64_t reserve_step() const {  // index of the reserve step, -1 if none
    for (std::size_t i = 0; i < steps.size(); ++i)
      if (steps[i].action == SagaAction::reserve) return static_cast<std::int64_t>(i);
    return -1;
  }
};

struct ReconcileSpec {
  NodeId source = 0;              // holds the source of truth and runs the job
  std::vector<NodeId> replicas;   // hold copies (default: every other node)
  int values = 100;               // v0 .. v{values-1}
  double updates_per_s = 10.0;    // changes to the source of truth (Poisson), each streamed to every replica once
  SimTime updates_start_ns = 0;
  SimTime updates_stop_ns = -1;   // -1 = until the end of the run
  double corruption_per_s = 0.0;  // spontaneous wrong copies (a replica, a value), Poisson
  bool enabled = true;            // false: no reconciliation job (the shortcut: trust the stream)
  SimTime period_ns = kSecond;    // job period on the source's clock
  int batch = 0;                  // values compared per replica per run; 0 = all
};

// How an event-log replica turns its log into state.
enum class EventOrder : std::uint8_t { timestamp, arrival };

struct EventLogSpec {
  std::vector<NodeId> replicas;   // default: every node
  SimTime interval_ns = 500 * kMillisecond;  // log-summary exchange period, per replica
  int fanout = 1;
  double events_per_s = 20.0;     // appends in total (Poisson), each at a random live replica
  SimTime start_ns = 0;
  SimTime stop_ns = -1;           // -1 = until the end of the run
  int entities = 8;               // accounts e0 .. e{entities-1}
  EventOrder order = EventOrder::timestamp;
};

}  // namespace ecsim
