// `ecsim analyze`: rebuild observations from CSV traces and feed them to the
// same checkers a live run uses. See trace_analysis.hpp and docs/ANALYZE.md.
#include "analysis/trace_analysis.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <optional>
#include <set>
#include <stdexcept>
#include <tuple>
#include <unordered_map>

#include <fmt/format.h>

#include "analysis/convergence.hpp"
#include "analysis/history.hpp"
#include "analysis/lost_writes.hpp"
#include "analysis/op_stats.hpp"
#include "analysis/output_dir.hpp"
#include "analysis/session_checker.hpp"
#include "analysis/staleness.hpp"
#include "analysis/stats.hpp"
#include "analysis/trace_input.hpp"
#include "sim/hash.hpp"
#include "sim/scenario_loader.hpp"

namespace ecsim {

namespace fs = std::filesystem;

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
// observations a live run reports, in the order it reports them. Two passes
// over the files, neither holding their rows: the first indexes the writes
// (what a write's replay needs before its ops.csv row comes: accept time,
// origin, session), the second merges the files in time order and feeds
// the checkers. Memory: docs/ANALYZE.md, "Memory".

using trace_input::ApplyText;
using trace_input::AppliedReader;
using trace_input::EventsReader;
using trace_input::NodeEvent;
using trace_input::OpRow;
using trace_input::OpsReader;
using trace_input::Where;

// Same order as LwwStore::rank_of: timestamp, then logical counter, then origin id.
StateRank rank_of(const VersionText& v, std::uint32_t origin) {
  return StateRank{static_cast<std::uint64_t>(v.major) + (std::uint64_t{1} << 63),
                   (static_cast<std::uint64_t>(v.minor) << 32) | origin};
}

constexpr std::uint64_t kUnnamedRow = std::numeric_limits<std::uint64_t>::max();  // a write no ops.csv row names
constexpr std::uint32_t kNoIndex = std::numeric_limits<std::uint32_t>::max();

// A write: one per distinct (key, version). Write ids are dense: the
// acknowledged writes of ops.csv in row order (1, 2, ...), then the versions
// applied that no op names, in applied.csv order; the checkers size their
// per-write tables by id. Kept through the replay, so only what the replay
// needs (48 bytes): the rank is parsed again from the version text when
// needed, and what only the first pass needs is in AcceptWindow.
struct WriteInfo {
  SimTime accept_ns;     // an op's write: its invocation until applied at its origin within invoke..complete
  std::uint64_t row;     // the ops.csv row that acknowledged it, or kUnnamedRow
  std::uint64_t text;    // its version text: offset into Replay::versions_
  WriteId id;
  KeyId key;
  NodeId origin;         // kNoNode: neither a replica column nor the version names it (never replayed)
  std::uint32_t session; // Replay::session_uid, 0 for none
  std::uint32_t text_size;
};

// First pass only, by write index: where an op's write may have been
// accepted (until its completion) and whether its first apply at its origin
// was seen.
struct AcceptWindow {
  SimTime complete_ns;
  bool applied_at_origin = false;
};

// The position of one row in the replay: at one instant, node and fault
// events come first, then writes accepted and operations completed by
// ops.csv row (a write accepted before its own op completes, an earlier op
// completed before a later write is accepted, as a session issues them;
// writes no row names last), then applies. Rows of one file keep their file
// order, which each reader checks is time order.
struct Position {
  enum Class : int { node_event = 0, write = 1, apply = 2, op = 3 };
  SimTime t;
  int phase;
  std::uint64_t row;
  int cls;
  bool operator<(const Position& o) const {
    return std::tie(t, phase, row, cls) < std::tie(o.t, o.phase, o.row, o.cls);
  }
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
  explicit Replay(const TraceInputs& in) : in_(in), have_applied_(!in.applied.empty()), have_events_(!in.events.empty()) {}
  TraceAnalysis run();

 private:
  // First pass, in this order (key ids are given in order of first use).
  void resolve_nodes();
  void index_ops();
  bool add_op_write(const OpRow& o, std::uint64_t row, WriteId id, KeyId k);
  void index_applied();
  void measure_sessions();

  // Second pass: the files merged in time order.
  void replay(Checkers& c);
  void replay_node_event(const NodeEvent& e, Checkers& c);
  void replay_fault(const NodeEvent& e, Checkers& c) const;
  void replay_write(const WriteInfo& w, Checkers& c);
  void replay_apply(const ApplyText& a, Checkers& c);
  void replay_op(const OpRow& o, WriteId write, Checkers& c);
  void lose_state(SimTime t, NodeId n, Checkers& c);

  // Results.
  void convergence_results(Checkers& c);
  void message_results();
  void op_results(Checkers& c);
  void lost_write_names(const std::vector<WriteId>& lost);
  bool spill_latencies() const;

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
  std::uint32_t session_uid(const std::string& client, std::uint32_t session) {
    if (sessions_.size() + 1 >= kNoIndex) throw std::length_error("ecsim analyze: too many sessions");
    auto [it, inserted] = sessions_.try_emplace(client + '\x1f' + std::to_string(session), sessions_.size() + 1);
    return it->second;
  }
  VersionText version(const std::string& file, const Where& where, const std::string& text) const;
  std::uint32_t origin_id(const VersionText& v) const {
    if (v.origin.empty()) return 0;
    const NodeId n = node(std::string(v.origin));
    return n == kNoNode ? 0 : n;
  }
  // The write of (key, version text), as an index into writes_; kNoIndex if none.
  std::uint32_t find_write(KeyId k, std::string_view text) const;
  std::uint32_t add_write(WriteInfo w, SimTime complete_ns, std::string_view text);
  void end_first_pass();
  void index_write(std::uint32_t i);
  std::string_view text_of(const WriteInfo& w) const { return std::string_view(versions_).substr(w.text, w.text_size); }
  // The rank of a write's version (its text was checked by the first pass).
  StateRank rank_of(const WriteInfo& w) const {
    const VersionText v = parse_version(text_of(w));
    return ecsim::rank_of(v, origin_id(v));
  }
  static std::uint64_t write_hash(KeyId k, std::string_view text) {
    return fnv1a64(text) + 0x9E3779B97F4A7C15ULL * (std::uint64_t{k} + 1);
  }

  const TraceInputs& in_;
  TraceAnalysis out_;
  bool have_applied_, have_events_;
  // Names to ids.
  std::vector<std::string> nodes_;
  std::unordered_map<std::string, NodeId> node_ids_;
  std::unordered_map<std::string, KeyId> key_ids_;
  std::vector<std::string> key_names_;
  std::unordered_map<std::string, std::uint32_t> sessions_;
  // Writes, and their index by (key, version): slots_ is a hash table of
  // indexes into writes_ (4 bytes a slot, at most half full; 50 bytes a
  // write less than a node-based map), each hit confirmed against the
  // version text, which versions_ holds back to back.
  std::vector<WriteInfo> writes_;
  std::vector<AcceptWindow> windows_;  // by write index; first pass only
  std::vector<std::uint32_t> slots_;  // kNoIndex: empty
  std::string versions_;
  WriteId acknowledged_ = 0;  // acknowledged writes in ops.csv: their ids are 1..acknowledged_
  std::uint64_t op_rows_ = 0, unnamed_ = 0;
  SimTime end_ns_ = 0;  // the last time in any file
  // Replay state.
  trace_input::EventCounts events_;
  std::vector<std::uint8_t> live_;
  // Final state per (node, key): the write it holds, by node << 32 | key.
  std::unordered_map<std::uint64_t, WriteId> holds_;
  std::vector<std::uint8_t> written_;  // by key id: 1 if a write to the key was replayed
  static std::uint64_t held_at(NodeId n, KeyId k) { return (std::uint64_t{n} << 32) | k; }
  void mark_written(KeyId k) {
    if (k >= written_.size()) written_.resize(std::size_t{k} + 1, 0);
    written_[k] = 1;
  }
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
  resolve_nodes();
  measure_sessions();  // first: its memory is freed before the writes are indexed
  index_ops();
  if (have_applied_) index_applied();
  end_first_pass();
  std::optional<ScratchDir> scratch;  // destroyed after the checkers: the spill file lives in it
  Checkers checkers(static_cast<std::uint32_t>(nodes_.size()));
  // Write ids are 1..acknowledged_ + unnamed_: per-write tables sized once, not grown by doubling.
  checkers.lost.reserve_writes(acknowledged_ + unnamed_);
  checkers.convergence.reserve_writes(acknowledged_ + unnamed_);
  if (spill_latencies()) {
    const HistoryCheckOptions& o = in_.history_check;
    scratch.emplace(scratch_parent(o), "ecsim-analyze");
    checkers.op_stats.spill_latencies((scratch->path() / "latency.bin").string());
  }
  std::optional<NamedPlacement> placement;
  if (in_.replicas_of) {
    placement.emplace(in_, key_names_);
    checkers.convergence.set_placement(&*placement);
  }
  live_.assign(nodes_.size(), 1);
  replay(checkers);
  convergence_results(checkers);
  message_results();
  op_results(checkers);
  return std::move(out_);
}

// Latencies go to a scratch file when the session checks stream, or in
// automatic mode for an ops.csv over kSpillOpsBytes: then the latencies held
// in memory (8 bytes a successful op) would be the one thing growing with
// the rows.
bool Replay::spill_latencies() const {
  constexpr std::uintmax_t kSpillOpsBytes = std::uintmax_t{256} << 20;  // about 4 million ops
  const CheckMode mode = in_.history_check.mode;
  return mode == CheckMode::streaming || (mode == CheckMode::automatic && fs::file_size(in_.ops) > kSpillOpsBytes);
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

// Open addressing, linear probing: the slots hold write indexes.
std::uint32_t Replay::find_write(KeyId k, std::string_view text) const {
  if (slots_.empty()) return kNoIndex;
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t s = write_hash(k, text) & mask;; s = (s + 1) & mask) {
    const std::uint32_t i = slots_[s];
    if (i == kNoIndex) return kNoIndex;
    if (writes_[i].key == k && text_of(writes_[i]) == text) return i;
  }
}

void Replay::index_write(std::uint32_t i) {
  const std::size_t mask = slots_.size() - 1;
  std::size_t s = write_hash(writes_[i].key, text_of(writes_[i])) & mask;
  while (slots_[s] != kNoIndex) s = (s + 1) & mask;
  slots_[s] = i;
}

std::uint32_t Replay::add_write(WriteInfo w, SimTime complete_ns, std::string_view text) {
  if (writes_.size() + 1 >= kNoIndex) throw std::length_error("ecsim analyze: too many writes");
  w.text = versions_.size();
  w.text_size = static_cast<std::uint32_t>(text.size());
  versions_.append(text);
  const auto index = static_cast<std::uint32_t>(writes_.size());
  writes_.push_back(w);
  windows_.push_back(AcceptWindow{complete_ns});
  if (2 * writes_.size() > slots_.size()) {  // at most half full: short probes
    slots_.assign(std::max<std::size_t>(1024, 2 * slots_.size()), kNoIndex);
    for (std::uint32_t i = 0; i < index; ++i) index_write(i);
  }
  index_write(index);
  return index;
}

// ---------------------------------------------------------------------------
// First pass

// Nodes: as given (ecsim: the resolved scenario), else every name seen (one more pass over the files).
void Replay::resolve_nodes() {
  nodes_ = in_.nodes;
  if (nodes_.empty()) {
    std::set<std::string> seen;
    for (OpsReader ops(in_.ops); ops.next();)
      if (!ops.row().replica.empty()) seen.insert(ops.row().replica);
    if (have_applied_)
      for (AppliedReader applied(in_.applied); applied.next();) seen.insert(applied.row().replica);
    if (have_events_)
      for (EventsReader events(in_.events, &seen); events.next();) {
      }
    nodes_.assign(seen.begin(), seen.end());
    std::sort(nodes_.begin(), nodes_.end(), [](const std::string& a, const std::string& b) { return natural_less(a, b); });
    out_.notes.push_back(fmt::format("node list not given: using the {} nodes named in the traces", nodes_.size()));
  }
  for (NodeId i = 0; i < nodes_.size(); ++i) node_ids_.emplace(nodes_[i], i);
}

// Operations, their counts and the writes they acknowledged.
void Replay::index_ops() {
  std::uint64_t failed = 0, reads = 0, shared_versions = 0;
  OpsReader ops(in_.ops);
  while (ops.next()) {
    const OpRow& o = ops.row();
    const KeyId k = key(o.key);
    end_ns_ = std::max(end_ns_, o.complete);
    const bool is_write = o.op != "read";
    if (!o.ok) ++failed;
    if (!is_write) {
      ++reads;
      continue;
    }
    if (!o.ok) continue;  // never accepted: the replica was down or unreachable
    const WriteId id = ++acknowledged_;
    if (!o.version.empty() && !add_op_write(o, ops.rows() - 1, id, k)) ++shared_versions;
  }
  op_rows_ = out_.ops = ops.rows();
  if (shared_versions)
    out_.notes.push_back(fmt::format("{} acknowledged writes repeat the version of an earlier write to the same key; "
                                     "they are treated as that write", shared_versions));
  MetricMap& m = out_.metrics;
  m["ops.total"] = static_cast<double>(op_rows_);
  m["ops.failed"] = static_cast<double>(failed);
  m["ops.reads"] = static_cast<double>(reads);
  m["ops.writes"] = static_cast<double>(op_rows_ - reads);
  m["writes.acknowledged"] = static_cast<double>(acknowledged_);
}

// The write of acknowledged ops.csv row `row`; false when an earlier write
// to the key has the same version.
bool Replay::add_op_write(const OpRow& o, std::uint64_t row, WriteId id, KeyId k) {
  const VersionText v = version(in_.ops, o.version_at, o.version);
  if (find_write(k, o.version) != kNoIndex) return false;
  const NodeId origin = o.replica.empty() ? (v.origin.empty() ? kNoNode : node(std::string(v.origin)))
                                          : need_node(in_.ops, o.replica_at, o.replica);
  const std::uint32_t session = origin == kNoNode ? 0 : session_uid(o.client, o.session);
  add_write(WriteInfo{o.invoke, row, 0, id, k, origin, session, 0}, o.complete, o.version);
  return true;
}

// Applied versions: accept times, and writes that no completed op names
// (accepted, but the run ended before the client heard back).
void Replay::index_applied() {
  AppliedReader applied(in_.applied);
  WriteId next_id = acknowledged_ + 1;
  while (applied.next()) {
    const ApplyText& a = applied.row();
    end_ns_ = std::max(end_ns_, a.t);
    if (a.key.empty()) continue;
    const NodeId n = need_node(in_.applied, a.replica_at, a.replica);
    const KeyId k = key(a.key);
    const VersionText v = version(in_.applied, a.version_at, a.version);
    std::uint32_t i = find_write(k, a.version);
    if (i == kNoIndex) {
      const NodeId origin = v.origin.empty() ? n : node(std::string(v.origin));
      i = add_write(WriteInfo{a.t, kUnnamedRow, 0, next_id++, k, origin == kNoNode ? n : origin, 0, 0}, a.t, a.version);
      ++unnamed_;
    }
    WriteInfo& w = writes_[i];
    AcceptWindow& window = windows_[i];
    // The write was accepted where it was first applied at its origin.
    if (n == w.origin && !window.applied_at_origin) {
      window.applied_at_origin = true;
      if (w.row == kUnnamedRow || (a.t >= w.accept_ns && a.t <= window.complete_ns)) w.accept_ns = a.t;
    }
  }
  out_.applies = applied.rows();
}

// What the replay does not need is freed, and the write index shrunk to
// its size, before the checkers allocate theirs.
void Replay::end_first_pass() {
  std::vector<AcceptWindow>().swap(windows_);
  writes_.shrink_to_fit();
  versions_.shrink_to_fit();
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
// Second pass: the merge

void Replay::replay(Checkers& c) {
  // The writes to replay, in their replay order (writes_ is in row, then applied, order).
  std::vector<std::uint32_t> writes;
  for (std::uint32_t i = 0; i < writes_.size(); ++i)
    if (writes_[i].origin != kNoNode) writes.push_back(i);
  std::stable_sort(writes.begin(), writes.end(), [&](std::uint32_t a, std::uint32_t b) {
    return std::pair{writes_[a].accept_ns, writes_[a].row} < std::pair{writes_[b].accept_ns, writes_[b].row};
  });
  OpsReader ops(in_.ops);
  std::optional<AppliedReader> applied;
  std::optional<EventsReader> events;
  if (have_applied_) applied.emplace(in_.applied);
  if (have_events_) events.emplace(in_.events);
  // State losses come from events.csv if given, else from applied.csv's empty rows.
  auto next_apply = [&] {
    while (applied && applied->next())
      if (!applied->row().key.empty() || !have_events_) return true;
    return false;
  };
  bool have_op = ops.next(), have_apply = next_apply(), have_event = events && events->next();
  std::size_t next_write = 0;
  WriteId op_write = 0;  // the id of the last acknowledged write replayed
  constexpr Position kEnd{std::numeric_limits<SimTime>::max(), 9, 0, 0};
  for (;;) {
    const Position e = have_event ? Position{events->row().t, 0, 0, Position::node_event} : kEnd;
    const WriteInfo* w = next_write < writes.size() ? &writes_[writes[next_write]] : nullptr;
    const Position wp = w ? Position{w->accept_ns, 1, w->row, Position::write} : kEnd;
    const Position a = have_apply ? Position{applied->row().t, 2, 0, Position::apply} : kEnd;
    const Position o = have_op ? Position{ops.row().complete, 1, ops.rows() - 1, Position::op} : kEnd;
    const Position first = std::min({e, wp, a, o});
    if (first.phase == kEnd.phase) break;
    if (first.cls == Position::node_event) {
      replay_node_event(events->row(), c);
      have_event = events->next();
    } else if (first.cls == Position::write) {
      replay_write(*w, c);
      ++next_write;
    } else if (first.cls == Position::apply) {
      replay_apply(applied->row(), c);
      have_apply = next_apply();
    } else {
      const OpRow& row = ops.row();
      const bool acknowledged_write = row.ok && row.op != "read";
      replay_op(row, acknowledged_write ? ++op_write : kNoWrite, c);
      have_op = ops.next();
    }
  }
  if (events) events_ = events->counts();
  out_.events = events_.rows;
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
    if (const std::uint32_t w = find_write(k, e.version); w != kNoIndex)
      for (ReplicaObserver* o : c.observers) o->on_write_received(e.t, n, k, writes_[w].id);
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
  std::erase_if(holds_, [n](const auto& h) { return h.first >> 32 == n; });
  for (ReplicaObserver* o : c.observers) o->on_state_lost(t, n);
}

void Replay::replay_write(const WriteInfo& w, Checkers& c) {
  mark_written(w.key);
  const StateRank rank = rank_of(w);
  for (ReplicaObserver* o : c.observers) o->on_write_accepted(w.accept_ns, w.origin, w.key, w.id, rank, w.session);
}

void Replay::replay_apply(const ApplyText& a, Checkers& c) {
  const NodeId n = need_node(in_.applied, a.replica_at, a.replica);
  if (a.key.empty()) {
    lose_state(a.t, n, c);
    return;
  }
  const KeyId k = key(a.key);
  const WriteInfo& w = writes_[find_write(k, a.version)];  // the first pass added every applied version
  const std::uint64_t digest = std::max<std::uint64_t>(1, fnv1a64(a.version));
  holds_[held_at(n, k)] = w.id;
  // Every applied copy was received; copies received and not kept are not in the traces.
  for (ReplicaObserver* o : c.observers) o->on_write_received(a.t, n, k, w.id);
  const StateRank rank = rank_of(w);
  for (ReplicaObserver* o : c.observers) o->on_applied(a.t, n, k, digest, rank, w.id);
}

// `write`: the op's write id if it is an acknowledged write.
void Replay::replay_op(const OpRow& o, WriteId write, Checkers& c) {
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
    r.write = write;
    mark_written(r.key_id);
  } else if (o.ok && !o.version.empty()) {
    const std::uint32_t w = find_write(r.key_id, o.version);
    r.write = w == kNoIndex ? kNoWrite : writes_[w].id;
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
  const bool any_write = std::any_of(writes_.begin(), writes_.end(), [](const WriteInfo& w) { return w.origin != kNoNode; });
  if (op_rows_ == 0 && !any_write) {  // as a run with no key-value activity reports them
    for (const char* name : {"convergence.time_s", "convergence.reached", "staleness.t_visibility_p50_s",
                             "staleness.t_visibility_p99_s", "staleness.never_visible", "lost_writes"})
      m[name] = kNaN;
    out_.notes.push_back("convergence, visibility and lost_writes: no key-value writes, nothing to measure");
    return;
  }
  // Final reads, as the run does them: what every live replica holds for every written key.
  for (KeyId k = 0; k < written_.size(); ++k) {
    if (!written_[k]) continue;
    for (NodeId n = 0; n < live_.size(); ++n) {
      if (!live_[n] || !c.convergence.responsible(n, k)) continue;
      auto h = holds_.find(held_at(n, k));
      c.lost.final_read(n, k, h == holds_.end() ? kNoWrite : h->second);
    }
  }
  if (unnamed_ > 0)
    out_.notes.push_back(fmt::format("visibility: {} applied writes are named by no acknowledged op (failed ops carry no "
                                     "version), so the sessions they causally follow are unknown and visibility can "
                                     "come out later than the run measured it",
                                     unnamed_));
  const std::vector<WriteId> lost = c.lost.lost();
  m["lost_writes"] = static_cast<double>(lost.size());
  lost_write_names(lost);
  c.convergence.exclude_lost(lost);  // a lost write was never visible
  out_.visibility_delays_s = c.convergence.visibility_delays_s();
  const std::vector<double>& visibility = out_.visibility_delays_s;
  m["convergence.time_s"] = c.convergence.convergence_time_s();
  m["convergence.reached"] = c.convergence.converged() ? 1 : 0;
  const std::vector<double> p = percentiles(visibility, {50, 99});  // NaN without values
  m["staleness.t_visibility_p50_s"] = p[0];
  m["staleness.t_visibility_p99_s"] = p[1];
  m["staleness.never_visible"] = static_cast<double>(c.convergence.writes_never_visible());
  if (events_.receives == 0)
    out_.notes.push_back("lost_writes: events.csv has no receive rows, so causality is rebuilt from applied versions "
                         "only (a copy a replica received and discarded is missing)");
}

// TraceAnalysis::lost_writes: (key, version) by key id (first use), then version text.
void Replay::lost_write_names(const std::vector<WriteId>& lost) {
  std::vector<std::pair<KeyId, std::string_view>> found;
  for (const WriteInfo& w : writes_)
    if (std::binary_search(lost.begin(), lost.end(), w.id)) found.emplace_back(w.key, text_of(w));
  std::sort(found.begin(), found.end());
  for (const auto& [k, text] : found) out_.lost_writes.emplace_back(key_names_[k], std::string(text));
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
  const OpStatsResult cost = c.op_stats.finish(std::max(end_ns_, events_.last_ns));
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
