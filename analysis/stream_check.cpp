// See stream_check.hpp.
#include "analysis/stream_check.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <limits>
#include <exception>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>
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

// Worker threads: HistoryCheckOptions::threads, or 0 = one per core, at
// most 8 (each holds a partition: more would mean more, smaller partitions).
std::uint32_t check_threads(const HistoryCheckOptions& o) {
  return o.threads != 0 ? o.threads : std::clamp(std::thread::hardware_concurrency(), 1u, 8u);
}

// Workers on `parts` partitions: each has a file open per partition for
// its answers, so at most 512 such files in all (the usual limit is 1024).
std::uint32_t stream_workers(const HistoryCheckOptions& o, std::uint32_t parts) {
  return std::min({check_threads(o), parts, std::max(1u, 512 / parts)});
}

std::uint64_t file_bytes(const std::string& path) {
  std::error_code ec;
  const auto n = path.empty() ? 0 : fs::file_size(path, ec);
  return ec ? 0 : n;
}

// ---------------------------------------------------------------------------
// Partition records: what the later passes read. The files are the
// streaming path's main cost in bytes written and read back, so each record
// is written as a list of 64-bit fields (Rec::fields, back with Rec::from),
// each a varint (put_varint): ids as they are (`plain`), signed values zigzagged
// (`zigzag`), and times and row numbers as the difference from the same field
// of the previous record of the same file (`delta`), which is small because
// records go to a file in input order. About a third of the bytes of the
// structs themselves.

enum class Code : std::uint8_t { plain, zigzag, delta };

// Signed values of either sign as small unsigned ones: 0, -1, 1, -2 -> 0, 1, 2, 3.
constexpr std::uint64_t zigzag(std::uint64_t x) { return (x << 1) ^ (0 - (x >> 63)); }
constexpr std::uint64_t unzigzag(std::uint64_t z) { return (z >> 1) ^ (0 - (z & 1)); }

// Differences use wrapping unsigned arithmetic, so every int64 pair round-trips.
constexpr std::uint64_t bits(std::int64_t v) { return static_cast<std::uint64_t>(v); }
constexpr std::int64_t from_bits(std::uint64_t v) { return static_cast<std::int64_t>(v); }

// A successful op, in its client's partition: everything check_sessions reads.
struct SessionRec {
  std::int64_t invoke_ns, complete_ns, major;
  std::uint64_t seq;
  std::uint32_t minor, origin, row, session, key, replica;
  bool is_write;

  static constexpr std::array kCodes = {Code::delta, Code::plain, Code::plain, Code::zigzag, Code::plain, Code::plain,
                                        Code::plain, Code::delta, Code::plain, Code::plain, Code::plain};
  using Fields = std::array<std::uint64_t, kCodes.size()>;
  Fields fields() const {
    const bool versioned = major != Version::kNone;
    return {bits(invoke_ns), bits(complete_ns) - bits(invoke_ns), (is_write ? 1u : 0u) | (versioned ? 2u : 0u),
            versioned ? bits(major) - bits(invoke_ns) : 0, minor, origin, seq, row, session, key,
            std::uint32_t(replica + 1)};  // kNoId -> 0
  }
  static SessionRec from(const Fields& f) {
    const std::int64_t invoke = from_bits(f[0]);
    return {invoke, from_bits(f[0] + f[1]), (f[2] & 2) ? from_bits(f[0] + f[3]) : Version::kNone, f[6],
            std::uint32_t(f[4]), std::uint32_t(f[5]), std::uint32_t(f[7]), std::uint32_t(f[8]),
            std::uint32_t(f[9]), std::uint32_t(f[10] - 1), (f[2] & 1) != 0};
  }
};
// A successful op that staleness or rule (b) needs, in its key's partition.
struct KeyRec {
  std::int64_t invoke_ns, complete_ns, major;
  std::uint32_t minor, origin, key;
  std::uint32_t client_index;  // its index among the ops of its client partition
  std::uint32_t client_part;   // the client partition its stands go to
  bool is_write;

  static constexpr std::array kCodes = {Code::delta, Code::plain, Code::plain, Code::zigzag,
                                        Code::plain, Code::plain, Code::plain, Code::plain};
  using Fields = std::array<std::uint64_t, kCodes.size()>;
  Fields fields() const {
    const bool versioned = major != Version::kNone;
    return {bits(invoke_ns), bits(complete_ns) - bits(invoke_ns),
            (is_write ? 1u : 0u) | (versioned ? 2u : 0u) | (std::uint64_t{client_part} << 2),
            versioned ? bits(major) - bits(invoke_ns) : 0, minor, origin, key, client_index};
  }
  static KeyRec from(const Fields& f) {
    return {from_bits(f[0]), from_bits(f[0] + f[1]), (f[2] & 2) ? from_bits(f[0] + f[3]) : Version::kNone,
            std::uint32_t(f[4]), std::uint32_t(f[5]), std::uint32_t(f[6]), std::uint32_t(f[7]),
            std::uint32_t(f[2] >> 2), (f[2] & 1) != 0};
  }
};
// An applied row, in its key's partition (its version is never empty).
struct ApplyRec {
  std::int64_t time_ns, major;
  std::uint32_t minor, origin, incarnation, key, step;

  static constexpr std::array kCodes = {Code::delta, Code::zigzag, Code::plain, Code::plain,
                                        Code::plain, Code::plain, Code::delta};
  using Fields = std::array<std::uint64_t, kCodes.size()>;
  Fields fields() const {
    return {bits(time_ns), bits(major) - bits(time_ns), minor, origin, incarnation, key, step};
  }
  static ApplyRec from(const Fields& f) {
    return {from_bits(f[0]), from_bits(f[0] + f[1]), std::uint32_t(f[2]), std::uint32_t(f[3]),
            std::uint32_t(f[4]), std::uint32_t(f[5]), std::uint32_t(f[6])};
  }
};
// A Stand of an op, in the op's client partition (`op`: its index there).
struct StandRec {
  std::int64_t time_ns;
  std::uint32_t op, incarnation, step;
  bool exact;  // the step took on exactly the op's version

  static constexpr std::array kCodes = {Code::delta, Code::plain, Code::plain, Code::delta};
  using Fields = std::array<std::uint64_t, kCodes.size()>;
  Fields fields() const { return {bits(time_ns), op, (std::uint64_t{incarnation} << 1) | (exact ? 1u : 0u), step}; }
  static StandRec from(const Fields& f) {
    return {from_bits(f[0]), std::uint32_t(f[1]), std::uint32_t(f[2] >> 1), std::uint32_t(f[3]), (f[2] & 1) != 0};
  }
};

// A varint whose length is in its first byte (a prefix varint): a value of
// up to 7n bits (n <= 8) takes n bytes, the first starting with n - 1 one
// bits and a zero; larger values take 0xFF and 8 bytes. Unlike LEB128 it is
// read with one 8-byte load, a mask and a shift, whatever its length: the
// partition files are read back as fast as memory allows.
constexpr std::size_t kVarintMax = 9;
constexpr std::size_t kVarintSlack = 8;  // bytes a reader may load past a varint's end

inline void store64(std::uint8_t* p, std::uint64_t v) {
  if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap64(v);
  std::memcpy(p, &v, 8);
}
inline std::uint64_t load64(const std::uint8_t* p) {
  std::uint64_t v;
  std::memcpy(&v, p, 8);
  if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap64(v);
  return v;
}

// Writes v at `out` (room for kVarintMax + kVarintSlack bytes); returns the end.
inline std::uint8_t* put_varint(std::uint8_t* out, std::uint64_t v) {
  const int n = std::max(1, (static_cast<int>(std::bit_width(v)) + 6) / 7);
  if (n > 8) {
    *out = 0xFF;
    store64(out + 1, v);
    return out + 9;
  }
  store64(out, (v << n) | ((std::uint64_t{1} << (n - 1)) - 1));
  return out + n;
}

// Reads a varint at `in` (kVarintSlack readable bytes past `end`); false if it runs past `end`.
inline bool get_varint(const std::uint8_t*& in, const std::uint8_t* end, std::uint64_t& v) {
  if (in >= end) return false;
  const int n = std::countr_one(*in) + 1;
  if (n > end - in) return false;
  if (n == 9) {
    v = load64(in + 1);
  } else {
    const std::uint64_t word = load64(in);
    v = (n == 8 ? word : word & ((std::uint64_t{1} << (8 * n)) - 1)) >> n;
  }
  in += n;
  return true;
}

// Encodes records of type Rec (see above), one file's worth: `previous`
// holds the last record's fields for the delta-coded ones.
template <class Rec>
struct RecordCodec {
  static constexpr std::size_t kMaxBytes = kVarintMax * std::tuple_size_v<typename Rec::Fields> + kVarintSlack;
  typename Rec::Fields previous{};

  // Appends the record's bytes at `out` (room for kMaxBytes); returns the end.
  std::uint8_t* encode(const Rec& r, std::uint8_t* out) {
    const typename Rec::Fields f = r.fields();
    for (std::size_t i = 0; i < f.size(); ++i) {
      std::uint64_t v = f[i];
      if (Rec::kCodes[i] == Code::delta) v = zigzag(f[i] - previous[i]);
      else if (Rec::kCodes[i] == Code::zigzag) v = zigzag(f[i]);
      out = put_varint(out, v);
    }
    previous = f;
    return out;
  }
  // Decodes one record from [in, end) (kVarintSlack readable bytes past
  // it); false if the bytes end inside it.
  bool decode(const std::uint8_t*& in, const std::uint8_t* end, Rec& r) {
    typename Rec::Fields f;
    for (std::size_t i = 0; i < f.size(); ++i) {
      std::uint64_t v = 0;
      if (!get_varint(in, end, v)) return false;
      if (Rec::kCodes[i] == Code::delta) v = previous[i] + unzigzag(v);
      else if (Rec::kCodes[i] == Code::zigzag) v = unzigzag(v);
      f[i] = v;
    }
    previous = f;
    r = Rec::from(f);
    return true;
  }
};

// One record file per partition, written through large buffers.
template <class Rec>
class PartitionFiles {
 public:
  PartitionFiles(const fs::path& dir, std::string_view kind, std::uint32_t parts) : codecs_(parts) {
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
    std::array<std::uint8_t, RecordCodec<Rec>::kMaxBytes> bytes;
    const std::size_t n = static_cast<std::size_t>(codecs_[part].encode(r, bytes.data()) - bytes.data());
#ifdef __GLIBC__
    // One thread writes each file: skip the stream lock fwrite takes per call.
    if (::fwrite_unlocked(bytes.data(), 1, n, files_[part]) != n) fail(part);
#else
    if (std::fwrite(bytes.data(), 1, n, files_[part]) != n) fail(part);
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
    take(part, out);
    return out;
  }
  // The same, appended to `out`.
  void take(std::uint32_t part, std::vector<Rec>& out) const {
    std::error_code ec;
    const std::uint64_t size = fs::file_size(paths_[part], ec);
    if (ec) throw std::runtime_error(fmt::format("cannot read '{}': {}", paths_[part].string(), ec.message()));
    std::vector<std::uint8_t> bytes(size + kVarintSlack);
    std::FILE* f = std::fopen(paths_[part].c_str(), "rb");
    const bool ok = f && std::fread(bytes.data(), 1, size, f) == size;
    if (f) std::fclose(f);
    if (!ok) throw std::runtime_error(fmt::format("cannot read '{}'", paths_[part].string()));
    fs::remove(paths_[part], ec);
    out.reserve(out.size() + size / (2 * Rec::kCodes.size()));  // a guess: about 2 bytes a field
    RecordCodec<Rec> codec;
    for (const std::uint8_t *in = bytes.data(), *end = in + size; in != end;)
      if (!codec.decode(in, end, out.emplace_back()))
        throw std::runtime_error(fmt::format("'{}' ends inside a record: was it changed while ecsim-check ran?",
                                             paths_[part].string()));
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
  std::vector<RecordCodec<Rec>> codecs_;  // by partition
};

// Spreads ids or hashes over partitions (splitmix64's finaliser):
// neighbouring ids, which real histories cluster, land in different partitions.
std::uint32_t part_of(std::uint64_t id, std::uint32_t parts) {
  std::uint64_t z = id + 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return static_cast<std::uint32_t>((z ^ (z >> 31)) % parts);
}

// Pass 1's sink: every row the builder checked goes to its partitions. Ops
// by client and by key, applied rows by key: by the key name's hash, which
// the readers of ops.csv and applied.csv agree on when they run in parallel
// (their key ids differ until renumber_applied). op() and apply() may run
// on two threads at once: they share nothing.
struct Partitioner final : HistoryRowSink {
  Partitioner(const fs::path& dir, std::uint32_t count, bool wfr)
      : by_client(dir, "ops-by-client", count), by_key(dir, "ops-by-key", count), applied(dir, "applied-by-key", count),
        parts(count), reads_ask(wfr), client_ops(count, 0) {}

  void op(std::uint32_t row, std::uint32_t client, std::uint64_t key_hash, const HistoryOp& o) override {
    if (!o.ok) return;  // every check ignores failed ops
    const std::uint32_t cp = part_of(client, parts);
    const std::uint32_t index = client_ops[cp]++;
    by_client.write(cp, SessionRec{o.invoke_ns, o.complete_ns, o.version.major, o.seq, o.version.minor, o.version.origin,
                                   row, o.session, o.key, o.replica, o.is_write});
    // Staleness reads every read and every write with a version (rule (b)
    // asks about ops with a version only).
    if (o.is_write && o.version.empty()) return;
    by_key.write(part_of(key_hash, parts), KeyRec{o.invoke_ns, o.complete_ns, o.version.major, o.version.minor,
                                                  o.version.origin, o.key, index, cp, o.is_write});
  }
  void apply(const ApplyRow& a, std::uint64_t key_hash) override {
    applied.write(part_of(key_hash, parts),
                  ApplyRec{a.time_ns, a.version.major, a.version.minor, a.version.origin, a.incarnation, a.key, a.step});
  }
  void renumber_applied(const std::vector<std::uint32_t>& keys, const std::vector<std::uint32_t>& origins) override {
    applied_keys = keys;
    applied_origins = origins;
  }
  void close() {
    by_client.close();
    by_key.close();
    applied.close();
  }
  // An applied record's key and origin in the history's ids.
  std::uint32_t applied_key(std::uint32_t id) const { return applied_keys.empty() ? id : applied_keys[id]; }
  std::uint32_t applied_origin(std::uint32_t id) const { return applied_origins.empty() ? id : applied_origins[id]; }

  PartitionFiles<SessionRec> by_client;
  PartitionFiles<KeyRec> by_key;
  PartitionFiles<ApplyRec> applied;
  std::uint32_t parts;
  bool reads_ask;  // WFR: reads arm rule (b), so they need stands too
  std::vector<std::uint32_t> client_ops;  // ops written to each client partition so far
  std::vector<std::uint32_t> applied_keys, applied_origins;  // empty: read in one thread, ids already the history's
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

// Everything the partition passes share (read-only but for the progress count).
struct StreamState {
  const HistoryCheckOptions& o;
  const History& names;                    // the builder's name tables
  const std::vector<std::uint32_t>& rank;  // origin id -> rank
  std::uint32_t parts = 1;
  std::mutex progress_lock;  // workers report in turn: the callback need not be thread-safe
  std::uint32_t parts_done = 0;
  Version version(std::int64_t major, std::uint32_t minor, std::uint32_t origin) const {
    if (major == Version::kNone) return Version{};
    return Version{major, minor, origin < rank.size() ? rank[origin] : 0};
  }
  // A phase starts (nothing done) or one more of its parts is done.
  void progress(std::string_view phase, bool part_done) {
    if (!o.progress) return;
    const std::lock_guard lock(progress_lock);
    parts_done = part_done ? parts_done + 1 : 0;
    o.progress(phase, static_cast<double>(parts_done) / parts);
  }
};

// Runs task(part, worker) for every part in [0, parts) on `workers` threads
// (the calling thread is worker 0), each taking the lowest part not yet
// taken. Callers keep results per part and combine them in part order, so
// that nothing depends on which worker ran what. After a failure no part
// starts; the parts already started (all below any failed one) finish, and
// the lowest failed part's exception is rethrown: the one a single thread
// going in part order would have thrown.
template <class Task>
void for_each_part(std::uint32_t parts, std::uint32_t workers, const Task& task) {
  std::atomic<std::uint32_t> next{0};
  std::atomic<bool> failed{false};
  std::vector<std::exception_ptr> errors(parts);
  auto work = [&](std::uint32_t worker) {
    for (std::uint32_t p = 0; !failed.load() && (p = next.fetch_add(1)) < parts;) {
      try {
        task(p, worker);
      } catch (...) {
        errors[p] = std::current_exception();
        failed = true;
      }
    }
  };
  {
    std::vector<std::jthread> others;
    for (std::uint32_t w = 1; w < workers; ++w) others.emplace_back(work, w);
    work(0);
  }  // joins the others
  for (const std::exception_ptr& e : errors)
    if (e) std::rethrow_exception(e);
}

// A history of one partition: key ids local (h.keys sized once they are
// known), incarnations those of the whole history.
History partition_history(const StreamState& s) {
  History h;
  h.incarnation_replica = s.names.incarnation_replica;
  h.has_applies = s.names.has_applies;
  return h;
}

// The successful op of a partition record (KeyRec or SessionRec): the
// fields both kinds carry, its key as a local id.
template <class Rec>
HistoryOp partition_op(const StreamState& s, const Rec& r, LocalIds& keys) {
  HistoryOp op;
  op.invoke_ns = r.invoke_ns;
  op.complete_ns = r.complete_ns;
  op.version = s.version(r.major, r.minor, r.origin);
  op.key = keys(r.key);
  op.is_write = r.is_write;
  op.ok = true;
  return op;
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
          Question{h.ops[i].version, h.ops[i].key, ops[i].client_index, ops[i].client_part};
  std::vector<Stand> found;
  for (std::size_t q = 0; q < questions.size(); ++q) {
    const Question& x = questions[q];
    // Consecutive questions about one version (rereads) share the answer.
    if (q == 0 || x.key != questions[q - 1].key || x.version != questions[q - 1].version) {
      found.clear();
      index.stands(x.key, x.version, found);
    }
    for (const Stand& st : found)
      out.write(x.to, StandRec{st.time_ns, x.client_index, st.incarnation, st.step, st.exact});
  }
}

// Pass 2, one key partition: staleness of its keys, and where each
// incarnation stands on each of its ops' versions (to the ops' client partitions).
void check_key_partition(const StreamState& s, const Partitioner& files, PartitionFiles<StandRec>* stands_out,
                         std::uint32_t part, LocalIds& keys, StalenessResult& staleness, double& staleness_s) {
  const std::vector<KeyRec> ops = files.by_key.take(part);
  History h = partition_history(s);
  h.ops.reserve(ops.size());
  for (const KeyRec& r : ops) h.ops.push_back(partition_op(s, r, keys));
  {
    const std::vector<ApplyRec> applied = files.applied.take(part);
    h.applies.reserve(applied.size());
    for (const ApplyRec& a : applied)
      h.applies.push_back(ApplyRow{a.time_ns, s.version(a.major, a.minor, files.applied_origin(a.origin)), a.incarnation,
                                   keys(files.applied_key(a.key)), a.step});
  }
  h.keys.resize(keys.global().size());
  if (s.o.staleness) {
    const double t = now_s(s.o);
    staleness = measure_staleness(h);
    staleness_s = now_s(s.o) - t;
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

// The stands of a client partition's `ops` ops. The worker that answered an
// op's key wrote all of its stands at once, in order (by incarnation), to
// its own file: each op's stands are one run in `recs`, found in one pass
// (sorting them by op would write each to a random place).
OpStands stands_by_op(const std::vector<StandRec>& recs, std::size_t ops) {
  OpStands out;
  out.first.assign(ops, 0);
  out.end.assign(ops, 0);
  out.stands.reserve(recs.size());
  for (std::size_t i = 0; i < recs.size(); ++i) {
    const StandRec& r = recs[i];
    if (i == 0 || r.op != recs[i - 1].op) {
      if (out.end[r.op] != 0) throw std::logic_error(fmt::format("the stands of op {} are not written together", r.op));
      out.first[r.op] = static_cast<std::uint32_t>(i);
    }
    out.end[r.op] = static_cast<std::uint32_t>(i + 1);
    out.stands.push_back(Stand{r.time_ns, r.incarnation, r.step, r.exact});
  }
  return out;
}

// What one client partition found: counts, and the violations kept for the
// report in the whole history's terms (examples and lists stay empty in `counts`).
struct ClientPart {
  SessionCheckResult counts;
  std::array<std::vector<Found>, 4> found;
};

// The partition's ops with local ids (`sessions`, `keys`); `rows` gets each one's row.
History client_history(const StreamState& s, std::vector<SessionRec> recs, LocalIds& sessions, LocalIds& keys,
                       std::vector<std::uint32_t>& rows) {
  History h = partition_history(s);
  LocalIds clients(s.names.clients.size());
  h.ops.reserve(recs.size());
  rows.reserve(recs.size());
  for (const SessionRec& r : recs) {
    HistoryOp op = partition_op(s, r, keys);
    op.session = sessions(r.session);
    op.replica = r.replica;
    op.seq = r.seq;
    h.ops.push_back(op);
    rows.push_back(r.row);
  }
  recs = {};
  h.keys.resize(keys.global().size());
  for (std::uint32_t g : sessions.global()) {
    h.session_client.push_back(clients(s.names.session_client[g]));
    h.session_number.push_back(s.names.session_number[g]);
  }
  h.clients.resize(clients.global().size());
  return h;
}

// Pass 3, one client partition: check_sessions on its ops with the stands
// the key partitions found (in `stands_in`, one file set per worker: an
// op's stands are all in one of them, written in order by one worker).
ClientPart check_client_partition(const StreamState& s, const Partitioner& files,
                                  const std::vector<std::unique_ptr<PartitionFiles<StandRec>>>& stands_in,
                                  std::uint32_t part, LocalIds& keys) {
  std::vector<std::uint32_t> rows;
  LocalIds sessions(s.names.session_count());
  const History h = client_history(s, files.by_client.take(part), sessions, keys, rows);
  OpStands stands;
  if (!stands_in.empty()) {
    std::vector<StandRec> recs;
    for (const auto& f : stands_in) f->take(part, recs);
    stands = stands_by_op(recs, rows.size());
  }
  ClientPart out;
  out.counts = check_sessions(h, s.o.sessions, stands);
  for (std::size_t g = 0; g < 4; ++g) {
    GuaranteeResult& x = out.counts.by_guarantee[g];
    for (const Violation& v : s.o.sessions.keep_all ? x.all : x.examples) {
      Found f{h.ops[v.op].invoke_ns, v, h.ops[v.op]};
      f.v.op = rows[v.op];
      if (v.cause != kNoId) f.v.cause = rows[v.cause];
      f.op.session = sessions.global()[f.op.session];
      f.op.key = keys.global()[f.op.key];
      out.found[g].push_back(f);
    }
    x.examples = {};
    x.all = {};
  }
  keys.reset();
  return out;
}

// Adds a partition's counts and violations to the whole history's.
void add_client_part(ClientPart& part, SessionCheckResult& total, std::array<std::vector<Found>, 4>& found) {
  total.ryw_client += part.counts.ryw_client;
  for (std::size_t g = 0; g < 4; ++g) {
    const GuaranteeResult& x = part.counts.by_guarantee[g];
    GuaranteeResult& t = total.by_guarantee[g];
    t.checked = x.checked;
    t.violations += x.violations;
    t.sessions_affected += x.sessions_affected;
    t.ops_checked += x.ops_checked;
    found[g].insert(found[g].end(), part.found[g].begin(), part.found[g].end());
    part.found[g] = {};
  }
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
    // Worker threads would get arenas of their own, which give freed
    // memory back to the kernel whatever the threshold: one arena for all.
    mallopt(M_ARENA_MAX, 1);
#endif
  }
  ~KeepFreedMemory() {
#ifdef __GLIBC__
    mallopt(M_MMAP_MAX, 65536);             // glibc's DEFAULT_MMAP_MAX
    mallopt(M_TRIM_THRESHOLD, 128 * 1024);  // DEFAULT_TRIM_THRESHOLD
    mallopt(M_ARENA_MAX, 0);                // no limit but glibc's own (8 per core)
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
    read_history_rows(ops_path, applied_path, b, o.progress, check_threads(o) > 1);
    files.close();
    out.ops = b.op_count();
    out.applies = b.apply_count();
    out.history = b.finish(o.node_order, &rank);
  }
  if (rule_b && !out.history.has_applies)
    throw std::invalid_argument("checking MW or WFR needs the order in which replicas applied writes (applied.csv)");
  out.read_s = now_s(o) - t;
  t = now_s(o);
  StreamState s{o, out.history, rank, parts, {}, 0};
  const std::uint32_t workers = stream_workers(o, parts);
  std::vector<LocalIds> keys(workers, LocalIds(out.history.keys.size()));
  // One set of answer files per worker: each is written by one thread only.
  std::vector<std::unique_ptr<PartitionFiles<StandRec>>> stands;
  for (std::uint32_t w = 0; rule_b && w < workers; ++w)
    stands.push_back(std::make_unique<PartitionFiles<StandRec>>(scratch.path(), fmt::format("stands-w{}", w), parts));
  std::vector<StalenessResult> staleness(parts);
  std::vector<double> staleness_s(parts, 0.0);
  s.progress("checking keys (staleness, applied order)", false);
  for_each_part(parts, workers, [&](std::uint32_t p, std::uint32_t w) {
    check_key_partition(s, files, rule_b ? stands[w].get() : nullptr, p, keys[w], staleness[p], staleness_s[p]);
    s.progress("checking keys (staleness, applied order)", true);
  });
  for (const auto& f : stands) f->close();
  out.staleness.behind.assign(17, 0);  // measure_staleness's default max_behind + 1, for an empty history
  for (std::uint32_t p = 0; p < parts; ++p) {
    if (o.staleness) out.staleness.add(staleness[p]);
    out.staleness_s += staleness_s[p] / workers;  // its share of the wall time, about
  }
  std::vector<ClientPart> results(parts);
  s.progress("checking sessions", false);
  for_each_part(parts, workers, [&](std::uint32_t p, std::uint32_t w) {
    results[p] = check_client_partition(s, files, stands, p, keys[w]);
    s.progress("checking sessions", true);
  });
  std::array<std::vector<Found>, 4> found;
  out.sessions.sessions = out.history.session_count();
  for (ClientPart& r : results) add_client_part(r, out.sessions, found);
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
    read_history_rows(ops_path, applied_path, b, o.progress, check_threads(o) > 1);
    out.history = b.finish(o.node_order);
  }
  out.ops = out.history.ops.size();
  out.applies = out.history.applies.size();
  out.read_s = now_s(o) - t;
  if (o.progress) o.progress("checking sessions", 0.0);
  // Staleness reads the history only: with a second thread, alongside.
  std::exception_ptr staleness_error;
  auto staleness = [&] {
    try {
      const double from = now_s(o);
      if (o.staleness) out.staleness = measure_staleness(out.history);
      out.staleness_s = now_s(o) - from;
    } catch (...) {
      staleness_error = std::current_exception();
    }
  };
  {
    std::jthread alongside;
    if (check_threads(o) > 1) alongside = std::jthread(staleness);
    t = now_s(o);
    out.sessions = check_sessions(out.history, o.sessions);
    out.check_s = now_s(o) - t;
    if (!alongside.joinable()) staleness();
  }
  if (staleness_error) std::rethrow_exception(staleness_error);
  if (o.progress) o.progress("done", 1.0);
  return out;
}

}  // namespace

std::string scratch_parent(const HistoryCheckOptions& o) {
  if (!o.scratch_parent.empty()) return o.scratch_parent;
  if (const char* t = std::getenv("TMPDIR"); t && *t) return t;
  return "/tmp";
}

std::uint64_t in_memory_estimate(std::uint64_t ops_bytes, std::uint64_t applied_bytes) {
  return 2 * (ops_bytes + applied_bytes);
}

std::uint32_t stream_partitions(std::uint64_t ops_bytes, std::uint64_t applied_bytes, std::uint64_t memory_bytes,
                                std::uint32_t threads) {
  // Kept out of the partitions' share: name tables, write buffers, the report.
  const double reserve = 256.0 * 1024 * 1024;
  const double room = std::max(static_cast<double>(memory_bytes) - reserve, 64.0 * 1024 * 1024);
  const double need = 5.0 * static_cast<double>(ops_bytes + applied_bytes) * std::max(threads, 1u);
  // A multiple of the threads when more than one partition is needed (no
  // thread idle on the last round); at most 256: three files per partition
  // stay open while partitioning.
  const double parts = std::ceil(need / room), rounds = std::ceil(parts / std::max(threads, 1u));
  return static_cast<std::uint32_t>(std::clamp(parts <= 1 ? 1.0 : rounds * std::max(threads, 1u), 1.0, 256.0));
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
  const std::uint32_t parts =
      o.partitions ? o.partitions : stream_partitions(ops_bytes, applied_bytes, o.memory_bytes, check_threads(o));
  return check_streaming(ops_path, applied_path, o, parts);
}

}  // namespace ecsim
