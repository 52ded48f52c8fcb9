#pragma once
// "did you mean" suggestions for unknown keys, metrics and names.
#include <string>
#include <string_view>
#include <vector>

namespace ecsim {

std::size_t edit_distance(std::string_view a, std::string_view b);

// The closest candidate within a sensible distance, or "" if none is close.
std::string closest_match(std::string_view word, const std::vector<std::string>& candidates);

// " (did you mean 'x'?)" or "" — ready to append to an error message.
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace ecsim
