#include "app/build_info.hpp"

namespace ecsim {

std::string build_line() {
  const BuildInfo& b = build_info();
  return std::string("ecsim ") + b.version + " (commit " + b.commit + "; " + b.compiler + "; " + b.build_type + ")";
}

std::string version_text(const std::string& program) {
  const BuildInfo& b = build_info();
  return program + " " + b.version + "\ncommit: " + b.commit + "\ncompiler: " + b.compiler + "\nbuild type: " + b.build_type +
         "\n";
}

}  // namespace ecsim
