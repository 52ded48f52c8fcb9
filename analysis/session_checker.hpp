#pragma once
// Session-guarantee checkers (Terry et al., 1994, "Session Guarantees for
// Weakly Consistent Replicated Data"), counting violations exactly as
// docs/SESSIONS.md defines them, from a History alone (analysis/history.hpp):
// the same code checks a simulated run and a history recorded elsewhere.
//
// Order within a session is real time, then issue order: op A precedes op B
// when A completed before B was invoked, or at the same instant and A was
// issued first (A.seq < B.seq; with seq unknown, 0, A completing at the
// instant B is invoked is enough, as before seq existed); overlapping ops of
// one session are unordered. Failed ops (ok = false) are ignored: the client
// was told they did not happen.
//
// - RYW: a read whose version is older than the newest version of that key
//   the same session had written and had acknowledged before the read.
// - MR: a read whose version is older than the newest version of that key
//   an earlier read of the same session returned.
// - MW: a write W2 of a session ordered before an earlier write W1 of the same
//   session: (a) W1 is the same key and has the higher version, so every
//   replica orders W2 first; or (b) some replica took on W2's version at a
//   time when it did not yet reflect W1 (held no version of W1's key at least
//   W1's), and reflected W1 in a later step (the order a replica applied
//   rows in: time, then step; rows of one step, applied.csv's `step`, are one
//   moment that no reader could see apart).
// - WFR: the same as MW with W1 replaced by the version an earlier read of
//   the session returned: a write that some replica applied before a write
//   the session had read.
// Each read or write counts at most once per guarantee, however many earlier
// operations or replicas it is inverted against. Rule (b) needs the applied
// order; a replica that never reflects W1 is not counted (the history has no
// "opposite order" to show). Every pass sorts once: O(n log n) in the number
// of operations and applied rows.
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "analysis/history.hpp"

namespace ecsim {

enum class Guarantee : std::uint8_t { ryw = 0, mr = 1, mw = 2, wfr = 3 };
inline constexpr std::array<std::string_view, 4> kGuaranteeNames = {"ryw", "mr", "mw", "wfr"};
// Parses "ryw" etc.; throws std::invalid_argument.
Guarantee guarantee_from_name(std::string_view name);

struct Violation {
  Guarantee guarantee = Guarantee::ryw;
  std::uint32_t op = 0;             // index into History::ops (ops.csv data row op + 1)
  Version required;                 // what the op had to include (read) or come after (write)
  std::uint32_t cause = kNoId;      // the earlier op of the session that set `required`
  std::uint32_t incarnation = kNoId;  // MW/WFR rule (b): the replica incarnation where the order inverted
  std::int64_t applied_ns = -1;       // MW/WFR rule (b): when that replica took on the later write
};

struct GuaranteeResult {
  bool checked = false;
  std::uint64_t violations = 0;
  std::uint64_t sessions_affected = 0;
  std::uint64_t ops_checked = 0;    // reads (RYW, MR) or writes (MW, WFR) examined
  std::vector<Violation> examples;  // the earliest by invocation time
  std::vector<Violation> all;       // every violation by invocation time, with keep_all
};

struct SessionCheckOptions {
  std::array<bool, 4> check = {true, true, true, true};  // by Guarantee
  std::size_t examples = 5;
  bool keep_all = false;
  // Also count reads that miss a write acknowledged earlier by any session of
  // the same client (another device of the same user): not a session
  // guarantee, but the hole a per-device cache leaves.
  bool client_ryw = true;
};

struct SessionCheckResult {
  std::array<GuaranteeResult, 4> by_guarantee;
  std::uint64_t ryw_client = 0;
  std::uint64_t sessions = 0;
  const GuaranteeResult& operator[](Guarantee g) const { return by_guarantee[static_cast<std::size_t>(g)]; }
};

// Throws std::invalid_argument when MW or WFR is asked for and the history
// has no applied order.
SessionCheckResult check_sessions(const History& history, const SessionCheckOptions& options = {});

// Rule (b) in parts, for the streaming checker (analysis/stream_check.hpp),
// which cannot hold the whole applied order next to a session's operations.
// All that rule (b) asks of the applied order about an op of key k and
// version v is where each replica incarnation stands on (k, v): the step in
// which it first reflected v (if ever), and whether that step took on
// exactly v. check_sessions asks an index of History::applies; the streaming
// checker asks the same index over one key partition of applied.csv, stores
// the answers, and hands them to check_sessions with the op's session.
struct Stand {
  std::int64_t time_ns = 0;  // of that step
  std::uint32_t incarnation = 0;
  std::uint32_t step = 0;  // ApplyRow::step: orders an incarnation's steps
  bool exact = false;      // the step took on exactly v (rule (b)'s later write W2)
};

// The stands of each op of a history, by op index: stands[first[i] ..
// end[i]), by incarnation (the ops' runs may lie in `stands` in any order).
// Ops that neither arm rule (b) nor are checked by it (failed, versionless)
// may have none.
struct OpStands {
  std::vector<std::uint32_t> first, end;
  std::vector<Stand> stands;
};

// An index of the applied order of `history` (its applies and key ids).
class AppliedStands {
 public:
  explicit AppliedStands(const History& history);
  ~AppliedStands();
  AppliedStands(const AppliedStands&) = delete;
  AppliedStands& operator=(const AppliedStands&) = delete;
  // Appends the stands on (key, v) of every incarnation that ever reflected it.
  void stands(std::uint32_t key, const Version& v, std::vector<Stand>& out) const;

 private:
  std::shared_ptr<const void> index_;
};

// check_sessions with rule (b) answered from `stands` (by op index of
// `history`) instead of history.applies; history.has_applies says whether
// the applied order was given.
SessionCheckResult check_sessions(const History& history, const SessionCheckOptions& options, const OpStands& stands);

// One line per violation, for reports: "ryw c0/0 read k3 invoked 12.345678 s on n2 returned 1.0@n1, needed >= 2.0@n0 (row 57; set by row 40)".
std::string describe_violation(const History& history, const Violation& v);

}  // namespace ecsim
