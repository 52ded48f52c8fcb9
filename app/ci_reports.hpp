#pragma once
// Reports for CI systems and scripts: JUnit XML (`ecsim run --junit`,
// `ecsim sweep --junit`; read by Jenkins, GitLab and GitHub test reporters)
// and the run summary as one JSON document (`ecsim run --format json`).
// One test case per expect: assertion; a failure carries the assertion, the
// measured values and the command that reproduces it.
#include <string>
#include <vector>

#include "analysis/expect.hpp"

namespace ecsim {

struct RunOutcome;
struct Scenario;

struct JunitCase {
  std::string name;       // the assertion as written
  std::string classname;  // "ecsim.run.<scenario>" or "ecsim.sweep.<sweep>"
  enum class Verdict { passed, failed, error } verdict = Verdict::passed;
  std::string message;    // failed/error: one line (measured values, expected)
  std::string details;    // failed/error: assertion, position, measured, reproduce (element text)
};

struct JunitSuite {
  std::string name;
  std::string file;      // the scenario or sweep file
  double time_s = 0;     // wall-clock seconds
  std::vector<std::pair<std::string, std::string>> properties;
  std::vector<JunitCase> cases;
};

// One test case per outcome. `where` is the file the assertions are in;
// `reproduce` the command that reproduces the result.
std::vector<JunitCase> junit_cases(const std::vector<ExpectOutcome>& outcomes, const std::string& classname,
                                   const std::string& where, const std::string& reproduce);

// <testsuites> with the one suite, valid against the Jenkins xUnit plugin's
// junit-10.xsd (tests/data/junit/).
std::string junit_xml(const JunitSuite& suite);

// junit_xml written atomically to `path` (the old file or the new one, never half of it).
void write_junit(const std::string& path, const JunitSuite& suite);

// The suite of one `ecsim run`: its expect: verdicts, with seed, trace_hash and build as properties.
JunitSuite run_junit_suite(const Scenario& scenario, const RunOutcome& outcome, const std::string& reproduce);

// The run summary as one JSON document: scenario, file, seed, build,
// output_dir, trace_hash, reproduce, exit_status, metrics (name -> number, or
// null where the metric does not apply), expect (assertion, passed, detail,
// line, column). Ends with a newline.
std::string run_summary_json(const Scenario& scenario, const RunOutcome& outcome, const std::string& reproduce);

}  // namespace ecsim
