// StateChecker (exact final state) against hand-computed cases per data
// type: counter sums, cart lines, OR-set add-wins with observed and
// concurrent removes, MV-register siblings, failed operations left out,
// mismatches reported with the replica, LWW not checked, and replicas that
// lose their state (new incarnations that observed nothing). Callbacks are
// called on the checker object itself.
#include <catch2/catch.hpp>

#include <string>

#include "analysis/state_check.hpp"

using namespace ecsim;

namespace {

constexpr NodeId n0 = 0, n1 = 1, n2 = 2;
constexpr KeyId kX = 0, kY = 1;

struct Driver {
  StateChecker c;
  SimTime now = 0;
  explicit Driver(StoreType t) : c(t) {}

  // A replica accepts an update, then the client hears back (ok or not).
  void update(NodeId node, KeyId key, WriteId w, std::string_view op, std::string_view value, bool ok = true) {
    c.on_write_accepted(++now, node, key, w, StateRank{}, 1);
    complete(key, w, op, value, ok);
  }
  void complete(KeyId key, WriteId w, std::string_view op, std::string_view value, bool ok = true) {
    OpRecord r;
    r.client = "c0";
    r.op = op;
    r.key = key == kX ? "x" : "y";
    r.value = value;
    r.ok = ok;
    r.key_id = key;
    r.write = w;
    r.is_write = true;
    c.on_op(r);
  }
  void receive(NodeId node, KeyId key, WriteId w) { c.on_write_received(++now, node, key, w); }
};

}  // namespace

TEST_CASE("state check: pncounter sums acknowledged increments and decrements", "[state_check]") {
  Driver d(StoreType::pncounter);
  // incr 5 + incr "abc" (not a number: counts 1, as the store parses it)
  // - decr 2 + incr 7 that failed and no replica accepted (left out) + incr "" (1)
  // = 5 + 1 - 2 + 1 = 5.
  d.update(n0, kX, 1, "incr", "5");
  d.update(n1, kX, 2, "incr", "abc");
  d.update(n0, kX, 3, "decr", "2");
  d.complete(kX, 4, "incr", "7", /*ok=*/false);
  d.update(n0, kX, 5, "incr", "");
  CHECK(d.c.expected(kX) == "5");
  // y: incr 3, decr 3 = 0; no replica holds y at the end, which is right for 0.
  d.update(n2, kY, 6, "incr", "3");
  d.update(n2, kY, 7, "decr", "3");
  CHECK(d.c.expected(kY) == "0");
  d.c.final_value(n0, kX, "5");
  d.c.final_value(n1, kX, "4");  // one replica short
  d.c.final_value(n2, kX, "5");
  d.c.finish();
  CHECK(d.c.applies());
  CHECK(d.c.checked_keys() == 2);
  CHECK(d.c.mismatched_keys() == 1);
  REQUIRE(d.c.first_mismatches().size() == 1);
  const StateMismatch& m = d.c.first_mismatches().front();
  CHECK(m.key == kX);
  CHECK(m.replica == n1);
  CHECK(m.got == "4");
  CHECK(m.expected == "5");
}

TEST_CASE("state check: gcounter, and a key nobody holds", "[state_check]") {
  Driver d(StoreType::gcounter);
  d.update(n0, kX, 1, "incr", "1");
  d.update(n1, kX, 2, "incr", "2");
  d.update(n2, kX, 3, "incr", "3");
  CHECK(d.c.expected(kX) == "6");
  d.c.finish();  // no final values: every replica lost x
  CHECK(d.c.checked_keys() == 1);
  CHECK(d.c.mismatched_keys() == 1);
  REQUIRE(d.c.first_mismatches().size() == 1);
  CHECK(d.c.first_mismatches()[0].replica == kNoNode);
  CHECK(d.c.first_mismatches()[0].got == "");
  CHECK(d.c.first_mismatches()[0].expected == "6");
}

TEST_CASE("state check: cart lines per item, sorted, quantity > 0 only", "[state_check]") {
  Driver d(StoreType::cart);
  // apple: +2 -1 = 1; pear: +1 (no quantity means 1) -1 = 0 (dropped);
  // fig: +0 (dropped); banana: +3; kiwi: +4 failed, accepted by no replica (left out).
  d.update(n0, kX, 1, "add", "apple:2");
  d.update(n1, kX, 2, "add", "pear");
  d.update(n0, kX, 3, "remove", "apple:1");
  d.update(n1, kX, 4, "add", "fig:0");
  d.update(n0, kX, 5, "remove", "pear:1");
  d.update(n1, kX, 6, "add", "banana:3");
  d.complete(kX, 7, "add", "kiwi:4", /*ok=*/false);
  CHECK(d.c.expected(kX) == "apple:1;banana:3");
  d.c.final_value(n0, kX, "apple:1;banana:3");
  d.c.final_value(n1, kX, "apple:2;banana:3");  // missed the remove (union-max merge)
  d.c.finish();
  CHECK(d.c.checked_keys() == 1);
  CHECK(d.c.mismatched_keys() == 1);
  REQUIRE(d.c.first_mismatches().size() == 1);
  CHECK(d.c.first_mismatches()[0].replica == n1);
  CHECK(d.c.first_mismatches()[0].got == "apple:2;banana:3");
}

TEST_CASE("state check: OR-set add-wins", "[state_check]") {
  Driver d(StoreType::orset);
  // x: add a at n0 (w1); n1 receives w1, then removes a (w2): the remove
  //    observed the add -> a gone.
  // x: add b at n0 (w3); remove b at n1 (w4) without having received w3:
  //    concurrent -> the add wins, b stays.
  // x: add c at n1 (w5), remove c at n1 (w6): same replica, observed -> gone.
  // x: remove d at n2 (w7) with no add: nothing.
  // x: add e at n2 (w8) acknowledged, remove e at n2 (w9) accepted by n2 but
  //    reported failed (its reply was lost): it took effect -> e gone.
  // x: remove b (w10) that no replica accepted (the request was lost) and
  //    the client reports failed: it took no effect -> b stays.
  d.update(n0, kX, 1, "add", "a");
  d.receive(n1, kX, 1);
  d.update(n1, kX, 2, "remove", "a");
  d.update(n0, kX, 3, "add", "b");
  d.update(n1, kX, 4, "remove", "b");
  d.receive(n1, kX, 3);  // after the remove: too late to be observed by it
  d.update(n1, kX, 5, "add", "c");
  d.update(n1, kX, 6, "remove", "c");
  d.update(n2, kX, 7, "remove", "d");
  d.update(n2, kX, 8, "add", "e");
  d.update(n2, kX, 9, "remove", "e", /*ok=*/false);
  d.complete(kX, 10, "remove", "b", /*ok=*/false);
  CHECK(d.c.expected(kX) == "b");
  for (NodeId n : {n0, n1, n2}) d.c.final_value(n, kX, "b");
  d.c.finish();
  CHECK(d.c.checked_keys() == 1);
  CHECK(d.c.mismatched_keys() == 0);
  CHECK(d.c.first_mismatches().empty());
}

TEST_CASE("state check: MV-register siblings", "[state_check]") {
  Driver d(StoreType::mvregister);
  // x: w1 "b" at n0 and w2 "a" at n1, concurrent -> siblings "a|b".
  d.update(n0, kX, 1, "write", "b");
  d.update(n1, kX, 2, "write", "a");
  CHECK(d.c.expected(kX) == "a|b");  // sorted by value
  // y: w3 "p" at n0 and w4 "q" at n1, concurrent. n0 receives w4, then
  //    writes w5 "r", which observed w3 and w4: both superseded. n1 writes
  //    w6 "s" knowing only w4 (not w5): w5 and w6 are concurrent siblings.
  d.update(n0, kY, 3, "write", "p");
  d.update(n1, kY, 4, "write", "q");
  d.receive(n0, kY, 4);
  d.update(n0, kY, 5, "write", "r");
  d.update(n1, kY, 6, "write", "s");
  CHECK(d.c.expected(kY) == "r|s");
  d.c.final_value(n0, kX, "a|b");
  d.c.final_value(n1, kX, "a|b");
  d.c.final_value(n0, kY, "r|s");
  d.c.final_value(n1, kY, "r");  // missed w6's sibling
  d.c.finish();
  CHECK(d.c.checked_keys() == 2);
  CHECK(d.c.mismatched_keys() == 1);
  REQUIRE(d.c.first_mismatches().size() == 1);
  CHECK(d.c.first_mismatches()[0].key == kY);
  CHECK(d.c.first_mismatches()[0].replica == n1);
  CHECK(d.c.first_mismatches()[0].expected == "r|s");
}

TEST_CASE("state check: LWW has no sequential specification and is not checked", "[state_check]") {
  Driver d(StoreType::lww);
  d.update(n0, kX, 1, "write", "a");
  d.c.final_value(n0, kX, "whatever");
  d.c.finish();
  CHECK_FALSE(d.c.applies());
  CHECK(d.c.checked_keys() == 0);
  CHECK(d.c.mismatched_keys() == 0);
}

TEST_CASE("state check: at most five mismatches are kept, every one counted", "[state_check]") {
  Driver d(StoreType::gcounter);
  for (KeyId k = 0; k < 7; ++k) {
    d.update(n0, k, k + 1, "incr", "2");
    d.c.final_value(n0, k, "1");
  }
  d.c.finish();
  CHECK(d.c.checked_keys() == 7);
  CHECK(d.c.mismatched_keys() == 7);
  CHECK(d.c.first_mismatches().size() == 5);
}

// A replica that lost its state (crash with lose_state) has observed only
// what it received again afterwards: the stores continue with a new actor
// incarnation (n0~1), and so does the checker.

// Hand value (end to end: scenarios/regression/mvregister-write-after-amnesia.yaml):
// w1 "a" at n0 reaches n1; n0 loses its state (n1 still holds "a") and,
// restarted empty, accepts w2 "b" before anything is gossiped back: w2 was
// made by an incarnation that has not seen w1, so "a" and "b" are
// concurrent and the MV-register keeps both: "a|b" (what the store holds:
// versions n0:1 and n0~1:1). The checker used to expect "b".
TEST_CASE("state check: a replica that lost its state has observed nothing", "[state_check][state_lost]") {
  Driver d(StoreType::mvregister);
  d.update(n0, kX, 1, "write", "a");
  d.receive(n1, kX, 1);
  d.c.on_state_lost(++d.now, n0);
  d.update(n0, kX, 2, "write", "b");
  d.receive(n1, kX, 2);
  d.receive(n0, kX, 1);
  CHECK(d.c.expected(kX) == "a|b");
  d.c.final_value(n0, kX, "a|b");
  d.c.final_value(n1, kX, "a|b");
  d.c.finish();
  CHECK(d.c.mismatched_keys() == 0);
}

TEST_CASE("state check: MV-register after a loss of state", "[state_check][state_lost]") {
  SECTION("the new incarnation receives the write again before writing: superseded") {
    Driver d(StoreType::mvregister);
    // w1 "a" at n0 reaches n1; n0 is wiped, repaired from n1 (receives w1),
    // then accepts w2 "b": w2 observed w1 -> "b".
    d.update(n0, kX, 1, "write", "a");
    d.receive(n1, kX, 1);
    d.c.on_state_lost(++d.now, n0);
    d.receive(n0, kX, 1);
    d.update(n0, kX, 2, "write", "b");
    d.receive(n1, kX, 2);
    CHECK(d.c.expected(kX) == "b");
  }
  SECTION("what the old incarnation observed still counts for its own writes") {
    Driver d(StoreType::mvregister);
    // w1 "a" at n1 reaches n0; n0 writes w2 "b" (observed w1) and gossips it
    // to n1; then n0 is wiped. w2 superseded w1 when it was written: "b",
    // and still after the wipe. The empty n0 then writes w3 "c" without
    // having received anything back: w3 is concurrent with w2 -> "b|c".
    d.update(n1, kX, 1, "write", "a");
    d.receive(n0, kX, 1);
    d.update(n0, kX, 2, "write", "b");
    d.receive(n1, kX, 2);
    CHECK(d.c.expected(kX) == "b");
    d.c.on_state_lost(++d.now, n0);
    CHECK(d.c.expected(kX) == "b");
    d.update(n0, kX, 3, "write", "c");
    CHECK(d.c.expected(kX) == "b|c");
    // Two losses in a row, then w4 "d" at n0 after receiving w2 only: w4
    // observed w2, not w3; w1 stays superseded by w2 -> "c|d".
    d.c.on_state_lost(++d.now, n0);
    d.c.on_state_lost(++d.now, n0);
    d.receive(n0, kX, 2);
    d.update(n0, kX, 4, "write", "d");
    CHECK(d.c.expected(kX) == "c|d");
  }
}

TEST_CASE("state check: OR-set remove at a replica that lost the add", "[state_check][state_lost]") {
  SECTION("the remove did not see the add: the add wins") {
    Driver d(StoreType::orset);
    // add a at n0 (w1) reaches n1; n0 is wiped; the empty n0 removes a (w2)
    // before any repair: the remove observed no add of a -> a stays.
    // (scenarios/regression/orset-remove-after-amnesia.yaml end to end.)
    d.update(n0, kX, 1, "add", "a");
    d.receive(n1, kX, 1);
    d.c.on_state_lost(++d.now, n0);
    d.update(n0, kX, 2, "remove", "a");
    d.receive(n1, kX, 2);
    d.receive(n0, kX, 1);
    CHECK(d.c.expected(kX) == "a");
    d.c.final_value(n0, kX, "a");
    d.c.final_value(n1, kX, "a");
    d.c.finish();
    CHECK(d.c.mismatched_keys() == 0);
  }
  SECTION("the repaired replica removes what it received again: gone") {
    Driver d(StoreType::orset);
    d.update(n0, kX, 1, "add", "a");
    d.receive(n1, kX, 1);
    d.c.on_state_lost(++d.now, n0);
    d.receive(n0, kX, 1);
    d.update(n0, kX, 2, "remove", "a");
    CHECK(d.c.expected(kX) == "");
  }
  SECTION("another replica's loss changes nothing") {
    Driver d(StoreType::orset);
    // As "observed" in the OR-set test above, with n2 wiped in between.
    d.update(n0, kX, 1, "add", "a");
    d.receive(n1, kX, 1);
    d.c.on_state_lost(++d.now, n2);
    d.update(n1, kX, 2, "remove", "a");
    CHECK(d.c.expected(kX) == "");
  }
}
