// Rng, stream derivation and ZipfSampler. Known-answer vectors come from the
// reference algorithms, not from this implementation; statistical checks use
// tolerances of a few standard errors (see each comment).
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "sim/rng.hpp"

using ecsim::Rng;
using ecsim::ZipfSampler;

namespace {

// Pearson chi-square statistic of observed counts against equal expectations.
double chi_square_uniform(const std::vector<std::uint64_t>& counts, std::uint64_t draws) {
  const double expected = static_cast<double>(draws) / static_cast<double>(counts.size());
  double chi2 = 0.0;
  for (const auto c : counts) {
    const double d = static_cast<double>(c) - expected;
    chi2 += d * d / expected;
  }
  return chi2;
}

}  // namespace

TEST_CASE("splitmix64 matches the published reference outputs", "[rng]") {
  // Vigna's splitmix64.c; these vectors for seed 1234567 are the widely
  // published ones (also reproduced by an independent Python port).
  std::uint64_t state = 1234567;
  const std::array<std::uint64_t, 5> expected{6457827717110365317ULL, 3203168211198807973ULL,
                                              9817491932198370423ULL, 4593380528125082431ULL,
                                              16408922859458223821ULL};
  for (const auto e : expected) CHECK(ecsim::splitmix64(state) == e);

  std::uint64_t zero = 0;
  CHECK(ecsim::splitmix64(zero) == 0xe220a8397b1dcdafULL);
  CHECK(ecsim::splitmix64(zero) == 0x6e789e6aa1b965f4ULL);
}

TEST_CASE("Rng(seed) is xoshiro256** seeded by splitmix64", "[rng]") {
  // Expected values from an independent Python port of the reference
  // xoshiro256starstar.c, itself checked against the reference's known output
  // for state {1,2,3,4}: 11520, 0, 1509978240, 1215971899390074240.
  Rng r0(0);
  CHECK(r0.next_u64() == 0x99ec5f36cb75f2b4ULL);
  CHECK(r0.next_u64() == 0xbf6e1f784956452aULL);
  CHECK(r0.next_u64() == 0x1a5f849d4933e6e0ULL);
  CHECK(r0.next_u64() == 0x6aa594f1262d2d2cULL);

  Rng r42(42);
  CHECK(r42.next_u64() == 0x15780b2e0c2ec716ULL);
  CHECK(r42.next_u64() == 0x6104d9866d113a7eULL);
  CHECK(r42.next_u64() == 0xae17533239e499a1ULL);
  CHECK(r42.next_u64() == 0xecb8ad4703b360a1ULL);

  // Default construction is seed 0.
  Rng def;
  CHECK(def.next_u64() == 0x99ec5f36cb75f2b4ULL);
}

TEST_CASE("same seed gives the same sequence", "[rng]") {
  Rng a(12345), b(12345), c(12346);
  bool any_diff_c = false;
  for (int i = 0; i < 1000; ++i) {
    const auto va = a.next_u64();
    REQUIRE(va == b.next_u64());
    any_diff_c |= (va != c.next_u64());
  }
  CHECK(any_diff_c);
}

TEST_CASE("streams are distinct and independent of one another", "[rng]") {
  const auto first = [](Rng r) { return r.next_u64(); };
  const std::uint64_t root = 7;

  // Same (root, component, index) -> same stream.
  CHECK(first(Rng::stream(root, "network", 3)) == first(Rng::stream(root, "network", 3)));
  // Index default is 0.
  CHECK(first(Rng::stream(root, "network")) == first(Rng::stream(root, "network", 0)));

  // Different names, indices or roots -> different streams.
  const std::vector<std::uint64_t> firsts{
      first(Rng::stream(root, "network", 0)), first(Rng::stream(root, "network", 1)),
      first(Rng::stream(root, "clock", 0)),   first(Rng::stream(root, "clock", 1)),
      first(Rng::stream(root, "", 0)),        first(Rng::stream(root + 1, "network", 0)),
      first(Rng::stream(root, "networK", 0)),
  };
  for (std::size_t i = 0; i < firsts.size(); ++i)
    for (std::size_t j = i + 1; j < firsts.size(); ++j) CHECK(firsts[i] != firsts[j]);

  // Index 0 of one name must not equal index 1 of the same root (no shifting).
  std::vector<std::uint64_t> many;
  for (std::uint64_t i = 0; i < 1000; ++i) many.push_back(first(Rng::stream(root, "client", i)));
  std::sort(many.begin(), many.end());
  CHECK(std::adjacent_find(many.begin(), many.end()) == many.end());

  // Creating and drawing from another stream mid-way does not disturb a
  // stream: the reference draws 6 values without any other stream existing.
  Rng reference = Rng::stream(root, "gossip", 2);
  std::vector<std::uint64_t> expected;
  for (int i = 0; i < 6; ++i) expected.push_back(reference.next_u64());

  Rng other_before = Rng::stream(root, "workload", 0);
  other_before.next_u64();
  Rng s = Rng::stream(root, "gossip", 2);
  std::vector<std::uint64_t> got;
  for (int i = 0; i < 3; ++i) got.push_back(s.next_u64());
  Rng other_after = Rng::stream(root, "gossip", 3);
  for (int i = 0; i < 100; ++i) other_after.next_u64();
  for (int i = 0; i < 3; ++i) got.push_back(s.next_u64());
  CHECK(got == expected);
}

TEST_CASE("stream output is pinned (cross-platform replay regression)", "[rng][golden]") {
  // Golden values computed once with this implementation (and matched by an
  // independent Python port of the same derivation). If they change, every
  // recorded seed replays differently: only update deliberately.
  // Integer and uniform01 outputs involve no libm call, so they must be
  // bit-identical on every platform and compiler.
  Rng r = Rng::stream(42, "network", 0);
  CHECK(r.next_u64() == 0x3c342321f9bc9bf2ULL);
  CHECK(r.next_u64() == 0x3841748458b7ce85ULL);
  CHECK(r.below(1000) == 24U);
  CHECK(r.uniform01() == 0x1.5f77f5774325p-3);
}

TEST_CASE("below stays in range and handles edge bounds", "[rng]") {
  Rng r(1);
  for (int i = 0; i < 1000; ++i) REQUIRE(r.below(1) == 0);
  for (const std::uint64_t bound : {2ULL, 3ULL, 7ULL, 10ULL, 1000ULL, (1ULL << 63) + 1, ~0ULL}) {
    for (int i = 0; i < 2000; ++i) REQUIRE(r.below(bound) < bound);
  }
  CHECK_THROWS_AS(r.below(0), std::invalid_argument);
}

TEST_CASE("below is uniform (chi-square)", "[rng]") {
  // 10 buckets -> 9 degrees of freedom; 27.88 is the 0.999 quantile of
  // chi-square(9), so a correct generator fails this for 1 seed in 1000.
  Rng r(2024);
  constexpr std::uint64_t draws = 100'000;
  std::vector<std::uint64_t> counts(10, 0);
  for (std::uint64_t i = 0; i < draws; ++i) ++counts[r.below(10)];
  CHECK(chi_square_uniform(counts, draws) < 27.88);
}

TEST_CASE("below has no modulo bias for a huge bound", "[rng]") {
  // bound = 3 * 2^62: plain `x % bound` would put half the mass in the first
  // third (chi-square in the thousands). This bound also hits Lemire's
  // rejection branch often (2^64 mod bound = 2^62). 13.82 = 0.999 quantile of
  // chi-square(2).
  Rng r(99);
  constexpr std::uint64_t bound = 3ULL << 62;
  constexpr std::uint64_t draws = 60'000;
  std::vector<std::uint64_t> counts(3, 0);
  for (std::uint64_t i = 0; i < draws; ++i) ++counts[r.below(bound) >> 62];
  CHECK(chi_square_uniform(counts, draws) < 13.82);
}

TEST_CASE("uniform01 lies in the half-open unit interval on a 2^-53 grid with mean 1/2", "[rng]") {
  Rng r(5);
  constexpr int draws = 200'000;
  double sum = 0.0, lo = 1.0, hi = 0.0;
  bool on_grid = true;
  for (int i = 0; i < draws; ++i) {
    const double u = r.uniform01();
    REQUIRE(u >= 0.0);
    REQUIRE(u < 1.0);
    const double scaled = u * 0x1.0p53;
    on_grid &= (scaled == std::floor(scaled));
    sum += u;
    lo = std::min(lo, u);
    hi = std::max(hi, u);
  }
  CHECK(on_grid);
  // SE of the mean = sqrt(1/12)/sqrt(N) ~ 6.5e-4; allow 5 SE.
  CHECK(std::fabs(sum / draws - 0.5) < 5 * std::sqrt(1.0 / 12.0 / draws));
  CHECK(lo < 1e-3);
  CHECK(hi > 1 - 1e-3);

  // uniform(lo, hi) and bernoulli edges.
  for (int i = 0; i < 1000; ++i) {
    const double x = r.uniform(-5.0, 5.0);
    REQUIRE(x >= -5.0);
    REQUIRE(x < 5.0);
    REQUIRE_FALSE(r.bernoulli(0.0));
    REQUIRE(r.bernoulli(1.0));
  }
}

TEST_CASE("ZipfSampler probabilities follow 1/(i+1)^s", "[rng][zipf]") {
  for (const double s : {0.0, 0.8, 1.0, 1.5}) {
    constexpr std::uint64_t n = 1000;
    const ZipfSampler z(n, s);
    REQUIRE(z.size() == n);
    // Independent normalisation: summed in the opposite order to the table.
    double harmonic = 0.0;
    for (std::uint64_t i = n; i >= 1; --i) harmonic += 1.0 / std::pow(static_cast<double>(i), s);
    double total = 0.0;
    for (std::uint64_t i = 0; i < n; ++i) {
      const double expected = 1.0 / std::pow(static_cast<double>(i + 1), s) / harmonic;
      REQUIRE(z.probability(i) == Approx(expected).epsilon(1e-9).margin(1e-15));
      total += z.probability(i);
    }
    CHECK(total == Approx(1.0).epsilon(1e-12));
    CHECK(z.probability(n) == 0.0);
  }
}

TEST_CASE("ZipfSampler empirical frequencies match probability()", "[rng][zipf]") {
  constexpr std::uint64_t n = 10'000;
  constexpr int draws = 200'000;
  const ZipfSampler z(n, 1.0);
  Rng r(31337);
  std::vector<std::uint64_t> counts(n, 0);
  for (int i = 0; i < draws; ++i) {
    const auto k = z.sample(r);
    REQUIRE(k < n);
    ++counts[k];
  }
  // Each count is Binomial(N, p): SE of the frequency is sqrt(p(1-p)/N).
  // 5 SE per rank over 8 ranks: a correct sampler fails < 1 seed in 10^5.
  for (std::uint64_t rank = 0; rank < 8; ++rank) {
    const double p = z.probability(rank);
    const double freq = static_cast<double>(counts[rank]) / draws;
    const double se = std::sqrt(p * (1 - p) / draws);
    INFO("rank " << rank << " p=" << p << " freq=" << freq);
    CHECK(std::fabs(freq - p) < 5 * se);
  }

  const ZipfSampler one(1, 1.2);
  for (int i = 0; i < 100; ++i) REQUIRE(one.sample(r) == 0);
  CHECK(one.probability(0) == 1.0);
  CHECK_THROWS_AS(ZipfSampler(0, 1.0), std::invalid_argument);
}
