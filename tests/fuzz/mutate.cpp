#include "tests/fuzz/mutate.hpp"

#include <array>
#include <boost/algorithm/string/split.hpp>
#include <boost/algorithm/string/classification.hpp>
#include <string_view>
#include <vector>

#include "sim/strings.hpp"

namespace ecsim::fuzz {
namespace {

// Replacements for a scalar: extremes, special floats, other types, other
// units, signs, YAML tags and syntax that means something else.
constexpr std::array<std::string_view, 40> kScalars = {
    "0", "-1", "1", "2", "-0", "+5", "1e308", "-1e308", "1e-300", "4.9e-324", "nan", ".nan", "inf", "-.inf",
    "9223372036854775807", "-9223372036854775808", "18446744073709551616", "99999999999999999999999",
    "0s", "-0s", "+5ms", "1e400s", "0.000000000000001/s", "1e-300/s", "1e300/s", "10 ms", "10xs", "ms",
    "!!int 3", "!!str 5", "~", "null", "true", "[]", "{}", "[1, [2, [3]]]", "\"\"", "'\\x00'", "é✓𝄞", "&a *a"};

// A chain the parsers must refuse or handle without recursing per token.
std::string long_chain(Rng& rng) {
  static constexpr std::array<std::string_view, 4> kUnits = {"not ", "-", "(", "1 < "};
  const std::string_view unit = kUnits[rng.below(kUnits.size())];
  std::string s = "\"";
  const std::uint64_t n = 1 + rng.below(200000);
  for (std::uint64_t i = 0; i < n; ++i) s += unit;
  return s + "1\"";
}

std::string random_bytes(Rng& rng) {
  std::string s;
  const std::uint64_t n = 1 + rng.below(16);
  for (std::uint64_t i = 0; i < n; ++i) s += static_cast<char>(rng.below(256));
  return s;
}

// The span of one scalar-looking token on a line (after ": " or "- ", or a CSV field).
std::pair<std::size_t, std::size_t> pick_scalar(const std::string& line, Rng& rng) {
  std::vector<std::pair<std::size_t, std::size_t>> spans;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= line.size(); ++i) {
    const bool sep = i == line.size() || line[i] == ',' || line[i] == ' ' || line[i] == '{' || line[i] == '}' ||
                     line[i] == '[' || line[i] == ']';
    if (!sep) continue;
    if (i > start) spans.emplace_back(start, i - start);
    start = i + 1;
  }
  if (spans.empty()) return {line.size(), 0};
  return spans[rng.below(spans.size())];
}

void mutate_once(std::vector<std::string>& lines, Rng& rng) {
  if (lines.empty()) lines.emplace_back();
  const std::size_t at = static_cast<std::size_t>(rng.below(lines.size()));
  const std::size_t other = static_cast<std::size_t>(rng.below(lines.size()));
  switch (rng.below(9)) {
    case 0: lines.erase(lines.begin() + static_cast<std::ptrdiff_t>(at)); break;
    case 1: lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(at), lines[other]); break;
    case 2: std::swap(lines[at], lines[other]); break;
    case 3:
    case 4: {
      auto [pos, len] = pick_scalar(lines[at], rng);
      lines[at].replace(pos, len, kScalars[rng.below(kScalars.size())]);
      break;
    }
    case 5: {  // named locals: one draw per statement, in order
      const auto where = static_cast<std::size_t>(rng.below(lines[at].size() + 1));
      const std::string bytes = random_bytes(rng);
      lines[at].insert(where, bytes);
      break;
    }
    case 6: {
      auto [pos, len] = pick_scalar(lines[at], rng);
      lines[at].replace(pos, len, long_chain(rng));
      break;
    }
    case 7: {  // deep nesting or a very long line
      const std::uint64_t n = 1 + rng.below(5000);
      lines[at] += rng.bernoulli(0.5) ? std::string(n, '[') : std::string(n, 'x');
      break;
    }
    default: {  // change indentation: moves a key to another map
      if (rng.bernoulli(0.5)) lines[at].insert(0, "  ");
      else if (lines[at].rfind("  ", 0) == 0) lines[at].erase(0, 2);
      break;
    }
  }
}

}  // namespace

std::string mutate(const std::string& input, Rng& rng) {
  std::vector<std::string> lines;
  boost::algorithm::split(lines, input, boost::algorithm::is_any_of("\n"));
  const std::uint64_t count = 1 + rng.below(4);
  for (std::uint64_t i = 0; i < count; ++i) mutate_once(lines, rng);
  return join(lines, "\n");
}

}  // namespace ecsim::fuzz
