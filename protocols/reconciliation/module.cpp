// Registration and run wiring of the reconciliation module (one line in app/modules.cpp):
// its protocol, its workload, its checker (subscribed to the protocol's
// events), its metrics, traces and summary lines.
#include "protocols/reconciliation/module.hpp"

#include <cmath>
#include <fmt/format.h>
#include <fmt/ostream.h>
#include <limits>
#include <ostream>

#include "analysis/csv_writer.hpp"
#include "analysis/stats.hpp"
#include "protocols/reconciliation/checker.hpp"
#include "protocols/reconciliation/reconciliation.hpp"
#include "sim/simulator.hpp"

namespace ecsim {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double pct(std::vector<double> v, double p) { return v.empty() ? kNaN : percentile(v, p); }

class Run final : public ModuleRun {
 public:
  Run(Simulator& sim, const Scenario& scenario)
      : scenario_(scenario), protocol_(std::make_unique<ReconciliationProtocol>(scenario)),
        checker_(std::make_unique<ReconcileChecker>(*scenario.section<ReconcileSpec>())) {
    const std::uint16_t id = sim.add_protocol(protocol_.get());
    protocol_->events().subscribe([c = checker_.get()](const ReconcileEvent& e) { c->on_reconcile(e); });
    workload_ = std::make_unique<ReconcileDriver>(sim, scenario, *protocol_, id);
  }

  bool idle() const override { return checker_->wrong_now() == 0; }
  // The protocol and driver are hashed by the kernel; the checker here.
  bool hash_state(StateHasher& h) const override {
    checker_->hash_state(h);
    return true;
  }

  void add_metrics(MetricMap& m, SimTime end_ns) const override {
    auto d = [](auto v) { return static_cast<double>(v); };
    const ReconcileTotals t = checker_->totals(end_ns);
    m["reconciliation.updates"] = d(t.updates);
    m["reconciliation.runs"] = d(t.runs);
    m["reconciliation.values_compared"] = d(t.values_compared);
    m["reconciliation.repairs"] = d(t.repairs);
    m["reconciliation.bytes"] = d(t.bytes);
    m["reconciliation.wrong_mean"] = t.wrong_mean;
    m["reconciliation.wrong_max"] = d(t.wrong_max);
    m["reconciliation.wrong_final"] = d(t.wrong_final);
    m["reconciliation.wrong_copy_s"] = t.wrong_copy_s;
    m["reconciliation.episodes"] = d(t.episodes_s.size());
    m["reconciliation.episode_p50_s"] = pct(t.episodes_s, 50);
    m["reconciliation.episode_p99_s"] = pct(t.episodes_s, 99);
    m["reconciliation.episode_max_s"] = t.episodes_s.empty() ? kNaN : max_value(t.episodes_s);
  }

  std::uint64_t write_traces(const TracePath& path, std::uint64_t hash) const override {
    const auto& names = scenario_.topology.node_names;
    const std::string file = path("repairs");
    CsvWriter out = CsvWriter::to_file_or_hash(file);
    out.header({"time_ns", "run", "replica", "value", "found", "expected", "version"});
    for (const RepairRow& r : checker_->repairs())
      out.row(r.time_ns, r.run, names[r.replica], fmt::format("v{}", r.value), r.found, r.expected, r.version);
    out.close();
    hash = fnv1a64(format_hash_hex(out.hash()), hash);
    return hash;
  }

  void print(std::ostream& out, const MetricMap& m) const override {
    auto v = [&m](const char* k) { return m.at(k); };
    fmt::print(out, "  reconcile     {} runs, {} values compared, {} repairs, {} bytes\n", v("reconciliation.runs"),
               v("reconciliation.values_compared"), v("reconciliation.repairs"), v("reconciliation.bytes"));
    fmt::print(out, "  drift         wrong copies: mean {:.3g}, max {}, at the end {}; episodes p50 {:.3g} s, p99 {:.3g} s, max {:.3g} s\n",
               v("reconciliation.wrong_mean"), v("reconciliation.wrong_max"), v("reconciliation.wrong_final"),
               v("reconciliation.episode_p50_s"), v("reconciliation.episode_p99_s"), v("reconciliation.episode_max_s"));
  }

 private:
  const Scenario& scenario_;
  std::unique_ptr<ReconciliationProtocol> protocol_;
  std::unique_ptr<ReconcileChecker> checker_;
  std::unique_ptr<ReconcileDriver> workload_;
};

}  // namespace

ModuleDef reconciliation_module() {
  ModuleDef def;
  def.name = "reconciliation";
  def.sections = {reconciliation_section()};
  def.metrics = {
    "reconciliation.updates",        "reconciliation.runs",          "reconciliation.values_compared",
    "reconciliation.repairs",        "reconciliation.bytes",         "reconciliation.wrong_mean",
    "reconciliation.wrong_max",      "reconciliation.wrong_final",   "reconciliation.wrong_copy_s",
    "reconciliation.episodes",       "reconciliation.episode_p50_s", "reconciliation.episode_p99_s",
    "reconciliation.episode_max_s",
};
  def.start = [](ModuleWorld& w) { return std::make_unique<Run>(w.sim, w.scenario); };
  return def;
}

}  // namespace ecsim
