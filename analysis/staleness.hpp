#pragma once
// Read staleness from a History, after Bailis et al., 2012, "Probabilistically
// Bounded Staleness for Practical Partial Quorums" (PBS).
//
// For each successful read of key k invoked at time t, the committed versions
// are those of successful writes to k acknowledged at or before t. The read
// is `j` versions behind when j committed versions are newer than the one it
// returned (0: it returned the newest committed version, or something newer).
// - k-staleness: the fraction of reads fewer than k versions behind (PBS's
//   probability of reading one of the last k versions); k = 1 is "consistent".
// - t-visibility: reads grouped by the time between the newest committed
//   version's acknowledgement and the read's invocation, with the fraction
//   that returned it (or newer) in each group: PBS's P(consistent | t).
// One sort and a Fenwick tree per key: O(n log n).
#include <cstdint>
#include <vector>

#include "analysis/history.hpp"

namespace ecsim {

struct StalenessResult {
  std::uint64_t reads = 0;  // successful reads measured
  // behind[j] = reads exactly j versions behind; the last entry counts every
  // read at least behind.size() - 1 behind.
  std::vector<std::uint64_t> behind;
  // P(fewer than k versions behind); NaN when there are no reads.
  double k_fraction(std::size_t k) const;

  struct Bucket {
    double upper_s;  // reads with delay in (previous upper, upper]; +inf for the last
    std::uint64_t reads = 0;
    std::uint64_t consistent = 0;
  };
  std::vector<Bucket> t_visibility;  // only reads with at least one committed version

  // Adds the counts of `other`, measured on other keys with the same
  // max_behind (the streaming checker measures one key partition at a time).
  void add(const StalenessResult& other);
};

StalenessResult measure_staleness(const History& history, std::size_t max_behind = 16);

}  // namespace ecsim
