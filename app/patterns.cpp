#include "app/patterns.hpp"

#include <cmath>
#include <fmt/format.h>
#include <fmt/ostream.h>
#include <limits>
#include <optional>
#include <ostream>

#include "analysis/csv_writer.hpp"
#include "analysis/event_log_checker.hpp"
#include "analysis/reconciliation_checker.hpp"
#include "analysis/saga_checker.hpp"
#include "analysis/stats.hpp"
#include "protocols/event_log/event_log.hpp"
#include "protocols/reconciliation/reconciliation.hpp"
#include "protocols/sagas/saga.hpp"
#include "sim/simulator.hpp"

namespace ecsim {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

const std::vector<std::string> kSagaMetrics = {
    "sagas.submitted",          "sagas.rejected",           "sagas.committed",
    "sagas.compensated",        "sagas.stuck",              "sagas.partial",
    "sagas.not_atomic",         "sagas.resends",            "sagas.duplicates_suppressed",
    "sagas.compensations",      "sagas.recovered",          "sagas.duration_p50_s",
    "sagas.duration_p99_s",     "payments.double_charges",  "payments.double_refunds",
    "payments.refunds_without_charge", "stock.oversold_units", "stock.min_available",
    "stock.sold_units",         "stock.out_of_stock",
};
const std::vector<std::string> kReconcileMetrics = {
    "reconciliation.updates",        "reconciliation.runs",          "reconciliation.values_compared",
    "reconciliation.repairs",        "reconciliation.bytes",         "reconciliation.wrong_mean",
    "reconciliation.wrong_max",      "reconciliation.wrong_final",   "reconciliation.wrong_copy_s",
    "reconciliation.episodes",       "reconciliation.episode_p50_s", "reconciliation.episode_p99_s",
    "reconciliation.episode_max_s",
};
const std::vector<std::string> kEventLogMetrics = {
    "event_log.events",     "event_log.replicas",          "event_log.replicas_equal", "event_log.mismatched",
    "event_log.missing_events", "event_log.converged_after_s", "event_log.rebuilds",   "event_log.replayed",
};

double pct(std::vector<double> v, double p) { return v.empty() ? kNaN : percentile(v, p); }

bool starts_with(const std::string& s, std::string_view prefix) { return s.rfind(prefix, 0) == 0; }

}  // namespace

struct PatternRun::Impl {
  const Scenario& scenario;
  std::unique_ptr<SagaProtocol> saga;
  std::unique_ptr<SagaWorkload> saga_workload;
  std::unique_ptr<SagaChecker> saga_checker;
  std::unique_ptr<ReconciliationProtocol> recon;
  std::unique_ptr<ReconcileDriver> recon_driver;
  std::unique_ptr<ReconcileChecker> recon_checker;
  std::unique_ptr<EventLogProtocol> log;
  std::unique_ptr<EventLogWorkload> log_workload;
  std::unique_ptr<EventLogChecker> log_checker;
  explicit Impl(const Scenario& s) : scenario(s) {}
};

PatternRun::PatternRun(Simulator& sim, const Scenario& scenario) : impl_(std::make_unique<Impl>(scenario)) {
  Impl& x = *impl_;
  if (scenario.sagas) {
    x.saga = std::make_unique<SagaProtocol>(scenario);
    const std::uint16_t id = sim.add_protocol(x.saga.get());
    x.saga_checker = std::make_unique<SagaChecker>(*scenario.sagas);
    sim.add_observer(x.saga_checker.get());
    x.saga_workload = std::make_unique<SagaWorkload>(sim, scenario, *x.saga, id);
  }
  if (scenario.reconciliation) {
    x.recon = std::make_unique<ReconciliationProtocol>(scenario);
    const std::uint16_t id = sim.add_protocol(x.recon.get());
    x.recon_checker = std::make_unique<ReconcileChecker>(*scenario.reconciliation);
    sim.add_observer(x.recon_checker.get());
    x.recon_driver = std::make_unique<ReconcileDriver>(sim, scenario, *x.recon, id);
  }
  if (scenario.event_log) {
    x.log = std::make_unique<EventLogProtocol>(scenario);
    const std::uint16_t id = sim.add_protocol(x.log.get());
    x.log_checker = std::make_unique<EventLogChecker>(*scenario.event_log);
    sim.add_observer(x.log_checker.get());
    x.log_workload = std::make_unique<EventLogWorkload>(sim, scenario, *x.log, id);
  }
}

PatternRun::~PatternRun() = default;

bool PatternRun::active() const { return impl_->saga || impl_->recon || impl_->log; }

bool PatternRun::idle() const {
  const Impl& x = *impl_;
  if (x.saga_checker && !x.saga_checker->all_done()) return false;
  if (x.recon_checker && x.recon_checker->wrong_now() > 0) return false;
  if (x.log_checker && !x.log_checker->logs_complete()) return false;
  return true;
}

std::vector<std::string> PatternRun::metric_names() const {
  std::vector<std::string> out;
  if (impl_->saga) out.insert(out.end(), kSagaMetrics.begin(), kSagaMetrics.end());
  if (impl_->recon) out.insert(out.end(), kReconcileMetrics.begin(), kReconcileMetrics.end());
  if (impl_->log) out.insert(out.end(), kEventLogMetrics.begin(), kEventLogMetrics.end());
  return out;
}

void PatternRun::add_metrics(MetricMap& m, SimTime end_ns) const {
  const Impl& x = *impl_;
  auto d = [](auto v) { return static_cast<double>(v); };
  if (x.saga_checker) {
    const SagaTotals t = x.saga_checker->totals();
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
    const bool stock = x.scenario.sagas->reserve_step() >= 0;
    m["stock.oversold_units"] = stock ? d(t.oversold_units) : kNaN;
    m["stock.min_available"] = stock ? d(t.min_available) : kNaN;
    m["stock.sold_units"] = stock ? d(t.sold_units) : kNaN;
    m["stock.out_of_stock"] = stock ? d(t.out_of_stock) : kNaN;
  }
  if (x.recon_checker) {
    const ReconcileTotals t = x.recon_checker->totals(end_ns);
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
  if (x.log_checker) {
    const EventLogTotals t = x.log_checker->totals();
    m["event_log.events"] = d(t.events);
    m["event_log.replicas"] = d(t.replicas);
    m["event_log.replicas_equal"] = t.replicas_equal ? 1 : 0;
    m["event_log.mismatched"] = d(t.mismatched);
    m["event_log.missing_events"] = d(t.missing_events);
    m["event_log.converged_after_s"] = t.converged_after_s;
    m["event_log.rebuilds"] = d(t.rebuilds);
    m["event_log.replayed"] = d(t.replayed);
  }
}

std::uint64_t PatternRun::write_traces(const std::string& sagas_path, const std::string& repairs_path,
                                       std::uint64_t hash) const {
  const Impl& x = *impl_;
  const auto& names = x.scenario.topology.node_names;
  if (x.saga_checker) {
    std::optional<CsvWriter> w;
    if (!sagas_path.empty()) w.emplace(sagas_path);
    else w.emplace(CsvWriter::hash_only());
    w->header({"saga", "orchestrator", "outcome", "failed_step", "failure", "steps_done", "compensations", "retries",
               "duplicates_suppressed", "charges", "refunds", "start_ns", "end_ns", "atomic"});
    for (const SagaRow& r : x.saga_checker->rows()) {
      w->field(r.saga).field(names[r.orchestrator]).field(r.outcome).field(r.failed_step).field(r.failure);
      w->field(r.steps_done).field(r.compensations).field(r.retries).field(r.duplicates_suppressed);
      w->field(r.charges).field(r.refunds);
      if (r.start_ns >= 0) w->field(r.start_ns); else w->empty_field();
      if (r.end_ns >= 0) w->field(r.end_ns); else w->empty_field();
      w->field(r.atomic);
      w->end_row();
    }
    w->close();
    hash = fnv1a64(format_hash_hex(w->hash()), hash);
  }
  if (x.recon_checker) {
    std::optional<CsvWriter> w;
    if (!repairs_path.empty()) w.emplace(repairs_path);
    else w.emplace(CsvWriter::hash_only());
    w->header({"time_ns", "run", "replica", "value", "found", "expected", "version"});
    for (const RepairRow& r : x.recon_checker->repairs())
      w->row(r.time_ns, r.run, names[r.replica], fmt::format("v{}", r.value), r.found, r.expected, r.version);
    w->close();
    hash = fnv1a64(format_hash_hex(w->hash()), hash);
  }
  return hash;
}

void PatternRun::print(std::ostream& out, const MetricMap& m) const {
  const Impl& x = *impl_;
  auto v = [&m](const char* k) { return m.at(k); };
  if (x.saga_checker) {
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
  if (x.recon_checker) {
    fmt::print(out, "  reconcile     {} runs, {} values compared, {} repairs, {} bytes\n", v("reconciliation.runs"),
               v("reconciliation.values_compared"), v("reconciliation.repairs"), v("reconciliation.bytes"));
    fmt::print(out, "  drift         wrong copies: mean {:.3g}, max {}, at the end {}; episodes p50 {:.3g} s, p99 {:.3g} s, max {:.3g} s\n",
               v("reconciliation.wrong_mean"), v("reconciliation.wrong_max"), v("reconciliation.wrong_final"),
               v("reconciliation.episode_p50_s"), v("reconciliation.episode_p99_s"), v("reconciliation.episode_max_s"));
  }
  if (x.log_checker) {
    fmt::print(out, "  event log     {} events, {} replicas: {} differ from the union replay, {} events missing; {} rebuilds\n",
               v("event_log.events"), v("event_log.replicas"), v("event_log.mismatched"), v("event_log.missing_events"),
               v("event_log.rebuilds"));
  }
}

const std::vector<std::string>& pattern_metric_names() {
  static const std::vector<std::string> all = [] {
    std::vector<std::string> v = kSagaMetrics;
    v.insert(v.end(), kReconcileMetrics.begin(), kReconcileMetrics.end());
    v.insert(v.end(), kEventLogMetrics.begin(), kEventLogMetrics.end());
    return v;
  }();
  return all;
}

std::string pattern_metric_missing_section(const Scenario& s, const std::string& metric) {
  const bool saga_metric = starts_with(metric, "sagas.") || starts_with(metric, "payments.") || starts_with(metric, "stock.");
  if (saga_metric && !s.sagas) return "sagas";
  if (starts_with(metric, "reconciliation.") && !s.reconciliation) return "reconciliation";
  if (starts_with(metric, "event_log.") && !s.event_log) return "event_log";
  return {};
}

}  // namespace ecsim
