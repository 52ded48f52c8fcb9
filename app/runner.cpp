#include "protocols/core/store_config.hpp"
#include "app/runner.hpp"

#include <chrono>
#include <cmath>
#include <boost/core/demangle.hpp>
#include <fmt/format.h>
#include <fmt/ostream.h>
#include <limits>
#include <map>
#include <memory>
#include <ostream>
#include <set>
#include <unordered_set>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

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
#include "protocols/clients/config.hpp"
#include "protocols/core/coordinator.hpp"
#include "protocols/core/keyspace.hpp"
#include "protocols/core/module.hpp"
#include "protocols/quorum/module.hpp"
#include "app/build_info.hpp"
#include "app/modules.hpp"
#include "sim/did_you_mean.hpp"
#include "sim/fault_injector.hpp"
#include "sim/scenario_loader.hpp"
#include "sim/simulator.hpp"
#include "sim/state_hash.hpp"

namespace ecsim {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Summary metrics in output order; wall_s is the only non-deterministic one.
const std::vector<std::string> kMetricOrder = {
    "convergence.time_s",        "convergence.reached",         "staleness.t_visibility_p50_s",
    "staleness.t_visibility_p99_s", "staleness.never_visible",  "lost_writes",
    // Exact-state check (NaN when the store has no exact-state model).
    "state.checked_keys", "state.mismatched_keys",
    "violations.ryw",            "violations.mr",               "violations.mw",
    "violations.wfr",            "violations.ryw_sessions",     "violations.mr_sessions",
    "violations.mw_sessions",    "violations.wfr_sessions",     "violations.ryw_client",
    "staleness.reads",           "staleness.k1_fraction",       "staleness.k2_fraction",
    "staleness.k3_fraction",     "messages.sent",               "messages.bytes",
    "messages.delivered",        "messages.dropped",            "messages.duplicated",
    // Service queues (replicas:, docs/TIME_MODEL.md); empty when nothing was served.
    "replicas.utilisation_max",  "replicas.queue_delay_p50_s",  "replicas.queue_delay_p99_s",
    "ops.latency_p50_s",         "ops.latency_p99_s",           "ops.partition_ops",
    "ops.partition_failed_fraction", "writes.acknowledged",     "events.processed",
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

const std::vector<std::string>& known_metrics() {
  static const std::vector<std::string> all = known_metrics(builtin_modules());
  return all;
}

std::vector<std::string> known_metrics(const ModuleRegistry& modules) {
  std::vector<std::string> v = kMetricOrder;
  const std::vector<std::string> names = modules.metrics();
  v.insert(v.end(), names.begin(), names.end());
  return v;
}

void check_runnable(const Scenario& s) { check_runnable(s, modules_of(s)); }

void check_runnable(const Scenario& s, const ModuleRegistry& modules) {
  const std::string& file = s.source_file;
  const std::vector<std::string> all = known_metrics(modules);
  for (const Expectation& e : s.checks.expect) {
    try {
      const Expression expr = Expression::parse(e.text);
      for (const std::string& m : expr.metrics()) {
        if (std::find(all.begin(), all.end(), m) == all.end())
          throw ScenarioError(file, e.pos.line, e.pos.column,
                              fmt::format("expect: unknown metric '{}'{}", m, did_you_mean(m, all)));
        const ModuleDef* owner = modules.owner_of(m);
        if (owner && !ModuleRegistry::active(*owner, s))
          throw ScenarioError(file, e.pos.line, e.pos.column,
                              fmt::format("expect: metric '{}' needs a '{}:' section in the scenario", m,
                                          owner->sections.empty() ? owner->name : owner->sections.front().path));
      }
    } catch (const ExpectSyntaxError& err) {
      throw ScenarioError(file, e.pos.line, e.pos.column + static_cast<int>(err.column),
                          fmt::format("expect: {}\n{}", err.what(), caret_diagnostic(e.text, err)));
    }
  }
}

namespace {

// The metrics of the modules that ran, in summary.csv order.
std::vector<std::string> module_metric_names(const Scenario& s, const ModuleRegistry& modules) {
  std::vector<std::string> out;
  for (const ModuleDef& def : modules.modules())
    if (ModuleRegistry::active(def, s)) out.insert(out.end(), def.metrics.begin(), def.metrics.end());
  return out;
}

// Partial replication: a key's replicas are the coordinator's preference
// list (the quorum module), when it names fewer than every node.
class CoordinatorPlacement final : public KeyPlacement {
 public:
  explicit CoordinatorPlacement(ReplicaCoordinator& c) : coordinator_(c) {}
  std::vector<NodeId> replicas(KeyId key) const override { return coordinator_.replicas(key); }

 private:
  ReplicaCoordinator& coordinator_;  // replicas() caches lists, hence not const
};

// Everything one run builds, in construction order: the kernel and the
// shared key-value world, the modules (replication protocols, then the
// fault injector, then applications), and the checkers that observe.
struct World {
  World(const Scenario& s, const ModuleRegistry& m, bool write_outputs,
        const std::function<std::string(const char*)>& out_path)
      : scenario(s),
        registry(m),
        module_metrics(module_metric_names(s, m)),
        keys(static_cast<std::uint32_t>(store_of(s).keys)),
        store(make_store(s, writes)),
        sim(s),
        convergence(sim.node_count(), s.output.has("convergence") && write_outputs),
        state_check(store_of(s).type),
        traces(out_path("events"), out_path("ops"), s.topology.node_names, [this](KeyId k) { return keys.name(k); }),
        orderable(store_of(s).type == StoreType::lww),
        session_checks(orderable && !s.checks.session.empty()),
        apply_order(session_checks && wants_apply_order(s)),
        history(s.topology.node_names, [this](KeyId k) { return keys.name(k); },
                orderable && (session_checks || s.checks.staleness), apply_order, out_path("applied")) {
    start_modules();
    wire_placement();
    attach_checkers();
  }

  // Whether the run had key-value activity (client operations or writes);
  // saga-only and rumor-only runs have none, and key-value metrics do not apply.
  bool key_value_run() const { return writes.size() > 0 || op_stats.ops() > 0; }

  void wire_placement() {
    ReplicaCoordinator* c = services.find<ReplicaCoordinator>();
    if (!c || c->replicas(0).size() >= sim.node_count()) return;
    placement = std::make_unique<CoordinatorPlacement>(*c);
    convergence.set_placement(placement.get());
  }

  // MW and WFR need each replica's apply order (one record per replica per
  // write: 1M for one write gossiped to 1M nodes). Kept only when some session
  // can violate them: a generated workload, or a scripted session with a
  // write after a write (MW) or after a read (WFR). Otherwise both are 0 by
  // their definitions, and are still reported as measured.
  static bool wants_apply_order(const Scenario& s) {
    bool mw = false, wfr = false;
    for (const std::string& g : s.checks.session) {
      mw |= g == "mw";
      wfr |= g == "wfr";
    }
    if (!mw && !wfr) return false;
    if (workload_of(s).clients > 0) return true;
    std::map<std::string, std::pair<bool, bool>> seen;  // per client (one session each): wrote, read
    for (const OpSpec& op : ops_of(s)) {
      auto& [wrote, read] = seen[op.client];
      if (op.op == OpKind::read) {
        read = true;
        continue;
      }
      if ((mw && wrote) || (wfr && read)) return true;
      wrote = true;
    }
    return false;
  }

  void start_modules() {
    ModuleWorld w{sim, scenario, *store, keys, writes, services};
    // Start order fixes protocol ids and the order of events scheduled at
    // the same instant: replication protocols, faults, applications.
    for (const ModuleStage stage : {ModuleStage::replication, ModuleStage::application}) {
      if (stage == ModuleStage::application) faults = std::make_unique<FaultInjector>(sim, scenario);
      for (const ModuleDef& def : registry.modules())
        if (def.start && def.stage == stage && ModuleRegistry::active(def, scenario)) modules.push_back(def.start(w));
    }
    for (auto& m : modules) m->connect(services);
  }

  // Checkers observe the kernel (messages, nodes, faults) and the replica
  // store (writes, state changes, client operations) through two hubs.
  void attach_checkers() {
    store->set_observer(&replica_events);
    // Causality (the lost-writes checker) judges LWW visibility too, so it
    // runs for either check, and sees each write before the tracker does.
    const bool lww = store_of(scenario).type == StoreType::lww;
    if (scenario.checks.lost_writes || (lww && scenario.checks.staleness)) {
      lost = std::make_unique<LostWritesChecker>(sim.node_count());
      lost->count_only_listed(!lww);
      replica_events.add(lost.get());
      if (lww) convergence.set_causality(lost.get());
    }
    sim.add_observer(&convergence);
    replica_events.add(&convergence);
    if (state_check.applies()) replica_events.add(&state_check);
    sim.add_observer(&traces);
    replica_events.add(&traces);
    // Session guarantees and staleness are measured from the history alone
    // (the content of ops.csv and applied.csv), as on a history recorded
    // elsewhere (docs/SESSIONS.md). They need totally ordered versions, i.e. LWW's.
    replica_events.add(&history);
    sim.add_observer(&op_stats);
    replica_events.add(&op_stats);
  }

  bool modules_idle() const {
    return std::all_of(modules.begin(), modules.end(), [](const auto& m) { return m->idle(); });
  }
  SimTime quiet_window_ns() const {
    SimTime w = 0;
    for (const auto& m : modules) w = std::max(w, m->quiet_window_ns());
    return w > 0 ? w : kSecond;
  }

  const Scenario& scenario;
  const ModuleRegistry& registry;
  const std::vector<std::string> module_metrics;  // of the modules that run, in summary.csv order
  KeySpace keys;
  WriteTable writes;
  std::unique_ptr<ReplicaStore> store;
  ReplicaObserverHub replica_events;
  Simulator sim;
  Services services;
  std::unique_ptr<FaultInjector> faults;
  std::vector<std::unique_ptr<ModuleRun>> modules;
  ConvergenceTracker convergence;
  std::unique_ptr<LostWritesChecker> lost;
  std::unique_ptr<KeyPlacement> placement;
  StateChecker state_check;
  TraceWriter traces;
  const bool orderable;
  const bool session_checks;
  const bool apply_order;  // the history keeps each replica's apply order (MW, WFR can be violated)
  HistoryRecorder history;
  OpStats op_stats;
};

// Stop rules; never before scripted ops, workload and faults are done.
RunOptions stop_rules(World& w, const RunSettings& settings) {
  const Scenario& scenario = w.scenario;
  RunOptions run;
  run.end_ns = scenario.duration_ns;
  Simulator& sim = w.sim;
  const SimTime quiet_for = w.quiet_window_ns();
  if (scenario.stop == StopMode::converged)
    run.stop_when = [&w, &sim] { return sim.pending_external() == 0 && w.convergence.converged() && w.modules_idle(); };
  else if (scenario.stop == StopMode::quiescent)
    run.stop_when = [&w, &sim, quiet_for] {
      return sim.pending_external() == 0 && sim.messages_in_flight() == 0 &&
             sim.now() - w.convergence.last_change_ns() >= quiet_for && w.modules_idle();
    };
  if (settings.progress) {
    const auto wall_start = std::chrono::steady_clock::now();
    run.progress = [&w, wall_start, last_print = wall_start](SimTime now, std::uint64_t events) mutable {
      const auto t = std::chrono::steady_clock::now();
      if (t - wall_start < std::chrono::seconds(1) || t - last_print < std::chrono::milliseconds(200)) return;
      last_print = t;
      const double wall = std::chrono::duration<double>(t - wall_start).count();
      // A percentage of `duration` only when the run lasts that long: stop: converged/quiescent usually ends far earlier.
      const std::string until =
          w.scenario.stop == StopMode::duration
              ? fmt::format("/{:.2f} s ({:.0f}%)", to_seconds(w.scenario.duration_ns),
                            100.0 * static_cast<double>(now) / static_cast<double>(std::max<SimTime>(1, w.scenario.duration_ns)))
              : fmt::format(" s (until {}, at most {:.2f} s)",
                            w.scenario.stop == StopMode::converged ? "converged" : "quiescent", to_seconds(w.scenario.duration_ns));
      fmt::print(stderr, "\r[ecsim] {}  sim {:.2f}{}  events {}  {}/s  divergent keys {}  behind {}   ", w.scenario.name,
                 to_seconds(now), until, format_count(static_cast<double>(events)), format_count(static_cast<double>(events) / wall),
                 w.convergence.divergent_keys(), format_count(static_cast<double>(w.convergence.replicas_behind())));
    };
  }
  return run;
}

// Final reads (Maelstrom style): what every live replica holds for every
// written key. A state is read once per key however many replicas hold it
// (equal digests = equal states): the writes it reflects (every merged
// update, for a CRDT) and its value for the exact-state check.
void final_reads(World& w) {
  if (!w.lost && !w.state_check.applies()) return;
  std::set<KeyId> written;
  for (std::size_t i = 1; i <= w.writes.size(); ++i) written.insert(w.writes.get(i).key);
  std::vector<WriteId> reflected;
  std::unordered_set<std::uint64_t> seen;  // lookups only
  for (KeyId k : written) {
    seen.clear();
    for (NodeId n = 0; n < w.sim.node_count(); ++n) {
      if (!w.sim.node_up(n) || !w.convergence.responsible(n, k)) continue;
      const std::uint64_t digest = w.store->state_digest(n, k);
      if (digest == 0 || !seen.insert(digest).second) continue;
      if (w.lost) {
        reflected.clear();
        w.store->reflected_writes(n, k, reflected);
        w.lost->final_reflects(n, k, reflected);
      }
      if (w.state_check.applies())
        w.state_check.final_value(n, k, w.store->read(ReplicaCall{n, w.sim.now(), w.sim.local_time(n), nullptr}, k).value);
    }
  }
  w.state_check.finish();
}

struct SessionVerdicts {
  History history;
  std::optional<SessionCheckResult> sessions;
  std::optional<StalenessResult> staleness;
};

SessionVerdicts check_history(World& w) {
  const Scenario& s = w.scenario;
  SessionVerdicts v{w.history.finish(), std::nullopt, std::nullopt};
  if (!w.key_value_run()) return v;  // no history: session and staleness metrics do not apply (empty)
  if (w.session_checks && !w.history.unorderable()) {
    SessionCheckOptions o;
    o.check = {false, false, false, false};
    for (const std::string& g : s.checks.session) o.check[static_cast<std::size_t>(guarantee_from_name(g))] = true;
    o.keep_all = s.output.has("violations");
    // MW and WFR asked for where no session can violate them (World::wants_apply_order):
    // checked, 0 by their definitions, without the apply order they would need.
    constexpr auto kMw = static_cast<std::size_t>(Guarantee::mw), kWfr = static_cast<std::size_t>(Guarantee::wfr);
    const std::array<bool, 4> asked = o.check;
    if (!w.apply_order) o.check[kMw] = o.check[kWfr] = false;
    v.sessions = check_sessions(v.history, o);
    for (const std::size_t g : {kMw, kWfr}) v.sessions->by_guarantee[g].checked |= asked[g];
  }
  if (s.checks.staleness && w.orderable && !w.history.unorderable()) v.staleness = measure_staleness(v.history);
  return v;
}

// "n3, n7, n9 and 4 more".
std::string name_some(const std::vector<std::string>& names, const std::vector<NodeId>& nodes, std::size_t shown = 3) {
  std::string s;
  for (std::size_t i = 0; i < nodes.size() && i < shown; ++i) s += (i ? ", " : "") + names[nodes[i]];
  if (nodes.size() > shown) s += fmt::format(" and {} more", nodes.size() - shown);
  return s;
}
std::string name_some(const World& w, const std::vector<NodeId>& nodes) {
  return name_some(w.scenario.topology.node_names, nodes);
}

// Why convergence was not reached, from what is known at the end: a graph
// that cannot carry the data, a partition still in force, replicas down, or
// a run that stopped while the protocol was still working.
std::string convergence_reason(World& w) {
  if (!w.scenario.checks.convergence) return "check off";
  if (!w.key_value_run()) return "no key-value writes";
  if (w.convergence.converged()) return "";
  std::vector<std::string> why;
  if (!w.sim.network().connected()) {
    const std::vector<NodeId> cut = w.sim.network().outside_largest_component();
    why.push_back(fmt::format("disconnected graph: {} cut off from the rest", name_some(w, cut)));
  }
  if (w.sim.network().active_cuts() > 0) why.push_back("partition never healed");
  std::vector<NodeId> down;
  for (NodeId n = 0; n < w.sim.node_count(); ++n)
    if (!w.sim.node_up(n)) down.push_back(n);
  if (!down.empty()) why.push_back(fmt::format("replicas down at the end: {}", name_some(w, down)));
  if (why.empty() || w.sim.messages_in_flight() > 0) {
    const SimTime last = w.convergence.last_change_ns();
    why.push_back(fmt::format("ended before quiescence at {:.3f} s ({} messages in flight, last state change at {:.3f} s); "
                              "a longer duration may converge",
                              to_seconds(w.sim.now()), w.sim.messages_in_flight(), to_seconds(last)));
  }
  std::string s;
  for (const std::string& r : why) s += (s.empty() ? "" : "; ") + r;
  return s;
}

void core_metrics(World& w, const SessionVerdicts& v, MetricMap& m) {
  const KernelStats& ks = w.sim.stats();
  const CheckSpec& checks = w.scenario.checks;
  const bool kv = w.key_value_run();
  if (w.lost) w.convergence.exclude_lost(w.lost->lost());  // a lost write was never visible
  const std::vector<double> visibility = w.convergence.visibility_delays_s();
  const bool converge = kv && checks.convergence, stale = kv && checks.staleness;
  m["convergence.time_s"] = converge ? w.convergence.convergence_time_s() : kNaN;
  m["convergence.reached"] = converge ? (w.convergence.converged() ? 1 : 0) : kNaN;
  const std::vector<double> p = stale ? percentiles(visibility, {50, 99}) : std::vector<double>{kNaN, kNaN};
  m["staleness.t_visibility_p50_s"] = stale ? p[0] : kNaN;
  m["staleness.t_visibility_p99_s"] = stale ? p[1] : kNaN;
  m["staleness.never_visible"] = stale ? static_cast<double>(w.convergence.writes_never_visible()) : kNaN;
  m["lost_writes"] = kv && checks.lost_writes && w.lost ? static_cast<double>(w.lost->count_lost()) : kNaN;
  m["state.checked_keys"] = w.state_check.applies() ? static_cast<double>(w.state_check.checked_keys()) : kNaN;
  m["state.mismatched_keys"] = w.state_check.applies() ? static_cast<double>(w.state_check.mismatched_keys()) : kNaN;
  for (std::size_t g = 0; g < kGuaranteeNames.size(); ++g) {
    const std::string name(kGuaranteeNames[g]);
    const GuaranteeResult* r = v.sessions && v.sessions->by_guarantee[g].checked ? &v.sessions->by_guarantee[g] : nullptr;
    m["violations." + name] = r ? static_cast<double>(r->violations) : kNaN;
    m["violations." + name + "_sessions"] = r ? static_cast<double>(r->sessions_affected) : kNaN;
  }
  m["violations.ryw_client"] =
      v.sessions && (*v.sessions)[Guarantee::ryw].checked ? static_cast<double>(v.sessions->ryw_client) : kNaN;
  m["staleness.reads"] = v.staleness ? static_cast<double>(v.staleness->reads) : kNaN;
  m["staleness.k1_fraction"] = v.staleness ? v.staleness->k_fraction(1) : kNaN;
  m["staleness.k2_fraction"] = v.staleness ? v.staleness->k_fraction(2) : kNaN;
  m["staleness.k3_fraction"] = v.staleness ? v.staleness->k_fraction(3) : kNaN;
  const OpStatsResult op_cost = w.op_stats.finish(w.sim.now());
  m["ops.latency_p50_s"] = op_cost.latency_p50_s;
  m["ops.latency_p99_s"] = op_cost.latency_p99_s;
  m["ops.partition_ops"] = static_cast<double>(op_cost.partition_ops);
  m["ops.partition_failed_fraction"] = op_cost.partition_failed_fraction();
  m["messages.sent"] = static_cast<double>(ks.messages_sent);
  m["messages.bytes"] = static_cast<double>(ks.messages_bytes);
  m["messages.delivered"] = static_cast<double>(ks.messages_delivered);
  m["messages.dropped"] = static_cast<double>(ks.messages_dropped);
  m["messages.duplicated"] = static_cast<double>(ks.messages_duplicated);
  const ServiceReport service = w.sim.service_report();
  m["replicas.utilisation_max"] = service.served ? service.utilisation_max : kNaN;
  m["replicas.queue_delay_p50_s"] = service.queue_delay_p50_s.value_or(kNaN);
  m["replicas.queue_delay_p99_s"] = service.queue_delay_p99_s.value_or(kNaN);
  m["writes.acknowledged"] = static_cast<double>(w.convergence.acknowledged_writes());
  m["events.processed"] = static_cast<double>(ks.events_processed);
  m["sim.end_s"] = to_seconds(w.sim.now());
  m["nodes"] = w.sim.node_count();
}


// Writes the trace files (or only hashes them) and returns the trace hash,
// which covers every deterministic byte written.
std::string write_traces(World& w, const SessionVerdicts& v, MetricMap& m, const std::string& reason,
                         const std::function<std::string(const char*)>& out_path) {
  w.traces.close();
  std::uint64_t hash = fnv1a64(format_hash_hex(w.traces.events_hash()));
  hash = fnv1a64(format_hash_hex(w.traces.ops_hash()), hash);
  hash = fnv1a64(format_hash_hex(w.history.applied_hash()), hash);
  auto csv = [&](const char* name) { return CsvWriter::to_file_or_hash(out_path(name)); };
  {
    auto out = csv("violations");
    write_violations_csv(out, v.history, v.sessions ? &*v.sessions : nullptr);
    out.close();
    hash = fnv1a64(format_hash_hex(out.hash()), hash);
  }
  {
    auto out = csv("staleness");
    write_staleness_csv(out, v.staleness ? &*v.staleness : nullptr);
    out.close();
    hash = fnv1a64(format_hash_hex(out.hash()), hash);
  }
  {
    auto series = csv("convergence");
    series.header({"time_ns", "divergent_keys", "replicas_behind"});
    for (const ConvergencePoint& p : w.convergence.series()) series.row(p.time_ns, p.divergent_keys, p.replicas_behind);
    series.close();
    hash = fnv1a64(format_hash_hex(series.hash()), hash);
  }
  {
    CsvWriter det = CsvWriter::hash_only();
    for (const std::string& name : kMetricOrder)
      if (name != "wall_s") det.row(name, m[name]);
    for (const std::string& name : w.module_metrics) det.row(name, m[name]);
    det.row("convergence.reason", reason);
    hash = fnv1a64(format_hash_hex(det.hash()), hash);
  }
  const TracePath module_path = [&](std::string_view name) { return out_path(std::string(name).c_str()); };
  for (const auto& mod : w.modules) hash = mod->write_traces(module_path, hash);
  return format_hash_hex(hash);
}

void print_summary(World& w, const SessionVerdicts& v, const MetricMap& mm, const RunOutcome& outcome,
                   const RunSettings& settings, std::ostream& out) {
  const Scenario& scenario = w.scenario;
  auto m = [&mm](const char* k) { return mm.at(k); };
  fmt::print(out, "ecsim: {} (seed {}), {} nodes, simulated {:.3f} s in {:.2f} s wall\n", scenario.name, scenario.seed,
             w.sim.node_count(), to_seconds(w.sim.now()), m("wall_s"));
  // Key-value lines only when the run had key-value activity (not on a
  // saga-only or rumor-only run, where they would mean nothing).
  if (w.key_value_run()) {
    const CheckSpec& checks = scenario.checks;
    if (checks.convergence) {
      if (w.convergence.converged())
        fmt::print(out, "  convergence   {} after the last write/heal\n", format_seconds(m("convergence.time_s")));
      else
        fmt::print(out, "  convergence   never ({} keys still divergent): {}\n", w.convergence.divergent_keys(),
                   outcome.convergence_reason);
    }
    if (checks.staleness)
      fmt::print(out, "  visibility    p50 {}, p99 {} ({} acknowledged writes, {} never visible)\n",
                 format_seconds(m("staleness.t_visibility_p50_s")), format_seconds(m("staleness.t_visibility_p99_s")),
                 m("writes.acknowledged"), m("staleness.never_visible"));
    if (checks.lost_writes && w.lost) fmt::print(out, "  lost writes   {}\n", m("lost_writes"));
    if (w.state_check.applies()) {
      fmt::print(out, "  exact state   {} of {} keys differ from what the history implies\n", m("state.mismatched_keys"),
                 m("state.checked_keys"));
      for (const StateMismatch& x : w.state_check.first_mismatches())
        fmt::print(out, "                {} at {}: '{}', expected '{}'\n", w.keys.name(x.key),
                   x.replica == kNoNode ? std::string("every replica") : scenario.topology.node_names[x.replica], x.got,
                   x.expected);
    }
    fmt::print(out, "{}", format_session_summary(v.history, v.sessions ? &*v.sessions : nullptr, v.staleness ? &*v.staleness : nullptr));
    if (w.history.unorderable() || (!w.orderable && !scenario.checks.session.empty()))
      fmt::print(out, "  sessions      not checked: the session checkers need totally ordered versions (store.type lww)\n");
  }
  if (!std::isnan(m("ops.latency_p50_s"))) {
    fmt::print(out, "  latency       p50 {}, p99 {}", format_seconds(m("ops.latency_p50_s")), format_seconds(m("ops.latency_p99_s")));
    if (m("ops.partition_ops") > 0)
      fmt::print(out, "; during partitions {} ops, {:.1f}% failed", m("ops.partition_ops"), 100 * m("ops.partition_failed_fraction"));
    fmt::print(out, "\n");
  }
  fmt::print(out, "  messages      {} sent, {} bytes, {} dropped, {} duplicated\n", format_count(m("messages.sent")),
             format_count(m("messages.bytes")), format_count(m("messages.dropped")), format_count(m("messages.duplicated")));
  if (!std::isnan(m("replicas.utilisation_max")))
    fmt::print(out, "  replicas      busiest {:.3g}% utilised; queueing delay p50 {}, p99 {}\n",
               100 * m("replicas.utilisation_max"), format_seconds(m("replicas.queue_delay_p50_s")),
               format_seconds(m("replicas.queue_delay_p99_s")));
  for (const auto& mod : w.modules) mod->print(out, mm);
  fmt::print(out, "  events        {} ({}/s)\n", format_count(m("events.processed")),
             format_count(m("events.processed") / std::max(1e-9, m("wall_s"))));
  const std::string report = format_expect_report(outcome.expectations, scenario.source_file);
  if (!report.empty()) fmt::print(out, "{}", report);
  if (settings.write_outputs) fmt::print(out, "  outputs       {}/  (trace_hash {})\n", outcome.output_dir, outcome.trace_hash);
  if (!settings.reproduce.empty()) fmt::print(out, "  reproduce     {}\n", settings.reproduce);
  fmt::print(out, "  build         {}\n", build_line());
}

}  // namespace

std::vector<std::string> scenario_warnings(const Scenario& s) {
  std::vector<std::string> out;
  Simulator sim(s);  // the graph as a run draws it
  const std::vector<NodeId> cut = sim.network().outside_largest_component();
  if (cut.empty()) return out;
  SourcePos at{1, 1};
  try {  // point at topology.graph
    const YAML::Node root = YAML::LoadFile(s.source_file);
    YAML::Node node = root["topology"];
    if (node && node.IsMap() && node["graph"]) node = node["graph"];
    if (node) at = SourcePos{node.Mark().line + 1, node.Mark().column + 1};
  } catch (const YAML::Exception&) {
  }
  const std::string where = fmt::format("{}:{}:{}: warning: ", s.source_file, at.line, at.column);
  const std::vector<std::string>& names = s.topology.node_names;
  std::vector<NodeId> isolated;
  for (NodeId n : cut)
    if (sim.network().degree(n) == 0) isolated.push_back(n);
  if (!isolated.empty())
    out.push_back(where + fmt::format("the graph leaves {} isolated (no links): their replicas never converge with the rest",
                                      name_some(names, isolated)));
  if (cut.size() > isolated.size())
    out.push_back(where + fmt::format("the graph is disconnected: {} cut off from its largest component",
                                      name_some(names, cut)));
  if (const std::unique_ptr<KeyPlacement> placement = quorum_placement(s)) {
    std::vector<std::uint8_t> off(names.size(), 0);
    for (NodeId n : cut) off[n] = 1;
    std::uint64_t unreachable = 0;
    KeyId example = 0;
    const auto keys = static_cast<KeyId>(store_of(s).keys);
    for (KeyId k = 0; k < keys; ++k) {
      const std::vector<NodeId> replicas = placement->replicas(k);
      if (std::all_of(replicas.begin(), replicas.end(), [&](NodeId r) { return off[r] != 0; }) && unreachable++ == 0) example = k;
    }
    if (unreachable > 0)
      out.push_back(where + fmt::format("{} keys (e.g. k{}) have no replica in the graph's largest component", unreachable,
                                        example));
  }
  return out;
}

namespace {

// A running hash of every observation checkers and metrics read: node and
// fault events, and everything the replica store and clients report. Network
// events are left out: only the events trace takes them, and the kernel's
// counters (in its state hash) are what metrics read of them.
class ObservationHash final : public Observer, public ReplicaObserver {
 public:
  explicit ObservationHash(bool versions) : versions_(versions) {}
  std::uint64_t value() const { return h_.value(); }

  void on_node(SimTime t, NodeId n, NodeEventKind k, bool lose) override {
    record(1, t, n);
    h_.add(static_cast<std::uint64_t>(k));
    h_.add_bool(lose);
  }
  void on_fault(SimTime t, FaultEventKind k, std::string_view d) override {
    record(2, t, kNoNode);
    h_.add(static_cast<std::uint64_t>(k));
    h_.add_string(d);
  }
  bool wants_applied_versions() const override { return versions_; }
  void on_version_applied(SimTime t, NodeId n, KeyId k, WriteId w, std::string_view v, std::uint64_t step) override {
    record(3, t, n);
    h_.add(k);
    h_.add(w);
    h_.add_string(v);
    h_.add(step);
  }
  void on_write_accepted(SimTime t, NodeId n, KeyId k, WriteId w, StateRank r, std::uint64_t s) override {
    record(4, t, n);
    h_.add(k);
    h_.add(w);
    rank(r);
    h_.add(s);
  }
  void on_write_received(SimTime t, NodeId n, KeyId k, WriteId w) override {
    record(5, t, n);
    h_.add(k);
    h_.add(w);
  }
  void on_applied(SimTime t, NodeId n, KeyId k, std::uint64_t d, StateRank r, WriteId w) override {
    record(6, t, n);
    h_.add(k);
    h_.add(d);
    rank(r);
    h_.add(w);
  }
  void on_state_lost(SimTime t, NodeId n) override { record(7, t, n); }
  void on_op(const OpRecord& r) override {
    record(8, r.complete_ns, r.replica);
    for (const std::string_view s : {r.client, r.op, r.key, r.value, r.version}) h_.add_string(s);
    h_.add(r.session);
    h_.add_signed(r.invoke_ns);
    h_.add_bool(r.ok);
    h_.add(r.key_id);
    h_.add(r.write);
    rank(r.rank);
    h_.add(r.session_uid);
    h_.add(r.seq);
    h_.add_bool(r.is_write);
  }

 private:
  void record(std::uint64_t what, SimTime t, NodeId n) {
    h_.add(what);
    h_.add_signed(t);
    h_.add(n);
  }
  void rank(const StateRank& r) {
    h_.add(r.major);
    h_.add(r.minor);
  }
  bool versions_;
  StateHasher h_;
};

// Records StateHashProbe keys: the world's hash at every event boundary
// until the last message of interest is sent (a cold path: only explore
// --exhaustive asks), through RunOptions::stop_when.
class StateProbeHook {
 public:
  StateProbeHook(World& w, StateHashProbe& probe) : w_(w), probe_(probe), obs_(w.replica_events.wants_applied_versions()) {
    w.sim.add_observer(&obs_);
    w.replica_events.add(&obs_);
  }

  void install(RunOptions& run) {
    boundary();  // before the nodes start: the key of what they send at start
    run.stop_when = [this, stop = std::move(run.stop_when)] {
      boundary();
      return stop && stop();
    };
  }

 private:
  void boundary() {
    const std::uint64_t sent = w_.sim.stats().messages_sent;
    if (valid_)
      for (std::uint64_t m = std::max(sent_before_, probe_.after) + 1; m <= std::min(sent, probe_.until); ++m)
        probe_.keys.emplace_back(m, hash_before_);
    valid_ = false;
    // Before the schedule's last choice nothing is hashed: only an event that sends both that
    // choice's message and later ones would need it, and its messages then go without a key
    // (no pruning there: a loss of pruning, never of soundness).
    if (!probe_.hashable || sent >= probe_.until || sent < probe_.after) return;
    StateHasher h;
    if (!world_hash(h, probe_.unhashable)) {
      probe_.hashable = false;
      probe_.keys.clear();
      return;
    }
    sent_before_ = sent;
    hash_before_ = h.value();
    valid_ = true;
  }

  bool world_hash(StateHasher& h, std::string& why) const {
    if (!w_.sim.hash_state(h, &why)) return false;
    if (!w_.store->hash_state(h)) {
      why = "store." + std::string(store_type_name(store_of(w_.scenario).type));
      return false;
    }
    h.add(w_.keys.size());
    h.add(w_.writes.size());
    for (std::size_t i = 1; i <= w_.writes.size(); ++i) {
      h.add(w_.writes.get(i).key);
      h.add_string(w_.writes.get(i).value);
    }
    for (const auto& m : w_.modules)
      if (!m->hash_state(h)) {
        const auto& run = *m;  // typeid of a plain reference: no expression evaluated inside typeid (Clang warns)
        why = fmt::format("module run {}", boost::core::demangle(typeid(run).name()));
        return false;
      }
    h.add(obs_.value());
    return true;
  }

  World& w_;
  StateHashProbe& probe_;
  ObservationHash obs_;
  std::uint64_t sent_before_ = 0;
  std::uint64_t hash_before_ = 0;
  bool valid_ = false;
};

}  // namespace

RunOutcome run_scenario(const Scenario& scenario, const RunSettings& settings, std::ostream& out) {
  const ModuleRegistry& modules = settings.modules ? *settings.modules : modules_of(scenario);
  check_runnable(scenario, modules);
  const auto wall_start = std::chrono::steady_clock::now();
  RunOutcome outcome;
  const OutputSpec& output = scenario.output;
  std::unique_ptr<AtomicOutputDir> dir;
  if (settings.write_outputs) {
    dir = std::make_unique<AtomicOutputDir>(output.dir);
    outcome.output_dir = output.dir;
  }
  const std::function<std::string(const char*)> out_path = [&](const char* name) -> std::string {
    if (settings.write_outputs) return output.has(name) ? dir->path(std::string(name) + ".csv").string() : std::string();
    return settings.hash_all_traces ? std::string("/dev/null") : std::string();  // hashed, not kept
  };

  World w(scenario, modules, settings.write_outputs || settings.hash_all_traces, out_path);
  RunOptions run = stop_rules(w, settings);
  std::unique_ptr<StateProbeHook> probe;
  if (settings.state_hashes) {
    probe = std::make_unique<StateProbeHook>(w, *settings.state_hashes);
    probe->install(run);
  }
  w.sim.run(run);
  if (settings.progress) fmt::print(stderr, "\r\033[K");
  final_reads(w);

  MetricMap& m = outcome.metrics;
  const SessionVerdicts verdicts = check_history(w);
  core_metrics(w, verdicts, m);
  outcome.convergence_reason = convergence_reason(w);
  for (const std::string& name : w.module_metrics) m[name] = kNaN;  // unset = does not apply
  for (const auto& mod : w.modules) mod->add_metrics(m, w.sim.now());
  outcome.trace_hash = write_traces(w, verdicts, m, outcome.convergence_reason, out_path);
  m["wall_s"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();

  outcome.expectations = evaluate_expectations(scenario.checks.expect, m);
  outcome.exit_code = all_passed(outcome.expectations) ? 0 : 1;

  if (settings.write_outputs) {
    if (output.has("summary")) {
      CsvWriter summary(dir->path("summary.csv"));
      summary.header({"metric", "value"});
      for (const std::string& name : kMetricOrder) summary.row(name, m[name]);
      for (const std::string& name : w.module_metrics) summary.row(name, m[name]);
      summary.row("convergence.reason", outcome.convergence_reason);
      summary.row("trace_hash", outcome.trace_hash);
      summary.row("seed", scenario.seed);
      summary.row("build", build_line());
      summary.close();
    }
    write_file_atomic(dir->path("scenario.resolved.yaml"),
                      "# build: " + build_line() + "\n" + resolved_config_yaml(scenario, modules.sections()));
    dir->commit();
  }
  if (!settings.quiet) print_summary(w, verdicts, m, outcome, settings, out);
  return outcome;
}

}  // namespace ecsim
