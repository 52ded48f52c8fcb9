#pragma once
// A HistoryBuilder that also records its rows as ops.csv and applied.csv
// text, so that a history built by hand in a test can be checked both ways:
// check_sessions on the History, and the streaming checker
// (analysis/stream_check.hpp) on the files. check_both does that and
// requires the same results (tests/test_stream_check.cpp).
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "analysis/history.hpp"
#include "analysis/session_checker.hpp"

namespace ecsim::test {

// A history built in memory, with the CSV text of the same rows.
struct RecordedHistory : History {
  std::string ops_csv, applied_csv;  // applied_csv "" when no applied order was given
  std::vector<std::string> node_order;
};

class RecordingBuilder {
 public:
  void add_op(std::string_view client, std::uint32_t session, bool is_write, bool ok, std::string_view key, SimTime invoke_ns,
              SimTime complete_ns, std::string_view replica, const VersionText& version, std::uint64_t seq = 0) {
    b_.add_op(client, session, is_write, ok, key, invoke_ns, complete_ns, replica, version, seq);
    ops_ += fmt::format("{},{},{},{},{},{},{},{},{},{}\n", client, session, is_write ? "write" : "read", key, invoke_ns,
                        complete_ns, replica, ok, text(version), seq == 0 ? std::string() : fmt::format("{}", seq));
  }
  void add_apply(SimTime time_ns, std::string_view replica, std::string_view key, const VersionText& version,
                 std::uint64_t step = kStepByTime) {
    b_.add_apply(time_ns, replica, key, version, step);
    applied_ += fmt::format("{},{},{},{},{}\n", time_ns, replica, key, text(version),
                            step == kStepByTime ? std::string() : fmt::format("{}", step));
    any_applied_ = true;
  }
  void add_state_lost(SimTime time_ns, std::string_view replica) {
    b_.add_state_lost(time_ns, replica);
    applied_ += fmt::format("{},{},,,\n", time_ns, replica);
    any_applied_ = true;
  }
  void expect_applies() {
    b_.expect_applies();
    any_applied_ = true;
  }
  RecordedHistory finish(const std::vector<std::string>& node_order = {}) {
    RecordedHistory h;
    static_cast<History&>(h) = b_.finish(node_order);
    h.ops_csv = fmt::format("client,session,op,key,invoke_ns,complete_ns,replica,ok,version,seq\n{}", ops_);
    if (any_applied_) h.applied_csv = fmt::format("time_ns,replica,key,version,step\n{}", applied_);
    h.node_order = node_order;
    return h;
  }

 private:
  static std::string text(const VersionText& v) {
    if (v.empty()) return "";
    std::string s = fmt::format("{}", v.major);
    if (v.minor != 0) s += fmt::format(".{}", v.minor);
    if (!v.origin.empty()) s += fmt::format("@{}", v.origin);
    return s;
  }
  HistoryBuilder b_;
  std::string ops_, applied_;
  bool any_applied_ = false;
};

// check_sessions(h, o), after requiring that the streaming checker, on h's
// CSV text in 7 partitions, finds the same (counts, sessions, ops checked,
// every violation with its fields) and the same staleness.
SessionCheckResult check_both(const RecordedHistory& h, const SessionCheckOptions& o = {});

}  // namespace ecsim::test
