#include "app/export.hpp"

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>

#include <boost/program_options.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "analysis/csv_reader.hpp"
#include "analysis/history.hpp"
#include "analysis/output_dir.hpp"
#include "app/command_line.hpp"
#include "app/modules.hpp"
#include "sim/did_you_mean.hpp"

namespace ecsim {

namespace fs = std::filesystem;
namespace po = boost::program_options;
using Json = nlohmann::ordered_json;

namespace {

struct TraceEvent {
  std::int64_t time_ns = 0;
  std::string node, kind, peer, key;
  std::optional<std::int64_t> msg_id;
  std::int64_t bytes = -1;
};

std::vector<TraceEvent> read_events(const fs::path& path) {
  if (!fs::is_regular_file(path))
    throw std::runtime_error(fmt::format("'{}': no such file (the run needs output.traces: [events, ...])", path.string()));
  CsvReader in(path.string(), "events file");
  const std::size_t time = in.require("time_ns"), node = in.require("node"), kind = in.require("kind"),
                    peer = in.require("peer"), msg = in.require("msg_id"), key = in.require("key"), bytes = in.require("bytes");
  std::vector<TraceEvent> events;
  while (in.next()) {
    TraceEvent e{in.time_ns(time, "time_ns"), std::string(in[node]), std::string(in[kind]), std::string(in[peer]),
                 std::string(in[key]), std::nullopt, -1};
    if (!in[msg].empty()) e.msg_id = in.count(msg, "msg_id");
    if (!in[bytes].empty()) e.bytes = in.count(bytes, "bytes");
    events.push_back(std::move(e));
  }
  return events;
}

// Node names in the scenario's order when its resolved configuration loads,
// else those the events name, in natural order ("n2" before "n10").
std::vector<std::string> node_order(const fs::path& dir, const std::vector<TraceEvent>& events) {
  try {
    if (fs::exists(dir / "scenario.resolved.yaml"))
      return load_scenario_with_modules((dir / "scenario.resolved.yaml").string()).topology.node_names;
  } catch (const std::exception&) {
    // e.g. an empirical distribution, which the resolved form only summarises
  }
  std::vector<std::string> names;
  for (const TraceEvent& e : events)
    for (const std::string* n : {&e.node, &e.peer})
      if (!n->empty() && std::find(names.begin(), names.end(), *n) == names.end()) names.push_back(*n);
  std::sort(names.begin(), names.end(), [](const std::string& a, const std::string& b) { return natural_less(a, b); });
  return names;
}

double micros(std::int64_t ns) { return static_cast<double>(ns) / 1000.0; }

// Track ids: 0 is the faults track, node i is i + 1.
class ChromeTrace {
 public:
  explicit ChromeTrace(const std::vector<std::string>& nodes) {
    for (std::size_t i = 0; i < nodes.size(); ++i) tid_[nodes[i]] = static_cast<int>(i) + 1;
    metadata(0, "faults");
    for (const std::string& n : nodes) metadata(tid(n), n);
  }
  int tid(const std::string& node) {
    auto [it, added] = tid_.emplace(node, static_cast<int>(tid_.size()) + 1);
    if (added) metadata(it->second, node);  // a node the configuration did not list
    return it->second;
  }
  Json& add(const char* ph, const std::string& name, const char* cat, std::int64_t ts_ns, int track) {
    events_.push_back({{"name", name}, {"cat", cat}, {"ph", ph}, {"ts", micros(ts_ns)}, {"pid", 1}, {"tid", track}});
    return events_.back();
  }
  void span(const std::string& name, const char* cat, std::int64_t begin_ns, std::int64_t end_ns, int track) {
    add("X", name, cat, begin_ns, track)["dur"] = micros(end_ns - begin_ns);
  }
  Json document(const std::string& run_dir) && {
    return Json{{"traceEvents", std::move(events_)}, {"displayTimeUnit", "ms"},
                {"otherData", {{"source", "ecsim export"}, {"run", run_dir}}}};
  }

 private:
  void metadata(int track, const std::string& name) {
    events_.push_back({{"name", "thread_name"}, {"ph", "M"}, {"ts", 0}, {"pid", 1}, {"tid", track}, {"args", {{"name", name}}}});
    events_.push_back(
        {{"name", "thread_sort_index"}, {"ph", "M"}, {"ts", 0}, {"pid", 1}, {"tid", track}, {"args", {{"sort_index", track}}}});
  }
  std::map<std::string, int> tid_;
  Json events_ = Json::array();
};

// A message: a 1 ns slice at each end for the flow arrow to bind to.
void add_message(ChromeTrace& t, const TraceEvent& e) {
  const bool send = e.kind == "send";
  const std::string name = send ? fmt::format("send → {}", e.peer) : fmt::format("deliver ← {}", e.peer);
  const int track = t.tid(e.node);
  Json& slice = t.add("X", name, "message", e.time_ns, track);
  slice["dur"] = 0.001;
  slice["args"] = {{"msg_id", *e.msg_id}, {"bytes", e.bytes}, {"peer", e.peer}};
  Json& flow = t.add(send ? "s" : "f", "message", "message", e.time_ns, track);
  flow["id"] = *e.msg_id;
  if (!send) flow["bp"] = "e";
}

// Spans that open and close on rows of events.csv: partition..heal, loss_start..loss_end, crash..restart.
struct OpenSpans {
  std::vector<std::pair<std::int64_t, std::string>> partitions, loss;
  std::map<std::string, std::pair<std::int64_t, std::string>> crashed;
};

void close_spans(ChromeTrace& t, OpenSpans& open, std::int64_t end_ns, bool partitions, bool loss) {
  if (partitions)
    for (const auto& [begin, what] : open.partitions) t.span(what, "fault", begin, end_ns, 0);
  if (loss)
    for (const auto& [begin, what] : open.loss) t.span(what, "fault", begin, end_ns, 0);
  if (partitions) open.partitions.clear();
  if (loss) open.loss.clear();
}

void add_event(ChromeTrace& t, OpenSpans& open, const TraceEvent& e) {
  if ((e.kind == "send" || e.kind == "deliver") && e.msg_id) return add_message(t, e);
  if (e.kind == "drop" || e.kind == "duplicate") {
    Json& i = t.add("i", fmt::format("{} → {}{}", e.kind, e.peer, e.key.empty() ? "" : " (" + e.key + ")"), "message",
                    e.time_ns, t.tid(e.node));
    i["s"] = "t";
    if (e.msg_id) i["args"] = {{"msg_id", *e.msg_id}};
  } else if (e.kind == "partition") {
    open.partitions.emplace_back(e.time_ns, e.key);
  } else if (e.kind == "heal") {
    close_spans(t, open, e.time_ns, true, false);
  } else if (e.kind == "loss_start") {
    open.loss.emplace_back(e.time_ns, e.key);
  } else if (e.kind == "loss_end") {
    close_spans(t, open, e.time_ns, false, true);
  } else if (e.kind == "crash") {
    open.crashed[e.node] = {e.time_ns, e.key == "lose_state" ? "crashed (state lost)" : "crashed"};
  } else if (e.kind == "restart") {
    if (auto it = open.crashed.find(e.node); it != open.crashed.end()) {
      t.span(it->second.second, "fault", it->second.first, e.time_ns, t.tid(e.node));
      open.crashed.erase(it);
    }
  } else if (e.kind == "clock_step") {
    t.add("i", "clock step", "fault", e.time_ns, t.tid(e.node))["s"] = "t";  // a step has no duration
  }
  // timer, apply, receive, state_lost: too many or implied; not drawn.
}

// violations.csv rows as instant events on the serving replica's track, every column as the witness.
void add_violations(ChromeTrace& t, const fs::path& path) {
  if (!fs::is_regular_file(path)) return;
  CsvReader in(path.string(), "violations file");
  const std::size_t guarantee = in.require("guarantee"), complete = in.require("complete_ns"), replica = in.require("replica");
  while (in.next()) {
    Json witness = Json::object();
    for (std::size_t c = 0; c < in.header().size(); ++c) witness[in.header()[c]] = std::string(in[c]);
    Json& i = t.add("i", fmt::format("{} violation", in[guarantee]), "violation", in.time_ns(complete, "complete_ns"),
                    t.tid(std::string(in[replica])));
    i["s"] = "t";
    i["args"] = std::move(witness);
  }
}

std::string describe(const TraceEvent& e) {
  if (e.kind == "send") return fmt::format("send msg {} to {} ({} bytes)", *e.msg_id, e.peer, e.bytes);
  if (e.kind == "deliver") return fmt::format("deliver msg {} from {}", *e.msg_id, e.peer);
  if (e.kind == "drop") return fmt::format("drop msg {} to {} ({})", e.msg_id ? *e.msg_id : 0, e.peer, e.key);
  return e.key.empty() ? e.kind : fmt::format("{} ({})", e.kind, e.key);
}

}  // namespace

std::string chrome_trace_json(const std::string& run_dir) {
  const fs::path dir(run_dir);
  const std::vector<TraceEvent> events = read_events(dir / "events.csv");
  ChromeTrace trace(node_order(dir, events));
  OpenSpans open;
  for (const TraceEvent& e : events) add_event(trace, open, e);
  const std::int64_t end_ns = events.empty() ? 0 : events.back().time_ns;
  close_spans(trace, open, end_ns, true, true);  // still open when the run ended
  for (const auto& [node, crash] : open.crashed) trace.span(crash.second, "fault", crash.first, end_ns, trace.tid(node));
  add_violations(trace, dir / "violations.csv");
  return std::move(trace).document(run_dir).dump() + "\n";
}

std::string shiviz_log(const std::string& run_dir) {
  const fs::path dir(run_dir);
  const std::vector<TraceEvent> events = read_events(dir / "events.csv");
  std::map<std::string, std::map<std::string, std::uint64_t>> clock;  // node -> its vector clock (nonzero entries)
  std::map<std::int64_t, std::map<std::string, std::uint64_t>> sent;  // msg_id -> the sender's clock at the send
  std::string log;
  for (const TraceEvent& e : events) {
    const bool node_event = !e.node.empty() && (e.kind == "send" || e.kind == "deliver" || e.kind == "drop" ||
                                                e.kind == "crash" || e.kind == "restart" || e.kind == "clock_step");
    if (!node_event) continue;
    auto& vc = clock[e.node];
    if (e.kind == "deliver" && e.msg_id) {
      if (auto it = sent.find(*e.msg_id); it != sent.end())
        for (const auto& [n, v] : it->second) vc[n] = std::max(vc[n], v);
    }
    ++vc[e.node];
    if (e.kind == "send" && e.msg_id) sent[*e.msg_id] = vc;
    log += fmt::format("{} {}\n{}\n", e.node, Json(vc).dump(), describe(e));
  }
  return log;
}

namespace {

po::options_description export_options() {
  po::options_description d(
      "ecsim export RUN_DIR --to chrome|shiviz [--out FILE]\n\n"
      "Converts a run's traces (events.csv, violations.csv) for standard viewers: chrome writes the Chrome\n"
      "trace-event JSON that Perfetto (ui.perfetto.dev) and chrome://tracing open; shiviz writes a ShiViz log\n"
      "(vector timestamps from the run's causality) for bestchai.bitbucket.io/shiviz. docs/ANALYZE.md.\n\n"
      "Exit status: 0 ok, 2 bad input or usage.\n\n"
      "Options");
  d.add_options()
      ("help,h", "show this help")
      ("to", po::value<std::string>()->value_name("FORMAT"), "chrome or shiviz")
      ("out,o", po::value<std::string>()->value_name("FILE"),
       "where to write (default RUN_DIR/trace.json for chrome, RUN_DIR/shiviz.log for shiviz)");
  return d;
}

}  // namespace

int export_command(const std::vector<std::string>& args) {
  return cli::run_command("export", [&] {
    const auto desc = export_options();
    const cli::ParsedArgs p = cli::parse_args(desc, args);
    if (p.vm.count("help")) {
      std::cout << desc << "\n";
      return cli::kExitOk;
    }
    if (p.positional.size() != 1) throw po::error("export needs one RUN_DIR");
    if (!p.vm.count("to")) throw po::error("export needs --to chrome or --to shiviz");
    const std::string to = p.vm["to"].as<std::string>(), dir = p.positional.front();
    if (to != "chrome" && to != "shiviz")
      throw po::error(fmt::format("--to expects chrome or shiviz, got '{}'{}", to, did_you_mean(to, {"chrome", "shiviz"})));
    if (!fs::is_directory(dir)) throw std::runtime_error(fmt::format("'{}' is not a run directory", dir));
    const std::string out = p.vm.count("out") ? p.vm["out"].as<std::string>()
                                              : (fs::path(dir) / (to == "chrome" ? "trace.json" : "shiviz.log")).string();
    write_file_atomic(out, to == "chrome" ? chrome_trace_json(dir) : shiviz_log(dir));
    std::cout << fmt::format("wrote {}\n", out);
    return cli::kExitOk;
  });
}

}  // namespace ecsim
