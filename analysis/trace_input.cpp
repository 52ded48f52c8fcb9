// Reading ops.csv, applied.csv and events.csv for `ecsim analyze`; see trace_input.hpp.
#include "analysis/trace_input.hpp"

#include <algorithm>
#include <array>
#include <limits>
#include <optional>

#include <fmt/format.h>

#include "analysis/csv_reader.hpp"
#include "sim/did_you_mean.hpp"
#include "sim/strings.hpp"

namespace ecsim::trace_input {

namespace {

Where at(const CsvReader& in, std::size_t column) { return Where{in.line(), in.column(column)}; }
Where text_at(const CsvReader& in, std::size_t column) { return Where{in.line(), in.text_column(column)}; }

std::string optional_field(const CsvReader& in, const std::optional<std::size_t>& column) {
  return column ? std::string(in[*column]) : std::string();
}

}  // namespace

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
    r.invoke = in.time_ns(invoke, "invoke_ns");
    r.complete = in.time_ns(complete, "complete_ns");
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
    a.t = in.time_ns(time, "time_ns");
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

// Every kind analysis/trace_writer.cpp writes; rows of the kinds not counted
// above (timer, clock_step, apply) are read and skipped.
constexpr std::array<std::string_view, 17> kKnownEventKinds = {
    "send", "deliver", "drop", "duplicate", "timer", "crash", "restart", "clock_step",
    "partition", "heal", "loss_start", "loss_end", "duplicate_start", "duplicate_end", "apply", "receive", "state_lost"};

EventScan scan_events(const std::string& path) {
  CsvReader in(path, "trace file");
  const std::size_t time = in.require("time_ns"), node_col = in.require("node"), kind_col = in.require("kind");
  const std::optional<std::size_t> key_col = in.find("key"), bytes_col = in.find("bytes"), version_col = in.find("version");
  EventScan s;
  SimTime previous = std::numeric_limits<SimTime>::min();
  while (in.next()) {
    ++s.rows;
    const SimTime t = in.time_ns(time, "time_ns");
    if (t < previous)
      in.fail(time, fmt::format("time_ns: {} is before the previous row's {}: rows must be in time order", t, previous));
    previous = t;
    s.last_ns = t;
    const std::string_view node = in[node_col];
    const std::string_view kind = in[kind_col];
    if (!node.empty() && s.names.size() < 10'000'000) s.names.emplace(node);
    if (kind == "send") {
      ++s.sent;
      if (bytes_col && !in[*bytes_col].empty()) s.bytes += static_cast<std::uint64_t>(in.count(*bytes_col, "bytes"));
    } else if (kind == "deliver") {
      ++s.delivered;
    } else if (kind == "drop") {
      ++s.dropped;
    } else if (kind == "duplicate") {
      ++s.duplicated;
    } else if (kind == "crash" || kind == "restart" || kind == "state_lost" || kind == "receive" || kind == "partition" ||
               kind == "heal" || kind == "loss_start" || kind == "loss_end" ||
               kind == "duplicate_start" || kind == "duplicate_end") {
      if ((kind == "crash" || kind == "restart" || kind == "state_lost" || kind == "receive") && node.empty())
        in.fail(node_col, fmt::format("node: a {} row names its node", kind));
      std::string key = optional_field(in, key_col), version = optional_field(in, version_col);
      if (kind == "receive" && (key.empty() || version.empty())) continue;  // nothing to link it to
      s.node_events.push_back(NodeEvent{t, std::string(node), std::string(kind), std::move(key), std::move(version), at(in, node_col)});
      if (kind == "receive") ++s.receives;
    } else if (std::find(kKnownEventKinds.begin(), kKnownEventKinds.end(), kind) == kKnownEventKinds.end()) {
      const std::vector<std::string> known(kKnownEventKinds.begin(), kKnownEventKinds.end());
      in.fail(kind_col, fmt::format("kind: unknown event kind '{}'{} (known: {})", kind, did_you_mean(kind, known), join(known)));
    }
  }
  return s;
}

}  // namespace ecsim::trace_input
