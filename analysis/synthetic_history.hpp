#pragma once
// A synthetic history of a replicated LWW store with violations of every
// session guarantee, for bench/session_bench (10 and 100 million
// operations) and the tests that compare the streaming checker with the
// in-memory one (tests/test_stream_check.cpp).
//
// R replicas, K keys, C clients with S sessions each; one operation every
// 10 us; each session mostly sticks to its home replica and sometimes goes
// to another (stray); half the time it uses the key it used last; writes are
// applied at their replica and reach each other replica after an exponential
// delay, applied only when newer (as ecsim's stores do). Rows are handed to
// callbacks as text, as ops.csv and applied.csv would hold them, in the
// order those files list them.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/time.hpp"

namespace ecsim {

struct SyntheticHistoryOptions {
  std::uint64_t ops = 10'000'000;
  std::uint32_t replicas = 5;
  std::uint32_t keys = 100'000;
  std::uint32_t clients = 5'000;
  std::uint32_t sessions_per_client = 2;
  double read_fraction = 0.7;
  double stray = 0.05;         // fraction of ops a session sends to a random replica
  double spread_mean_ms = 50;  // replication delay to each other replica
  std::uint64_t seed = 1;
};

struct SyntheticOp {
  std::string_view client;
  std::uint32_t session = 0;
  bool is_write = false;
  std::string_view key;
  SimTime invoke_ns = 0, complete_ns = 0;
  std::string_view replica;
  std::string_view version;  // "" for a read that found nothing
};

struct SyntheticApply {
  SimTime time_ns = 0;
  std::string_view replica, key, version;
};

// Calls `on_op` for every operation (ops.csv order) and `on_apply` for every
// state change (applied.csv order; each replica's rows in time order). The
// views live until the callback returns. Deterministic for a seed.
void generate_synthetic_history(const SyntheticHistoryOptions& options, const std::function<void(const SyntheticOp&)>& on_op,
                                const std::function<void(const SyntheticApply&)>& on_apply);

// The replica names, in node order ("n0", "n1", ...): the tie-break order of versions.
std::vector<std::string> synthetic_replica_names(const SyntheticHistoryOptions& options);

}  // namespace ecsim
