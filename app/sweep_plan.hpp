#pragma once
// `ecsim sweep`, the plan's points and runs: the values the sweep file gives
// its parameters (grid, zip, sample; read by app/sweep_file.cpp) become
// points, each the base scenario loaded with that point's overrides, and the
// points times the seeds become runs, named by their run keys.
#include <cstdint>
#include <string>
#include <vector>

#include "app/sample_rules.hpp"
#include "app/sweep.hpp"

namespace ecsim::sweep_detail {

// One value of one parameter: text shown in runs.csv, yaml given to the
// loader as path=yaml, pos where the value (or its sampling rule) is in the
// sweep file.
using AxisValue = SampledValue;

// One dimension of the product: a grid path, the zipped paths, or the samples.
struct Axis {
  std::vector<std::size_t> params;             // indices into the plan's params
  std::vector<std::vector<AxisValue>> steps;   // steps[i][j]: value of params[j] at step i
};

// A swept path and where the sweep file names it.
struct ParamInfo {
  std::string path;
  SourcePos pos;  // of its key in the sweep file
};

// Fills plan.points with the Cartesian product of `axes` (first axis
// outermost, last fastest): the base scenario (plan.base_file) with each
// point's values, loaded and checked. plan.seeds must be set (the run count
// is bounded). Throws ScenarioError, at the value in the sweep file (plan.file)
// when the loader rejects one.
void expand_points(SweepPlan& plan, const std::vector<ParamInfo>& params, const std::vector<Axis>& axes);

// Fills plan.runs (point-major, seeds inner) and plan.keys (distinct run keys, in plan order).
void add_runs(SweepPlan& plan);

// A run key as a record's file name and runs.csv show it: 16 hex digits.
std::string key_hex(std::uint64_t key);

// "path=value, path=value" of a point, or "(all runs)" when nothing is swept.
std::string point_label(const SweepPlan& plan, std::size_t point);

// The folder a run's traces go to with --traces (DIR/traces/<this>): its
// parameters and seed, "protocols.gossip.fanout=2_network.loss=0.1_seed=11",
// characters other than letters, digits and ".=+-" as '-'; the run key
// (key_hex) when nothing is swept or the name would be longer than 200.
std::string trace_dir_name(const SweepPlan& plan, const SweepRun& run);

// A run, for messages: its point and seed (its key when the plan lacks it).
std::string describe_run(const SweepPlan& plan, std::uint64_t key);

}  // namespace ecsim::sweep_detail
