// Whole runs of the pattern scenarios through the runner: sagas.csv and
// repairs.csv are written into the output directory, agree with the
// summary metrics, and are byte-identical for the same seed.
#include <catch2/catch.hpp>

#include "test_util.hpp"

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

#include "app/modules.hpp"
#include "app/runner.hpp"
#include "sim/scenario_loader.hpp"

using namespace ecsim;
namespace fs = std::filesystem;

namespace {

const std::string kScenarios = std::string(ECSIM_SOURCE_DIR) + "/scenarios/";

fs::path fresh_dir(const std::string& name) {
  const fs::path p = fs::temp_directory_path() / ("ecsim-test-saga-runs-" + std::to_string(::getpid())) / name;
  fs::remove_all(p);
  fs::create_directories(p.parent_path());
  return p;
}

std::vector<std::vector<std::string>> read_csv(const fs::path& p) {
  std::ifstream in(p);
  std::vector<std::vector<std::string>> rows;
  for (std::string line; std::getline(in, line);) {
    std::vector<std::string> fields;
    std::stringstream ss(line);
    for (std::string f; std::getline(ss, f, ',');) fields.push_back(f);
    if (!line.empty() && line.back() == ',') fields.emplace_back();
    rows.push_back(fields);
  }
  return rows;
}

using ecsim::test::slurp;

RunOutcome run_file(const std::string& file, const fs::path& out, std::vector<std::string> overrides = {}) {
  LoadOptions lo;
  lo.output_dir = out.string();
  lo.overrides = std::move(overrides);
  const Scenario s = load_scenario_with_modules(file, lo);
  RunSettings settings;
  settings.quiet = true;
  std::ostringstream sink;
  return run_scenario(s, settings, sink);
}

}  // namespace

TEST_CASE("sagas.csv: one row per saga, consistent with the summary, deterministic", "[saga][runs]") {
  const std::string file = kScenarios + "saga-no-idempotency.yaml";
  const fs::path a = fresh_dir("a"), b = fresh_dir("b");
  const RunOutcome ra = run_file(file, a);
  const RunOutcome rb = run_file(file, b);
  CHECK(ra.exit_code == 0);
  CHECK(ra.trace_hash == rb.trace_hash);
  CHECK(slurp(a / "sagas.csv") == slurp(b / "sagas.csv"));
  CHECK_FALSE(fs::exists(a / "repairs.csv"));  // no reconciliation section

  const auto rows = read_csv(a / "sagas.csv");
  REQUIRE(rows.size() == 501);
  CHECK(rows[0] == std::vector<std::string>{"saga", "orchestrator", "outcome", "failed_step", "failure", "steps_done",
                                            "compensations", "retries", "duplicates_suppressed", "charges", "refunds",
                                            "start_ns", "end_ns", "atomic"});
  std::map<std::string, double> count;
  double double_charges = 0, double_refunds = 0, not_atomic = 0;
  for (std::size_t i = 1; i < rows.size(); ++i) {
    REQUIRE(rows[i].size() == 14);
    ++count[rows[i][2]];
    double_charges += std::stoi(rows[i][9]) > 1;
    double_refunds += std::stoi(rows[i][10]) > 1;
    not_atomic += rows[i][13] == "false";
  }
  const MetricMap& m = ra.metrics;
  CHECK(count["committed"] == m.at("sagas.committed"));
  CHECK(count["compensated"] == m.at("sagas.compensated"));
  CHECK(double_charges == m.at("payments.double_charges"));  // one charge step: per saga = per step
  CHECK(double_refunds == m.at("payments.double_refunds"));
  CHECK(not_atomic == m.at("sagas.not_atomic"));
  CHECK(m.at("payments.double_refunds") > 0);

  // The summary lists the pattern metrics after the core ones.
  const std::string summary = slurp(a / "summary.csv");
  CHECK(summary.find("\nsagas.not_atomic,") != std::string::npos);
  CHECK(summary.find("\npayments.double_refunds,") != std::string::npos);
  CHECK(summary.find("\nreconciliation.") == std::string::npos);

  // Another seed, another run.
  const RunOutcome rc = run_file(file, fresh_dir("c"), {"seed=6"});
  CHECK(rc.trace_hash != ra.trace_hash);
}

TEST_CASE("repairs.csv logs every repair the job made", "[reconciliation][runs]") {
  const fs::path out = fresh_dir("recon");
  const RunOutcome r = run_file(kScenarios + "reconcile-job.yaml", out);
  CHECK(r.exit_code == 0);
  const auto rows = read_csv(out / "repairs.csv");
  REQUIRE(rows.size() > 1);
  CHECK(rows[0] == std::vector<std::string>{"time_ns", "run", "replica", "value", "found", "expected", "version"});
  CHECK(static_cast<double>(rows.size() - 1) == r.metrics.at("reconciliation.repairs"));
  for (std::size_t i = 1; i < rows.size(); ++i) CHECK(rows[i][4] != rows[i][5]);  // found differs from the truth
  CHECK(r.metrics.at("reconciliation.wrong_final") == 0);
  CHECK_FALSE(fs::exists(out / "sagas.csv"));
}

TEST_CASE("trace selection: sagas.csv only when asked for", "[saga][runs]") {
  const fs::path out = fresh_dir("sel");
  const RunOutcome r = run_file(kScenarios + "saga-durable-log.yaml", out, {"output.traces=[summary]"});
  CHECK(r.exit_code == 0);
  CHECK(fs::exists(out / "summary.csv"));
  CHECK_FALSE(fs::exists(out / "sagas.csv"));
  // Selecting outputs changes what is written, not what is simulated.
  const RunOutcome full = run_file(kScenarios + "saga-durable-log.yaml", fresh_dir("sel-full"));
  for (const char* m : {"sagas.committed", "sagas.compensated", "sagas.rejected", "sagas.recovered", "sagas.resends"})
    CHECK(full.metrics.at(m) == r.metrics.at(m));
}
