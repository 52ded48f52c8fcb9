// LwwStore on its own (no simulator): merge order independence, idempotence,
// digest/compare, and the classic physical-clock LWW anomaly that HLC and
// Lamport timestamps avoid. Expected winners are worked out by hand from the
// local clock readings passed in each ReplicaCall.
#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "protocols/core/store_config.hpp"
#include "protocols/core/keyspace.hpp"
#include "protocols/lww/lww_store.hpp"
#include "sim/rng.hpp"

using namespace ecsim;

namespace {

struct Recorder final : ReplicaObserver {
  struct Applied {
    SimTime t;
    NodeId node;
    KeyId key;
    std::uint64_t digest;
  };
  std::vector<Applied> applied;
  std::vector<WriteId> accepted;
  std::vector<std::pair<NodeId, WriteId>> received;
  std::vector<NodeId> lost;
  void on_applied(SimTime t, NodeId n, KeyId k, std::uint64_t d, StateRank, WriteId) override { applied.push_back({t, n, k, d}); }
  void on_write_accepted(SimTime, NodeId, KeyId, WriteId w, StateRank, std::uint64_t) override { accepted.push_back(w); }
  void on_write_received(SimTime, NodeId n, KeyId, WriteId w) override { received.emplace_back(n, w); }
  void on_state_lost(SimTime, NodeId n) override { lost.push_back(n); }
};

Scenario three_nodes(TimestampKind kind) {
  Scenario s;
  s.name = "lww-test";
  s.topology.nodes = 3;
  s.topology.node_names = {"n0", "n1", "n2"};
  s.topology.node_region = {0, 0, 0};
  edit_store(s).type = StoreType::lww;
  edit_store(s).timestamps = kind;
  edit_store(s).keys = 8;
  return s;
}

struct Fixture {
  explicit Fixture(TimestampKind kind) : scenario(three_nodes(kind)), store(scenario, writes) {}
  ReplicaCall at(NodeId node, SimTime local_time) { return ReplicaCall{node, local_time, local_time, &obs}; }
  WriteId write(NodeId node, SimTime local_time, KeyId key, const std::string& value) {
    const WriteId id = writes.add(key, value);
    store.write(at(node, local_time), key, OpKind::write, id, 0);
    return id;
  }
  std::vector<std::uint64_t> entries(NodeId node, std::vector<std::uint64_t> keys) {
    std::vector<std::uint64_t> out;
    store.entries_for(node, keys, out);
    return out;
  }
  std::vector<std::uint64_t> digest(NodeId node) {
    std::vector<std::uint64_t> out;
    store.digest(node, out);
    return out;
  }
  WriteId held(NodeId node, KeyId key) {
    const LwwVersion* v = store.find(node, key);
    return v ? v->write : kNoWrite;
  }
  std::string value(NodeId node, KeyId key) { return store.read(at(node, 0), key).value; }

  Scenario scenario;
  WriteTable writes;
  Recorder obs;
  LwwStore store;
};

std::set<KeyId> keys_of_entries(const std::vector<std::uint64_t>& words) {
  std::set<KeyId> keys;
  for (std::size_t i = 0; i < words.size(); i += LwwStore::kWordsPerEntry) keys.insert(static_cast<KeyId>(words[i] >> 32));
  return keys;
}

std::set<KeyId> as_keys(const std::vector<std::uint64_t>& v) { return {v.begin(), v.end()}; }

}  // namespace

TEST_CASE("LWW read, write and version text", "[lww]") {
  Fixture f(TimestampKind::physical);
  CHECK_FALSE(f.store.read(f.at(0, 0), 3).found);
  const WriteId w = f.write(0, 1234, 3, "hello");
  const ReadResult r = f.store.read(f.at(0, 2000), 3);
  CHECK(r.found);
  CHECK(r.write == w);
  CHECK(r.value == "hello");
  CHECK(r.version == "1234@n0");
  CHECK(f.obs.accepted == std::vector<WriteId>{w});
  REQUIRE(f.obs.applied.size() == 1);
  CHECK(f.obs.applied[0].node == 0);
  CHECK(f.obs.applied[0].key == 3);
  CHECK(f.obs.applied[0].digest != 0);
  // Other replicas have nothing yet.
  CHECK_FALSE(f.store.read(f.at(1, 2000), 3).found);

  Fixture h(TimestampKind::hlc);
  h.write(1, 500, 0, "x");
  h.write(1, 400, 0, "y");  // clock went back: l stays 500, c counts
  CHECK(h.store.read(h.at(1, 0), 0).version == "500.1@n1");
  CHECK(h.value(1, 0) == "y");

  Fixture l(TimestampKind::lamport);
  l.write(2, 999, 0, "x");
  CHECK(l.store.read(l.at(2, 0), 0).version == "L1@n2");
}

TEST_CASE("LWW: the later version wins regardless of arrival order", "[lww]") {
  for (const TimestampKind kind : {TimestampKind::physical, TimestampKind::hlc}) {
    // n0 writes at local 100, n1 at local 200: n1's version is later.
    Fixture a(kind), b(kind);
    WriteId a_old = a.write(0, 100, 5, "old"), a_new = a.write(1, 200, 5, "new");
    WriteId b_old = b.write(0, 100, 5, "old"), b_new = b.write(1, 200, 5, "new");
    REQUIRE(a_old == b_old);
    REQUIRE(a_new == b_new);
    // n2 receives them in opposite orders in the two stores.
    a.store.merge(a.at(2, 300), a.entries(0, {5}));
    a.store.merge(a.at(2, 300), a.entries(1, {5}));
    b.store.merge(b.at(2, 300), b.entries(1, {5}));
    b.store.merge(b.at(2, 300), b.entries(0, {5}));
    CHECK(a.held(2, 5) == a_new);
    CHECK(b.held(2, 5) == b_new);
    CHECK(a.value(2, 5) == "new");
    CHECK(b.value(2, 5) == "new");
    CHECK(a.digest(2) == b.digest(2));
    // n0 and n1 exchanging states both end at the later version.
    a.store.merge(a.at(0, 300), a.entries(1, {5}));
    a.store.merge(a.at(1, 300), a.entries(0, {5}));
    CHECK(a.held(0, 5) == a_new);
    CHECK(a.held(1, 5) == a_new);
    CHECK(a.digest(0) == a.digest(1));
  }
}

TEST_CASE("LWW: equal timestamps break ties by origin node", "[lww]") {
  Fixture f(TimestampKind::physical);
  const WriteId from_n2 = f.write(2, 100, 0, "two");
  const WriteId from_n0 = f.write(0, 100, 0, "zero");
  f.store.merge(f.at(1, 100), f.entries(0, {0}));
  f.store.merge(f.at(1, 100), f.entries(2, {0}));
  f.store.merge(f.at(0, 100), f.entries(2, {0}));
  f.store.merge(f.at(2, 100), f.entries(0, {0}));
  for (NodeId n = 0; n < 3; ++n) CHECK(f.held(n, 0) == from_n2);
  (void)from_n0;
}

TEST_CASE("LWW merge is idempotent", "[lww]") {
  Fixture f(TimestampKind::hlc);
  f.write(0, 100, 1, "a");
  f.write(0, 110, 2, "b");
  const auto shipped = f.entries(0, {1, 2});
  f.store.merge(f.at(1, 50), shipped);
  const auto after_once = f.digest(1);
  const std::size_t applied_once = f.obs.applied.size();
  f.store.merge(f.at(1, 60), shipped);
  f.store.merge(f.at(1, 70), shipped);
  CHECK(f.digest(1) == after_once);
  CHECK(f.obs.applied.size() == applied_once);  // no state change reported
  CHECK(f.digest(1) == f.digest(0));
  // Merging a replica's own state into itself changes nothing either.
  f.store.merge(f.at(0, 200), f.entries(0, {1, 2}));
  CHECK(f.obs.applied.size() == applied_once);
}

TEST_CASE("LWW merge order does not matter (random merge schedules)", "[lww]") {
  // Random writes at random nodes and keys; then each of two stores merges
  // everything into n2 in a different random order. The final state of every
  // key is the write with the greatest version, computed independently.
  Rng rng(11);
  for (int trial = 0; trial < 20; ++trial) {
    Fixture a(TimestampKind::physical), b(TimestampKind::physical);
    std::map<KeyId, std::pair<std::pair<SimTime, NodeId>, WriteId>> best;  // key -> ((time, origin), write)
    std::vector<std::pair<NodeId, KeyId>> writes;
    for (int i = 0; i < 30; ++i) {
      const NodeId node = static_cast<NodeId>(rng.below(2));  // n0 or n1
      const KeyId key = static_cast<KeyId>(rng.below(6));
      const SimTime t = static_cast<SimTime>(rng.below(1000));
      const WriteId w = a.write(node, t, key, fmt::format("v{}", i));
      b.write(node, t, key, fmt::format("v{}", i));
      const auto version = std::make_pair(t, node);
      auto it = best.find(key);
      // A later equal (time, origin) write has a higher id: it wins the tie.
      if (it == best.end() || it->second.first < version || it->second.first == version) best[key] = {version, w};
      writes.emplace_back(node, key);
    }
    std::vector<std::pair<NodeId, KeyId>> order_a = writes, order_b = writes;
    for (std::size_t i = order_b.size(); i > 1; --i) std::swap(order_b[i - 1], order_b[rng.below(i)]);
    for (auto [node, key] : order_a) a.store.merge(a.at(2, 0), a.entries(node, {key}));
    for (auto [node, key] : order_b) b.store.merge(b.at(2, 0), b.entries(node, {key}));
    for (auto& [key, winner] : best) {
      // n0/n1 may hold a non-winner locally; n2 saw both sides' final states.
      const WriteId at_a = a.held(2, key);
      const WriteId at_b = b.held(2, key);
      const LwwVersion* va = a.store.find(2, key);
      REQUIRE(va != nullptr);
      CHECK(at_a == winner.second);
      CHECK(at_b == winner.second);
      CHECK(va->ts.wall == winner.first.first);
      CHECK(va->origin == winner.first.second);
    }
    CHECK(a.digest(2) == b.digest(2));
  }
}

TEST_CASE("LWW digest/compare yield exactly the missing and newer keys, both ways", "[lww]") {
  Fixture f(TimestampKind::physical);
  // key 1: newer at n0          key 2: only at n0
  // key 3: equal at both        key 4: only at n1
  // key 5: newer at n1          key 6: only at n0 (highest key, tail of the walk)
  f.write(1, 100, 1, "1-old");
  f.write(0, 200, 1, "1-new");
  f.write(0, 100, 2, "2");
  f.write(0, 100, 3, "3");
  f.store.merge(f.at(1, 150), f.entries(0, {3}));
  f.write(1, 100, 4, "4");
  f.write(0, 100, 5, "5-old");
  f.write(1, 300, 5, "5-new");
  f.write(0, 100, 6, "6");

  std::vector<std::uint64_t> send01, want01, send10, want10;
  f.store.compare(0, f.digest(1), send01, want01);
  f.store.compare(1, f.digest(0), send10, want10);
  CHECK(keys_of_entries(send01) == std::set<KeyId>{1, 2, 6});
  CHECK(as_keys(want01) == std::set<KeyId>{4, 5});
  CHECK(keys_of_entries(send10) == std::set<KeyId>{4, 5});
  CHECK(as_keys(want10) == std::set<KeyId>{1, 2, 6});
  CHECK(send01.size() == 3 * LwwStore::kWordsPerEntry);
  CHECK(want01.size() == 2);

  // Against an empty peer: everything to send, nothing wanted; and vice versa.
  std::vector<std::uint64_t> send02, want02, send20, want20;
  f.store.compare(0, f.digest(2), send02, want02);
  CHECK(keys_of_entries(send02) == std::set<KeyId>{1, 2, 3, 5, 6});
  CHECK(want02.empty());
  f.store.compare(2, f.digest(0), send20, want20);
  CHECK(send20.empty());
  CHECK(as_keys(want20) == std::set<KeyId>{1, 2, 3, 5, 6});

  // Shipping what compare said makes the two replicas identical.
  f.store.merge(f.at(1, 400), send01);
  f.store.merge(f.at(0, 400), f.entries(1, want01));
  CHECK(f.digest(0) == f.digest(1));
  CHECK(f.value(0, 1) == "1-new");
  CHECK(f.value(1, 5) == "5-new");
  CHECK(f.value(0, 4) == "4");
  std::vector<std::uint64_t> send_after, want_after;
  f.store.compare(0, f.digest(1), send_after, want_after);
  CHECK(send_after.empty());
  CHECK(want_after.empty());
}

TEST_CASE("LWW physical timestamps lose a causally later write, HLC and Lamport keep it", "[lww]") {
  // n0's clock reads 1000 when it writes; n1's clock is behind (reads 400
  // when it receives the write and 500 when it later overwrites the key).
  SECTION("physical: the classic anomaly") {
    Fixture f(TimestampKind::physical);
    const WriteId first = f.write(0, 1000, 7, "first");
    f.store.merge(f.at(1, 400), f.entries(0, {7}));
    CHECK(f.held(1, 7) == first);
    const WriteId id = f.writes.add(7, "second");
    const WriteResult r = f.store.write(f.at(1, 500), 7, OpKind::write, id, 0);
    CHECK_FALSE(r.kept);  // 500 < 1000: discarded although it came later
    CHECK(r.version == "500@n1");
    CHECK(f.value(1, 7) == "first");
    CHECK(f.held(1, 7) == first);
  }
  SECTION("HLC: receiving advanced the clock") {
    Fixture f(TimestampKind::hlc);
    f.write(0, 1000, 7, "first");  // (1000, 0)
    f.store.merge(f.at(1, 400), f.entries(0, {7}));  // n1's clock -> (1000, 1)
    const WriteId id = f.writes.add(7, "second");
    const WriteResult r = f.store.write(f.at(1, 500), 7, OpKind::write, id, 0);  // (1000, 2)
    CHECK(r.kept);
    CHECK(r.version == "1000.2@n1");
    CHECK(f.value(1, 7) == "second");
    // And it wins at the original writer too.
    f.store.merge(f.at(0, 1001), f.entries(1, {7}));
    CHECK(f.held(0, 7) == id);
  }
  SECTION("Lamport: receiving advanced the counter") {
    Fixture f(TimestampKind::lamport);
    f.write(0, 1000, 7, "a");  // L1
    f.write(0, 1000, 7, "b");  // L2
    f.store.merge(f.at(1, 400), f.entries(0, {7}));
    const WriteId id = f.writes.add(7, "c");
    const WriteResult r = f.store.write(f.at(1, 500), 7, OpKind::write, id, 0);
    CHECK(r.kept);
    CHECK(r.version == "L3@n1");
  }
}

TEST_CASE("LWW rank and digest encode versions faithfully", "[lww]") {
  // rank_of must preserve the version order (ignoring the write id), including
  // negative clock readings (a node with negative skew at t = 0).
  Rng rng(5);
  int order_violations = 0, zero_digests = 0, digest_collisions = 0;
  for (int i = 0; i < 20'000; ++i) {
    auto draw = [&] {
      LwwVersion v;
      v.ts.wall = static_cast<std::int64_t>(rng.below(2000)) - 1000;
      v.ts.logical = static_cast<std::uint32_t>(rng.below(3));
      v.origin = static_cast<NodeId>(rng.below(3));
      v.write = 1 + rng.below(1000);
      return v;
    };
    const LwwVersion a = draw(), b = draw();
    const bool same_but_write = a.ts == b.ts && a.origin == b.origin;
    if (!same_but_write && (a < b) != (LwwStore::rank_of(a) < LwwStore::rank_of(b))) ++order_violations;
    if (LwwStore::digest_of(a) == 0) ++zero_digests;
    if (!(a == b) && LwwStore::digest_of(a) == LwwStore::digest_of(b)) ++digest_collisions;
  }
  CHECK(order_violations == 0);
  CHECK(zero_digests == 0);
  CHECK(digest_collisions == 0);
}

TEST_CASE("LWW clear forgets a replica's state only", "[lww]") {
  Fixture f(TimestampKind::hlc);
  f.write(0, 100, 1, "a");
  f.store.merge(f.at(1, 100), f.entries(0, {1}));
  f.store.clear(f.at(1, 200));
  CHECK(f.obs.lost == std::vector<NodeId>{1});
  CHECK(f.store.find(1, 1) == nullptr);
  CHECK(f.digest(1).empty());
  CHECK(f.store.find(0, 1) != nullptr);
  // The HLC survived the wipe: a new write at n1 (clock behind) still wins.
  const WriteId id = f.writes.add(1, "b");
  CHECK(f.store.write(f.at(1, 50), 1, OpKind::write, id, 0).kept);
  f.store.merge(f.at(0, 100), f.entries(1, {1}));
  CHECK(f.held(0, 1) == id);
}

namespace {

// A reference model of LWW registers, written for this test: per (node, key)
// a map entry with the whole version, no shared tables. Clocks follow the
// textbook rules (HLC via HybridClock; Lamport: max, then +1 per write).
struct Reference {
  explicit Reference(TimestampKind k) : kind(k) {}
  TimestampKind kind;
  std::map<std::pair<NodeId, KeyId>, LwwVersion> held;
  std::map<NodeId, HybridClock> hlc;
  std::map<NodeId, std::int64_t> lamport;
  std::uint64_t applied = 0;  // state changes, as on_applied reports them

  LwwVersion stamp(NodeId node, SimTime local, WriteId w) {
    Timestamp ts{local, 0};
    if (kind == TimestampKind::hlc) ts = hlc[node].tick(local);
    if (kind == TimestampKind::lamport) ts = Timestamp{++lamport[node], 0};
    return LwwVersion{ts, node, w};
  }
  void receive(NodeId node, SimTime local, const Timestamp& ts) {
    if (kind == TimestampKind::hlc) hlc[node].receive(ts, local);
    if (kind == TimestampKind::lamport) lamport[node] = std::max(lamport[node], ts.wall);
  }
  bool offer(NodeId node, KeyId key, const LwwVersion& v) {
    auto it = held.find({node, key});
    if (it != held.end() && !(it->second < v)) return false;
    held[{node, key}] = v;
    ++applied;
    return true;
  }
  const LwwVersion* find(NodeId node, KeyId key) const {
    auto it = held.find({node, key});
    return it == held.end() ? nullptr : &it->second;
  }
  // The wire words, as documented in lww_store.cpp: (key, origin), wall, (logical, write).
  static void encode(KeyId key, const LwwVersion& v, std::vector<std::uint64_t>& out) {
    out.push_back((std::uint64_t{key} << 32) | v.origin);
    out.push_back(static_cast<std::uint64_t>(v.ts.wall));
    out.push_back((std::uint64_t{v.ts.logical} << 32) | (v.write & 0xFFFFFFFFu));
  }
  std::vector<std::uint64_t> digest(NodeId node) const {
    std::vector<std::uint64_t> out;
    for (const auto& [at, v] : held)
      if (at.first == node) encode(at.second, v, out);
    return out;
  }
};

struct Counter final : ReplicaObserver {
  std::uint64_t applied = 0;
  void on_applied(SimTime, NodeId, KeyId, std::uint64_t, StateRank, WriteId) override { ++applied; }
};

}  // namespace

TEST_CASE("LWW store agrees with a reference model under random writes, merges, exchanges and clears", "[lww]") {
  // Several keys per node (so replicas move between one inline entry and a
  // list, and cleared lists are reused), write ids written twice (two
  // versions of one write id) and write ids far beyond the others.
  // One key as well: replicas then mostly stay in the one-byte tier, and
  // leave it when the version index passes 254.
  constexpr NodeId kNodes = 5;
  for (const KeyId kKeys : {KeyId{1}, KeyId{4}})
  for (const TimestampKind kind : {TimestampKind::physical, TimestampKind::hlc, TimestampKind::lamport}) {
    Rng rng(97 + static_cast<std::uint64_t>(kind) + kKeys);
    Scenario s = three_nodes(kind);
    s.topology.nodes = kNodes;
    s.topology.node_names = {"n0", "n1", "n2", "n3", "n4"};
    s.topology.node_region.assign(kNodes, 0);
    edit_store(s).keys = static_cast<int>(kKeys);
    WriteTable writes;
    Counter obs;
    LwwStore store(s, writes);
    Reference ref(kind);
    std::vector<WriteId> written;
    int mismatches = 0, exchanges_with_work = 0, clears = 0;
    std::vector<std::string> why;  // the first few mismatches, for the failure message
    auto miss = [&](int line, int step) {
      if (++mismatches <= 5) why.push_back(fmt::format("line {}, step {}", line, step));
    };
    auto at = [&](NodeId node, SimTime local) { return ReplicaCall{node, local, local, &obs}; };
    for (int step = 0; step < 4000; ++step) {
      const NodeId node = static_cast<NodeId>(rng.below(kNodes));
      const NodeId peer = static_cast<NodeId>(rng.below(kNodes));
      const KeyId key = static_cast<KeyId>(rng.below(kKeys));
      const SimTime local = static_cast<SimTime>(rng.below(500));
      const std::uint64_t op = rng.below(100);
      if (op < 20) {  // a client write; now and then an id used before, or a stray large one
        WriteId w = writes.add(key, fmt::format("v{}", step));
        if (op < 3 && !written.empty()) w = written[rng.below(written.size())];
        if (op == 3) w = (std::uint64_t{1} << 20) + rng.below(8);
        if (op == 4) w = (std::uint64_t{1} << 32) + rng.below(8);  // truncated on the wire
        written.push_back(w);
        const LwwVersion v = ref.stamp(node, local, w);
        const bool kept = ref.offer(node, key, v);
        if (store.write(at(node, local), key, OpKind::write, w, 0).kept != kept) miss(__LINE__, step);
      } else if (op < 50) {  // entries for some keys shipped from peer to node
        std::vector<std::uint64_t> keys;
        for (KeyId k = 0; k < kKeys; ++k)
          if (rng.below(2)) keys.push_back(k);
        std::vector<std::uint64_t> words;
        store.entries_for(peer, keys, words);
        std::vector<std::uint64_t> expected;
        for (const std::uint64_t k : keys)
          if (const LwwVersion* v = ref.find(peer, static_cast<KeyId>(k))) Reference::encode(static_cast<KeyId>(k), *v, expected);
        if (words != expected) miss(__LINE__, step);
        store.merge(at(node, local), expected);
        for (std::size_t i = 0; i < expected.size(); i += LwwStore::kWordsPerEntry) {
          const LwwVersion v{Timestamp{static_cast<std::int64_t>(expected[i + 1]), static_cast<std::uint32_t>(expected[i + 2] >> 32)},
                             static_cast<NodeId>(expected[i]), expected[i + 2] & 0xFFFFFFFFu};
          ref.receive(node, local, v.ts);
          ref.offer(node, static_cast<KeyId>(expected[i] >> 32), v);
        }
      } else if (op < 95) {  // node compares peer's digest: what to send, what to ask for
        std::vector<std::uint64_t> send, want, expected_send, expected_want;
        store.compare(node, ref.digest(peer), send, want);
        for (KeyId k = 0; k < kKeys; ++k) {
          const LwwVersion *mine = ref.find(node, k), *held = ref.find(peer, k);
          std::optional<LwwVersion> theirs;  // as the digest carries it: 32 bits of write id
          if (held) theirs = LwwVersion{held->ts, held->origin, held->write & 0xFFFFFFFFu};
          if (mine && (!theirs || *theirs < *mine)) Reference::encode(k, *mine, expected_send);
          if (theirs && (!mine || *mine < *theirs)) expected_want.push_back(k);
        }
        if (send != expected_send || want != expected_want) miss(__LINE__, step);
        if (!send.empty() || !want.empty()) ++exchanges_with_work;
      } else {  // crash with state loss
        store.clear(at(node, local));
        for (KeyId k = 0; k < kKeys; ++k) ref.held.erase({node, k});
        ++clears;
      }
      // Every replica, every key, after every step.
      for (NodeId n = 0; n < kNodes; ++n) {
        std::vector<std::uint64_t> words;
        store.digest(n, words);
        if (words != ref.digest(n)) miss(__LINE__, step);
        for (KeyId k = 0; k < kKeys; ++k) {
          const LwwVersion* want = ref.find(n, k);
          const LwwVersion* got = store.find(n, k);
          if ((want == nullptr) != (got == nullptr) || (want && !(*want == *got))) miss(__LINE__, step);
          if (store.state_digest(n, k) != (want ? LwwStore::digest_of(*want) : 0)) miss(__LINE__, step);
          if (!want || want->write <= writes.size()) {  // read() looks the value up: real write ids only
            const ReadResult r = store.read(at(n, 0), k);
            if (r.found != (want != nullptr) || (want && (r.write != want->write || r.value != writes.get(want->write).value)))
              miss(__LINE__, step);
          }
          const StateProbe p = store.probe(n, k);
          if (p.found != (want != nullptr) || (want && (p.write != want->write || !(p.rank == LwwStore::rank_of(*want)))))
            miss(__LINE__, step);
        }
      }
      if (obs.applied != ref.applied) miss(__LINE__, step);
    }
    for (auto& w : why) UNSCOPED_INFO(w);
    CHECK(mismatches == 0);
    CHECK(exchanges_with_work > 100);  // the schedule exercised real differences
    CHECK(clears > 50);
    CHECK(ref.held.size() > kNodes * kKeys / 4);  // not a trivially empty end
  }
}
