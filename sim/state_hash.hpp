#pragma once
// A digest of a simulation's state, for the state hashing of `ecsim explore
// --exhaustive` (docs/EXPLORE.md): two worlds with equal digests at an event
// boundary behave identically from there on. Every part that can hash its
// state implements `bool hash_state(StateHasher&) const` (Protocol,
// Component, ReplicaStore, ModuleRun); false means "cannot", which turns
// pruning off for the run rather than risk merging different worlds.
// Built on sim/hash.hpp's mixer; never on a hot path (only asked for by the
// exhaustive search).
#include <bit>
#include <cstdint>
#include <string_view>

#include "sim/hash.hpp"

namespace ecsim {

class StateHasher {
 public:
  // Order-dependent: the digest of a sequence of words.
  void add(std::uint64_t v) { h_ = mix64(h_ + 0x9e3779b97f4a7c15ULL) ^ v; }
  void add_signed(std::int64_t v) { add(static_cast<std::uint64_t>(v)); }
  void add_double(double v) { add(std::bit_cast<std::uint64_t>(v)); }
  void add_bool(bool v) { add(v ? 1 : 0); }
  void add_string(std::string_view s) {
    add(s.size());
    add(fnv1a64(s));
  }
  std::uint64_t value() const { return mix64(h_ ^ 0x5bd1e995d6e8feebULL); }

 private:
  std::uint64_t h_ = kFnv1a64OffsetBasis;
};

// Order-independent: the digest of a set (or of an unordered container's
// entries), each element digested on its own (a StateHasher's value()).
class UnorderedHash {
 public:
  void add(std::uint64_t element) {
    sum_ += mix64(element);
    ++count_;
  }
  void into(StateHasher& h) const {
    h.add(count_);
    h.add(sum_);
  }

 private:
  std::uint64_t sum_ = 0;
  std::uint64_t count_ = 0;
};

}  // namespace ecsim
