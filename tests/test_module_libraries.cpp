// `modules:` (docs/OUT_OF_TREE_MODULES.md): the loader keeps the list, the
// app's pre-pass reports bad entries at their position, and scenarios
// without the key keep the in-tree registry. Loading real libraries is
// tests/scripts/test-out-of-tree.sh (they are built against the installed package).
#include <catch2/catch.hpp>

#include "test_util.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "app/modules.hpp"
#include "sim/scenario_loader.hpp"

using namespace ecsim;

namespace {

using ecsim::test::TempDir;

constexpr const char* kBase = "name: m\nseed: 1\ntopology: {nodes: 2}\n";

}  // namespace

TEST_CASE("the kernel loader keeps modules: as absolute paths relative to the file", "[modules]") {
  TempDir dir;
  const std::string file = dir.write("s.yaml", std::string(kBase) + "modules: [lib/a.so, /opt/b.so]\n");
  const Scenario s = load_scenario(file);  // no sections: the kernel loader alone
  REQUIRE(s.modules.size() == 2);
  CHECK(s.modules[0] == (dir.path / "lib/a.so").string());
  CHECK(s.modules[1] == "/opt/b.so");
  CHECK_THAT(resolved_config_yaml(s, {}), Catch::Contains("modules:\n  - " + (dir.path / "lib/a.so").string()));
}

TEST_CASE("modules: must be a list of paths", "[modules]") {
  TempDir dir;
  auto error = [&](const std::string& text) -> std::string {
    try {
      load_scenario_with_modules(dir.write("s.yaml", std::string(kBase) + text));
    } catch (const ScenarioError& e) {
      return e.what();
    }
    return "loaded";
  };
  CHECK_THAT(error("modules: lib.so\n"), Catch::Contains("s.yaml:4:10: error: modules: expected a list, got 'lib.so'"));
  CHECK_THAT(error("modules: [{a: 1}]\n"),
             Catch::Contains("s.yaml:4:11: error: modules[0]: expected the path of a module's shared library, got a map"));
  CHECK_THAT(error("modules: ['']\n"), Catch::Contains("s.yaml:4:11: error: modules[0]: expected the path"));
  CHECK_THAT(error("modules:\n  - nowhere/lib.so\n"),
             Catch::Contains("s.yaml:5:5: error: modules[0]: module library 'nowhere/lib.so' not found (looked for " +
                             (dir.path / "nowhere/lib.so").string() + ")"));
  const std::string text = dir.write("text.so", "not a library");
  CHECK_THAT(error("modules: [text.so]\n"), Catch::Contains("s.yaml:4:11: error: modules[0]: cannot load 'text.so': "));
}

TEST_CASE("modules: cannot come from --set", "[modules]") {
  TempDir dir;
  LoadOptions o;
  o.overrides = {"seed=2", "modules=[x.so]"};
  CHECK_THROWS_WITH(load_scenario_with_modules(dir.write("s.yaml", kBase), o),
                    Catch::Contains("--set:2:1: error: modules cannot be set with --set"));
}

TEST_CASE("without modules: a scenario runs with the in-tree registry", "[modules]") {
  TempDir dir;
  const std::string file = dir.write("s.yaml", kBase);
  CHECK(&scenario_modules(file) == &builtin_modules());
  CHECK(&modules_of(load_scenario_with_modules(file)) == &builtin_modules());
  CHECK(&scenario_modules((dir.path / "missing.yaml").string()) == &builtin_modules());  // the loader reports it
}
