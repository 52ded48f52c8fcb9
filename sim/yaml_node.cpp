#include "sim/yaml_node.hpp"

#include <charconv>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <system_error>

#include <boost/locale/utf.hpp>
#include <fmt/format.h>

#include "sim/did_you_mean.hpp"
#include "sim/scenario_loader.hpp"
#include "sim/strings.hpp"
#include "sim/units.hpp"

namespace ecsim::detail {
namespace {

// YAML allows "+5"; from_chars does not.
std::string_view strip_plus(std::string_view s) {
  if (s.size() > 1 && s.front() == '+') s.remove_prefix(1);
  return s;
}

template <class T>
bool parse_whole(std::string_view s, T& out) {
  s = strip_plus(s);
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return !s.empty() && ec == std::errc{} && end == s.data() + s.size();
}

}  // namespace

std::string closest_name(std::string_view word, const std::vector<std::string>& candidates) {
  std::string best = closest_match(word, candidates);
  if (!best.empty()) return best;
  for (const auto& c : candidates) {
    if (c.size() != word.size()) continue;
    std::size_t first = 0;
    while (first < c.size() && c[first] == word[first]) ++first;
    if (first + 1 < c.size() && c[first] == word[first + 1] && c[first + 1] == word[first] &&
        c.compare(first + 2, std::string::npos, word.substr(first + 2)) == 0)
      return c;
  }
  return {};
}

std::string suggest(std::string_view word, const std::vector<std::string>& candidates) {
  const std::string best = closest_name(word, candidates);
  return best.empty() ? std::string{} : " (did you mean '" + best + "'?)";
}

void YamlReader::note_override_node(const YAML::Node& node, int ordinal, int column, const std::string& text) {
  overrides_.push_back({node, ordinal, column, text});
}

const YamlReader::OverrideNode* YamlReader::override_of(const YAML::Node& node) const {
  for (const auto& o : overrides_)
    if (o.node.is(node)) return &o;
  return nullptr;
}

void YamlReader::fail(const YAML::Node& at, const std::string& message) const {
  if (const auto* o = override_of(at))
    throw ScenarioError("--set", o->ordinal, o->column, message + " (in --set " + o->text + ")");
  const YAML::Mark mark = at.Mark();
  if (mark.is_null()) throw ScenarioError(file_, 0, 0, message);
  throw ScenarioError(file_, mark.line + 1, mark.column + 1, message);
}

void YamlReader::fail(const YamlValue& v, const std::string& message) const {
  if (v.node.IsNull() && v.has_key) fail(v.key, message);
  fail(v.node, message);
}

void YamlReader::fail_key(const YamlValue& v, const std::string& message) const {
  fail(v.has_key ? v.key : v.node, message);
}

SourcePos YamlReader::position(const YAML::Node& node) const {
  const YAML::Mark mark = node.Mark();
  if (override_of(node) || mark.is_null()) return {};
  return {mark.line + 1, mark.column + 1};
}

std::string YamlReader::describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Scalar: return "'" + node.Scalar() + "'";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Map: return "a map";
    default: return "nothing";
  }
}

std::string YamlReader::scalar(const YamlValue& v, std::string_view expected) const {
  if (!v.node.IsScalar()) fail(v, fmt::format("{}: expected {}, got {}", v.path, expected, describe(v.node)));
  return v.node.Scalar();
}

std::int64_t YamlReader::integer(const YamlValue& v, std::int64_t min, std::int64_t max) const {
  const std::string text = scalar(v, "an integer");
  std::int64_t x = 0;
  if (!parse_whole(text, x)) fail(v, fmt::format("{}: expected an integer, got '{}'", v.path, text));
  if (x < min || x > max) {
    if (max == std::numeric_limits<std::int64_t>::max())
      fail(v, fmt::format("{} must be at least {}, got {}", v.path, min, text));
    fail(v, fmt::format("{} must be between {} and {}, got {}", v.path, min, max, text));
  }
  return x;
}

std::uint64_t YamlReader::unsigned64(const YamlValue& v) const {
  const std::string text = scalar(v, "an unsigned 64-bit integer");
  std::uint64_t x = 0;
  if (!parse_whole(text, x))
    fail(v, fmt::format("{}: expected an unsigned 64-bit integer, got '{}'", v.path, text));
  return x;
}

double YamlReader::number(const YamlValue& v) const {
  const std::string text = scalar(v, "a number");
  double x = 0.0;
  if (!parse_whole(text, x) || !std::isfinite(x)) fail(v, fmt::format("{}: expected a number, got '{}'", v.path, text));
  return x;
}

double YamlReader::probability(const YamlValue& v) const {
  const std::string text = scalar(v, "a probability in [0, 1]");
  double x = 0.0;
  if (!parse_whole(text, x) || !std::isfinite(x))
    fail(v, fmt::format("{}: expected a probability in [0, 1], got '{}'", v.path, text));
  if (x < 0.0 || x > 1.0) fail(v, fmt::format("{} must be a probability in [0, 1], got {}", v.path, text));
  return x;
}

bool YamlReader::boolean(const YamlValue& v) const {
  const std::string text = scalar(v, "true or false");
  bool b = false;
  if (!YAML::convert<bool>::decode(v.node, b))
    fail(v, fmt::format("{}: expected true or false, got '{}'", v.path, text));
  return b;
}

SimTime YamlReader::duration(const YamlValue& v, bool allow_negative) const {
  const std::string text = scalar(v, "a duration like 10ms");
  try {
    const SimTime t = parse_duration(text, true);
    if (t < 0 && !allow_negative) fail(v, fmt::format("{} must not be negative, got {}", v.path, text));
    return t;
  } catch (const std::invalid_argument& e) {
    fail(v, fmt::format("{}: {}", v.path, e.what()));
  }
}

double YamlReader::rate_per_s(const YamlValue& v) const {
  const std::string text = scalar(v, "a rate like 200/s");
  try {
    return parse_rate_per_s(text);
  } catch (const std::invalid_argument& e) {
    fail(v, fmt::format("{}: {}", v.path, e.what()));
  }
}

double YamlReader::bandwidth_Bps(const YamlValue& v) const {
  const std::string text = scalar(v, "a bandwidth like 1Gbit/s");
  try {
    return parse_bandwidth_Bps(text);
  } catch (const std::invalid_argument& e) {
    fail(v, fmt::format("{}: {}", v.path, e.what()));
  }
}

std::size_t YamlReader::choice(const YamlValue& v, const std::vector<std::string>& options) const {
  const std::string expected = "one of: " + join(options);
  const std::string text = scalar(v, expected);
  for (std::size_t i = 0; i < options.size(); ++i)
    if (options[i] == text) return i;
  fail(v, fmt::format("{}: expected {}, got '{}'{}", v.path, expected, text, suggest(text, options)));
}

std::vector<YamlValue> YamlReader::list(const YamlValue& v) const {
  std::vector<YamlValue> items;
  if (v.node.IsNull()) return items;
  if (!v.node.IsSequence()) fail(v, fmt::format("{}: expected a list, got {}", v.path, describe(v.node)));
  std::size_t i = 0;
  for (const auto& item : v.node) items.push_back({item, YAML::Node(), false, fmt::format("{}[{}]", v.path, i++)});
  return items;
}

std::vector<YamlValue> YamlReader::scalar_or_list(const YamlValue& v) const {
  if (v.node.IsScalar()) return {v};
  return list(v);
}

MapReader::MapReader(const YamlReader& reader, YamlValue self) : reader_(reader), self_(std::move(self)) {
  if (self_.node.IsNull()) return;
  if (!self_.node.IsMap()) {
    if (self_.path.empty())
      reader_.fail(self_, "a scenario file is a map of keys (name:, seed:, topology:, ...), got " +
                              YamlReader::describe(self_.node));
    reader_.fail(self_, fmt::format("{}: expected a map (key: value), got {}", self_.path,
                                    YamlReader::describe(self_.node)));
  }
  for (auto it = self_.node.begin(); it != self_.node.end(); ++it) {
    const YAML::Node key = it->first;  // a copy: it-> yields a temporary
    if (!key.IsScalar()) reader_.fail(key, fmt::format("expected a plain key {}, got {}", where(), YamlReader::describe(key)));
    const std::string name = key.Scalar();
    for (const auto& f : fields_) {
      if (f.name != name) continue;
      const SourcePos first = reader_.position(f.value.key);
      reader_.fail(key, fmt::format("duplicate key '{}' {}{}", name, where(),
                                    first.line > 0 ? fmt::format(" (first given on line {})", first.line) : ""));
    }
    const std::string path = self_.path.empty() ? name : self_.path + "." + name;
    fields_.push_back({name, YamlValue{it->second, key, true, path}});
  }
}

std::string MapReader::where() const { return self_.path.empty() ? "at the top level" : "in " + self_.path; }

void MapReader::allow(const std::vector<std::string>& keys) const {
  for (const auto& f : fields_) {
    bool known = false;
    for (const auto& k : keys) known = known || k == f.name;
    if (known) continue;
    std::string hint = suggest(f.name, keys);
    if (hint.empty()) hint = keys.empty() ? " (no keys are allowed here)" : " (expected one of: " + join(keys) + ")";
    reader_.fail_key(f.value, fmt::format("unknown key '{}' {}{}", f.name, where(), hint));
  }
}

std::optional<YamlValue> MapReader::get(std::string_view key) const {
  for (const auto& f : fields_)
    if (f.name == key) return f.value;
  return std::nullopt;
}

YamlValue MapReader::require(std::string_view key) const {
  if (auto v = get(key)) return *v;
  reader_.fail(self_, fmt::format("missing required key '{}' {}", key, where()));
}

namespace {

// Line and column (1-based, columns in bytes) of byte `offset` in `text`.
std::pair<int, int> line_col(std::string_view text, std::size_t offset) {
  int line = 1;
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < offset; ++i)
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  return {line, static_cast<int>(offset - line_start) + 1};
}

// Throws at the first byte that does not start a valid UTF-8 sequence.
void require_utf8(const std::string& text, const std::string& file, std::string_view kind) {
  using utf8 = boost::locale::utf::utf_traits<char>;
  for (auto it = text.begin(); it != text.end();) {
    const auto start = it;
    const boost::locale::utf::code_point c = utf8::decode(it, text.end());
    if (c == boost::locale::utf::illegal || c == boost::locale::utf::incomplete) {
      const auto [line, col] = line_col(text, static_cast<std::size_t>(start - text.begin()));
      throw ScenarioError(file, line, col, fmt::format("a {} must be UTF-8 text; byte 0x{:02x} here is not", kind,
                                                       static_cast<unsigned char>(*start)));
    }
  }
}

// Where a second document starts, or npos: a "---" line after the first
// document's content, or content after a "..." (document end) line.
std::size_t second_document_start(std::string_view text) {
  auto is_marker = [](std::string_view line, std::string_view m) {
    return line.substr(0, 3) == m && (line.size() == 3 || line[3] == ' ' || line[3] == '\t' || line[3] == '\r');
  };
  bool content = false, ended = false;
  for (std::size_t at = 0; at < text.size();) {
    const std::size_t end = std::min(text.find('\n', at), text.size());
    const std::string_view line = text.substr(at, end - at);
    const std::string_view body = trim(line);
    const bool start_marker = is_marker(line, "---"), end_marker = is_marker(line, "...");
    const bool has_content = !start_marker && !end_marker && !body.empty() && body != "\r" && body.front() != '#' &&
                             body.front() != '%';
    if ((start_marker && content) || (has_content && ended)) return at;
    content = content || has_content;
    ended = ended || end_marker;
    at = end + 1;
  }
  return std::string_view::npos;
}

// Explicit tags ("!!int 3", "!custom x") would change what a value means in
// ways the loader does not follow; they are refused rather than ignored.
// Iterative: the nesting depth of a file is not bounded.
void reject_explicit_tags(const YAML::Node& root, const std::string& file) {
  std::vector<YAML::Node> todo = {root};
  while (!todo.empty()) {
    const YAML::Node n = todo.back();
    todo.pop_back();
    const std::string& tag = n.Tag();
    if (!tag.empty() && tag != "?" && tag != "!") {
      const YAML::Mark m = n.Mark();
      throw ScenarioError(file, m.is_null() ? 0 : m.line + 1, m.is_null() ? 0 : m.column + 1,
                          fmt::format("YAML tags are not supported (found '{}'): write the value without a tag", tag));
    }
    if (n.IsSequence()) {
      for (const YAML::Node& item : n) todo.push_back(item);
    } else if (n.IsMap()) {
      for (const auto& kv : n) {
        todo.push_back(kv.first);
        todo.push_back(kv.second);
      }
    }
  }
}

}  // namespace

YAML::Node parse_one_document(const std::string& text, const std::string& file, std::string_view kind) {
  require_utf8(text, file, kind);
  if (const std::size_t second = second_document_start(text); second != std::string_view::npos) {
    const auto [line, col] = line_col(text, second);
    throw ScenarioError(file, line, col, fmt::format("a {} holds one YAML document; this is a second one", kind));
  }
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    if (e.mark.is_null()) throw ScenarioError(file, 0, 0, "malformed YAML: " + e.msg);
    throw ScenarioError(file, e.mark.line + 1, e.mark.column + 1, "malformed YAML: " + e.msg);
  }
  reject_explicit_tags(root, file);
  return root;
}

}  // namespace ecsim::detail
