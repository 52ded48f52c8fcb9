// Registration and run wiring of the sagas module (one line in app/modules.cpp):
// its protocol, its workload, its checker (subscribed to the protocol's
// events), its metrics, traces and summary lines.
#include "protocols/sagas/module.hpp"

#include <cmath>
#include <fmt/format.h>
#include <fmt/ostream.h>
#include <limits>
#include <ostream>

#include "analysis/csv_writer.hpp"
#include "analysis/stats.hpp"
#include "protocols/sagas/checker.hpp"
#include "protocols/sagas/saga.hpp"
#include "sim/simulator.hpp"

namespace ecsim {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double pct(std::vector<double> v, double p) { return v.empty() ? kNaN : percentile(v, p); }

class Run final : public ModuleRun {
 public:
  Run(Simulator& sim, const Scenario& scenario)
      : scenario_(scenario), protocol_(std::make_unique<SagaProtocol>(scenario)),
        checker_(std::make_unique<SagaChecker>(*scenario.section<SagaSpec>())) {
    const std::uint16_t id = sim.add_protocol(protocol_.get());
    protocol_->events().subscribe([c = checker_.get()](const SagaEvent& e) { c->on_saga(e); });
    workload_ = std::make_unique<SagaWorkload>(sim, scenario, *protocol_, id);
  }

  bool idle() const override { return checker_->all_done(); }
  // The protocol and workload are hashed by the kernel; the checker here.
  bool hash_state(StateHasher& h) const override {
    checker_->hash_state(h);
    return true;
  }

  void add_metrics(MetricMap& m, SimTime end_ns) const override {
    auto d = [](auto v) { return static_cast<double>(v); };
    const SagaTotals t = checker_->totals();
    m["sagas.submitted"] = d(t.submitted);
    m["sagas.rejected"] = d(t.rejected);
    m["sagas.committed"] = d(t.committed);
    m["sagas.compensated"] = d(t.compensated);
    m["sagas.stuck"] = d(t.stuck);
    m["sagas.partial"] = d(t.partial);
    m["sagas.not_atomic"] = d(t.not_atomic);
    m["sagas.resends"] = d(t.resends);
    m["sagas.duplicates_suppressed"] = d(t.duplicates_suppressed);
    m["sagas.compensations"] = d(t.compensations);
    m["sagas.recovered"] = d(t.recovered);
    m["sagas.duration_p50_s"] = pct(t.durations_s, 50);
    m["sagas.duration_p99_s"] = pct(t.durations_s, 99);
    m["payments.double_charges"] = d(t.double_charges);
    m["payments.double_refunds"] = d(t.double_refunds);
    m["payments.refunds_without_charge"] = d(t.refunds_without_charge);
    const bool stock = scenario_.section<SagaSpec>()->reserve_step() >= 0;
    m["stock.oversold_units"] = stock ? d(t.oversold_units) : kNaN;
    m["stock.min_available"] = stock ? d(t.min_available) : kNaN;
    m["stock.sold_units"] = stock ? d(t.sold_units) : kNaN;
    m["stock.out_of_stock"] = stock ? d(t.out_of_stock) : kNaN;
  }

  std::uint64_t write_traces(const TracePath& path, std::uint64_t hash) const override {
    const auto& names = scenario_.topology.node_names;
    const std::string file = path("sagas");
    CsvWriter out = CsvWriter::to_file_or_hash(file);
    out.header({"saga", "orchestrator", "outcome", "failed_step", "failure", "steps_done", "compensations", "retries",
               "duplicates_suppressed", "charges", "refunds", "start_ns", "end_ns", "atomic"});
    for (const SagaRow& r : checker_->rows()) {
      out.field(r.saga).field(names[r.orchestrator]).field(r.outcome).field(r.failed_step).field(r.failure);
      out.field(r.steps_done).field(r.compensations).field(r.retries).field(r.duplicates_suppressed);
      out.field(r.charges).field(r.refunds);
      if (r.start_ns >= 0) out.field(r.start_ns); else out.empty_field();
      if (r.end_ns >= 0) out.field(r.end_ns); else out.empty_field();
      out.field(r.atomic);
      out.end_row();
    }
    out.close();
    hash = fnv1a64(format_hash_hex(out.hash()), hash);
    return hash;
  }

  void print(std::ostream& out, const MetricMap& m) const override {
    auto v = [&m](const char* k) { return m.at(k); };
    fmt::print(out, "  sagas         {} submitted ({} rejected): {} committed, {} compensated, {} stuck; {} not atomic\n",
               v("sagas.submitted"), v("sagas.rejected"), v("sagas.committed"), v("sagas.compensated"), v("sagas.stuck"),
               v("sagas.not_atomic"));
    fmt::print(out, "                {} re-sent requests, {} duplicates suppressed, {} compensations applied\n",
               v("sagas.resends"), v("sagas.duplicates_suppressed"), v("sagas.compensations"));
    fmt::print(out, "  payments      {} double charges, {} double refunds, {} refunds without a charge\n",
               v("payments.double_charges"), v("payments.double_refunds"), v("payments.refunds_without_charge"));
    if (!std::isnan(v("stock.oversold_units")))
      fmt::print(out, "  stock         {} oversold units, min available {}, {} units sold, {} out-of-stock declines\n",
                 v("stock.oversold_units"), v("stock.min_available"), v("stock.sold_units"), v("stock.out_of_stock"));
  }

 private:
  const Scenario& scenario_;
  std::unique_ptr<SagaProtocol> protocol_;
  std::unique_ptr<SagaChecker> checker_;
  std::unique_ptr<SagaWorkload> workload_;
};

}  // namespace

ModuleDef sagas_module() {
  ModuleDef def;
  def.name = "sagas";
  def.sections = {sagas_section()};
  def.metrics = {
    "sagas.submitted",          "sagas.rejected",           "sagas.committed",
    "sagas.compensated",        "sagas.stuck",              "sagas.partial",
    "sagas.not_atomic",         "sagas.resends",            "sagas.duplicates_suppressed",
    "sagas.compensations",      "sagas.recovered",          "sagas.duration_p50_s",
    "sagas.duration_p99_s",     "payments.double_charges",  "payments.double_refunds",
    "payments.refunds_without_charge", "stock.oversold_units", "stock.min_available",
    "stock.sold_units",         "stock.out_of_stock",
};
  def.start = [](ModuleWorld& w) { return std::make_unique<Run>(w.sim, w.scenario); };
  return def;
}

}  // namespace ecsim
