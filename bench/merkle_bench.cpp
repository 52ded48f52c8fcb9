// Merkle-tree repair against gossip, as a function of divergence.
//
// Two replicas hold the same K keys (LWW registers, 64-byte values); then d
// random keys get a newer version on one replica, and one anti-entropy
// exchange brings the other up to date:
//   merkle       protocols/merkle/merkle.cpp: roots, descent into differing subtrees,
//                (key, digest) lists of differing leaves, divergent keys shipped;
//   gossip       protocols/gossip/gossip.cpp push-pull: a digest of every key, then
//                the newer entries;
//   full state   every entry shipped and merged (what a state-based system
//                without digests does).
// Reported per exchange: modelled bytes, messages, simulated time (1 ms
// one-way latency), and the wall time the simulator spends on it. The
// replicas are equal again after each exchange (checked), so divergences
// are measured one after the other on the same two replicas.
//
//   build/release/bench/merkle_bench [K=1000000] [leaves=65536] [fanout=16] > merkle.csv
// CSV on stdout, a readable table on stderr.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "protocols/core/store_config.hpp"
#include "protocols/gossip/gossip.hpp"
#include "protocols/lww/lww_store.hpp"
#include "protocols/merkle/merkle.hpp"
#include "sim/rng.hpp"
#include "sim/simulator.hpp"

using namespace ecsim;
using Clock = std::chrono::steady_clock;

namespace {

Scenario two_nodes(int keys) {
  Scenario s;
  s.name = "merkle-bench";
  s.seed = 1;
  s.topology.nodes = 2;
  s.topology.node_names = {"n0", "n1"};
  s.topology.node_region = {0, 0};
  s.topology.latency = Distribution::constant(1.0 * kMillisecond);
  edit_store(s).keys = keys;
  return s;
}

// Two replicas with a store and one anti-entropy protocol, exchanges started by hand.
struct Pair {
  Scenario s;
  WriteTable writes;
  Simulator sim;
  LwwStore store;
  std::unique_ptr<Protocol> protocol;
  MerkleProtocol* merkle = nullptr;
  std::uint16_t pid = 0;
  ReplicaObserver quiet;

  Pair(int keys, bool use_merkle, int leaves, int fanout) : s(two_nodes(keys)), sim(s), store(s, writes) {
    if (use_merkle) {
      MerkleSpec spec;
      spec.interval_ns = SimTime{1} << 60;
      spec.leaves = leaves;
      spec.fanout = fanout;
      auto m = std::make_unique<MerkleProtocol>(spec, store, 2);
      merkle = m.get();
      protocol = std::move(m);
    } else {
      GossipSpec g;
      g.interval_ns = SimTime{1} << 60;
      protocol = std::make_unique<GossipProtocol>(g, store);
    }
    pid = sim.add_protocol(protocol.get());
    for (KeyId k = 0; k < static_cast<KeyId>(keys); ++k) write(0, k);
    std::vector<std::uint64_t> all, buf;
    for (KeyId k = 0; k < static_cast<KeyId>(keys); ++k) all.push_back(k);
    store.entries_for(0, all, buf);
    store.merge(at(1), buf);
    // No run() here: the first exchange's run boots the protocol. (A run that
    // stops at end_ns has peeked at the next event, and the radix heap then
    // takes no event earlier than that one: see the report on sim/event_queue.hpp.)
  }
  ReplicaCall at(NodeId n) { return ReplicaCall{n, sim.now(), sim.local_time(n), &quiet}; }
  void write(NodeId n, KeyId k) { store.write(at(n), k, OpKind::write, writes.add(k, {}), 0); }

  struct Cost {
    std::uint64_t bytes = 0, messages = 0;
    double sim_s = 0, wall_s = 0;
  };
  Cost exchange() {
    const KernelStats before = sim.stats();
    const SimTime t0 = sim.now();
    const auto w0 = Clock::now();
    Context ctx(sim, 0, pid);
    if (merkle) merkle->start_repair(ctx, 1);
    else protocol->on_timer(ctx, 1);  // gossip's round: DIGEST to the only neighbour
    RunOptions o;
    o.end_ns = sim.now() + 3600 * kSecond;
    o.stop_when = [this] { return sim.messages_in_flight() == 0; };
    sim.run(o);
    Cost c;
    c.wall_s = std::chrono::duration<double>(Clock::now() - w0).count();
    c.sim_s = to_seconds(sim.now() - t0);
    c.bytes = sim.stats().messages_bytes - before.messages_bytes;
    c.messages = sim.stats().messages_sent - before.messages_sent;
    return c;
  }
  bool equal(int keys) {
    for (KeyId k = 0; k < static_cast<KeyId>(keys); ++k)
      if (store.state_digest(0, k) != store.state_digest(1, k)) return false;
    return true;
  }
};

}  // namespace

int main(int argc, char** argv) {
  const int keys = argc > 1 ? std::atoi(argv[1]) : 1'000'000;
  const int leaves = argc > 2 ? std::atoi(argv[2]) : 65536;
  const int fanout = argc > 3 ? std::atoi(argv[3]) : 16;
  std::vector<std::size_t> divergences{0};  // 0: replicas in sync, the steady-state cost
  for (std::size_t d = 1; d < static_cast<std::size_t>(keys); d *= 10) divergences.push_back(d);
  divergences.push_back(static_cast<std::size_t>(keys));

  auto t = Clock::now();
  Pair merkle(keys, true, leaves, fanout);
  Pair gossip(keys, false, leaves, fanout);
  merkle.merkle->root(0);  // the trees' first (lazy) computation is setup, not part of an exchange
  merkle.merkle->root(1);
  std::fprintf(stderr, "setup: 2 x 2 replicas of %d keys in %.1f s; Merkle tree: %d leaves, fan-out %d, depth %u\n", keys,
               std::chrono::duration<double>(Clock::now() - t).count(), leaves, fanout, merkle.merkle->depth());
  std::printf("divergent_keys,fraction,merkle_bytes,merkle_messages,merkle_sim_s,merkle_wall_s,gossip_bytes,gossip_messages,"
              "gossip_sim_s,gossip_wall_s,full_bytes,full_wall_s\n");
  std::fprintf(stderr, "%9s %8s | %12s %5s %7s %8s | %12s %5s %7s %8s | %12s %8s\n", "d", "of K", "merkle B", "msgs", "sim s",
               "wall s", "gossip B", "msgs", "sim s", "wall s", "full B", "wall s");
  Rng rng(7);
  for (std::size_t d : divergences) {
    std::vector<KeyId> chosen;
    if (d == 0) {
    } else if (d == static_cast<std::size_t>(keys)) {
      for (KeyId k = 0; k < static_cast<KeyId>(keys); ++k) chosen.push_back(k);
    } else {
      std::set<KeyId> s;
      while (s.size() < d) s.insert(static_cast<KeyId>(rng.below(static_cast<std::uint64_t>(keys))));
      chosen.assign(s.begin(), s.end());
    }
    for (KeyId k : chosen) {
      merkle.write(0, k);
      gossip.write(0, k);
    }
    // Full state: every entry of n0 shipped to n1 and merged (measured on the
    // gossip pair before its exchange, so it does the same merge work).
    std::vector<std::uint64_t> all, buf;
    for (KeyId k = 0; k < static_cast<KeyId>(keys); ++k) all.push_back(k);
    auto w0 = Clock::now();
    gossip.store.entries_for(0, all, buf);
    const std::uint32_t full_bytes = gossip.store.entries_wire_bytes(buf);
    gossip.store.merge(gossip.at(1), buf);
    const double full_wall = std::chrono::duration<double>(Clock::now() - w0).count();
    // gossip's own exchange then finds nothing to ship n1; undo: re-diverge by writing again at n0.
    for (KeyId k : chosen) gossip.write(0, k);

    const Pair::Cost mc = merkle.exchange();
    const Pair::Cost gc = gossip.exchange();
    if (!merkle.equal(keys) || !gossip.equal(keys)) {
      std::fprintf(stderr, "replicas differ after the exchange at d = %zu\n", d);
      return 1;
    }
    std::printf("%zu,%.6g,%llu,%llu,%.6f,%.6f,%llu,%llu,%.6f,%.6f,%u,%.6f\n", d, static_cast<double>(d) / keys,
                static_cast<unsigned long long>(mc.bytes), static_cast<unsigned long long>(mc.messages), mc.sim_s, mc.wall_s,
                static_cast<unsigned long long>(gc.bytes), static_cast<unsigned long long>(gc.messages), gc.sim_s, gc.wall_s,
                full_bytes, full_wall);
    std::fprintf(stderr, "%9zu %7.4f%% | %12llu %5llu %7.3f %8.4f | %12llu %5llu %7.3f %8.4f | %12u %8.4f\n", d,
                 100.0 * static_cast<double>(d) / keys, static_cast<unsigned long long>(mc.bytes),
                 static_cast<unsigned long long>(mc.messages), mc.sim_s, mc.wall_s, static_cast<unsigned long long>(gc.bytes),
                 static_cast<unsigned long long>(gc.messages), gc.sim_s, gc.wall_s, full_bytes, full_wall);
  }
  return 0;
}
