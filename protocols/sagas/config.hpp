#pragma once
// sagas: the section this module owns (loaded by config.cpp). Times are
// integer nanoseconds, nodes are ids (docs/SAGAS.md).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sim/section.hpp"
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

struct SagaSpec : SectionValue {
  static constexpr std::string_view kPath = "sagas";
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

SectionDef sagas_section();

}  // namespace ecsim
