#pragma once
// Small string helpers shared by the kernel, analysis/ and the tools.
// Header-only, so that code which does not link the kernel (ecsim-check,
// the history library) can use them too.
#include <string>
#include <string_view>
#include <vector>

namespace ecsim {

// `s` without leading and trailing spaces and tabs.
constexpr std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// "a, b, c": the items with `separator` between them.
inline std::string join(const std::vector<std::string>& items, std::string_view separator = ", ") {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += separator;
    out += items[i];
  }
  return out;
}

// A comma-separated option value as a list: "n0, n1,,n2 " -> {"n0", "n1", "n2"}.
// Items are trimmed of spaces and tabs; empty items are dropped.
inline std::vector<std::string> split_list(std::string_view text) {
  std::vector<std::string> out;
  for (;;) {
    const std::size_t comma = text.find(',');
    const std::string_view item = trim(text.substr(0, comma));
    if (!item.empty()) out.emplace_back(item);
    if (comma == std::string_view::npos) return out;
    text.remove_prefix(comma + 1);
  }
}

}  // namespace ecsim
