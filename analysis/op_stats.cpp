#include "analysis/op_stats.hpp"

#include <algorithm>
#include <limits>

#include "analysis/stats.hpp"

namespace ecsim {

double OpStatsResult::partition_failed_fraction() const {
  if (partition_ops == 0) return std::numeric_limits<double>::quiet_NaN();
  return static_cast<double>(partition_failed) / static_cast<double>(partition_ops);
}

void OpStats::on_fault(SimTime t, FaultEventKind kind, std::string_view) {
  const int before = cuts_;
  switch (kind) {
    case FaultEventKind::partition:
    case FaultEventKind::flap_cut: ++cuts_; break;
    case FaultEventKind::flap_heal: cuts_ = std::max(0, cuts_ - 1); break;
    case FaultEventKind::heal: cuts_ = 0; break;
    case FaultEventKind::loss_start:
    case FaultEventKind::loss_end:
    case FaultEventKind::duplicate_start:
    case FaultEventKind::duplicate_end: break;
  }
  if (before == 0 && cuts_ > 0) cut_since_ = t;
  if (before > 0 && cuts_ == 0) partitions_.emplace_back(cut_since_, t);
}

void OpStats::on_op(const OpRecord& r) { ops_.push_back(Op{r.invoke_ns, r.complete_ns, r.ok}); }

OpStatsResult OpStats::finish(SimTime end_ns) const {
  OpStatsResult out;
  std::vector<std::pair<SimTime, SimTime>> parts = partitions_;
  if (cuts_ > 0) parts.emplace_back(cut_since_, std::max(end_ns, cut_since_ + 1));
  std::vector<double> latency;
  latency.reserve(ops_.size());
  for (const Op& op : ops_) {
    if (op.ok) latency.push_back(to_seconds(op.complete_ns - op.invoke_ns));
    // The last partition starting at or before the invocation.
    auto it = std::upper_bound(parts.begin(), parts.end(), op.invoke_ns,
                               [](SimTime t, const std::pair<SimTime, SimTime>& p) { return t < p.first; });
    if (it != parts.begin() && op.invoke_ns < std::prev(it)->second) {
      ++out.partition_ops;
      if (!op.ok) ++out.partition_failed;
    }
  }
  std::sort(latency.begin(), latency.end());
  const double nan = std::numeric_limits<double>::quiet_NaN();
  out.latency_p50_s = latency.empty() ? nan : percentile_of_sorted(latency, 50);
  out.latency_p99_s = latency.empty() ? nan : percentile_of_sorted(latency, 99);
  out.latency_max_s = latency.empty() ? nan : latency.back();
  return out;
}

}  // namespace ecsim
