#include "analysis/op_stats.hpp"

#include <algorithm>
#include <limits>

#include "analysis/stats.hpp"

namespace ecsim {

double OpStatsResult::partition_failed_fraction() const {
  if (partition_ops == 0) return std::numeric_limits<double>::quiet_NaN();
  return static_cast<double>(partition_failed) / static_cast<double>(partition_ops);
}

void OpStats::advance(SimTime now) {
  if (now <= now_) return;
  // Ops invoked before `now` are decided: a partition still open ends after them.
  for (const Op& op : undecided_) count(op, std::numeric_limits<SimTime>::max());
  undecided_.clear();
  now_ = now;
}

// `open_end`: where a partition still in force ends.
bool OpStats::in_partition(SimTime invoke_ns, SimTime open_end) const {
  if (cuts_ > 0 && cut_since_ <= invoke_ns) return invoke_ns < open_end;
  // The last closed partition starting at or before the invocation.
  auto it = std::upper_bound(partitions_.begin(), partitions_.end(), invoke_ns,
                             [](SimTime t, const std::pair<SimTime, SimTime>& p) { return t < p.first; });
  return it != partitions_.begin() && invoke_ns < std::prev(it)->second;
}

void OpStats::count(const Op& op, SimTime open_end) {
  if (!in_partition(op.invoke_ns, open_end)) return;
  ++partition_ops_;
  if (!op.ok) ++partition_failed_;
}

void OpStats::on_fault(SimTime t, FaultEventKind kind, std::string_view) {
  advance(t);
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

void OpStats::on_op(const OpRecord& r) {
  advance(r.complete_ns);
  ++ops_;
  if (r.ok) latency_s_.push_back(to_seconds(r.complete_ns - r.invoke_ns));
  const Op op{r.invoke_ns, r.ok};
  if (r.invoke_ns < now_) count(op, std::numeric_limits<SimTime>::max());
  else undecided_.push_back(op);
}

OpStatsResult OpStats::finish(SimTime end_ns) {
  // A partition in force at the end ends at end_ns (after its start).
  const SimTime open_end = std::max(end_ns, cut_since_ + 1);
  for (const Op& op : undecided_) count(op, open_end);
  undecided_.clear();
  OpStatsResult out;
  out.partition_ops = partition_ops_;
  out.partition_failed = partition_failed_;
  std::vector<double>& latency = latency_s_;
  std::sort(latency.begin(), latency.end());
  const double nan = std::numeric_limits<double>::quiet_NaN();
  out.latency_p50_s = latency.empty() ? nan : percentile_of_sorted(latency, 50);
  out.latency_p99_s = latency.empty() ? nan : percentile_of_sorted(latency, 99);
  out.latency_max_s = latency.empty() ? nan : latency.back();
  return out;
}

}  // namespace ecsim
