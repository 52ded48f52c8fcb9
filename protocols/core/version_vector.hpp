#pragma once
// Version vectors (Parker et al., 1983): for each actor, how many of its
// events a state has seen. Two vectors are equal, one dominates the other,
// or they are concurrent: neither newer nor older, and then both sides must
// be kept (merged or shown as siblings).
//
// naive_newer() is the comparison people write by accident: `theirs > mine`
// on an ordered container (lexicographic, as std::map's operator> is). It
// answers "newer" or "not newer" even for concurrent vectors, so a replica
// that replaces or keeps a state on its verdict silently drops one side's
// updates. It exists for the test that shows it
// (tests/test_crdt_version_vector.cpp); no protocol uses it.
#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace ecsim {

using ActorId = std::uint32_t;

enum class Causality { equal, before, after, concurrent };

class VersionVector {
 public:
  using Entry = std::pair<ActorId, std::uint64_t>;  // sorted by actor, counters > 0

  VersionVector() = default;
  VersionVector(std::initializer_list<Entry> entries) {
    for (const auto& [a, c] : entries) set(a, c);
  }

  std::uint64_t get(ActorId actor) const {
    auto it = lower(actor);
    return (it != entries_.end() && it->first == actor) ? it->second : 0;
  }
  void set(ActorId actor, std::uint64_t counter) {
    auto it = std::lower_bound(entries_.begin(), entries_.end(), actor, [](const Entry& e, ActorId a) { return e.first < a; });
    if (it != entries_.end() && it->first == actor) {
      if (counter == 0) entries_.erase(it);
      else it->second = counter;
    } else if (counter != 0) {
      entries_.insert(it, Entry{actor, counter});
    }
  }
  // The actor's next event: returns its new counter.
  std::uint64_t increment(ActorId actor) {
    const std::uint64_t next = get(actor) + 1;
    set(actor, next);
    return next;
  }
  // Has this vector seen event `seq` of `actor`? (Contexts are contiguous per actor.)
  bool contains(ActorId actor, std::uint64_t seq) const { return get(actor) >= seq; }

  // Pointwise maximum (the join). Returns true if this vector grew.
  bool merge(const VersionVector& other) {
    bool grew = false;
    std::vector<Entry> out;
    out.reserve(entries_.size() + other.entries_.size());
    std::size_t i = 0, j = 0;
    while (i < entries_.size() || j < other.entries_.size()) {
      if (j == other.entries_.size() || (i < entries_.size() && entries_[i].first < other.entries_[j].first)) {
        out.push_back(entries_[i++]);
      } else if (i == entries_.size() || other.entries_[j].first < entries_[i].first) {
        out.push_back(other.entries_[j++]);
        grew = true;
      } else {
        if (other.entries_[j].second > entries_[i].second) grew = true;
        out.emplace_back(entries_[i].first, std::max(entries_[i].second, other.entries_[j].second));
        ++i;
        ++j;
      }
    }
    entries_.swap(out);
    return grew;
  }

  // This vector relative to `other`: before = other has seen strictly more.
  Causality compare(const VersionVector& other) const {
    bool less = false, greater = false;
    std::size_t i = 0, j = 0;
    while (i < entries_.size() || j < other.entries_.size()) {
      if (j == other.entries_.size() || (i < entries_.size() && entries_[i].first < other.entries_[j].first)) {
        greater = true;
        ++i;
      } else if (i == entries_.size() || other.entries_[j].first < entries_[i].first) {
        less = true;
        ++j;
      } else {
        if (entries_[i].second < other.entries_[j].second) less = true;
        if (entries_[i].second > other.entries_[j].second) greater = true;
        ++i;
        ++j;
      }
      if (less && greater) return Causality::concurrent;
    }
    if (less) return Causality::before;
    if (greater) return Causality::after;
    return Causality::equal;
  }
  bool dominates(const VersionVector& other) const {
    const Causality c = compare(other);
    return c == Causality::equal || c == Causality::after;
  }

  std::uint64_t total() const {
    std::uint64_t t = 0;
    for (const auto& e : entries_) t += e.second;
    return t;
  }
  const std::vector<Entry>& entries() const { return entries_; }
  std::size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  void clear() { entries_.clear(); }
  friend bool operator==(const VersionVector&, const VersionVector&) = default;

 private:
  std::vector<Entry>::const_iterator lower(ActorId actor) const {
    return std::lower_bound(entries_.begin(), entries_.end(), actor, [](const Entry& e, ActorId a) { return e.first < a; });
  }
  std::vector<Entry> entries_;
};

// The accidental comparison: lexicographic `theirs > mine` over (actor, counter)
// pairs, as `std::map<actor, counter>::operator>` computes it. Wrong for
// concurrent vectors (it still says yes or no). Kept only to demonstrate that.
inline bool naive_newer(const VersionVector& theirs, const VersionVector& mine) {
  return std::lexicographical_compare(mine.entries().begin(), mine.entries().end(), theirs.entries().begin(),
                                      theirs.entries().end());
}

inline const char* causality_name(Causality c) {
  switch (c) {
    case Causality::equal: return "equal";
    case Causality::before: return "before";
    case Causality::after: return "after";
    case Causality::concurrent: return "concurrent";
  }
  return "?";
}

}  // namespace ecsim
