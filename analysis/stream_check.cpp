// See stream_check.hpp.
#include "analysis/stream_check.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <limits>
#include <memory>
#include <stdexcept>
#include <utility>

#include <fmt/format.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "analysis/output_dir.hpp"

namespace ecsim {

namespace fs = std::filesystem;

namespace {

// The caller's wall clock (HistoryCheckOptions::clock_s), 0 without one.
double now_s(const HistoryCheckOptions& o) { return o.clock_s ? o.clock_s() : 0.0; }

std::uint64_t file_bytes(const std::string& path) {
  std::error_code ec;
  const auto n = path.empty() ? 0 : fs::file_size(path, ec);
  return ec ? 0 : n;
}

// ---------------------------------------------------------------------------
// Partition records: what the later passes read, packed (the files are the
// streaming path's main cost in bytes written and read back).

#pragma pack(push, 4)
// A successful op, in its client's partition: everything check_sessions reads.
struct SessionRec {
  std::int64_t invoke_ns, complete_ns, major;
  std::uint64_t seq;
  std::uint32_t minor, origin, row, session, key, replica;
  std::uint32_t is_write;
};
// A successful op that staleness or rule (b) needs, in its key's partition.
struct KeyRec {
  std::int64_t invoke_ns, complete_ns, major;
  std::uint32_t minor, origin, key;
  std::uint32_t client_index;  // its index among the ops of its client partition
  std::uint32_t client_part;  // the client partition its stands go to; kWriteBit for a write
  static constexpr std::uint32_t kWriteBit = 0x80000000u;
};
// An applied row, in its key's partition.
struct ApplyRec {
  std::int64_t time_ns, major;
  std::uint32_t minor, origin, incarnation, key, step;
};
// A Stand of an op, in the op's client partition (`op`: its index there).
struct StandRec {
  std::int64_t time_ns;
  std::uint32_t op, incarnation, step;  // incarnation: kExactBit when the step took on exactly the op's version
  static constexpr std::uint32_t kExactBit = 0x80000000u;
};
#pragma pack(pop)

// One record file per partition, written through large buffers.
template <class Rec>
class PartitionFiles {
 public:
  PartitionFiles(const fs::path& dir, std::string_view kind, std::uint32_t parts) {
    for (std::uint32_t p = 0; p < parts; ++p) {
      paths_.push_back(dir / fmt::format("{}-{:04}.bin", kind, p));
      std::FILE* f = std::fopen(paths_.back().c_str(), "wb");
      if (!f) throw std::runtime_error(fmt::format("cannot create '{}': {}", paths_.back().string(), std::strerror(errno)));
      files_.push_back(f);
      std::setvbuf(f, nullptr, _IOFBF, kBuffer);
    }
  }
  ~PartitionFiles() { close_all(); }
  PartitionFiles(const PartitionFiles&) = delete;
  PartitionFiles& operator=(const PartitionFiles&) = delete;

  void write(std::uint32_t part, const Rec& r) {
#ifdef __GLIBC__
    // One thread writes each file: skip the stream lock fwrite takes per call.
    if (::fwrite_unlocked(&r, sizeof r, 1, files_[part]) != 1) fail(part);
#else
    if (std::fwrite(&r, sizeof r, 1, files_[part]) != 1) fail(part);
#endif
  }
  // Flushes and closes every file (a full disk may only show here).
  void close() {
    for (std::size_t p = 0; p < files_.size(); ++p)
      if (files_[p] && std::fclose(std::exchange(files_[p], nullptr)) != 0) fail(static_cast<std::uint32_t>(p));
  }
  // The records of one partition, and its file removed (disk space back early).
  std::vector<Rec> take(std::uint32_t part) const {
    std::vector<Rec> out;
    std::error_code ec;
    const std::uint64_t bytes = fs::file_size(paths_[part], ec);
    if (ec) throw std::runtime_error(fmt::format("cannot read '{}': {}", paths_[part].string(), ec.message()));
    out.resize(bytes / sizeof(Rec));
    std::FILE* f = std::fopen(paths_[part].c_str(), "rb");
    const bool ok = f && std::fread(out.data(), sizeof(Rec), out.size(), f) == out.size();
    if (f) std::fclose(f);
    if (!ok) throw std::runtime_error(fmt::format("cannot read '{}'", paths_[part].string()));
    fs::remove(paths_[part], ec);
    return out;
  }

 private:
  static constexpr std::size_t kBuffer = 256 * 1024;
  [[noreturn]] void fail(std::uint32_t part) const {
    throw std::runtime_error(fmt::format("cannot write '{}': {}", paths_[part].string(), std::strerror(errno)));
  }
  void close_all() {
    for (std::FILE*& f : files_)
      if (f) std::fclose(std::exchange(f, nullptr));
  }
  std::vector<fs::path> paths_;
  std::vector<std::FILE*> files_;
};

// Spreads dense ids over partitions (splitmix64's finaliser): neighbouring
// ids, which real histories cluster, land in different partitions.
std::uint32_t part_of(std::uint32_t id, std::uint32_t parts) {
  std::uint64_t z = id + 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return static_cast<std::uint32_t>((z ^ (z >> 31)) % parts);
}

// Pass 1's sink: every row the builder checked goes to its partitions.
struct Partitioner final : HistoryRowSink {
  Partitioner(const fs::path& dir, std::uint32_t count, bool wfr)
      : by_client(dir, "ops-by-client", count), by_key(dir, "ops-by-key", count), applied(dir, "applied-by-key", count),
        parts(count), reads_ask(wfr), client_ops(count, 0) {}

  void op(std::uint32_t row, std::uint32_t client, const HistoryOp& o) override {
    if (!o.ok) return;  // every check ignores failed ops
    const std::uint32_t cp = part_of(client, parts);
    const std::uint32_t index = client_ops[cp]++;
    by_client.write(cp, SessionRec{o.invoke_ns, o.complete_ns, o.version.major, o.seq, o.version.minor, o.version.origin,
                                   row, o.session, o.key, o.replica, o.is_write ? 1u : 0u});
    // Staleness reads every read and every write with a version (rule (b)
    // asks about ops with a version only).
    if (o.is_write && o.version.empty()) return;
    by_key.write(part_of(o.key, parts), KeyRec{o.invoke_ns, o.complete_ns, o.version.major, o.version.minor,
                                               o.version.origin, o.key, index, cp | (o.is_write ? KeyRec::kWriteBit : 0)});
  }
  void apply(const ApplyRow& a) override {
    applied.write(part_of(a.key, parts),
                  ApplyRec{a.time_ns, a.version.major, a.version.minor, a.version.origin, a.incarnation, a.key, a.step});
  }
  void close() {
    by_client.close();
    by_key.close();
    applied.close();
  }

  PartitionFiles<SessionRec> by_client;
  PartitionFiles<KeyRec> by_key;
  PartitionFiles<ApplyRec> applied;
  std::uint32_t parts;
  bool reads_ask;  // WFR: reads arm rule (b), so they need stands too
  std::vector<std::uint32_t> client_ops;  // ops written to each client partition so far
};

// Global ids to the dense ids of one partition's History (its counting
// sorts and per-id tables are sized by them), and back.
class LocalIds {
 public:
  explicit LocalIds(std::size_t global) : local_(global, kNoId) {}
  std::uint32_t operator()(std::uint32_t id) {
    if (local_[id] == kNoId) {
      local_[id] = static_cast<std::uint32_t>(global_.size());
      global_.push_back(id);
    }
    return local_[id];
  }
  const std::vector<std::uint32_t>& global() const { return global_; }
  void reset() {
    for (std::uint32_t g : global_) local_[g] = kNoId;
    global_.clear();
  }

 private:
  std::vector<std::uint32_t> local_;
  std::vector<std::uint32_t> global_;
};

// Everything the partition passes share.
struct StreamState {
  const HistoryCheckOptions& o;
  const History& names;                    // the builder's name tables
  const std::vector<std::uint32_t>& rank;  // origin id -> rank
  std::uint32_t parts = 1;
  Version version(std::int64_t major, std::uint32_t minor, std::uint32_t origin) const {
    if (major == Version::kNone) return Version{};
    return Version{major, minor, origin < rank.size() ? rank[origin] : 0};
  }
  void progress(std::string_view phase, std::uint32_t part) const {
    if (o.progress) o.progress(phase, static_cast<double>(part) / parts);
  }
};

// A history of one partition: key ids local (h.keys sized once they are
// known), incarnations those of the whole history.
History partition_history(const StreamState& s) {
  History h;
  h.incarnation_replica = s.names.incarnation_replica;
  h.has_applies = s.names.has_applies;
  return h;
}

// Rule (b)'s questions of a key partition's ops (`h`: the partition with
// local key ids; `ops`: its records, for where the answers go), answered
// from an index of its applied rows, into the ops' client partitions.
void answer_rule_b(const History& h, const std::vector<KeyRec>& ops, bool reads_ask, PartitionFiles<StandRec>& out) {
  const AppliedStands index(h);
  // Questions key by key (a stable counting sort), carried compactly so
  // that the answering loop reads memory in order, and each key's part of
  // the index is read once, from the cache, instead of once per op.
  struct Question {
    Version version;
    std::uint32_t key, client_index, to;
  };
  std::vector<std::uint32_t> start(h.keys.size() + 1, 0);
  std::size_t asked = 0;
  auto asks = [&](const HistoryOp& op) { return !op.version.empty() && (op.is_write || reads_ask); };
  for (const HistoryOp& op : h.ops)
    if (asks(op)) ++start[op.key + 1], ++asked;
  for (std::size_t k = 1; k < start.size(); ++k) start[k] += start[k - 1];
  std::vector<Question> questions(asked);
  for (std::size_t i = 0; i < ops.size(); ++i)
    if (asks(h.ops[i]))
      questions[start[h.ops[i].key]++] =
          Question{h.ops[i].version, h.ops[i].key, ops[i].client_index, ops[i].client_part & ~KeyRec::kWriteBit};
  std::vector<Stand> found;
  for (std::size_t q = 0; q < questions.size(); ++q) {
    const Question& x = questions[q];
    // Consecutive questions about one version (rereads) share the answer.
    if (q == 0 || x.key != questions[q - 1].key || x.version != questions[q - 1].version) {
      found.clear();
      index.stands(x.key, x.version, found);
    }
    for (const Stand& st : found)
      out.write(x.to, StandRec{st.time_ns, x.client_index, st.incarnation | (st.exact ? StandRec::kExactBit : 0), st.step});
  }
}

// Pass 2, one key partition: staleness of its keys, and where each
// incarnation stands on each of its ops' versions (to the ops' client partitions).
void check_key_partition(StreamState& s, Partitioner& files, PartitionFiles<StandRec>* stands_out, std::uint32_t part,
                         LocalIds& keys, StalenessResult& staleness, double& staleness_s) {
  const std::vector<KeyRec> ops = files.by_key.take(part);
  History h = partition_history(s);
  h.ops.reserve(ops.size());
  for (const KeyRec& r : ops) {
    HistoryOp op;
    op.invoke_ns = r.invoke_ns;
    op.complete_ns = r.complete_ns;
    op.version = s.version(r.major, r.minor, r.origin);
    op.key = keys(r.key);
    op.is_write = (r.client_part & KeyRec::kWriteBit) != 0;
    op.ok = true;
    h.ops.push_back(op);
  }
  {
    const std::vector<ApplyRec> applied = files.applied.take(part);
    h.applies.reserve(applied.size());
    for (const ApplyRec& a : applied)
      h.applies.push_back(ApplyRow{a.time_ns, s.version(a.major, a.minor, a.origin), a.incarnation, keys(a.key), a.step});
  }
  h.keys.resize(keys.global().size());
  if (s.o.staleness) {
    const double t = now_s(s.o);
    staleness.add(measure_staleness(h));
    staleness_s += now_s(s.o) - t;
  }
  if (stands_out) answer_rule_b(h, ops, files.reads_ask, *stands_out);
  keys.reset();
}

// A violation found in a client partition, in the whole history's terms.
struct Found {
  std::int64_t invoke_ns;
  Violation v;
  HistoryOp op;  // with the whole history's ids, for the report
};

// The stands of a client partition's `ops` ops, by op, keeping each op's
// stands in the order written (by incarnation): a stable counting sort.
OpStands stands_by_op(const std::vector<StandRec>& recs, std::size_t ops) {
  OpStands out;
  out.first.assign(ops + 1, 0);
  for (const StandRec& r : recs) ++out.first[r.op + 1];
  for (std::size_t i = 1; i < out.first.size(); ++i) out.first[i] += out.first[i - 1];
  out.stands.resize(recs.size());
  std::vector<std::uint32_t> next(out.first.begin(), out.first.end() - 1);
  for (const StandRec& r : recs)
    out.stands[next[r.op]++] =
        Stand{r.time_ns, r.incarnation & ~StandRec::kExactBit, r.step, (r.incarnation & StandRec::kExactBit) != 0};
  return out;
}

// Pass 3, one client partition: check_sessions on its ops with the stands
// the key partitions found; violations and counts added to `total`.
void check_client_partition(StreamState& s, Partitioner& files, PartitionFiles<StandRec>* stands_in, std::uint32_t part,
                            LocalIds& keys, SessionCheckResult& total, std::array<std::vector<Found>, 4>& found) {
  History h = partition_history(s);
  std::vector<std::uint32_t> rows;
  LocalIds sessions(s.names.session_count()), clients(s.names.clients.size());
  {
    const std::vector<SessionRec> recs = files.by_client.take(part);
    h.ops.reserve(recs.size());
    rows.reserve(recs.size());
    for (const SessionRec& r : recs) {
      HistoryOp op;
      op.invoke_ns = r.invoke_ns;
      op.complete_ns = r.complete_ns;
      op.version = s.version(r.major, r.minor, r.origin);
      op.session = sessions(r.session);
      op.key = keys(r.key);
      op.replica = r.replica;
      op.seq = r.seq;
      op.is_write = r.is_write != 0;
      op.ok = true;
      h.ops.push_back(op);
      rows.push_back(r.row);
    }
  }
  h.keys.resize(keys.global().size());
  for (std::uint32_t g : sessions.global()) {
    h.session_client.push_back(clients(s.names.session_client[g]));
    h.session_number.push_back(s.names.session_number[g]);
  }
  h.clients.resize(clients.global().size());
  OpStands stands;
  if (stands_in) stands = stands_by_op(stands_in->take(part), rows.size());
  const SessionCheckResult r = check_sessions(h, s.o.sessions, stands);
  total.ryw_client += r.ryw_client;
  for (std::size_t g = 0; g < 4; ++g) {
    const GuaranteeResult& x = r.by_guarantee[g];
    GuaranteeResult& t = total.by_guarantee[g];
    t.checked = x.checked;
    t.violations += x.violations;
    t.sessions_affected += x.sessions_affected;
    t.ops_checked += x.ops_checked;
    for (const Violation& v : s.o.sessions.keep_all ? x.all : x.examples) {
      Found f{h.ops[v.op].invoke_ns, v, h.ops[v.op]};
      f.v.op = rows[v.op];
      if (v.cause != kNoId) f.v.cause = rows[v.cause];
      f.op.session = sessions.global()[f.op.session];
      f.op.key = keys.global()[f.op.key];
      found[g].push_back(f);
    }
  }
  keys.reset();
}

// The partitions' violations as check_sessions reports them for the whole
// history: by invocation time, then row; the ops they name kept in `h`.
void merge_found(std::array<std::vector<Found>, 4>& found, const SessionCheckOptions& o, SessionCheckResult& total,
                 History& h) {
  std::vector<std::pair<std::uint32_t, HistoryOp>> kept;
  for (std::size_t g = 0; g < 4; ++g) {
    std::vector<Found>& f = found[g];
    std::sort(f.begin(), f.end(), [](const Found& a, const Found& b) {
      return a.invoke_ns != b.invoke_ns ? a.invoke_ns < b.invoke_ns : a.v.op < b.v.op;
    });
    GuaranteeResult& t = total.by_guarantee[g];
    for (std::size_t i = 0; i < f.size(); ++i) {
      if (i < o.examples) t.examples.push_back(f[i].v);
      if (o.keep_all) t.all.push_back(f[i].v);
      if (i < o.examples || o.keep_all) kept.emplace_back(f[i].v.op, f[i].op);
    }
    f = {};
  }
  std::sort(kept.begin(), kept.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  kept.erase(std::unique(kept.begin(), kept.end(), [](const auto& a, const auto& b) { return a.first == b.first; }), kept.end());
  for (const auto& [row, op] : kept) {
    h.op_rows.push_back(row);
    h.ops.push_back(op);
  }
}

fs::path scratch_parent(const HistoryCheckOptions& o) {
  if (!o.scratch_parent.empty()) return o.scratch_parent;
  if (const char* t = std::getenv("TMPDIR"); t && *t) return t;
  return "/tmp";
}

// While it lives, freed memory stays in the heap. Streaming allocates and
// frees partition-sized arrays (hundreds of MB) once per partition; by
// default glibc maps each from the kernel and unmaps it on free, and the
// kernel zero-fills every page again on the next touch: a third of a
// 100M-operation run was system time. Restores glibc's defaults after.
class KeepFreedMemory {
 public:
  KeepFreedMemory() {
#ifdef __GLIBC__
    mallopt(M_MMAP_MAX, 0);
    mallopt(M_TRIM_THRESHOLD, std::numeric_limits<int>::max());
#endif
  }
  ~KeepFreedMemory() {
#ifdef __GLIBC__
    mallopt(M_MMAP_MAX, 65536);             // glibc's DEFAULT_MMAP_MAX
    mallopt(M_TRIM_THRESHOLD, 128 * 1024);  // DEFAULT_TRIM_THRESHOLD
    malloc_trim(0);
#endif
  }
  KeepFreedMemory(const KeepFreedMemory&) = delete;
  KeepFreedMemory& operator=(const KeepFreedMemory&) = delete;
};

HistoryCheck check_streaming(const std::string& ops_path, const std::string& applied_path, const HistoryCheckOptions& o,
                             std::uint32_t parts) {
  const KeepFreedMemory keep;
  HistoryCheck out;
  out.streamed = true;
  out.partitions = parts;
  const ScratchDir scratch(scratch_parent(o), "ecsim-check");
  const bool rule_b = o.sessions.check[2] || o.sessions.check[3];
  Partitioner files(scratch.path(), parts, o.sessions.check[3]);
  std::vector<std::uint32_t> rank;
  double t = now_s(o);
  {
    HistoryBuilder b;
    b.stream_to(&files);
    read_history_rows(ops_path, applied_path, b, o.progress);
    files.close();
    out.ops = b.op_count();
    out.applies = b.apply_count();
    out.history = b.finish(o.node_order, &rank);
  }
  if (out.history.incarnation_replica.size() >= StandRec::kExactBit)  // the answers' flag bit
    throw std::runtime_error(fmt::format("{} replica incarnations (state losses): at most 2^31 can be streamed",
                                         out.history.incarnation_replica.size()));
  if (rule_b && !out.history.has_applies)
    throw std::invalid_argument("checking MW or WFR needs the order in which replicas applied writes (applied.csv)");
  out.read_s = now_s(o) - t;
  t = now_s(o);
  StreamState s{o, out.history, rank, parts};
  LocalIds keys(out.history.keys.size());
  std::unique_ptr<PartitionFiles<StandRec>> stands;
  if (rule_b) stands = std::make_unique<PartitionFiles<StandRec>>(scratch.path(), "stands-by-client", parts);
  out.staleness.behind.assign(17, 0);  // measure_staleness's default max_behind + 1, for an empty history
  for (std::uint32_t p = 0; p < parts; ++p) {
    s.progress("checking keys (staleness, applied order)", p);
    check_key_partition(s, files, stands.get(), p, keys, out.staleness, out.staleness_s);
  }
  if (stands) stands->close();
  std::array<std::vector<Found>, 4> found;
  out.sessions.sessions = out.history.session_count();
  for (std::uint32_t p = 0; p < parts; ++p) {
    s.progress("checking sessions", p);
    check_client_partition(s, files, stands.get(), p, keys, out.sessions, found);
  }
  merge_found(found, o.sessions, out.sessions, out.history);
  if (o.progress) o.progress("done", 1.0);
  out.check_s = now_s(o) - t - out.staleness_s;
  return out;
}

HistoryCheck check_in_memory(const std::string& ops_path, const std::string& applied_path, const HistoryCheckOptions& o) {
  HistoryCheck out;
  double t = now_s(o);
  {
    HistoryBuilder b;
    read_history_rows(ops_path, applied_path, b, o.progress);
    out.history = b.finish(o.node_order);
  }
  out.ops = out.history.ops.size();
  out.applies = out.history.applies.size();
  out.read_s = now_s(o) - t;
  if (o.progress) o.progress("checking sessions", 0.0);
  t = now_s(o);
  out.sessions = check_sessions(out.history, o.sessions);
  out.check_s = now_s(o) - t;
  t = now_s(o);
  if (o.staleness) out.staleness = measure_staleness(out.history);
  out.staleness_s = now_s(o) - t;
  if (o.progress) o.progress("done", 1.0);
  return out;
}

}  // namespace

std::uint64_t in_memory_estimate(std::uint64_t ops_bytes, std::uint64_t applied_bytes) {
  return 2 * (ops_bytes + applied_bytes);
}

std::uint32_t stream_partitions(std::uint64_t ops_bytes, std::uint64_t applied_bytes, std::uint64_t memory_bytes) {
  // Kept out of the partitions' share: name tables, write buffers, the report.
  const double reserve = 256.0 * 1024 * 1024;
  const double room = std::max(static_cast<double>(memory_bytes) - reserve, 64.0 * 1024 * 1024);
  const double need = 5.0 * static_cast<double>(ops_bytes + applied_bytes);
  // At most 256: three files per partition stay open while partitioning.
  return static_cast<std::uint32_t>(std::clamp(std::ceil(need / room), 1.0, 256.0));
}

std::uint64_t parse_memory_size(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
  if (i == 0) throw std::invalid_argument(fmt::format("expected a size like 6GiB or 512MiB, got '{}'", text));
  const double number = std::stod(std::string(text.substr(0, i)));
  std::string_view unit = text.substr(i);
  for (std::string_view suffix : {"iB", "B"})
    if (unit.size() > suffix.size() && unit.ends_with(suffix)) {
      unit.remove_suffix(suffix.size());
      break;
    }
  double scale = 1;
  if (unit == "K" || unit == "k") scale = 1024.0;
  else if (unit == "M") scale = 1024.0 * 1024;
  else if (unit == "G") scale = 1024.0 * 1024 * 1024;
  else if (unit == "T") scale = 1024.0 * 1024 * 1024 * 1024;
  else if (!unit.empty() && unit != "B")
    throw std::invalid_argument(fmt::format("unknown size unit in '{}' (expected K, M, G or T, e.g. 6GiB)", text));
  return static_cast<std::uint64_t>(number * scale);
}

HistoryCheck check_history_files(const std::string& ops_path, const std::string& applied_path, const HistoryCheckOptions& o) {
  const std::uint64_t ops_bytes = file_bytes(ops_path), applied_bytes = file_bytes(applied_path);
  const bool stream = o.mode == CheckMode::streaming ||
                      (o.mode == CheckMode::automatic && in_memory_estimate(ops_bytes, applied_bytes) > o.memory_bytes);
  if (!stream) return check_in_memory(ops_path, applied_path, o);
  const std::uint32_t parts = o.partitions ? o.partitions : stream_partitions(ops_bytes, applied_bytes, o.memory_bytes);
  return check_streaming(ops_path, applied_path, o, parts);
}

}  // namespace ecsim
