// bare_gossip: a deliberately bare, single-purpose event loop -- the baseline
// the full ecsim simulator is compared against. Same workload as the full
// simulator: N nodes, complete graph (a peer is a uniformly random *other*
// node), one write on node 0 at t=0, push-pull anti-entropy, fanout 1,
// period 1 s, first gossip at a uniform phase in [0, 1 s), one-way latency
// 10 ms, integer-nanosecond time. Stops when the last node becomes informed.
//
// Usage: bare_gossip N [seed]
//
// Round by initiator A to peer B:
//   TIMER@A     -> DIGEST(A's bit) to B at +10ms, A's next TIMER at +1s
//   DIGEST@B    -> B informed & A not: REPLY(entry);  A informed & B not: REPLY(request)
//   REPLY@A     -> entry: A informed;  request: ENTRIES to B at +10ms
//   ENTRIES@B   -> B informed
// Every event names only the round's initiator A; B is kept in peer[A]. That is
// exact here because a round lasts at most 30 ms, far less than A's 1 s period.
//
// Queue: radix heap on monotone integer time with FIFO buckets, which pops in
// (time, insertion sequence) order (equal keys always share one bucket and keep
// their insertion order). Build with -DBARE_CHECK_ORDER to assert that.
#include <sys/resource.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace {

using u64 = std::uint64_t;
__extension__ using u128 = unsigned __int128;

constexpr u64 kLatency = 10'000'000;    // 10 ms in ns
constexpr u64 kPeriod = 1'000'000'000;  // 1 s in ns
constexpr int kNodeBits = 26, kKindBits = 3;  // event payload: seq | kind | node
enum Kind : u64 { kTimer, kDigestNo, kDigestYes, kReplyEntry, kReplyReq, kEntries };

struct Event {
  u64 t;  // ns
  u64 x;  // seq << 29 | kind << 26 | node (round initiator)
};
static_assert(sizeof(Event) == 16);

struct Rng {  // xoshiro256** seeded through splitmix64; Lemire's unbiased bounded draw
  u64 s[4];
  explicit Rng(u64 seed) {
    for (u64& w : s) {
      u64 z = (seed += 0x9e3779b97f4a7c15ULL);
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
      w = z ^ (z >> 31);
    }
  }
  static u64 rotl(u64 v, int k) { return (v << k) | (v >> (64 - k)); }
  u64 next() {
    const u64 r = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]; s[2] ^= t; s[3] = rotl(s[3], 45);
    return r;
  }
  u64 below(u64 bound) {  // uniform in [0, bound), bound > 0
    u128 m = u128(next()) * bound;
    if (u64(m) < bound) {
      const u64 thr = (0 - bound) % bound;
      while (u64(m) < thr) m = u128(next()) * bound;
    }
    return u64(m >> 64);
  }
};

class RadixHeap {  // keys must be >= the last popped key
 public:
  void push(Event e) {
    const int b = e.t == last_ ? 0 : 64 - __builtin_clzll(e.t ^ last_);
    bucket_[b].push_back(e);
    if (b) mask_ |= u64(1) << (b - 1);
  }
  bool pop(Event& out) {
    if (head0_ == bucket_[0].size()) {
      bucket_[0].clear();
      head0_ = 0;
      if (!mask_) return false;
      const int i = __builtin_ctzll(mask_) + 1;  // lowest non-empty bucket
      mask_ &= mask_ - 1;
      std::vector<Event>& src = bucket_[i];
      u64 mn = src[0].t;
      for (const Event& e : src) mn = e.t < mn ? e.t : mn;
      last_ = mn;
      for (const Event& e : src) push(e);  // in order: keeps FIFO among equal keys
      // Big buckets give their memory back; otherwise every bucket keeps its
      // peak capacity forever (~105 MB instead of ~60 MB at N=1M, same speed).
      if (src.capacity() > (std::size_t(1) << 16)) std::vector<Event>().swap(src); else src.clear();
    }
    out = bucket_[0][head0_++];
    return true;
  }

 private:
  std::vector<Event> bucket_[65];
  std::size_t head0_ = 0;
  u64 mask_ = 0;  // bit b-1 set <=> bucket_[b] non-empty (b >= 1)
  u64 last_ = 0;
};

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  const auto t_start = std::chrono::steady_clock::now();
  if (argc < 2 || argc > 3) { std::fprintf(stderr, "usage: %s N [seed]\n", argv[0]); return 2; }
  const u64 n = std::strtoull(argv[1], nullptr, 10);
  const u64 seed = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 1;
  if (n < 1 || n > (u64(1) << kNodeBits)) { std::fprintf(stderr, "N must be in [1, 2^26]\n"); return 2; }

  std::vector<std::uint8_t> informed(n, 0);
  std::vector<std::uint32_t> peer(n, 0);
  RadixHeap q;
  Rng rng(seed);
  u64 seq = 0;
  auto push = [&](u64 t, u64 kind, u64 node) {
    q.push(Event{t, (seq++ << (kNodeBits + kKindBits)) | (kind << kNodeBits) | node});
  };

  informed[0] = 1;  // the write on node 0 at t=0
  u64 n_informed = 1;
  for (u64 i = 0; i < n; ++i) push(rng.below(kPeriod), kTimer, i);

  u64 events = 0, now = 0;
  const auto t_loop = std::chrono::steady_clock::now();
#ifdef BARE_CHECK_ORDER
  u64 prev_t = 0, prev_seq = 0;
#endif
  Event e;
  while (n_informed < n && q.pop(e)) {
    ++events;
    now = e.t;
#ifdef BARE_CHECK_ORDER
    const u64 sq = e.x >> (kNodeBits + kKindBits);
    if (events > 1 && !(now > prev_t || (now == prev_t && sq > prev_seq))) { std::fprintf(stderr, "order!\n"); return 1; }
    prev_t = now; prev_seq = sq;
#endif
    const u64 a = e.x & ((u64(1) << kNodeBits) - 1);
    switch ((e.x >> kNodeBits) & ((u64(1) << kKindBits) - 1)) {
      case kTimer: {
        u64 b = rng.below(n - 1);
        b += b >= a;
        peer[a] = std::uint32_t(b);
        push(now + kLatency, informed[a] ? kDigestYes : kDigestNo, a);
        push(now + kPeriod, kTimer, a);
        break;
      }
      case kDigestNo:  if (informed[peer[a]]) push(now + kLatency, kReplyEntry, a); break;
      case kDigestYes: if (!informed[peer[a]]) push(now + kLatency, kReplyReq, a); break;
      case kReplyEntry: if (!informed[a]) { informed[a] = 1; ++n_informed; } break;
      case kReplyReq:  push(now + kLatency, kEntries, a); break;
      case kEntries:   if (!informed[peer[a]]) { informed[peer[a]] = 1; ++n_informed; } break;
    }
  }
  const double wall = seconds_since(t_loop);

  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  std::printf("nodes=%llu events=%llu sim_time_s=%.9f wall_s=%.6f events_per_s=%.0f peak_rss_mb=%.1f informed=%llu total_s=%.6f\n",
              (unsigned long long)n, (unsigned long long)events, double(now) / 1e9, wall,
              wall > 0 ? double(events) / wall : 0.0, double(ru.ru_maxrss) / 1024.0,
              (unsigned long long)n_informed, seconds_since(t_start));
  return n_informed == n ? 0 : 1;
}
