#include "sim/rng.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "sim/hash.hpp"  // mix64; fnv1a64: a stable name hash (std::hash may differ per platform)

// Everything here is plain integer arithmetic or IEEE double arithmetic on
// our own code paths, so a given seed yields the same stream on every
// platform. The only library calls are std::log/exp/cos/pow/
// sqrt in the continuous distributions.

namespace ecsim {

namespace {

// GCC/Clang extension; __extension__ keeps -Wpedantic quiet.
__extension__ using u128 = unsigned __int128;

constexpr std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

// Pure function form of one SplitMix64 step: a good 64-bit mixer (bijective).
std::uint64_t mix(std::uint64_t v) { return splitmix64(v); }

constexpr double kTwoPi = 6.283185307179586476925286766559;

}  // namespace

std::uint64_t splitmix64(std::uint64_t& state) { return mix64(state += 0x9e3779b97f4a7c15ULL); }

Rng::Rng(std::uint64_t seed) {
  // Seeding via SplitMix64 as the xoshiro authors recommend: four outputs of
  // a bijection from distinct states are never all zero, so the state is valid.
  std::uint64_t sm = seed;
  for (auto& word : s_) word = splitmix64(sm);
}

Rng Rng::stream(std::uint64_t root_seed, std::string_view component, std::uint64_t index) {
  // Chain of mixes: (root, name, index) -> seed. For a fixed root and name the
  // map index -> seed is a bijection, so a component's indices never collide;
  // other streams are untouched because nothing here is shared state.
  std::uint64_t h = mix(root_seed) ^ fnv1a64(component);
  h = mix(h) ^ index;
  return Rng(mix(h));
}

std::uint64_t Rng::next_u64() {
  const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const std::uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

std::uint64_t Rng::below(std::uint64_t bound) {
  if (bound == 0) throw std::invalid_argument("Rng::below: bound must be > 0");
  // Lemire (2019), "Fast random integer generation in an interval": the high
  // word of x*bound is the result; reject the few low words that would make
  // some results one draw more likely than others (plain modulo is biased).
  u128 m = static_cast<u128>(next_u64()) * bound;
  auto low = static_cast<std::uint64_t>(m);
  if (low < bound) {
    const std::uint64_t threshold = (0 - bound) % bound;  // 2^64 mod bound
    while (low < threshold) {
      m = static_cast<u128>(next_u64()) * bound;
      low = static_cast<std::uint64_t>(m);
    }
  }
  return static_cast<std::uint64_t>(m >> 64);
}

double Rng::uniform01() {
  // Top 53 bits -> exactly representable multiples of 2^-53 in [0, 1).
  return static_cast<double>(next_u64() >> 11) * 0x1.0p-53;
}

double Rng::exponential(double mean) {
  // 1 - u is in (0, 1], so log never sees 0.
  return -mean * std::log(1.0 - uniform01());
}

double Rng::normal(double mean, double stddev) {
  // Box-Muller, cosine branch only: one value per call keeps no cached second
  // value, so the stream position depends only on the number of calls.
  const double u1 = 1.0 - uniform01();  // (0, 1]: log(u1) finite
  const double u2 = uniform01();
  const double z = std::sqrt(-2.0 * std::log(u1)) * std::cos(kTwoPi * u2);
  return mean + stddev * z;
}

double Rng::lognormal(double median, double sigma) {
  return std::exp(normal(std::log(median), sigma));
}

double Rng::pareto(double scale, double shape) {
  // Inverse transform with 1 - u in (0, 1]: never pow(0, negative) = inf.
  return scale * std::pow(1.0 - uniform01(), -1.0 / shape);
}

ZipfSampler::ZipfSampler(std::uint64_t n, double s) {
  if (n == 0) throw std::invalid_argument("ZipfSampler: n must be > 0");
  cdf_.resize(n);
  double total = 0.0;
  for (std::uint64_t i = 0; i < n; ++i) {
    total += std::pow(static_cast<double>(i + 1), -s);
    cdf_[i] = total;
  }
  for (auto& c : cdf_) c /= total;
  // Rounding could leave the last entry just below 1; u in [0,1) must always
  // land inside the table.
  cdf_.back() = 1.0;
}

std::uint64_t ZipfSampler::sample(Rng& rng) const {
  if (cdf_.empty()) throw std::logic_error("ZipfSampler::sample on an empty sampler");
  const double u = rng.uniform01();
  // First rank whose cumulative probability exceeds u: P(rank i) = cdf[i] - cdf[i-1].
  const auto it = std::upper_bound(cdf_.begin(), cdf_.end(), u);
  const auto rank = static_cast<std::uint64_t>(it - cdf_.begin());
  return std::min<std::uint64_t>(rank, cdf_.size() - 1);
}

double ZipfSampler::probability(std::uint64_t rank) const {
  if (rank >= cdf_.size()) return 0.0;
  return rank == 0 ? cdf_[0] : cdf_[rank] - cdf_[rank - 1];
}

}  // namespace ecsim
