// HistoryRecorder: the exact rows of applied.csv (state changes and state
// losses), the History it builds (ops, applies, replica incarnations,
// version origins ranked by node order), what the record flags switch, and
// versions that are not totally ordered. Callbacks are called on the
// recorder object itself.
#include <catch2/catch.hpp>

#include "test_util.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <unistd.h>

#include "analysis/csv_writer.hpp"
#include "analysis/history_recorder.hpp"

using namespace ecsim;
namespace fs = std::filesystem;

namespace {

fs::path fresh_dir(const std::string& name) { return ecsim::test::fresh_dir("history-recorder", name); }

using ecsim::test::slurp;

// (fmt, not "k" + std::to_string: GCC 12 -O2 warns -Wrestrict on that.)
std::string key_name(KeyId k) { return fmt::format("k{}", k); }

OpRecord op(std::string_view client, std::uint32_t session, bool is_write, std::string_view key, SimTime invoke,
            SimTime complete, NodeId replica, bool ok, std::string_view version) {
  OpRecord r;
  r.client = client;
  r.session = session;
  r.op = is_write ? "write" : "read";
  r.key = key;
  r.invoke_ns = invoke;
  r.complete_ns = complete;
  r.replica = replica;
  r.ok = ok;
  r.version = version;
  r.is_write = is_write;
  return r;
}

}  // namespace

TEST_CASE("history recorder: exact applied.csv rows and the history built", "[history_recorder]") {
  const fs::path dir = fresh_dir("exact");
  const fs::path applied = dir / "applied.csv";
  HistoryRecorder rec({"n0", "n1", "n2"}, key_name, true, true, applied.string());
  CHECK(rec.wants_applied_versions());

  rec.on_version_applied(1000, 0, 0, 1, "1000@n0", 7);
  rec.on_version_applied(2500, 1, 0, 1, "1000@n0", 8);
  rec.on_version_applied(3000, 1, 1, 2, "2999.1@n1", 9);
  rec.on_state_lost(4000, 1);
  rec.on_version_applied(5000, 1, 0, 1, "1000@n0", 10);
  rec.on_op(op("c0", 0, true, "k0", 900, 1200, 0, true, "1000@n0"));
  rec.on_op(op("c1", 2, false, "k1", 2000, 2100, kNoNode, false, ""));
  rec.on_op(op("c1", 2, false, "k1", 3100, 3200, 1, true, "2999.1@n1"));
  const History h = rec.finish();
  CHECK_FALSE(rec.unorderable());

  // One row per state change; a state loss is a row with key and version empty.
  const std::string want =
      "time_ns,replica,key,version,step\n"
      "1000,n0,k0,1000@n0,7\n"
      "2500,n1,k0,1000@n0,8\n"
      "3000,n1,k1,2999.1@n1,9\n"
      "4000,n1,,,\n"
      "5000,n1,k0,1000@n0,10\n";
  CHECK(slurp(applied) == want);
  CHECK(rec.applied_hash() == fnv1a64(want));

  // Ops in the order reported; sessions c0/0 then c1/2.
  REQUIRE(h.ops.size() == 3);
  CHECK(h.ops[0].is_write);
  CHECK(h.ops[0].ok);
  CHECK(h.ops[0].invoke_ns == 900);
  CHECK(h.ops[0].complete_ns == 1200);
  CHECK(h.format(h.ops[0].version) == "1000@n0");
  CHECK(h.replicas[h.ops[0].replica] == "n0");
  CHECK_FALSE(h.ops[1].is_write);
  CHECK_FALSE(h.ops[1].ok);
  CHECK(h.ops[1].replica == kNoId);  // no replica (failed)
  CHECK(h.ops[1].version.empty());
  CHECK(h.format(h.ops[2].version) == "2999.1@n1");
  REQUIRE(h.session_count() == 2);
  CHECK(h.session_name(h.ops[0].session) == "c0/0");
  CHECK(h.session_name(h.ops[1].session) == "c1/2");
  CHECK(h.ops[1].session == h.ops[2].session);
  CHECK(h.keys[h.ops[1].key] == "k1");

  // Applies: four rows (the state loss is not one); n1 is two incarnations,
  // before and after losing its state: incarnations n0, n1, n1 again.
  CHECK(h.has_applies);
  REQUIRE(h.applies.size() == 4);
  CHECK(h.applies[0].time_ns == 1000);
  CHECK(h.applies[3].time_ns == 5000);
  REQUIRE(h.incarnation_replica.size() == 3);
  CHECK(h.replicas[h.incarnation_replica[h.applies[0].incarnation]] == "n0");
  CHECK(h.applies[1].incarnation == h.applies[2].incarnation);
  CHECK(h.applies[3].incarnation != h.applies[1].incarnation);
  CHECK(h.replicas[h.incarnation_replica[h.applies[3].incarnation]] == "n1");
  CHECK(h.keys[h.applies[2].key] == "k1");
  CHECK(h.format(h.applies[2].version) == "2999.1@n1");
  CHECK(h.applies[0].version == h.ops[0].version);
  CHECK(h.applies[0].version < h.applies[2].version);
}

TEST_CASE("history recorder: origins tie-break in node-id order, not name order", "[history_recorder]") {
  // Node 0 is "b", node 1 is "a": with equal timestamps, b ranks below a.
  HistoryRecorder rec({"b", "a"}, key_name, true, false, "");
  rec.on_op(op("c0", 0, true, "k0", 10, 20, 1, true, "7@a"));
  rec.on_op(op("c0", 0, true, "k0", 30, 40, 0, true, "7@b"));
  const History h = rec.finish();
  REQUIRE(h.ops.size() == 2);
  CHECK(h.ops[1].version < h.ops[0].version);
  CHECK(h.format(h.ops[0].version) == "7@a");
  CHECK(h.format(h.ops[1].version) == "7@b");
}

TEST_CASE("history recorder: record flags and no file", "[history_recorder]") {
  SECTION("nothing recorded, no file") {
    HistoryRecorder rec({"n0"}, key_name, false, false, "");
    CHECK_FALSE(rec.wants_applied_versions());
    rec.on_op(op("c0", 0, true, "k0", 1, 2, 0, true, "1@n0"));
    rec.on_version_applied(1, 0, 0, 1, "1@n0", 0);
    const History h = rec.finish();
    CHECK(h.ops.empty());
    CHECK(h.applies.empty());
    CHECK_FALSE(h.has_applies);
    CHECK(rec.applied_hash() == 0);
  }
  SECTION("applies recorded for the checkers, but no file") {
    HistoryRecorder rec({"n0"}, key_name, false, true, "");
    CHECK(rec.wants_applied_versions());
    rec.on_version_applied(1, 0, 0, 1, "1@n0", 0);
    const History h = rec.finish();
    CHECK(h.has_applies);  // an applied order, even if empty, is known
    CHECK(h.applies.size() == 1);
    CHECK(h.ops.empty());
  }
  SECTION("file only") {
    const fs::path dir = fresh_dir("file-only");
    HistoryRecorder rec({"n0"}, key_name, false, false, (dir / "applied.csv").string());
    CHECK(rec.wants_applied_versions());
    rec.on_version_applied(7, 0, 3, 1, "5@n0", 0);
    const History h = rec.finish();
    CHECK(h.applies.empty());
    CHECK(slurp(dir / "applied.csv") == "time_ns,replica,key,version,step\n7,n0,k3,5@n0,0\n");
  }
}

TEST_CASE("history recorder: versions that are not totally ordered stop recording, not the file", "[history_recorder]") {
  const fs::path dir = fresh_dir("unorderable");
  HistoryRecorder rec({"n0", "n1"}, key_name, true, true, (dir / "applied.csv").string());
  rec.on_version_applied(10, 0, 0, 1, "10@n0", 0);
  rec.on_version_applied(20, 1, 0, 2, "{n0:1,n1:1}", 0);  // an MV-register context: not orderable
  CHECK(rec.unorderable());
  rec.on_version_applied(30, 0, 0, 2, "{n0:1,n1:1}", 0);
  rec.on_op(op("c0", 0, true, "k0", 5, 15, 0, true, "10@n0"));  // not recorded any more
  const History h = rec.finish();
  CHECK(h.ops.empty());
  CHECK(h.applies.size() == 1);
  // The file has every row; text with commas is quoted.
  CHECK(slurp(dir / "applied.csv") ==
        "time_ns,replica,key,version,step\n"
        "10,n0,k0,10@n0,0\n"
        "20,n1,k0,\"{n0:1,n1:1}\",0\n"
        "30,n0,k0,\"{n0:1,n1:1}\",0\n");
}
