#include "app/ci_reports.hpp"

#include <cmath>
#include <sstream>

#include <boost/property_tree/ptree.hpp>
#include <boost/property_tree/xml_parser.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "analysis/output_dir.hpp"
#include "app/build_info.hpp"
#include "app/runner.hpp"
#include "sim/scenario.hpp"

namespace ecsim {

namespace pt = boost::property_tree;

std::vector<JunitCase> junit_cases(const std::vector<ExpectOutcome>& outcomes, const std::string& classname,
                                   const std::string& where, const std::string& reproduce) {
  std::vector<JunitCase> cases;
  for (const ExpectOutcome& o : outcomes) {
    JunitCase c{o.text, classname, o.passed ? JunitCase::Verdict::passed : JunitCase::Verdict::failed, {}, {}};
    if (!o.passed) {
      c.message = o.detail;
      const std::string at = o.pos.line > 0 ? fmt::format("{}:{}:{}", where, o.pos.line, o.pos.column)
                                             : fmt::format("{} (given with --set: no line)", where);
      c.details = fmt::format("assertion: {}\nat: {}\nmeasured: {}\nreproduce: {}\n", o.text, at, o.detail, reproduce);
    }
    cases.push_back(std::move(c));
  }
  return cases;
}

namespace {

std::size_t count(const JunitSuite& suite, JunitCase::Verdict v) {
  std::size_t n = 0;
  for (const JunitCase& c : suite.cases) n += c.verdict == v;
  return n;
}

pt::ptree testcase_tree(const JunitCase& c) {
  pt::ptree tc;
  tc.put("<xmlattr>.name", c.name);
  tc.put("<xmlattr>.classname", c.classname);
  if (c.verdict == JunitCase::Verdict::passed) return tc;
  pt::ptree problem(c.details);
  problem.put("<xmlattr>.message", c.message);
  problem.put("<xmlattr>.type", c.verdict == JunitCase::Verdict::failed ? "expect" : "error");
  tc.add_child(c.verdict == JunitCase::Verdict::failed ? "failure" : "error", problem);
  return tc;
}

}  // namespace

std::string junit_xml(const JunitSuite& suite) {
  pt::ptree ts;
  ts.put("<xmlattr>.name", suite.name);
  ts.put("<xmlattr>.tests", suite.cases.size());
  ts.put("<xmlattr>.failures", count(suite, JunitCase::Verdict::failed));
  ts.put("<xmlattr>.errors", count(suite, JunitCase::Verdict::error));
  ts.put("<xmlattr>.skipped", 0);
  ts.put("<xmlattr>.time", fmt::format("{:.3f}", suite.time_s));
  ts.put("<xmlattr>.file", suite.file);
  if (!suite.properties.empty()) {
    pt::ptree& props = ts.add_child("properties", pt::ptree());
    for (const auto& [name, value] : suite.properties) {
      pt::ptree p;
      p.put("<xmlattr>.name", name);
      p.put("<xmlattr>.value", value);
      props.add_child("property", p);
    }
  }
  for (const JunitCase& c : suite.cases) ts.add_child("testcase", testcase_tree(c));
  pt::ptree root;
  pt::ptree& suites = root.add_child("testsuites", pt::ptree());
  suites.put("<xmlattr>.tests", suite.cases.size());
  suites.put("<xmlattr>.failures", count(suite, JunitCase::Verdict::failed));
  suites.put("<xmlattr>.errors", count(suite, JunitCase::Verdict::error));
  suites.add_child("testsuite", ts);
  std::ostringstream out;
  pt::write_xml(out, root, pt::xml_writer_make_settings<std::string>(' ', 2));
  return out.str();
}

void write_junit(const std::string& path, const JunitSuite& suite) { write_file_atomic(path, junit_xml(suite)); }

JunitSuite run_junit_suite(const Scenario& scenario, const RunOutcome& outcome, const std::string& reproduce) {
  JunitSuite suite;
  suite.name = scenario.name;
  suite.file = scenario.source_file;
  const auto wall = outcome.metrics.find("wall_s");
  suite.time_s = wall == outcome.metrics.end() ? 0.0 : wall->second;
  suite.properties = {{"seed", std::to_string(scenario.seed)},
                      {"trace_hash", outcome.trace_hash},
                      {"build", build_line()},
                      {"reproduce", reproduce}};
  suite.cases = junit_cases(outcome.expectations, "ecsim.run." + scenario.name, scenario.source_file, reproduce);
  return suite;
}

std::string run_summary_json(const Scenario& scenario, const RunOutcome& outcome, const std::string& reproduce) {
  nlohmann::ordered_json doc;
  doc["scenario"] = scenario.name;
  doc["file"] = scenario.source_file;
  doc["seed"] = scenario.seed;
  doc["build"] = build_line();
  doc["output_dir"] = outcome.output_dir;
  doc["trace_hash"] = outcome.trace_hash;
  doc["convergence.reason"] = outcome.convergence_reason;  // text, as in summary.csv: "" when converged
  doc["reproduce"] = reproduce;
  doc["exit_status"] = outcome.exit_code;
  nlohmann::ordered_json& metrics = doc["metrics"] = nlohmann::ordered_json::object();
  for (const auto& [name, value] : outcome.metrics)
    metrics[name] = std::isnan(value) ? nlohmann::ordered_json() : nlohmann::ordered_json(value);  // null: does not apply
  nlohmann::ordered_json& expect = doc["expect"] = nlohmann::ordered_json::array();
  for (const ExpectOutcome& o : outcome.expectations)
    expect.push_back({{"assertion", o.text}, {"passed", o.passed}, {"detail", o.detail}, {"line", o.pos.line},
                      {"column", o.pos.column}});
  return doc.dump(2) + "\n";
}

}  // namespace ecsim
