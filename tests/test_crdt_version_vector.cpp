// Version vectors: equal, before, after, concurrent; and what goes wrong when
// an anti-entropy exchange decides with a naive `theirs > mine` comparison
// instead: one of two concurrent updates is silently dropped.
#include <catch2/catch.hpp>

#include "protocols/crdt/crdt_store.hpp"
#include "protocols/core/version_vector.hpp"
#include "sim/rng.hpp"

using namespace ecsim;

TEST_CASE("version vectors compare as equal, before, after or concurrent", "[crdt][vv]") {
  const VersionVector a{{0, 2}, {1, 1}};
  const VersionVector b{{0, 2}, {1, 3}};
  const VersionVector c{{0, 1}, {1, 2}};
  const VersionVector d{{0, 2}, {1, 1}, {2, 1}};
  CHECK(a.compare(a) == Causality::equal);
  CHECK(a.compare(b) == Causality::before);
  CHECK(b.compare(a) == Causality::after);
  CHECK(a.compare(c) == Causality::concurrent);
  CHECK(c.compare(a) == Causality::concurrent);
  CHECK(a.compare(d) == Causality::before);  // a missing actor counts as 0
  CHECK(VersionVector{}.compare(a) == Causality::before);
  VersionVector m = a;
  CHECK(m.merge(c));
  CHECK(m == VersionVector{{0, 2}, {1, 2}});
  CHECK_FALSE(m.merge(a));  // nothing new
  CHECK(m.dominates(a));
  CHECK(m.dominates(c));
  CHECK(m.total() == 4);
}

TEST_CASE("version vector comparison is consistent with the merge (random vectors)", "[crdt][vv][property]") {
  Rng rng(11);
  for (int t = 0; t < 5000; ++t) {
    VersionVector x, y;
    for (ActorId actor = 0; actor < 4; ++actor) {
      x.set(actor, rng.below(3));
      y.set(actor, rng.below(3));
    }
    VersionVector j = x;
    j.merge(y);
    const Causality c = x.compare(y);
    // x before-or-equal y  <=>  x ⊔ y == y
    CHECK(((c == Causality::before || c == Causality::equal) == (j == y)));
    CHECK(((c == Causality::after || c == Causality::equal) == (j == x)));
    CHECK(((c == Causality::concurrent) == (!(j == x) && !(j == y))));
    CHECK(y.compare(x) == (c == Causality::before ? Causality::after : c == Causality::after ? Causality::before : c));
  }
}

TEST_CASE("a naive `clock > mine` comparison silently drops a concurrent side", "[crdt][vv]") {
  // Two replicas of a G-Counter start equal; each increments concurrently.
  crdt::State base;
  crdt::counter_update(base, 0, 0, 1, 0);
  crdt::State a = base, b = base;
  crdt::counter_update(a, 0, 0, 5, 0);  // actor 0: ctx {0:2}
  crdt::counter_update(b, 1, 0, 7, 0);  // actor 1: ctx {0:1, 1:1}
  REQUIRE(a.ctx.compare(b.ctx) == Causality::concurrent);

  // The naive rule gives an answer anyway: "newer" one way, "not newer" the other.
  CHECK(naive_newer(a.ctx, b.ctx) != naive_newer(b.ctx, a.ctx));

  // Anti-entropy on the naive verdict: take theirs if "newer", else keep mine.
  auto naive_exchange = [](crdt::State& mine, const crdt::State& theirs) {
    if (naive_newer(theirs.ctx, mine.ctx)) mine = theirs;
  };
  crdt::State na = a, nb = b;
  naive_exchange(na, nb);
  naive_exchange(nb, na);
  REQUIRE(na == nb);  // the replicas "agree"...
  // ...on a value missing one of the two increments: 13 was acknowledged in total.
  CHECK(crdt::counter_value(na) != 13);
  CHECK((crdt::counter_value(na) == 6 || crdt::counter_value(na) == 8));

  // Correctly: concurrent means merge both ways, and nothing is lost.
  crdt::State ca = a, cb = b;
  crdt::merge(CrdtKind::gcounter, ca, cb);
  crdt::merge(CrdtKind::gcounter, cb, ca);
  REQUIRE(ca == cb);
  CHECK(crdt::counter_value(ca) == 13);
}

TEST_CASE("gossip digests: a concurrent key is both shipped and requested", "[crdt][vv][gossip]") {
  WriteTable writes;
  CrdtStore store(CrdtKind::gcounter, {"n0", "n1"}, 64, writes);
  struct Quiet : ReplicaObserver {} quiet;
  const WriteId w0 = writes.add(0, "1"), w1 = writes.add(0, "2"), w2 = writes.add(0, "3");
  store.write(ReplicaCall{0, 0, 0, &quiet}, 0, OpKind::incr, w0, 1);
  std::vector<std::uint64_t> buf;
  store.entries_for(0, std::vector<std::uint64_t>{0}, buf);
  store.merge(ReplicaCall{1, 0, 0, &quiet}, buf);  // n1 has n0's increment
  store.write(ReplicaCall{0, 0, 0, &quiet}, 0, OpKind::incr, w1, 1);
  store.write(ReplicaCall{1, 0, 0, &quiet}, 0, OpKind::incr, w2, 2);  // concurrent

  std::vector<std::uint64_t> digest, ship, want;
  store.digest(1, digest);
  store.compare(0, digest, ship, want);
  CHECK(want == std::vector<std::uint64_t>{0});  // n0 wants n1's side...
  CHECK_FALSE(ship.empty());                      // ...and ships its own
  store.merge(ReplicaCall{1, 0, 0, &quiet}, ship);
  buf.clear();
  store.entries_for(1, want, buf);
  store.merge(ReplicaCall{0, 0, 0, &quiet}, buf);
  CHECK(store.read(ReplicaCall{0, 0, 0, &quiet}, 0).value == "6");
  CHECK(store.read(ReplicaCall{1, 0, 0, &quiet}, 0).value == "6");

  // Equal vectors: nothing to do either way.
  digest.clear();
  ship.clear();
  want.clear();
  store.digest(1, digest);
  store.compare(0, digest, ship, want);
  CHECK(ship.empty());
  CHECK(want.empty());
}
