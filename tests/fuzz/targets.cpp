#include "tests/fuzz/targets.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <fstream>

#include "analysis/expect.hpp"
#include "analysis/history.hpp"
#include "analysis/session_checker.hpp"
#include "analysis/trace_analysis.hpp"
#include "app/modules.hpp"
#include "app/runner.hpp"

namespace ecsim::fuzz {
namespace {

void write_file(const std::filesystem::path& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  if (!out) throw std::runtime_error("fuzz: cannot write " + path.string());
}

// "FILE:LINE:COL: error: ..." — what every rejected input must get.
// (Not std::regex: libstdc++'s recurses per character and overflows on long messages.)
bool digits_then_colon(std::string_view& s) {
  std::size_t n = 0;
  while (n < s.size() && s[n] >= '0' && s[n] <= '9') ++n;
  if (n == 0 || n >= s.size() || s[n] != ':') return false;
  s.remove_prefix(n + 1);
  return true;
}

void require_located(const std::string& message, const std::filesystem::path& file, const char* what) {
  std::string_view rest = message;
  const std::string prefix = file.string() + ":";
  bool ok = rest.substr(0, prefix.size()) == prefix;
  if (ok) rest.remove_prefix(prefix.size());
  ok = ok && digits_then_colon(rest) && digits_then_colon(rest) && rest.substr(0, 8) == " error: " && rest.size() > 8;
  if (!ok) throw FuzzFinding(fmt::format("{} without file:line:col: {}", what, message.substr(0, 2000)));
}

Scenario load(const std::filesystem::path& file) {
  const std::string path = file.string();
  LoadOptions options;
  const ModuleRegistry& modules = scenario_modules(path, options);
  options.sections = &modules.sections();
  Scenario s = load_scenario(path, options);
  check_runnable(s, modules);
  return s;
}

// Every assertion must parse and evaluate (the loader parses them up front): a syntax
// error that only shows after a run would be a loader bug.
void parse_expectations(const Scenario& s) {
  for (const Expectation& e : s.checks.expect) {
    try {
      // Evaluated too (every metric = 1): evaluation recurses over the parse tree.
      const Expression parsed = Expression::parse(e.text);
      MetricMap ones;
      for (const std::string& name : parsed.metrics()) ones[name] = 1.0;
      (void)parsed.evaluate(ones);
    } catch (const ExpectSyntaxError& err) {
      throw FuzzFinding(fmt::format("the loader accepted an expect: it cannot parse: '{}': {}", e.text, err.what()));
    }
  }
}

// The resolved configuration is what a run records as having run: it must
// be a valid scenario that resolves to itself.
void check_round_trip(const Scenario& s, const std::filesystem::path& dir) {
  const std::string printed = resolved_config_yaml(s);
  const std::filesystem::path again = dir / "resolved.yaml";
  write_file(again, printed);
  Scenario reloaded;
  try {
    reloaded = load(again);
  } catch (const ScenarioError& e) {
    throw FuzzFinding(fmt::format("the resolved configuration does not load: {}\n{}", e.what(), printed));
  }
  if (resolved_config_yaml(reloaded) != printed)
    throw FuzzFinding("the resolved configuration does not resolve to itself:\n" + printed);
}

}  // namespace

Verdict scenario_target(std::string_view text, const std::filesystem::path& dir) {
  const std::filesystem::path file = dir / "fuzz.yaml";
  write_file(file, text);
  Scenario s;
  try {
    s = load(file);
  } catch (const ScenarioError& e) {
    require_located(e.what(), file, "a rejected scenario");
    return Verdict::rejected;
  } catch (const std::exception& e) {
    throw FuzzFinding(fmt::format("the loader threw {} instead of a located error: {}", typeid(e).name(), e.what()));
  }
  parse_expectations(s);
  check_round_trip(s, dir);
  return Verdict::accepted;
}

namespace {

// ops.csv, applied.csv, events.csv: the parts of a history input ("" = absent).
std::array<std::string_view, 3> split_history(std::string_view text) {
  static constexpr std::string_view kApplied = "--- applied.csv\n", kEvents = "--- events.csv\n";
  std::array<std::string_view, 3> parts = {text, {}, {}};
  const std::size_t events = text.find(kEvents);
  if (events != std::string_view::npos) {
    parts[2] = text.substr(events + kEvents.size());
    text = text.substr(0, events);
  }
  const std::size_t applied = text.find(kApplied);
  if (applied != std::string_view::npos) {
    parts[1] = text.substr(applied + kApplied.size());
    text = text.substr(0, applied);
  }
  parts[0] = text;
  return parts;
}

}  // namespace

Verdict history_target(std::string_view text, const std::filesystem::path& dir) {
  const auto parts = split_history(text);
  const std::array<std::filesystem::path, 3> files = {dir / "ops.csv", dir / "applied.csv", dir / "events.csv"};
  std::array<std::string, 3> paths;  // "" = absent
  for (std::size_t i = 0; i < 3; ++i) {
    std::filesystem::remove(files[i]);
    if (i > 0 && parts[i].empty()) continue;
    write_file(files[i], parts[i]);
    paths[i] = files[i].string();
  }
  try {
    const History h = read_history_csv(paths[0], paths[1]);
    SessionCheckOptions options;  // as ecsim-check: MW and WFR only with an applied order
    if (paths[1].empty()) options.check = {true, true, false, false};
    (void)check_sessions(h, options);
    (void)analyze_traces(TraceInputs{paths[0], paths[1], paths[2], {}});
  } catch (const InputError& e) {
    require_located(e.what(), e.file(), "a rejected history");
    if (std::find(paths.begin(), paths.end(), e.file()) == paths.end())
      throw FuzzFinding(fmt::format("a history error names no input file: {}", e.what()));
    return Verdict::rejected;
  } catch (const ScenarioError& e) {  // the trace reader of `ecsim analyze` reports like the loader
    require_located(e.what(), e.file(), "a rejected trace");
    return Verdict::rejected;
  } catch (const std::exception& e) {
    throw FuzzFinding(fmt::format("the history readers threw {} instead of a located error: {}", typeid(e).name(), e.what()));
  }
  return Verdict::accepted;
}

}  // namespace ecsim::fuzz
