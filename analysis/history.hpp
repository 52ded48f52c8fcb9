#pragma once
// The client history as the session checkers and staleness measures read it:
// one row per client operation (ops.csv) and, for MW and WFR, the order in
// which each replica's state took on each version (applied.csv). Built from a
// run's observations or read from CSV files recorded anywhere, including a
// real system's logs; docs/SESSIONS.md lists the columns a history must have.
// Nothing here knows the simulator.
#include <compare>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "analysis/input_error.hpp"  // "file:line:col: error: ..." for bad input
#include "sim/time.hpp"

namespace ecsim {

// Bad history input, formatted "file:line:col: error: what" (exit status 2).
using HistoryInputError = InputError;

// A version as the checkers order them, parsed from version text of the form
//   [L]<integer>[.<integer>][@<origin>]
// ecsim's LWW versions ("1500000.2@n3" with HLC, "1500000@n0" physical,
// "L7@n1" Lamport) and a real system's plain write timestamps
// ("1700000000123") all fit. Versions compare by the integer, then the
// fraction, then the origin's rank in the node order (the tie-break LWW
// uses). Empty text means "no version" (a read that found nothing): older
// than every version.
struct Version {
  static constexpr std::int64_t kNone = std::numeric_limits<std::int64_t>::min();
  std::int64_t major = kNone;
  std::uint32_t minor = 0;
  std::uint32_t origin = 0;  // rank of the origin in the node order (0 when none)
  bool empty() const { return major == kNone; }
  friend auto operator<=>(const Version&, const Version&) = default;
};

// Version text split into its parts; `origin` views the text passed in.
struct VersionText {
  std::int64_t major = Version::kNone;
  std::uint32_t minor = 0;
  std::string_view origin;
  bool empty() const { return major == Version::kNone; }
};

class VersionSyntaxError : public std::runtime_error {
 public:
  VersionSyntaxError(const std::string& what, std::size_t at) : std::runtime_error(what), offset(at) {}
  std::size_t offset;  // 0-based position of the problem in the text
};

// Throws VersionSyntaxError.
VersionText parse_version(std::string_view text);

inline constexpr std::uint32_t kNoId = 0xFFFFFFFFu;
// An applied row without a step id (HistoryBuilder::add_apply).
inline constexpr std::uint64_t kStepByTime = std::numeric_limits<std::uint64_t>::max();

struct HistoryOp {
  std::int64_t invoke_ns = 0;
  std::int64_t complete_ns = 0;
  Version version;                // write: the version written; read: the version returned
  std::uint32_t session = 0;      // dense id of (client, session), by first appearance
  std::uint32_t key = 0;          // dense id of the key name
  std::uint32_t replica = kNoId;  // dense id of the replica name; kNoId when none (cache hit, failed)
  std::uint64_t seq = 0;          // issue order within the session, 1-based; 0 = unknown (ops.csv without `seq`)
  bool is_write = false;          // every op but "read" updates
  bool ok = false;
};

// A replica's state for `key` took on `version` at `time_ns`. Replicas are
// split into incarnations: a replica that loses its state (crash with
// lose_state) starts a new incarnation that holds nothing. Rows of one
// incarnation with the same `step` were applied atomically (one message's
// batch, one store call): no reader could see one without the others.
struct ApplyRow {
  std::int64_t time_ns = 0;
  Version version;
  std::uint32_t incarnation = 0;
  std::uint32_t key = 0;
  // The row's step, as the index in History::applies of the step's first
  // row: within one incarnation (rows in time order) it orders steps.
  std::uint32_t step = 0;
};

struct History {
  std::vector<HistoryOp> ops;       // input order: ops[i] is data row i + 1 of ops.csv (see op_rows)
  // Empty, or the rows of a history kept in part (the streaming checker,
  // analysis/stream_check.hpp, keeps only the ops its report names): ops[i]
  // is data row op_rows[i] + 1, op_rows ascending.
  std::vector<std::uint32_t> op_rows;
  std::vector<ApplyRow> applies;    // input order
  bool has_applies = false;         // an applied order was given (MW and WFR need it)
  std::vector<std::string> clients, keys, replicas;
  std::vector<std::string> origins;               // version origins by rank
  std::vector<std::uint32_t> session_client;      // client id of each session
  std::vector<std::uint32_t> session_number;      // the session column of each session
  std::vector<std::uint32_t> incarnation_replica;  // replica id of each incarnation

  std::uint32_t session_count() const { return static_cast<std::uint32_t>(session_client.size()); }
  // The op of data row `index` + 1 (Violation::op), whole or kept in part.
  const HistoryOp& op(std::uint32_t index) const;
  std::string session_name(std::uint32_t session) const;  // "c0/1"
  std::string format(const Version& v) const;              // "1500000.2@n3"; "" when empty
};

// Where HistoryBuilder sends rows instead of keeping them (the streaming
// checker): each op and applied row once, in input order, with ids already
// given; versions carry origin ids, not ranks, until finish() (origin_rank).
// read_history_rows may read ops.csv and applied.csv on two threads, each
// into a builder of its own: then op() and apply() are called from
// different threads at once, and the applied rows carry the key and origin
// ids of the applied.csv reader until renumber_applied() maps them.
class HistoryRowSink {
 public:
  virtual ~HistoryRowSink() = default;
  // `row`: the op's index (data row - 1); `client`: its session's client id;
  // `key_hash`: the key name's hash (HistoryBuilder::name_hash), the same
  // for a key in either reader, which its ids need not be.
  virtual void op(std::uint32_t row, std::uint32_t client, std::uint64_t key_hash, const HistoryOp& op) = 0;
  virtual void apply(const ApplyRow& row, std::uint64_t key_hash) = 0;
  // After a parallel read: the history's ids of the applied rows' key and
  // origin ids (keys[id], origins[id]). Not called after reading in one thread.
  virtual void renumber_applied(const std::vector<std::uint32_t>& keys, const std::vector<std::uint32_t>& origins) = 0;
};

// Collects rows, interning names, and ranks version origins at the end.
// Times per replica in applied rows must not go backwards.
class HistoryBuilder {
 public:
  // Rows go to `sink` (it must outlive the builder's use) instead of the
  // History; finish() then returns the names only.
  void stream_to(HistoryRowSink* sink) { sink_ = sink; }
  HistoryRowSink* sink() const { return sink_; }
  // `seq`: the op's issue order within its session (1-based; 0 = unknown).
  void add_op(std::string_view client, std::uint32_t session, bool is_write, bool ok, std::string_view key,
              SimTime invoke_ns, SimTime complete_ns, std::string_view replica, const VersionText& version,
              std::uint64_t seq = 0);
  // `step`: consecutive rows of one replica with the same nonzero step were
  // applied in one atomic step (at one time); 0 = a step of its own;
  // kStepByTime (no step known) = consecutive rows of one replica at one
  // time are one step, the meaning of histories without a step column.
  // Throws std::invalid_argument when time_ns is before the replica's previous
  // row, or differs from it within one step.
  void add_apply(SimTime time_ns, std::string_view replica, std::string_view key, const VersionText& version,
                 std::uint64_t step = kStepByTime);
  void add_state_lost(SimTime time_ns, std::string_view replica);
  void reserve(std::size_t ops, std::size_t applies);
  // The history has an applied order even if no row is added (nothing applied).
  void expect_applies() { h_.has_applies = true; }
  // `node_order` ranks origins for the tie-break (ecsim: node ids); origins it
  // does not list come after, in natural order ("n2" before "n10"), as do all
  // origins when it is empty.
  // `origin_rank`, if given, receives each origin id's rank (what a
  // HistoryRowSink's versions carry until then).
  History finish(const std::vector<std::string>& node_order = {}, std::vector<std::uint32_t>* origin_rank = nullptr);
  std::uint64_t op_count() const { return op_count_; }
  std::uint64_t apply_count() const { return apply_count_; }
  // The hash names are interned by (HistoryRowSink's key_hash).
  static std::uint64_t name_hash(std::string_view name);
  // Starts loading where key `name`'s id is kept: a reader calls it as soon
  // as it has the row's key, so that the cache miss of a random key (most
  // of interning's time in a big history) overlaps parsing the other fields.
  void prefetch_key(std::string_view name) const { key_ids_.prefetch(name_hash(name)); }

  // Ids of names that `applied` (a builder that read applied.csv only) gave,
  // in this builder's numbering: its names are interned here in its id
  // order, which gives every name the id that reading applied.csv after
  // ops.csv with this builder would have given.
  struct Renumbering {
    std::vector<std::uint32_t> keys, replicas, origins;
  };
  // Takes over the applied order `applied` read (its rows, incarnations and
  // counts; its sink has had the rows), renumbered into this builder's ids.
  Renumbering absorb_applied(HistoryBuilder&& applied);

 private:
  // 64-bit key -> dense id, open addressing over (key, id) slots: flat
  // because interning is much of the time spent reading a big history (a
  // node-based map misses the cache on nearly every row). A slot also holds
  // a short name itself, so that finding it reads one cache line, not a
  // second one in the by-id names.
  class FlatIds {
   public:
    // The id of `key` (with `name`, for a name's hash), or `fresh` (then
    // recorded) if it has none yet; `same(id)` tells whether a slot with
    // this key holds a name too long to keep in the slot is really it.
    template <class Same>
    std::uint32_t find_or_add(std::uint64_t key, std::uint32_t fresh, Same same, std::string_view name = {});
    // Starts loading the slot where `key`'s search begins.
    void prefetch(std::uint64_t key) const {
      if (!slots_.empty()) __builtin_prefetch(&slots_[slot_of(key)]);
    }

   private:
    static constexpr std::size_t kInline = 19;    // bytes of a name kept in its slot
    static constexpr std::uint8_t kLong = 0xFF;  // the name is longer: ask same()
    struct Slot {
      std::uint64_t key;
      std::uint32_t id_plus_1;  // 0: empty
      std::uint8_t size;        // of the name in `text`, or kLong
      char text[kInline];
    };
    static_assert(sizeof(Slot) == 32);
    void grow();
    // Fibonacci hashing: the top bits of key x 2^64/phi depend on every bit
    // of the key (session keys differ in their high half, names anywhere).
    std::size_t slot_of(std::uint64_t key) const { return static_cast<std::size_t>((key * 0x9E3779B97F4A7C15ull) >> shift_); }
    std::vector<Slot> slots_;
    std::size_t used_ = 0;
    int shift_ = 64;
  };
  using Names = FlatIds;  // by the name's hash; the names live in the by-id vector
  static std::uint32_t intern(Names& names, std::vector<std::string>& by_id, std::string_view name,
                              std::uint64_t hash);
  static std::uint32_t intern(Names& names, std::vector<std::string>& by_id, std::string_view name) {
    return intern(names, by_id, name, name_hash(name));
  }
  static std::vector<std::uint32_t> renumber(Names& names, std::vector<std::string>& by_id,
                                             const std::vector<std::string>& other);
  Version version_of(const VersionText& v);
  std::uint32_t incarnation_of(std::uint32_t replica, SimTime time_ns);

  History h_;
  HistoryRowSink* sink_ = nullptr;
  std::uint64_t op_count_ = 0, apply_count_ = 0;  // rows added
  Names client_ids_, key_ids_, replica_ids_, origin_ids_;
  std::vector<std::string> origin_names_;  // by id, before ranking
  FlatIds session_ids_;  // by client id << 32 | session number
  std::vector<std::uint32_t> current_incarnation_;  // by replica id
  std::vector<SimTime> last_apply_ns_;              // by replica id
  std::vector<std::uint64_t> last_step_;            // by replica id: the input step of its previous row (0: none)
  std::vector<std::uint32_t> last_step_id_;         // by replica id: the step of its previous row
};

// Reads ops.csv (and applied.csv when `applied_path` is not empty) with
// CsvReader (analysis/csv_reader.hpp: quoting, blank lines, columns found by
// their header names in any order, other columns ignored). Throws
// HistoryInputError naming file, line and column.
History read_history_csv(const std::string& ops_path, const std::string& applied_path,
                         const std::vector<std::string>& node_order = {});

// Progress of a long step: `phase` ("reading ops.csv") and the fraction done.
using ProgressFn = std::function<void(std::string_view phase, double fraction)>;

// The reading half of read_history_csv: every row, checked, into `builder`
// (which may stream them on, HistoryBuilder::stream_to). The one place that
// parses history files, so that every path reports the same errors.
// `parallel`: applied.csv is read on a second thread alongside ops.csv (its
// builder absorbed into `builder` at the end): the same history and the
// same first error in file order (ops.csv's before applied.csv's) as one
// thread. `progress` is called from one thread at a time.
void read_history_rows(const std::string& ops_path, const std::string& applied_path, HistoryBuilder& builder,
                       const ProgressFn& progress = {}, bool parallel = true);

// "a" < "b", "n2" < "n10": digit runs compare as numbers.
bool natural_less(std::string_view a, std::string_view b);

}  // namespace ecsim
