#include "analysis/staleness.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace ecsim {

double StalenessResult::k_fraction(std::size_t k) const {
  if (reads == 0) return std::numeric_limits<double>::quiet_NaN();
  std::uint64_t within = 0;
  for (std::size_t j = 0; j < k && j < behind.size(); ++j) within += behind[j];
  if (k >= behind.size()) within = reads;
  return static_cast<double>(within) / static_cast<double>(reads);
}

void StalenessResult::add(const StalenessResult& o) {
  reads += o.reads;
  if (behind.size() < o.behind.size()) behind.resize(o.behind.size(), 0);
  for (std::size_t j = 0; j < o.behind.size(); ++j) behind[j] += o.behind[j];
  if (t_visibility.empty()) t_visibility = o.t_visibility;
  else
    for (std::size_t b = 0; b < t_visibility.size() && b < o.t_visibility.size(); ++b) {
      t_visibility[b].reads += o.t_visibility[b].reads;
      t_visibility[b].consistent += o.t_visibility[b].consistent;
    }
}

namespace {

// An op's event, carrying what the count reads of the op: each key's events
// are then read in order instead of jumping around the history's ops.
struct Event {
  std::int64_t time;  // a commit's completion, a read's invocation
  Version version;
  std::uint32_t key;
  std::uint32_t op;
  std::uint8_t kind;  // 0 = a write is acknowledged (commits), 1 = a read is invoked
};

// Upper bounds of the t-visibility groups, seconds.
constexpr double kBucketUpper[] = {0,    1e-6, 1e-5, 1e-4, 1e-3, 2e-3, 5e-3, 1e-2, 2e-2, 5e-2, 0.1,
                                   0.2,  0.5,  1,    2,    5,    10,   30,   60,   300,  std::numeric_limits<double>::infinity()};

}  // namespace

StalenessResult measure_staleness(const History& h, std::size_t max_behind) {
  StalenessResult out;
  out.behind.assign(max_behind + 1, 0);
  for (double u : kBucketUpper) out.t_visibility.push_back(StalenessResult::Bucket{u, 0, 0});

  std::vector<Event> events;
  for (std::uint32_t i = 0; i < h.ops.size(); ++i) {
    const HistoryOp& op = h.ops[i];
    if (!op.ok) continue;
    if (op.is_write && !op.version.empty()) events.push_back(Event{op.complete_ns, op.version, op.key, i, 0});
    if (!op.is_write) events.push_back(Event{op.invoke_ns, op.version, op.key, i, 1});
  }
  // Grouped by key in O(n) (a stable counting sort), then each key's events
  // by time; at equal times a commit comes first: a write acknowledged at t
  // counts for a read invoked at t.
  {
    std::vector<std::uint32_t> start(h.keys.size() + 1, 0);
    for (const Event& e : events) ++start[e.key + 1];
    for (std::size_t i = 1; i < start.size(); ++i) start[i] += start[i - 1];
    std::vector<Event> grouped(events.size());
    for (const Event& e : events) grouped[start[e.key]++] = e;
    events.swap(grouped);
  }
  auto by_time = [](const Event& a, const Event& b) {
    if (a.time != b.time) return a.time < b.time;
    if (a.kind != b.kind) return a.kind < b.kind;
    return a.op < b.op;
  };
  for (std::size_t a = 0; a < events.size();) {
    std::size_t b = a + 1;
    while (b < events.size() && events[b].key == events[a].key) ++b;
    std::sort(events.begin() + static_cast<std::ptrdiff_t>(a), events.begin() + static_cast<std::ptrdiff_t>(b), by_time);
    a = b;
  }

  std::vector<Version> versions;     // distinct committed versions of the key, sorted
  std::vector<std::uint32_t> fenwick;  // counts of committed writes by version rank
  for (std::size_t a = 0; a < events.size();) {
    const std::uint32_t key = events[a].key;
    std::size_t b = a;
    versions.clear();
    while (b < events.size() && events[b].key == key) {
      if (events[b].kind == 0) versions.push_back(events[b].version);
      ++b;
    }
    std::sort(versions.begin(), versions.end());
    versions.erase(std::unique(versions.begin(), versions.end()), versions.end());
    fenwick.assign(versions.size() + 1, 0);
    std::uint64_t committed = 0;
    Version newest;
    std::int64_t newest_acked = 0;
    for (std::size_t e = a; e < b; ++e) {
      const Event& ev = events[e];
      if (ev.kind == 0) {
        const auto rank = static_cast<std::size_t>(std::lower_bound(versions.begin(), versions.end(), ev.version) - versions.begin()) + 1;
        for (std::size_t i = rank; i < fenwick.size(); i += i & (~i + 1)) ++fenwick[i];
        ++committed;
        if (newest.empty() || newest < ev.version) {
          newest = ev.version;
          newest_acked = ev.time;
        }
        continue;
      }
      // Committed versions <= the returned one; the rest are newer.
      const auto upto = static_cast<std::size_t>(std::upper_bound(versions.begin(), versions.end(), ev.version) - versions.begin());
      std::uint64_t not_newer = 0;
      for (std::size_t i = upto; i > 0; i -= i & (~i + 1)) not_newer += fenwick[i];
      const std::uint64_t behind = committed - not_newer;
      ++out.reads;
      ++out.behind[std::min<std::uint64_t>(behind, max_behind)];
      if (committed == 0) continue;
      const double delay_s = to_seconds(ev.time - newest_acked);
      auto it = std::lower_bound(std::begin(kBucketUpper), std::end(kBucketUpper), delay_s);
      auto& bucket = out.t_visibility[static_cast<std::size_t>(it - std::begin(kBucketUpper))];
      ++bucket.reads;
      if (behind == 0) ++bucket.consistent;
    }
    a = b;
  }
  return out;
}

}  // namespace ecsim
