// Reading ops.csv, applied.csv and events.csv for `ecsim analyze`; see trace_input.hpp.
#include "analysis/trace_input.hpp"

#include <algorithm>
#include <array>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "sim/did_you_mean.hpp"
#include "sim/strings.hpp"

namespace ecsim::trace_input {

namespace {

Where at(const CsvReader& in, std::size_t column) { return Where{in.line(), in.column(column)}; }
Where text_at(const CsvReader& in, std::size_t column) { return Where{in.line(), in.text_column(column)}; }

// Assigning into the row's strings reuses their buffers: no allocation per row.
void assign_optional(std::string& to, const CsvReader& in, const std::optional<std::size_t>& column) {
  if (column) to.assign(in[*column]);
  else to.clear();
}

// The merge needs each file in time order; a row out of order is an error, never a silently wrong metric.
void check_order(const CsvReader& in, std::size_t column, std::string_view name, SimTime t, SimTime previous,
                 std::string_view order) {
  if (t < previous)
    in.fail(column, fmt::format("{}: {} is before the previous row's {}: rows must be in {} order", name, t, previous, order));
}

}  // namespace

OpsReader::OpsReader(const std::string& path)
    : in_(path, "trace file"),
      client_(in_.require("client")), session_(in_.require("session")), op_(in_.require("op")), key_(in_.require("key")),
      invoke_(in_.require("invoke_ns")), complete_(in_.require("complete_ns")), ok_(in_.require("ok")),
      version_(in_.require("version")), replica_(in_.find("replica")), value_(in_.find("value")) {}

bool OpsReader::next() {
  if (!in_.next()) return false;
  OpRow& r = row_;
  const SimTime previous = r.complete;
  r.client.assign(in_[client_]);
  if (r.client.empty()) in_.fail(client_, "client: must not be empty");
  const std::int64_t s = in_.integer(session_, "session");
  if (s < 0 || s > 0xFFFFFFFFLL) in_.fail(session_, fmt::format("session: expected a number >= 0, got {}", s));
  r.session = static_cast<std::uint32_t>(s);
  r.op.assign(in_[op_]);
  r.key.assign(in_[key_]);
  if (r.op.empty()) in_.fail(op_, "op: must not be empty (read, write, ...)");
  if (r.key.empty()) in_.fail(key_, "key: must not be empty");
  r.invoke = in_.time_ns(invoke_, "invoke_ns");
  r.complete = in_.time_ns(complete_, "complete_ns");
  if (r.complete < r.invoke)
    in_.fail(complete_, fmt::format("complete_ns: {} is before invoke_ns {}", r.complete, r.invoke));
  if (rows_ > 0) check_order(in_, complete_, "complete_ns", r.complete, previous, "completion");
  r.ok = in_.boolean(ok_, "ok");
  r.version.assign(in_[version_]);
  r.version_at = text_at(in_, version_);
  assign_optional(r.replica, in_, replica_);
  r.replica_at = replica_ ? at(in_, *replica_) : Where{};
  assign_optional(r.value, in_, value_);
  ++rows_;
  return true;
}

AppliedReader::AppliedReader(const std::string& path)
    : in_(path, "trace file"),
      time_(in_.require("time_ns")), replica_(in_.require("replica")), key_(in_.require("key")),
      version_(in_.require("version")) {}

bool AppliedReader::next() {
  if (!in_.next()) return false;
  ApplyText& a = row_;
  const SimTime previous = a.t;
  a.t = in_.time_ns(time_, "time_ns");
  a.replica.assign(in_[replica_]);
  a.key.assign(in_[key_]);
  a.version.assign(in_[version_]);
  if (a.replica.empty()) in_.fail(replica_, "replica: must not be empty");
  if (a.key.empty() != a.version.empty())
    in_.fail(a.key.empty() ? key_ : version_,
             fmt::format("{}: key and version are both given (a state change) or both empty (the replica lost its state)",
                         a.key.empty() ? "key" : "version"));
  if (rows_ > 0) check_order(in_, time_, "time_ns", a.t, previous, "time");
  a.replica_at = at(in_, replica_);
  a.version_at = text_at(in_, version_);
  ++rows_;
  return true;
}

namespace {

// Every kind analysis/trace_writer.cpp writes; rows of the kinds not counted
// (timer, clock_step, apply) are read and skipped.
constexpr std::array<std::string_view, 17> kKnownEventKinds = {
    "send", "deliver", "drop", "duplicate", "timer", "crash", "restart", "clock_step",
    "partition", "heal", "loss_start", "loss_end", "duplicate_start", "duplicate_end", "apply", "receive", "state_lost"};

bool is_node_event(std::string_view kind) {
  return kind == "crash" || kind == "restart" || kind == "state_lost" || kind == "receive" || kind == "partition" ||
         kind == "heal" || kind == "loss_start" || kind == "loss_end" || kind == "duplicate_start" || kind == "duplicate_end";
}

}  // namespace

EventsReader::EventsReader(const std::string& path, std::set<std::string>* names)
    : in_(path, "trace file"),
      time_(in_.require("time_ns")), node_(in_.require("node")), kind_(in_.require("kind")),
      key_(in_.find("key")), bytes_(in_.find("bytes")), version_(in_.find("version")), names_(names) {}

bool EventsReader::next() {
  EventCounts& s = counts_;
  while (in_.next()) {
    const SimTime t = in_.time_ns(time_, "time_ns");
    if (started_) check_order(in_, time_, "time_ns", t, s.last_ns, "time");
    started_ = true;
    ++s.rows;
    s.last_ns = t;
    const std::string_view node = in_[node_];
    const std::string_view kind = in_[kind_];
    if (names_ && !node.empty() && names_->size() < 10'000'000) names_->emplace(node);
    if (kind == "send") {
      ++s.sent;
      if (bytes_ && !in_[*bytes_].empty()) s.bytes += static_cast<std::uint64_t>(in_.count(*bytes_, "bytes"));
    } else if (kind == "deliver") {
      ++s.delivered;
    } else if (kind == "drop") {
      ++s.dropped;
    } else if (kind == "duplicate") {
      ++s.duplicated;
    } else if (is_node_event(kind)) {
      if ((kind == "crash" || kind == "restart" || kind == "state_lost" || kind == "receive") && node.empty())
        in_.fail(node_, fmt::format("node: a {} row names its node", kind));
      NodeEvent& e = row_;
      assign_optional(e.key, in_, key_);
      assign_optional(e.version, in_, version_);
      if (kind == "receive" && (e.key.empty() || e.version.empty())) continue;  // nothing to link it to
      if (kind == "receive") ++s.receives;
      e.t = t;
      e.node.assign(node);
      e.kind.assign(kind);
      e.node_at = at(in_, node_);
      return true;
    } else if (std::find(kKnownEventKinds.begin(), kKnownEventKinds.end(), kind) == kKnownEventKinds.end()) {
      const std::vector<std::string> known(kKnownEventKinds.begin(), kKnownEventKinds.end());
      in_.fail(kind_, fmt::format("kind: unknown event kind '{}'{} (known: {})", kind, did_you_mean(kind, known), join(known)));
    }
  }
  return false;
}

}  // namespace ecsim::trace_input
