// LostWritesChecker against hand-built observation sequences whose lost
// writes are worked out by hand: concurrent LWW writes, a write seen before
// its overwrite (by the replica, transitively, or by the session), a
// causally later write losing to a skewed clock, unacknowledged writes,
// data types whose writes all contribute (count_only_listed), and replicas
// that lose their state and come back as new incarnations. Callbacks are
// called on the checker object itself.
#include <catch2/catch.hpp>

#include <vector>

#include "analysis/lost_writes.hpp"

using namespace ecsim;

namespace {

constexpr NodeId n0 = 0, n1 = 1, n2 = 2;
constexpr KeyId kX = 0, kY = 1;

// Drives the checker the way a run does: accept at a replica, tell the
// client (on_op), replicate (on_write_received).
struct Driver {
  LostWritesChecker c;
  SimTime now = 0;

  void accept(NodeId node, KeyId key, WriteId w, std::uint64_t session) {
    c.on_write_accepted(++now, node, key, w, StateRank{static_cast<std::uint64_t>(w), 0}, session);
  }
  void ack(KeyId key, WriteId w, std::uint64_t session, bool ok = true) {
    OpRecord r;
    r.client = "c";
    r.op = "write";
    r.key = key == kX ? "x" : "y";
    r.ok = ok;
    r.key_id = key;
    r.write = w;
    r.session_uid = session;
    r.is_write = true;
    c.on_op(r);
  }
  void read(KeyId key, WriteId returned, std::uint64_t session) {
    OpRecord r;
    r.client = "c";
    r.op = "read";
    r.key = key == kX ? "x" : "y";
    r.ok = true;
    r.key_id = key;
    r.write = returned;
    r.session_uid = session;
    r.is_write = false;
    c.on_op(r);
  }
  void write(NodeId node, KeyId key, WriteId w, std::uint64_t session) {
    accept(node, key, w, session);
    ack(key, w, session);
  }
  void receive(NodeId node, KeyId key, WriteId w) { c.on_write_received(++now, node, key, w); }
};

}  // namespace

TEST_CASE("lost writes: two concurrent LWW writes, one overwritten unseen -> 1", "[lost_writes]") {
  Driver d;
  // Sessions 1 and 2 write x at n0 and n1 before either replica has the
  // other's write: concurrent. LWW keeps w2 everywhere.
  d.write(n0, kX, 1, 1);
  d.write(n1, kX, 2, 2);
  d.receive(n1, kX, 1);  // arrives after w2: discarded
  d.receive(n0, kX, 2);  // w2 wins at n0
  d.c.final_read(n0, kX, 2);
  d.c.final_read(n1, kX, 2);
  CHECK_FALSE(d.c.precedes(1, 2));
  CHECK_FALSE(d.c.precedes(2, 1));
  // w1: acknowledged, in no final state, no final write causally after it.
  CHECK(d.c.count_lost() == 1);
}

TEST_CASE("lost writes: a write seen before the overwrite is superseded, not lost -> 0", "[lost_writes]") {
  Driver d;
  d.write(n0, kX, 1, 1);
  d.receive(n1, kX, 1);  // n1 has w1 ...
  d.write(n1, kX, 2, 2);  // ... before it accepts w2 from another session
  d.receive(n0, kX, 2);
  d.c.final_read(n0, kX, 2);
  d.c.final_read(n1, kX, 2);
  CHECK(d.c.precedes(1, 2));
  CHECK_FALSE(d.c.precedes(2, 1));
  CHECK(d.c.count_lost() == 0);
}

TEST_CASE("lost writes: causality is transitive across replicas -> 0", "[lost_writes]") {
  Driver d;
  // w1 at n0 -> n1 (accepts w2) -> n2 receives only w2, then accepts w3.
  d.write(n0, kX, 1, 1);
  d.receive(n1, kX, 1);
  d.write(n1, kX, 2, 2);
  d.receive(n2, kX, 2);
  d.write(n2, kX, 3, 3);
  d.receive(n0, kX, 3);
  d.receive(n1, kX, 3);
  for (NodeId n : {n0, n1, n2}) d.c.final_read(n, kX, 3);
  CHECK(d.c.precedes(1, 3));
  CHECK(d.c.precedes(2, 3));
  CHECK(d.c.count_lost() == 0);
}

TEST_CASE("lost writes: the session carries causality between replicas", "[lost_writes]") {
  SECTION("a session's own earlier write -> 0") {
    Driver d;
    // Session 1 writes w1 at n0, then w2 at n1, which never received w1:
    // w2 depends on w1 through the session.
    d.write(n0, kX, 1, 1);
    d.write(n1, kX, 2, 1);
    d.receive(n0, kX, 2);
    d.c.final_read(n0, kX, 2);
    d.c.final_read(n1, kX, 2);
    CHECK(d.c.precedes(1, 2));
    CHECK(d.c.count_lost() == 0);
  }
  SECTION("a write the session read -> 0") {
    Driver d;
    d.write(n0, kX, 1, 1);
    d.read(kX, 1, 2);  // session 2 reads w1 (at n0) ...
    d.write(n1, kX, 2, 2);  // ... then writes at n1, which never had w1
    d.receive(n0, kX, 2);
    d.c.final_read(n0, kX, 2);
    d.c.final_read(n1, kX, 2);
    CHECK(d.c.count_lost() == 0);
  }
  SECTION("another session that read nothing -> 1") {
    Driver d;
    d.write(n0, kX, 1, 1);
    d.write(n1, kX, 2, 2);
    d.receive(n0, kX, 2);
    d.c.final_read(n0, kX, 2);
    d.c.final_read(n1, kX, 2);
    CHECK(d.c.count_lost() == 1);
  }
  SECTION("what a session knows of one key says nothing about another -> 1") {
    Driver d;
    d.write(n0, kY, 1, 1);  // session 1 writes y at n0
    d.write(n0, kX, 2, 1);  // and x at n0
    d.write(n1, kX, 3, 1);  // x again at n1: knows w2 (same session, same key)
    d.write(n1, kY, 4, 2);  // session 2 writes y at n1, concurrent with w1
    d.receive(n0, kX, 3);
    d.receive(n0, kY, 4);
    d.receive(n1, kY, 1);   // discarded: w4 wins
    for (NodeId n : {n0, n1}) {
      d.c.final_read(n, kX, 3);
      d.c.final_read(n, kY, 4);
    }
    CHECK(d.c.precedes(2, 3));
    CHECK_FALSE(d.c.precedes(1, 4));
    CHECK(d.c.count_lost() == 1);  // w1
  }
}

TEST_CASE("lost writes: a causally later write losing to a skewed clock is lost", "[lost_writes]") {
  Driver d;
  // n1 has w1 when it accepts w2 (w2 causally after w1), but n1's clock is
  // behind, so LWW keeps w1 everywhere: w2 is lost; w1 is reflected.
  d.write(n0, kX, 1, 1);
  d.receive(n1, kX, 1);
  d.write(n1, kX, 2, 2);
  d.receive(n0, kX, 2);  // discarded: w1 has the higher timestamp
  d.c.final_read(n0, kX, 1);
  d.c.final_read(n1, kX, 1);
  CHECK(d.c.precedes(1, 2));
  CHECK(d.c.count_lost() == 1);
}

TEST_CASE("lost writes: unacknowledged writes and replicas that disagree", "[lost_writes]") {
  SECTION("a failed or never completed write is not counted") {
    Driver d;
    d.accept(n0, kX, 1, 1);
    d.ack(kX, 1, 1, /*ok=*/false);  // the client was told it failed
    d.accept(n0, kX, 2, 2);         // never completed (the run ended)
    d.write(n1, kX, 3, 3);          // concurrent with both
    d.c.final_read(n0, kX, 3);
    d.c.final_read(n1, kX, 3);
    CHECK(d.c.count_lost() == 0);
  }
  SECTION("an acknowledged write held by one live replica is reflected") {
    Driver d;
    d.write(n0, kX, 1, 1);
    d.write(n1, kX, 2, 2);
    // Not converged: n0 still holds w1, n1 w2. Both are in a final state.
    d.c.final_read(n0, kX, 1);
    d.c.final_read(n1, kX, 2);
    CHECK(d.c.count_lost() == 0);
  }
  SECTION("no live replica holds anything -> every acknowledged write is lost") {
    Driver d;
    d.write(n0, kX, 1, 1);
    d.write(n0, kX, 2, 1);
    d.write(n0, kY, 3, 1);
    d.c.final_read(n1, kX, kNoWrite);  // n0 crashed for good; n1 never got anything
    d.c.final_read(n1, kY, kNoWrite);
    CHECK(d.c.count_lost() == 3);
  }
}

TEST_CASE("lost writes: data types whose writes all contribute", "[lost_writes]") {
  // A counter at n0: increments w1, w2, w3 in one session (each knows the
  // previous). The final state lists what it merged.
  auto run = [](bool only_listed, std::vector<WriteId> reflected) {
    Driver d;
    d.c.count_only_listed(only_listed);
    d.write(n0, kX, 1, 1);
    d.write(n0, kX, 2, 1);
    d.write(n0, kX, 3, 1);
    d.c.final_reflects(n0, kX, reflected);
    d.c.final_reflects(n1, kX, reflected);
    return d.c.count_lost();
  };
  // All three merged everywhere: nothing lost either way.
  CHECK(run(true, {1, 2, 3}) == 0);
  CHECK(run(false, {1, 2, 3}) == 0);
  // Only w3 listed (w1 and w2 dropped, e.g. a union-max merge): for a
  // register w3 supersedes both (0 lost); for a counter they are lost (2).
  CHECK(run(false, {3}) == 0);
  CHECK(run(true, {3}) == 2);
  // w2 missing in the middle: register 0 (w3 supersedes it), counter 1.
  CHECK(run(false, {1, 3}) == 0);
  CHECK(run(true, {1, 3}) == 1);
}

// A replica that loses its state (crash with lose_state) forgets what it
// knew: a write it accepts after restarting supersedes only what it has
// learned again, or what the writing session knew.

// Hand value: w1 was acknowledged by n2 alone and wiped with n2's disk; w2
// (another session, which saw nothing) is accepted by the empty n2 later and
// does not know w1 -> 1 lost write, as in scenarios/crash-recovery.yaml when
// no later write follows (scenarios/regression/lost-write-wiped-then-rewritten.yaml
// is this case end to end).
TEST_CASE("lost writes: a write wiped with its replica's disk is lost even if the replica writes again",
          "[lost_writes][state_lost]") {
  Driver d;
  d.write(n2, kX, 1, 1);
  d.c.on_state_lost(++d.now, n2);
  d.write(n2, kX, 2, 2);
  d.receive(n0, kX, 2);
  d.receive(n1, kX, 2);
  for (NodeId n : {n0, n1, n2}) d.c.final_read(n, kX, 2);
  CHECK_FALSE(d.c.precedes(1, 2));
  CHECK(d.c.count_lost() == 1);
}

TEST_CASE("lost writes: after a loss of state, what is learned again or known by the session still counts",
          "[lost_writes][state_lost]") {
  SECTION("the session that wrote the wiped write writes again -> 0") {
    Driver d;
    // Session 1 saw w1 (it wrote it): its next write w2 supersedes it,
    // whatever n2 forgot in between.
    d.write(n2, kX, 1, 1);
    d.c.on_state_lost(++d.now, n2);
    d.write(n2, kX, 2, 1);
    d.receive(n0, kX, 2);
    for (NodeId n : {n0, n2}) d.c.final_read(n, kX, 2);
    CHECK(d.c.precedes(1, 2));
    CHECK(d.c.count_lost() == 0);
  }
  SECTION("the wiped replica receives the write back before writing again -> 0") {
    Driver d;
    // w1 at n2 reached n0; n2 is wiped, then repaired from n0 (receives w1
    // again) and accepts w2 from another session: w2 knows w1.
    d.write(n2, kX, 1, 1);
    d.receive(n0, kX, 1);
    d.c.on_state_lost(++d.now, n2);
    d.receive(n2, kX, 1);
    d.write(n2, kX, 2, 2);
    d.receive(n0, kX, 2);
    for (NodeId n : {n0, n2}) d.c.final_read(n, kX, 2);
    CHECK(d.c.precedes(1, 2));
    CHECK(d.c.count_lost() == 0);
  }
  SECTION("the write survived elsewhere but the wiped replica has not relearned it -> 1") {
    Driver d;
    // w1 at n2 reached n0; the empty n2 accepts w2 (another session) before
    // any repair: w1 and w2 are concurrent; LWW keeps w2 -> w1 lost.
    d.write(n2, kX, 1, 1);
    d.receive(n0, kX, 1);
    d.c.on_state_lost(++d.now, n2);
    d.write(n2, kX, 2, 2);
    d.receive(n0, kX, 2);
    d.receive(n2, kX, 1);  // discarded: w2 wins
    for (NodeId n : {n0, n2}) d.c.final_read(n, kX, 2);
    CHECK_FALSE(d.c.precedes(1, 2));
    CHECK_FALSE(d.c.precedes(2, 1));
    CHECK(d.c.count_lost() == 1);
  }
}

TEST_CASE("lost writes: a new incarnation's writes are not confused with the wiped ones", "[lost_writes][state_lost]") {
  Driver d;
  // Were n2 simply reset, w1 and w2 would both be "n2's first write to x":
  // a write that knows w2 would seem to know w1. w1 (session 1) dies with
  // n2's disk; w2 (session 2) is the new incarnation's first write, reaches
  // n0, and n0 accepts w3 (session 3) knowing w2 only. Final: w3 everywhere.
  // w2 is superseded by w3; w1 is known by nobody -> 1 lost.
  d.write(n2, kX, 1, 1);
  d.c.on_state_lost(++d.now, n2);
  d.write(n2, kX, 2, 2);
  d.receive(n0, kX, 2);
  d.write(n0, kX, 3, 3);
  d.receive(n2, kX, 3);
  for (NodeId n : {n0, n2}) d.c.final_read(n, kX, 3);
  CHECK(d.c.precedes(2, 3));
  CHECK_FALSE(d.c.precedes(1, 3));
  CHECK_FALSE(d.c.precedes(1, 2));
  CHECK(d.c.count_lost() == 1);
}

TEST_CASE("lost writes: repeated losses and other keys and replicas", "[lost_writes][state_lost]") {
  Driver d;
  // n1 accepts y (w1, session 1), loses its state twice (the first loss
  // before n1 was ever seen by the checker's clocks of x), then accepts x
  // (w2, session 2) and y (w3, session 3). n0 is untouched: w4 on x at n0
  // (session 4) after receiving w2 knows w2. Final: x = w4, y = w3.
  //   w1: wiped, w3 does not know it -> lost.
  //   w2: superseded by w4 -> not lost.
  d.c.on_state_lost(++d.now, n2);  // a node never seen: nothing to forget
  d.write(n1, kY, 1, 1);
  d.c.on_state_lost(++d.now, n1);
  d.c.on_state_lost(++d.now, n1);
  d.write(n1, kX, 2, 2);
  d.write(n1, kY, 3, 3);
  d.receive(n0, kX, 2);
  d.write(n0, kX, 4, 4);
  d.receive(n1, kX, 4);
  d.receive(n0, kY, 3);
  for (NodeId n : {n0, n1}) {
    d.c.final_read(n, kX, 4);
    d.c.final_read(n, kY, 3);
  }
  CHECK(d.c.precedes(2, 4));
  CHECK_FALSE(d.c.precedes(1, 3));
  CHECK(d.c.count_lost() == 1);
}

// Replicas share a write's clock until they merge concurrent knowledge; the
// merged clocks they then own must answer exactly as copies did: a replica
// that merged two concurrent writes supersedes both with its next write, a
// replica that later learns a write dominating its merge drops its own
// clock for the write's, and a lost incarnation's merged clock is reused
// without leaking knowledge into the new one.
TEST_CASE("lost writes: shared and merged clocks answer as copies", "[lost_writes]") {
  Driver d;
  d.write(n0, kX, 1, 100);  // concurrent with 2
  d.write(n1, kX, 2, 101);
  d.receive(n2, kX, 1);
  d.receive(n2, kX, 2);     // n2 owns the merge {n0:1, n1:1}
  d.write(n2, kX, 3, 102);  // follows 1 and 2
  CHECK(d.c.precedes(1, 3));
  CHECK(d.c.precedes(2, 3));
  CHECK_FALSE(d.c.precedes(1, 2));
  d.receive(n0, kX, 2);     // n0 owns a merge too, then learns 3, which dominates it
  d.receive(n0, kX, 3);
  d.write(n0, kX, 4, 100);
  CHECK(d.c.precedes(3, 4));
  CHECK(d.c.precedes(2, 4));
  d.c.on_state_lost(++d.now, n2);  // n2's incarnation (and its merged clock) goes
  d.write(n2, kX, 5, 103);         // knows nothing: concurrent with 1..4
  CHECK_FALSE(d.c.precedes(1, 5));
  CHECK_FALSE(d.c.precedes(4, 5));
  d.receive(n1, kX, 4);
  d.receive(n1, kX, 5);  // a new merge may reuse n2's freed clock
  d.write(n1, kX, 6, 101);
  CHECK(d.c.precedes(4, 6));
  CHECK(d.c.precedes(5, 6));
  for (NodeId n : {n0, n1, n2}) d.c.final_read(n, kX, 6);
  CHECK(d.c.lost().empty());
}

TEST_CASE("lost writes: what a session read of many keys, and only that, supersedes -> 500 lost of 2000", "[lost_writes]") {
  // 1000 keys; for each, w_k is written at n0 by session 1000 + k and never
  // reaches n1. Session 1 reads w_k of the even keys only, then writes every
  // key at n1 (w'_k), which LWW keeps everywhere. w'_k follows w_k exactly
  // when session 1 read w_k: the odd keys' w_k are lost (500), and nothing
  // else. A session knows 1000 keys here, and 1000 sessions know one each.
  Driver d;
  constexpr KeyId kKeys = 1000;
  const auto first = [](KeyId k) { return WriteId{1} + k; };
  const auto second = [](KeyId k) { return WriteId{1} + kKeys + k; };
  for (KeyId k = 0; k < kKeys; ++k) d.write(n0, k, first(k), 1000 + k);
  for (KeyId k = 0; k < kKeys; k += 2) d.read(k, first(k), 1);
  for (KeyId k = 0; k < kKeys; ++k) {
    d.write(n1, k, second(k), 1);
    d.receive(n0, k, second(k));
    d.c.final_read(n0, k, second(k));
    d.c.final_read(n1, k, second(k));
  }
  const std::vector<WriteId> lost = d.c.lost();
  REQUIRE(lost.size() == kKeys / 2);
  for (std::size_t i = 0; i < lost.size(); ++i) CHECK(lost[i] == first(static_cast<KeyId>(2 * i + 1)));
  for (KeyId k = 0; k < kKeys; ++k) CHECK(d.c.precedes(first(k), second(k)) == (k % 2 == 0));
}
