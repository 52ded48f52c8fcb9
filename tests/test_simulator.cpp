// The kernel with tiny test protocols on hand-made scenarios: exact message
// latency, loss and duplication, crash/restart semantics, timers on drifting
// clocks, per-link FIFO, and seed determinism. Expected times are worked out
// by hand from the constant latencies and timer periods.
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "sim/fault_injector.hpp"
#include "sim/simulator.hpp"

using namespace ecsim;

namespace {

Scenario make_scenario(int nodes, Distribution latency, std::uint64_t seed = 1, GraphKind graph = GraphKind::complete) {
  Scenario s;
  s.name = "kernel-test";
  s.seed = seed;
  s.topology.nodes = nodes;
  s.topology.graph = graph;
  s.topology.latency = latency;
  // fmt, not "n" + std::to_string(i): that trips g++ 12's false -Wrestrict.
  for (int i = 0; i < nodes; ++i) s.topology.node_names.push_back(fmt::format("n{}", i));
  s.topology.node_region.assign(static_cast<std::size_t>(nodes), 0);
  return s;
}

Distribution constant_ns(SimTime ns) { return Distribution::constant(static_cast<double>(ns)); }

Distribution uniform_ns(SimTime lo, SimTime hi) {
  Distribution d;
  d.kind = Distribution::Kind::uniform;
  d.a = static_cast<double>(lo);
  d.b = static_cast<double>(hi);
  return d;
}

struct Receipt {
  SimTime time;
  NodeId node;
  NodeId from;
  std::uint16_t type;
  std::uint64_t word;
  std::uint64_t msg_id;
  SimTime local_time;
  friend bool operator==(const Receipt&, const Receipt&) = default;
};

// Runs a callback at a chosen time (crashes, restarts, probes).
struct Script final : Component {
  std::function<void(std::uint64_t)> fn;
  void on_event(std::uint64_t x, std::uint32_t) override { fn(x); }
};

struct NetLog final : Observer {
  bool wants_net_events() const override { return true; }
  std::vector<std::tuple<SimTime, int, NodeId, NodeId, std::uint64_t, std::string>> events;
  std::map<std::string, int> drops;
  void on_net(const NetEvent& e) override {
    events.emplace_back(e.time, static_cast<int>(e.kind), e.node, e.peer, e.msg_id, std::string(e.reason));
    if (e.kind == NetEventKind::drop) ++drops[std::string(e.reason)];
  }
};

// Node 0 serves; node 1 returns; each hop increments the word until `rounds`.
struct PingPong final : Protocol {
  std::uint64_t rounds = 9;
  std::vector<Receipt> receipts;
  std::string_view name() const override { return "pingpong"; }
  void on_start(Context& ctx) override {
    if (ctx.node() == 0) {
      const std::uint64_t w = 0;
      ctx.send(1, 1, {&w, 1}, 8);
    }
  }
  void on_message(Context& ctx, const Message& m) override {
    receipts.push_back({ctx.now(), ctx.node(), m.from, m.type, m.words[0], m.id, ctx.local_time()});
    if (m.words[0] < rounds) {
      const std::uint64_t w = m.words[0] + 1;
      ctx.send(m.from, 1, {&w, 1}, 8);
    }
  }
  void on_timer(Context&, std::uint32_t) override {}
};

// Node 0 sends one message to every other node at start.
struct Flood final : Protocol {
  std::vector<Receipt> receipts;
  std::string_view name() const override { return "flood"; }
  void on_start(Context& ctx) override {
    if (ctx.node() != 0) return;
    for (NodeId n = 1; n < ctx.node_count(); ++n) {
      const std::uint64_t w = n;
      ctx.send(n, 7, {&w, 1}, 100);
    }
  }
  void on_message(Context& ctx, const Message& m) override {
    receipts.push_back({ctx.now(), ctx.node(), m.from, m.type, m.words[0], m.id, ctx.local_time()});
  }
  void on_timer(Context&, std::uint32_t) override {}
};

// Every node ticks every 100 ms of local time; node 0 probes node 2, the
// others send a beat to node 0.
struct Heartbeat final : Protocol {
  std::vector<int> starts;
  std::vector<std::vector<SimTime>> timers;
  std::vector<Receipt> receipts;
  explicit Heartbeat(int nodes) : starts(static_cast<std::size_t>(nodes)), timers(static_cast<std::size_t>(nodes)) {}
  std::string_view name() const override { return "heartbeat"; }
  void on_start(Context& ctx) override {
    ++starts[ctx.node()];
    ctx.set_timer(100 * kMillisecond, 1);
  }
  void on_timer(Context& ctx, std::uint32_t tag) override {
    REQUIRE(tag == 1);
    timers[ctx.node()].push_back(ctx.now());
    ctx.set_timer(100 * kMillisecond, 1);
    const std::uint64_t w = ctx.node();
    if (ctx.node() == 0)
      ctx.send(2, 2, {&w, 1}, 8);
    else
      ctx.send(0, 1, {&w, 1}, 8);
  }
  void on_message(Context& ctx, const Message& m) override {
    receipts.push_back({ctx.now(), ctx.node(), m.from, m.type, m.words[0], m.id, ctx.local_time()});
  }
};

// Random chatter for determinism checks: random timers, random peers, random payloads.
struct Chatter final : Protocol {
  std::vector<Receipt> receipts;
  std::string_view name() const override { return "chatter"; }
  void on_start(Context& ctx) override { ctx.set_timer(static_cast<SimTime>(ctx.rng().below(50 * kMillisecond)), 1); }
  void on_timer(Context& ctx, std::uint32_t) override {
    ctx.set_timer(static_cast<SimTime>(ctx.rng().exponential(30.0 * kMillisecond)), 1);
    const std::uint64_t w = ctx.rng().next_u64();
    ctx.send(ctx.random_neighbor(), 1, {&w, 1}, 16);
  }
  void on_message(Context& ctx, const Message& m) override {
    receipts.push_back({ctx.now(), ctx.node(), m.from, m.type, m.words[0], m.id, ctx.local_time()});
    if (m.type == 1 && ctx.rng().below(2) == 0) {
      const std::uint64_t w = m.words[0] ^ 1;
      ctx.send(m.from, 2, {&w, 1}, 16);
    }
  }
};

std::vector<SimTime> every_100ms(int from_tenths, int to_tenths, SimTime shift = 0) {
  std::vector<SimTime> out;
  for (int i = from_tenths; i <= to_tenths; ++i) out.push_back(i * 100 * kMillisecond + shift);
  return out;
}

}  // namespace

TEST_CASE("message latency is exactly the constant link latency", "[simulator]") {
  Scenario s = make_scenario(3, constant_ns(10 * kMillisecond));
  s.clocks.skew = constant_ns(5 * kMillisecond);  // local clocks read 5 ms ahead
  Simulator sim(s);
  PingPong p;
  sim.add_protocol(&p);
  CHECK(sim.run(RunOptions{kSecond, {}, {}}) == StopReason::queue_empty);
  REQUIRE(p.receipts.size() == 10);
  for (std::size_t i = 0; i < p.receipts.size(); ++i) {
    const Receipt& r = p.receipts[i];
    CHECK(r.time == static_cast<SimTime>(i + 1) * 10 * kMillisecond);
    CHECK(r.local_time == r.time + 5 * kMillisecond);
    CHECK(r.node == (i % 2 == 0 ? 1u : 0u));
    CHECK(r.from == (i % 2 == 0 ? 0u : 1u));
    CHECK(r.word == i);
  }
  CHECK(sim.stats().messages_sent == 10);
  CHECK(sim.stats().messages_delivered == 10);
  CHECK(sim.stats().messages_bytes == 80);
  CHECK(sim.stats().messages_dropped == 0);
  CHECK(sim.stats().events_processed == 10);
  CHECK(sim.messages_in_flight() == 0);
}

TEST_CASE("multi-hop delivery on a ring takes hops x link latency", "[simulator]") {
  // Ring of 6, 2 ms links: 0 -> 1 is one hop (2 ms); the reply too.
  Scenario s = make_scenario(6, constant_ns(2 * kMillisecond), 1, GraphKind::ring);
  Simulator sim(s);
  struct Across final : Protocol {
    std::vector<Receipt> receipts;
    std::string_view name() const override { return "across"; }
    void on_start(Context& ctx) override {
      const std::uint64_t w = 0;
      if (ctx.node() == 0) ctx.send(3, 1, {&w, 1}, 8);  // 3 hops either way
      if (ctx.node() == 1) ctx.send(5, 1, {&w, 1}, 8);  // 2 hops: 1-0-5
    }
    void on_message(Context& ctx, const Message& m) override { receipts.push_back({ctx.now(), ctx.node(), m.from, 0, 0, m.id, 0}); }
    void on_timer(Context&, std::uint32_t) override {}
  } p;
  sim.add_protocol(&p);
  sim.run(RunOptions{kSecond, {}, {}});
  REQUIRE(p.receipts.size() == 2);
  CHECK(p.receipts[0].node == 5);
  CHECK(p.receipts[0].time == 4 * kMillisecond);
  CHECK(p.receipts[1].node == 3);
  CHECK(p.receipts[1].time == 6 * kMillisecond);
}

TEST_CASE("loss = 1 drops every message", "[simulator]") {
  Scenario s = make_scenario(5, constant_ns(kMillisecond));
  s.network.loss = 1.0;
  Simulator sim(s);
  Flood p;
  NetLog log;
  sim.add_protocol(&p);
  sim.add_observer(&log);
  sim.run(RunOptions{kSecond, {}, {}});
  CHECK(p.receipts.empty());
  CHECK(sim.stats().messages_sent == 4);
  CHECK(sim.stats().messages_dropped == 4);
  CHECK(sim.stats().messages_delivered == 0);
  CHECK(sim.stats().messages_bytes == 400);
  CHECK(log.drops == std::map<std::string, int>{{"loss", 4}});
}

TEST_CASE("duplicate = 1 delivers every message twice", "[simulator]") {
  Scenario s = make_scenario(5, constant_ns(kMillisecond));
  s.network.duplicate = 1.0;
  Simulator sim(s);
  Flood p;
  sim.add_protocol(&p);
  sim.run(RunOptions{kSecond, {}, {}});
  CHECK(sim.stats().messages_sent == 4);
  CHECK(sim.stats().messages_duplicated == 4);
  CHECK(sim.stats().messages_delivered == 8);
  CHECK(sim.stats().messages_dropped == 0);
  REQUIRE(p.receipts.size() == 8);
  std::map<NodeId, std::vector<std::uint64_t>> ids;
  for (const Receipt& r : p.receipts) {
    CHECK(r.time == kMillisecond);
    CHECK(r.word == r.node);  // payload intact on both copies
    ids[r.node].push_back(r.msg_id);
  }
  for (NodeId n = 1; n < 5; ++n) {
    REQUIRE(ids[n].size() == 2);
    CHECK(ids[n][0] == ids[n][1]);  // the same message, twice
  }
}

TEST_CASE("a duplication window duplicates exactly the messages sent inside it", "[simulator][faults]") {
  // n0 sends to n1 at 50 ms, 150 ms, ..., 950 ms: ten messages, 1 ms each way.
  struct Ticker final : Protocol {
    std::vector<SimTime> received;
    std::string_view name() const override { return "ticker"; }
    void on_start(Context& ctx) override {
      if (ctx.node() == 0) ctx.set_timer(50 * kMillisecond, 1);
    }
    void on_timer(Context& ctx, std::uint32_t) override {
      const std::uint64_t w = 0;
      ctx.send(1, 1, {&w, 1}, 8);
      ctx.set_timer(100 * kMillisecond, 1);
    }
    void on_message(Context& ctx, const Message&) override { received.push_back(ctx.now()); }
  };
  Scenario s = make_scenario(2, constant_ns(kMillisecond));
  FaultSpec window;
  window.kind = FaultSpec::Kind::duplicate;
  window.at_ns = 300 * kMillisecond;
  window.duplicate = 1.0;
  window.until_ns = 600 * kMillisecond;
  s.faults.push_back(window);
  Simulator sim(s);
  Ticker p;
  sim.add_protocol(&p);
  FaultInjector faults(sim, s);
  sim.run(RunOptions{kSecond, {}, {}});
  // Sends at 350, 450 and 550 ms fall in [300 ms, 600 ms): three duplicates, no others.
  CHECK(sim.stats().messages_sent == 10);
  CHECK(sim.stats().messages_duplicated == 3);
  CHECK(sim.stats().messages_delivered == 13);
  std::map<SimTime, int> copies;
  for (SimTime t : p.received) ++copies[t];
  for (const auto& [t, n] : copies) CHECK(n == ((t == 351 * kMillisecond || t == 451 * kMillisecond || t == 551 * kMillisecond) ? 2 : 1));
}

TEST_CASE("a crashed node neither sends nor receives, its timers die, restart boots it again", "[simulator]") {
  Scenario s = make_scenario(3, constant_ns(10 * kMillisecond));
  Simulator sim(s);
  Heartbeat p(3);
  NetLog log;
  const std::uint16_t proto = sim.add_protocol(&p);
  sim.add_observer(&log);
  Script script;
  const std::uint16_t comp = sim.add_component(&script);
  std::uint64_t sent_by_crashed = 0;
  bool was_down = false;
  script.fn = [&](std::uint64_t x) {
    if (x == 1) sim.crash(2, false);
    if (x == 2) {
      // Try to send from the crashed node: nothing leaves it.
      was_down = !sim.node_up(2);
      const std::uint64_t before = sim.stats().messages_sent;
      Context ctx(sim, 2, proto);
      const std::uint64_t w = 99;
      ctx.send(0, 1, {&w, 1}, 8);
      sent_by_crashed = sim.stats().messages_sent - before;
    }
    if (x == 3) sim.restart(2);
  };
  sim.schedule(1050 * kMillisecond, comp, 1, 0, true);
  sim.schedule(1500 * kMillisecond, comp, 2, 0, true);
  sim.schedule(2050 * kMillisecond, comp, 3, 0, true);
  CHECK(sim.run(RunOptions{3 * kSecond - kMillisecond, {}, {}}) == StopReason::duration);
  CHECK(sim.now() == 3 * kSecond - kMillisecond);

  CHECK(p.starts == std::vector<int>{1, 1, 2});
  CHECK(was_down);
  CHECK(sent_by_crashed == 0);
  CHECK(sim.node_up(2));
  // Node 2's timers: 0.1 .. 1.0 s, none while down, then every 100 ms from restart.
  std::vector<SimTime> expected_timers = every_100ms(1, 10);
  for (SimTime t : every_100ms(1, 9, 2050 * kMillisecond)) expected_timers.push_back(t);
  CHECK(p.timers[2] == expected_timers);
  CHECK(p.timers[0] == every_100ms(1, 29));
  CHECK(p.timers[1] == every_100ms(1, 29));

  // Probes to node 2 leave node 0 at 0.1 s steps and take 10 ms; those
  // arriving in (1.05 s, 2.05 s) find it down.
  std::vector<SimTime> probes_received, beats_from_2;
  for (const Receipt& r : p.receipts) {
    if (r.node == 2) probes_received.push_back(r.time);
    if (r.node == 0 && r.from == 2) beats_from_2.push_back(r.time);
  }
  std::vector<SimTime> expected_probes = every_100ms(1, 10, 10 * kMillisecond);
  for (SimTime t : every_100ms(21, 29, 10 * kMillisecond)) expected_probes.push_back(t);
  CHECK(probes_received == expected_probes);
  std::vector<SimTime> expected_beats = every_100ms(1, 10, 10 * kMillisecond);
  for (SimTime t : every_100ms(1, 9, 2060 * kMillisecond)) expected_beats.push_back(t);
  CHECK(beats_from_2 == expected_beats);
  CHECK(log.drops == std::map<std::string, int>{{"crashed", 10}});
  CHECK(sim.stats().messages_dropped == 10);
}

TEST_CASE("crash with restart: timers set before the crash never fire after the restart", "[simulator]") {
  // A 1 s timer set at 0 would fire at 1 s; the node crashes at 0.5 s and
  // restarts at 0.6 s, so its only timers are the restart's (1.6 s, ...).
  Scenario s = make_scenario(1, constant_ns(kMillisecond));
  Simulator sim(s);
  struct Slow final : Protocol {
    std::vector<SimTime> fired;
    std::string_view name() const override { return "slow"; }
    void on_start(Context& ctx) override { ctx.set_timer(kSecond, 5); }
    void on_timer(Context& ctx, std::uint32_t tag) override {
      if (tag == 5) fired.push_back(ctx.now());
    }
    void on_message(Context&, const Message&) override {}
  } p;
  sim.add_protocol(&p);
  Script script;
  const std::uint16_t comp = sim.add_component(&script);
  script.fn = [&](std::uint64_t x) {
    if (x == 1) sim.crash(0, false);
    if (x == 2) sim.restart(0);
  };
  sim.schedule(500 * kMillisecond, comp, 1, 0, true);
  sim.schedule(600 * kMillisecond, comp, 2, 0, true);
  sim.run(RunOptions{5 * kSecond, {}, {}});
  CHECK(p.fired == std::vector<SimTime>{1600 * kMillisecond});
}

TEST_CASE("timers run on the node's drifting local clock", "[simulator]") {
  Scenario s = make_scenario(1, constant_ns(kMillisecond));
  s.clocks.drift_ppm = Distribution::constant(100.0);
  Simulator sim(s);
  struct Once final : Protocol {
    SimTime fired = -1, local = -1;
    std::string_view name() const override { return "once"; }
    void on_start(Context& ctx) override { ctx.set_timer(10 * kSecond + kMillisecond, 1); }
    void on_timer(Context& ctx, std::uint32_t) override {
      fired = ctx.now();
      local = ctx.local_time();
    }
    void on_message(Context&, const Message&) override {}
  } p;
  sim.add_protocol(&p);
  sim.run(RunOptions{20 * kSecond, {}, {}});
  // +100 ppm: 10.001 s of local time elapse in exactly 10 s of true time.
  CHECK(p.fired == 10 * kSecond);
  CHECK(p.local == 10 * kSecond + kMillisecond);
}

TEST_CASE("fifo: true keeps per-link order despite latency jitter", "[simulator]") {
  // Node 0 sends a numbered message to node 1 every 1 ms; latency is
  // uniform in [1 ms, 50 ms], so without FIFO many overtake each other.
  struct Stream final : Protocol {
    std::vector<std::uint64_t> order;
    std::uint64_t next = 0;
    std::string_view name() const override { return "stream"; }
    void on_start(Context& ctx) override {
      if (ctx.node() == 0) ctx.set_timer(0, 1);
    }
    void on_timer(Context& ctx, std::uint32_t) override {
      const std::uint64_t w = next++;
      ctx.send(1, 1, {&w, 1}, 8);
      if (next < 1000) ctx.set_timer(kMillisecond, 1);
    }
    void on_message(Context&, const Message& m) override { order.push_back(m.words[0]); }
  };
  auto inversions = [](const std::vector<std::uint64_t>& v) {
    int n = 0;
    for (std::size_t i = 1; i < v.size(); ++i) n += v[i] < v[i - 1];
    return n;
  };
  for (const bool fifo : {false, true}) {
    Scenario s = make_scenario(2, uniform_ns(kMillisecond, 50 * kMillisecond), 7);
    s.network.fifo = fifo;
    Simulator sim(s);
    Stream p;
    sim.add_protocol(&p);
    sim.run(RunOptions{10 * kSecond, {}, {}});
    REQUIRE(p.order.size() == 1000);
    if (fifo)
      CHECK(inversions(p.order) == 0);
    else
      CHECK(inversions(p.order) > 100);
  }
}

TEST_CASE("same seed, same run, different seed, different run", "[simulator][determinism]") {
  auto run = [](std::uint64_t seed) {
    Scenario s = make_scenario(10, uniform_ns(kMillisecond, 20 * kMillisecond), seed);
    s.network.loss = 0.05;
    s.network.duplicate = 0.05;
    s.clocks.skew = uniform_ns(-10 * kMillisecond, 10 * kMillisecond);
    s.clocks.drift_ppm.kind = Distribution::Kind::uniform;
    s.clocks.drift_ppm.a = -100;
    s.clocks.drift_ppm.b = 100;
    auto sim = std::make_unique<Simulator>(s);
    Chatter p;
    NetLog log;
    sim->add_protocol(&p);
    sim->add_observer(&log);
    sim->run(RunOptions{5 * kSecond, {}, {}});
    return std::make_tuple(log.events, p.receipts, sim->stats().events_processed);
  };
  const auto a = run(42);
  const auto b = run(42);
  const auto c = run(43);
  REQUIRE(std::get<0>(a).size() > 1000);  // a substantial run
  CHECK(std::get<0>(a) == std::get<0>(b));
  CHECK(std::get<1>(a) == std::get<1>(b));
  CHECK(std::get<2>(a) == std::get<2>(b));
  CHECK(std::get<0>(a) != std::get<0>(c));
  CHECK(std::get<1>(a) != std::get<1>(c));
  // Loss and duplication both happened (so they are covered by the comparison).
  int drops = 0, dups = 0;
  for (const auto& e : std::get<0>(a)) {
    drops += std::get<1>(e) == static_cast<int>(NetEventKind::drop);
    dups += std::get<1>(e) == static_cast<int>(NetEventKind::duplicate);
  }
  CHECK(drops > 0);
  CHECK(dups > 0);
}

TEST_CASE("two simulators interleaved in one process do not interfere", "[simulator][determinism]") {
  // No globals: stepping two runs alternately gives the same
  // result as running each alone.
  auto scenario = [] {
    Scenario s = make_scenario(6, uniform_ns(kMillisecond, 9 * kMillisecond), 5);
    s.network.loss = 0.1;
    return s;
  };
  const Scenario s = scenario();
  Simulator alone(s);
  Chatter pa;
  alone.add_protocol(&pa);
  alone.run(RunOptions{2 * kSecond, {}, {}});

  Simulator x(s), y(s);
  Chatter px, py;
  x.add_protocol(&px);
  y.add_protocol(&py);
  for (SimTime t = 100 * kMillisecond; t <= 2 * kSecond; t += 100 * kMillisecond) {
    x.run(RunOptions{t, {}, {}});
    y.run(RunOptions{t, {}, {}});
  }
  REQUIRE(pa.receipts.size() > 100);
  CHECK(px.receipts == pa.receipts);
  CHECK(py.receipts == pa.receipts);
}

namespace {

// Node 0 sends waves of thousands of messages to the others, each carrying
// words derived from its sequence number (some longer than a slot's inline
// words); every receiver echoes. A wave starts when the last one is back,
// so each takes its slots from thousands of free ones.
struct SlotChurn final : Protocol {
  static constexpr std::uint64_t kWave = 10'000, kWaves = 4;
  std::uint64_t next = 0, received = 0, corrupt = 0;
  std::string_view name() const override { return "slot-churn"; }
  static std::uint64_t word(std::uint64_t seq, std::size_t i) { return seq * 7919 + i * 104729 + 1; }
  void send_wave(Context& ctx) {
    for (std::uint64_t end = next + kWave; next < end; ++next) {
      std::vector<std::uint64_t> words(1 + next % 7);
      words[0] = next;
      for (std::size_t i = 1; i < words.size(); ++i) words[i] = word(next, i);
      ctx.send(static_cast<NodeId>(1 + next % (ctx.node_count() - 1)), 1, words, 8);
    }
    if (next < kWaves * kWave) ctx.set_timer(kSecond, 1);  // the echoes are back by then
  }
  void on_start(Context& ctx) override {
    if (ctx.node() == 0) send_wave(ctx);
  }
  void on_timer(Context& ctx, std::uint32_t) override { send_wave(ctx); }
  void on_message(Context& ctx, const Message& m) override {
    ++received;
    if (m.words.size() != 1 + m.words[0] % 7) ++corrupt;
    for (std::size_t i = 1; i < m.words.size(); ++i)
      if (m.words[i] != word(m.words[0], i)) ++corrupt;
    if (m.type == 1) ctx.send(m.from, 2, m.words, 8);  // the echo carries the same words
  }
};

}  // namespace

TEST_CASE("message slots reused under churn keep every payload intact", "[simulator]") {
  // Jittered latency: messages arrive out of send order, so slots are freed
  // and reused in a scrambled order, and thousands are free at once.
  Scenario s = make_scenario(5, uniform_ns(1 * kMillisecond, 50 * kMillisecond));
  Simulator sim(s);
  SlotChurn p;
  sim.add_protocol(&p);
  CHECK(sim.run(RunOptions{100 * kSecond, {}, {}}) == StopReason::queue_empty);
  CHECK(p.corrupt == 0);
  CHECK(p.received == 2 * SlotChurn::kWaves * SlotChurn::kWave);
  CHECK(sim.stats().messages_delivered == 2 * SlotChurn::kWaves * SlotChurn::kWave);
  CHECK(sim.messages_in_flight() == 0);
}
