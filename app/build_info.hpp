#pragma once
// Which build produced a result: `ecsim --version`, the run summary
// (summary.csv row `build`, the human summary) and scenario.resolved.yaml.
// The commit is read at build time (cmake/WriteBuildInfo.cmake).
#include <string>

namespace ecsim {

struct BuildInfo {
  const char* version;     // the project version (CMakeLists.txt)
  const char* commit;      // git short hash, "-dirty" when tracked files differed; or "unknown (...)"
  const char* compiler;    // e.g. "GNU 12.2.0"
  const char* build_type;  // e.g. "Release"
};

const BuildInfo& build_info();

// One line without commas (it is a summary.csv value):
// "ecsim 0.1.0 (commit 7b9f0ec1a2b3; GNU 12.2.0; Release)".
std::string build_line();

// `PROGRAM --version`: "PROGRAM 0.1.0" on the first line, then one
// "field: value" line each for commit, compiler and build type.
std::string version_text(const std::string& program);

}  // namespace ecsim
