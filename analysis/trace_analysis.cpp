// `ecsim analyze`: rebuild observations from CSV traces and feed them to the
// same checkers a live run uses. See trace_analysis.hpp and docs/ANALYZE.md.
#include "analysis/trace_analysis.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <unordered_map>

#include <fmt/format.h>

#include "analysis/convergence.hpp"
#include "analysis/history.hpp"
#include "analysis/lost_writes.hpp"
#include "analysis/op_stats.hpp"
#include "analysis/session_checker.hpp"
#include "analysis/staleness.hpp"
#include "analysis/stats.hpp"
#include "analysis/trace_input.hpp"
#include "sim/hash.hpp"
#include "sim/scenario_loader.hpp"

namespace ecsim {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

const std::vector<std::string> kAnalyzable = {
    "convergence.time_s",      "convergence.reached",        "staleness.t_visibility_p50_s",
    "staleness.t_visibility_p99_s", "staleness.never_visible", "lost_writes",
    "violations.ryw",          "violations.mr",              "violations.mw",
    "violations.wfr",          "violations.ryw_sessions",    "violations.mr_sessions",
    "violations.mw_sessions",  "violations.wfr_sessions",    "violations.ryw_client",
    "staleness.reads",         "staleness.k1_fraction",      "staleness.k2_fraction",
    "staleness.k3_fraction",   "messages.sent",              "messages.bytes",
    "messages.delivered",      "messages.dropped",           "messages.duplicated",
    "ops.total",               "ops.failed",                 "ops.reads",
    "ops.writes",              "ops.latency_p50_s",          "ops.latency_p99_s",
    "ops.partition_ops",       "ops.partition_failed_fraction", "writes.acknowledged",
};

// ---------------------------------------------------------------------------
// Replay: the rows of the three files (analysis/trace_input.hpp) become the
// observations a live run reports, in the order it reports them.

using trace_input::ApplyText;
using trace_input::EventScan;
using trace_input::NodeEvent;
using trace_input::OpRow;
using trace_input::Where;

// Same order as LwwStore::rank_of: timestamp, then logical counter, then origin id.
StateRank rank_of(const VersionText& v, std::uint32_t origin) {
  return StateRank{static_cast<std::uint64_t>(v.major) + (std::uint64_t{1} << 63),
                   (static_cast<std::uint64_t>(v.minor) << 32) | origin};
}

// An accepted write: one per distinct (key, version).
struct WriteInfo {
  WriteId id;
  NodeId origin;
  KeyId key;
  StateRank rank;
  SimTime accept_ns;
  std::uint64_t session;
  bool from_op;
};

// One entry of the timeline: (time, class, order in its file). At one
// instant, node and fault events come first, then writes accepted, states
// applied, and operations completed, which is the order a live run reports
// them in.
struct Item {
  enum Class : int { node_event = 0, write = 1, apply = 2, op = 3 };
  SimTime t;
  int cls;
  std::size_t index;
  std::size_t row = 0;  // writes and ops: the ops.csv row (completion order) they belong to
  // At one instant: node events, then writes and ops by ops.csv row (a
  // write accepted before its own op completes, an earlier op completed
  // before a later write is accepted, as a session issues them), then applies.
  int phase() const { return cls == node_event ? 0 : cls == apply ? 2 : 1; }
};

// The checkers a live run wires, fed by the replay.
struct Checkers {
  // Visibility follows causality as the lost-writes checker rebuilds it
  // (the versions analyze reads are LWW's), as in a run.
  explicit Checkers(std::uint32_t node_count) : convergence(node_count, false) { convergence.set_causality(&lost); }
  Checkers(const Checkers&) = delete;
  Checkers& operator=(const Checkers&) = delete;

  ConvergenceTracker convergence;
  LostWritesChecker lost;
  OpStats op_stats;
  const std::vector<Observer*> kernel = {&convergence, &op_stats};  // node events, faults
  // The lost-writes checker sees each write before the tracker asks it.
  const std::vector<ReplicaObserver*> observers = {&lost, &convergence, &op_stats};
};

class Replay {
 public:
  explicit Replay(const TraceInputs& in) : in_(in) {}
  TraceAnalysis run();

 private:
  // Reading and indexing, in this order (key ids are given in order of first use).
  void read_inputs();
  void resolve_nodes();
  void index_op_writes();
  bool add_op_write(std::size_t op_index, KeyId k);
  void index_applied_writes();
  void measure_sessions();

  // The timeline.
  std::vector<Item> timeline() const;
  void replay(const std::vector<Item>& items, Checkers& c);
  void replay_node_event(const NodeEvent& e, Checkers& c);
  void replay_fault(const NodeEvent& e, Checkers& c) const;
  void replay_write(const WriteInfo& w, Checkers& c);
  void replay_apply(std::size_t index, Checkers& c);
  void replay_op(std::size_t index, Checkers& c);
  void lose_state(SimTime t, NodeId n, Checkers& c);

  // Results.
  void convergence_results(Checkers& c);
  void message_results();
  void op_results(Checkers& c);

  NodeId node(const std::string& name) const {
    auto it = node_ids_.find(name);
    return it == node_ids_.end() ? kNoNode : it->second;
  }
  NodeId need_node(const std::string& file, const Where& where, const std::string& name) const;
  KeyId key(const std::string& name) {
    auto [it, inserted] = key_ids_.try_emplace(name, static_cast<KeyId>(key_names_.size()));
    if (inserted) key_names_.push_back(name);
    return it->second;
  }
  std::uint64_t session_uid(const std::string& client, std::uint32_t session) {
    auto [it, inserted] = sessions_.try_emplace(client + '\x1f' + std::to_string(session), sessions_.size() + 1);
    return it->second;
  }
  VersionText version(const std::string& file, const Where& where, const std::string& text) const;
  std::uint32_t origin_id(const VersionText& v) const {
    if (v.origin.empty()) return 0;
    const NodeId n = node(std::string(v.origin));
    return n == kNoNode ? 0 : n;
  }

  const TraceInputs& in_;
  TraceAnalysis out_;
  // The files.
  std::vector<OpRow> ops_;
  std::vector<ApplyText> applied_;
  EventScan events_;
  bool have_applied_ = false, have_events_ = false;
  // Names to ids.
  std::vector<std::string> nodes_;
  std::unordered_map<std::string, NodeId> node_ids_;
  std::unordered_map<std::string, KeyId> key_ids_;
  std::vector<std::string> key_names_;
  std::unordered_map<std::string, std::uint64_t> sessions_;
  // Writes. Ids: ops.csv row + 1, then applied versions that no op names.
  std::map<std::pair<KeyId, std::string>, WriteId> write_of_;  // (key, version) -> write
  std::vector<WriteInfo> writes_;                               // accepted writes
  // Per applied.csv row: the write applied, its rank and its digest.
  std::vector<WriteId> apply_write_;
  std::vector<StateRank> apply_rank_;
  std::vector<std::uint64_t> apply_digest_;
  // Replay state.
  std::vector<std::uint8_t> live_;
  std::map<std::pair<NodeId, KeyId>, WriteId> holds_;  // final state per (node, key): the write it holds
  std::set<KeyId> written_;
};

namespace {

// TraceInputs::replicas_of, by the replay's key ids.
class NamedPlacement final : public KeyPlacement {
 public:
  NamedPlacement(const TraceInputs& in, const std::vector<std::string>& key_names) : in_(in), key_names_(key_names) {}
  std::vector<NodeId> replicas(KeyId key) const override {
    const std::vector<std::uint32_t> list = in_.replicas_of(key_names_[key]);
    return std::vector<NodeId>(list.begin(), list.end());
  }

 private:
  const TraceInputs& in_;
  const std::vector<std::string>& key_names_;
};

}  // namespace

TraceAnalysis Replay::run() {
  read_inputs();
  resolve_nodes();
  index_op_writes();
  index_applied_writes();
  measure_sessions();
  Checkers checkers(static_cast<std::uint32_t>(nodes_.size()));
  std::optional<NamedPlacement> placement;
  if (in_.replicas_of) {
    placement.emplace(in_, key_names_);
    checkers.convergence.set_placement(&*placement);
  }
  live_.assign(nodes_.size(), 1);
  replay(timeline(), checkers);
  convergence_results(checkers);
  message_results();
  op_results(checkers);
  return std::move(out_);
}

NodeId Replay::need_node(const std::string& file, const Where& where, const std::string& name) const {
  const NodeId n = node(name);
  if (n == kNoNode)
    throw InputError(file, where.line, where.column,
                     fmt::format("unknown node '{}' (the scenario's nodes are {} .. {})", name,
                                 nodes_.empty() ? "none" : nodes_.front(), nodes_.empty() ? "none" : nodes_.back()));
  return n;
}

VersionText Replay::version(const std::string& file, const Where& where, const std::string& text) const {
  try {
    return parse_version(text);
  } catch (const VersionSyntaxError& e) {
    throw InputError(file, where.line, where.column + static_cast<int>(e.offset),
                     fmt::format("version: {}, got '{}' (ecsim analyze needs totally ordered versions, as the "
                                 "LWW store writes them; CRDT and MV-register states are not)", e.what(), text));
  }
}

// ---------------------------------------------------------------------------
// Reading and indexing

void Replay::read_inputs() {
  ops_ = trace_input::read_ops(in_.ops);
  have_applied_ = !in_.applied.empty();
  have_events_ = !in_.events.empty();
  if (have_applied_) applied_ = trace_input::read_applied(in_.applied);
  if (have_events_) events_ = trace_input::scan_events(in_.events);
  out_.ops = ops_.size();
  out_.applies = applied_.size();
  out_.events = events_.rows;
}

// Nodes: as given (ecsim: the resolved scenario), else every name seen.
void Replay::resolve_nodes() {
  nodes_ = in_.nodes;
  if (nodes_.empty()) {
    std::set<std::string> seen = events_.names;
    for (const OpRow& o : ops_)
      if (!o.replica.empty()) seen.insert(o.replica);
    for (const ApplyText& a : applied_) seen.insert(a.replica);
    nodes_.assign(seen.begin(), seen.end());
    std::sort(nodes_.begin(), nodes_.end(), [](const std::string& a, const std::string& b) { return natural_less(a, b); });
    out_.notes.push_back(fmt::format("node list not given: using the {} nodes named in the traces", nodes_.size()));
  }
  for (NodeId i = 0; i < nodes_.size(); ++i) node_ids_.emplace(nodes_[i], i);
}

// Operations, their counts and the writes they acknowledged.
void Replay::index_op_writes() {
  std::uint64_t acknowledged = 0, failed = 0, reads = 0, shared_versions = 0;
  for (std::size_t i = 0; i < ops_.size(); ++i) {
    const OpRow& o = ops_[i];
    const KeyId k = key(o.key);
    const bool is_write = o.op != "read";
    if (!o.ok) ++failed;
    if (!is_write) {
      ++reads;
      continue;
    }
    if (!o.ok) continue;  // never accepted: the replica was down or unreachable
    ++acknowledged;
    if (!o.version.empty() && !add_op_write(i, k)) ++shared_versions;
  }
  if (shared_versions)
    out_.notes.push_back(fmt::format("{} acknowledged writes repeat the version of an earlier write to the same key; "
                                     "they are treated as that write", shared_versions));
  MetricMap& m = out_.metrics;
  m["ops.total"] = static_cast<double>(ops_.size());
  m["ops.failed"] = static_cast<double>(failed);
  m["ops.reads"] = static_cast<double>(reads);
  m["ops.writes"] = static_cast<double>(ops_.size() - reads);
  m["writes.acknowledged"] = static_cast<double>(acknowledged);
}

// The write of acknowledged ops.csv row `op_index` (write id: row + 1);
// false when an earlier write to the key has the same version.
bool Replay::add_op_write(std::size_t op_index, KeyId k) {
  const OpRow& o = ops_[op_index];
  const VersionText v = version(in_.ops, o.version_at, o.version);
  const WriteId id = static_cast<WriteId>(op_index + 1);
  if (!write_of_.emplace(std::pair{k, o.version}, id).second) return false;
  const NodeId origin = o.replica.empty() ? (v.origin.empty() ? kNoNode : node(std::string(v.origin)))
                                          : need_node(in_.ops, o.replica_at, o.replica);
  if (origin == kNoNode) return true;
  writes_.push_back(WriteInfo{id, origin, k, rank_of(v, origin_id(v)), o.invoke, session_uid(o.client, o.session), true});
  return true;
}

// Applied versions: accept times, and writes that no completed op names
// (accepted, but the run ended before the client heard back).
void Replay::index_applied_writes() {
  apply_write_.assign(applied_.size(), kNoWrite);
  apply_rank_.resize(applied_.size());
  apply_digest_.assign(applied_.size(), 0);
  std::map<std::pair<KeyId, std::string>, std::size_t> first_apply_at_origin;
  std::map<WriteId, std::size_t> info_of;
  for (std::size_t w = 0; w < writes_.size(); ++w) info_of[writes_[w].id] = w;
  WriteId next_id = static_cast<WriteId>(ops_.size() + 1);
  for (std::size_t i = 0; i < applied_.size(); ++i) {
    const ApplyText& a = applied_[i];
    if (a.key.empty()) continue;
    const NodeId n = need_node(in_.applied, a.replica_at, a.replica);
    const KeyId k = key(a.key);
    const VersionText v = version(in_.applied, a.version_at, a.version);
    apply_rank_[i] = rank_of(v, origin_id(v));
    apply_digest_[i] = std::max<std::uint64_t>(1, fnv1a64(a.version));
    auto it = write_of_.find({k, a.version});
    if (it == write_of_.end()) {
      const NodeId origin = v.origin.empty() ? n : node(std::string(v.origin));
      it = write_of_.emplace(std::pair{k, a.version}, next_id++).first;
      info_of[it->second] = writes_.size();
      writes_.push_back(WriteInfo{it->second, origin == kNoNode ? n : origin, k, apply_rank_[i], a.t, 0, false});
    }
    apply_write_[i] = it->second;
    WriteInfo& w = writes_[info_of.at(it->second)];
    // The write was accepted where it was first applied at its origin.
    if (n == w.origin && first_apply_at_origin.emplace(std::pair{k, a.version}, i).second) {
      const OpRow* o = w.from_op ? &ops_[w.id - 1] : nullptr;
      if (!o || (a.t >= o->invoke && a.t <= o->complete)) w.accept_ns = a.t;
    }
  }
}

// Sessions and staleness: the session checkers read the same files.
void Replay::measure_sessions() {
  MetricMap& m = out_.metrics;
  HistoryCheckOptions o = in_.history_check;
  o.sessions = SessionCheckOptions{};
  if (!have_applied_) o.sessions.check = {true, true, false, false};  // MW and WFR need the applied order
  o.staleness = true;
  o.node_order = nodes_;
  const HistoryCheck check = check_history_files(in_.ops, in_.applied, o);
  const SessionCheckResult& sessions = check.sessions;
  for (std::size_t g = 0; g < kGuaranteeNames.size(); ++g) {
    const std::string name(kGuaranteeNames[g]);
    const GuaranteeResult& r = sessions.by_guarantee[g];
    m["violations." + name] = r.checked ? static_cast<double>(r.violations) : kNaN;
    m["violations." + name + "_sessions"] = r.checked ? static_cast<double>(r.sessions_affected) : kNaN;
  }
  m["violations.ryw_client"] = static_cast<double>(sessions.ryw_client);
  if (!have_applied_) out_.notes.push_back("violations.mw and violations.wfr need applied.csv (the order replicas applied writes in)");
  const StalenessResult& st = check.staleness;
  m["staleness.reads"] = static_cast<double>(st.reads);
  m["staleness.k1_fraction"] = st.k_fraction(1);
  m["staleness.k2_fraction"] = st.k_fraction(2);
  m["staleness.k3_fraction"] = st.k_fraction(3);
}

// ---------------------------------------------------------------------------
// The timeline

std::vector<Item> Replay::timeline() const {
  std::vector<Item> items;
  const bool lost_from_events = have_events_;  // state losses: events.csv if given, else applied.csv
  for (std::size_t i = 0; i < events_.node_events.size(); ++i)
    items.push_back({events_.node_events[i].t, Item::node_event, i});
  for (std::size_t w = 0; w < writes_.size(); ++w)
    items.push_back({writes_[w].accept_ns, Item::write, w, writes_[w].from_op ? static_cast<std::size_t>(writes_[w].id - 1) : SIZE_MAX});
  for (std::size_t i = 0; i < applied_.size(); ++i)
    if (!applied_[i].key.empty() || !lost_from_events) items.push_back({applied_[i].t, Item::apply, i});
  for (std::size_t i = 0; i < ops_.size(); ++i) items.push_back({ops_[i].complete, Item::op, i, i});
  std::stable_sort(items.begin(), items.end(), [](const Item& a, const Item& b) {
    if (a.t != b.t) return a.t < b.t;
    if (a.phase() != b.phase()) return a.phase() < b.phase();
    return a.row != b.row ? a.row < b.row : a.cls < b.cls;
  });
  return items;
}

void Replay::replay(const std::vector<Item>& items, Checkers& c) {
  for (const Item& it : items) {
    switch (it.cls) {
      case Item::node_event: replay_node_event(events_.node_events[it.index], c); break;
      case Item::write: replay_write(writes_[it.index], c); break;
      case Item::apply: replay_apply(it.index, c); break;
      case Item::op: replay_op(it.index, c); break;
    }
  }
}

void Replay::replay_node_event(const NodeEvent& e, Checkers& c) {
  if (e.kind == "crash" || e.kind == "restart") {
    const NodeId n = need_node(in_.events, e.node_at, e.node);
    live_[n] = e.kind == "restart";
    for (Observer* o : c.kernel)
      o->on_node(e.t, n, e.kind == "crash" ? NodeEventKind::crash : NodeEventKind::restart, e.key == "lose_state");
  } else if (e.kind == "receive") {
    const NodeId n = need_node(in_.events, e.node_at, e.node);
    const KeyId k = key(e.key);
    auto w = write_of_.find({k, e.version});
    if (w != write_of_.end())
      for (ReplicaObserver* o : c.observers) o->on_write_received(e.t, n, k, w->second);
  } else if (e.kind == "state_lost") {
    lose_state(e.t, need_node(in_.events, e.node_at, e.node), c);
  } else {
    replay_fault(e, c);
  }
}

void Replay::replay_fault(const NodeEvent& e, Checkers& c) const {
  // Flapping writes its cuts as partition/heal rows described "flapping ...".
  const bool flap = e.key.rfind("flapping", 0) == 0;
  FaultEventKind kind = FaultEventKind::loss_end;
  if (e.kind == "partition") kind = flap ? FaultEventKind::flap_cut : FaultEventKind::partition;
  else if (e.kind == "heal") kind = flap ? FaultEventKind::flap_heal : FaultEventKind::heal;
  else if (e.kind == "loss_start") kind = FaultEventKind::loss_start;
  else if (e.kind == "duplicate_start") kind = FaultEventKind::duplicate_start;
  else if (e.kind == "duplicate_end") kind = FaultEventKind::duplicate_end;
  for (Observer* o : c.kernel) o->on_fault(e.t, kind, e.key);
}

void Replay::lose_state(SimTime t, NodeId n, Checkers& c) {
  for (auto h = holds_.begin(); h != holds_.end();) h = h->first.first == n ? holds_.erase(h) : std::next(h);
  for (ReplicaObserver* o : c.observers) o->on_state_lost(t, n);
}

void Replay::replay_write(const WriteInfo& w, Checkers& c) {
  written_.insert(w.key);
  for (ReplicaObserver* o : c.observers) o->on_write_accepted(w.accept_ns, w.origin, w.key, w.id, w.rank, w.session);
}

void Replay::replay_apply(std::size_t index, Checkers& c) {
  const ApplyText& a = applied_[index];
  const NodeId n = need_node(in_.applied, a.replica_at, a.replica);
  if (a.key.empty()) {
    lose_state(a.t, n, c);
    return;
  }
  const KeyId k = key(a.key);
  holds_[{n, k}] = apply_write_[index];
  // Every applied copy was received; copies received and not kept are not in the traces.
  for (ReplicaObserver* o : c.observers) o->on_write_received(a.t, n, k, apply_write_[index]);
  for (ReplicaObserver* o : c.observers) o->on_applied(a.t, n, k, apply_digest_[index], apply_rank_[index], apply_write_[index]);
}

void Replay::replay_op(std::size_t index, Checkers& c) {
  const OpRow& o = ops_[index];
  OpRecord r;
  r.client = o.client;
  r.session = o.session;
  r.op = o.op;
  r.key = o.key;
  r.value = o.value;
  r.invoke_ns = o.invoke;
  r.complete_ns = o.complete;
  r.replica = o.replica.empty() ? kNoNode : node(o.replica);
  r.ok = o.ok;
  r.version = o.version;
  r.key_id = key(o.key);
  r.is_write = o.op != "read";
  r.session_uid = session_uid(o.client, o.session);
  if (r.is_write) {
    r.write = static_cast<WriteId>(index + 1);
    written_.insert(r.key_id);
  } else if (o.ok && !o.version.empty()) {
    auto w = write_of_.find({r.key_id, o.version});
    r.write = w == write_of_.end() ? kNoWrite : w->second;
  }
  for (ReplicaObserver* obs : c.observers) obs->on_op(r);
}

// ---------------------------------------------------------------------------
// Results

void Replay::convergence_results(Checkers& c) {
  if (!have_applied_) {
    out_.notes.push_back("convergence, visibility and lost_writes need applied.csv (replica states over time)");
    return;
  }
  MetricMap& m = out_.metrics;
  if (ops_.empty() && writes_.empty()) {  // as a run with no key-value activity reports them
    for (const char* name : {"convergence.time_s", "convergence.reached", "staleness.t_visibility_p50_s",
                             "staleness.t_visibility_p99_s", "staleness.never_visible", "lost_writes"})
      m[name] = kNaN;
    out_.notes.push_back("convergence, visibility and lost_writes: no key-value writes, nothing to measure");
    return;
  }
  // Final reads, as the run does them: what every live replica holds for every written key.
  for (KeyId k : written_)
    for (NodeId n = 0; n < live_.size(); ++n) {
      if (!live_[n] || !c.convergence.responsible(n, k)) continue;
      auto h = holds_.find({n, k});
      c.lost.final_read(n, k, h == holds_.end() ? kNoWrite : h->second);
    }
  const auto unnamed = std::count_if(writes_.begin(), writes_.end(), [](const WriteInfo& w) { return !w.from_op; });
  if (unnamed > 0)
    out_.notes.push_back(fmt::format("visibility: {} applied writes are named by no acknowledged op (failed ops carry no "
                                     "version), so the sessions they causally follow are unknown and visibility can "
                                     "come out later than the run measured it",
                                     unnamed));
  const std::vector<WriteId> lost = c.lost.lost();
  m["lost_writes"] = static_cast<double>(lost.size());
  const std::set<WriteId> lost_ids(lost.begin(), lost.end());
  for (const auto& [key_version, id] : write_of_)
    if (lost_ids.count(id)) out_.lost_writes.emplace_back(key_names_[key_version.first], key_version.second);
  c.convergence.exclude_lost(lost);  // a lost write was never visible
  const std::vector<double> visibility = c.convergence.visibility_delays_s();
  out_.visibility_delays_s = visibility;
  m["convergence.time_s"] = c.convergence.convergence_time_s();
  m["convergence.reached"] = c.convergence.converged() ? 1 : 0;
  m["staleness.t_visibility_p50_s"] = visibility.empty() ? kNaN : percentile(visibility, 50);
  m["staleness.t_visibility_p99_s"] = visibility.empty() ? kNaN : percentile(visibility, 99);
  m["staleness.never_visible"] = static_cast<double>(c.convergence.writes_never_visible());
  if (events_.receives == 0)
    out_.notes.push_back("lost_writes: events.csv has no receive rows, so causality is rebuilt from applied versions "
                         "only (a copy a replica received and discarded is missing)");
}

void Replay::message_results() {
  if (!have_events_) {
    out_.notes.push_back("messages.* and partition availability need events.csv; crashes and heals are unknown without it");
    return;
  }
  MetricMap& m = out_.metrics;
  m["messages.sent"] = static_cast<double>(events_.sent);
  m["messages.bytes"] = static_cast<double>(events_.bytes);
  m["messages.delivered"] = static_cast<double>(events_.delivered);
  m["messages.dropped"] = static_cast<double>(events_.dropped);
  m["messages.duplicated"] = static_cast<double>(events_.duplicated);
}

void Replay::op_results(Checkers& c) {
  MetricMap& m = out_.metrics;
  SimTime end_ns = events_.last_ns;
  for (const OpRow& o : ops_) end_ns = std::max(end_ns, o.complete);
  if (!applied_.empty()) end_ns = std::max(end_ns, applied_.back().t);
  const OpStatsResult cost = c.op_stats.finish(end_ns);
  m["ops.latency_p50_s"] = cost.latency_p50_s;
  m["ops.latency_p99_s"] = cost.latency_p99_s;
  if (have_events_) {
    m["ops.partition_ops"] = static_cast<double>(cost.partition_ops);
    m["ops.partition_failed_fraction"] = cost.partition_failed_fraction();
  }
}

}  // namespace

const std::vector<std::string>& analyzable_metrics() { return kAnalyzable; }

TraceAnalysis analyze_traces(const TraceInputs& inputs) {
  try {
    return Replay(inputs).run();
  } catch (const InputError& e) {
    // The error type of every `ecsim` command; the same text.
    throw ScenarioError(e.file(), e.line(), e.column(), e.message());
  }
}

}  // namespace ecsim
