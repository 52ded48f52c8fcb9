// The streaming history checker (analysis/stream_check.hpp) against the
// in-memory one: the same counts, sessions, ops checked, violations (every
// field, examples and the full list) and staleness, on the hand-made
// histories of test_session_checker.cpp (check_both, called there for each),
// the hand-written trace directory tests/data/analyze-hand, and synthetic
// histories with violations of every guarantee (analysis/synthetic_history),
// in many partitions; bad input reported at the same file:line:col; the
// scratch directory removed. With threads (applied.csv read alongside
// ops.csv, partitions checked on a pool): the results of one thread, the
// names' ids of one reader, the first error in file order.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "analysis/csv_writer.hpp"
#include "analysis/session_report.hpp"
#include "analysis/stream_check.hpp"
#include "analysis/synthetic_history.hpp"
#include "analysis/trace_analysis.hpp"
#include "tests/recorded_history.hpp"
#include "tests/test_util.hpp"

using namespace ecsim;
namespace fs = std::filesystem;

namespace {

const std::string kSource = ECSIM_SOURCE_DIR;

std::string describe(const Violation& v) {
  return fmt::format("{} op {} required {}.{}@{} cause {} incarnation {} applied_ns {}", static_cast<int>(v.guarantee), v.op,
                     v.required.major, v.required.minor, v.required.origin, v.cause, v.incarnation, v.applied_ns);
}

std::vector<std::string> describe(const std::vector<Violation>& list) {
  std::vector<std::string> out;
  for (const Violation& v : list) out.push_back(describe(v));
  return out;
}

void require_same(const SessionCheckResult& streamed, const SessionCheckResult& in_memory) {
  REQUIRE(streamed.sessions == in_memory.sessions);
  REQUIRE(streamed.ryw_client == in_memory.ryw_client);
  for (std::size_t g = 0; g < 4; ++g) {
    INFO("guarantee " << kGuaranteeNames[g]);
    const GuaranteeResult &s = streamed.by_guarantee[g], &m = in_memory.by_guarantee[g];
    REQUIRE(s.checked == m.checked);
    REQUIRE(s.violations == m.violations);
    REQUIRE(s.sessions_affected == m.sessions_affected);
    REQUIRE(s.ops_checked == m.ops_checked);
    REQUIRE(describe(s.examples) == describe(m.examples));
    REQUIRE(describe(s.all) == describe(m.all));
  }
}

void require_same(const StalenessResult& streamed, const StalenessResult& in_memory) {
  REQUIRE(streamed.reads == in_memory.reads);
  REQUIRE(streamed.behind == in_memory.behind);
  REQUIRE(streamed.t_visibility.size() == in_memory.t_visibility.size());
  for (std::size_t b = 0; b < streamed.t_visibility.size(); ++b) {
    REQUIRE(streamed.t_visibility[b].reads == in_memory.t_visibility[b].reads);
    REQUIRE(streamed.t_visibility[b].consistent == in_memory.t_visibility[b].consistent);
  }
}

HistoryCheckOptions streaming(std::uint32_t partitions, const fs::path& scratch) {
  HistoryCheckOptions o;
  o.mode = CheckMode::streaming;
  o.partitions = partitions;
  o.scratch_parent = scratch.string();
  o.sessions.keep_all = true;
  return o;
}

// Text of violations.csv and staleness.csv, as ecsim-check writes them.
std::string report_text(const HistoryCheck& c, const fs::path& dir) {
  {
    CsvWriter w(dir / "violations.csv");
    write_violations_csv(w, c.history, &c.sessions);
    w.close();
    CsvWriter s(dir / "staleness.csv");
    write_staleness_csv(s, &c.staleness);
    s.close();
  }
  return test::slurp(dir / "violations.csv") + test::slurp(dir / "staleness.csv");
}

// Both paths on files; the streamed one in each partition count. Returns the in-memory result.
HistoryCheck require_same_on_files(const std::string& ops, const std::string& applied, const fs::path& dir,
                                   std::vector<std::uint32_t> partitions, const std::vector<std::string>& nodes = {}) {
  HistoryCheckOptions m;
  m.mode = CheckMode::in_memory;
  m.sessions.keep_all = true;
  m.sessions.check = {true, true, !applied.empty(), !applied.empty()};
  m.node_order = nodes;
  HistoryCheck mem = check_history_files(ops, applied, m);
  REQUIRE_FALSE(mem.streamed);
  const std::string mem_report = report_text(mem, dir);
  for (std::uint32_t p : partitions) {
    INFO("partitions " << p);
    HistoryCheckOptions s = streaming(p, dir);
    s.sessions.check = m.sessions.check;
    s.node_order = nodes;
    const HistoryCheck st = check_history_files(ops, applied, s);
    REQUIRE(st.streamed);
    REQUIRE(st.partitions == p);
    REQUIRE(st.ops == mem.ops);
    REQUIRE(st.applies == mem.applies);
    require_same(st.sessions, mem.sessions);
    require_same(st.staleness, mem.staleness);
    REQUIRE(report_text(st, dir) == mem_report);
  }
  return mem;
}

// No scratch directory of this process is left in `dir`.
bool no_scratch_left(const fs::path& dir) {
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().rfind("ecsim-check.tmp-", 0) == 0) return false;
  return true;
}

std::string error_text(const std::string& ops, const std::string& applied, const HistoryCheckOptions& o) {
  try {
    check_history_files(ops, applied, o);
  } catch (const HistoryInputError& e) {
    return e.what();
  }
  return "no error";
}

// A synthetic history with violations of every guarantee, as CSV files in `dir`.
void write_synthetic(const SyntheticHistoryOptions& o, const fs::path& dir) {
  CsvWriter ops(dir / "ops.csv"), applied(dir / "applied.csv");
  ops.header({"client", "session", "op", "key", "invoke_ns", "complete_ns", "replica", "ok", "version"});
  applied.header({"time_ns", "replica", "key", "version"});
  std::uint64_t n = 0;
  generate_synthetic_history(
      o,
      [&](const SyntheticOp& op) {
        // Every 50th op failed: the checkers must ignore it on both paths.
        const bool ok = ++n % 50 != 0;
        ops.field(op.client).field(op.session).field(op.is_write ? "write" : "read").field(op.key).field(op.invoke_ns);
        ops.field(op.complete_ns).field(op.replica).field(ok).field(op.version);
        ops.end_row();
      },
      [&](const SyntheticApply& a) { applied.row(a.time_ns, a.replica, a.key, a.version); });
  ops.close();
  applied.close();
}

int scratch_counter = 0;

}  // namespace

namespace ecsim::test {

SessionCheckResult check_both(const RecordedHistory& h, const SessionCheckOptions& o) {
  const fs::path dir = fresh_dir("stream", std::to_string(scratch_counter++));
  const std::string ops = (dir / "ops.csv").string(), applied = h.applied_csv.empty() ? "" : (dir / "applied.csv").string();
  {
    std::ofstream(ops) << h.ops_csv;
    if (!applied.empty()) std::ofstream(applied) << h.applied_csv;
  }
  SessionCheckOptions all = o;
  all.keep_all = true;
  HistoryCheckOptions s = streaming(7, dir);
  s.sessions = all;
  s.node_order = h.node_order;
  const HistoryCheck streamed = check_history_files(ops, applied, s);
  require_same(streamed.sessions, check_sessions(h, all));
  require_same(streamed.staleness, measure_staleness(h));
  REQUIRE(no_scratch_left(dir));
  fs::remove_all(dir);
  std::error_code ec;
  fs::remove(dir.parent_path(), ec);  // when empty: the last check of this process
  return check_sessions(h, o);
}

}  // namespace ecsim::test

TEST_CASE("streaming: the hand-written trace directory gives the in-memory counts in 1, 7 and 64 partitions", "[stream]") {
  const fs::path dir = test::fresh_dir("stream", "hand");
  const std::string data = kSource + "/tests/data/analyze-hand";
  const HistoryCheck mem = require_same_on_files(data + "/ops.csv", data + "/applied.csv", dir, {1, 7, 64});
  // The directory's hand-checked values (tests/test_analyze.cpp): one violation of each guarantee.
  for (const GuaranteeResult& g : mem.sessions.by_guarantee) CHECK(g.violations == 1);
  CHECK(no_scratch_left(dir));
  fs::remove_all(dir.parent_path());
}

TEST_CASE("streaming: synthetic histories with violations of every guarantee give the in-memory counts", "[stream]") {
  const fs::path dir = test::fresh_dir("stream", "synthetic");
  SyntheticHistoryOptions o;
  o.ops = 60'000;
  o.keys = 3'000;  // few keys and clients: sessions meet their own writes often
  o.clients = 300;
  o.seed = GENERATE(1, 2);
  write_synthetic(o, dir);
  const HistoryCheck mem = require_same_on_files((dir / "ops.csv").string(), (dir / "applied.csv").string(), dir, {7, 64},
                                                 synthetic_replica_names(o));
  // Not a vacuous comparison: every guarantee is violated, some reads miss another session's write.
  for (const GuaranteeResult& g : mem.sessions.by_guarantee) CHECK(g.violations > 10);
  CHECK(mem.sessions.ryw_client > mem.sessions[Guarantee::ryw].violations);
  CHECK(mem.ops == 60'000);
  CHECK(no_scratch_left(dir));
  fs::remove_all(dir.parent_path());
}

TEST_CASE("streaming: times, versions, seq and steps at the ends of their ranges come back from the partition files",
          "[stream]") {
  // The partition files pack fields as varints of differences from the
  // previous record (analysis/stream_check.cpp): values like these take the
  // longest forms, and their differences wrap around.
  constexpr SimTime kFar = std::numeric_limits<SimTime>::max() - 1;
  constexpr std::uint64_t kLastSeq = std::numeric_limits<std::int64_t>::max();
  test::RecordingBuilder b;
  // RYW: c0's session writes k at the highest version, then reads the lowest one, from a cache (no replica).
  b.add_op("c0", 4294967295u, true, true, "k", 0, kFar / 2, "n1", parse_version("9223372036854775806.4294967295@n1"), 1);
  b.add_op("c0", 4294967295u, false, true, "k", kFar / 2, kFar, "", parse_version("-9223372036854775807@n0"), kLastSeq);
  // MW rule (b): c1 writes a then b; n2 applies b, near the end of time, one step before a.
  b.add_op("c1", 0, true, true, "a", 5, 6, "n0", parse_version("5@n0"));
  b.add_op("c1", 0, true, true, "b", 7, 8, "n0", parse_version("-6@n0"));
  b.add_apply(6, "n0", "a", parse_version("5@n0"), 1);
  b.add_apply(8, "n0", "b", parse_version("-6@n0"), kLastSeq);
  b.add_apply(kFar - 10, "n2", "b", parse_version("-6@n0"), std::uint64_t{1} << 62);
  b.add_apply(kFar, "n2", "a", parse_version("5@n0"), (std::uint64_t{1} << 62) + 1);
  const test::RecordedHistory h = b.finish();
  const SessionCheckResult r = test::check_both(h);  // the streaming checker's violations, field by field
  CHECK(r[Guarantee::ryw].violations == 1);
  CHECK(r[Guarantee::mw].violations == 1);
  REQUIRE(r[Guarantee::mw].examples.size() == 1);
  CHECK(r[Guarantee::mw].examples[0].applied_ns == kFar - 10);
  CHECK(r[Guarantee::mr].violations == 0);
  CHECK(r[Guarantee::wfr].violations == 0);
}

TEST_CASE("streaming: chosen when the estimate exceeds the memory target, forced either way", "[stream]") {
  const fs::path dir = test::fresh_dir("stream", "choice");
  SyntheticHistoryOptions o;
  o.ops = 5'000;
  o.keys = 500;
  o.clients = 50;
  write_synthetic(o, dir);
  const std::string ops = (dir / "ops.csv").string(), applied = (dir / "applied.csv").string();
  HistoryCheckOptions c;
  c.scratch_parent = dir.string();
  CHECK_FALSE(check_history_files(ops, applied, c).streamed);  // well under the 4 GiB default
  c.memory_bytes = 64 * 1024;                                   // 64 KiB: the files alone are bigger
  const HistoryCheck auto_streamed = check_history_files(ops, applied, c);
  CHECK(auto_streamed.streamed);
  CHECK(auto_streamed.partitions >= 1);
  c.mode = CheckMode::in_memory;
  CHECK_FALSE(check_history_files(ops, applied, c).streamed);
  c.mode = CheckMode::streaming;
  c.memory_bytes = kDefaultCheckMemory;
  CHECK(check_history_files(ops, applied, c).streamed);
  // Partitions grow with the files and shrink with the memory target.
  CHECK(stream_partitions(1'000'000'000, 1'000'000'000, std::uint64_t{8} << 30) <
        stream_partitions(1'000'000'000, 1'000'000'000, std::uint64_t{1} << 30));
  CHECK(stream_partitions(1000, 1000, kDefaultCheckMemory) == 1);
  // Two threads hold two partitions at once: twice as many, an even number.
  const std::uint32_t one = stream_partitions(1'000'000'000, 1'000'000'000, std::uint64_t{4} << 30);
  const std::uint32_t two = stream_partitions(1'000'000'000, 1'000'000'000, std::uint64_t{4} << 30, 2);
  CHECK(two >= 2 * one - 1);
  CHECK(two % 2 == 0);
  CHECK(stream_partitions(1000, 1000, kDefaultCheckMemory, 2) == 1);
  CHECK(no_scratch_left(dir));
  fs::remove_all(dir.parent_path());
}

TEST_CASE("streaming: bad input is reported at the in-memory path's file:line:col, scratch removed", "[stream]") {
  const fs::path dir = test::fresh_dir("stream", "errors");
  auto file = [&](const char* name, const std::string& text) {
    std::ofstream(dir / name) << text;
    return (dir / name).string();
  };
  const std::string header = "client,session,op,key,invoke_ns,complete_ns,replica,ok,version\n";
  std::string rows;
  for (int i = 0; i < 200; ++i) rows += fmt::format("c{},0,write,k{},{},{},n0,true,{}@n0\n", i % 7, i % 5, i, i + 1, i + 1);
  const std::string good_ops = file("good.csv", header + rows);
  const std::string good_applied = file("good-applied.csv", "time_ns,replica,key,version\n1,n0,k0,1@n0\n");
  struct Case {
    std::string ops, applied, expected;
  };
  const std::vector<Case> cases = {
      // Late in the file, after partition files were written.
      {file("late.csv", header + rows + "c0,0,read,k0,5,1,n0,true,\n"), good_applied,
       "late.csv:202:16: error: complete_ns (1) is before invoke_ns (5)"},
      {file("version.csv", header + rows + "c0,0,read,k0,5,6,n0,true,12#n0\n"), good_applied,
       "version.csv:202:28: error: version: unexpected '#'"},
      {file("fields.csv", header + rows + "c0,0,read,k0,5,6,n0,true\n"), good_applied,
       "fields.csv:202:25: error: expected 9 fields as in the header, got 8"},
      {good_ops, file("order.csv", "time_ns,replica,key,version\n5,n0,k,1@n0\n6,n1,k,1@n0\n4,n0,k,2@n0\n"),
       "order.csv:4:1: error: time_ns: time 4 is before this replica's previous row"},
      {good_ops, file("step.csv", "time_ns,replica,key,version,step\n10,n1,y,3@n0,7\n11,n1,x,1@n0,7\n"),
       "step.csv:3:1: error: time_ns: step 7 has rows at 10 and 11"},
      {file("header.csv", "client,op,key\nc0,read,k\n"), "", "header.csv:1:1: error: missing column 'session'"},
  };
  for (const Case& c : cases) {
    INFO(c.expected);
    HistoryCheckOptions m;
    m.mode = CheckMode::in_memory;
    m.sessions.check = {true, true, !c.applied.empty(), !c.applied.empty()};
    const std::string in_memory = error_text(c.ops, c.applied, m);
    CHECK_THAT(in_memory, Catch::Contains(c.expected));
    for (std::uint32_t p : {1u, 7u}) {
      HistoryCheckOptions s = streaming(p, dir);
      s.sessions.check = m.sessions.check;
      CHECK(error_text(c.ops, c.applied, s) == in_memory);
    }
  }
  CHECK(no_scratch_left(dir));
  // MW without an applied order: refused on both paths.
  HistoryCheckOptions s = streaming(3, dir);
  CHECK_THROWS_AS(check_history_files(good_ops, "", s), std::invalid_argument);
  CHECK(no_scratch_left(dir));
  fs::remove_all(dir.parent_path());
}

TEST_CASE("streaming: memory sizes parse with binary units", "[stream]") {
  CHECK(parse_memory_size("6GiB") == 6ull * 1024 * 1024 * 1024);
  CHECK(parse_memory_size("512MiB") == 512ull * 1024 * 1024);
  CHECK(parse_memory_size("4G") == 4ull * 1024 * 1024 * 1024);
  CHECK(parse_memory_size("100M") == 100ull * 1024 * 1024);
  CHECK(parse_memory_size("64KiB") == 64ull * 1024);
  CHECK(parse_memory_size("1000000") == 1000000);
  CHECK(parse_memory_size("1000000B") == 1000000);
  CHECK_THROWS_AS(parse_memory_size("lots"), std::invalid_argument);
  CHECK_THROWS_AS(parse_memory_size("6GB2"), std::invalid_argument);
  CHECK_THROWS_AS(parse_memory_size("6 parsecs"), std::invalid_argument);
}

TEST_CASE("streaming: ecsim analyze's session metrics are the same streamed", "[stream][analyze]") {
  const std::string data = kSource + "/tests/data/analyze-hand";
  const fs::path dir = test::fresh_dir("stream", "analyze");
  TraceInputs in;
  in.ops = data + "/ops.csv";
  in.applied = data + "/applied.csv";
  in.events = data + "/events.csv";
  const TraceAnalysis mem = analyze_traces(in);
  in.history_check.mode = CheckMode::streaming;
  in.history_check.partitions = 5;
  in.history_check.scratch_parent = dir.string();
  const TraceAnalysis streamed = analyze_traces(in);
  REQUIRE(mem.metrics.size() == streamed.metrics.size());
  for (const auto& [name, value] : mem.metrics) {
    INFO(name);
    const double s = streamed.metrics.at(name);
    CHECK(((std::isnan(value) && std::isnan(s)) || value == s));
  }
  CHECK(mem.metrics.at("violations.mw") == 1);  // the hand value (tests/test_analyze.cpp)
  CHECK(no_scratch_left(dir));
  fs::remove_all(dir.parent_path());
}

namespace {

// A check with `threads` threads, in memory (partitions 0) or streamed in `partitions`.
HistoryCheck check_with(const std::string& ops, const std::string& applied, const fs::path& dir, std::uint32_t threads,
                        std::uint32_t partitions, const std::vector<std::string>& nodes) {
  HistoryCheckOptions o = partitions == 0 ? HistoryCheckOptions{} : streaming(partitions, dir);
  if (partitions == 0) o.mode = CheckMode::in_memory;
  o.sessions.keep_all = true;
  o.threads = threads;
  o.node_order = nodes;
  return check_history_files(ops, applied, o);
}

}  // namespace

TEST_CASE("threads: 1, 2 and 4 threads, in memory and in 1, 3 and 8 partitions, give one thread's results", "[stream]") {
  const fs::path dir = test::fresh_dir("stream", "threads");
  SyntheticHistoryOptions o;
  o.ops = 30'000;
  o.keys = 2'000;
  o.clients = 200;
  o.seed = 3;
  write_synthetic(o, dir);
  const std::string ops = (dir / "ops.csv").string(), applied = (dir / "applied.csv").string();
  const std::vector<std::string> nodes = synthetic_replica_names(o);
  // The reference: in memory, one thread (files read one after the other, no pool).
  const HistoryCheck one = check_with(ops, applied, dir, 1, 0, nodes);
  for (const GuaranteeResult& g : one.sessions.by_guarantee) REQUIRE(g.violations > 10);
  const std::string one_report = report_text(one, dir);
  for (std::uint32_t threads : {1u, 2u, 4u}) {
    for (std::uint32_t partitions : {0u, 1u, 3u, 8u}) {
      INFO("threads " << threads << ", partitions " << partitions);
      const HistoryCheck c = check_with(ops, applied, dir, threads, partitions, nodes);
      CHECK(c.streamed == (partitions != 0));
      require_same(c.sessions, one.sessions);
      require_same(c.staleness, one.staleness);
      CHECK(report_text(c, dir) == one_report);
      // Names get the same ids: the parallel reader renumbers applied.csv's as one reader would.
      CHECK(c.history.keys == one.history.keys);
      CHECK(c.history.replicas == one.history.replicas);
      CHECK(c.history.origins == one.history.origins);
      CHECK(c.history.incarnation_replica == one.history.incarnation_replica);
    }
  }
  CHECK(no_scratch_left(dir));
  fs::remove_all(dir.parent_path());
}

TEST_CASE("threads: applied.csv read alongside ops.csv gives names their first-appearance ids", "[stream]") {
  const fs::path dir = test::fresh_dir("stream", "renumber");
  const std::string ops = (dir / "ops.csv").string(), applied = (dir / "applied.csv").string();
  std::ofstream(ops) << "client,session,op,key,invoke_ns,complete_ns,replica,ok,version\n"
                        "c0,0,write,b,1,2,n1,true,1@n1\n"
                        "c0,0,read,a,3,4,n0,true,1@n1\n";
  // A key (z), a replica (n2) and origins (n9, n0) that ops.csv does not name.
  std::ofstream(applied) << "time_ns,replica,key,version\n2,n1,b,1@n1\n5,n2,z,3@n9\n6,n0,a,1@n1\n7,n2,b,2@n0\n";
  for (const bool parallel : {false, true}) {
    INFO("parallel " << parallel);
    HistoryBuilder b;
    read_history_rows(ops, applied, b, {}, parallel);
    const History h = b.finish();
    // By first appearance, ops.csv before applied.csv.
    CHECK(h.keys == std::vector<std::string>{"b", "a", "z"});
    CHECK(h.replicas == std::vector<std::string>{"n1", "n0", "n2"});
    CHECK(h.origins == std::vector<std::string>{"", "n0", "n1", "n9"});  // ranked naturally
    CHECK(h.incarnation_replica == std::vector<std::uint32_t>{0, 2, 1});  // n1, n2, n0 by first applied row
    REQUIRE(h.applies.size() == 4);
    const std::vector<std::uint32_t> keys = {0, 2, 1, 0}, origins = {2, 3, 2, 1}, incarnations = {0, 1, 2, 1};
    for (std::uint32_t i = 0; i < 4; ++i) {
      CHECK(h.applies[i].key == keys[i]);
      CHECK(h.applies[i].version.origin == origins[i]);
      CHECK(h.applies[i].incarnation == incarnations[i]);
      CHECK(h.applies[i].step == i);
    }
    CHECK(h.ops[0].version.origin == 2);
  }
  fs::remove_all(dir.parent_path());
}

TEST_CASE("threads: an error late in applied.csv is reported at its file:line:col, one in ops.csv first",
          "[stream]") {
  const fs::path dir = test::fresh_dir("stream", "thread-errors");
  auto file = [&](const char* name, const std::string& text) {
    std::ofstream(dir / name) << text;
    return (dir / name).string();
  };
  const std::string header = "client,session,op,key,invoke_ns,complete_ns,replica,ok,version\n";
  std::string rows, applied_rows = "time_ns,replica,key,version\n";
  for (int i = 0; i < 200; ++i) rows += fmt::format("c{},0,write,k{},{},{},n0,true,{}@n0\n", i % 7, i % 5, i, i + 1, i + 1);
  for (int i = 1; i <= 3000; ++i) applied_rows += fmt::format("{},n{},k{},{}@n0\n", i, i % 3, i % 5, i);
  const std::string good_ops = file("ops.csv", header + rows);
  const std::string bad_ops = file("ops-late.csv", header + rows + "c0,0,read,k0,5,1,n0,true,\n");
  const std::string bad_applied = file("applied-late.csv", applied_rows + "x,n0,k0,1@n0\n");
  const std::string applied_error = "applied-late.csv:3002:1: error: time_ns: expected an integer, got 'x'";
  const std::string ops_error = "ops-late.csv:202:16: error: complete_ns (1) is before invoke_ns (5)";
  for (std::uint32_t threads : {1u, 2u, 4u}) {
    for (std::uint32_t partitions : {0u, 1u, 7u}) {
      INFO("threads " << threads << ", partitions " << partitions);
      HistoryCheckOptions o = partitions == 0 ? HistoryCheckOptions{} : streaming(partitions, dir);
      if (partitions == 0) o.mode = CheckMode::in_memory;
      o.threads = threads;
      CHECK_THAT(error_text(good_ops, bad_applied, o), Catch::Contains(applied_error));
      // Both files bad: ops.csv's error, as reading one file after the other finds it first.
      CHECK_THAT(error_text(bad_ops, bad_applied, o), Catch::Contains(ops_error));
    }
  }
  CHECK(no_scratch_left(dir));
  fs::remove_all(dir.parent_path());
}

TEST_CASE("threads: the progress callback is called one call at a time, with both files' reading as one phase",
          "[stream]") {
  const fs::path dir = test::fresh_dir("stream", "progress");
  SyntheticHistoryOptions o;
  o.ops = 200'000;  // several reports per file (every 65,536 rows)
  o.keys = 1'000;
  o.clients = 100;
  write_synthetic(o, dir);
  const std::string ops = (dir / "ops.csv").string(), applied = (dir / "applied.csv").string();
  HistoryCheckOptions c = streaming(4, dir);
  c.threads = 2;
  int inside = 0, overlapped = 0;
  std::vector<std::string> phases;
  double reading_done = 0;
  c.progress = [&](std::string_view phase, double fraction) {
    overlapped += ++inside > 1;  // not atomic on purpose: two calls at once would be a race anyway (TSan)
    if (phases.empty() || phases.back() != phase) phases.emplace_back(phase);
    if (phase.starts_with("reading")) reading_done = std::max(reading_done, fraction);
    --inside;
  };
  check_history_files(ops, applied, c);
  CHECK(overlapped == 0);
  REQUIRE_FALSE(phases.empty());
  CHECK(phases.front() == fmt::format("reading {} and {}", ops, applied));
  CHECK(reading_done > 0.5);
  CHECK(reading_done <= 1.0);
  CHECK(phases.back() == "done");
  fs::remove_all(dir.parent_path());
}
