// sim/hash.hpp: the one mix64 and fnv1a64 every module uses. Their results
// feed trace hashes and state digests, so they are pinned to known values.
#include <catch2/catch.hpp>

#include <cstdint>

#include "sim/hash.hpp"
#include "sim/rng.hpp"

TEST_CASE("mix64 is the splitmix64 finalizer, usable at compile time", "[hash]") {
  static_assert(ecsim::mix64(0) == 0);
  // splitmix64's first output from state 0 (Vigna's splitmix64.c).
  static_assert(ecsim::mix64(0x9e3779b97f4a7c15ULL) == 0xe220a8397b1dcdafULL);
  for (std::uint64_t seed : {0ULL, 1ULL, 1234567ULL, 0xffffffffffffffffULL}) {
    std::uint64_t state = seed;
    CHECK(ecsim::splitmix64(state) == ecsim::mix64(seed + 0x9e3779b97f4a7c15ULL));
  }
}

TEST_CASE("fnv1a64 reference values, chained, at compile time", "[hash]") {
  // Reference values of the FNV-1a 64-bit test suite.
  static_assert(ecsim::fnv1a64("") == ecsim::kFnv1a64OffsetBasis);
  static_assert(ecsim::fnv1a64("a") == 0xaf63dc4c8601ec8cULL);
  static_assert(ecsim::fnv1a64("foobar") == 0x85944171f73967e8ULL);
  static_assert(ecsim::fnv1a64("bar", ecsim::fnv1a64("foo")) == ecsim::fnv1a64("foobar"));
  // Bytes >= 0x80 hash as unsigned values on every platform (char may be signed).
  CHECK(ecsim::fnv1a64("\xff") == ((ecsim::kFnv1a64OffsetBasis ^ 0xffULL) * ecsim::kFnv1a64Prime));
}
