#pragma once
// Saga checker: builds its verdict from saga observations only (what the
// orchestrator reported and what each service actually applied).
//
// Per saga, from the services' effects: *fully committed* = every step's
// action applied exactly once and nothing compensated; *fully compensated* =
// every step's compensations match its applications one for one (a step
// never applied needs none). Anything else is *partial*. A saga the
// orchestrator never finished is *stuck*. Payments: a charge step applied
// twice for one saga is a double charge, a refund applied twice a double
// refund, a refund for a charge that never happened is counted too. Stock:
// the true available units of each product are the initial stock minus
// every reservation plus every release applied at any replica; oversold
// units are the units by which that is below zero at the end.
#include <cstdint>
#include <string>
#include <vector>

#include "protocols/sagas/config.hpp"
#include "protocols/sagas/events.hpp"
#include "sim/scenario.hpp"

namespace ecsim {

class StateHasher;

struct SagaRow {
  std::uint64_t saga = 0;
  NodeId orchestrator = kNoNode;
  std::string outcome;      // committed | compensated | stuck | rejected
  std::string failed_step;  // service name of the step that failed, or ""
  std::string failure;      // declined | out_of_stock | refused | timeout, or ""
  std::uint32_t steps_done = 0;     // steps whose action was applied at least once
  std::uint32_t compensations = 0;  // compensating actions applied
  std::uint32_t retries = 0;        // requests re-sent by the orchestrator (timeouts, recovery)
  std::uint32_t duplicates_suppressed = 0;
  std::uint32_t charges = 0;
  std::uint32_t refunds = 0;
  SimTime start_ns = -1;
  SimTime end_ns = -1;  // -1: never ended
  bool atomic = false;  // fully committed or fully compensated by the services' effects
};

struct SagaTotals {
  std::uint64_t submitted = 0, rejected = 0, committed = 0, compensated = 0, stuck = 0;
  std::uint64_t partial = 0, not_atomic = 0;
  std::uint64_t resends = 0, duplicates_suppressed = 0, compensations = 0, recovered = 0;
  std::uint64_t double_charges = 0, double_refunds = 0, refunds_without_charge = 0;
  std::int64_t oversold_units = 0;
  std::int64_t min_available = 0;  // over time and products
  std::int64_t sold_units = 0;     // net units reserved at the end
  std::uint64_t out_of_stock = 0;
  std::vector<double> durations_s;  // of ended sagas, in id order
};

class SagaChecker final {
 public:
  explicit SagaChecker(const SagaSpec& spec);
  void on_saga(const SagaEvent& e);

  SagaTotals totals() const;
  void hash_state(StateHasher& h) const;  // everything totals(), rows() and all_done() read
  // One row per saga that arrived (submitted or rejected), by id.
  std::vector<SagaRow> rows() const;
  // Every saga has arrived and every submitted one has ended.
  bool all_done() const { return arrived_ == static_cast<std::uint64_t>(spec_.count) && ended_ == submitted_; }

 private:
  struct Saga {
    NodeId orchestrator = kNoNode;
    SimTime start_ns = -1, end_ns = -1;
    bool rejected = false;
    SagaOutcome outcome = SagaOutcome::none;
    std::int32_t failed_step = -1;
    std::string failure;
    std::uint32_t resends = 0, suppressed = 0, recovered = 0;
  };
  struct Effects {
    std::uint32_t forward = 0;
    std::uint32_t compensation = 0;
  };
  Saga* saga(std::uint64_t id);
  bool atomic(std::uint64_t id) const;

  SagaSpec spec_;
  std::vector<Saga> sagas_;
  std::vector<Effects> effects_;  // [(id - 1) * steps + step]
  std::vector<std::int64_t> available_;
  std::int64_t min_available_ = 0;
  std::uint64_t out_of_stock_ = 0;
  std::uint64_t arrived_ = 0, submitted_ = 0, ended_ = 0;
};

}  // namespace ecsim
