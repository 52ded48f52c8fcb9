#pragma once
// Structure-aware text mutations for the fuzz driver: inputs are YAML and
// CSV written by people, so lines, scalars and separators are the units a
// mutation works on (deleted/duplicated/swapped lines, extreme numbers,
// NaN/inf, wrong types, odd units, unicode, deep nesting, garbage bytes).
#include <string>

#include "sim/rng.hpp"

namespace ecsim::fuzz {

// 1..4 random mutations of `input`, drawn from `rng` (same rng state, same result).
std::string mutate(const std::string& input, Rng& rng);

}  // namespace ecsim::fuzz
