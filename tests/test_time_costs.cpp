// Time costs (docs/TIME_MODEL.md) against independent truths: queueing
// theory for the service queues (M/M/1, M/D/1 by Pollaczek-Khinchine,
// M/M/K by Erlang C) and hand-computed arrival times for bandwidth (an idle
// link, a link offered twice its rate, FIFO egress and ingress).
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <vector>

#include "sim/simulator.hpp"

using namespace ecsim;

namespace {

Scenario make_scenario(int nodes, SimTime latency_ns) {
  Scenario s;
  s.name = "time-costs-test";
  s.seed = 7;
  s.topology.nodes = nodes;
  s.topology.latency = Distribution::constant(static_cast<double>(latency_ns));
  for (int i = 0; i < nodes; ++i) s.topology.node_names.push_back(fmt::format("n{}", i));
  s.topology.node_region.assign(static_cast<std::size_t>(nodes), 0);
  return s;
}

Distribution exponential_ns(double mean_ns) {
  Distribution d;
  d.kind = Distribution::Kind::exponential;
  d.a = mean_ns;
  return d;
}

// Poisson arrivals at one node, each admitted to its service queue; records
// every request's time in the system (completion - arrival).
struct PoissonClients final : Component {
  Simulator& sim;
  double rate_per_s;
  std::uint64_t remaining;
  Rng rng{Rng::stream(99, "arrivals")};
  std::vector<double> sojourn_s;
  std::uint16_t id = 0;
  PoissonClients(Simulator& s, double rate, std::uint64_t count) : sim(s), rate_per_s(rate), remaining(count) {
    id = sim.add_component(this);
    sim.schedule(poisson_gap(rng, rate_per_s), id, 0, 0, true);
  }
  void on_event(std::uint64_t, std::uint32_t) override {
    const SimTime done = sim.admit(0, ServiceKind::read);
    sojourn_s.push_back(static_cast<double>(done - sim.now()) * 1e-9);
    if (--remaining > 0) sim.schedule(time_after(sim.now(), poisson_gap(rng, rate_per_s)), id, 0, 0, true);
  }
};

struct MeanAndError {
  double mean;
  double standard_error;
};

// Mean with its standard error from 50 batch means: sojourn times of
// successive requests are correlated, so the naive SE would be too small;
// batches much longer than the queue's relaxation time are nearly independent.
MeanAndError batch_means(const std::vector<double>& x) {
  constexpr std::size_t kBatches = 50;
  const std::size_t per = x.size() / kBatches;
  std::vector<double> means;
  for (std::size_t b = 0; b < kBatches; ++b) {
    double sum = 0;
    for (std::size_t i = b * per; i < (b + 1) * per; ++i) sum += x[i];
    means.push_back(sum / static_cast<double>(per));
  }
  double mean = 0, var = 0;
  for (double m : means) mean += m;
  mean /= kBatches;
  for (double m : means) var += (m - mean) * (m - mean);
  var /= kBatches - 1;
  return {mean, std::sqrt(var / kBatches)};
}

// Runs `count` Poisson requests at `rate_per_s` through node 0's queue.
MeanAndError mean_time_in_system(const ServiceSpec& service, double rate_per_s, std::uint64_t count) {
  Scenario s = make_scenario(1, kMillisecond);
  s.replicas = service;
  Simulator sim(s);
  PoissonClients clients(sim, rate_per_s, count);
  RunOptions run;
  run.end_ns = kMaxTime;
  sim.run(run);
  REQUIRE(clients.sojourn_s.size() == count);
  return batch_means(clients.sojourn_s);
}

// Erlang's C formula: the probability that an arrival waits, K servers, offered load a = λ/μ.
double erlang_c(int servers, double a) {
  double term = 1, sum = 0;  // a^i / i!
  for (int i = 0; i < servers; ++i) {
    sum += term;
    term *= a / (i + 1);
  }
  const double top = term * servers / (servers - a);
  return top / (sum + top);
}

}  // namespace

TEST_CASE("service queue: M/M/1 mean time in system is 1/(mu - lambda)", "[time-costs]") {
  ServiceSpec spec;
  spec.read = exponential_ns(1e6);  // mu = 1000/s
  spec.servers = 1;
  const MeanAndError w = mean_time_in_system(spec, 500, 400'000);  // rho = 0.5
  const double truth = 1.0 / (1000 - 500);                           // 2 ms
  INFO("mean " << w.mean << " s, SE " << w.standard_error << ", truth " << truth);
  // Within 4 standard errors (a false alarm once in ~16,000 seeds), and the SE is small enough to mean something.
  CHECK(std::abs(w.mean - truth) < 4 * w.standard_error);
  CHECK(w.standard_error < 0.02 * truth);
}

TEST_CASE("service queue: M/D/1 waits as Pollaczek-Khinchine says", "[time-costs]") {
  ServiceSpec spec;
  spec.read = Distribution::constant(1e6);  // S = 1 ms
  spec.servers = 1;
  const double lambda = 600, S = 1e-3, rho = lambda * S;
  const MeanAndError w = mean_time_in_system(spec, lambda, 400'000);
  const double truth = S + lambda * S * S / (2 * (1 - rho));  // 1 ms + 0.75 ms
  INFO("mean " << w.mean << " s, SE " << w.standard_error << ", truth " << truth);
  CHECK(std::abs(w.mean - truth) < 4 * w.standard_error);
  CHECK(w.standard_error < 0.02 * truth);
}

TEST_CASE("service queue: M/M/K waits as Erlang C says", "[time-costs]") {
  ServiceSpec spec;
  spec.read = exponential_ns(1e6);  // mu = 1000/s per server
  spec.servers = 3;
  const double lambda = 2000, mu = 1000;
  // Erlang C for K = 3, a = 2: 4/9 (by hand: a^3/3! * 3/(3-2) = 4; 1 + 2 + 2 = 5; 4 / (5 + 4)).
  REQUIRE(erlang_c(3, 2.0) == Approx(4.0 / 9.0));
  const MeanAndError w = mean_time_in_system(spec, lambda, 400'000);
  const double truth = erlang_c(3, lambda / mu) / (3 * mu - lambda) + 1 / mu;  // 0.444 ms waiting + 1 ms service
  INFO("mean " << w.mean << " s, SE " << w.standard_error << ", truth " << truth);
  CHECK(std::abs(w.mean - truth) < 4 * w.standard_error);
  CHECK(w.standard_error < 0.02 * truth);
}

namespace {

// Sends `bytes`-byte messages at the given times from given nodes; records arrivals.
struct Sender final : Protocol {
  struct Send {
    SimTime at;
    NodeId from, to;
    std::uint32_t bytes;
  };
  std::vector<Send> plan;
  std::vector<std::pair<SimTime, std::uint64_t>> arrivals;  // (time, index in plan)
  ServiceKind service = ServiceKind::none;
  std::string_view name() const override { return "sender"; }
  void on_start(Context& ctx) override {
    for (std::uint32_t i = 0; i < plan.size(); ++i)
      if (plan[i].from == ctx.node()) ctx.set_timer(plan[i].at, i);
  }
  void on_timer(Context& ctx, std::uint32_t i) override {
    const std::uint64_t word = i;
    ctx.send(plan[i].to, 1, {&word, 1}, plan[i].bytes, service);
  }
  void on_message(Context& ctx, const Message& m) override { arrivals.emplace_back(ctx.now(), m.words[0]); }
};

std::vector<std::pair<SimTime, std::uint64_t>> run_sends(const Scenario& s, Sender& p) {
  Simulator sim(s);
  sim.add_protocol(&p);
  RunOptions run;
  run.end_ns = kMaxTime;
  sim.run(run);
  return p.arrivals;
}

// Two regions of one node each, joined by a WAN link.
Scenario wan(double link_Bps, SimTime latency_ns) {
  Scenario s = make_scenario(2, 1);
  s.topology.regions = {RegionSpec{"us", 1, 0}, RegionSpec{"eu", 1, 1}};
  s.topology.node_region = {0, 1};
  LinkOverride l;
  l.from = {0};
  l.to = {1};
  l.latency = Distribution::constant(static_cast<double>(latency_ns));
  l.bandwidth_Bps = link_Bps;
  s.topology.links.push_back(l);
  return s;
}

}  // namespace

TEST_CASE("bandwidth: a message over an idle link arrives after latency + B/rate", "[time-costs]") {
  // 1,250,000 bytes over 100 Mbit/s (12.5 MB/s) take exactly 100 ms; latency 40 ms.
  Sender p;
  p.plan = {{0, 0, 1, 1'250'000}};
  const auto a = run_sends(wan(12.5e6, 40 * kMillisecond), p);
  REQUIRE(a.size() == 1);
  CHECK(a[0].first == 140 * kMillisecond);

  // With NICs too (1 Gbit/s = 125 MB/s: 10 ms each), store and forward: 10 + 100 + 40 + 10 ms.
  Scenario s = wan(12.5e6, 40 * kMillisecond);
  s.network.egress_Bps = s.network.ingress_Bps = 125e6;
  Sender q;
  q.plan = {{0, 0, 1, 1'250'000}};
  const auto b = run_sends(s, q);
  REQUIRE(b.size() == 1);
  CHECK(b[0].first == 160 * kMillisecond);
}

TEST_CASE("bandwidth: a link offered twice its rate grows its backlog linearly", "[time-costs]") {
  // T = 1000 bytes / 1 MB/s = 1 ms per message; one message every 0.5 ms.
  // Message i leaves the link at (i + 1) T, so its delay is latency + T + i T/2:
  // the backlog grows by T/2 per message, linearly in time.
  Sender p;
  for (std::uint32_t i = 0; i < 200; ++i) p.plan.push_back({static_cast<SimTime>(i) * 500 * kMicrosecond, 0, 1, 1000});
  const auto a = run_sends(wan(1e6, 5 * kMillisecond), p);
  REQUIRE(a.size() == 200);
  for (const auto& [t, i] : a) {
    const SimTime sent = static_cast<SimTime>(i) * 500 * kMicrosecond;
    const SimTime expected_delay = 5 * kMillisecond + kMillisecond + static_cast<SimTime>(i) * 500 * kMicrosecond;
    INFO("message " << i);
    CHECK(t - sent == expected_delay);
  }
  // The reverse direction has its own queue: a message eu -> us right after is not delayed by the backlog.
  Sender q;
  q.plan = {{0, 0, 1, 1000}, {0, 0, 1, 1000}, {0, 1, 0, 1000}};
  const auto b = run_sends(wan(1e6, 5 * kMillisecond), q);
  REQUIRE(b.size() == 3);
  std::map<std::uint64_t, SimTime> by_index;
  for (const auto& [t, i] : b) by_index[i] = t;
  CHECK(by_index[0] == 6 * kMillisecond);
  CHECK(by_index[1] == 7 * kMillisecond);
  CHECK(by_index[2] == 6 * kMillisecond);
}

TEST_CASE("bandwidth: NIC egress and ingress are FIFO", "[time-costs]") {
  // 1 MB/s NICs, 1000-byte messages: 1 ms each; latency 2 ms.
  Scenario s = make_scenario(3, 2 * kMillisecond);
  s.network.egress_Bps = 1e6;
  Sender egress;  // n0 sends two at t=0: the second waits for the first to leave the NIC
  egress.plan = {{0, 0, 1, 1000}, {0, 0, 2, 1000}};
  auto a = run_sends(s, egress);
  REQUIRE(a.size() == 2);
  CHECK(a[0] == std::pair<SimTime, std::uint64_t>{3 * kMillisecond, 0});
  CHECK(a[1] == std::pair<SimTime, std::uint64_t>{4 * kMillisecond, 1});

  s.network.egress_Bps = 0;
  s.network.ingress_Bps = 1e6;
  Sender ingress;  // n0 and n1 send to n2 at t=0: both arrive at 2 ms, the second waits for the first
  ingress.plan = {{0, 0, 2, 1000}, {0, 1, 2, 1000}};
  a = run_sends(s, ingress);
  REQUIRE(a.size() == 2);
  CHECK(a[0].first == 3 * kMillisecond);
  CHECK(a[1].first == 4 * kMillisecond);
}

TEST_CASE("service: served messages run their handler after the service time, and a crash drops what waits", "[time-costs]") {
  // Constant merge service 1 ms, one server at n1: three messages arriving at 2 ms are handled at 3, 4 and 5 ms.
  Scenario s = make_scenario(2, 2 * kMillisecond);
  s.replicas.merge = Distribution::constant(1e6);
  s.replicas.servers = 1;
  Sender p;
  p.service = ServiceKind::merge;
  p.plan = {{0, 0, 1, 10}, {0, 0, 1, 10}, {0, 0, 1, 10}};
  auto a = run_sends(s, p);
  REQUIRE(a.size() == 3);
  CHECK(a[0].first == 3 * kMillisecond);
  CHECK(a[1].first == 4 * kMillisecond);
  CHECK(a[2].first == 5 * kMillisecond);

  // n1 crashes at 3.5 ms and restarts at 3.6 ms: the message in service and the one waiting are lost.
  Simulator sim(s);
  Sender q;
  q.service = ServiceKind::merge;
  q.plan = p.plan;
  sim.add_protocol(&q);
  struct Faults final : Component {
    Simulator* sim;
    void on_event(std::uint64_t x, std::uint32_t) override {
      if (x == 0) sim->crash(1, false);
      else sim->restart(1);
    }
  } faults;
  faults.sim = &sim;
  const std::uint16_t id = sim.add_component(&faults);
  sim.schedule(3500 * kMicrosecond, id, 0, 0, true);
  sim.schedule(3600 * kMicrosecond, id, 1, 0, true);
  RunOptions run;
  run.end_ns = kMaxTime;
  sim.run(run);
  REQUIRE(q.arrivals.size() == 1);
  CHECK(q.arrivals[0].first == 3 * kMillisecond);
  CHECK(sim.stats().messages_dropped == 2);
  const ServiceReport r = sim.service_report();
  CHECK(r.served == 3);
  CHECK(r.queue_delay_p50_s.value() == Approx(1e-3).epsilon(0.015));  // delays 0, 1 ms, 2 ms: median 1 ms, within a 1.5% bin
}

// The service queues keep servers' idle times only for nodes that may be
// busy (a table rebuilt without idle nodes as it fills): against a dense
// model of every node's servers, many nodes, crashes included, the
// completion times and the busiest node's utilisation must be the same.
TEST_CASE("service queues: the sparse table of busy nodes matches a dense model", "[time-costs]") {
  constexpr int kNodes = 5000;
  constexpr std::size_t kServers = 3;
  Scenario s = make_scenario(kNodes, kMillisecond);
  s.replicas.servers = static_cast<int>(kServers);
  s.replicas.merge = exponential_ns(2e6);
  Network network(s.topology, Rng(1));
  TimeCosts costs(s, network);
  std::vector<std::vector<SimTime>> free(kNodes, std::vector<SimTime>(kServers, 0));
  std::vector<SimTime> busy(kNodes, 0);
  Rng service(11), pick(12);
  SimTime now = 0;
  int mismatches = 0;
  for (int i = 0; i < 200000; ++i) {
    now += static_cast<SimTime>(pick.below(20000));  // ~100 requests a ms over 5000 nodes: some queue, most idle
    const auto node = static_cast<NodeId>(i % 7 == 0 ? pick.below(50) : pick.below(kNodes));  // a few hot nodes
    if (i % 997 == 0) {
      costs.clear_node(node, now);
      for (SimTime& f : free[node]) f = std::min(f, now);
      continue;
    }
    Rng copy = service;
    const SimTime length = s.replicas.merge.sample_duration(copy);
    const SimTime done = costs.admit(node, ServiceKind::merge, now, service);
    auto server = std::min_element(free[node].begin(), free[node].end());
    const SimTime start = std::max(*server, now);
    *server = start + length;
    busy[node] += length;
    mismatches += done != *server;
  }
  CHECK(mismatches == 0);
  const ServiceReport r = costs.service_report(now);
  const SimTime busiest = *std::max_element(busy.begin(), busy.end());
  CHECK(r.utilisation_max == static_cast<double>(busiest) / (static_cast<double>(kServers) * static_cast<double>(now)));
}
