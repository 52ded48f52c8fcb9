// The tool as CI systems and packagers see it: --version and the build it
// names in every run's outputs; JUnit XML and the JSON summary.
#include <sys/wait.h>

#include <boost/property_tree/ptree.hpp>
#include <boost/property_tree/xml_parser.hpp>
#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <vector>

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

namespace {

namespace pt = boost::property_tree;

pt::ptree read_xml_file(const fs::path& path) {
  pt::ptree tree;
  pt::read_xml(path.string(), tree);
  return tree;
}

struct Case {
  std::string name, failure_message, failure_text;
  bool failed = false;
};

// The test cases of the one suite in a JUnit report, in order.
std::vector<Case> junit_cases(const pt::ptree& report) {
  std::vector<Case> cases;
  for (const auto& [tag, node] : report.get_child("testsuites.testsuite")) {
    if (tag != "testcase") continue;
    Case c{node.get<std::string>("<xmlattr>.name"), {}, {}, false};
    if (const auto f = node.get_child_optional("failure")) {
      c.failed = true;
      c.failure_message = f->get<std::string>("<xmlattr>.message");
      c.failure_text = f->data();
    }
    cases.push_back(c);
  }
  return cases;
}

const std::string kDemoExpect[] = {"convergence.reached == 1", "convergence.time_s < 10", "messages.delivered > 0"};

}  // namespace

TEST_CASE("ecsim run --junit: one test case per expect: assertion, failures with value and reproduce command",
          "[ecosystem][junit]") {
  const fs::path dir = ecsim::test::fresh_dir("ecosystem", "junit-run");
  const std::string demo = kSource + "/scenarios/demo.yaml";
  SECTION("a passing run") {
    const Result r = run_ecsim(fmt::format("run {} --quiet --out {} --junit {}", demo, (dir / "out").string(),
                                           (dir / "pass.xml").string()));
    REQUIRE(r.status == 0);
    const pt::ptree report = read_xml_file(dir / "pass.xml");
    CHECK(report.get<int>("testsuites.testsuite.<xmlattr>.tests") == 3);
    CHECK(report.get<int>("testsuites.testsuite.<xmlattr>.failures") == 0);
    CHECK(report.get<std::string>("testsuites.testsuite.<xmlattr>.name") == "demo");
    const std::vector<Case> cases = junit_cases(report);
    REQUIRE(cases.size() == 3);
    for (std::size_t i = 0; i < 3; ++i) {
      CHECK(cases[i].name == kDemoExpect[i]);
      CHECK_FALSE(cases[i].failed);
    }
  }
  SECTION("a failing run") {
    // messages.dropped counts drops: never negative, so '< 0' fails; the demo's partition drops some, so '>= 1' passes.
    const Result r = run_ecsim(fmt::format(
        "run {} --quiet --out {} --junit {} --set 'checks.expect=[\"messages.dropped < 0\", \"messages.dropped >= 1\"]' 2>/dev/null",
        demo, (dir / "out").string(), (dir / "fail.xml").string()));
    REQUIRE(r.status == 1);
    const pt::ptree report = read_xml_file(dir / "fail.xml");
    CHECK(report.get<int>("testsuites.testsuite.<xmlattr>.tests") == 2);
    CHECK(report.get<int>("testsuites.testsuite.<xmlattr>.failures") == 1);
    const std::vector<Case> cases = junit_cases(report);
    REQUIRE(cases.size() == 2);
    CHECK(cases[0].name == "messages.dropped < 0");
    REQUIRE(cases[0].failed);
    CHECK(std::regex_match(cases[0].failure_message, std::regex(R"(messages\.dropped = [1-9][0-9]*, expected < 0)")));
    CHECK(cases[0].failure_text.find("reproduce: ecsim run " + demo + " --seed 42 --set ") != std::string::npos);
    CHECK(cases[1].name == "messages.dropped >= 1");
    CHECK_FALSE(cases[1].failed);
  }
}

TEST_CASE("ecsim run --quiet: a failed assertion is named on stderr", "[ecosystem]") {
  const fs::path dir = ecsim::test::fresh_dir("ecosystem", "quiet-fail");
  const Result r = run_ecsim(fmt::format("run {}/scenarios/demo.yaml --quiet --out {} --set 'checks.expect=[\"messages.dropped < 0\"]' 2>{}",
                                         kSource, (dir / "out").string(), (dir / "stderr").string()));
  CHECK(r.status == 1);
  CHECK(r.out.empty());
  const std::string err = slurp(dir / "stderr");
  CHECK(err.find("FAIL  messages.dropped < 0") != std::string::npos);
  CHECK(err.find("reproduce: ecsim run ") != std::string::npos);
}

TEST_CASE("ecsim sweep --junit: one test case per sweep assertion, failing points listed", "[ecosystem][junit]") {
  const fs::path dir = ecsim::test::fresh_dir("ecosystem", "junit-sweep");
  std::ofstream(dir / "sweep.yaml") << fmt::format(
      "base: {}/scenarios/demo.yaml\ngrid:\n  network.loss: [0, 0.1]\nseeds: 2\nmetrics: [messages.dropped]\n"
      "expect:\n  - \"messages.dropped.min >= 0\"\n  - \"messages.dropped.max < 0\"\n",
      kSource);
  const Result r = run_ecsim(fmt::format("sweep {} --jobs 2 --quiet --out {} --junit {}", (dir / "sweep.yaml").string(),
                                         (dir / "out").string(), (dir / "sweep.xml").string()));
  REQUIRE(r.status == 1);
  const pt::ptree report = read_xml_file(dir / "sweep.xml");
  CHECK(report.get<int>("testsuites.testsuite.<xmlattr>.tests") == 2);
  CHECK(report.get<int>("testsuites.testsuite.<xmlattr>.failures") == 1);
  const std::vector<Case> cases = junit_cases(report);
  REQUIRE(cases.size() == 2);
  CHECK(cases[0].name == "messages.dropped.min >= 0");
  CHECK_FALSE(cases[0].failed);
  CHECK(cases[1].name == "messages.dropped.max < 0");
  REQUIRE(cases[1].failed);
  CHECK(cases[1].failure_message.rfind("at 2 of 2 points: network.loss=0: ", 0) == 0);
  CHECK(cases[1].failure_text.find("reproduce: ecsim sweep ") != std::string::npos);

  // A passing sweep: exit 0, the one case without a failure.
  std::ofstream(dir / "pass.yaml") << fmt::format(
      "base: {}/scenarios/demo.yaml\ngrid:\n  network.loss: [0, 0.1]\nseeds: 2\nmetrics: [messages.dropped]\n"
      "expect:\n  - \"messages.dropped.min >= 0\"\n",
      kSource);
  REQUIRE(run_ecsim(fmt::format("sweep {} --jobs 2 --quiet --out {} --junit {}", (dir / "pass.yaml").string(),
                                (dir / "pass-out").string(), (dir / "pass.xml").string()))
              .status == 0);
  const pt::ptree passing = read_xml_file(dir / "pass.xml");
  CHECK(passing.get<int>("testsuites.testsuite.<xmlattr>.tests") == 1);
  CHECK(passing.get<int>("testsuites.testsuite.<xmlattr>.failures") == 0);
  const std::vector<Case> pass_cases = junit_cases(passing);
  REQUIRE(pass_cases.size() == 1);
  CHECK(pass_cases[0].name == "messages.dropped.min >= 0");
  CHECK_FALSE(pass_cases[0].failed);
}

TEST_CASE("ecsim run --format json: the summary as one JSON document, equal to summary.csv", "[ecosystem][json]") {
  const fs::path dir = ecsim::test::fresh_dir("ecosystem", "json");
  const Result r = run_ecsim(fmt::format("run {}/scenarios/demo.yaml --format json --out {}", kSource, (dir / "out").string()));
  REQUIRE(r.status == 0);
  const nlohmann::json doc = nlohmann::json::parse(r.out);
  std::ifstream csv(dir / "out" / "summary.csv");
  std::string line;
  std::getline(csv, line);
  REQUIRE(line == "metric,value");
  std::size_t metric_rows = 0;
  while (std::getline(csv, line)) {
    const std::string name = line.substr(0, line.find(',')), value = line.substr(line.find(',') + 1);
    if (name == "trace_hash" || name == "build" || name == "convergence.reason") {
      CHECK(doc.at(name).get<std::string>() == value);
    } else if (name == "seed") {
      CHECK(doc.at("seed").get<std::uint64_t>() == std::stoull(value));
    } else {
      ++metric_rows;
      INFO(name);
      const nlohmann::json& m = doc.at("metrics").at(name);
      if (value.empty()) CHECK(m.is_null());  // does not apply: empty in CSV, null in JSON
      else CHECK(m.get<double>() == std::stod(value));
    }
  }
  CHECK(doc.at("metrics").size() == metric_rows);
  CHECK(doc.at("exit_status") == 0);
  REQUIRE(doc.at("expect").size() == 3);
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(doc.at("expect")[i].at("assertion") == kDemoExpect[i]);
    CHECK(doc.at("expect")[i].at("passed") == true);
  }
  CHECK(doc.at("reproduce").get<std::string>().rfind("ecsim run ", 0) == 0);
}

TEST_CASE("ecsim export: bad --to is a usage error with a did-you-mean", "[ecosystem][export]") {
  const fs::path dir = ecsim::test::fresh_dir("ecosystem", "export-usage");
  const Result r = run_ecsim(fmt::format("export {} --to chrom 2>{}", dir.string(), (dir / "stderr").string()));
  CHECK(r.status == 2);
  CHECK(slurp(dir / "stderr").find("did you mean 'chrome'") != std::string::npos);
}

TEST_CASE("new-user friction: --seed -1 is refused, and ecsim-check without a replica column names no replica",
          "[ecosystem]") {
  const fs::path dir = ecsim::test::fresh_dir("ecosystem", "friction");
  const Result seed = run_ecsim(fmt::format("run {}/scenarios/demo.yaml --seed -1 --out {} 2>{}", kSource,
                                            (dir / "out").string(), (dir / "seed.err").string()));
  CHECK(seed.status == 2);
  CHECK(slurp(dir / "seed.err").find("--seed expects an integer from 0 to 18446744073709551615, got '-1'") != std::string::npos);
  CHECK_FALSE(fs::exists(dir / "out"));
  // A read that returned nothing after the session's own write: one RYW violation, served by no recorded replica.
  std::ofstream(dir / "ops.csv") << "client,session,op,key,invoke_ns,complete_ns,ok,version\n"
                                    "c0,0,write,k0,0,10,true,5@n0\nc0,0,read,k0,20,30,true,\n";
  const Result check = shell(fmt::format("{} {}", ECSIM_CHECK_BINARY, (dir / "ops.csv").string()));
  CHECK(check.status == 0);
  CHECK(check.out.find("ryw c0/0 read k0 invoked 0.000000 s returned nothing, but the session had written 5@n0") !=
        std::string::npos);
  CHECK(check.out.find("at cache") == std::string::npos);
}

TEST_CASE("sweep --traces: trace folders are named by their parameters and seed", "[ecosystem][sweep]") {
  const fs::path dir = ecsim::test::fresh_dir("ecosystem", "trace-names");
  std::ofstream(dir / "sweep.yaml") << fmt::format(
      "base: {}/scenarios/demo.yaml\ngrid:\n  network.loss: [0, 0.1]\n"
      "  topology.latency: [{{dist: constant, value: 5ms}}]\nseeds: [3]\nmetrics: [messages.sent]\n",
      kSource);
  const Result r = run_ecsim(fmt::format("sweep {} --jobs 2 --quiet --traces --out {}", (dir / "sweep.yaml").string(),
                                         (dir / "out").string()));
  REQUIRE(r.status == 0);
  for (const char* name : {"network.loss=0_topology.latency=dist-constant-value-5ms_seed=3",
                           "network.loss=0.1_topology.latency=dist-constant-value-5ms_seed=3"}) {
    INFO(name);
    CHECK(fs::exists(dir / "out" / "traces" / name / "summary.csv"));
  }
  CHECK(slurp(dir / "out" / "plan.csv").find(",3,network.loss=0.1_topology.latency=dist-constant-value-5ms_seed=3\n") !=
        std::string::npos);
}

TEST_CASE("the progress line of a run with stop: converged shows no percentage of duration", "[ecosystem][progress]") {
  if (shell("command -v script >/dev/null").status != 0) return;  // util-linux's script gives the run a terminal
  const fs::path dir = ecsim::test::fresh_dir("ecosystem", "progress");
  // 1,000,000 nodes: several seconds of wall time (300,000 took just over a second, when the progress line
  // starts, until the kernel got faster), converging after about 9 s of 120 simulated.
  const Result r = shell(fmt::format(
      "script -qec \"{} run {}/scenarios/gossip-convergence.yaml --set topology.nodes=1000000 --set 'output.traces=[summary]' "
      "--out {}\" /dev/null | tr '\\r' '\\n' | grep '^\\[ecsim\\]' | head -n 1",
      ECSIM_BINARY, kSource, (dir / "out").string()));
  REQUIRE(r.out.find("[ecsim] gossip-convergence  sim ") == 0);
  CHECK(r.out.find(" s (until converged, at most 120.00 s)") != std::string::npos);
  CHECK(r.out.find('%') == std::string::npos);
}

TEST_CASE("lean default traces: events and applied only up to 1000 nodes unless listed", "[ecosystem]") {
  const std::string demo = kSource + "/scenarios/gossip-convergence.yaml";
  auto traces_line = [&](const std::string& sets) {
    const Result r = run_ecsim(fmt::format("validate {} --print {}", demo, sets));
    REQUIRE(r.status == 0);
    const auto at = r.out.find("  traces: ");
    REQUIRE(at != std::string::npos);
    return r.out.substr(at, r.out.find('\n', at) - at);
  };
  CHECK(traces_line("--set topology.nodes=1000") ==
        "  traces: [events, ops, applied, convergence, staleness, violations, summary]");
  CHECK(traces_line("--set topology.nodes=1001") == "  traces: [ops, convergence, staleness, violations, summary]");
  CHECK(traces_line("--set topology.nodes=1001 --set 'output.traces=[events, summary]'") == "  traces: [events, summary]");
}

TEST_CASE("sweep plot over a map-valued parameter: legend entries fit (at most 40 characters)", "[ecosystem][plot]") {
  const fs::path dir = ecsim::test::fresh_dir("ecosystem", "map-plot");
  std::ofstream(dir / "sweep.yaml") << fmt::format(
      "base: {}/scenarios/demo.yaml\ngrid:\n  network.loss: [0, 0.1]\n"
      "  topology.latency: [{{dist: constant, value: 5ms}}, {{dist: lognormal, median: 2ms, sigma: 0.3}}]\n"
      "seeds: 1\nmetrics: [messages.sent]\n",
      kSource);
  REQUIRE(run_ecsim(fmt::format("sweep {} --quiet --out {}", (dir / "sweep.yaml").string(), (dir / "out").string())).status == 0);
  REQUIRE(run_ecsim(fmt::format("plot {} --format svg", (dir / "out").string())).status == 0);
  const std::string script = slurp(dir / "out" / "plots" / "messages.sent.gp");
  std::vector<std::string> legends;
  const std::regex title(R"(title '([^']*)')");
  for (auto it = std::sregex_iterator(script.begin(), script.end(), title); it != std::sregex_iterator(); ++it) {
    std::string text = (*it)[1];
    text.erase(std::remove(text.begin(), text.end(), '\\'), text.end());  // gnuplot escapes
    if (text.rfind("messages.sent:", 0) != 0) legends.push_back(text);
  }
  // The paths go first; the lognormal map is still too long and keeps its two ends.
  CHECK(legends == std::vector<std::string>{"latency={dist: constant, value: 5ms}", "latency={dist: log...n: 2ms, sigma: 0.3}"});
}

TEST_CASE("analyze --compare: sweeps with different parameter sets compare on the common ones", "[ecosystem][compare]") {
  const fs::path dir = ecsim::test::fresh_dir("ecosystem", "compare-params");
  const std::string base = fmt::format("base: {}/scenarios/demo.yaml\nseeds: 2\nmetrics: [messages.sent]\n", kSource);
  std::ofstream(dir / "old.yaml") << base << "grid:\n  network.loss: [0, 0.1]\n";
  // demo.yaml's gossip fanout is 2: the new sweep runs exactly the old runs, with one more (constant) column.
  std::ofstream(dir / "new.yaml") << base << "grid:\n  protocols.gossip.fanout: [2]\n  network.loss: [0, 0.1]\n";
  std::ofstream(dir / "wide.yaml") << base << "grid:\n  protocols.gossip.fanout: [2, 3]\n  network.loss: [0, 0.1]\n";
  for (const char* s : {"old", "new", "wide"})
    REQUIRE(run_ecsim(fmt::format("sweep {} --quiet --out {}", (dir / (std::string(s) + ".yaml")).string(), (dir / s).string())).status == 0);
  const Result same = run_ecsim(fmt::format("analyze --compare {} {}", (dir / "old").string(), (dir / "new").string()));
  CHECK(same.status == 0);
  CHECK(same.out.find(": 0 of 2 (point, metric) pairs changed") != std::string::npos);
  CHECK(same.out.find("(compared on the common parameters; protocols.gossip.fanout only in the new sweep, at 2)") != std::string::npos);
  const Result wide = run_ecsim(fmt::format("analyze --compare {} {} 2>{}", (dir / "old").string(), (dir / "wide").string(),
                                            (dir / "stderr").string()));
  CHECK(wide.status == 2);
  CHECK(slurp(dir / "stderr").find("'protocols.gossip.fanout' varies in the new sweep only (2 values)") != std::string::npos);
}
