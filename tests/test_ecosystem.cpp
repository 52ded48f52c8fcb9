// The tool as CI systems and packagers see it: --version and the build it
// names in every run's outputs; JUnit XML and the JSON summary.
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <cstdlib>
#include <filesystem>
#include <regex>
#include <string>

#include "test_util.hpp"

namespace fs = std::filesystem;
using ecsim::test::slurp;

namespace {

const std::string kSource = ECSIM_SOURCE_DIR;

struct Result {
  int status = -1;
  std::string out;  // stdout
};

// Runs `command` through the shell; stdout captured, stderr passed through.
Result shell(const std::string& command) {
  const fs::path dir = ecsim::test::fresh_dir("ecosystem", "shell");
  const fs::path log = dir / "stdout";
  const int status = std::system(fmt::format("{} >{}", command, log.string()).c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(log)};
}

Result run_ecsim(const std::string& args) { return shell(fmt::format("{} {}", ECSIM_BINARY, args)); }

// The version in the top-level CMakeLists.txt's project() line.
std::string project_version() {
  std::smatch m;
  const std::string text = slurp(kSource + "/CMakeLists.txt");
  REQUIRE(std::regex_search(text, m, std::regex(R"(project\(ecsim VERSION ([0-9.]+))")));
  return m[1];
}

// `git rev-parse --short=12 HEAD` of the source tree, "" when it is not a checkout.
std::string source_commit() {
  const Result r = shell(fmt::format("git -C {} rev-parse --short=12 HEAD 2>/dev/null", kSource));
  return r.status == 0 ? r.out.substr(0, r.out.find('\n')) : std::string();
}

}  // namespace

TEST_CASE("ecsim --version names the version, the commit, the compiler and the build type", "[ecosystem]") {
  for (const std::string& program : {std::string(ECSIM_BINARY), std::string(ECSIM_CHECK_BINARY)}) {
    const Result r = shell(fmt::format("{} --version", program));
    REQUIRE(r.status == 0);
    const std::string name = fs::path(program).filename().string();
    std::smatch m;
    const std::regex format(fmt::format("{} ([0-9.]+)\ncommit: ([^\n]+)\ncompiler: (GNU|Clang) [0-9.]+\nbuild type: ([A-Za-z]+)\n", name));
    REQUIRE(std::regex_match(r.out, m, format));
    CHECK(m[1] == project_version());
    const std::string commit = source_commit();
    if (commit.empty()) {
      CHECK(m[2] == "unknown (not built from a git checkout)");
    } else {
      // The build may be older than HEAD only if nobody rebuilt; the suite always builds first.
      CHECK(std::regex_match(std::string(m[2]), std::regex(fmt::format("{}(-dirty)?", commit))));
    }
  }
}

TEST_CASE("a run's summary.csv, human summary and resolved config name the build", "[ecosystem]") {
  const fs::path out = ecsim::test::fresh_dir("ecosystem", "build-line");
  const Result r = run_ecsim(fmt::format("run {}/scenarios/demo.yaml --no-progress --out {}", kSource, (out / "run").string()));
  REQUIRE(r.status == 0);
  const Result version = run_ecsim("--version");
  std::smatch v;
  REQUIRE(std::regex_search(version.out, v, std::regex("ecsim ([^\n]+)\ncommit: ([^\n]+)\ncompiler: ([^\n]+)\nbuild type: ([^\n]+)\n")));
  const std::string line = fmt::format("ecsim {} (commit {}; {}; {})", v[1].str(), v[2].str(), v[3].str(), v[4].str());
  CHECK(slurp(out / "run" / "summary.csv").find(fmt::format("\nbuild,{}\n", line)) != std::string::npos);
  CHECK(r.out.find(fmt::format("  build         {}\n", line)) != std::string::npos);
  CHECK(slurp(out / "run" / "scenario.resolved.yaml").rfind(fmt::format("# build: {}\n", line), 0) == 0);
}
