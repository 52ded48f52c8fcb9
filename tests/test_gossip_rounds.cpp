// Independent truth for gossip: with phase: aligned, push gossip on a complete
// graph runs in synchronous rounds, and the number of rounds until every node
// is informed is log2 N + ln N + O(1) (Pittel 1987, "On spreading a rumor").
// We compare the full simulator (kernel + gossip + LWW store + convergence
// checker) against that formula and against a direct Monte Carlo of the
// round model written here, independent of the simulator.
#include <fmt/format.h>
#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "protocols/core/store_config.hpp"
#include "protocols/gossip/config.hpp"
#include "analysis/convergence.hpp"
#include "protocols/gossip/gossip.hpp"
#include "protocols/core/keyspace.hpp"
#include "protocols/lww/lww_store.hpp"
#include "sim/rng.hpp"
#include "sim/simulator.hpp"

using namespace ecsim;

namespace {

// Writes key 0 at node 0 at t=0, as a client would.
class WriteAtStart final : public Component {
 public:
  WriteAtStart(Simulator& sim, ReplicaStore& store, WriteTable& writes) : sim_(sim), store_(store), writes_(writes) {
    sim_.schedule(0, sim_.add_component(this), 0, 0, true);
  }
  void on_event(std::uint64_t, std::uint32_t) override {
    const WriteId w = writes_.add(0, "v");
    store_.write(ReplicaCall{0, sim_.now(), sim_.local_time(0), store_.observer()}, 0, OpKind::write, w, 1);
    done = true;
  }
  bool done = false;

 private:
  Simulator& sim_;
  ReplicaStore& store_;
  WriteTable& writes_;
};

Scenario push_scenario(int nodes, std::uint64_t seed) {
  Scenario s;
  s.name = "rounds";
  s.seed = seed;
  s.duration_ns = 200 * kSecond;
  s.topology.nodes = nodes;
  for (int i = 0; i < nodes; ++i) s.topology.node_names.push_back(fmt::format("n{}", i));
  s.topology.node_region.assign(static_cast<std::size_t>(nodes), 0);
  s.topology.latency = Distribution::constant(1.0 * kMillisecond);  // << interval: rounds stay synchronous
  edit_store(s).keys = 1;
  GossipSpec g;
  g.interval_ns = kSecond;
  g.fanout = 1;
  g.mode = GossipMode::push;
  g.aligned_phase = true;
  s.set_section(g);
  return s;
}

// Rounds until all informed, measured by the simulator.
int simulated_rounds(int nodes, std::uint64_t seed) {
  const Scenario s = push_scenario(nodes, seed);
  WriteTable writes;
  LwwStore store(s, writes);
  Simulator sim(s);
  GossipProtocol gossip(*s.section<GossipSpec>(), store);
  sim.add_protocol(&gossip);
  WriteAtStart writer(sim, store, writes);
  ConvergenceTracker tracker(sim.node_count(), false);
  sim.add_observer(&tracker);
  store.set_observer(&tracker);
  RunOptions run;
  run.end_ns = s.duration_ns;
  run.stop_when = [&] { return writer.done && tracker.converged(); };
  REQUIRE(sim.run(run) == StopReason::condition);
  // Round r starts at (r-1) s; an exchange completes within 3 ms of its start.
  return static_cast<int>(sim.now() / kSecond) + 1;
}

// The round model itself: each informed node tells one uniformly random other node.
int model_rounds(int nodes, Rng& rng) {
  std::vector<std::uint8_t> informed(static_cast<std::size_t>(nodes), 0);
  informed[0] = 1;
  int count = 1, rounds = 0;
  std::vector<int> newly;
  while (count < nodes) {
    ++rounds;
    newly.clear();
    for (int i = 0; i < nodes; ++i) {
      if (!informed[static_cast<std::size_t>(i)]) continue;
      auto peer = static_cast<int>(rng.below(static_cast<std::uint64_t>(nodes - 1)));
      if (peer >= i) ++peer;
      if (!informed[static_cast<std::size_t>(peer)]) newly.push_back(peer);
    }
    for (int p : newly)
      if (!informed[static_cast<std::size_t>(p)]) {
        informed[static_cast<std::size_t>(p)] = 1;
        ++count;
      }
  }
  return rounds;
}

}  // namespace

TEST_CASE("push gossip rounds on a complete graph match Pittel and a direct Monte Carlo", "[gossip][literature]") {
  constexpr int kNodes = 1000;
  constexpr int kSeeds = 200;
  double sim_sum = 0, sim_sq = 0, model_sum = 0, model_sq = 0;
  Rng model_rng(20260101);
  for (int i = 0; i < kSeeds; ++i) {
    const double r = simulated_rounds(kNodes, 1000 + static_cast<std::uint64_t>(i));
    sim_sum += r;
    sim_sq += r * r;
    const double m = model_rounds(kNodes, model_rng);
    model_sum += m;
    model_sq += m * m;
  }
  const double sim_mean = sim_sum / kSeeds, model_mean = model_sum / kSeeds;
  const double sim_sd = std::sqrt(std::max(0.0, sim_sq / kSeeds - sim_mean * sim_mean));
  const double model_sd = std::sqrt(std::max(0.0, model_sq / kSeeds - model_mean * model_mean));
  const double pittel = std::log2(kNodes) + std::log(kNodes);  // 16.87 for N = 1000
  INFO("simulated mean " << sim_mean << " sd " << sim_sd << "; model mean " << model_mean << " sd " << model_sd
                         << "; log2 N + ln N = " << pittel);
  // Same process, independent implementations: the means differ only by
  // sampling error. Round counts have sd ~ 1, so the standard error of the
  // difference of two 200-run means is ~0.12; 0.5 is four of them.
  CHECK(std::abs(sim_mean - model_mean) < 0.5);
  // Pittel's O(1) term is small for this N (the model above gives ~+1);
  // 2.5 rounds of slack covers the constant, not an error of the order log N.
  CHECK(std::abs(sim_mean - pittel) < 2.5);
  CHECK(std::abs(model_mean - pittel) < 2.5);
}
