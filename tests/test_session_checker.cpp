// Session-guarantee checkers and staleness on hand-built histories whose
// violations are known (each guarantee violated once, twice, not at all), on
// random histories against a brute-force reading of the contract's
// definitions, and the CSV reader's error positions.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "analysis/history.hpp"
#include "analysis/session_checker.hpp"
#include "analysis/staleness.hpp"
#include "sim/rng.hpp"
#include "tests/recorded_history.hpp"

using namespace ecsim;
using ecsim::test::check_both;
using ecsim::test::RecordedHistory;
using ecsim::test::RecordingBuilder;

namespace {

// A history written row by row: sessions are "c<client>/<session>".
// Every history is also checked by the streaming checker (check_both).
struct Hist {
  RecordingBuilder b;
  Hist& op(const char* client, int session, bool write, const char* key, SimTime invoke, SimTime complete,
           const char* version, bool ok = true, const char* replica = "n0") {
    b.add_op(client, static_cast<std::uint32_t>(session), write, ok, key, invoke, complete, replica, parse_version(version));
    return *this;
  }
  Hist& w(const char* client, const char* key, SimTime invoke, SimTime complete, const char* version, bool ok = true) {
    return op(client, 0, true, key, invoke, complete, version, ok);
  }
  Hist& r(const char* client, const char* key, SimTime invoke, SimTime complete, const char* version, bool ok = true) {
    return op(client, 0, false, key, invoke, complete, version, ok);
  }
  Hist& apply(SimTime t, const char* replica, const char* key, const char* version, std::uint64_t step = kStepByTime) {
    b.add_apply(t, replica, key, parse_version(version), step);
    return *this;
  }
  // An op with its issue order in the session (ops.csv `seq`).
  Hist& seq_op(std::uint64_t seq, bool write, const char* key, SimTime invoke, SimTime complete, const char* version,
               const char* replica = "n0") {
    b.add_op("c0", 0, write, true, key, invoke, complete, replica, parse_version(version), seq);
    return *this;
  }
  Hist& lost(SimTime t, const char* replica) {
    b.add_state_lost(t, replica);
    return *this;
  }
  RecordedHistory done(const std::vector<std::string>& order = {}) {
    b.expect_applies();
    return b.finish(order);
  }
};

std::uint64_t count(const RecordedHistory& h, Guarantee g) { return check_both(h)[g].violations; }

}  // namespace

TEST_CASE("version text parses and orders like LWW versions", "[sessions][checker]") {
  const VersionText hlc = parse_version("1500000.2@n3");
  CHECK(hlc.major == 1500000);
  CHECK(hlc.minor == 2);
  CHECK(hlc.origin == "n3");
  CHECK(parse_version("L7@n1").major == 7);
  CHECK(parse_version("-20000000.0@us-east-2").major == -20000000);
  CHECK(parse_version("-20000000.0@us-east-2").origin == "us-east-2");
  CHECK(parse_version("1700000000123").origin.empty());
  CHECK(parse_version("").empty());
  for (const char* bad : {"x", "12.@n0", "12@", "12#n0", "1.99999999999@n0", "L"}) {
    INFO(bad);
    CHECK_THROWS_AS(parse_version(bad), VersionSyntaxError);
  }
  try {
    parse_version("12#n0");
  } catch (const VersionSyntaxError& e) {
    CHECK(e.offset == 2);
  }
  CHECK(natural_less("n2", "n10"));
  CHECK_FALSE(natural_less("n10", "n2"));
  CHECK(natural_less("a", "b"));
  CHECK(natural_less("us-east-9", "us-east-10"));

  // Ties on the timestamp are broken by the origin's place in the node order.
  Hist h;
  h.w("c0", "k", 0, 1, "10@n1").r("c0", "k", 2, 3, "10@n2");
  CHECK(count(h.done(), Guarantee::ryw) == 0);  // natural order n1 < n2: the read is newer
  Hist h2;
  h2.w("c0", "k", 0, 1, "10@n2").r("c0", "k", 2, 3, "10@n1");
  CHECK(count(h2.done(), Guarantee::ryw) == 1);  // natural order: the read (n1) is older than the write (n2)
  Hist h3;
  h3.w("c0", "k", 0, 1, "10@n2").r("c0", "k", 2, 3, "10@n1");
  CHECK(count(h3.done({"n2", "n1"}), Guarantee::ryw) == 0);  // node order n2, n1: the read is newer
}

TEST_CASE("read-your-writes: none, once, twice", "[sessions][checker]") {
  SECTION("none: reads return the write or something newer") {
    Hist h;
    h.w("c0", "k", 0, 10, "100@n0").r("c0", "k", 10, 20, "100@n0").r("c0", "k", 30, 40, "200@n1");
    const auto res = check_both(h.done());
    CHECK(res[Guarantee::ryw].violations == 0);
    CHECK(res[Guarantee::ryw].ops_checked == 2);
  }
  SECTION("once: a read misses the acknowledged write") {
    Hist h;
    h.w("c0", "k", 0, 10, "100@n0").r("c0", "k", 15, 20, "50@n1").r("c0", "k", 30, 40, "100@n0");
    const auto res = check_both(h.done());
    REQUIRE(res[Guarantee::ryw].violations == 1);
    CHECK(res[Guarantee::ryw].sessions_affected == 1);
    const Violation& v = res[Guarantee::ryw].examples.at(0);
    CHECK(v.op == 1);
    CHECK(v.cause == 0);
  }
  SECTION("twice: an older version and nothing at all") {
    Hist h;
    h.w("c0", "k", 0, 10, "100@n0").r("c0", "k", 15, 20, "50@n1").r("c0", "k", 30, 40, "");
    CHECK(count(h.done(), Guarantee::ryw) == 2);
  }
  SECTION("not a violation: overlapping ops, other keys, other sessions, failed ops") {
    Hist h;
    h.w("c0", "k", 0, 10, "100@n0")
        .r("c0", "k", 5, 20, "50@n1")         // invoked before the write was acknowledged
        .r("c0", "j", 15, 20, "")             // another key
        .r("c1", "k", 15, 20, "50@n1")        // another client
        .op("c0", 1, false, "k", 15, 20, "")  // another session of the same client
        .w("c0", "k", 20, 30, "300@n0", false)  // failed: no requirement
        .r("c0", "k", 40, 50, "100@n0")
        .r("c0", "k", 60, 70, "10@n0", false);  // failed read: not counted
    const auto res = check_both(h.done());
    CHECK(res[Guarantee::ryw].violations == 0);
    CHECK(res.ryw_client == 1);  // c0's second session missed c0/0's write
    CHECK(res.sessions == 3);
  }
  SECTION("an acknowledgement at the same instant as the next invocation orders them") {
    Hist h;
    h.w("c0", "k", 0, 10, "100@n0").r("c0", "k", 10, 10, "50@n1");
    CHECK(count(h.done(), Guarantee::ryw) == 1);
  }
}

TEST_CASE("monotonic reads: none, once, twice", "[sessions][checker]") {
  Hist none, once, twice;
  none.r("c0", "k", 0, 1, "5@n0").r("c0", "k", 2, 3, "5@n0").r("c0", "k", 4, 5, "9@n1").r("c0", "j", 6, 7, "1@n0");
  once.r("c0", "k", 0, 1, "9@n0").r("c0", "k", 2, 3, "5@n1").r("c1", "k", 2, 3, "1@n1");
  twice.r("c0", "k", 0, 1, "9@n0").r("c0", "k", 2, 3, "5@n1").r("c0", "k", 4, 5, "7@n1").r("c0", "k", 6, 7, "9@n0");
  CHECK(count(none.done(), Guarantee::mr) == 0);
  CHECK(count(once.done(), Guarantee::mr) == 1);
  const RecordedHistory t = twice.done();
  const auto res = check_both(t);
  CHECK(res[Guarantee::mr].violations == 2);  // 5 and 7 are both older than 9
  CHECK(res[Guarantee::mr].sessions_affected == 1);
  REQUIRE(res[Guarantee::mr].examples.size() == 2);
  CHECK(res[Guarantee::mr].examples[0].op == 1);  // earliest first
  CHECK(res[Guarantee::mr].examples[1].op == 2);
  CHECK_THAT(describe_violation(t, res[Guarantee::mr].examples[0]), Catch::Contains("returned 5@n1") && Catch::Contains("9@n0"));
  // Overlapping reads are not ordered.
  Hist overlap;
  overlap.r("c0", "k", 0, 10, "9@n0").r("c0", "k", 5, 15, "5@n1");
  CHECK(count(overlap.done(), Guarantee::mr) == 0);
}

TEST_CASE("monotonic writes: none, once, twice, from the applied order", "[sessions][checker]") {
  SECTION("none: every replica applies the session's writes in order") {
    Hist h;
    h.w("c0", "x", 0, 1, "10@n0").w("c0", "y", 2, 3, "20@n0");
    h.apply(1, "n0", "x", "10@n0").apply(2, "n0", "y", "20@n0").apply(5, "n1", "x", "10@n0").apply(5, "n1", "y", "20@n0");
    h.apply(6, "n2", "x", "10@n0").apply(7, "n2", "y", "20@n0");
    CHECK(count(h.done(), Guarantee::mw) == 0);
  }
  SECTION("once: a replica takes on the second write before the first") {
    Hist h;
    h.w("c0", "x", 0, 1, "10@n0").w("c0", "y", 2, 3, "20@n0");
    h.apply(1, "n0", "x", "10@n0").apply(2, "n0", "y", "20@n0").apply(3, "n1", "y", "20@n0").apply(4, "n1", "x", "10@n0");
    h.apply(3, "n2", "y", "20@n0").apply(9, "n2", "x", "10@n0");  // the same write again elsewhere: still one
    const RecordedHistory hist = h.done();
    const auto res = check_both(hist);
    REQUIRE(res[Guarantee::mw].violations == 1);
    const Violation& v = res[Guarantee::mw].examples.at(0);
    CHECK(v.op == 1);
    CHECK(v.cause == 0);
    CHECK(hist.replicas[hist.incarnation_replica[v.incarnation]] == "n1");
    CHECK(v.applied_ns == 3);
  }
  SECTION("twice: two later writes, and the same-key case ordered by version") {
    Hist h;
    h.w("c0", "x", 0, 1, "10@n0").w("c0", "y", 2, 3, "20@n0").w("c0", "x", 4, 5, "5@n1");  // the third is older than the first
    h.apply(1, "n0", "x", "10@n0").apply(2, "n0", "y", "20@n0").apply(3, "n1", "y", "20@n0").apply(4, "n1", "x", "10@n0");
    CHECK(count(h.done(), Guarantee::mw) == 2);
  }
  SECTION("not a violation: arriving together, superseded first, never arriving, overlapping writes") {
    Hist h;
    h.w("c0", "x", 0, 1, "10@n0").w("c0", "y", 2, 3, "20@n0").w("c1", "p", 0, 5, "1@n0").w("c1", "q", 1, 6, "2@n0");
    h.apply(1, "n0", "x", "10@n0").apply(2, "n0", "y", "20@n0");
    h.apply(4, "n1", "y", "20@n0").apply(4, "n1", "x", "10@n0");   // same instant: one message
    h.apply(3, "n2", "x", "15@n3").apply(4, "n2", "y", "20@n0");   // x already newer than the session's write
    h.apply(4, "n3", "y", "20@n0");                                // never gets x: no opposite order to show
    h.apply(1, "n4", "q", "2@n0").apply(2, "n4", "p", "1@n0");     // c1's writes overlapped: unordered
    CHECK(count(h.done(), Guarantee::mw) == 0);
  }
  SECTION("a replica that lost its state starts over") {
    Hist h;
    h.w("c0", "x", 0, 1, "10@n0").w("c0", "y", 2, 3, "20@n0");
    h.apply(1, "n1", "x", "10@n0").lost(2, "n1").apply(3, "n1", "y", "20@n0").apply(4, "n1", "x", "10@n0");
    CHECK(count(h.done(), Guarantee::mw) == 1);
    Hist g;
    g.w("c0", "x", 0, 1, "10@n0").w("c0", "y", 2, 3, "20@n0");
    g.apply(1, "n1", "x", "10@n0").lost(2, "n1").apply(3, "n1", "y", "20@n0");
    CHECK(count(g.done(), Guarantee::mw) == 0);
  }
}

TEST_CASE("writes follow reads: none, once, twice", "[sessions][checker]") {
  SECTION("none") {
    Hist h;
    h.w("c9", "x", 0, 1, "10@n9").r("c0", "x", 2, 3, "10@n9").w("c0", "y", 4, 5, "20@n0");
    h.apply(1, "n9", "x", "10@n9").apply(2, "n0", "x", "10@n9").apply(4, "n0", "y", "20@n0");
    h.apply(6, "n1", "x", "10@n9").apply(7, "n1", "y", "20@n0");
    CHECK(count(h.done(), Guarantee::wfr) == 0);
  }
  SECTION("once: a replica applies the write before the write the session had read") {
    Hist h;
    h.w("c9", "x", 0, 1, "10@n9").r("c0", "x", 2, 3, "10@n9").w("c0", "y", 4, 5, "20@n0");
    h.apply(1, "n9", "x", "10@n9").apply(2, "n0", "x", "10@n9").apply(4, "n0", "y", "20@n0");
    h.apply(6, "n1", "y", "20@n0").apply(7, "n1", "x", "10@n9");
    const auto res = check_both(h.done());
    CHECK(res[Guarantee::wfr].violations == 1);
    CHECK(res[Guarantee::wfr].sessions_affected == 1);
    CHECK(res[Guarantee::mw].violations == 0);  // c0 wrote only once
  }
  SECTION("twice: the same key written older than what was read, and a cross-key inversion") {
    Hist h;
    h.r("c0", "x", 0, 1, "10@n9").w("c0", "x", 2, 3, "5@n0").w("c0", "y", 4, 5, "20@n0");
    h.apply(0, "n9", "x", "10@n9").apply(4, "n1", "y", "20@n0").apply(8, "n1", "x", "10@n9");
    CHECK(count(h.done(), Guarantee::wfr) == 2);
  }
  SECTION("a read that found nothing requires nothing") {
    Hist h;
    h.r("c0", "x", 0, 1, "").w("c0", "x", 2, 3, "5@n0");
    h.apply(2, "n0", "x", "5@n0");
    CHECK(count(h.done(), Guarantee::wfr) == 0);
  }
}

TEST_CASE("MW and WFR need the applied order", "[sessions][checker]") {
  HistoryBuilder b;
  b.add_op("c0", 0, true, true, "k", 0, 1, "n0", parse_version("1@n0"));
  const History h = b.finish();
  CHECK_THROWS_AS(check_sessions(h), std::invalid_argument);
  SessionCheckOptions o;
  o.check = {true, true, false, false};
  CHECK(check_sessions(h, o)[Guarantee::ryw].violations == 0);
  CHECK_FALSE(check_sessions(h, o)[Guarantee::mw].checked);
}

namespace {

// The contract's definitions read literally: quadratic, obviously right.
struct Naive {
  std::uint64_t ryw = 0, mr = 0, mw = 0, wfr = 0;
  std::uint64_t ryw_client = 0;             // reads missing a write of any session of their client
  std::set<std::uint32_t> ryw_sessions, mr_sessions;  // sessions with a violation
};

// When incarnation `inc` first reflected (key, v): its newest version reached v. -1 if never.
std::int64_t naive_reflected(const History& h, std::uint32_t inc, std::uint32_t key, const Version& v) {
  Version newest;
  std::int64_t when = -1;
  std::vector<const ApplyRow*> rows;
  for (const ApplyRow& a : h.applies)
    if (a.incarnation == inc && a.key == key) rows.push_back(&a);
  std::stable_sort(rows.begin(), rows.end(), [](const ApplyRow* x, const ApplyRow* y) { return x->time_ns < y->time_ns; });
  for (const ApplyRow* a : rows) {
    if (newest.empty() || newest < a->version) newest = a->version;
    if (!(newest < v)) {
      when = a->time_ns;
      break;
    }
  }
  return when;
}

// When incarnation `inc` took on exactly (key, v): the row where its newest version first reached v is v.
std::int64_t naive_held(const History& h, std::uint32_t inc, std::uint32_t key, const Version& v) {
  Version newest;
  std::vector<const ApplyRow*> rows;
  for (const ApplyRow& a : h.applies)
    if (a.incarnation == inc && a.key == key) rows.push_back(&a);
  std::stable_sort(rows.begin(), rows.end(), [](const ApplyRow* x, const ApplyRow* y) { return x->time_ns < y->time_ns; });
  for (const ApplyRow* a : rows) {
    if (newest.empty() || newest < a->version) newest = a->version;
    if (!(newest < v)) return a->version == v ? a->time_ns : -1;
  }
  return -1;
}

Naive naive_check(const History& h) {
  Naive n;
  const auto& ops = h.ops;
  const auto incs = static_cast<std::uint32_t>(h.incarnation_replica.size());
  for (std::size_t i = 0; i < ops.size(); ++i) {
    const HistoryOp& b = ops[i];
    if (!b.ok) continue;
    bool ryw = false, mr = false, mw = false, wfr = false, ryw_client = false;
    for (std::size_t j = 0; j < ops.size(); ++j) {
      const HistoryOp& a = ops[j];
      if (j == i || !a.ok || a.version.empty() || a.complete_ns > b.invoke_ns) continue;
      const bool same_client = h.session_client[a.session] == h.session_client[b.session];
      if (same_client && !b.is_write && a.is_write && a.key == b.key && b.version < a.version) ryw_client = true;
      if (a.session != b.session) continue;
      if (!b.is_write && a.key == b.key) {
        if (a.is_write && b.version < a.version) ryw = true;
        if (!a.is_write && b.version < a.version) mr = true;
      }
      if (b.is_write && !b.version.empty()) {
        bool inverted = a.key == b.key && b.version < a.version;
        for (std::uint32_t inc = 0; inc < incs && !inverted; ++inc) {
          const std::int64_t held = naive_held(h, inc, b.key, b.version);
          const std::int64_t need = naive_reflected(h, inc, a.key, a.version);
          inverted = held >= 0 && need >= 0 && held < need;
        }
        if (inverted) (a.is_write ? mw : wfr) = true;
      }
    }
    n.ryw += ryw;
    n.mr += mr;
    n.ryw_client += ryw_client;
    if (ryw) n.ryw_sessions.insert(b.session);
    if (mr) n.mr_sessions.insert(b.session);
    n.mw += mw;
    n.wfr += wfr;
  }
  return n;
}

}  // namespace

TEST_CASE("random histories: the checkers agree with a brute-force reading of the definitions", "[sessions][checker]") {
  Rng rng(20240601);
  const char* clients[] = {"c0", "c1"};
  const char* keys[] = {"x", "y", "z"};
  const char* nodes[] = {"n0", "n1", "n2"};
  std::uint64_t total[4] = {0, 0, 0, 0};
  std::uint64_t other_session_only = 0;  // reads that only miss another session's write
  for (int round = 0; round < 400; ++round) {
    RecordingBuilder b;
    std::vector<std::string> written;  // versions written so far, to be read back
    const int n_ops = 4 + static_cast<int>(rng.below(14));
    for (int i = 0; i < n_ops; ++i) {
      const bool write = rng.bernoulli(0.5);
      const SimTime invoke = static_cast<SimTime>(rng.below(30));
      const SimTime complete = invoke + static_cast<SimTime>(rng.below(4));
      std::string version;
      if (write || (!written.empty() && rng.bernoulli(0.8))) {
        version = write ? std::to_string(1 + rng.below(12)) + "@" + nodes[rng.below(3)]
                        : written[rng.below(written.size())];
        if (write) written.push_back(version);
      }
      b.add_op(clients[rng.below(2)], static_cast<std::uint32_t>(rng.below(2)), write, rng.bernoulli(0.9), keys[rng.below(3)],
               invoke, complete, nodes[rng.below(3)], parse_version(version));
    }
    // Applied rows: per replica, in time order, each key moving forward.
    b.expect_applies();
    for (const char* node : nodes) {
      SimTime t = 0;
      for (int i = 0; i < 8 && !written.empty(); ++i) {
        t += static_cast<SimTime>(rng.below(5));
        if (rng.bernoulli(0.08)) {
          b.add_state_lost(t, node);
          continue;
        }
        const char* key = keys[rng.below(3)];
        const std::string& v = written[rng.below(written.size())];
        b.add_apply(t, node, key, parse_version(v));
      }
    }
    const RecordedHistory h = b.finish();
    const auto res = check_both(h);
    const Naive n = naive_check(h);
    INFO("round " << round);
    REQUIRE(res[Guarantee::ryw].violations == n.ryw);
    REQUIRE(res[Guarantee::mr].violations == n.mr);
    REQUIRE(res[Guarantee::mw].violations == n.mw);
    REQUIRE(res[Guarantee::wfr].violations == n.wfr);
    REQUIRE(res.ryw_client == n.ryw_client);
    REQUIRE(res[Guarantee::ryw].sessions_affected == n.ryw_sessions.size());
    REQUIRE(res[Guarantee::mr].sessions_affected == n.mr_sessions.size());
    other_session_only += n.ryw_client - n.ryw;
    total[0] += n.ryw;
    total[1] += n.mr;
    total[2] += n.mw;
    total[3] += n.wfr;
  }
  // The random histories exercise every guarantee, violated and not.
  for (std::uint64_t t : total) CHECK(t > 20);
  CHECK(other_session_only > 20);
}

TEST_CASE("k-staleness and t-visibility on a hand-built history", "[sessions][staleness]") {
  Hist h;
  // Three committed versions of k (acked at 10, 20, 30); j has none.
  h.w("c0", "k", 0, 10, "1@n0").w("c0", "k", 15, 20, "2@n0").w("c1", "k", 25, 30, "3@n1");
  h.r("c2", "k", 35, 36, "3@n1")   // fresh (0 behind), 5 ns after the newest was acked
      .r("c2", "k", 40, 41, "2@n0")  // 1 behind
      .r("c2", "k", 50, 51, "1@n0")  // 2 behind
      .r("c2", "k", 60, 61, "")      // 3 behind: found nothing
      .r("c2", "k", 12, 13, "2@n0")  // only version 1 committed at 12: returned something newer, fresh
      .r("c2", "j", 5, 6, "");        // nothing committed: fresh, no t-visibility
  const StalenessResult s = measure_staleness(h.done(), 4);
  CHECK(s.reads == 6);
  CHECK(s.behind[0] == 3);
  CHECK(s.behind[1] == 1);
  CHECK(s.behind[2] == 1);
  CHECK(s.behind[3] == 1);
  CHECK(s.k_fraction(1) == Approx(3.0 / 6));
  CHECK(s.k_fraction(2) == Approx(4.0 / 6));
  CHECK(s.k_fraction(3) == Approx(5.0 / 6));
  CHECK(s.k_fraction(4) == 1.0);
  std::uint64_t measured = 0, consistent = 0;
  for (const auto& b : s.t_visibility) {
    measured += b.reads;
    consistent += b.consistent;
  }
  CHECK(measured == 5);
  CHECK(consistent == 2);
}

namespace {
std::filesystem::path temp_dir() {
  const auto p = std::filesystem::temp_directory_path() / ("ecsim-history-" + std::to_string(::getpid()));
  std::filesystem::create_directories(p);
  return p;
}
std::string write_file(const std::filesystem::path& p, const std::string& text) {
  std::ofstream(p) << text;
  return p.string();
}
std::string error_of(const std::string& ops, const std::string& applied = "") {
  try {
    read_history_csv(ops, applied);
  } catch (const HistoryInputError& e) {
    return e.what();
  }
  return "no error";
}
}  // namespace

TEST_CASE("history CSV: columns by name, the same counts as built in memory, errors with file:line:col", "[sessions][checker]") {
  const auto dir = temp_dir();
  const std::string header = "client,session,op,key,value,invoke_ns,complete_ns,replica,ok,version\n";
  // Columns in another order and an extra column: found by name.
  const std::string ops = write_file(dir / "ops.csv",
                                     "version,ok,extra,client,session,op,key,invoke_ns,complete_ns\n"
                                     "100@n0,true,a,c0,0,write,x,0,1\n"
                                     "200@n0,true,b,c0,0,write,y,2,3\n"
                                     "\"50@n1\",true,\"q,uoted\",c0,0,read,x,4,5\n");
  const std::string applied = write_file(dir / "applied.csv",
                                         "time_ns,replica,key,version\n"
                                         "1,n0,x,100@n0\n2,n0,y,200@n0\n3,n1,y,200@n0\n4,n1,x,100@n0\n5,n1,,\n");
  const History h = read_history_csv(ops, applied);
  REQUIRE(h.ops.size() == 3);
  CHECK(h.ops[0].replica == kNoId);  // no replica column
  CHECK(h.incarnation_replica.size() == 2);
  const auto res = check_sessions(h);
  CHECK(res[Guarantee::ryw].violations == 1);
  CHECK(res[Guarantee::mw].violations == 1);

  CHECK_THAT(error_of(write_file(dir / "a.csv", header + "c0,0,read,k,,0,1,n0,true,\nc0,x,read,k,,0,1,n0,true,\n")),
             Catch::Contains("a.csv:3:4: error: session: expected an integer, got 'x'"));
  CHECK_THAT(error_of(write_file(dir / "b.csv", header + "c0,0,read,k,,0,1,n0,maybe,\n")),
             Catch::Contains("b.csv:2:21: error: ok: expected true or false"));
  CHECK_THAT(error_of(write_file(dir / "c.csv", header + "c0,0,read,k,,0,1,n0,true,12#n0\n")),
             Catch::Contains("c.csv:2:28: error: version: unexpected '#'"));
  CHECK_THAT(error_of(write_file(dir / "d.csv", "client,op,key\nc0,read,k\n")),
             Catch::Contains("d.csv:1:1: error: missing column 'session'"));
  CHECK_THAT(error_of(write_file(dir / "e.csv", header + "c0,0,read,k,,5,1,n0,true,\n")),
             Catch::Contains("e.csv:2:16: error: complete_ns (1) is before invoke_ns (5)"));
  CHECK_THAT(error_of(write_file(dir / "f.csv", header + "c0,0,read,k,,0,1,n0,true\n")),
             Catch::Contains("f.csv:2:25: error: expected 10 fields as in the header, got 9"));
  CHECK_THAT(error_of(write_file(dir / "g.csv", header + "c0,0,read,k,\"unterminated,0,1,n0,true,\n")),
             Catch::Contains("g.csv:2:13: error: unterminated quoted field"));
  const std::string good = write_file(dir / "good.csv", header + "c0,0,read,k,,0,1,n0,true,\n");
  CHECK_THAT(error_of(good, write_file(dir / "ap1.csv", "time_ns,replica,key,version\n5,n0,k,1@n0\n4,n0,k,2@n0\n")),
             Catch::Contains("ap1.csv:3:1: error: time_ns: time 4 is before this replica's previous row"));
  CHECK_THAT(error_of(good, write_file(dir / "ap2.csv", "time_ns,replica,key,version\n5,n0,k,\n")),
             Catch::Contains("ap2.csv:2:8: error: version: must not be empty"));
  CHECK_THAT(error_of((dir / "missing.csv").string()), Catch::Contains("missing.csv: error: cannot open history file"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("session order at one instant follows seq, without seq both orders hold", "[sessions][checker]") {
  // crash-recovery's shape: one session writes x at n0 and y at n1 at the
  // same instant (zero latency). n1 applies y at once and x 1 s later; n0
  // applies x at once and y 1 s later.
  auto build = [](bool with_seq) {
    Hist h;
    h.seq_op(with_seq ? 1 : 0, true, "x", 0, 0, "0.1@n0", "n0").seq_op(with_seq ? 2 : 0, true, "y", 0, 0, "0.2@n1", "n1");
    h.apply(0, "n0", "x", "0.1@n0").apply(0, "n1", "y", "0.2@n1");
    h.apply(1000, "n0", "y", "0.2@n1").apply(1000, "n1", "x", "0.1@n0");
    return h.done();
  };
  // Without seq each write "precedes" the other (both completed at the
  // instant the other was invoked): n1 inverts x-before-y, n0 y-before-x.
  CHECK(count(build(false), Guarantee::mw) == 2);
  // With seq only x (seq 1) precedes y (seq 2): n1 held y for 1 s without x,
  // a reader there could see it; n0's order is the session's. One violation.
  const RecordedHistory h = build(true);
  const auto res = check_both(h);
  REQUIRE(res[Guarantee::mw].violations == 1);
  CHECK(res[Guarantee::mw].examples.at(0).op == 1);
  CHECK(h.replicas[h.incarnation_replica[res[Guarantee::mw].examples.at(0).incarnation]] == "n1");

  // Reads: a write with seq 2 does not precede a read with seq 1 at the same
  // instant (the read was issued first), so the read owes it nothing.
  Hist r;
  r.seq_op(1, false, "x", 5, 5, "").seq_op(2, true, "x", 5, 5, "5@n0").seq_op(3, false, "x", 5, 5, "");
  CHECK(count(r.done(), Guarantee::ryw) == 1);  // only the read issued after the write (seq 3)
  Hist overlapping;  // overlapping ops stay unordered whatever their seq
  overlapping.seq_op(1, true, "x", 0, 10, "5@n0").seq_op(2, false, "x", 5, 15, "");
  CHECK(count(overlapping.done(), Guarantee::ryw) == 0);
}

TEST_CASE("atomic steps: writes applied in one step are one moment for MW", "[sessions][checker]") {
  // The session writes x then y (ordered in real time). n1 receives both at
  // t = 10 and applies y first.
  auto build = [](std::uint64_t step_y, std::uint64_t step_x) {
    Hist h;
    h.w("c0", "x", 0, 1, "1@n0").w("c0", "y", 2, 3, "3@n0");
    h.apply(1, "n0", "x", "1@n0", 1).apply(3, "n0", "y", "3@n0", 2);
    h.apply(10, "n1", "y", "3@n0", step_y).apply(10, "n1", "x", "1@n0", step_x);
    return h.done();
  };
  CHECK(count(build(7, 7), Guarantee::mw) == 0);  // one message's batch: no reader could see y without x
  CHECK(count(build(7, 8), Guarantee::mw) == 1);  // two steps at one instant: a read between them sees y alone
  CHECK(count(build(0, 0), Guarantee::mw) == 1);  // step 0: each row a step of its own
  CHECK(count(build(kStepByTime, kStepByTime), Guarantee::mw) == 0);  // no step known: one instant, as before steps
  // Rows of one step must share their time.
  HistoryBuilder b;
  b.add_apply(10, "n1", "y", parse_version("3@n0"), 7);
  CHECK_THROWS_AS(b.add_apply(11, "n1", "x", parse_version("1@n0"), 7), std::invalid_argument);
}

TEST_CASE("history CSV: seq and step columns give the same verdicts as the history built in memory", "[sessions][checker]") {
  const auto dir = temp_dir();
  // crash-recovery's shape again, through the files ecsim writes.
  const std::string ops_seq = write_file(dir / "ops-seq.csv",
                                         "client,session,seq,op,key,invoke_ns,complete_ns,replica,ok,version\n"
                                         "c0,0,1,write,x,0,0,n0,true,0.1@n0\n"
                                         "c0,0,2,write,y,0,0,n1,true,0.2@n1\n");
  const std::string ops_plain = write_file(dir / "ops-plain.csv",
                                           "client,session,op,key,invoke_ns,complete_ns,replica,ok,version\n"
                                           "c0,0,write,x,0,0,n0,true,0.1@n0\n"
                                           "c0,0,write,y,0,0,n1,true,0.2@n1\n");
  const std::string applied = write_file(dir / "applied-steps.csv",
                                         "time_ns,replica,key,version,step\n"
                                         "0,n0,x,0.1@n0,1\n0,n1,y,0.2@n1,2\n1000,n0,y,0.2@n1,3\n1000,n1,x,0.1@n0,4\n");
  CHECK(check_sessions(read_history_csv(ops_seq, applied))[Guarantee::mw].violations == 1);
  CHECK(check_sessions(read_history_csv(ops_plain, applied))[Guarantee::mw].violations == 2);
  CHECK(read_history_csv(ops_seq, applied).ops[1].seq == 2);
  // One step of two rows at one instant: no violation; two steps: one.
  const std::string ops2 = write_file(dir / "ops2.csv",
                                      "client,session,op,key,invoke_ns,complete_ns,ok,version\n"
                                      "c0,0,write,x,0,1,true,1@n0\nc0,0,write,y,2,3,true,3@n0\n");
  const std::string one_step = write_file(dir / "one-step.csv", "time_ns,replica,key,version,step\n10,n1,y,3@n0,7\n10,n1,x,1@n0,7\n");
  const std::string two_steps = write_file(dir / "two-steps.csv", "time_ns,replica,key,version,step\n10,n1,y,3@n0,7\n10,n1,x,1@n0,8\n");
  CHECK(check_sessions(read_history_csv(ops2, one_step))[Guarantee::mw].violations == 0);
  CHECK(check_sessions(read_history_csv(ops2, two_steps))[Guarantee::mw].violations == 1);
  CHECK_THAT(error_of(ops2, write_file(dir / "bad-step.csv", "time_ns,replica,key,version,step\n10,n1,y,3@n0,7\n11,n1,x,1@n0,7\n")),
             Catch::Contains("bad-step.csv:3:1: error: time_ns: step 7 has rows at 10 and 11"));
  CHECK_THAT(error_of(ops2, write_file(dir / "neg-step.csv", "time_ns,replica,key,version,step\n10,n1,y,3@n0,-1\n")),
             Catch::Contains("neg-step.csv:2:14: error: step: expected a number >= 0"));
  CHECK_THAT(error_of(write_file(dir / "neg-seq.csv", "client,session,seq,op,key,invoke_ns,complete_ns,ok,version\nc0,0,-2,read,k,0,1,true,\n")),
             Catch::Contains("neg-seq.csv:2:6: error: seq: expected a number >= 0"));
  std::filesystem::remove_all(dir);
}
