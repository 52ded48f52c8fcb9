#pragma once
// The project's two non-cryptographic hashes, header-only so that code which
// does not link the kernel (ecsim-check, analysis/) can use them too.
// Trace hashes, state digests and random streams are built from these: their
// results must never change (summary.csv's trace_hash would change with them).
#include <cstdint>
#include <string_view>

namespace ecsim {

// The SplitMix64 finalizer (Steele, Lea & Flood; Vigna's constants): a
// bijective 64-bit mixer. splitmix64(state) == mix64(state + 0x9e3779b97f4a7c15).
constexpr std::uint64_t mix64(std::uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

inline constexpr std::uint64_t kFnv1a64OffsetBasis = 0xcbf29ce484222325ULL;
inline constexpr std::uint64_t kFnv1a64Prime = 0x100000001b3ULL;

// 64-bit FNV-1a of `bytes`, continuing from `hash` (so hashes can be chained
// over several pieces: fnv1a64(b, fnv1a64(a)) == fnv1a64(a + b)). A stable
// name and byte hash: std::hash differs between standard libraries.
constexpr std::uint64_t fnv1a64(std::string_view bytes, std::uint64_t hash = kFnv1a64OffsetBasis) {
  for (const char c : bytes) {
    hash ^= static_cast<unsigned char>(c);
    hash *= kFnv1a64Prime;
  }
  return hash;
}

}  // namespace ecsim
