#pragma once
// Deterministic random numbers. Our own generator and our own distribution
// code: std::*_distribution output differs between standard libraries, which
// would break cross-platform replay.
#include <cstdint>
#include <string_view>
#include <vector>

namespace ecsim {

// SplitMix64 step; used to derive seeds, never as a simulation stream.
std::uint64_t splitmix64(std::uint64_t& state);

// xoshiro256** (Blackman & Vigna). One instance per component stream.
class Rng {
 public:
  Rng() : Rng(0) {}
  explicit Rng(std::uint64_t seed);

  // Independent stream for a named component: same (root, name, index)
  // always gives the same stream; adding a new consumer never shifts others.
  static Rng stream(std::uint64_t root_seed, std::string_view component, std::uint64_t index = 0);

  std::uint64_t next_u64();
  // Uniform integer in [0, bound), unbiased (Lemire's method). bound > 0.
  std::uint64_t below(std::uint64_t bound);
  // Uniform double in [0, 1) with 53 random bits.
  double uniform01();
  // Uniform double in [lo, hi).
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform01(); }
  bool bernoulli(double p) { return p > 0.0 && (p >= 1.0 || uniform01() < p); }
  double exponential(double mean);                 // inverse transform
  double normal(double mean, double stddev);       // Box-Muller, one value per call
  double lognormal(double median, double sigma);   // exp(N(ln median, sigma))
  double pareto(double scale, double shape);       // scale * U^(-1/shape)
  // Feeds the generator's state to a StateHasher (sim/state_hash.hpp).
  template <class Hasher>
  void hash_state(Hasher& h) const {
    for (const std::uint64_t w : s_) h.add(w);
  }

 private:
  std::uint64_t s_[4];
};

// Zipf(s) over ranks 0..n-1 (rank 0 most popular): P(i) ~ 1/(i+1)^s.
// Exact inverse-CDF sampling over a precomputed table (n up to a few million).
class ZipfSampler {
 public:
  ZipfSampler() = default;
  ZipfSampler(std::uint64_t n, double s);
  std::uint64_t sample(Rng& rng) const;
  std::uint64_t size() const { return cdf_.size(); }
  double probability(std::uint64_t rank) const;

 private:
  std::vector<double> cdf_;
};

}  // namespace ecsim
