// See input_files.hpp.
#include "app/input_files.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "sim/yaml_node.hpp"

namespace ecsim {

namespace fs = std::filesystem;

std::string read_input_file(const std::string& file, std::string_view what) {
  std::error_code ec;
  if (!fs::is_regular_file(file, ec))
    throw ScenarioError(file, 0, 0, fmt::format("{} not found (looked in {})", what,
                                                fs::absolute(file, ec).lexically_normal().string()));
  std::ifstream in(file, std::ios::binary);
  if (!in) throw ScenarioError(file, 0, 0, fmt::format("cannot open {}", what));
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string resolve_base_file(const detail::YamlReader& r, const detail::YamlValue& v, const std::string& owner) {
  const fs::path base_path(r.scalar(v, "the path of a scenario file"));
  const std::string file = (base_path.is_absolute() ? base_path : fs::path(owner).parent_path() / base_path).string();
  if (!fs::is_regular_file(file))
    r.fail(v, fmt::format("base: scenario file not found (looked in {})", fs::absolute(file).lexically_normal().string()));
  return file;
}

std::string bare_message(const ScenarioError& e) {
  std::string m = e.what();
  if (const auto at = m.find("error: "); at != std::string::npos) m = m.substr(at + 7);
  if (const auto in = m.rfind(" (in --set "); in != std::string::npos) m = m.substr(0, in);
  return m;
}

}  // namespace ecsim
