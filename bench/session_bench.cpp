// session_bench: the session-guarantee checkers on a large synthetic history.
//
// Generates N operations of a replicated LWW store
// (analysis/synthetic_history.hpp: R replicas, K keys, S sessions, violations
// of every guarantee), builds the History in memory the way the CSV reader
// does (names interned, versions parsed), then times check_sessions (all four
// guarantees) and measure_staleness and reports peak memory. With --write DIR
// it also writes ops.csv and applied.csv there, so that `ecsim-check` can be
// timed on the same history end to end (bench/README.md, "Session
// checkers"); --write-only skips the in-memory part (100 million operations
// do not fit in memory).
//
//   build/release/bench/session_bench --ops 10000000 [--write /tmp/hist [--write-only]]
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <fmt/format.h>
#include <string>
#include <vector>

#include "analysis/csv_writer.hpp"
#include "analysis/history.hpp"
#include "analysis/session_checker.hpp"
#include "analysis/staleness.hpp"
#include "analysis/synthetic_history.hpp"

using namespace ecsim;

namespace {

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

}  // namespace

int main(int argc, char** argv) {
  SyntheticHistoryOptions o;
  std::string write_dir;
  bool write_only = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--write-only") {
      write_only = true;
      continue;
    }
    const bool has_value = i + 1 < argc;
    const std::string v = has_value ? argv[++i] : "";
    if (!has_value) {
      std::fprintf(stderr, "session_bench: %s needs a value\n", a.c_str());
      return 2;
    } else if (a == "--ops") o.ops = std::stoull(v);
    else if (a == "--replicas") o.replicas = static_cast<std::uint32_t>(std::stoul(v));
    else if (a == "--keys") o.keys = static_cast<std::uint32_t>(std::stoul(v));
    else if (a == "--clients") o.clients = static_cast<std::uint32_t>(std::stoul(v));
    else if (a == "--write") write_dir = v;
    else if (a == "--seed") o.seed = std::stoull(v);
    else {
      std::fprintf(stderr, "usage: session_bench [--ops N] [--replicas R] [--keys K] [--clients C] [--write DIR [--write-only]] [--seed S]\n");
      return 2;
    }
  }
  if (write_only && write_dir.empty()) {
    std::fprintf(stderr, "session_bench: --write-only needs --write DIR\n");
    return 2;
  }
  std::optional<CsvWriter> ops_csv, applied_csv;
  if (!write_dir.empty()) {
    std::filesystem::create_directories(write_dir);
    ops_csv.emplace(std::filesystem::path(write_dir) / "ops.csv");
    ops_csv->header({"client", "session", "op", "key", "value", "invoke_ns", "complete_ns", "replica", "ok", "version"});
    applied_csv.emplace(std::filesystem::path(write_dir) / "applied.csv");
    applied_csv->header({"time_ns", "replica", "key", "version"});
  }

  const auto t_gen = std::chrono::steady_clock::now();
  HistoryBuilder b;
  if (!write_only) b.reserve(o.ops, o.ops);
  b.expect_applies();
  std::uint64_t applied_rows = 0;
  generate_synthetic_history(
      o,
      [&](const SyntheticOp& op) {
        if (!write_only)
          b.add_op(op.client, op.session, op.is_write, true, op.key, op.invoke_ns, op.complete_ns, op.replica,
                   parse_version(op.version));
        if (ops_csv) {
          ops_csv->field(op.client).field(op.session).field(op.is_write ? "write" : "read").field(op.key);
          ops_csv->empty_field().field(op.invoke_ns).field(op.complete_ns).field(op.replica).field(true).field(op.version);
          ops_csv->end_row();
        }
      },
      [&](const SyntheticApply& a) {
        ++applied_rows;
        if (!write_only) b.add_apply(a.time_ns, a.replica, a.key, parse_version(a.version));
        if (applied_csv) applied_csv->row(a.time_ns, a.replica, a.key, a.version);
      });
  if (ops_csv) ops_csv->close();
  if (applied_csv) applied_csv->close();
  if (write_only) {
    fmt::print("history: {} ops, {} applied rows written to {} in {:.2f} s\n", o.ops, applied_rows, write_dir, since(t_gen));
    return 0;
  }
  const History h = b.finish(synthetic_replica_names(o));
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
             write_dir.empty() ? "" : ", CSVs written to " + write_dir);
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
