// `ecsim analyze`: rebuild observations from CSV traces and feed them to the
// same checkers a live run uses. See trace_analysis.hpp and docs/ANALYZE.md.
#include "analysis/trace_analysis.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <unordered_map>

#include <fmt/format.h>

#include "analysis/convergence.hpp"
#include "analysis/csv_reader.hpp"
#include "analysis/csv_writer.hpp"
#include "analysis/history.hpp"
#include "analysis/lost_writes.hpp"
#include "analysis/op_stats.hpp"
#include "analysis/session_checker.hpp"
#include "analysis/staleness.hpp"
#include "analysis/stats.hpp"
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
// Reading: CsvReader (fields as text, numbers parsed here), so that every
// error names file, line and column. Rows keep where the fields that are
// checked later (versions, node names) are.

// Where a field is, for errors found after reading.
struct Where {
  int line = 0;
  int column = 0;
};

struct OpRow {
  std::string client;
  std::uint32_t session = 0;
  std::string op, key, value, replica, version;
  SimTime invoke = 0, complete = 0;
  bool ok = false;
  Where replica_at, version_at;  // version_at: the version's first character
};

struct ApplyText {
  SimTime t = 0;
  std::string replica, key, version;  // key and version empty: the replica lost its state
  Where replica_at, version_at;
};

struct NodeEvent {
  SimTime t = 0;
  std::string node, kind, key, version;
  Where node_at;
};

Where at(const CsvReader& in, std::size_t column) { return Where{in.line(), in.column(column)}; }
Where text_at(const CsvReader& in, std::size_t column) { return Where{in.line(), in.text_column(column)}; }

std::string optional_field(const CsvReader& in, const std::optional<std::size_t>& column) {
  return column ? std::string(in[*column]) : std::string();
}

std::vector<OpRow> read_ops(const std::string& path) {
  CsvReader in(path, "trace file");
  const std::size_t client = in.require("client"), session = in.require("session"), op = in.require("op"),
                    key = in.require("key"), invoke = in.require("invoke_ns"), complete = in.require("complete_ns"),
                    ok = in.require("ok"), version = in.require("version");
  const std::optional<std::size_t> replica = in.find("replica"), value = in.find("value");
  std::vector<OpRow> rows;
  while (in.next()) {
    OpRow r;
    r.client = in[client];
    if (r.client.empty()) in.fail(client, "client: must not be empty");
    const std::int64_t s = in.integer(session, "session");
    if (s < 0 || s > 0xFFFFFFFFLL) in.fail(session, fmt::format("session: expected a number >= 0, got {}", s));
    r.session = static_cast<std::uint32_t>(s);
    r.op = in[op];
    r.key = in[key];
    if (r.op.empty()) in.fail(op, "op: must not be empty (read, write, ...)");
    if (r.key.empty()) in.fail(key, "key: must not be empty");
    r.invoke = in.integer(invoke, "invoke_ns");
    r.complete = in.integer(complete, "complete_ns");
    if (r.complete < r.invoke)
      in.fail(complete, fmt::format("complete_ns: {} is before invoke_ns {}", r.complete, r.invoke));
    r.ok = in.boolean(ok, "ok");
    r.version = in[version];
    r.version_at = text_at(in, version);
    r.replica = optional_field(in, replica);
    if (replica) r.replica_at = at(in, *replica);
    r.value = optional_field(in, value);
    rows.push_back(std::move(r));
  }
  return rows;
}

std::vector<ApplyText> read_applied(const std::string& path) {
  CsvReader in(path, "trace file");
  const std::size_t time = in.require("time_ns"), replica = in.require("replica"), key = in.require("key"),
                    version = in.require("version");
  std::vector<ApplyText> rows;
  while (in.next()) {
    ApplyText a;
    a.t = in.integer(time, "time_ns");
    a.replica = in[replica];
    a.key = in[key];
    a.version = in[version];
    if (a.replica.empty()) in.fail(replica, "replica: must not be empty");
    if (a.key.empty() != a.version.empty())
      in.fail(a.key.empty() ? key : version,
              fmt::format("{}: key and version are both given (a state change) or both empty (the replica lost its state)",
                          a.key.empty() ? "key" : "version"));
    if (!rows.empty() && a.t < rows.back().t)
      in.fail(time, fmt::format("time_ns: {} is before the previous row's {}: rows must be in time order", a.t, rows.back().t));
    a.replica_at = at(in, replica);
    a.version_at = text_at(in, version);
    rows.push_back(std::move(a));
  }
  return rows;
}

struct EventScan {
  std::vector<NodeEvent> node_events;  // crash, restart, state_lost, partition, heal, loss_start, loss_end
  std::uint64_t receives = 0;  // copies of writes received (kept or not), with their version
  std::uint64_t rows = 0, sent = 0, bytes = 0, delivered = 0, dropped = 0, duplicated = 0;
  SimTime last_ns = 0;
  std::set<std::string> names;
};

EventScan scan_events(const std::string& path) {
  CsvReader in(path, "trace file");
  const std::size_t time = in.require("time_ns"), node_col = in.require("node"), kind_col = in.require("kind");
  const std::optional<std::size_t> key_col = in.find("key"), bytes_col = in.find("bytes"), version_col = in.find("version");
  EventScan s;
  SimTime previous = std::numeric_limits<SimTime>::min();
  while (in.next()) {
    ++s.rows;
    const SimTime t = in.integer(time, "time_ns");
    if (t < previous)
      in.fail(time, fmt::format("time_ns: {} is before the previous row's {}: rows must be in time order", t, previous));
    previous = t;
    s.last_ns = t;
    const std::string_view node = in[node_col];
    const std::string_view kind = in[kind_col];
    if (!node.empty() && s.names.size() < 10'000'000) s.names.emplace(node);
    if (kind == "send") {
      ++s.sent;
      if (bytes_col && !in[*bytes_col].empty()) s.bytes += static_cast<std::uint64_t>(in.integer(*bytes_col, "bytes"));
    } else if (kind == "deliver") {
      ++s.delivered;
    } else if (kind == "drop") {
      ++s.dropped;
    } else if (kind == "duplicate") {
      ++s.duplicated;
    } else if (kind == "crash" || kind == "restart" || kind == "state_lost" || kind == "receive" || kind == "partition" ||
               kind == "heal" || kind == "loss_start" || kind == "loss_end") {
      if ((kind == "crash" || kind == "restart" || kind == "state_lost" || kind == "receive") && node.empty())
        in.fail(node_col, fmt::format("node: a {} row names its node", kind));
      std::string key = optional_field(in, key_col), version = optional_field(in, version_col);
      if (kind == "receive" && (key.empty() || version.empty())) continue;  // nothing to link it to
      s.node_events.push_back(NodeEvent{t, std::string(node), std::string(kind), std::move(key), std::move(version), at(in, node_col)});
      if (kind == "receive") ++s.receives;
    }
  }
  return s;
}

// ---------------------------------------------------------------------------
// Replay

// Same order as LwwStore::rank_of: timestamp, then logical counter, then origin id.
StateRank rank_of(const VersionText& v, std::uint32_t origin) {
  return StateRank{static_cast<std::uint64_t>(v.major) + (std::uint64_t{1} << 63),
                   (static_cast<std::uint64_t>(v.minor) << 32) | origin};
}

class Replay {
 public:
  explicit Replay(const TraceInputs& in) : in_(in) {}
  TraceAnalysis run();

 private:
  NodeId node(const std::string& name) const {
    auto it = node_ids_.find(name);
    return it == node_ids_.end() ? kNoNode : it->second;
  }
  KeyId key(const std::string& name) {
    auto [it, inserted] = key_ids_.try_emplace(name, static_cast<KeyId>(key_names_.size()));
    if (inserted) key_names_.push_back(name);
    return it->second;
  }
  std::uint64_t session_uid(const std::string& client, std::uint32_t session) {
    auto [it, inserted] = sessions_.try_emplace(client + '\x1f' + std::to_string(session), sessions_.size() + 1);
    return it->second;
  }
  VersionText version(const std::string& file, const Where& where, const std::string& text) {
    try {
      return parse_version(text);
    } catch (const VersionSyntaxError& e) {
      throw InputError(file, where.line, where.column + static_cast<int>(e.offset),
                       fmt::format("version: {}, got '{}' (ecsim analyze needs totally ordered versions, as the "
                                   "LWW store writes them; CRDT and MV-register states are not)", e.what(), text));
    }
  }
  std::uint32_t origin_id(const VersionText& v) const {
    if (v.origin.empty()) return 0;
    const NodeId n = node(std::string(v.origin));
    return n == kNoNode ? 0 : n;
  }

  const TraceInputs& in_;
  std::unordered_map<std::string, NodeId> node_ids_;
  std::unordered_map<std::string, KeyId> key_ids_;
  std::vector<std::string> key_names_;
  std::unordered_map<std::string, std::uint64_t> sessions_;
};

TraceAnalysis Replay::run() {
  TraceAnalysis out;
  MetricMap& m = out.metrics;
  const std::vector<OpRow> ops = read_ops(in_.ops);
  const bool have_applied = !in_.applied.empty();
  const bool have_events = !in_.events.empty();
  const std::vector<ApplyText> applied = have_applied ? read_applied(in_.applied) : std::vector<ApplyText>{};
  EventScan events = have_events ? scan_events(in_.events) : EventScan{};
  out.ops = ops.size();
  out.applies = applied.size();
  out.events = events.rows;

  // Nodes: as given (ecsim: the resolved scenario), else every name seen.
  std::vector<std::string> nodes = in_.nodes;
  if (nodes.empty()) {
    std::set<std::string> seen = events.names;
    for (const OpRow& o : ops)
      if (!o.replica.empty()) seen.insert(o.replica);
    for (const ApplyText& a : applied) seen.insert(a.replica);
    nodes.assign(seen.begin(), seen.end());
    std::sort(nodes.begin(), nodes.end(), [](const std::string& a, const std::string& b) { return natural_less(a, b); });
    out.notes.push_back(fmt::format("node list not given: using the {} nodes named in the traces", nodes.size()));
  }
  for (NodeId i = 0; i < nodes.size(); ++i) node_ids_.emplace(nodes[i], i);
  auto need_node = [&](const std::string& file, const Where& where, const std::string& name) {
    const NodeId n = node(name);
    if (n == kNoNode)
      throw InputError(file, where.line, where.column, fmt::format("unknown node '{}' (the scenario's nodes are {} .. {})", name,
                                                  nodes.empty() ? "none" : nodes.front(), nodes.empty() ? "none" : nodes.back()));
    return n;
  };

  // Operations and their writes. Write ids: ops.csv row + 1.
  struct WriteInfo {
    WriteId id;
    NodeId origin;
    KeyId key;
    StateRank rank;
    SimTime accept_ns;
    std::uint64_t session;
    bool from_op;
  };
  std::map<std::pair<KeyId, std::string>, WriteId> write_of;  // (key, version) -> write
  std::vector<WriteInfo> writes;                               // accepted writes
  std::uint64_t acknowledged = 0, failed = 0, reads = 0, shared_versions = 0;
  for (std::size_t i = 0; i < ops.size(); ++i) {
    const OpRow& o = ops[i];
    const KeyId k = key(o.key);
    const bool is_write = o.op != "read";
    if (!o.ok) ++failed;
    if (!is_write) {
      ++reads;
      continue;
    }
    if (!o.ok) continue;  // never accepted: the replica was down or unreachable
    ++acknowledged;
    if (o.version.empty()) continue;
    const VersionText v = version(in_.ops, o.version_at, o.version);
    const WriteId id = static_cast<WriteId>(i + 1);
    if (!write_of.emplace(std::pair{k, o.version}, id).second) {
      ++shared_versions;
      continue;
    }
    const NodeId origin = o.replica.empty() ? (v.origin.empty() ? kNoNode : node(std::string(v.origin))) : need_node(in_.ops, o.replica_at, o.replica);
    if (origin == kNoNode) continue;
    writes.push_back(WriteInfo{id, origin, k, rank_of(v, origin_id(v)), o.invoke, session_uid(o.client, o.session), true});
  }
  if (shared_versions)
    out.notes.push_back(fmt::format("{} acknowledged writes repeat the version of an earlier write to the same key; "
                                    "they are treated as that write", shared_versions));
  m["ops.total"] = static_cast<double>(ops.size());
  m["ops.failed"] = static_cast<double>(failed);
  m["ops.reads"] = static_cast<double>(reads);
  m["ops.writes"] = static_cast<double>(ops.size() - reads);
  m["writes.acknowledged"] = static_cast<double>(acknowledged);

  // Applied versions: accept times, and writes that no completed op names
  // (accepted, but the run ended before the client heard back).
  std::vector<WriteId> apply_write(applied.size(), kNoWrite);
  std::vector<StateRank> apply_rank(applied.size());
  std::vector<std::uint64_t> apply_digest(applied.size(), 0);
  {
    std::map<std::pair<KeyId, std::string>, std::size_t> first_apply_at_origin;
    std::map<WriteId, std::size_t> info_of;
    for (std::size_t w = 0; w < writes.size(); ++w) info_of[writes[w].id] = w;
    WriteId next_id = static_cast<WriteId>(ops.size() + 1);
    for (std::size_t i = 0; i < applied.size(); ++i) {
      const ApplyText& a = applied[i];
      if (a.key.empty()) continue;
      const NodeId n = need_node(in_.applied, a.replica_at, a.replica);
      const KeyId k = key(a.key);
      const VersionText v = version(in_.applied, a.version_at, a.version);
      apply_rank[i] = rank_of(v, origin_id(v));
      apply_digest[i] = std::max<std::uint64_t>(1, fnv1a64(a.version));
      auto it = write_of.find({k, a.version});
      if (it == write_of.end()) {
        const NodeId origin = v.origin.empty() ? n : node(std::string(v.origin));
        it = write_of.emplace(std::pair{k, a.version}, next_id++).first;
        info_of[it->second] = writes.size();
        writes.push_back(WriteInfo{it->second, origin == kNoNode ? n : origin, k, apply_rank[i], a.t, 0, false});
      }
      apply_write[i] = it->second;
      WriteInfo& w = writes[info_of.at(it->second)];
      // The write was accepted where it was first applied at its origin.
      if (n == w.origin && first_apply_at_origin.emplace(std::pair{k, a.version}, i).second) {
        const OpRow* o = w.from_op ? &ops[w.id - 1] : nullptr;
        if (!o || (a.t >= o->invoke && a.t <= o->complete)) w.accept_ns = a.t;
      }
    }
  }

  // Sessions and staleness: the session checkers read the same files.
  {
    const History history = read_history_csv(in_.ops, in_.applied, nodes);
    SessionCheckOptions so;
    if (!have_applied) so.check = {true, true, false, false};  // MW and WFR need the applied order
    const SessionCheckResult sessions = check_sessions(history, so);
    for (std::size_t g = 0; g < kGuaranteeNames.size(); ++g) {
      const std::string name(kGuaranteeNames[g]);
      const GuaranteeResult& r = sessions.by_guarantee[g];
      m["violations." + name] = r.checked ? static_cast<double>(r.violations) : kNaN;
      m["violations." + name + "_sessions"] = r.checked ? static_cast<double>(r.sessions_affected) : kNaN;
    }
    m["violations.ryw_client"] = static_cast<double>(sessions.ryw_client);
    if (!have_applied) out.notes.push_back("violations.mw and violations.wfr need applied.csv (the order replicas applied writes in)");
    const StalenessResult st = measure_staleness(history);
    m["staleness.reads"] = static_cast<double>(st.reads);
    m["staleness.k1_fraction"] = st.k_fraction(1);
    m["staleness.k2_fraction"] = st.k_fraction(2);
    m["staleness.k3_fraction"] = st.k_fraction(3);
  }

  // The timeline: (time, class, order in its file). At one instant, node and
  // fault events come first, then writes accepted, states applied, and
  // operations completed, which is the order a live run reports them in.
  struct Item {
    SimTime t;
    int cls;
    std::size_t index;
  };
  std::vector<Item> items;
  const bool lost_from_events = have_events;  // state losses: events.csv if given, else applied.csv
  for (std::size_t i = 0; i < events.node_events.size(); ++i) items.push_back({events.node_events[i].t, 0, i});
  for (std::size_t w = 0; w < writes.size(); ++w) items.push_back({writes[w].accept_ns, 1, w});
  for (std::size_t i = 0; i < applied.size(); ++i)
    if (!applied[i].key.empty() || !lost_from_events) items.push_back({applied[i].t, 2, i});
  for (std::size_t i = 0; i < ops.size(); ++i) items.push_back({ops[i].complete, 3, i});
  std::stable_sort(items.begin(), items.end(), [](const Item& a, const Item& b) {
    return a.t != b.t ? a.t < b.t : a.cls < b.cls;
  });

  const auto node_count = static_cast<std::uint32_t>(nodes.size());
  ConvergenceTracker convergence(node_count, false);
  LostWritesChecker lost;
  OpStats op_stats;
  const std::vector<Observer*> kernel = {&convergence, &op_stats};  // node events, faults
  const std::vector<ReplicaObserver*> observers = {&convergence, &lost, &op_stats};
  std::vector<std::uint8_t> live(node_count, 1);
  // Final state per (node, key): the write whose version the replica holds.
  std::map<std::pair<NodeId, KeyId>, WriteId> holds;
  std::set<KeyId> written;
  std::string version_text;
  for (const Item& it : items) {
    switch (it.cls) {
      case 0: {
        const NodeEvent& e = events.node_events[it.index];
        if (e.kind == "crash" || e.kind == "restart") {
          const NodeId n = need_node(in_.events, e.node_at, e.node);
          live[n] = e.kind == "restart";
          for (Observer* o : kernel)
            o->on_node(e.t, n, e.kind == "crash" ? NodeEventKind::crash : NodeEventKind::restart, e.key == "lose_state");
        } else if (e.kind == "receive") {
          const NodeId n = need_node(in_.events, e.node_at, e.node);
          const KeyId k = key(e.key);
          auto w = write_of.find({k, e.version});
          if (w != write_of.end())
            for (ReplicaObserver* o : observers) o->on_write_received(e.t, n, k, w->second);
        } else if (e.kind == "state_lost") {
          const NodeId n = need_node(in_.events, e.node_at, e.node);
          for (auto h = holds.begin(); h != holds.end();) h = h->first.first == n ? holds.erase(h) : std::next(h);
          for (ReplicaObserver* o : observers) o->on_state_lost(e.t, n);
        } else {
          // Flapping writes its cuts as partition/heal rows described "flapping ...".
          const bool flap = e.key.rfind("flapping", 0) == 0;
          FaultEventKind kind = FaultEventKind::loss_end;
          if (e.kind == "partition") kind = flap ? FaultEventKind::flap_cut : FaultEventKind::partition;
          else if (e.kind == "heal") kind = flap ? FaultEventKind::flap_heal : FaultEventKind::heal;
          else if (e.kind == "loss_start") kind = FaultEventKind::loss_start;
          for (Observer* o : kernel) o->on_fault(e.t, kind, e.key);
        }
        break;
      }
      case 1: {
        const WriteInfo& w = writes[it.index];
        written.insert(w.key);
        for (ReplicaObserver* o : observers) o->on_write_accepted(w.accept_ns, w.origin, w.key, w.id, w.rank, w.session);
        break;
      }
      case 2: {
        const ApplyText& a = applied[it.index];
        const NodeId n = need_node(in_.applied, a.replica_at, a.replica);
        if (a.key.empty()) {
          for (auto h = holds.begin(); h != holds.end();) h = h->first.first == n ? holds.erase(h) : std::next(h);
          for (ReplicaObserver* o : observers) o->on_state_lost(a.t, n);
          break;
        }
        const KeyId k = key(a.key);
        holds[{n, k}] = apply_write[it.index];
        // Every applied copy was received; copies received and not kept are not in the traces.
        for (ReplicaObserver* o : observers) o->on_write_received(a.t, n, k, apply_write[it.index]);
        for (ReplicaObserver* o : observers) o->on_applied(a.t, n, k, apply_digest[it.index], apply_rank[it.index]);
        break;
      }
      case 3: {
        const OpRow& o = ops[it.index];
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
          r.write = static_cast<WriteId>(it.index + 1);
          written.insert(r.key_id);
        } else if (o.ok && !o.version.empty()) {
          auto w = write_of.find({r.key_id, o.version});
          r.write = w == write_of.end() ? kNoWrite : w->second;
        }
        for (ReplicaObserver* obs : observers) obs->on_op(r);
        break;
      }
    }
  }

  if (have_applied) {
    const std::vector<double> visibility = convergence.visibility_delays_s();
    out.visibility_delays_s = visibility;
    m["convergence.time_s"] = convergence.convergence_time_s();
    m["convergence.reached"] = convergence.converged() ? 1 : 0;
    m["staleness.t_visibility_p50_s"] = visibility.empty() ? kNaN : percentile(visibility, 50);
    m["staleness.t_visibility_p99_s"] = visibility.empty() ? kNaN : percentile(visibility, 99);
    m["staleness.never_visible"] = static_cast<double>(convergence.writes_never_visible());
    // Final reads, as the run does them: what every live replica holds for every written key.
    for (KeyId k : written)
      for (NodeId n = 0; n < node_count; ++n) {
        if (!live[n]) continue;
        auto h = holds.find({n, k});
        lost.final_read(n, k, h == holds.end() ? kNoWrite : h->second);
      }
    m["lost_writes"] = static_cast<double>(lost.count_lost());
    if (events.receives == 0)
      out.notes.push_back("lost_writes: events.csv has no receive rows, so causality is rebuilt from applied versions "
                          "only (a copy a replica received and discarded is missing)");
  } else {
    out.notes.push_back("convergence, visibility and lost_writes need applied.csv (replica states over time)");
  }
  if (!have_events) {
    out.notes.push_back("messages.* and partition availability need events.csv; crashes and heals are unknown without it");
  } else {
    m["messages.sent"] = static_cast<double>(events.sent);
    m["messages.bytes"] = static_cast<double>(events.bytes);
    m["messages.delivered"] = static_cast<double>(events.delivered);
    m["messages.dropped"] = static_cast<double>(events.dropped);
    m["messages.duplicated"] = static_cast<double>(events.duplicated);
  }
  SimTime end_ns = events.last_ns;
  for (const OpRow& o : ops) end_ns = std::max(end_ns, o.complete);
  if (!applied.empty()) end_ns = std::max(end_ns, applied.back().t);
  const OpStatsResult cost = op_stats.finish(end_ns);
  m["ops.latency_p50_s"] = cost.latency_p50_s;
  m["ops.latency_p99_s"] = cost.latency_p99_s;
  if (have_events) {
    m["ops.partition_ops"] = static_cast<double>(cost.partition_ops);
    m["ops.partition_failed_fraction"] = cost.partition_failed_fraction();
  }
  return out;
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
