#include "app/runner.hpp"

#include <chrono>
#include <cmath>
#include <fmt/format.h>
#include <fmt/ostream.h>
#include <limits>
#include <memory>
#include <ostream>
#include <set>
#include <unordered_set>
#include <unistd.h>

#include "analysis/convergence.hpp"
#include "analysis/csv_writer.hpp"
#include "analysis/lost_writes.hpp"
#include "analysis/output_dir.hpp"
#include "analysis/state_check.hpp"
#include "analysis/stats.hpp"
#include "analysis/trace_writer.hpp"
#include "analysis/history_recorder.hpp"
#include "analysis/op_stats.hpp"
#include "analysis/session_report.hpp"
#include "protocols/clients/clients.hpp"
#include "protocols/quorum/quorum.hpp"
#include "protocols/core/registry.hpp"
#include "app/patterns.hpp"
#include "sim/did_you_mean.hpp"
#include "sim/fault_injector.hpp"
#include "sim/scenario_loader.hpp"
#include "sim/simulator.hpp"

namespace ecsim {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Summary metrics in output order; wall_s is the only non-deterministic one.
const std::vector<std::string> kMetricOrder = {
    "convergence.time_s",        "convergence.reached",         "staleness.t_visibility_p50_s",
    "staleness.t_visibility_p99_s", "staleness.never_visible",  "lost_writes",
    // Exact-state check and anti-entropy costs (NaN when the scenario has no such part).
    "state.checked_keys", "state.mismatched_keys", "merkle.repairs", "merkle.repairs_divergent", "merkle.bytes",
    "merkle.bytes_per_repair", "merkle.bytes_per_divergent_repair", "merkle.round_trips_per_repair",
    "merkle.round_trips_per_divergent_repair", "merkle.keys_shipped", "replication.read_repairs",
    "replication.read_repair_bytes",
    "violations.ryw",            "violations.mr",               "violations.mw",
    "violations.wfr",            "violations.ryw_sessions",     "violations.mr_sessions",
    "violations.mw_sessions",    "violations.wfr_sessions",     "violations.ryw_client",
    "staleness.reads",           "staleness.k1_fraction",       "staleness.k2_fraction",
    "staleness.k3_fraction",     "messages.sent",               "messages.bytes",
    "messages.delivered",        "messages.dropped",            "messages.duplicated",
    "ops.total",                 "ops.failed",                  "ops.reads",
    "ops.writes",                "ops.latency_p50_s",           "ops.latency_p99_s",
    "ops.partition_ops",         "ops.partition_failed_fraction", "ops.cache_hits",
    "ops.retries",               "writes.acknowledged",         "events.processed",
    "sim.end_s",                 "nodes",                       "wall_s",
};

std::string format_seconds(double s) {
  if (std::isnan(s)) return "never";
  if (s < 1e-3) return fmt::format("{:.1f} us", s * 1e6);
  if (s < 1.0) return fmt::format("{:.2f} ms", s * 1e3);
  return fmt::format("{:.3f} s", s);
}

std::string format_count(double v) {
  if (v >= 1e9) return fmt::format("{:.2f}G", v / 1e9);
  if (v >= 1e6) return fmt::format("{:.2f}M", v / 1e6);
  if (v >= 1e4) return fmt::format("{:.1f}k", v / 1e3);
  return fmt::format("{}", v);
}

}  // namespace

const std::vector<std::string>& known_metrics() { return kMetricOrder; }

void check_runnable(const Scenario& s) {
  const std::string& file = s.source_file;
  for (const Expectation& e : s.checks.expect) {
    try {
      const Expression expr = Expression::parse(e.text);
      for (const std::string& m : expr.metrics()) {
        bool known = false;
        for (const std::string& k : kMetricOrder) known = known || k == m;
        for (const std::string& k : pattern_metric_names()) known = known || k == m;
        if (!known) {
          std::vector<std::string> all = kMetricOrder;
          all.insert(all.end(), pattern_metric_names().begin(), pattern_metric_names().end());
          throw ScenarioError(file, e.pos.line, e.pos.column,
                              fmt::format("expect: unknown metric '{}'{}", m, did_you_mean(m, all)));
        }
        if (const std::string section = pattern_metric_missing_section(s, m); !section.empty())
          throw ScenarioError(file, e.pos.line, e.pos.column,
                              fmt::format("expect: metric '{}' needs a '{}:' section in the scenario", m, section));
      }
    } catch (const ExpectSyntaxError& err) {
      throw ScenarioError(file, e.pos.line, e.pos.column + static_cast<int>(err.column),
                          fmt::format("expect: {}\n{}", err.what(), caret_diagnostic(e.text, err)));
    }
  }
}

RunOutcome run_scenario(const Scenario& scenario, const RunSettings& settings, std::ostream& out) {
  check_runnable(scenario);
  const auto wall_start = std::chrono::steady_clock::now();
  RunOutcome outcome;
  const OutputSpec& output = scenario.output;

  std::unique_ptr<AtomicOutputDir> dir;
  auto out_path = [&](const char* name) -> std::string {
    return (settings.write_outputs && output.has(name)) ? dir->path(std::string(name) + ".csv").string() : std::string();
  };
  if (settings.write_outputs) {
    dir = std::make_unique<AtomicOutputDir>(output.dir);
    outcome.output_dir = output.dir;
  }

  // World: names, store, kernel, protocols, clients, faults.
  KeySpace keys(static_cast<std::uint32_t>(scenario.store.keys));
  WriteTable writes;
  std::unique_ptr<ReplicaStore> store = make_store(scenario, writes);
  Simulator sim(scenario);
  ProtocolRegistry registry;
  register_protocols(registry);
  std::vector<std::unique_ptr<Protocol>> protocols = registry.instantiate(scenario, *store);
  QuorumProtocol* quorum = nullptr;
  std::uint16_t quorum_id = 0;
  for (auto& p : protocols) {
    const std::uint16_t id = sim.add_protocol(p.get());
    if (auto* q = dynamic_cast<QuorumProtocol*>(p.get())) quorum = q, quorum_id = id;
  }
  FaultInjector faults(sim, scenario);
  ClientDriver clients(sim, scenario, *store, keys, writes);
  PatternRun patterns(sim, scenario);  // sagas:, reconciliation:, event_log: (app/patterns.hpp)
  if (quorum) clients.use_replication(*quorum, quorum_id);

  // Checkers and traces observe.
  ConvergenceTracker convergence(sim.node_count(), output.has("convergence") && settings.write_outputs);
  sim.add_observer(&convergence);
  std::unique_ptr<LostWritesChecker> lost;
  if (scenario.checks.lost_writes) {
    lost = std::make_unique<LostWritesChecker>(sim.node_count());
    lost->count_only_listed(scenario.store.type != StoreType::lww);
    sim.add_observer(lost.get());
  }
  StateChecker state_check(scenario.store.type);
  if (state_check.applies()) sim.add_observer(&state_check);
  TraceWriter traces(out_path("events"), out_path("ops"), scenario.topology.node_names,
                     [&keys](KeyId k) { return keys.name(k); });
  sim.add_observer(&traces);
  // Session guarantees and staleness are measured from the history alone (the
  // content of ops.csv and applied.csv), as on a history recorded elsewhere
  // (docs/SESSIONS.md). They need totally ordered versions, i.e. LWW's.
  const bool orderable = scenario.store.type == StoreType::lww;
  const bool session_checks = orderable && !scenario.checks.session.empty();
  bool apply_order = false;
  for (const std::string& g : scenario.checks.session) apply_order = apply_order || g == "mw" || g == "wfr";
  HistoryRecorder history(scenario.topology.node_names, [&keys](KeyId k) { return keys.name(k); },
                          orderable && (session_checks || scenario.checks.staleness), session_checks && apply_order,
                          out_path("applied"));
  sim.add_observer(&history);
  OpStats op_stats;
  sim.add_observer(&op_stats);

  // Stop rules; never before scripted ops, workload and faults are done.
  RunOptions run;
  run.end_ns = scenario.duration_ns;
  SimTime quiet_for = kSecond;
  if (scenario.protocols.gossip) quiet_for = 3 * scenario.protocols.gossip->interval_ns;
  if (scenario.stop == StopMode::converged)
    run.stop_when = [&] { return sim.pending_external() == 0 && convergence.converged() && patterns.idle(); };
  else if (scenario.stop == StopMode::quiescent)
    run.stop_when = [&] {
      return sim.pending_external() == 0 && sim.messages_in_flight() == 0 && sim.now() - convergence.last_change_ns() >= quiet_for &&
             patterns.idle();
    };
  if (settings.progress) {
    auto last_print = wall_start;
    run.progress = [&](SimTime now, std::uint64_t events) {
      const auto t = std::chrono::steady_clock::now();
      if (t - wall_start < std::chrono::seconds(1) || t - last_print < std::chrono::milliseconds(200)) return;
      last_print = t;
      const double wall = std::chrono::duration<double>(t - wall_start).count();
      fmt::print(stderr, "\r[ecsim] {}  sim {:.2f}/{:.2f} s ({:.0f}%)  events {}  {}/s  divergent keys {}  behind {}   ",
                 scenario.name, to_seconds(now), to_seconds(scenario.duration_ns),
                 100.0 * static_cast<double>(now) / static_cast<double>(std::max<SimTime>(1, scenario.duration_ns)),
                 format_count(static_cast<double>(events)), format_count(static_cast<double>(events) / wall),
                 convergence.divergent_keys(), format_count(static_cast<double>(convergence.replicas_behind())));
    };
  }
  sim.run(run);
  if (settings.progress) fmt::print(stderr, "\r\033[K");

  // Final reads (Maelstrom style): what every live replica holds for every
  // written key. A state is read once per key however many replicas hold it
  // (equal digests = equal states): the writes it reflects (every merged
  // update, for a CRDT) and its value for the exact-state check.
  if (lost || state_check.applies()) {
    std::set<KeyId> written;
    for (std::size_t w = 1; w <= writes.size(); ++w) written.insert(writes.get(w).key);
    std::vector<WriteId> reflected;
    std::unordered_set<std::uint64_t> seen;  // lookups only
    for (KeyId k : written) {
      seen.clear();
      for (NodeId n = 0; n < sim.node_count(); ++n) {
        if (!sim.node_up(n)) continue;
        const std::uint64_t digest = store->state_digest(n, k);
        if (digest == 0 || !seen.insert(digest).second) continue;
        if (lost) {
          reflected.clear();
          store->reflected_writes(n, k, reflected);
          lost->final_reflects(n, k, reflected);
        }
        if (state_check.applies()) state_check.final_value(n, k, store->read(ReplicaCall{n, sim.now(), sim.local_time(n), nullptr}, k).value);
      }
    }
    state_check.finish();
  }

  // Metrics.
  MetricMap& m = outcome.metrics;
  const KernelStats& ks = sim.stats();
  const std::vector<double> visibility = convergence.visibility_delays_s();
  m["convergence.time_s"] = convergence.convergence_time_s();
  m["convergence.reached"] = convergence.converged() ? 1 : 0;
  m["staleness.t_visibility_p50_s"] = visibility.empty() ? kNaN : percentile(visibility, 50);
  m["staleness.t_visibility_p99_s"] = visibility.empty() ? kNaN : percentile(visibility, 99);
  m["staleness.never_visible"] = static_cast<double>(convergence.writes_never_visible());
  m["lost_writes"] = lost ? static_cast<double>(lost->count_lost()) : kNaN;
  m["state.checked_keys"] = state_check.applies() ? static_cast<double>(state_check.checked_keys()) : kNaN;
  m["state.mismatched_keys"] = state_check.applies() ? static_cast<double>(state_check.mismatched_keys()) : kNaN;
  for (const char* name : {"merkle.repairs", "merkle.repairs_divergent", "merkle.bytes", "merkle.bytes_per_repair",
                           "merkle.bytes_per_divergent_repair", "merkle.round_trips_per_repair",
                           "merkle.round_trips_per_divergent_repair", "merkle.keys_shipped", "replication.read_repairs",
                           "replication.read_repair_bytes"})
    m[name] = kNaN;
  {
    std::vector<std::pair<std::string, double>> extra;
    for (const auto& p : protocols) p->summary_metrics(extra);
    for (auto& [name, value] : extra) m[name] = value;
  }
  const History hist = history.finish();
  std::optional<SessionCheckResult> sessions;
  std::optional<StalenessResult> staleness;
  if (session_checks && !history.unorderable()) {
    SessionCheckOptions o;
    o.check = {false, false, false, false};
    for (const std::string& g : scenario.checks.session) o.check[static_cast<std::size_t>(guarantee_from_name(g))] = true;
    o.keep_all = output.has("violations");
    sessions = check_sessions(hist, o);
  }
  if (scenario.checks.staleness && orderable && !history.unorderable()) staleness = measure_staleness(hist);
  for (std::size_t g = 0; g < kGuaranteeNames.size(); ++g) {
    const std::string name(kGuaranteeNames[g]);
    const GuaranteeResult* r = sessions && sessions->by_guarantee[g].checked ? &sessions->by_guarantee[g] : nullptr;
    m["violations." + name] = r ? static_cast<double>(r->violations) : kNaN;
    m["violations." + name + "_sessions"] = r ? static_cast<double>(r->sessions_affected) : kNaN;
  }
  m["violations.ryw_client"] = sessions && (*sessions)[Guarantee::ryw].checked ? static_cast<double>(sessions->ryw_client) : kNaN;
  m["staleness.reads"] = staleness ? static_cast<double>(staleness->reads) : kNaN;
  m["staleness.k1_fraction"] = staleness ? staleness->k_fraction(1) : kNaN;
  m["staleness.k2_fraction"] = staleness ? staleness->k_fraction(2) : kNaN;
  m["staleness.k3_fraction"] = staleness ? staleness->k_fraction(3) : kNaN;
  const OpStatsResult op_cost = op_stats.finish(sim.now());
  m["ops.latency_p50_s"] = op_cost.latency_p50_s;
  m["ops.latency_p99_s"] = op_cost.latency_p99_s;
  m["ops.partition_ops"] = static_cast<double>(op_cost.partition_ops);
  m["ops.partition_failed_fraction"] = op_cost.partition_failed_fraction();
  m["ops.cache_hits"] = static_cast<double>(clients.stats().cache_hits);
  m["ops.retries"] = static_cast<double>(clients.stats().retries);
  m["messages.sent"] = static_cast<double>(ks.messages_sent);
  m["messages.bytes"] = static_cast<double>(ks.messages_bytes);
  m["messages.delivered"] = static_cast<double>(ks.messages_delivered);
  m["messages.dropped"] = static_cast<double>(ks.messages_dropped);
  m["messages.duplicated"] = static_cast<double>(ks.messages_duplicated);
  m["ops.total"] = static_cast<double>(clients.stats().ops);
  m["ops.failed"] = static_cast<double>(clients.stats().failed);
  m["ops.reads"] = static_cast<double>(clients.stats().reads);
  m["ops.writes"] = static_cast<double>(clients.stats().writes);
  m["writes.acknowledged"] = static_cast<double>(convergence.acknowledged_writes());
  m["events.processed"] = static_cast<double>(ks.events_processed);
  m["sim.end_s"] = to_seconds(sim.now());
  m["nodes"] = sim.node_count();
  patterns.add_metrics(m, sim.now());

  // Outputs. The trace hash covers every deterministic byte written.
  traces.close();
  std::uint64_t hash = fnv1a64(format_hash_hex(traces.events_hash()));
  hash = fnv1a64(format_hash_hex(traces.ops_hash()), hash);
  hash = fnv1a64(format_hash_hex(history.applied_hash()), hash);
  for (const char* name : {"violations", "staleness"}) {
    std::optional<CsvWriter> w;
    if (!out_path(name).empty()) w.emplace(out_path(name));
    else w.emplace(CsvWriter::hash_only());
    if (name[0] == 'v') write_violations_csv(*w, hist, sessions ? &*sessions : nullptr);
    else write_staleness_csv(*w, staleness ? &*staleness : nullptr);
    w->close();
    hash = fnv1a64(format_hash_hex(w->hash()), hash);
  }
  {
    std::optional<CsvWriter> series;
    if (!out_path("convergence").empty()) series.emplace(out_path("convergence"));
    else series.emplace(CsvWriter::hash_only());
    series->header({"time_ns", "divergent_keys", "replicas_behind"});
    for (const ConvergencePoint& p : convergence.series()) series->row(p.time_ns, p.divergent_keys, p.replicas_behind);
    series->close();
    hash = fnv1a64(format_hash_hex(series->hash()), hash);
  }
  {
    CsvWriter det = CsvWriter::hash_only();
    for (const std::string& name : kMetricOrder)
      if (name != "wall_s") det.row(name, m[name]);
    for (const std::string& name : patterns.metric_names()) det.row(name, m[name]);
    hash = fnv1a64(format_hash_hex(det.hash()), hash);
  }
  hash = patterns.write_traces(out_path("sagas"), out_path("repairs"), hash);
  outcome.trace_hash = format_hash_hex(hash);
  m["wall_s"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();

  outcome.expectations = evaluate_expectations(scenario.checks.expect, m);
  outcome.exit_code = all_passed(outcome.expectations) ? 0 : 1;

  if (settings.write_outputs) {
    if (output.has("summary")) {
      CsvWriter summary(dir->path("summary.csv"));
      summary.header({"metric", "value"});
      for (const std::string& name : kMetricOrder) summary.row(name, m[name]);
      for (const std::string& name : patterns.metric_names()) summary.row(name, m[name]);
      summary.row("trace_hash", outcome.trace_hash);
      summary.row("seed", scenario.seed);
      summary.close();
    }
    write_file_atomic(dir->path("scenario.resolved.yaml"), resolved_config_yaml(scenario));
    dir->commit();
  }

  if (!settings.quiet) {
    fmt::print(out, "ecsim: {} (seed {}), {} nodes, simulated {:.3f} s in {:.2f} s wall\n", scenario.name, scenario.seed,
               sim.node_count(), to_seconds(sim.now()), m["wall_s"]);
    fmt::print(out, "  convergence   {}{}\n", format_seconds(m["convergence.time_s"]),
               convergence.converged() ? " after the last write/heal" : fmt::format(" ({} keys still divergent)", convergence.divergent_keys()));
    fmt::print(out, "  visibility    p50 {}, p99 {} ({} acknowledged writes)\n", format_seconds(m["staleness.t_visibility_p50_s"]),
               format_seconds(m["staleness.t_visibility_p99_s"]), m["writes.acknowledged"]);
    if (lost) fmt::print(out, "  lost writes   {}\n", m["lost_writes"]);
    if (state_check.applies()) {
      fmt::print(out, "  exact state   {} of {} keys differ from what the history implies\n", m["state.mismatched_keys"],
                 m["state.checked_keys"]);
      for (const StateMismatch& x : state_check.first_mismatches())
        fmt::print(out, "                {} at {}: '{}', expected '{}'\n", keys.name(x.key),
                   x.replica == kNoNode ? std::string("every replica") : scenario.topology.node_names[x.replica], x.got, x.expected);
    }
    if (!std::isnan(m["merkle.repairs"]))
      fmt::print(out, "  merkle        {} repairs ({} divergent), {:.0f} bytes and {:.2f} round trips per divergent repair, {} keys shipped\n",
                 m["merkle.repairs"], m["merkle.repairs_divergent"], m["merkle.bytes_per_divergent_repair"],
                 m["merkle.round_trips_per_divergent_repair"], m["merkle.keys_shipped"]);
    fmt::print(out, "{}", format_session_summary(hist, sessions ? &*sessions : nullptr, staleness ? &*staleness : nullptr));
    if (history.unorderable() || (!orderable && !scenario.checks.session.empty()))
      fmt::print(out, "  sessions      not checked: the session checkers need totally ordered versions (store.type lww)\n");
    if (!std::isnan(m["ops.latency_p50_s"])) {
      fmt::print(out, "  latency       p50 {}, p99 {}", format_seconds(m["ops.latency_p50_s"]), format_seconds(m["ops.latency_p99_s"]));
      if (op_cost.partition_ops > 0)
        fmt::print(out, "; during partitions {} ops, {:.1f}% failed", op_cost.partition_ops, 100 * op_cost.partition_failed_fraction());
      fmt::print(out, "\n");
    }
    fmt::print(out, "  messages      {} sent, {} bytes, {} dropped, {} duplicated\n", format_count(m["messages.sent"]),
               format_count(m["messages.bytes"]), format_count(m["messages.dropped"]), format_count(m["messages.duplicated"]));
    fmt::print(out, "  client ops    {} ({} failed)\n", m["ops.total"], m["ops.failed"]);
    fmt::print(out, "  events        {} ({}/s)\n", format_count(m["events.processed"]),
               format_count(m["events.processed"] / std::max(1e-9, m["wall_s"])));
    patterns.print(out, m);
    const std::string report = format_expect_report(outcome.expectations, scenario.source_file);
    if (!report.empty()) fmt::print(out, "{}", report);
    if (settings.write_outputs) fmt::print(out, "  outputs       {}/  (trace_hash {})\n", outcome.output_dir, outcome.trace_hash);
    if (!settings.reproduce.empty()) fmt::print(out, "  reproduce     {}\n", settings.reproduce);
  }
  return outcome;
}

}  // namespace ecsim
