#include "sim/yaml_path.hpp"

#include <charconv>
#include <stdexcept>
#include <system_error>

namespace ecsim {
namespace {

bool parse_index(const std::string& seg, std::size_t& index) {
  const auto [end, ec] = std::from_chars(seg.data(), seg.data() + seg.size(), index);
  return ec == std::errc{} && end == seg.data() + seg.size();
}

std::string prefix(const std::vector<std::string>& segs, std::size_t n) {
  std::string p;
  for (std::size_t i = 0; i < n; ++i) p += (i ? "." : "") + segs[i];
  return p;
}

// Finds a map's child by key. Iterates rather than using operator[], which on
// a non-const node would insert a placeholder.
bool find_child(const YAML::Node& map, const std::string& key, YAML::Node& out) {
  for (auto it = map.begin(); it != map.end(); ++it) {
    if (it->first.IsScalar() && it->first.Scalar() == key) {
      out.reset(it->second);
      return true;
    }
  }
  return false;
}

}  // namespace

std::vector<std::string> split_yaml_path(const std::string& dotted) {
  std::vector<std::string> segs;
  std::size_t start = 0;
  while (true) {
    const auto dot = dotted.find('.', start);
    segs.push_back(dotted.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (segs.back().empty()) throw std::invalid_argument("empty segment in path '" + dotted + "'");
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return segs;
}

void set_yaml_path(YAML::Node root, const std::string& dotted, const YAML::Node& value) {
  const auto segs = split_yaml_path(dotted);
  YAML::Node cur;
  cur.reset(root);  // reset, never '=': assigning a Node overwrites the node it refers to
  for (std::size_t i = 0; i < segs.size(); ++i) {
    const std::string& seg = segs[i];
    const bool last = i + 1 == segs.size();
    if (cur.IsSequence()) {
      std::size_t index = 0;
      if (!parse_index(seg, index) || index >= cur.size())
        throw std::invalid_argument("'" + prefix(segs, i) + "' is a list of " + std::to_string(cur.size()) +
                                    " items; '" + seg + "' is not an index into it");
      if (last) {
        cur[index] = value;
        return;
      }
      YAML::Node next = cur[index];
      cur.reset(next);
      continue;
    }
    if (!cur.IsMap() && !cur.IsNull())
      throw std::invalid_argument("cannot set '" + dotted + "': '" + prefix(segs, i) + "' is a single value, not a map");
    YAML::Node child;
    const bool exists = cur.IsMap() && find_child(cur, seg, child);
    if (last) {
      if (exists) cur.remove(seg);
      cur[seg] = value;
      return;
    }
    if (!exists || child.IsNull()) {
      if (exists) cur.remove(seg);
      cur[seg] = YAML::Node(YAML::NodeType::Map);
      find_child(cur, seg, child);
    }
    cur.reset(child);
  }
}

void set_yaml_path(YAML::Node root, const std::string& dotted, const std::string& yaml_value) {
  set_yaml_path(root, dotted, YAML::Load(yaml_value));
}

std::string yaml_text(const YAML::Node& root) {
  YAML::Emitter e;
  e << root;
  return std::string(e.c_str()) + "\n";
}

}  // namespace ecsim
