#pragma once
// Reconciliation checker: drift measured from observations only. A copy is
// *wrong* while its number differs from the source of truth's current number
// for that value (replication lag included: a copy is wrong until the update
// reaches it). Reports how many copies are wrong (time-averaged, peak, at
// the end), for how long each *episode* lasts (from going wrong to being
// right again; episodes still open at the end count up to the end), and what
// the job cost (runs, values compared, repairs, bytes). The job's repairs,
// as it logged them, become repairs.csv.
#include <cstdint>
#include <vector>

#include "protocols/reconciliation/config.hpp"
#include "protocols/reconciliation/events.hpp"
#include "sim/scenario.hpp"

namespace ecsim {

class StateHasher;

struct RepairRow {
  SimTime time_ns = 0;
  std::uint64_t run = 0;
  NodeId replica = kNoNode;
  std::uint32_t value = 0;
  std::int64_t found = 0;
  std::int64_t expected = 0;
  std::uint64_t version = 0;
};

struct ReconcileTotals {
  std::uint64_t updates = 0;
  std::uint64_t runs = 0, values_compared = 0, repairs = 0, bytes = 0;
  double wrong_mean = 0.0;      // time-averaged number of wrong copies over the run
  std::uint64_t wrong_max = 0;
  std::uint64_t wrong_final = 0;
  double wrong_copy_s = 0.0;    // integral of the wrong count over time
  std::vector<double> episodes_s;
};

class ReconcileChecker final {
 public:
  explicit ReconcileChecker(const ReconcileSpec& spec);
  void on_reconcile(const ReconcileEvent& e);

  // Closes the books at the end of the run.
  ReconcileTotals totals(SimTime end_ns) const;
  const std::vector<RepairRow>& repairs() const { return repairs_; }
  std::uint64_t wrong_now() const { return wrong_count_; }
  void hash_state(StateHasher& h) const;  // everything totals(), repairs() and wrong_now() read

 private:
  void check(std::size_t replica, std::uint32_t value, SimTime t);
  void advance(SimTime t);

  ReconcileSpec spec_;
  std::vector<std::int64_t> truth_;
  std::vector<std::vector<std::int64_t>> copies_;
  std::vector<std::vector<SimTime>> wrong_since_;  // -1 = right
  std::vector<int> replica_of_node_;               // dense map over node ids seen in spec
  std::uint64_t wrong_count_ = 0;
  std::uint64_t wrong_max_ = 0;
  SimTime last_t_ = 0;
  double integral_ns_ = 0.0;
  std::vector<double> episodes_s_;
  std::vector<RepairRow> repairs_;
  std::uint64_t updates_ = 0, runs_ = 0, compared_ = 0, bytes_ = 0;
};

}  // namespace ecsim
