#include "analysis/op_stats.hpp"

#include <algorithm>
#include <bit>
#include <limits>
#include <stdexcept>

#include "analysis/stats.hpp"

namespace ecsim {

double OpStatsResult::partition_failed_fraction() const {
  if (partition_ops == 0) return std::numeric_limits<double>::quiet_NaN();
  return static_cast<double>(partition_failed) / static_cast<double>(partition_ops);
}

namespace {

constexpr std::size_t kSpillBlock = std::size_t{1} << 16;      // values a read or write
constexpr std::uint64_t kSortInMemory = std::uint64_t{1} << 20;  // values few enough to sort

// Calls f(value) on every value of the spill file.
template <class F>
void for_each_spilled(std::FILE* file, F&& f) {
  std::rewind(file);
  std::vector<SimTime> block(kSpillBlock);
  while (const std::size_t got = std::fread(block.data(), sizeof(SimTime), block.size(), file))
    for (std::size_t i = 0; i < got; ++i) f(block[i]);
  if (std::ferror(file)) throw std::runtime_error("op stats: cannot read the latency spill file");
}

// The k-th smallest (0-based) of the spilled values, all in [0, max]: radix
// selection, 16 bits a pass down from max's top bit, until few enough values
// share the prefix found to sort them in memory. Memory: 2^16 counters and
// at most kSortInMemory values, whatever the number of values.
SimTime select_spilled(std::FILE* file, std::uint64_t k, SimTime max) {
  int hi = std::bit_width(static_cast<std::uint64_t>(max));
  std::uint64_t prefix = 0;  // the k-th value v has v >> hi == prefix
  while (hi > 0) {
    const int lo = std::max(0, hi - 16);
    std::vector<std::uint64_t> count(std::size_t{1} << (hi - lo), 0);
    for_each_spilled(file, [&](SimTime v) {
      const auto u = static_cast<std::uint64_t>(v);
      if ((u >> hi) == prefix) ++count[(u >> lo) & (count.size() - 1)];
    });
    std::size_t b = 0;
    while (k >= count[b]) k -= count[b++];
    prefix = (prefix << (hi - lo)) | b;
    hi = lo;
    if (hi > 0 && count[b] <= kSortInMemory) {
      std::vector<SimTime> left;
      left.reserve(count[b]);
      for_each_spilled(file, [&](SimTime v) {
        if ((static_cast<std::uint64_t>(v) >> hi) == prefix) left.push_back(v);
      });
      std::nth_element(left.begin(), left.begin() + static_cast<std::ptrdiff_t>(k), left.end());
      return left[k];
    }
  }
  return static_cast<SimTime>(prefix);
}

}  // namespace

OpStats::~OpStats() {
  if (spill_) std::fclose(spill_);
}

void OpStats::spill_latencies(const std::string& path) {
  spill_ = std::fopen(path.c_str(), "w+b");
  if (!spill_) throw std::runtime_error("op stats: cannot create the latency spill file " + path);
  std::remove(path.c_str());  // gone with the process, whatever happens
}

void OpStats::add_latency(SimTime ns) {
  if (spill_ && ns < 0) throw std::logic_error("op stats: an op completed before its invocation");
  ++latencies_;
  latency_max_ns_ = std::max(latency_max_ns_, ns);
  latency_ns_.push_back(ns);
  if (spill_ && latency_ns_.size() == kSpillBlock) flush_spill();
}

void OpStats::flush_spill() {
  if (std::fwrite(latency_ns_.data(), sizeof(SimTime), latency_ns_.size(), spill_) != latency_ns_.size())
    throw std::runtime_error("op stats: cannot write the latency spill file (disk full?)");
  latency_ns_.clear();
}

// Seconds are monotone in nanoseconds: the rank-th latency in seconds is the rank-th in ns, converted.
double OpStats::latency_at(std::size_t rank) {
  if (!spill_) return to_seconds(latency_ns_[rank]);
  return to_seconds(select_spilled(spill_, rank, latency_max_ns_));
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
  if (r.ok) add_latency(r.complete_ns - r.invoke_ns);
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
  if (spill_) flush_spill();
  else std::sort(latency_ns_.begin(), latency_ns_.end());
  const auto at = [this](std::size_t rank) { return latency_at(rank); };
  out.latency_p50_s = percentile_of_ranked(latencies_, 50, at);
  out.latency_p99_s = percentile_of_ranked(latencies_, 99, at);
  out.latency_max_s = latencies_ == 0 ? std::numeric_limits<double>::quiet_NaN() : to_seconds(latency_max_ns_);
  return out;
}

}  // namespace ecsim
