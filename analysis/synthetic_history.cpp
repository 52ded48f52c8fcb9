// See synthetic_history.hpp.
#include "analysis/synthetic_history.hpp"

#include <algorithm>
#include <queue>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "sim/rng.hpp"

namespace ecsim {

namespace {

struct Delivery {
  SimTime at;
  std::uint32_t replica;
  std::uint32_t key;
  SimTime version;  // the write's timestamp; origin in `origin`
  std::uint32_t origin;
  bool operator>(const Delivery& o) const { return at > o.at; }
};

}  // namespace

std::vector<std::string> synthetic_replica_names(const SyntheticHistoryOptions& o) {
  std::vector<std::string> names;
  for (std::uint32_t r = 0; r < o.replicas; ++r) names.push_back(fmt::format("n{}", r));
  return names;
}

void generate_synthetic_history(const SyntheticHistoryOptions& o, const std::function<void(const SyntheticOp&)>& on_op,
                                const std::function<void(const SyntheticApply&)>& on_apply) {
  const std::uint32_t sessions = o.clients * o.sessions_per_client;
  Rng rng(o.seed);
  const std::vector<std::string> replica_names = synthetic_replica_names(o);
  std::vector<std::string> key_names, client_names;
  for (std::uint32_t k = 0; k < o.keys; ++k) key_names.push_back(fmt::format("k{}", k));
  for (std::uint32_t c = 0; c < o.clients; ++c) client_names.push_back(fmt::format("c{}", c));
  std::vector<std::uint32_t> home(sessions);
  for (auto& h : home) h = static_cast<std::uint32_t>(rng.below(o.replicas));
  std::vector<std::uint32_t> last_key(sessions, 0);

  // Replica state: the newest (timestamp, origin) per key.
  std::vector<SimTime> state_ts(static_cast<std::size_t>(o.replicas) * o.keys, -1);
  std::vector<std::uint32_t> state_origin(state_ts.size(), 0);
  std::priority_queue<Delivery, std::vector<Delivery>, std::greater<>> pending;

  std::string text;
  auto version_text = [&](SimTime ts, std::uint32_t origin) {
    text = ts < 0 ? std::string() : fmt::format("{}@{}", ts, replica_names[origin]);
    return std::string_view(text);
  };
  auto apply = [&](SimTime at, std::uint32_t r, std::uint32_t k, SimTime ts, std::uint32_t origin) {
    const std::size_t i = static_cast<std::size_t>(r) * o.keys + k;
    if (ts < state_ts[i] || (ts == state_ts[i] && origin <= state_origin[i])) return;  // older: LWW keeps what it has
    state_ts[i] = ts;
    state_origin[i] = origin;
    on_apply(SyntheticApply{at, replica_names[r], key_names[k], version_text(ts, origin)});
  };
  const SimTime gap_ns = 10'000;  // an operation every 10 us
  const SimTime latency_ns = 1'000'000;
  for (std::uint64_t n = 0; n < o.ops; ++n) {
    const SimTime now = static_cast<SimTime>(n) * gap_ns;
    while (!pending.empty() && pending.top().at <= now + latency_ns / 2) {
      const Delivery d = pending.top();
      pending.pop();
      apply(d.at, d.replica, d.key, d.version, d.origin);
    }
    const auto s = static_cast<std::uint32_t>(rng.below(sessions));
    const std::uint32_t replica = rng.bernoulli(o.stray) ? static_cast<std::uint32_t>(rng.below(o.replicas)) : home[s];
    // Half the time the key the session used last (so reads meet its writes).
    const std::uint32_t key = rng.bernoulli(0.5) ? last_key[s] : static_cast<std::uint32_t>(rng.below(o.keys));
    last_key[s] = key;
    const bool write = !rng.bernoulli(o.read_fraction);
    const std::size_t i = static_cast<std::size_t>(replica) * o.keys + key;
    SimTime ts = -1;
    std::uint32_t origin = 0;
    if (write) {
      ts = std::max(now + latency_ns / 2, state_ts[i] + 1);  // HLC-like: after what the replica holds
      origin = replica;
      apply(now + latency_ns / 2, replica, key, ts, origin);
      for (std::uint32_t r = 0; r < o.replicas; ++r)
        if (r != replica)
          pending.push(Delivery{now + latency_ns / 2 + static_cast<SimTime>(rng.exponential(o.spread_mean_ms * 1e6)), r, key, ts, origin});
    } else {
      ts = state_ts[i];
      origin = state_origin[i];
    }
    const std::uint32_t client = s / o.sessions_per_client, session = s % o.sessions_per_client;
    on_op(SyntheticOp{client_names[client], session, write, key_names[key], now, now + latency_ns, replica_names[replica],
                      version_text(ts, origin)});
  }
  while (!pending.empty()) {
    const Delivery d = pending.top();
    pending.pop();
    apply(d.at, d.replica, d.key, d.version, d.origin);
  }
}

}  // namespace ecsim
