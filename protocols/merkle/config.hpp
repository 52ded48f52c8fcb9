#pragma once
// protocols.merkle: the section this module owns (loaded by config.cpp).
// Merkle-tree anti-entropy: every `interval` a node compares hash trees over
// key ranges with one random neighbour and ships only the keys of the ranges
// that differ.
#include <string_view>

#include "sim/section.hpp"
#include "sim/time.hpp"

namespace ecsim {

struct MerkleSpec : SectionValue {
  static constexpr std::string_view kPath = "protocols.merkle";
  SimTime interval_ns = 10 * kSecond;
  int leaves = 1024;  // key ranges (leaf buckets) per tree
  int fanout = 2;     // children per inner node
};

SectionDef merkle_section();

}  // namespace ecsim
