// Rumor mongering (protocols/rumor) against independent truth:
//  - Demers et al. 1987, Table 1 (push, feedback, counter, 1000 sites);
//  - a direct Monte Carlo of the paper's cycle model written here, without
//    the simulator;
//  - the mean-field final-size relations of section 1.4, solved numerically
//    here: s = exp(-(k+1)(1-s)) for feedback + coin, s = exp(-k(1-s)) for
//    blind + coin;
// plus determinism, push_pull vs push, partitions, message accounting,
// death certificates and the NaN conventions of the metrics.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "protocols/rumor/rumor.hpp"
#include "sim/rng.hpp"
#include "sim/simulator.hpp"

using namespace ecsim;

namespace {

Scenario rumor_scenario(int nodes, std::uint64_t seed) {
  Scenario s;
  s.name = "rumor";
  s.seed = seed;
  s.duration_ns = 500 * kSecond;
  s.topology.nodes = nodes;
  for (int i = 0; i < nodes; ++i) s.topology.node_names.push_back(std::string("n").append(std::to_string(i)));
  s.topology.node_region.assign(static_cast<std::size_t>(nodes), 0);
  // Latency << interval: a round's exchanges (request, update, feedback:
  // 3 ms) finish long before the next round, so rounds are synchronous.
  s.topology.latency = Distribution::constant(1.0 * kMillisecond);
  return s;
}

struct Outcome {
  std::map<std::string, double> metrics;
  KernelStats stats;
  StopReason stop = StopReason::duration;
  double operator[](const std::string& name) const { return metrics.at(name); }
};

// Runs one rumor to its end (no infective node, nothing in flight).
Outcome run_rumor(const RumorSpec& spec, const Scenario& scenario,
                  const std::function<void(Simulator&, RumorProtocol&)>& inspect = {},
                  const std::function<void(Simulator&)>& setup = {}) {
  Simulator sim(scenario);
  RumorProtocol rumor(spec, static_cast<std::uint32_t>(scenario.topology.nodes));
  sim.add_protocol(&rumor);
  if (setup) setup(sim);
  RunOptions run;
  run.end_ns = scenario.duration_ns;
  run.stop_when = [&] { return rumor.finished() && sim.messages_in_flight() == 0; };
  Outcome out;
  out.stop = sim.run(run);
  std::vector<std::pair<std::string, double>> m;
  rumor.summary_metrics(m);
  for (auto& [k, v] : m) out.metrics[k] = v;
  out.stats = sim.stats();
  if (inspect) inspect(sim, rumor);
  return out;
}

// Mean and standard error of the mean over runs.
struct Sample {
  double sum = 0, sq = 0;
  int n = 0;
  void add(double x) {
    sum += x;
    sq += x * x;
    ++n;
  }
  double mean() const { return sum / n; }
  double sd() const { return std::sqrt(std::max(0.0, (sq - sum * sum / n) / (n - 1))); }
  double se() const { return sd() / std::sqrt(static_cast<double>(n)); }
};

struct Stats {
  Sample residue, traffic, t_ave, t_last;
};

// The paper's cycle model, written directly: in each cycle every site that
// is infective at the cycle's start contacts one uniformly random other
// site; a contact is unnecessary when the recipient knew the update at the
// cycle's start; k unnecessary contacts in a row remove the sender (a
// necessary one resets its counter); sites told during a cycle become
// infective at its end. t is the cycle number in which a site was told.
struct ModelRun {
  double residue, traffic, t_ave, t_last;
};
ModelRun paper_model(int n, int k, Rng& rng) {
  enum : std::uint8_t { S, I, R };
  std::vector<std::uint8_t> state(static_cast<std::size_t>(n), S), start;
  std::vector<int> counter(static_cast<std::size_t>(n), 0), told(static_cast<std::size_t>(n), -1), newly;
  state[0] = I;
  told[0] = 0;
  long updates = 0;
  for (int cycle = 1;; ++cycle) {
    start = state;
    newly.clear();
    bool any = false;
    for (int i = 0; i < n; ++i) {
      if (start[static_cast<std::size_t>(i)] != I || state[static_cast<std::size_t>(i)] != I) continue;
      any = true;
      auto p = static_cast<int>(rng.below(static_cast<std::uint64_t>(n - 1)));
      if (p >= i) ++p;
      ++updates;
      auto& c = counter[static_cast<std::size_t>(i)];
      if (start[static_cast<std::size_t>(p)] == S) {
        if (told[static_cast<std::size_t>(p)] < 0) {
          told[static_cast<std::size_t>(p)] = cycle;
          newly.push_back(p);
        }
        c = 0;
      } else if (++c >= k) {
        state[static_cast<std::size_t>(i)] = R;
      }
    }
    if (!any) break;
    for (int p : newly) state[static_cast<std::size_t>(p)] = I;
  }
  int informed = 0;
  double sum = 0;
  int last = 0;
  for (int v = 0; v < n; ++v) {
    const int t = told[static_cast<std::size_t>(v)];
    if (t < 0) continue;
    ++informed;
    if (v != 0) sum += t;
    last = std::max(last, t);
  }
  return {static_cast<double>(n - informed) / n, static_cast<double>(updates) / n, sum / (informed - 1), double(last)};
}

// The root in (0, 1) of s = exp(-c (1 - s)), c > 1, by bisection (s = 1 is
// the trivial root; f < 0 at 0 and f > 0 just below 1).
double final_size(double c) {
  const auto f = [c](double s) { return s - std::exp(-c * (1 - s)); };
  double lo = 0, hi = 1 - 1e-9;
  for (int i = 0; i < 200; ++i) {
    const double mid = (lo + hi) / 2;
    (f(mid) < 0 ? lo : hi) = mid;
  }
  return (lo + hi) / 2;
}

}  // namespace

TEST_CASE("rumor: push, feedback, counter on 1000 sites matches Demers et al. Table 1 and a direct model",
          "[rumor][literature]") {
  constexpr int kNodes = 1000;
  constexpr int kSeeds = 200;
  // Demers et al. 1987, Table 1, "Performance of an epidemic on 1000 sites
  // using feedback and counters", at the precision printed there (the brief
  // quoted them rounded: 0.18, 1.7, ...). residue_unit is the place of the
  // residue's last printed digit; traffic is printed to 0.01, t_last to 0.1.
  struct Row {
    int k;
    double residue, residue_unit, traffic, t_ave, t_last;
  };
  const Row paper[] = {{1, 0.176, 0.001, 1.74, 11.0, 16.8},
                       {2, 0.037, 0.001, 3.30, 12.1, 16.9},
                       {3, 0.011, 0.001, 4.53, 12.5, 17.4},
                       {4, 0.0036, 0.0001, 5.64, 12.7, 17.5},
                       {5, 0.0012, 0.0001, 6.68, 12.8, 17.7}};
  Rng model_rng(19870810);
  for (const Row& row : paper) {
    RumorSpec spec;  // defaults: push, feedback, counter per round, round-start judgement, aligned rounds
    spec.k = row.k;
    Stats sim, model;
    for (int i = 0; i < kSeeds; ++i) {
      const Outcome o = run_rumor(spec, rumor_scenario(kNodes, 7000 + static_cast<std::uint64_t>(i)));
      REQUIRE(o.stop == StopReason::condition);
      sim.residue.add(o["rumor.residue"]);
      sim.traffic.add(o["rumor.traffic"]);
      sim.t_ave.add(o["rumor.t_ave_rounds"]);
      sim.t_last.add(o["rumor.t_last_rounds"]);
      const ModelRun m = paper_model(kNodes, row.k, model_rng);
      model.residue.add(m.residue);
      model.traffic.add(m.traffic);
      model.t_ave.add(m.t_ave);
      model.t_last.add(m.t_last);
    }
    INFO("k=" << row.k << " simulator: residue " << sim.residue.mean() << " +- " << sim.residue.se() << ", traffic "
              << sim.traffic.mean() << " +- " << sim.traffic.se() << ", t_ave " << sim.t_ave.mean() << " +- "
              << sim.t_ave.se() << ", t_last " << sim.t_last.mean() << " +- " << sim.t_last.se()
              << "; model: residue " << model.residue.mean() << ", traffic " << model.traffic.mean() << ", t_ave "
              << model.t_ave.mean() << ", t_last " << model.t_last.mean());
    // Against the paper. Tolerance: 4 standard errors of our 200-seed mean
    // (the test is deterministic; 4 SE keeps the chance that a harmless
    // change in the order of random draws breaks a check near 6e-5) plus
    // half a unit of the paper's last printed digit. At 200 seeds that is
    // about 0.0069 (k=1) .. 0.0005 (k=5) on the residue, 0.02 on traffic and
    // 0.35 cycles on t_last. The paper does not say over how many runs it
    // averaged; with 1000 seeds our residue and traffic agree with its
    // figures within their rounding, so they get no extra allowance, and our
    // t_last differs by at most 0.1 cycle (k=3), what ~100 paper runs of a
    // quantity with sd 1.2 cycles would give; the 0.35 covers it.
    CHECK(std::abs(sim.residue.mean() - row.residue) < 4 * sim.residue.se() + row.residue_unit / 2);
    CHECK(std::abs(sim.traffic.mean() - row.traffic) < 4 * sim.traffic.se() + 0.005);
    CHECK(std::abs(sim.t_last.mean() - row.t_last) < 4 * sim.t_last.se() + 0.05);
    // t_ave is NOT compared with the paper: its column (11.0 .. 12.8) is not
    // reproduced by this model nor by any definition we tried (README.md);
    // the simulator and the direct model agree on ~10 cycles.
    // Simulator against the direct model: same process, independent code;
    // the difference of two independent means has SE sqrt(se1^2 + se2^2).
    const auto agree = [](const Sample& a, const Sample& b) {
      return std::abs(a.mean() - b.mean()) < 4 * std::sqrt(a.se() * a.se() + b.se() * b.se());
    };
    CHECK(agree(sim.residue, model.residue));
    CHECK(agree(sim.traffic, model.traffic));
    CHECK(agree(sim.t_ave, model.t_ave));
    CHECK(agree(sim.t_last, model.t_last));
  }
}

TEST_CASE("rumor: pull, feedback, counter on 1000 sites matches Demers et al. Table 3", "[rumor][literature]") {
  // Demers et al. 1987, Table 3 (pull, feedback and counters, 1000 sites,
  // no connection limit), as printed: residue 3.1e-2 / 5.8e-4 / 4.0e-6,
  // traffic 2.7 / 4.5 / 6.1, t_ave 9.97 / 10.07 / 10.0, t_last 17.6 / 15.4 /
  // 14.0 for k = 1 / 2 / 3. Quoted from memory of the paper (README.md).
  constexpr int kNodes = 1000;
  constexpr int kSeeds = 200;
  struct Row {
    int k;
    double residue, residue_unit, traffic, t_ave, t_ave_unit, t_last;
  };
  const Row paper[] = {{1, 3.1e-2, 1e-3, 2.7, 9.97, 0.01, 17.6},
                       {2, 5.8e-4, 1e-5, 4.5, 10.07, 0.01, 15.4},
                       {3, 4.0e-6, 1e-7, 6.1, 10.0, 0.1, 14.0}};
  for (const Row& row : paper) {
    RumorSpec spec;
    spec.mode = RumorMode::pull;
    spec.k = row.k;
    Stats sim;
    for (int i = 0; i < kSeeds; ++i) {
      const Outcome o = run_rumor(spec, rumor_scenario(kNodes, 8000 + static_cast<std::uint64_t>(i)));
      REQUIRE(o.stop == StopReason::condition);
      sim.residue.add(o["rumor.residue"]);
      sim.traffic.add(o["rumor.traffic"]);
      sim.t_ave.add(o["rumor.t_ave_rounds"]);
      sim.t_last.add(o["rumor.t_last_rounds"]);
    }
    INFO("pull k=" << row.k << ": residue " << sim.residue.mean() << " +- " << sim.residue.se() << ", traffic "
                   << sim.traffic.mean() << " +- " << sim.traffic.se() << ", t_ave " << sim.t_ave.mean() << " +- "
                   << sim.t_ave.se() << ", t_last " << sim.t_last.mean() << " +- " << sim.t_last.se());
    // Same tolerance rule as for Table 1: 4 SE of our mean + half a printed
    // unit. At k = 3 a residue of 4e-6 is 0.8 expected missed nodes in all
    // 200 runs together: a count too small to compare, so only its order of
    // magnitude is checked.
    if (row.k < 3) CHECK(std::abs(sim.residue.mean() - row.residue) < 4 * sim.residue.se() + row.residue_unit / 2);
    else CHECK(sim.residue.mean() < 1e-4);
    CHECK(std::abs(sim.traffic.mean() - row.traffic) < 4 * sim.traffic.se() + 0.05);
    CHECK(std::abs(sim.t_ave.mean() - row.t_ave) < 4 * sim.t_ave.se() + row.t_ave_unit / 2);
    CHECK(std::abs(sim.t_last.mean() - row.t_last) < 4 * sim.t_last.se() + 0.05);
  }
}

TEST_CASE("rumor: coin variants follow the mean-field final-size relations of section 1.4", "[rumor][analysis]") {
  // Section 1.4 models a contact by an infective as hitting a susceptible
  // with probability s (it becomes infective) and otherwise, with feedback
  // and a coin, removing the sender with probability 1/k:
  //   di/ds = -(k+1)/k + 1/(k s)  =>  s = exp(-(k+1)(1-s))   (feedback + coin)
  // Blind + coin removes with probability 1/k after every contact:
  //   di/ds = -1 + 1/(k s)         =>  s = exp(-k(1-s))       (blind + coin)
  // Both count contacts one at a time against the current state, which is
  // what feedback_round_start = false does; the cycle-start judgement of the
  // paper's simulation (the default) leaves fewer sites behind (k=1: ~0.175).
  constexpr int kNodes = 1000;
  constexpr int kSeeds = 150;
  struct Case {
    bool feedback;
    int k;
    double c;  // exponent factor
  };
  const Case cases[] = {{true, 1, 2}, {true, 2, 3}, {true, 3, 4}, {false, 2, 2}, {false, 3, 3}};
  for (const Case& cs : cases) {
    RumorSpec spec;
    spec.loss = RumorLoss::coin;
    spec.feedback = cs.feedback;
    spec.feedback_round_start = false;
    spec.k = cs.k;
    Sample residue;
    for (int i = 0; i < kSeeds; ++i) {
      const Outcome o = run_rumor(spec, rumor_scenario(kNodes, 9100 + static_cast<std::uint64_t>(i)));
      REQUIRE(o.stop == StopReason::condition);
      residue.add(o["rumor.residue"]);
    }
    const double s = final_size(cs.c);
    INFO((cs.feedback ? "feedback" : "blind") << " coin k=" << cs.k << ": residue " << residue.mean() << " +- "
                                              << residue.se() << " (sd " << residue.sd() << "), fixed point " << s);
    // The relation is the n -> infinity limit; at n = 1000 the mean final
    // size is biased by O(1/n), so we allow 1/n on top of 4 standard errors
    // of the mean over the seeds.
    CHECK(std::abs(residue.mean() - s) < 4 * residue.se() + 1.0 / kNodes);
  }
  // The numerical root itself: k=1 with feedback is the Maki-Thompson
  // model, whose limit 0.2032 is known (Sudbury 1985).
  CHECK(final_size(2) == Approx(0.2032).margin(1e-4));
}

TEST_CASE("rumor: same seed, same run, another seed, another run", "[rumor]") {
  for (RumorMode mode : {RumorMode::push, RumorMode::pull, RumorMode::push_pull}) {
    RumorSpec spec;
    spec.mode = mode;
    spec.k = 2;
    spec.loss = RumorLoss::coin;  // draws from the protocol's stream on feedback too
    spec.aligned_phase = false;   // and for the phases
    const Outcome a = run_rumor(spec, rumor_scenario(500, 42));
    const Outcome b = run_rumor(spec, rumor_scenario(500, 42));
    const Outcome c = run_rumor(spec, rumor_scenario(500, 43));
    REQUIRE(a.metrics.size() == b.metrics.size());
    for (const auto& [name, v] : a.metrics) {
      INFO(name);
      const double w = b[name];
      CHECK(((std::isnan(v) && std::isnan(w)) || v == w));  // bit-identical, NaN where NaN
    }
    CHECK(a.stats.events_processed == b.stats.events_processed);
    CHECK(a.stats.messages_sent == b.stats.messages_sent);
    CHECK(a.stats.messages_bytes == b.stats.messages_bytes);
    CHECK((a["rumor.traffic"] != c["rumor.traffic"] || a.stats.events_processed != c.stats.events_processed));
  }
}

TEST_CASE("rumor: push_pull leaves almost no one behind, and sooner than push with the same k", "[rumor]") {
  constexpr int kNodes = 1000;
  constexpr int kSeeds = 50;
  for (int k : {1, 2, 3}) {
    Sample push_residue, pp_residue, push_last, pp_last, pp_traffic, push_traffic;
    for (int i = 0; i < kSeeds; ++i) {
      RumorSpec spec;
      spec.k = k;
      const Scenario sc = rumor_scenario(kNodes, 500 + static_cast<std::uint64_t>(i));
      const Outcome push = run_rumor(spec, sc);
      spec.mode = RumorMode::push_pull;
      const Outcome pp = run_rumor(spec, sc);
      push_residue.add(push["rumor.residue"]);
      push_last.add(push["rumor.t_last_rounds"]);
      push_traffic.add(push["rumor.traffic"]);
      pp_residue.add(pp["rumor.residue"]);
      pp_last.add(pp["rumor.t_last_rounds"]);
      pp_traffic.add(pp["rumor.traffic"]);
    }
    INFO("k=" << k << " push: residue " << push_residue.mean() << " t_last " << push_last.mean() << " traffic "
              << push_traffic.mean() << "; push_pull: residue " << pp_residue.mean() << " t_last " << pp_last.mean()
              << " traffic " << pp_traffic.mean());
    // Measured (1000 seeds, README.md): push_pull leaves 0.0089 / 0.0001 / 0
    // behind for k = 1 / 2 / 3 against push's 0.174 / 0.037 / 0.011, and
    // its last node learns in round ~8.3 instead of ~17.
    CHECK(pp_residue.mean() < 0.25 * push_residue.mean());
    if (k >= 2) CHECK(pp_residue.mean() < 1e-3);
    CHECK(pp_last.mean() < push_last.mean() - 5);
  }
}

TEST_CASE("rumor: never crosses a full partition", "[rumor]") {
  RumorSpec spec;
  spec.mode = RumorMode::push_pull;  // both directions try to cross
  spec.k = 4;
  SECTION("a cut across a complete graph drops every crossing message") {
    const Scenario sc = rumor_scenario(200, 77);
    std::vector<NodeId> left, right;
    for (NodeId v = 0; v < 200; ++v) (v < 100 ? left : right).push_back(v);
    bool checked = false;
    const Outcome o = run_rumor(
        spec, sc,
        [&](Simulator&, RumorProtocol& rumor) {
          for (NodeId v : right) CHECK(rumor.learned_ns(RumorProtocol::value, v) == -1);
          std::uint32_t left_informed = 0;
          for (NodeId v : left) left_informed += rumor.learned_ns(RumorProtocol::value, v) >= 0;
          CHECK(left_informed == rumor.informed_count(RumorProtocol::value));
          CHECK(left_informed > 90);  // it did spread on its own side
          checked = true;
        },
        [&](Simulator& sim) { sim.network().add_group_cut({left, right}); });
    REQUIRE(checked);
    CHECK(o.stats.messages_dropped > 0);  // contacts across the cut were tried, and lost
    CHECK(o["rumor.residue"] >= 0.5);
  }
  SECTION("a graph of two components: nodes 0-3 and 4-7") {
    Scenario sc = rumor_scenario(8, 78);
    sc.topology.graph = GraphKind::file;
    for (NodeId a = 0; a < 8; ++a)
      for (NodeId b = a + 1; b < 8; ++b)
        if ((a < 4) == (b < 4)) sc.topology.file_edges.emplace_back(a, b);
    spec.origin = 1;
    const Outcome o = run_rumor(spec, sc, [&](Simulator&, RumorProtocol& rumor) {
      for (NodeId v = 0; v < 8; ++v) CHECK((rumor.learned_ns(RumorProtocol::value, v) >= 0) == (v < 4));
    });
    CHECK(o["rumor.informed"] == 4);
    CHECK(o["rumor.residue"] == 0.5);
    CHECK(o.stats.messages_dropped == 0);  // nothing even tried: no edge leaves the component
  }
}

TEST_CASE("rumor: message counts and bytes add up", "[rumor]") {
  const Scenario sc = rumor_scenario(1000, 11);
  const double n = 1000;
  SECTION("blind push: every message is an update, so messages = traffic * n") {
    RumorSpec spec;
    spec.feedback = false;
    spec.k = 3;
    const Outcome o = run_rumor(spec, sc, [&](Simulator& sim, RumorProtocol& rumor) {
      CHECK(rumor.feedbacks_sent() == 0);
      CHECK(rumor.requests_sent() == 0);
      CHECK(sim.stats().messages_sent == rumor.updates_sent(RumorProtocol::value));
    });
    CHECK(static_cast<double>(o.stats.messages_sent) == o["rumor.traffic"] * n);
    CHECK(static_cast<double>(o.stats.messages_bytes) == o["rumor.bytes_per_node"] * n);
    // Blind counter: every node that learned it sent exactly k updates.
    CHECK(o["rumor.traffic"] * n == 3 * o["rumor.informed"]);
  }
  SECTION("push and pull with feedback: kernel messages = updates + feedbacks + requests") {
    for (RumorMode mode : {RumorMode::push, RumorMode::pull, RumorMode::push_pull}) {
      RumorSpec spec;
      spec.mode = mode;
      spec.k = 2;
      std::uint64_t updates = 0, feedbacks = 0, requests = 0, messages = 0;
      const Outcome o = run_rumor(spec, sc, [&](Simulator&, RumorProtocol& rumor) {
        updates = rumor.updates_sent(RumorProtocol::value);
        feedbacks = rumor.feedbacks_sent();
        requests = rumor.requests_sent();
        messages = rumor.messages_sent();
      });
      INFO("mode " << static_cast<int>(mode) << ": updates " << updates << ", feedbacks " << feedbacks << ", requests "
                   << requests);
      CHECK(static_cast<double>(updates) == o["rumor.traffic"] * n);
      CHECK(feedbacks == updates);  // no loss: every update is delivered and answered
      CHECK(messages == updates + feedbacks + requests);
      CHECK(o.stats.messages_sent == messages);
      CHECK(static_cast<double>(o.stats.messages_sent) == o["rumor.messages_per_node"] * n);
      CHECK(static_cast<double>(o.stats.messages_bytes) == o["rumor.bytes_per_node"] * n);
      // Wire sizes: UPDATE 16 + 8 + value_bytes, FEEDBACK 16 + 16, REQUEST 16.
      CHECK(o.stats.messages_bytes == updates * (24 + 64) + feedbacks * 32 + requests * 16);
      if (mode == RumorMode::push) CHECK(requests == 0);
      else CHECK(requests > 0);
    }
  }
}

TEST_CASE("rumor: death certificates override the value and spread the same way", "[rumor]") {
  const Scenario sc = rumor_scenario(1000, 21);
  RumorSpec spec;
  spec.k = 3;
  spec.death_certificates = true;
  SECTION("a deletion injected while the update still spreads") {
    spec.delete_origin = 500;
    spec.delete_at_ns = 6 * kSecond;  // about 60 nodes know the value by then
    std::uint32_t stale = 0, both_hot = 0, adopted_after = 0;
    const Outcome o = run_rumor(spec, sc, [&](Simulator&, RumorProtocol& rumor) {
      for (NodeId v = 0; v < 1000; ++v) {
        const auto val = rumor.state(RumorProtocol::value, v);
        const auto cert = rumor.state(RumorProtocol::certificate, v);
        both_hot += val == RumorProtocol::infective && cert != RumorProtocol::susceptible;
        stale += val != RumorProtocol::susceptible && cert == RumorProtocol::susceptible;
        const SimTime tv = rumor.learned_ns(RumorProtocol::value, v), tc = rumor.learned_ns(RumorProtocol::certificate, v);
        adopted_after += tv >= 0 && tc >= 0 && tv > tc;  // the value must never be adopted after the deletion
      }
    });
    INFO("value informed " << o["rumor.informed"] << ", certificate informed " << o["rumor.dc.informed"]
                           << ", stale " << o["rumor.dc.stale"]);
    CHECK(both_hot == 0);
    CHECK(adopted_after == 0);
    CHECK(o["rumor.dc.stale"] == stale / 1000.0);
    CHECK(o["rumor.dc.residue"] == Approx(1 - o["rumor.dc.informed"] / 1000));
    CHECK(o["rumor.dc.informed"] > 900);
    CHECK(o["rumor.informed"] < 1000);  // the deletion overtook the value somewhere
    CHECK(o["rumor.dc.traffic"] > 0);
    CHECK(o["rumor.dc.t_ave_s"] > 0);
    CHECK(o["rumor.dc.t_last_rounds"] >= o["rumor.dc.t_ave_rounds"]);
  }
  SECTION("a deletion at the origin, at injection time, stops the value at once") {
    spec.delete_origin = spec.origin;
    spec.delete_at_ns = 0;
    const Outcome o = run_rumor(spec, sc);
    CHECK(o["rumor.informed"] == 1);  // only the origin ever held it
    CHECK(o["rumor.traffic"] == 0);
    CHECK(std::isnan(o["rumor.t_ave_s"]));  // nobody learned it from another node
    CHECK(o["rumor.dc.informed"] > 900);
    CHECK(o["rumor.dc.stale"] == 0);
  }
}

TEST_CASE("rumor: metrics that do not apply are NaN, never 0", "[rumor]") {
  SECTION("not injected before the end of the run") {
    RumorSpec spec;
    spec.inject_at_ns = 1000 * kSecond;  // after duration_ns
    const Outcome o = run_rumor(spec, rumor_scenario(50, 1));
    CHECK(o.stop == StopReason::duration);
    CHECK(std::isnan(o["rumor.residue"]));
    CHECK(std::isnan(o["rumor.t_ave_s"]));
    CHECK(std::isnan(o["rumor.t_last_rounds"]));
    CHECK(o["rumor.traffic"] == 0);  // a real zero: no update was sent
    CHECK(o["rumor.informed"] == 0);
  }
  SECTION("a single node: injected, nobody to tell") {
    const Outcome o = run_rumor(RumorSpec{}, rumor_scenario(1, 1));
    CHECK(o["rumor.residue"] == 0);
    CHECK(o["rumor.informed"] == 1);
    CHECK(std::isnan(o["rumor.t_ave_s"]));
    CHECK(std::isnan(o["rumor.t_last_s"]));
  }
  SECTION("death certificates off") {
    const Outcome o = run_rumor(RumorSpec{}, rumor_scenario(50, 1));
    for (const char* m : {"residue", "traffic", "t_ave_s", "t_last_s", "t_ave_rounds", "t_last_rounds", "informed", "stale"})
      CHECK(std::isnan(o[std::string("rumor.dc.") + m]));
    CHECK(o["rumor.t_ave_s"] > 0);
  }
  SECTION("injection later than t=0 is the reference for learning times") {
    RumorSpec spec;
    spec.inject_at_ns = 5 * kSecond;
    spec.k = 10;
    const Outcome late = run_rumor(spec, rumor_scenario(100, 3));
    CHECK(late["rumor.t_ave_rounds"] > 1);
    CHECK(late["rumor.t_last_s"] < 40);  // measured from the injection, not from t=0
    CHECK(late["rumor.t_ave_s"] == Approx(late["rumor.t_ave_rounds"] - 1).margin(0.01));  // told 1 ms into a round
  }
}

TEST_CASE("rumor: random phase and fanout still spread", "[rumor]") {
  RumorSpec spec;
  spec.aligned_phase = false;
  spec.fanout = 3;
  spec.k = 2;
  const Outcome o = run_rumor(spec, rumor_scenario(1000, 5));
  CHECK(o.stop == StopReason::condition);
  CHECK(o["rumor.residue"] < 0.05);
  CHECK(o["rumor.t_last_s"] < 20);
}

TEST_CASE("rumor: invalid specs are refused with a reason", "[rumor]") {
  RumorSpec spec;
  CHECK_FALSE(rumor_spec_error(spec, 10).has_value());
  spec.k = 0;
  CHECK(rumor_spec_error(spec, 10).value().find("k") != std::string::npos);
  CHECK_THROWS_AS(RumorProtocol(spec, 10), std::invalid_argument);
  spec = RumorSpec{};
  spec.origin = 10;
  CHECK(rumor_spec_error(spec, 10).has_value());
  spec = RumorSpec{};
  spec.fanout = 0;
  CHECK(rumor_spec_error(spec, 10).has_value());
  spec = RumorSpec{};
  spec.interval_ns = 0;
  CHECK(rumor_spec_error(spec, 10).has_value());
  spec = RumorSpec{};
  spec.death_certificates = true;
  spec.delete_origin = 99;
  CHECK(rumor_spec_error(spec, 10).has_value());
}

// The numbers in protocols/rumor/README.md: hidden (not run by default),
// run with  build/release/tests/ecsim_tests "[rumor-report]"
TEST_CASE("rumor: report tables for README (1000 seeds each)", "[.][rumor-report]") {
  constexpr int kNodes = 1000;
  constexpr int kSeeds = 1000;
  const auto ci = [](const Sample& x) { return 1.96 * x.se(); };
  const auto row = [&](const char* label, const RumorSpec& spec) {
    Stats st;
    Sample t_ave_s;
    for (int i = 0; i < kSeeds; ++i) {
      const Outcome o = run_rumor(spec, rumor_scenario(kNodes, 100000 + static_cast<std::uint64_t>(i)));
      REQUIRE(o.stop == StopReason::condition);
      st.residue.add(o["rumor.residue"]);
      st.traffic.add(o["rumor.traffic"]);
      st.t_ave.add(o["rumor.t_ave_rounds"]);
      st.t_last.add(o["rumor.t_last_rounds"]);
      t_ave_s.add(o["rumor.t_ave_s"]);
    }
    std::printf("| %-34s | %.5f ± %.5f | %.3f ± %.3f | %.3f ± %.3f | %.2f ± %.2f | %.3f |\n", label, st.residue.mean(),
                ci(st.residue), st.traffic.mean(), ci(st.traffic), st.t_ave.mean(), ci(st.t_ave), st.t_last.mean(),
                ci(st.t_last), t_ave_s.mean());
  };
  std::printf("| variant | residue s | traffic m | t_ave (rounds) | t_last (rounds) | t_ave (s) |\n");
  char label[64];
  for (int k = 1; k <= 5; ++k) {
    RumorSpec spec;
    spec.k = k;
    std::snprintf(label, sizeof label, "push feedback counter k=%d", k);
    row(label, spec);
  }
  for (int k = 1; k <= 3; ++k) {
    RumorSpec spec;
    spec.k = k;
    spec.counter_per_round = false;
    std::snprintf(label, sizeof label, "  counter_per_round=false k=%d", k);
    row(label, spec);
    spec.feedback_round_start = false;
    std::snprintf(label, sizeof label, "  + feedback_round_start=false k=%d", k);
    row(label, spec);
  }
  for (int k = 1; k <= 3; ++k) {
    RumorSpec spec;
    spec.k = k;
    spec.loss = RumorLoss::coin;
    spec.feedback_round_start = false;
    std::snprintf(label, sizeof label, "push feedback coin (receipt) k=%d", k);
    row(label, spec);
  }
  for (int k = 1; k <= 5; ++k) {
    RumorSpec spec;
    spec.k = k;
    spec.loss = RumorLoss::coin;
    spec.feedback = false;
    std::snprintf(label, sizeof label, "push blind coin k=%d", k);
    row(label, spec);
  }
  for (int k = 1; k <= 3; ++k) {
    RumorSpec spec;
    spec.k = k;
    spec.mode = RumorMode::pull;
    std::snprintf(label, sizeof label, "pull feedback counter k=%d", k);
    row(label, spec);
  }
  for (int k = 1; k <= 3; ++k) {
    RumorSpec spec;
    spec.k = k;
    spec.mode = RumorMode::push_pull;
    std::snprintf(label, sizeof label, "push_pull feedback counter k=%d", k);
    row(label, spec);
  }
  // Death certificates: value and deletion, push feedback counter k=3.
  std::printf("| deletion injected at | value informed | certificate residue | stale (value, no certificate) | certificate traffic |\n");
  for (SimTime at : {3 * kSecond, 6 * kSecond, 10 * kSecond, 40 * kSecond}) {
    RumorSpec spec;
    spec.k = 3;
    spec.death_certificates = true;
    spec.delete_origin = 500;
    spec.delete_at_ns = at;
    Sample informed, dc_residue, stale, dc_traffic;
    for (int i = 0; i < kSeeds; ++i) {
      const Outcome o = run_rumor(spec, rumor_scenario(kNodes, 200000 + static_cast<std::uint64_t>(i)));
      REQUIRE(o.stop == StopReason::condition);
      informed.add(o["rumor.informed"]);
      dc_residue.add(o["rumor.dc.residue"]);
      stale.add(o["rumor.dc.stale"]);
      dc_traffic.add(o["rumor.dc.traffic"]);
    }
    std::printf("| %4.0f s | %.1f ± %.1f | %.5f ± %.5f | %.5f ± %.5f | %.3f ± %.3f |\n", to_seconds(at), informed.mean(),
                ci(informed), dc_residue.mean(), ci(dc_residue), stale.mean(), ci(stale), dc_traffic.mean(), ci(dc_traffic));
  }
  for (int k = 1; k <= 3; ++k)
    std::printf("fixed points: exp(-(k+1)(1-s)) k=%d: %.5f; exp(-k(1-s)) k=%d: %.5f\n", k, final_size(k + 1), k + 1,
                final_size(k + 1));
}
