// session_bench: the session-guarantee checkers on a large synthetic history.
//
// Generates N operations of a replicated LWW store (R replicas, K keys, S
// sessions; each session mostly sticks to one replica and sometimes goes to
// another; writes spread to the other replicas after random delays and are
// applied only when newer, as in ecsim's stores), builds the History in
// memory the way the CSV reader does (names interned, versions parsed), then
// times check_sessions (all four guarantees) and measure_staleness and
// reports peak memory. With --write DIR it also writes ops.csv and
// applied.csv there, so that `ecsim-check` can be timed on the same history
// end to end (bench/README.md, "Session checkers").
//
//   build/release/bench/session_bench --ops 10000000 [--write /tmp/hist]
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <fmt/format.h>
#include <queue>
#include <string>
#include <vector>

#include "analysis/csv_writer.hpp"
#include "analysis/history.hpp"
#include "analysis/session_checker.hpp"
#include "analysis/staleness.hpp"
#include "sim/rng.hpp"

using namespace ecsim;

namespace {

struct Options {
  std::uint64_t ops = 10'000'000;
  std::uint32_t replicas = 5;
  std::uint32_t keys = 100'000;
  std::uint32_t clients = 5'000;
  std::uint32_t sessions_per_client = 2;
  double read_fraction = 0.7;
  double stray = 0.05;            // fraction of ops a session sends to a random replica
  double spread_mean_ms = 50;     // replication delay to each other replica
  std::string write_dir;
  std::uint64_t seed = 1;
};

double peak_rss_mb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;
}

// CPU seconds used so far (user + system): steadier than wall time on a shared machine.
double cpu_s() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + 1e-6 * static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

double since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

struct Delivery {
  SimTime at;
  std::uint32_t replica;
  std::uint32_t key;
  SimTime version;  // the write's timestamp; origin in `origin`
  std::uint32_t origin;
  bool operator>(const Delivery& o) const { return at > o.at; }
};

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i], v = argv[i + 1];
    if (a == "--ops") o.ops = std::stoull(v);
    else if (a == "--replicas") o.replicas = static_cast<std::uint32_t>(std::stoul(v));
    else if (a == "--keys") o.keys = static_cast<std::uint32_t>(std::stoul(v));
    else if (a == "--clients") o.clients = static_cast<std::uint32_t>(std::stoul(v));
    else if (a == "--write") o.write_dir = v;
    else if (a == "--seed") o.seed = std::stoull(v);
    else {
      std::fprintf(stderr, "usage: session_bench [--ops N] [--replicas R] [--keys K] [--clients C] [--write DIR] [--seed S]\n");
      return 2;
    }
  }
  const std::uint32_t sessions = o.clients * o.sessions_per_client;
  Rng rng(o.seed);
  std::vector<std::string> replica_names, key_names, client_names;
  for (std::uint32_t r = 0; r < o.replicas; ++r) replica_names.push_back(fmt::format("n{}", r));
  for (std::uint32_t k = 0; k < o.keys; ++k) key_names.push_back(fmt::format("k{}", k));
  for (std::uint32_t c = 0; c < o.clients; ++c) client_names.push_back(fmt::format("c{}", c));
  std::vector<std::uint32_t> home(sessions);
  for (auto& h : home) h = static_cast<std::uint32_t>(rng.below(o.replicas));
  std::vector<std::uint32_t> last_key(sessions, 0);

  // Replica state: the newest (timestamp, origin) per key.
  std::vector<SimTime> state_ts(static_cast<std::size_t>(o.replicas) * o.keys, -1);
  std::vector<std::uint32_t> state_origin(state_ts.size(), 0);
  std::priority_queue<Delivery, std::vector<Delivery>, std::greater<>> pending;

  std::optional<CsvWriter> ops_csv, applied_csv;
  if (!o.write_dir.empty()) {
    std::filesystem::create_directories(o.write_dir);
    ops_csv.emplace(std::filesystem::path(o.write_dir) / "ops.csv");
    ops_csv->header({"client", "session", "op", "key", "value", "invoke_ns", "complete_ns", "replica", "ok", "version"});
    applied_csv.emplace(std::filesystem::path(o.write_dir) / "applied.csv");
    applied_csv->header({"time_ns", "replica", "key", "version"});
  }

  const auto t_gen = std::chrono::steady_clock::now();
  HistoryBuilder b;
  b.reserve(o.ops, o.ops);
  b.expect_applies();
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
    const std::string_view v = version_text(ts, origin);
    b.add_apply(at, replica_names[r], key_names[k], parse_version(v));
    if (applied_csv) applied_csv->row(at, replica_names[r], key_names[k], v);
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
    const std::string_view v = version_text(ts, origin);
    const std::uint32_t client = s / o.sessions_per_client, session = s % o.sessions_per_client;
    b.add_op(client_names[client], session, write, true, key_names[key], now, now + latency_ns, replica_names[replica], parse_version(v));
    if (ops_csv) {
      ops_csv->field(client_names[client]).field(session).field(write ? "write" : "read").field(key_names[key]);
      ops_csv->empty_field().field(now).field(now + latency_ns).field(replica_names[replica]).field(true).field(v);
      ops_csv->end_row();
    }
  }
  while (!pending.empty()) {
    const Delivery d = pending.top();
    pending.pop();
    apply(d.at, d.replica, d.key, d.version, d.origin);
  }
  if (ops_csv) ops_csv->close();
  if (applied_csv) applied_csv->close();
  const History h = b.finish(replica_names);
  const double gen_s = since(t_gen);
  const double rss_history = peak_rss_mb();

  const auto t_check = std::chrono::steady_clock::now();
  const double c_check = cpu_s();
  const SessionCheckResult r = check_sessions(h);
  const double check_s = since(t_check), check_cpu = cpu_s() - c_check;
  const double rss_check = peak_rss_mb();
  const auto t_stale = std::chrono::steady_clock::now();
  const double c_stale = cpu_s();
  const StalenessResult st = measure_staleness(h);
  const double stale_s = since(t_stale), stale_cpu = cpu_s() - c_stale;

  fmt::print("history: {} ops, {} sessions, {} keys, {} replicas, {} applied rows (generated and interned in {:.2f} s{})\n",
             h.ops.size(), h.session_count(), h.keys.size(), o.replicas, h.applies.size(), gen_s,
             o.write_dir.empty() ? "" : ", CSVs written to " + o.write_dir);
  for (std::size_t g = 0; g < 4; ++g)
    fmt::print("  {:<4} {:>9} violations in {:>6} sessions\n", kGuaranteeNames[g], r.by_guarantee[g].violations,
               r.by_guarantee[g].sessions_affected);
  fmt::print("  staleness: k=1 {:.4f}, k=2 {:.4f}\n", st.k_fraction(1), st.k_fraction(2));
  const double n = static_cast<double>(h.ops.size());
  fmt::print("check_sessions (ryw, mr, mw, wfr): {:.2f} s wall, {:.2f} s CPU = {:.2f} M ops per CPU second\n", check_s, check_cpu, n / check_cpu / 1e6);
  fmt::print("measure_staleness:                 {:.2f} s wall, {:.2f} s CPU = {:.2f} M ops per CPU second\n", stale_s, stale_cpu, n / stale_cpu / 1e6);
  fmt::print("peak RSS: {:.0f} MB with the history built, {:.0f} MB after checking\n", rss_history, rss_check);
  return 0;
}
