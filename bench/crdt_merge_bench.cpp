// CRDT merge throughput: how many joins of two concurrent states per second,
// per data type and state size, and the same through the wire format
// (decode + merge, what a replica does per key on receiving gossip).
//
// States come from a random history like the property tests': A actors
// update a common base, then two replicas diverge by further updates of
// their own actors, so each merge has real work (both sides have news).
//
//   build/release/bench/crdt_merge_bench > crdt_merge.csv
// CSV on stdout, a readable table on stderr.
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "protocols/cart/cart_store.hpp"
#include "protocols/crdt/crdt_store.hpp"
#include "sim/rng.hpp"

using namespace ecsim;
using Clock = std::chrono::steady_clock;

namespace {

volatile std::uint64_t g_sink = 0;  // keeps the optimiser from dropping the work

void update(CrdtKind kind, crdt::State& s, ActorId actor, std::uint32_t elements, Rng& rng, std::uint64_t id) {
  const auto value = static_cast<std::uint32_t>(rng.below(elements));
  switch (kind) {
    case CrdtKind::gcounter: crdt::counter_update(s, actor, 0, 1, 0); break;
    case CrdtKind::pncounter: crdt::counter_update(s, actor, 0, rng.below(2), rng.below(2)); break;
    case CrdtKind::cart: crdt::counter_update(s, actor, value, 1 + static_cast<std::int64_t>(rng.below(3)), rng.below(2)); break;
    case CrdtKind::orset:
      if (rng.below(4) == 0) crdt::orset_remove(s, actor, value);
      else crdt::orset_add(s, actor, value);
      break;
    case CrdtKind::mvregister: crdt::mv_write(s, actor, id); break;
  }
}

// Two concurrent states: a shared history of `ops` updates by `actors`
// actors, then each side does `ops / 4` more with half the actors each.
std::pair<crdt::State, crdt::State> concurrent_states(CrdtKind kind, std::uint32_t actors, std::uint32_t elements, int ops) {
  Rng rng(42);
  crdt::State base;
  std::uint64_t id = 1;
  // Each actor updates its own copy, then everything is merged: a common past.
  std::vector<crdt::State> per_actor(actors);
  for (int i = 0; i < ops; ++i) {
    const auto a = static_cast<ActorId>(rng.below(actors));
    update(kind, per_actor[a], a, elements, rng, id++);
  }
  for (const auto& s : per_actor) crdt::merge(kind, base, s);
  crdt::State x = base, y = base;
  for (int i = 0; i < ops / 4; ++i) {
    update(kind, x, static_cast<ActorId>(rng.below((actors + 1) / 2)), elements, rng, id++);
    update(kind, y, static_cast<ActorId>(actors / 2 + rng.below((actors + 1) / 2)), elements, rng, id++);
  }
  return {x, y};
}

template <class F>
double seconds_per_call(F&& f) {
  // Repeat until the measurement lasts at least 0.2 s.
  for (std::uint64_t n = 64;; n *= 4) {
    const auto t0 = Clock::now();
    for (std::uint64_t i = 0; i < n; ++i) f();
    const double s = std::chrono::duration<double>(Clock::now() - t0).count();
    if (s >= 0.2) return s / static_cast<double>(n);
  }
}

}  // namespace

int main() {
  std::printf("type,actors,elements,wire_words,merge_ns,merges_per_s,wire_merge_ns,wire_mb_per_s\n");
  std::fprintf(stderr, "%-12s %6s %8s %10s | %12s %14s | %16s %10s\n", "type", "actors", "elements", "wire words", "merge ns",
               "merges/s", "decode+merge ns", "wire MB/s");
  struct Case {
    CrdtKind kind;
    std::uint32_t actors, elements;
    int ops;
  };
  const Case cases[] = {
      {CrdtKind::gcounter, 8, 1, 200},      {CrdtKind::gcounter, 128, 1, 2000},   {CrdtKind::pncounter, 8, 1, 200},
      {CrdtKind::pncounter, 128, 1, 2000},  {CrdtKind::orset, 8, 16, 200},        {CrdtKind::orset, 8, 1024, 4000},
      {CrdtKind::orset, 128, 1024, 4000},   {CrdtKind::mvregister, 8, 1, 200},    {CrdtKind::mvregister, 128, 1, 2000},
      {CrdtKind::cart, 8, 16, 200},         {CrdtKind::cart, 128, 256, 4000},
  };
  for (const Case& c : cases) {
    auto [a, b] = concurrent_states(c.kind, c.actors, c.elements, c.ops);
    std::vector<std::uint64_t> wire;
    crdt::encode(0, b, wire);
    const double merge_s = seconds_per_call([&] {
      crdt::State x = a;
      crdt::merge(c.kind, x, b);
      g_sink = g_sink + x.ctx.size();
    });
    const double wire_s = seconds_per_call([&] {
      crdt::State x = a, in;
      std::size_t pos = 0;
      KeyId key = 0;
      crdt::decode(wire, pos, key, in);
      crdt::merge(c.kind, x, in);
      g_sink = g_sink + x.ctx.size();
    });
    const double mb_s = static_cast<double>(wire.size() * 8) / wire_s / 1e6;
    std::printf("%s,%u,%u,%zu,%.1f,%.0f,%.1f,%.1f\n", crdt_kind_name(c.kind), c.actors, c.elements, wire.size(), merge_s * 1e9,
                1.0 / merge_s, wire_s * 1e9, mb_s);
    std::fprintf(stderr, "%-12s %6u %8u %10zu | %12.1f %14.0f | %16.1f %10.1f\n", crdt_kind_name(c.kind), c.actors, c.elements,
                 wire.size(), merge_s * 1e9, 1.0 / merge_s, wire_s * 1e9, mb_s);
  }
  // The union-max cart, same sizes as the CRDT cart above.
  for (std::uint32_t items : {16u, 256u}) {
    Rng rng(42);
    cart::State base;
    WriteId w = 1;
    for (int i = 0; i < 200; ++i) cart::add(base, static_cast<std::uint32_t>(rng.below(items)), 1, w++);
    cart::State x = base, y = base;
    for (int i = 0; i < 50; ++i) {
      cart::add(x, static_cast<std::uint32_t>(rng.below(items)), 1, w++);
      cart::remove(y, static_cast<std::uint32_t>(rng.below(items)), 1, w++);
    }
    std::vector<std::uint64_t> wire;
    cart::encode(0, y, wire);
    const double merge_s = seconds_per_call([&] {
      cart::State z = x;
      cart::merge(z, y);
      g_sink = g_sink + z.lines.size();
    });
    std::printf("union-max-cart,-,%u,%zu,%.1f,%.0f,,\n", items, wire.size(), merge_s * 1e9, 1.0 / merge_s);
    std::fprintf(stderr, "%-12s %6s %8u %10zu | %12.1f %14.0f |\n", "union-max", "-", items, wire.size(), merge_s * 1e9, 1.0 / merge_s);
  }
  return 0;
}
