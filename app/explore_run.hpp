#pragma once
// `ecsim explore`, internal: running one generated scenario in-process and
// reading its verdict, shared by the randomized exploration (explore.cpp)
// and the bounded exhaustive search (exhaustive.cpp). Includes yaml-cpp.
#include <iosfwd>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "app/explore.hpp"
#include "app/runner.hpp"
#include "sim/scenario_loader.hpp"
#include "sim/yaml_path.hpp"  // yaml_text

namespace ecsim::explore_detail {

// Loading `yaml` as the text of the plan's base file, with its modules.
LoadOptions text_options(const ExplorePlan& plan, const std::string& yaml);

struct Verdict {
  std::vector<std::size_t> broken;   // indices into plan.properties
  std::vector<char> unknown;         // per broken property: unknown (a value not available), not false
  std::vector<std::string> details;  // per broken property: the values, as expect: reports them
  std::string trace_hash;            // over every trace, events included
  double messages_sent = 0;
  double sim_end_s = 0;  // the simulated time the run covered (sim.end_s)
};

// Loads a scenario's text (relative paths resolve as for the base file) and
// runs it with the plan's properties as its expect:. With `out_dir`, also
// writes every trace there (events included), and with `summary` keeps the
// run's human summary. Throws what loading or running throws.
// With `probe`, also records the run's state hashes (app/runner.hpp).
Verdict evaluate(const ExplorePlan& plan, const std::string& yaml, const std::string& out_dir = "",
                 std::string* summary = nullptr, StateHashProbe* probe = nullptr);

// The witness: a run summary's lines (lost writes, visibility, each session
// violation with the operations involved), without outputs, build and the
// wall-time event rate; with the run's traces in `traces_dir`, each lost
// write (key and version, as `ecsim analyze` finds them) after the count.
std::vector<std::string> witness_lines(const std::string& summary, const std::string& traces_dir);

// The report of a minimal scenario, the same for random and exhaustive search:
//         minimal scenario: DIR/min-K.yaml
//         reproduce: ecsim run DIR/min-K.yaml [--seed S]
//         <extra lines>
//         traces: DIR/min-K   (ecsim plot DIR/min-K)
//         | <witness lines>
void print_minimal(std::ostream& out, const std::string& min_file, const std::string& reproduce,
                   const std::vector<std::string>& extra, const std::string& traces,
                   const std::vector<std::string>& witness);

// The base scenario's tree with the plan's properties as its expect: and
// no output: section, ready for faults, choices or sampled values.
YAML::Node base_tree(const ExplorePlan& plan);

}  // namespace ecsim::explore_detail
