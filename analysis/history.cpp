#include "analysis/history.hpp"

#include <algorithm>
#include <atomic>
#include <bit>
#include <charconv>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fmt/format.h>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>

#include "analysis/csv_reader.hpp"
#include "sim/hash.hpp"

namespace ecsim {

// ---------------------------------------------------------------------------
// Versions

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

VersionText parse_version(std::string_view text) {
  VersionText v;
  if (text.empty()) return v;
  std::size_t i = 0;
  if (text[0] == 'L') i = 1;  // Lamport counter
  const std::size_t major_at = i;
  if (i < text.size() && text[i] == '-') ++i;
  if (i >= text.size() || !is_digit(text[i]))
    throw VersionSyntaxError("expected a version like 1500000.2@n3 (an integer, optionally .fraction and @origin)",
                             major_at);
  std::int64_t major = 0;
  auto [end, ec] = std::from_chars(text.data() + major_at, text.data() + text.size(), major);
  if (ec != std::errc() || major == Version::kNone)
    throw VersionSyntaxError("version number out of range", major_at);
  i = static_cast<std::size_t>(end - text.data());
  v.major = major;
  if (i < text.size() && text[i] == '.') {
    ++i;
    if (i >= text.size() || !is_digit(text[i])) throw VersionSyntaxError("expected digits after '.' in a version", i);
    std::uint32_t minor = 0;
    auto [end2, ec2] = std::from_chars(text.data() + i, text.data() + text.size(), minor);
    if (ec2 != std::errc()) throw VersionSyntaxError("version fraction out of range (at most 4294967295)", i);
    v.minor = minor;
    i = static_cast<std::size_t>(end2 - text.data());
  }
  if (i < text.size()) {
    if (text[i] != '@') throw VersionSyntaxError(fmt::format("unexpected '{}' in a version (expected '.' or '@')", text[i]), i);
    if (i + 1 >= text.size()) throw VersionSyntaxError("expected an origin after '@' in a version", i + 1);
    v.origin = text.substr(i + 1);
    if (const std::size_t at = v.origin.find('@'); at != std::string_view::npos)
      throw VersionSyntaxError("a version has one origin: unexpected second '@'", i + 1 + at);
  }
  return v;
}

bool natural_less(std::string_view a, std::string_view b) {
  std::size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (is_digit(a[i]) && is_digit(b[j])) {
      std::size_t ie = i, je = j;
      while (ie < a.size() && is_digit(a[ie])) ++ie;
      while (je < b.size() && is_digit(b[je])) ++je;
      // Compare digit runs as numbers: strip leading zeros, then length, then text.
      std::size_t is = i, js = j;
      while (is + 1 < ie && a[is] == '0') ++is;
      while (js + 1 < je && b[js] == '0') ++js;
      if (ie - is != je - js) return ie - is < je - js;
      const int c = a.substr(is, ie - is).compare(b.substr(js, je - js));
      if (c != 0) return c < 0;
      i = ie;
      j = je;
    } else {
      if (a[i] != b[j]) return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[j]);
      ++i;
      ++j;
    }
  }
  if ((a.size() - i) != (b.size() - j)) return a.size() - i < b.size() - j;
  return a < b;
}

const HistoryOp& History::op(std::uint32_t index) const {
  if (op_rows.empty()) return ops[index];
  const auto it = std::lower_bound(op_rows.begin(), op_rows.end(), index);
  if (it == op_rows.end() || *it != index) throw std::out_of_range(fmt::format("ops row {} was not kept", index + 1));
  return ops[static_cast<std::size_t>(it - op_rows.begin())];
}

std::string History::session_name(std::uint32_t session) const {
  return fmt::format("{}/{}", clients[session_client[session]], session_number[session]);
}

std::string History::format(const Version& v) const {
  if (v.empty()) return "";
  std::string s = fmt::format("{}", v.major);
  if (v.minor != 0) s += fmt::format(".{}", v.minor);
  if (v.origin < origins.size() && !origins[v.origin].empty()) s += "@" + origins[v.origin];
  return s;
}

// ---------------------------------------------------------------------------
// Builder

template <class Same>
std::uint32_t HistoryBuilder::FlatIds::find_or_add(std::uint64_t key, std::uint32_t fresh, Same same,
                                                   std::string_view name) {
  if (2 * (used_ + 1) > slots_.size()) grow();
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = slot_of(key);; i = (i + 1) & mask) {
    Slot& s = slots_[i];
    if (s.id_plus_1 == 0) {
      s.key = key;
      s.id_plus_1 = fresh + 1;
      s.size = name.size() <= kInline ? static_cast<std::uint8_t>(name.size()) : kLong;
      if (s.size != kLong && !name.empty()) std::memcpy(s.text, name.data(), name.size());
      ++used_;
      return fresh;
    }
    if (s.key != key) continue;
    const bool it = s.size == kLong ? same(s.id_plus_1 - 1)
                                    : s.size == name.size() && (s.size == 0 || std::memcmp(s.text, name.data(), s.size) == 0);
    if (it) return s.id_plus_1 - 1;
  }
}

void HistoryBuilder::FlatIds::grow() {
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(std::max<std::size_t>(64, old.size() * 2), Slot{});
  shift_ = 64 - std::countr_zero(slots_.size());
  const std::size_t mask = slots_.size() - 1;
  for (const Slot& s : old) {
    if (s.id_plus_1 == 0) continue;
    std::size_t i = slot_of(s.key);
    while (slots_[i].id_plus_1 != 0) i = (i + 1) & mask;
    slots_[i] = s;
  }
}

std::uint64_t HistoryBuilder::name_hash(std::string_view name) { return fnv1a64(name); }

std::uint32_t HistoryBuilder::intern(Names& names, std::vector<std::string>& by_id, std::string_view name,
                                     std::uint64_t hash) {
  const auto fresh = static_cast<std::uint32_t>(by_id.size());
  const std::uint32_t id = names.find_or_add(hash, fresh, [&](std::uint32_t i) { return by_id[i] == name; }, name);
  if (id == fresh) by_id.emplace_back(name);
  return id;
}

std::vector<std::uint32_t> HistoryBuilder::renumber(Names& names, std::vector<std::string>& by_id,
                                                    const std::vector<std::string>& other) {
  std::vector<std::uint32_t> ids;
  ids.reserve(other.size());
  for (const std::string& name : other) ids.push_back(intern(names, by_id, name));
  return ids;
}

HistoryBuilder::Renumbering HistoryBuilder::absorb_applied(HistoryBuilder&& a) {
  Renumbering r;
  r.keys = renumber(key_ids_, h_.keys, a.h_.keys);
  r.replicas = renumber(replica_ids_, h_.replicas, a.h_.replicas);
  // Origin id 0 is "no origin" in both.
  if (origin_names_.empty()) origin_names_.emplace_back();
  r.origins.push_back(0);
  for (std::size_t i = 1; i < a.origin_names_.size(); ++i)
    r.origins.push_back(intern(origin_ids_, origin_names_, a.origin_names_[i]));
  for (ApplyRow& row : a.h_.applies) {
    row.key = r.keys[row.key];
    if (!row.version.empty()) row.version.origin = r.origins[row.version.origin];
  }
  h_.applies = std::move(a.h_.applies);
  h_.has_applies = a.h_.has_applies;
  h_.incarnation_replica.clear();
  for (std::uint32_t replica : a.h_.incarnation_replica) h_.incarnation_replica.push_back(r.replicas[replica]);
  apply_count_ = a.apply_count_;
  return r;
}

Version HistoryBuilder::version_of(const VersionText& v) {
  Version out;
  if (v.empty()) return out;
  out.major = v.major;
  out.minor = v.minor;
  // Origins get ids now and ranks in finish(); id 0 is "no origin".
  if (origin_names_.empty()) origin_names_.emplace_back();
  out.origin = v.origin.empty() ? 0 : intern(origin_ids_, origin_names_, v.origin);
  return out;
}

void HistoryBuilder::reserve(std::size_t ops, std::size_t applies) {
  h_.ops.reserve(ops);
  h_.applies.reserve(applies);
}

void HistoryBuilder::add_op(std::string_view client, std::uint32_t session, bool is_write, bool ok, std::string_view key,
                            SimTime invoke_ns, SimTime complete_ns, std::string_view replica, const VersionText& version,
                            std::uint64_t seq) {
  HistoryOp op;
  op.seq = seq;
  const std::uint32_t client_id = intern(client_ids_, h_.clients, client);
  const std::uint64_t session_key = (static_cast<std::uint64_t>(client_id) << 32) | session;
  const auto fresh = static_cast<std::uint32_t>(h_.session_client.size());
  op.session = session_ids_.find_or_add(session_key, fresh, [](std::uint32_t) { return true; });
  if (op.session == fresh) {
    h_.session_client.push_back(client_id);
    h_.session_number.push_back(session);
  }
  const std::uint64_t key_hash = name_hash(key);
  op.key = intern(key_ids_, h_.keys, key, key_hash);
  op.replica = replica.empty() ? kNoId : intern(replica_ids_, h_.replicas, replica);
  op.invoke_ns = invoke_ns;
  op.complete_ns = complete_ns;
  op.version = version_of(version);
  op.is_write = is_write;
  op.ok = ok;
  const auto row = static_cast<std::uint32_t>(op_count_++);
  if (sink_) sink_->op(row, client_id, key_hash, op);
  else h_.ops.push_back(op);
}

std::uint32_t HistoryBuilder::incarnation_of(std::uint32_t replica, SimTime time_ns) {
  if (replica >= current_incarnation_.size()) {
    current_incarnation_.resize(replica + 1, kNoId);
    last_apply_ns_.resize(replica + 1, std::numeric_limits<SimTime>::min());
    last_step_.resize(replica + 1, 0);
    last_step_id_.resize(replica + 1, 0);
  }
  if (time_ns < last_apply_ns_[replica])
    throw std::invalid_argument(fmt::format("time {} is before this replica's previous row ({}): rows of one replica must be in time order",
                                            time_ns, last_apply_ns_[replica]));
  last_apply_ns_[replica] = time_ns;
  if (current_incarnation_[replica] == kNoId) {
    current_incarnation_[replica] = static_cast<std::uint32_t>(h_.incarnation_replica.size());
    h_.incarnation_replica.push_back(replica);
  }
  return current_incarnation_[replica];
}

void HistoryBuilder::add_apply(SimTime time_ns, std::string_view replica, std::string_view key, const VersionText& version,
                               std::uint64_t step) {
  h_.has_applies = true;
  const std::uint32_t r = intern(replica_ids_, h_.replicas, replica);
  ApplyRow row;
  const bool same_incarnation = r < current_incarnation_.size() && current_incarnation_[r] != kNoId;
  const SimTime previous_ns = r < last_apply_ns_.size() ? last_apply_ns_[r] : 0;
  row.incarnation = incarnation_of(r, time_ns);
  // Consecutive rows of one incarnation with one nonzero step share a step
  // number; without a step id, so do consecutive rows at one time.
  const bool by_time = step == kStepByTime;
  const bool continues = step != 0 && same_incarnation && last_step_[r] == step && (!by_time || time_ns == previous_ns);
  if (continues && !by_time && time_ns != previous_ns)
    throw std::invalid_argument(fmt::format("step {} has rows at {} and {}: the rows of one step share one time", step,
                                            previous_ns, time_ns));
  if (!continues) last_step_id_[r] = static_cast<std::uint32_t>(apply_count_);
  last_step_[r] = step;
  row.step = last_step_id_[r];
  row.time_ns = time_ns;
  const std::uint64_t key_hash = name_hash(key);
  row.key = intern(key_ids_, h_.keys, key, key_hash);
  row.version = version_of(version);
  ++apply_count_;
  if (sink_) sink_->apply(row, key_hash);
  else h_.applies.push_back(row);
}

void HistoryBuilder::add_state_lost(SimTime time_ns, std::string_view replica) {
  h_.has_applies = true;
  const std::uint32_t r = intern(replica_ids_, h_.replicas, replica);
  incarnation_of(r, time_ns);
  // The next row of this replica starts a new incarnation that holds nothing.
  current_incarnation_[r] = kNoId;
  last_step_[r] = 0;
}

History HistoryBuilder::finish(const std::vector<std::string>& node_order, std::vector<std::uint32_t>* origin_rank) {
  // Rank origins: listed ones by their position, then the rest naturally.
  const std::size_t n = origin_names_.size();
  std::vector<std::uint32_t> ids;
  for (std::uint32_t i = 1; i < n; ++i) ids.push_back(i);
  std::unordered_map<std::string_view, std::size_t> listed;
  for (std::size_t i = 0; i < node_order.size(); ++i) listed.emplace(node_order[i], i);
  std::sort(ids.begin(), ids.end(), [&](std::uint32_t a, std::uint32_t b) {
    const auto la = listed.find(origin_names_[a]);
    const auto lb = listed.find(origin_names_[b]);
    const bool ina = la != listed.end(), inb = lb != listed.end();
    if (ina != inb) return ina;
    if (ina) return la->second < lb->second;
    return natural_less(origin_names_[a], origin_names_[b]);
  });
  std::vector<std::uint32_t> rank(n, 0);
  h_.origins.assign(1, std::string());
  for (std::size_t r = 0; r < ids.size(); ++r) {
    rank[ids[r]] = static_cast<std::uint32_t>(r + 1);
    h_.origins.push_back(origin_names_[ids[r]]);
  }
  for (HistoryOp& op : h_.ops)
    if (!op.version.empty()) op.version.origin = rank[op.version.origin];
  for (ApplyRow& a : h_.applies)
    if (!a.version.empty()) a.version.origin = rank[a.version.origin];
  if (origin_rank) *origin_rank = std::move(rank);
  History out = std::move(h_);
  h_ = History{};
  return out;
}

// ---------------------------------------------------------------------------
// CSV input

namespace {

// Reports how far into their files the readers are: each reader every 2^16
// rows; two readers in parallel share one, with the bytes of both files.
class ReadProgress {
 public:
  ReadProgress(const ProgressFn& fn, std::string phase, const std::vector<std::string>& paths)
      : fn_(fn), phase_(std::move(phase)), read_(paths.size(), 0) {
    if (!fn_) return;
    for (const std::string& path : paths) {
      std::error_code ec;
      const auto bytes = std::filesystem::file_size(path, ec);
      if (!ec) size_ += static_cast<double>(bytes);
    }
  }
  // Called by file `file`'s reader after each row; `rows` counts them.
  void row(std::size_t file, const CsvReader& t, std::uint64_t& rows) {
    if (!fn_ || size_ <= 0 || (++rows & 0xFFFF) != 0) return;
    const std::lock_guard lock(lock_);
    read_[file] = t.bytes_read();
    double done = 0;
    for (std::uint64_t bytes : read_) done += static_cast<double>(bytes);
    fn_(phase_, std::min(1.0, done / size_));
  }

 private:
  const ProgressFn& fn_;
  std::string phase_;
  double size_ = 0;
  std::mutex lock_;
  std::vector<std::uint64_t> read_;  // by file
};

VersionText version_field(const CsvReader& t, std::size_t c) {
  try {
    return parse_version(t[c]);
  } catch (const VersionSyntaxError& e) {
    t.fail_at(c, e.offset, fmt::format("version: {}, got '{}'", e.what(), t[c]));
  }
}

}  // namespace

History read_history_csv(const std::string& ops_path, const std::string& applied_path,
                         const std::vector<std::string>& node_order) {
  HistoryBuilder b;
  read_history_rows(ops_path, applied_path, b);
  return b.finish(node_order);
}

namespace {

void read_ops_rows(const std::string& path, HistoryBuilder& b, ReadProgress& shown, std::size_t file) {
  CsvReader t(path, "history file");
  const std::size_t client = t.require("client"), session = t.require("session"), op = t.require("op"),
                    key = t.require("key"), invoke = t.require("invoke_ns"), complete = t.require("complete_ns"),
                    ok = t.require("ok"), version = t.require("version");
  const std::optional<std::size_t> replica = t.find("replica");
  const std::optional<std::size_t> seq = t.find("seq");  // optional: without it, today's real-time order
  std::uint64_t rows = 0;
  while (t.next()) {
    b.prefetch_key(t[key]);
    shown.row(file, t, rows);
    if (t[client].empty()) t.fail(client, "client: must not be empty");
    const std::int64_t s = t.integer(session, "session");
    if (s < 0 || s > 0xFFFFFFFFLL) t.fail(session, fmt::format("session: expected a number >= 0, got {}", s));
    const std::string_view op_name = t[op];
    if (op_name.empty()) t.fail(op, "op: must not be empty (read, write, ...)");
    if (t[key].empty()) t.fail(key, "key: must not be empty");
    const std::int64_t inv = t.time_ns(invoke, "invoke_ns");
    const std::int64_t com = t.time_ns(complete, "complete_ns");
    if (com < inv) t.fail(complete, fmt::format("complete_ns ({}) is before invoke_ns ({})", com, inv));
    const bool is_ok = t.boolean(ok, "ok");
    const VersionText v = version_field(t, version);
    const std::string_view rep = replica ? t[*replica] : std::string_view();
    std::uint64_t issue = 0;
    if (seq && !t[*seq].empty()) {
      const std::int64_t q = t.integer(*seq, "seq");
      if (q < 0) t.fail(*seq, fmt::format("seq: expected a number >= 0 (0 = unknown), got {}", q));
      issue = static_cast<std::uint64_t>(q);
    }
    b.add_op(t[client], static_cast<std::uint32_t>(s), op_name != "read", is_ok, t[key], inv, com, rep, v, issue);
  }
}

// Stops early, without error, once `stop` is set (ops.csv, read alongside,
// had an error: it is the one to report).
void read_applied_rows(const std::string& path, HistoryBuilder& b, ReadProgress& shown, std::size_t file,
                       const std::atomic<bool>& stop) {
  CsvReader t(path, "history file");
  const std::size_t time = t.require("time_ns"), replica = t.require("replica"), key = t.require("key"),
                    version = t.require("version");
  const std::optional<std::size_t> step = t.find("step");  // optional: without it, every row is a step of its own
  bool any = false;
  std::uint64_t rows = 0;
  while (t.next()) {
    b.prefetch_key(t[key]);
    shown.row(file, t, rows);
    if ((rows & 0xFFF) == 0 && stop.load(std::memory_order_relaxed)) return;
    any = true;
    const std::int64_t at = t.time_ns(time, "time_ns");
    if (t[replica].empty()) t.fail(replica, "replica: must not be empty");
    const bool lost = t[key].empty();
    try {
      if (lost) {
        if (!t[version].empty())
          t.fail(key, "key: empty key with a version (an empty key and version mark a replica that lost its state)");
        b.add_state_lost(at, t[replica]);
      } else {
        const VersionText v = version_field(t, version);
        if (v.empty()) t.fail(version, "version: must not be empty in an applied row");
        std::uint64_t step_id = kStepByTime;  // no step column (or an empty cell): rows at one time are one step
        if (step && !t[*step].empty()) {
          const std::int64_t q = t.integer(*step, "step");
          if (q < 0) t.fail(*step, fmt::format("step: expected a number >= 0 (0 = a step of its own), got {}", q));
          step_id = static_cast<std::uint64_t>(q);
        }
        b.add_apply(at, t[replica], t[key], v, step_id);
      }
    } catch (const std::invalid_argument& e) {
      t.fail(time, fmt::format("time_ns: {}", e.what()));
    }
  }
  if (!any) b.expect_applies();  // a valid, empty applied order
}

}  // namespace

void read_history_rows(const std::string& ops_path, const std::string& applied_path, HistoryBuilder& b,
                       const ProgressFn& progress, bool parallel) {
  const std::atomic<bool> never{false};
  if (applied_path.empty() || !parallel) {
    ReadProgress ops_shown(progress, "reading " + ops_path, {ops_path});
    read_ops_rows(ops_path, b, ops_shown, 0);
    if (applied_path.empty()) return;
    ReadProgress applied_shown(progress, "reading " + applied_path, {applied_path});
    read_applied_rows(applied_path, b, applied_shown, 0, never);
    return;
  }
  ReadProgress shown(progress, fmt::format("reading {} and {}", ops_path, applied_path), {ops_path, applied_path});
  HistoryBuilder applied;
  applied.stream_to(b.sink());
  std::atomic<bool> stop{false};
  std::exception_ptr applied_error;
  {
    const std::jthread second([&] {
      try {
        read_applied_rows(applied_path, applied, shown, 1, stop);
      } catch (...) {
        applied_error = std::current_exception();
      }
    });
    try {
      read_ops_rows(ops_path, b, shown, 0);
    } catch (...) {
      stop = true;  // ops.csv's error comes first in file order
      throw;        // after joining the second thread
    }
  }
  if (applied_error) std::rethrow_exception(applied_error);
  const HistoryBuilder::Renumbering ids = b.absorb_applied(std::move(applied));
  if (b.sink()) b.sink()->renumber_applied(ids.keys, ids.origins);
}

}  // namespace ecsim
