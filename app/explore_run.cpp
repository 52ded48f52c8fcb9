// See explore_run.hpp.
#include "app/explore_run.hpp"

#include <ostream>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ostream.h>

#include "app/analyze.hpp"
#include "app/modules.hpp"
#include "app/runner.hpp"
#include "sim/scenario_loader.hpp"

namespace ecsim::explore_detail {

LoadOptions text_options(const ExplorePlan& plan, const std::string& yaml) {
  LoadOptions lo;
  lo.text = yaml;
  lo.sections = &plan.modules->sections();
  return lo;
}

Verdict evaluate(const ExplorePlan& plan, const std::string& yaml, const std::string& out_dir, std::string* summary,
                 StateHashProbe* probe) {
  Scenario s = load_scenario(plan.base_file, text_options(plan, yaml));
  s.checks.expect = plan.properties;  // positions in the explore file
  s.source_file = plan.file;
  RunSettings settings;
  settings.quiet = summary == nullptr;
  settings.modules = plan.modules;
  settings.write_outputs = !out_dir.empty();
  settings.hash_all_traces = true;  // the replay check compares every event
  settings.state_hashes = probe;
  if (settings.write_outputs) {
    s.output.dir = out_dir;
    for (const char* t : {"events", "applied"})  // left out by default above 1000 nodes; a counterexample needs them
      if (!s.output.has(t)) s.output.traces.emplace_back(t);
  }
  std::ostringstream sink;
  const RunOutcome o = run_scenario(s, settings, sink);
  if (summary) *summary = sink.str();
  Verdict v;
  v.trace_hash = o.trace_hash;
  v.messages_sent = o.metrics.at("messages.sent");
  v.sim_end_s = o.metrics.at("sim.end_s");
  for (std::size_t k = 0; k < o.expectations.size(); ++k)
    if (!o.expectations[k].passed) {
      v.broken.push_back(k);
      v.unknown.push_back(o.expectations[k].unknown ? 1 : 0);
      v.details.push_back(o.expectations[k].detail);
    }
  return v;
}

namespace {

// "  lost write  k0 = 1368661429@n1" for each lost write of the run traced in `dir`.
std::vector<std::string> lost_write_lines(const std::string& dir) {
  std::vector<std::string> out;
  const TraceInputs in = run_dir_inputs(dir);
  if (in.ops.empty() || in.applied.empty()) return out;
  try {
    for (const auto& [key, version] : analyze_traces(in).lost_writes)
      out.push_back(fmt::format("  lost write  {} = {}", key, version));
  } catch (const ScenarioError&) {
    // a store without ordered versions (CRDT): the count stands alone
  }
  return out;
}

}  // namespace

std::vector<std::string> witness_lines(const std::string& summary, const std::string& traces_dir) {
  std::vector<std::string> out;
  std::istringstream in(summary);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("  ", 0) != 0) continue;  // the title, PASS/FAIL lines, expect: totals
    std::string what;
    std::istringstream(line) >> what;
    if (what == "outputs" || what == "reproduce" || what == "build" || what == "events") continue;  // events: wall-time rate
    out.push_back(line.substr(2));
    if (what == "lost" && !traces_dir.empty())
      for (std::string& l : lost_write_lines(traces_dir)) out.push_back(std::move(l));
  }
  return out;
}

void print_minimal(std::ostream& out, const std::string& min_file, const std::string& reproduce,
                   const std::vector<std::string>& extra, const std::string& traces,
                   const std::vector<std::string>& witness) {
  fmt::print(out, "        minimal scenario: {}\n        reproduce: {}\n", min_file, reproduce);
  for (const std::string& line : extra) fmt::print(out, "        {}\n", line);
  fmt::print(out, "        traces: {}   (ecsim plot {})\n", traces, traces);
  for (const std::string& line : witness) fmt::print(out, "        | {}\n", line);
}

YAML::Node base_tree(const ExplorePlan& plan) {
  YAML::Node root = YAML::Load(plan.base_text);
  root.remove("output");
  YAML::Node expect(YAML::NodeType::Sequence);
  for (const Expectation& e : plan.properties) expect.push_back(e.text);
  root["checks"]["expect"] = expect;
  return root;
}

}  // namespace ecsim::explore_detail
