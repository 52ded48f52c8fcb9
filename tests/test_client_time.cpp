// Client operations take time (protocols/clients/clients.hpp): a request and
// its reply each cross the network model from the client's place, can be
// lost, and are cut by partitions; a client that hears nothing gives up after
// its attempt timeout. Every expected time below is computed by hand from
// the constant latencies in the scenario.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "app/modules.hpp"
#include "protocols/clients/clients.hpp"
#include "protocols/core/hash_ring.hpp"
#include "protocols/core/store_config.hpp"
#include "sim/fault_injector.hpp"
#include "sim/scenario_loader.hpp"
#include "sim/simulator.hpp"
#include "test_util.hpp"

using namespace ecsim;

namespace {

struct Op {
  std::string client, op, key, value;
  std::uint64_t seq = 0, session_uid = 0;
  SimTime invoke_ns = 0, complete_ns = 0;
  NodeId replica = kNoNode;
  bool ok = false;
  friend bool operator==(const Op&, const Op&) = default;
};

struct Recorder : ReplicaObserver {
  std::vector<Op> ops;
  void on_op(const OpRecord& r) override {
    ops.push_back(Op{std::string(r.client), std::string(r.op), std::string(r.key), std::string(r.value), r.seq,
                     r.session_uid, r.invoke_ns, r.complete_ns, r.replica, r.ok});
  }
};

// The runner's wiring for clients without a replication protocol.
struct Run {
  test::TempDir dir;
  Scenario s;
  KeySpace keys;
  WriteTable writes;
  std::unique_ptr<ReplicaStore> store;
  Simulator sim;
  FaultInjector faults;
  ClientDriver clients;
  Recorder rec;

  explicit Run(const std::string& yaml, std::uint64_t seed = 0)
      : s(load(dir.write("s.yaml", yaml), seed)),
        keys(static_cast<std::uint32_t>(store_of(s).keys)),
        store(make_store(s, writes)),
        sim(s),
        faults(sim, s),
        clients(sim, s, *store, keys, writes) {
    store->set_observer(&rec);
    RunOptions o;
    o.end_ns = s.duration_ns;
    sim.run(o);
  }
  static Scenario load(const std::string& path, std::uint64_t seed) {
    Scenario s = load_scenario_with_modules(path, {});
    if (seed) s.seed = seed;
    return s;
  }
  const Op& op(const std::string& value) const {
    for (const Op& o : rec.ops)
      if (o.value == value) return o;
    FAIL("no op with value " << value);
    return rec.ops.front();
  }
};

SimTime ms(double x) { return std::llround(x * 1e6); }

}  // namespace

TEST_CASE("client time: a scripted op completes after the request and the reply latency", "[clients][time]") {
  // Two nodes, 3 ms everywhere; the client has no place, so it is inside the
  // replica's region: 3 ms there, service (the defaults: a write 200 us, a
  // read 100 us), 3 ms back.
  const Run run(R"(name: t
seed: 1
duration: 5s
topology: {nodes: 2, latency: {dist: constant, value: 3ms}}
store: {type: lww, keys: 1}
ops:
  - {at: 1s, client: c0, op: write, key: a, value: x, node: n1}
  - {at: 2s, client: c0, op: read, key: a}
)");
  REQUIRE(run.rec.ops.size() == 2);
  CHECK(run.rec.ops[0].invoke_ns == ms(1000));
  CHECK(run.rec.ops[0].complete_ns == ms(1006.2));
  CHECK(run.rec.ops[0].ok);
  CHECK(run.rec.ops[1].invoke_ns == ms(2000));
  CHECK(run.rec.ops[1].complete_ns == ms(2006.1));
  CHECK(run.clients.stats().timeouts == 0);
}

TEST_CASE("client time: requests that reach a replica together queue for its servers", "[clients][time]") {
  // One server, 1 ms per write, 2 ms per read; three ops reach n0 at 1.001 s:
  // served by 1.002, 1.003 and 1.005 s (FIFO in arrival order), replies 1 ms later.
  const Run run(R"(name: t
seed: 1
duration: 5s
topology: {nodes: 1, latency: {dist: constant, value: 1ms}}
store: {type: lww, keys: 1}
replicas: {service: {write: 1ms, read: 2ms}, servers: 1}
ops:
  - {at: 1s, client: c0, op: write, key: a, value: first}
  - {at: 1s, client: c1, op: write, key: a, value: second}
  - {at: 1s, client: c2, op: read, key: a}
)");
  REQUIRE(run.rec.ops.size() == 3);
  CHECK(run.op("first").complete_ns == ms(1003));
  CHECK(run.op("second").complete_ns == ms(1004));
  const Op& read = run.rec.ops[2];
  CHECK(read.op == "read");
  CHECK(read.complete_ns == ms(1006));
  CHECK(read.value == "second");
}

TEST_CASE("client time: a replica that crashes while a request queues answers nothing usable", "[clients][time]") {
  // The write reaches n1 at 1.001 s and would be served by 1.011 s; n1 crashes
  // at 1.005 s: the client notices at 1.012 s (one more 1 ms leg), and a
  // pinned op is not retried. The other write, to n0, is served as usual.
  const Run run(R"(name: t
seed: 1
duration: 5s
topology: {nodes: 2, latency: {dist: constant, value: 1ms}}
store: {type: lww, keys: 1}
replicas: {service: {write: 10ms}, servers: 1}
ops:
  - {at: 1s, client: c0, op: write, key: a, value: lost, node: n1}
  - {at: 1s, client: c1, op: write, key: a, value: kept, node: n0}
faults:
  - {at: 1005ms, crash: n1}
)");
  REQUIRE(run.rec.ops.size() == 2);
  CHECK_FALSE(run.op("lost").ok);
  CHECK(run.op("lost").complete_ns == ms(1012));
  CHECK(run.op("kept").ok);
  CHECK(run.op("kept").complete_ns == ms(1012));
  CHECK(run.clients.stats().unavailable == 1);
}

TEST_CASE("client time: a client in one region pays the link latency to a replica in another", "[clients][time]") {
  // us = n0, eu = n1; inside a region 1 ms (us overridden to 7 ms), us-eu 40 ms.
  // placement: regions puts c0 in us, next to n0. Each write is served in 200 us.
  const Run run(R"(name: t
seed: 1
duration: 5s
topology:
  regions: [{name: us, nodes: 1}, {name: eu, nodes: 1}]
  latency: {dist: constant, value: 1ms}
  links:
    - {from: us, to: eu, latency: {dist: constant, value: 40ms}}
    - {from: us, to: us, latency: {dist: constant, value: 7ms}}
store: {type: lww, keys: 1}
workload: {clients: 0, placement: regions}
ops:
  - {at: 1s, client: c0, op: write, key: a, value: far, node: eu-0}
  - {at: 2s, client: c0, op: write, key: a, value: near, node: us-0}
  - {at: 3s, client: c1, op: write, key: a, value: other, node: eu-0}
)");
  REQUIRE(run.rec.ops.size() == 3);
  CHECK(run.op("far").complete_ns == ms(1080.2));   // 40 ms each way
  CHECK(run.op("near").complete_ns == ms(2014.2));  // next to n0: us's own 7 ms each way
  CHECK(run.op("other").complete_ns == ms(3002.2)); // c1 sits in eu: 1 ms each way
}

TEST_CASE("client time: with every message lost each op times out, reads retried by the policy", "[clients][time]") {
  const std::string base = R"(name: t
seed: 1
duration: 10s
topology: {nodes: 3, latency: {dist: constant, value: 1ms}}
network: {loss: 1.0}
store: {type: lww, keys: 1}
ops:
  - {at: 1s, client: c0, op: write, key: a, value: x}
  - {at: 1s, client: c1, op: read, key: a}
)";
  SECTION("default attempt timeout: one attempt uses the whole 2 s") {
    const Run run(base);
    REQUIRE(run.rec.ops.size() == 2);
    for (const Op& o : run.rec.ops) {
      CHECK_FALSE(o.ok);
      CHECK(o.complete_ns == ms(1000) + 2 * kSecond);
    }
    CHECK(run.clients.stats().timeouts == 2);
    CHECK(run.clients.stats().retries == 0);
    CHECK(run.clients.stats().lost_requests == 2);
  }
  SECTION("500 ms per attempt: a read tries three replicas (retries: 2), a write is not retried") {
    const Run run(base + "workload: {clients: 0, session: {attempt_timeout: 500ms}}\n");
    REQUIRE(run.rec.ops.size() == 2);
    const Op& write = run.rec.ops[0].op == "write" ? run.rec.ops[0] : run.rec.ops[1];
    const Op& read = run.rec.ops[0].op == "read" ? run.rec.ops[0] : run.rec.ops[1];
    CHECK_FALSE(write.ok);
    CHECK(write.complete_ns == ms(1500));  // its fate unknown, a write is never sent twice
    CHECK_FALSE(read.ok);
    CHECK(read.complete_ns == ms(2500));   // attempts at 1.0, 1.5 and 2.0 s, each given up after 500 ms
    CHECK(run.clients.stats().timeouts == 4);
    CHECK(run.clients.stats().retries == 2);
    CHECK(run.clients.stats().lost_requests == 4);
  }
}

TEST_CASE("client time: a reply later than the timeout fails an op its replica applied", "[clients][time]") {
  // 1.5 s each way: the request arrives at 1.5 s, the reply would at 3 s, past the 2 s timeout.
  Run run(R"(name: t
seed: 1
duration: 10s
topology: {nodes: 1, latency: {dist: constant, value: 1500ms}}
store: {type: lww, keys: 1}
ops:
  - {at: 0s, client: c0, op: write, key: a, value: x}
)");
  REQUIRE(run.rec.ops.size() == 1);
  CHECK_FALSE(run.rec.ops[0].ok);
  CHECK(run.rec.ops[0].complete_ns == 2 * kSecond);
  CHECK(run.store->read(ReplicaCall{0, 0, 0, nullptr}, run.keys.intern("a")).value == "x");
  CHECK(run.clients.stats().timeouts == 1);
  CHECK(run.clients.stats().lost_replies == 0);
}

TEST_CASE("client time: a partition between the client's place and its replica fails the attempt over", "[clients][time]") {
  // Key names whose primary (the ring's owner, 64 virtual nodes each) is n1.
  const HashRing ring({0, 1}, 64);
  std::string key;
  for (int i = 0; key.empty(); ++i)
    if (ring.owner(stable_hash("key" + std::to_string(i)), [](NodeId) { return true; }) == 1) key = "key" + std::to_string(i);
  // c0 sits next to n0; 10 ms everywhere. The request leaves at 1 s for the
  // primary n1, the partition falls at 1.005 s, the request finds n1 cut off at
  // 1.010 s and the client notices at 1.020 s; the retry goes to n0 (10 ms
  // there and back inside the region, 200 us to serve the write): ok at 1.0402 s.
  const Run run(R"(name: t
seed: 1
duration: 5s
topology: {nodes: 2, latency: {dist: constant, value: 10ms}}
store: {type: lww, keys: 1}
workload: {clients: 0, placement: nodes, routing: primary}
ops:
  - {at: 1s, client: c0, op: write, key: )" + key + R"(, value: x}
  - {at: 1s, client: c0, op: write, key: )" + key + R"(, value: pinned, node: n1}
faults:
  - {at: 1005ms, partition: [[n0], [n1]]}
)");
  REQUIRE(run.rec.ops.size() == 2);
  const Op& routed = run.op("x");
  CHECK(routed.ok);
  CHECK(routed.replica == 0);
  CHECK(routed.complete_ns == ms(1040.2));
  const Op& pinned = run.op("pinned");  // never retried elsewhere
  CHECK_FALSE(pinned.ok);
  CHECK(pinned.replica == 1);
  CHECK(pinned.complete_ns == ms(1020));
  CHECK(run.clients.stats().unavailable == 2);
  CHECK(run.clients.stats().retries == 1);
}

TEST_CASE("client time: seq numbers each session's operations in invocation order", "[clients][time]") {
  const Run run(R"(name: t
seed: 1
duration: 5s
topology: {nodes: 2, latency: {dist: uniform, min: 1ms, max: 9ms}}
store: {type: lww, keys: 2}
ops:
  - {at: 1s, client: c0, op: write, key: a, value: a1}
  - {at: 1s, client: c1, op: write, key: a, value: b1}
  - {at: 1s, client: c0, op: write, key: b, value: a2}
  - {at: 1s, client: c0, op: write, key: a, value: a3}
  - {at: 2s, client: c1, op: write, key: b, value: b2}
)");
  REQUIRE(run.rec.ops.size() == 5);
  CHECK(run.op("a1").seq == 1);
  CHECK(run.op("a2").seq == 2);
  CHECK(run.op("a3").seq == 3);
  CHECK(run.op("b1").seq == 1);
  CHECK(run.op("b2").seq == 2);
  CHECK(run.op("a1").session_uid != run.op("b1").session_uid);
}

TEST_CASE("client time: the same seed gives the same history under loss and jitter", "[clients][time]") {
  const std::string yaml = R"(name: t
seed: 1
duration: 3s
topology: {nodes: 4, latency: {dist: lognormal, median: 5ms, sigma: 0.8}}
network: {loss: 0.3}
store: {type: lww, keys: 5}
workload: {clients: 3, rate: 50/s, placement: nodes, session: {attempt_timeout: 100ms}}
)";
  const Run a(yaml, 7), b(yaml, 7), c(yaml, 8);
  CHECK(a.rec.ops.size() > 100);
  CHECK(a.clients.stats().timeouts > 0);
  CHECK(a.rec.ops == b.rec.ops);
  CHECK_FALSE(a.rec.ops == c.rec.ops);
}

TEST_CASE("client time: an attempt timeout longer than the op's is refused", "[clients][time]") {
  test::TempDir dir;
  const std::string path = dir.write("s.yaml", R"(name: t
seed: 1
topology: {nodes: 1}
workload: {clients: 1, rate: 1/s, session: {timeout: 1s, attempt_timeout: 3s}}
)");
  CHECK_THROWS_WITH(load_scenario_with_modules(path, {}),
                    Catch::Contains("s.yaml:4:75") && Catch::Contains("is longer than session.timeout"));
}

TEST_CASE("client draws: the workload stream is drawn in a fixed, documented order", "[clients][determinism]") {
  // The order (docs/DETERMINISM.md): the first arrival gap of each client at
  // start; then per arrival: the session (below(sessions)), the operation
  // (uniform01 against the mix's cumulative shares, in the mix's order), the
  // key (below(keys)), then the gap to the next arrival. Replayed here from
  // the bare stream: a reordering of draws (e.g. two draws in one call's
  // arguments, which GCC and Clang evaluate in different orders) fails it.
  Run run(R"(name: draws
seed: 9
duration: 2s
topology: {nodes: 2, latency: 1ms}
store: {keys: 50}
workload: {clients: 1, rate: 100/s, mix: {read: 0.5, write: 0.5}, stop: 1s}
)");
  Rng ref = Rng::stream(9, "workload");
  std::vector<std::pair<SimTime, std::string>> expected;  // (invoke time, "op key")
  SimTime t = poisson_gap(ref, 100.0);
  while (t < kSecond) {
    (void)ref.below(1);  // the session: one per client
    const double u = ref.uniform01();
    const std::string op = u < 0.5 ? "read" : "write";
    const std::uint64_t key = ref.below(50);
    expected.emplace_back(t, op + " k" + std::to_string(key));
    t = time_after(t, poisson_gap(ref, 100.0));
  }
  std::vector<std::pair<SimTime, std::string>> got;
  for (const Op& o : run.rec.ops) got.emplace_back(o.invoke_ns, o.op + " " + o.key);
  std::sort(got.begin(), got.end());
  REQUIRE(expected.size() > 50);  // about 100 arrivals in 1 s
  CHECK(got == expected);
}
