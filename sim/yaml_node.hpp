#pragma once
// Internal to the scenario loader: typed, position-aware reads of a yaml-cpp
// tree. Every failure throws ScenarioError pointing at the offending node
// (1-based line and column), or at the --set argument that supplied it.
// Includes yaml-cpp: never include this from a widely used header.
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "sim/scenario.hpp"
#include "sim/time.hpp"

namespace ecsim::detail {

// A node together with its name in messages and the key it sits under.
struct YamlValue {
  YAML::Node node;
  YAML::Node key;        // valid only when has_key
  bool has_key = false;  // false for list items and the root
  std::string path;      // "protocols.gossip.fanout", "faults[2].at"; "" = root
};

class YamlReader {
 public:
  explicit YamlReader(std::string file) : file_(std::move(file)) {}
  const std::string& file() const { return file_; }

  // A node that came from `--set` argument number `ordinal` (1-based), starting
  // at character `column` (1-based) of it: errors about it name "--set".
  void note_override_node(const YAML::Node& node, int ordinal, int column, const std::string& text);

  [[noreturn]] void fail(const YAML::Node& at, const std::string& message) const;
  // At the value, or at its key when the value is empty (an empty value's
  // mark points at whatever token follows it).
  [[noreturn]] void fail(const YamlValue& v, const std::string& message) const;
  [[noreturn]] void fail_key(const YamlValue& v, const std::string& message) const;
  // 1-based position in the scenario file; {0, 0} for --set values.
  SourcePos position(const YAML::Node& node) const;

  // "'abc'", "a map", "a list", "nothing": for "got ..." in messages.
  static std::string describe(const YAML::Node& node);

  std::string scalar(const YamlValue& v, std::string_view expected) const;
  std::int64_t integer(const YamlValue& v, std::int64_t min, std::int64_t max) const;
  std::uint64_t unsigned64(const YamlValue& v) const;
  double number(const YamlValue& v) const;  // finite
  double probability(const YamlValue& v) const;
  bool boolean(const YamlValue& v) const;
  SimTime duration(const YamlValue& v, bool allow_negative = false) const;
  double rate_per_s(const YamlValue& v) const;
  double bandwidth_Bps(const YamlValue& v) const;  // "1Gbit/s" -> bytes per second
  // Index of the scalar's text in options, with a did-you-mean on failure.
  std::size_t choice(const YamlValue& v, const std::vector<std::string>& options) const;
  // Items of a list (empty value = empty list), named path[i].
  std::vector<YamlValue> list(const YamlValue& v) const;
  // A single scalar reads as a one-item list ("from: us-east").
  std::vector<YamlValue> scalar_or_list(const YamlValue& v) const;

 private:
  struct OverrideNode {
    YAML::Node node;
    int ordinal;
    int column;
    std::string text;
  };
  const OverrideNode* override_of(const YAML::Node& node) const;

  std::string file_;
  std::vector<OverrideNode> overrides_;
};

// The one YAML document of a scenario or sweep file (`kind`: "scenario
// file"). Refuses, at file:line:col, text that is not UTF-8, malformed YAML
// and a second document. Not YAML::LoadAll: yaml-cpp 0.7 loops forever,
// allocating, on some malformed inputs (found by tests/fuzz).
YAML::Node parse_one_document(const std::string& text, const std::string& file, std::string_view kind);

// closest_match (sim/did_you_mean.hpp), plus a single swap of adjacent
// letters ("raed" -> "read"), which plain edit distance counts as two edits.
std::string closest_name(std::string_view word, const std::vector<std::string>& candidates);
// " (did you mean 'x'?)" or "".
std::string suggest(std::string_view word, const std::vector<std::string>& candidates);

// The most nodes a topology can hold: node counts are `int` (TopologySpec::nodes,
// and the loops over nodes), node ids 32-bit unsigned. Also the bound of
// per-node counts (fanout, n, k). Memory, not this, is the practical bound:
// `ecsim run` estimates it before running (app/memory_estimate.hpp).
inline constexpr int kMaxNodes = std::numeric_limits<int>::max();
inline constexpr std::string_view kMaxNodesWhy = "node counts are 32-bit signed integers";

// Names of enum values, shared by a section's parser and its resolved-config writer.
template <class E>
struct Named {
  const char* name;
  E value;
};

template <class E, std::size_t N>
std::vector<std::string> names_of(const Named<E> (&table)[N]) {
  std::vector<std::string> names;
  for (const auto& n : table) names.emplace_back(n.name);
  return names;
}

template <class E, std::size_t N>
std::string name_of(const Named<E> (&table)[N], E value) {
  for (const auto& n : table)
    if (n.value == value) return n.name;
  return "?";
}

template <class E, std::size_t N>
E pick(const YamlReader& r, const YamlValue& v, const Named<E> (&table)[N]) {
  return table[r.choice(v, names_of(table))].value;
}

struct MapField {
  std::string name;
  YamlValue value;
};

// The entries of a map node; duplicate keys are rejected on construction.
class MapReader {
 public:
  // An empty value reads as an empty map; anything else but a map fails.
  MapReader(const YamlReader& reader, YamlValue self);

  // Every key must be one of `keys`; otherwise "unknown key ... (did you mean ...)".
  void allow(const std::vector<std::string>& keys) const;
  std::optional<YamlValue> get(std::string_view key) const;
  YamlValue require(std::string_view key) const;
  bool has(std::string_view key) const { return get(key).has_value(); }
  const std::vector<MapField>& fields() const { return fields_; }
  const YamlValue& self() const { return self_; }
  // "in protocols.gossip" / "at the top level", for messages.
  std::string where() const;

 private:
  const YamlReader& reader_;
  YamlValue self_;
  std::vector<MapField> fields_;
};

}  // namespace ecsim::detail
