#include "analysis/session_checker.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <limits>
#include <span>
#include <stdexcept>

namespace ecsim {

Guarantee guarantee_from_name(std::string_view name) {
  for (std::size_t i = 0; i < kGuaranteeNames.size(); ++i)
    if (kGuaranteeNames[i] == name) return static_cast<Guarantee>(i);
  throw std::invalid_argument(fmt::format("unknown session guarantee '{}' (expected ryw, mr, mw or wfr)", name));
}

namespace {

constexpr std::uint64_t kLastTie = std::numeric_limits<std::uint64_t>::max();

// A sort entry: a group (owner and key, or session), a time and a tie-break
// at equal times, an op (or row) index, and the fields the passes read,
// carried along so that the passes scan memory in order instead of jumping
// around the history.
struct Entry {
  std::uint64_t group;
  std::int64_t time;
  std::uint64_t tie;  // session order at one instant (seq), or an applied row's step
  Version version;
  std::uint32_t op;
  std::uint32_t id_kind;  // an id the pass needs (key, or session), and kWriteBit for a write
  static constexpr std::uint32_t kWriteBit = 0x80000000u;
  std::uint32_t id() const { return id_kind & ~kWriteBit; }
  bool is_write() const { return (id_kind & kWriteBit) != 0; }
  // Whether this completed op precedes the invoked op `e` of its session:
  // completed no later than e was invoked and, at one instant, issued
  // before it (ties carry seq; an unknown seq keeps the real-time order).
  bool completed_before(const Entry& e) const { return time != e.time ? time < e.time : tie < e.tie; }
};
static_assert(sizeof(Entry) == 48);

// Ties at one instant: a completed op with a known seq precedes the ops of
// its session issued later; with seq unknown (0) it precedes every op
// invoked at that instant, as real time alone says.
Entry invoked_entry(std::uint64_t group, std::uint32_t op, const HistoryOp& o, std::uint32_t id) {
  return Entry{group, o.invoke_ns, o.seq != 0 ? o.seq : kLastTie, o.version, op, id | (o.is_write ? Entry::kWriteBit : 0)};
}
Entry completed_entry(std::uint64_t group, std::uint32_t op, const HistoryOp& o, std::uint32_t id) {
  return Entry{group, o.complete_ns, o.seq, o.version, op, id | (o.is_write ? Entry::kWriteBit : 0)};
}

// Stable counting sort by a dense id in [0, n).
template <class Id>
void counting_sort(std::vector<Entry>& v, std::vector<Entry>& scratch, std::size_t n, Id id) {
  std::vector<std::uint32_t> start(n + 1, 0);
  for (const Entry& e : v) ++start[id(e) + 1];
  for (std::size_t i = 1; i <= n; ++i) start[i] += start[i - 1];
  scratch.resize(v.size());
  for (const Entry& e : v) scratch[start[id(e)]++] = e;
  v.swap(scratch);
}

// Sorts entries, pushed in op (or row) order, by (group, time, op), where
// group = major << 32 | minor with dense ids below major_n and minor_n. Two
// stable counting sorts group them in O(n) keeping input order inside a
// group; a group is then sorted by time only if it is not already (a
// history in completion order mostly is): O(n log n) at worst.
void sort_entries(std::vector<Entry>& v, std::size_t major_n, std::size_t minor_n) {
  std::vector<Entry> scratch;
  counting_sort(v, scratch, minor_n, [](const Entry& e) { return static_cast<std::uint32_t>(e.group); });
  counting_sort(v, scratch, major_n, [](const Entry& e) { return static_cast<std::uint32_t>(e.group >> 32); });
  auto by_time = [](const Entry& a, const Entry& b) {
    if (a.time != b.time) return a.time < b.time;
    return a.tie != b.tie ? a.tie < b.tie : a.op < b.op;
  };
  for (std::size_t a = 0; a < v.size();) {
    std::size_t b = a + 1;
    while (b < v.size() && v[b].group == v[a].group) ++b;
    if (!std::is_sorted(v.begin() + static_cast<std::ptrdiff_t>(a), v.begin() + static_cast<std::ptrdiff_t>(b), by_time))
      std::sort(v.begin() + static_cast<std::ptrdiff_t>(a), v.begin() + static_cast<std::ptrdiff_t>(b), by_time);
    a = b;
  }
}

// Collects the violations of one guarantee and the sessions they touch.
struct Sink {
  std::vector<Violation> found;
  std::vector<std::uint8_t> session_hit;
  void add(const History& h, Violation v) {
    session_hit[h.ops[v.op].session] = 1;
    found.push_back(v);
  }
};

// RYW and MR per (session, key), and RYW across the sessions of a client
// (`client_ryw`, counted only) per (client, key), in one pass: per (client,
// key), reads in invocation order against the writes and reads of that
// client completed by then. A session's ops keep their order inside its
// client's group, so what its own pass would have seen completed before a
// read is exactly what its entry in `known` holds then.
void read_pass(const History& h, bool ryw, bool mr, bool client_ryw, Sink& ryw_sink, Sink& mr_sink, std::uint64_t& reads,
               std::uint64_t& client_count) {
  std::vector<Entry> invoked, completed;
  for (std::uint32_t i = 0; i < h.ops.size(); ++i) {
    const HistoryOp& op = h.ops[i];
    if (!op.ok) continue;
    const std::uint64_t group = (std::uint64_t{h.session_client[op.session]} << 32) | op.key;
    if (!op.is_write) invoked.push_back(invoked_entry(group, i, op, op.session));
    if (!op.version.empty() && ((op.is_write && ryw) || (!op.is_write && mr)))
      completed.push_back(completed_entry(group, i, op, op.session));
  }
  sort_entries(invoked, h.clients.size(), h.keys.size());
  sort_entries(completed, h.clients.size(), h.keys.size());
  reads = invoked.size();
  struct Known {  // a session's newest write and read of the group's key so far; empty = none
    Version written, read;
    std::uint32_t written_by = kNoId, read_by = kNoId;
  };
  std::vector<Known> known(h.session_count());
  std::vector<std::uint32_t> touched;  // sessions whose `known` the group set
  std::size_t j = 0;
  for (std::size_t a = 0; a < invoked.size();) {
    const std::uint64_t group = invoked[a].group;
    std::size_t b = a;
    while (b < invoked.size() && invoked[b].group == group) ++b;
    while (j < completed.size() && completed[j].group < group) ++j;
    Version client_written;  // the client's newest acknowledged write of the key so far
    for (std::size_t e = a; e < b; ++e) {
      while (j < completed.size() && completed[j].group == group && completed[j].completed_before(invoked[e])) {
        const Entry& c = completed[j];
        Known& k = known[c.id()];
        if (k.written_by == kNoId && k.read_by == kNoId) touched.push_back(c.id());
        if (!c.is_write()) {
          if (k.read.empty() || k.read < c.version) k.read = c.version, k.read_by = c.op;
        } else {
          if (k.written.empty() || k.written < c.version) k.written = c.version, k.written_by = c.op;
          if (client_written.empty() || client_written < c.version) client_written = c.version;
        }
        ++j;
      }
      const Known& k = known[invoked[e].id()];
      const std::uint32_t r = invoked[e].op;
      const Version& got = invoked[e].version;
      if (ryw && !k.written.empty() && got < k.written)
        ryw_sink.add(h, Violation{Guarantee::ryw, r, k.written, k.written_by, kNoId, -1});
      if (mr && !k.read.empty() && got < k.read) mr_sink.add(h, Violation{Guarantee::mr, r, k.read, k.read_by, kNoId, -1});
      if (client_ryw && !client_written.empty() && got < client_written) ++client_count;
    }
    for (std::uint32_t t : touched) known[t] = Known{};
    touched.clear();
    a = b;
  }
}

// A point in one replica incarnation's apply order: its step, named by the
// step's first row in History::applies (input order is time order per
// replica, so within an incarnation this orders steps by time, then input).
// Rows of one step are at one moment: no reader could see them apart.
struct Moment {
  std::uint32_t first_row = kNoId;
  bool never() const { return first_row == kNoId; }
  friend auto operator<=>(const Moment&, const Moment&) = default;
};

// The applied order, grouped by (key, incarnation) and sorted by time, with
// the running maximum of versions: the newest version a replica incarnation
// reflects at any moment.
struct AppliedIndex {
  struct Group {
    std::uint32_t incarnation, begin, end;
  };
  std::vector<Moment> moment;
  std::vector<std::int64_t> time_ns;  // of the row (kept here: reading History::applies for it would jump around)
  std::vector<Version> version;
  std::vector<Version> newest;
  std::vector<Group> groups;
  std::vector<std::uint32_t> key_first;  // groups of key k: [key_first[k], key_first[k + 1])

  explicit AppliedIndex(const History& h) {
    std::vector<Entry> order;
    order.reserve(h.applies.size());
    for (std::uint32_t i = 0; i < h.applies.size(); ++i) {
      const ApplyRow& a = h.applies[i];
      order.push_back(Entry{(static_cast<std::uint64_t>(a.key) << 32) | a.incarnation, a.time_ns, a.step, a.version, i, a.key});
    }
    sort_entries(order, h.keys.size(), h.incarnation_replica.size());
    moment.reserve(order.size());
    time_ns.reserve(order.size());
    version.reserve(order.size());
    newest.reserve(order.size());
    key_first.assign(h.keys.size() + 1, 0);
    for (std::size_t i = 0; i < order.size(); ++i) {
      const Entry& a = order[i];
      const bool new_group = i == 0 || a.group != order[i - 1].group;
      if (new_group) {
        if (!groups.empty()) groups.back().end = static_cast<std::uint32_t>(i);
        groups.push_back(Group{static_cast<std::uint32_t>(a.group), static_cast<std::uint32_t>(i), 0});
        ++key_first[a.id_kind + 1];
      }
      moment.push_back(Moment{static_cast<std::uint32_t>(a.tie)});
      time_ns.push_back(a.time);
      version.push_back(a.version);
      newest.push_back(new_group || newest.back() < a.version ? a.version : newest.back());
    }
    if (!groups.empty()) groups.back().end = static_cast<std::uint32_t>(order.size());
    for (std::size_t k = 1; k < key_first.size(); ++k) key_first[k] += key_first[k - 1];
  }

  // First row of group g whose running maximum is at least v (g.end if none).
  std::uint32_t first_reaching(const Group& g, const Version& v) const {
    const auto it = std::lower_bound(newest.begin() + g.begin, newest.begin() + g.end, v);
    return static_cast<std::uint32_t>(it - newest.begin());
  }
  // Where each incarnation that ever reflected (key, v) stands on it.
  void stands(std::uint32_t key, const Version& v, std::vector<Stand>& out) const {
    for (std::uint32_t g = key_first[key]; g < key_first[key + 1]; ++g) {
      const Group& grp = groups[g];
      const std::uint32_t r = first_reaching(grp, v);
      if (r < grp.end) out.push_back(Stand{time_ns[r], grp.incarnation, moment[r].first_row, version[r] == v});
    }
  }
};

// Per-session requirements of MW (writes) or WFR (reads): the newest version
// per key, and per replica incarnation the latest moment at which it came to
// reflect one of them.
struct Requirements {
  std::vector<Version> key_newest;
  std::vector<std::uint32_t> key_cause;
  std::vector<std::uint32_t> keys_touched;
  std::vector<Moment> inc_latest;
  std::vector<std::uint32_t> inc_cause;
  std::vector<std::uint32_t> incs_touched;

  Requirements(std::size_t keys, std::size_t incarnations)
      : key_newest(keys), key_cause(keys, kNoId), inc_latest(incarnations), inc_cause(incarnations, kNoId) {}

  // `stands_of(op, key, v)`: where each incarnation stands on (key, v).
  template <class StandsOf>
  void add(StandsOf& stands_of, std::uint32_t key, const Version& v, std::uint32_t op) {
    if (key_newest[key].empty()) keys_touched.push_back(key);
    else if (key_newest[key] == v) return;  // the same version again (rereads): nothing new
    if (key_newest[key].empty() || key_newest[key] < v) {
      key_newest[key] = v;
      key_cause[key] = op;
    }
    // An older version still counts: a replica may reflect it and never the newer one.
    for (const Stand& s : stands_of(op, key, v)) {
      const Moment t{s.step};
      if (inc_latest[s.incarnation].never()) incs_touched.push_back(s.incarnation);
      if (inc_latest[s.incarnation].never() || inc_latest[s.incarnation] < t) {
        inc_latest[s.incarnation] = t;
        inc_cause[s.incarnation] = op;
      }
    }
  }
  void reset() {
    for (std::uint32_t k : keys_touched) key_newest[k] = Version{}, key_cause[k] = kNoId;
    for (std::uint32_t i : incs_touched) inc_latest[i] = Moment{}, inc_cause[i] = kNoId;
    keys_touched.clear();
    incs_touched.clear();
  }
};

// Checks write `w`, whose stands are `w_stands`, against one set of
// requirements; adds at most one violation.
void check_write(const History& h, const Requirements& req, Guarantee g, const Entry& w, std::span<const Stand> w_stands,
                 Sink& sink) {
  const std::uint32_t key = w.id();
  const Version& need = req.key_newest[key];
  if (!need.empty() && w.version < need) {  // (a): the same key, ordered before by version
    sink.add(h, Violation{g, w.op, need, req.key_cause[key], kNoId, -1});
    return;
  }
  for (const Stand& s : w_stands) {
    const Moment latest = req.inc_latest[s.incarnation];
    if (!s.exact || latest.never()) continue;
    // (b): this replica took on w in an earlier step than the one that made
    // it reflect what came first (one step is one moment: no inversion).
    if (Moment{s.step} < latest) {
      const std::uint32_t cause = req.inc_cause[s.incarnation];
      sink.add(h, Violation{g, w.op, h.ops[cause].version, cause, s.incarnation, s.time_ns});
      return;
    }
  }
}

// Rule (b)'s questions answered by an index of the applied order (check_sessions)...
struct IndexStands {
  const AppliedIndex& ix;
  std::vector<Stand> scratch;
  std::span<const Stand> operator()(std::uint32_t, std::uint32_t key, const Version& v) {
    scratch.clear();
    ix.stands(key, v, scratch);
    return scratch;
  }
};
// ... or by answers found beforehand (the streaming checker).
struct ListedStands {
  const OpStands& s;
  std::span<const Stand> operator()(std::uint32_t op, std::uint32_t, const Version&) const {
    if (op >= s.first.size()) return {};
    return {s.stands.data() + s.first[op], s.stands.data() + s.end[op]};
  }
};

template <class StandsOf>
void write_pass(const History& h, StandsOf& stands_of, bool mw, bool wfr, Sink& mw_sink, Sink& wfr_sink,
                std::uint64_t& writes) {
  std::vector<Entry> invoked, armed;
  for (std::uint32_t i = 0; i < h.ops.size(); ++i) {
    const HistoryOp& op = h.ops[i];
    if (!op.ok || op.version.empty()) continue;
    if (op.is_write) invoked.push_back(invoked_entry(op.session, i, op, op.key));
    if ((op.is_write && mw) || (!op.is_write && wfr)) armed.push_back(completed_entry(op.session, i, op, op.key));
  }
  sort_entries(invoked, 1, h.session_count());
  sort_entries(armed, 1, h.session_count());
  writes = invoked.size();
  const std::size_t incarnations = h.incarnation_replica.size();
  Requirements written(h.keys.size(), incarnations), read(h.keys.size(), incarnations);
  std::size_t j = 0;
  for (std::size_t a = 0; a < invoked.size();) {
    const std::uint64_t session = invoked[a].group;
    std::size_t b = a;
    while (b < invoked.size() && invoked[b].group == session) ++b;
    while (j < armed.size() && armed[j].group < session) ++j;
    for (std::size_t e = a; e < b; ++e) {
      while (j < armed.size() && armed[j].group == session && armed[j].completed_before(invoked[e])) {
        const Entry& c = armed[j];
        (c.is_write() ? written : read).add(stands_of, c.id(), c.version, c.op);
        ++j;
      }
      const Entry& w = invoked[e];
      std::span<const Stand> w_stands;
      if (!written.incs_touched.empty() || !read.incs_touched.empty()) w_stands = stands_of(w.op, w.id(), w.version);
      if (mw) check_write(h, written, Guarantee::mw, w, w_stands, mw_sink);
      if (wfr) check_write(h, read, Guarantee::wfr, w, w_stands, wfr_sink);
    }
    while (j < armed.size() && armed[j].group == session) ++j;
    written.reset();
    read.reset();
    a = b;
  }
}

void finish(const History& h, Sink& sink, GuaranteeResult& out, const SessionCheckOptions& o) {
  out.checked = true;
  out.violations = sink.found.size();
  for (std::uint8_t hit : sink.session_hit) out.sessions_affected += hit;
  auto earlier = [&](const Violation& a, const Violation& b) {
    const HistoryOp &x = h.op(a.op), &y = h.op(b.op);
    return x.invoke_ns != y.invoke_ns ? x.invoke_ns < y.invoke_ns : a.op < b.op;
  };
  const std::size_t n = std::min(o.examples, sink.found.size());
  if (o.keep_all) {
    std::sort(sink.found.begin(), sink.found.end(), earlier);
    out.examples.assign(sink.found.begin(), sink.found.begin() + static_cast<std::ptrdiff_t>(n));
    out.all = std::move(sink.found);
  } else {
    std::partial_sort(sink.found.begin(), sink.found.begin() + static_cast<std::ptrdiff_t>(n), sink.found.end(), earlier);
    out.examples.assign(sink.found.begin(), sink.found.begin() + static_cast<std::ptrdiff_t>(n));
  }
}

}  // namespace

namespace {

// Every pass over one history; `stands` answers rule (b): an AppliedIndex
// of h.applies, or answers the streaming checker found beforehand.
template <class StandsOf>
SessionCheckResult check_all(const History& h, const SessionCheckOptions& o, StandsOf* stands) {
  const bool ryw = o.check[0], mr = o.check[1], mw = o.check[2], wfr = o.check[3];
  if ((mw || wfr) && !h.has_applies)
    throw std::invalid_argument("checking MW or WFR needs the order in which replicas applied writes (applied.csv)");
  SessionCheckResult result;
  result.sessions = h.session_count();
  std::array<Sink, 4> sinks;
  for (Sink& s : sinks) s.session_hit.assign(h.session_count(), 0);
  std::uint64_t reads = 0, writes = 0;
  if (ryw || mr) read_pass(h, ryw, mr, ryw && o.client_ryw, sinks[0], sinks[1], reads, result.ryw_client);
  if (mw || wfr) write_pass(h, *stands, mw, wfr, sinks[2], sinks[3], writes);
  for (std::size_t g = 0; g < 4; ++g) {
    if (!o.check[g]) continue;
    finish(h, sinks[g], result.by_guarantee[g], o);
    result.by_guarantee[g].ops_checked = g < 2 ? reads : writes;
  }
  return result;
}

}  // namespace

SessionCheckResult check_sessions(const History& h, const SessionCheckOptions& o) {
  if (!o.check[2] && !o.check[3]) return check_all<IndexStands>(h, o, nullptr);
  const AppliedIndex ix(h);
  IndexStands stands{ix, {}};
  return check_all(h, o, &stands);
}

SessionCheckResult check_sessions(const History& h, const SessionCheckOptions& o, const OpStands& stands) {
  ListedStands listed{stands};
  return check_all(h, o, &listed);
}

// The index type stays inside this file: the header holds it type-erased.
AppliedStands::AppliedStands(const History& h) : index_(std::make_shared<const AppliedIndex>(h)) {}
AppliedStands::~AppliedStands() = default;

void AppliedStands::stands(std::uint32_t key, const Version& v, std::vector<Stand>& out) const {
  static_cast<const AppliedIndex*>(index_.get())->stands(key, v, out);
}

std::string describe_violation(const History& h, const Violation& v) {
  const HistoryOp& op = h.op(v.op);
  // No replica: a cache hit, or a history without the optional replica column (then say nothing).
  const std::string replica = op.replica != kNoId ? " at " + h.replicas[op.replica] : h.replicas.empty() ? "" : " at cache";
  std::string s = fmt::format("{} {} {} {} invoked {:.6f} s{}", kGuaranteeNames[static_cast<std::size_t>(v.guarantee)],
                              h.session_name(op.session), op.is_write ? "write" : "read", h.keys[op.key],
                              to_seconds(op.invoke_ns), replica);
  const std::string got = op.version.empty() ? std::string("nothing") : h.format(op.version);
  switch (v.guarantee) {
    case Guarantee::ryw:
      s += fmt::format(" returned {}, but the session had written {}", got, h.format(v.required));
      break;
    case Guarantee::mr:
      s += fmt::format(" returned {}, but the session had read {}", got, h.format(v.required));
      break;
    case Guarantee::mw:
    case Guarantee::wfr: {
      const char* what = v.guarantee == Guarantee::mw ? "written" : "read";
      if (v.incarnation == kNoId)
        s += fmt::format(" as {}, older than {} the session had {}", got, h.format(v.required), what);
      else
        s += fmt::format(" as {}: {} applied it at {:.6f} s before {} the session had {}", got,
                         h.replicas[h.incarnation_replica[v.incarnation]], to_seconds(v.applied_ns),
                         h.format(v.required), what);
      break;
    }
  }
  s += fmt::format(" (ops row {}", v.op + 1);
  if (v.cause != kNoId) s += fmt::format("; after row {}", v.cause + 1);
  return s + ")";
}

}  // namespace ecsim
