// State hashing for `ecsim explore --exhaustive` (sim/state_hash.hpp,
// docs/EXPLORE.md): equal states hash equal however they were reached where
// the state is order-independent, different states hash differently, and
// two worlds the search treats as equal really do behave the same.
#include <catch2/catch.hpp>

#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "app/modules.hpp"
#include "app/runner.hpp"
#include "protocols/cart/cart_store.hpp"
#include "protocols/core/keyspace.hpp"
#include "protocols/core/store_config.hpp"
#include "protocols/crdt/crdt_store.hpp"
#include "protocols/lww/lww_store.hpp"
#include "sim/simulator.hpp"
#include "sim/state_hash.hpp"
#include "tests/test_util.hpp"

using namespace ecsim;
using namespace ecsim::test;

namespace {

ReplicaObserver quiet;  // stores report to it, nobody listens

template <class Store>
std::uint64_t hash_of(const Store& store) {
  StateHasher h;
  REQUIRE(store.hash_state(h));
  return h.value();
}

// Ships node `from`'s state of `key` to node `to`.
void ship(ReplicaStore& store, NodeId from, NodeId to, KeyId key) {
  std::vector<std::uint64_t> buf;
  store.entries_for(from, std::vector<std::uint64_t>{key}, buf);
  store.merge(ReplicaCall{to, 0, 0, &quiet}, buf);
}

}  // namespace

TEST_CASE("state hash: the hasher is order-dependent, its unordered form is not", "[explore][state_hash]") {
  StateHasher a, b, c;
  a.add(1);
  a.add(2);
  b.add(2);
  b.add(1);
  c.add(1);
  c.add(2);
  CHECK(a.value() != b.value());
  CHECK(a.value() == c.value());
  UnorderedHash x, y;
  x.add(1);
  x.add(2);
  y.add(2);
  y.add(1);
  StateHasher hx, hy;
  x.into(hx);
  y.into(hy);
  CHECK(hx.value() == hy.value());
  StateHasher s1, s2;  // a string is not confused with its split
  s1.add_string("ab");
  s1.add_string("c");
  s2.add_string("a");
  s2.add_string("bc");
  CHECK(s1.value() != s2.value());
}

TEST_CASE("state hash: CRDT replicas that merged the same updates in two orders hash equal", "[explore][state_hash]") {
  for (const CrdtKind kind : {CrdtKind::gcounter, CrdtKind::pncounter, CrdtKind::orset, CrdtKind::mvregister}) {
    CAPTURE(crdt_kind_name(kind));
    WriteTable writes;
    const WriteId w0 = writes.add(0, "x"), w1 = writes.add(0, "y");
    const OpKind op = kind == CrdtKind::orset ? OpKind::add : kind == CrdtKind::mvregister ? OpKind::write : OpKind::incr;
    // Two stores, identical histories up to the order in which n2 hears of n0's and n1's updates.
    auto build = [&](bool n0_first) {
      auto store = std::make_unique<CrdtStore>(kind, std::vector<std::string>{"n0", "n1", "n2"}, 64, writes);
      store->write(ReplicaCall{0, 0, 0, &quiet}, 0, op, w0, 1);
      store->write(ReplicaCall{1, 0, 0, &quiet}, 0, op, w1, 2);
      if (n0_first) {
        ship(*store, 0, 2, 0);
        ship(*store, 1, 2, 0);
      } else {
        ship(*store, 1, 2, 0);
        ship(*store, 0, 2, 0);
      }
      return store;
    };
    const auto a = build(true), b = build(false);
    CHECK(a->state_digest(2, 0) == b->state_digest(2, 0));  // the same state...
    CHECK(hash_of(*a) == hash_of(*b));                      // ...hashes equal
    // One more update at n2: a different state, a different hash.
    const WriteId w2 = writes.add(0, "z");
    b->write(ReplicaCall{2, 0, 0, &quiet}, 0, op, w2, 3);
    CHECK(hash_of(*a) != hash_of(*b));
  }
}

TEST_CASE("state hash: cart replicas merged in two orders hash equal, and differ after one more line",
          "[explore][state_hash]") {
  WriteTable writes;
  const WriteId w0 = writes.add(0, "apple:2"), w1 = writes.add(0, "pear:1");
  auto build = [&](bool n0_first) {
    auto store = std::make_unique<UnionMaxCartStore>(std::vector<std::string>{"n0", "n1", "n2"}, 64, writes);
    store->write(ReplicaCall{0, 0, 0, &quiet}, 0, OpKind::add, w0, 1);
    store->write(ReplicaCall{1, 0, 0, &quiet}, 0, OpKind::add, w1, 2);
    ship(*store, n0_first ? 0 : 1, 2, 0);
    ship(*store, n0_first ? 1 : 0, 2, 0);
    return store;
  };
  const auto a = build(true), b = build(false);
  CHECK(hash_of(*a) == hash_of(*b));
  ship(*b, 2, 0, 0);  // n0 learns n1's line: a different state at n0
  CHECK(hash_of(*a) != hash_of(*b));
}

TEST_CASE("state hash: LWW replicas hash equal after receiving two versions in either order, and differ otherwise",
          "[explore][state_hash]") {
  Scenario s;
  s.topology.nodes = 3;
  s.topology.node_names = {"n0", "n1", "n2"};
  s.topology.node_region = {0, 0, 0};
  edit_store(s).type = StoreType::lww;
  edit_store(s).timestamps = TimestampKind::physical;
  edit_store(s).keys = 2;
  WriteTable writes;
  const WriteId w0 = writes.add(0, "a"), w1 = writes.add(0, "b");
  auto build = [&](bool n0_first) {
    auto store = std::make_unique<LwwStore>(s, writes);
    store->write(ReplicaCall{0, 10, 10, &quiet}, 0, OpKind::write, w0, 1);
    store->write(ReplicaCall{1, 20, 20, &quiet}, 0, OpKind::write, w1, 2);
    ship(*store, n0_first ? 0 : 1, 2, 0);
    ship(*store, n0_first ? 1 : 0, 2, 0);
    return store;
  };
  const auto a = build(true), b = build(false);
  REQUIRE(a->find(2, 0)->write == w1);  // the newer version wins either way
  // In the second order n2 keeps b at once and discards a: the same final state.
  CHECK(hash_of(*a) == hash_of(*b));
  ship(*b, 2, 0, 0);  // n0 now holds b too
  CHECK(hash_of(*a) != hash_of(*b));
  // A different key, same values elsewhere: different.
  const auto c = build(true);
  const WriteId w2 = writes.add(1, "a");
  c->write(ReplicaCall{0, 10, 10, &quiet}, 1, OpKind::write, w2, 1);
  CHECK(hash_of(*a) != hash_of(*c));
}

namespace {

// Soundness, checked by brute force: runs the base and every single choice (each fate on
// each of messages 1..`messages`) with its state hashes recorded; wherever two schedules S
// and S' share a key (message m, hash) past both their choices, S + (m, f) and S' + (m, f)
// must give the same metrics (all but wall_s) for every fate f. Returns the number of
// shared keys checked.
int check_equal_keys_equal_futures(const std::string& base_file, const std::vector<std::string>& fates,
                                   std::uint64_t messages) {
  TempDir tmp;
  const std::string base = slurp(base_file);
  auto choice = [](std::uint64_t m, const std::string& fate) { return fmt::format("{{message: {}, {}", m, fate.substr(1)); };
  auto run = [&](const std::vector<std::string>& choices, StateHashProbe* probe) {
    std::string text = base;
    if (!choices.empty()) {
      text += "\nchoices: [";
      for (std::size_t i = 0; i < choices.size(); ++i) text += (i ? ", " : "") + choices[i];
      text += "]\n";
    }
    // Relative paths in the base resolve against its folder.
    LoadOptions lo;
    lo.text = text;
    Scenario s = load_scenario_with_modules(base_file, lo);
    RunSettings settings;
    settings.quiet = true;
    settings.write_outputs = false;
    settings.state_hashes = probe;
    std::ostringstream sink;
    MetricMap m = run_scenario(s, settings, sink).metrics;
    m.erase("wall_s");
    std::vector<std::string> values;  // as text: NaN (a metric that does not apply) equals NaN
    for (const auto& [name, value] : m) values.push_back(fmt::format("{} = {}", name, value));
    return values;
  };
  struct Run {
    std::uint64_t last = 0;  // its choice's message (0: the base)
    std::vector<std::string> choices;
    StateHashProbe probe;
  };
  std::vector<Run> runs;
  runs.push_back({});
  for (std::uint64_t m = 1; m <= messages; ++m)
    for (const std::string& f : fates) runs.push_back({m, {choice(m, f)}, {}});
  std::map<std::pair<std::uint64_t, std::uint64_t>, std::size_t> first;  // key -> first run with it
  int shared = 0;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    Run& r = runs[i];
    r.probe.after = r.last;  // as the search asks: keys past the schedule's own choice
    r.probe.until = messages;
    run(r.choices, &r.probe);
    REQUIRE(r.probe.hashable);
    for (const auto& [m, hash] : r.probe.keys) {
      const auto [it, fresh] = first.emplace(std::make_pair(m, hash), i);
      if (fresh) continue;
      const Run& other = runs[it->second];
      ++shared;
      for (const std::string& f : fates) {
        auto a = other.choices, b = r.choices;
        a.push_back(choice(m, f));
        b.push_back(choice(m, f));
        CAPTURE(m, f, other.choices, r.choices);
        CHECK(run(a, nullptr) == run(b, nullptr));
      }
    }
  }
  return shared;
}

}  // namespace

TEST_CASE("state hash: two single-choice schedules with equal keys have equal futures (two-round gossip)",
          "[explore][state_hash]") {
  const int shared = check_equal_keys_equal_futures(std::string(ECSIM_SOURCE_DIR) + "/scenarios/explore/gossip-two-rounds.yaml",
                                                    {"{fate: drop}", "{fate: duplicate}", "{fate: delay, by: 50ms}"}, 10);
  CHECK(shared > 0);  // the check checked something
}

TEST_CASE("state hash: two single-choice schedules with equal keys have equal futures (LWW with clients, crashes)",
          "[explore][state_hash]") {
  const int shared = check_equal_keys_equal_futures(std::string(ECSIM_SOURCE_DIR) + "/scenarios/explore/lww-physical.yaml",
                                                    {"{fate: drop}", "{fate: crash, restart_after: 300ms}"}, 12);
  CHECK(shared > 0);
}

TEST_CASE("state hash: two single-choice schedules with equal keys have equal futures (event log)",
          "[explore][state_hash]") {
  TempDir tmp;
  const std::string base = tmp.write("log.yaml", "name: log\nseed: 3\nduration: 1s\nstop: duration\n"
                                                 "topology: {nodes: 3, latency: {dist: constant, value: 10ms}}\n"
                                                 "event_log: {interval: 100ms, events: 20/s, stop: 500ms, entities: 2}\n");
  const int shared = check_equal_keys_equal_futures(base, {"{fate: drop}", "{fate: duplicate}"}, 12);
  CHECK(shared > 0);
}

namespace {

// Node 0 sends node 1 one message at start with payload `word`; `hashable` says whether it
// can hash its (empty) state.
struct OneShot final : Protocol {
  std::uint64_t word = 0;
  bool hashable = true;
  std::string_view name() const override { return "oneshot"; }
  void on_start(Context& ctx) override {
    if (ctx.node() == 0) ctx.send(1, 1, {&word, 1}, 8);
  }
  void on_message(Context&, const Message&) override {}
  void on_timer(Context&, std::uint32_t) override {}
  bool hash_state(StateHasher&) const override { return hashable; }
};

Scenario two_nodes() {
  Scenario s;
  s.name = "hash-test";
  s.topology.nodes = 2;
  s.topology.latency = Distribution::constant(1e6);
  s.topology.node_names = {"n0", "n1"};
  s.topology.node_region = {0, 0};
  return s;
}

// The kernel's hash with the message in flight (after start, before its delivery).
std::uint64_t in_flight_hash(std::uint64_t word, std::string* why = nullptr, bool hashable = true) {
  const Scenario s = two_nodes();
  Simulator sim(s);
  OneShot p;
  p.word = word;
  p.hashable = hashable;
  sim.add_protocol(&p);
  RunOptions run;
  run.end_ns = 0;  // starts the nodes, processes nothing
  sim.run(run);
  StateHasher h;
  if (!sim.hash_state(h, why)) return 0;
  return h.value();
}

}  // namespace

TEST_CASE("state hash: the kernel hashes a pending message by its content, and names a part that cannot hash",
          "[explore][state_hash]") {
  CHECK(in_flight_hash(7) == in_flight_hash(7));  // two simulators, same world
  CHECK(in_flight_hash(7) != in_flight_hash(8));  // a different payload in flight
  std::string why;
  CHECK(in_flight_hash(7, &why, false) == 0);
  CHECK(why == "protocol oneshot");
}
