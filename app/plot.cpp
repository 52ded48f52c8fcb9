// `ecsim plot`: see plot.hpp. Writes data files and gnuplot scripts into a
// temporary directory, runs gnuplot on each script, and swaps the directory
// into place only when every plot was drawn.
#include "app/analyze.hpp"
#include "app/modules.hpp"
#include "app/plot.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <spawn.h>
#include <sstream>
#include <sys/wait.h>

#include <fmt/format.h>
#include <fmt/ostream.h>

#include "analysis/aggregate.hpp"
#include "analysis/csv_reader.hpp"
#include "analysis/history.hpp"  // parse_version
#include "analysis/output_dir.hpp"
#include "analysis/trace_analysis.hpp"
#include "app/command_line.hpp"
#include "sim/did_you_mean.hpp"
#include "sim/scenario_loader.hpp"
#include "sim/strings.hpp"
#include "sim/units.hpp"

extern char** environ;

namespace ecsim {

namespace fs = std::filesystem;
namespace po = boost::program_options;

namespace {

constexpr std::size_t kMaxSpaceTimeNodes = 32;
constexpr std::size_t kMaxSpaceTimeMessages = 600;  // beyond that the arrows become a blur

po::options_description plot_options() {
  po::options_description d(
      "ecsim plot DIR [options]\n\n"
      "Draws a run directory (ecsim run) or a sweep directory (ecsim sweep) with gnuplot, as PNG and SVG:\n"
      "  run:   convergence (replicas behind over time, faults shaded), visibility CDF, space-time diagram\n"
      "         of messages (runs with at most 32 nodes; the first 600 messages)\n"
      "  sweep: each metric's mean vs a swept parameter with its 95% confidence band\n"
      "The data files and gnuplot scripts are kept next to the pictures: edit a .gp file and run\n"
      "`gnuplot file.gp` to restyle a plot. Output goes to DIR/plots/ (replaced as a whole).\n\n"
      "Exit status: 0 ok, 2 bad input or gnuplot failed.\n\n"
      "Options");
  d.add_options()
      ("help,h", "show this help")
      ("out,o", po::value<std::string>()->value_name("DIR"), "where to write the plots (default DIR/plots)")
      ("format", po::value<std::string>()->value_name("LIST")->default_value("png,svg"), "png, svg or both")
      ("x", po::value<std::string>()->value_name("PARAM"), "sweep: the parameter on the x axis (default: the first numeric one)")
      ("metrics", po::value<std::string>()->value_name("LIST"), "sweep: only these metrics (comma separated)")
      ("logx", "sweep: logarithmic x axis (default: when the values span 100x or more)");
  return d;
}

// A gnuplot single-quoted string ('' is a quote inside).
std::string gq(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

// Drops the dotted path in front of each item of "a.b=1, c.d.e=2" (items
// start at the beginning and after ", "): "b=1, e=2". (Not std::regex: GCC
// 12's regex headers warn under the sanitizer build.)
std::string drop_dotted_paths(const std::string& text) {
  const auto ident = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    if (i == 0 || (i >= 2 && text[i - 2] == ',' && text[i - 1] == ' ')) {
      std::size_t j = i, keep_from = i;
      for (;;) {  // (identifier '.')+ : keep_from moves past each complete group
        std::size_t k = j;
        while (k < text.size() && ident(text[k])) ++k;
        if (k == j || k >= text.size() || text[k] != '.') break;
        j = keep_from = k + 1;
      }
      i = keep_from;
      if (i >= text.size()) break;
    }
    out += text[i++];
  }
  return out;
}

// A legend entry or tick label of at most `max` characters: a map-valued
// parameter ("topology.latency={dist: lognormal, median: 2ms, sigma: 0.3}")
// would push the key off the picture and clip the title. The middle is
// elided; the full text stays in the .dat file's comments.
std::string elide(const std::string& text, std::size_t max = 40) {
  if (text.size() <= max) return text;
  // First the parameters' dotted paths go: "topology.latency=..." -> "latency=...".
  const std::string s = drop_dotted_paths(text);
  if (s.size() <= max) return s;
  const std::size_t head = (max - 3) / 2, tail = max - 3 - head;
  return s.substr(0, head) + "..." + s.substr(s.size() - tail);
}

// Text for gnuplot's enhanced mode: '_' and '^' would start sub/superscripts.
std::string label(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '_' || c == '^' || c == '@' || c == '&' || c == '{' || c == '}') out += '\\';
    out += c;
  }
  return out;
}

struct Formats {
  bool png = true;
  bool svg = true;
};

// Sets the terminal and output for each format around the plot commands.
std::string render(const std::string& name, const Formats& f, const std::string& plot_commands, int width = 1000,
                   int height = 600) {
  std::string s;
  if (f.png) {
    s += fmt::format("set terminal pngcairo size {},{} enhanced font 'sans,10'\nset output {}\n", width, height, gq(name + ".png"));
    s += plot_commands + "unset output\n";
  }
  if (f.svg) {
    s += fmt::format("set terminal svg size {},{} dynamic enhanced font 'sans,10' background rgb 'white'\nset output {}\n",
                     width, height, gq(name + ".svg"));
    s += plot_commands + "unset output\n";
  }
  return s;
}

void write_text(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary);
  out << text;
  if (!out.flush()) throw std::runtime_error(fmt::format("cannot write '{}'", p.string()));
}

// Runs `gnuplot script` in `dir`; throws with gnuplot's own message on failure.
void run_gnuplot(const fs::path& dir, const std::string& script) {
  const fs::path log = dir / (script + ".log");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  // gnuplot resolves the output names against its working directory.
  const std::string cd_script = (dir / script).string();
  const std::string dir_text = dir.string();
  std::string dir_cmd = "cd " + gq(dir_text) + "; load " + gq(script);
  char arg0[] = "gnuplot";
  char arg1[] = "-e";
  std::vector<char> cmd(dir_cmd.begin(), dir_cmd.end());
  cmd.push_back('\0');
  char* argv[] = {arg0, arg1, cmd.data(), nullptr};
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, "gnuplot", &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0)
    throw std::runtime_error("gnuplot not found: install it (Debian: apt-get install gnuplot-nox, or scripts/install-deps.sh)");
  int status = 0;
  waitpid(pid, &status, 0);
  std::ifstream in(log);
  std::stringstream msg;
  msg << in.rdbuf();
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw std::runtime_error(fmt::format("gnuplot failed on {}:\n{}", cd_script, msg.str()));
  std::error_code ec;
  fs::remove(log, ec);
}

// ---------------------------------------------------------------------------
// Run directory

struct Interval {
  double from_s, to_s;
  std::string what;
  int kind;  // 0 partition, 1 node down, 2 loss window
};

struct RunEvents {
  std::vector<Interval> faults;
  std::vector<std::string> nodes;  // in first-seen order, for the space-time axis
  // What singles a message out on the space-time diagram (docs/ANALYZE.md,
  // "Plots"), by priority: a message whose fate the scenario's `choices:`
  // set (a counterexample of `explore --exhaustive`), a delivery that handed
  // its receiver a version that matters (one a violation required, or a
  // lost write), a copy of a duplicated message.
  enum class Role : std::uint8_t { plain, duplicated, carried, chosen };
  struct Message {
    double sent_s, arrived_s;
    std::size_t from, to;
    Role role = Role::plain;
  };
  std::vector<Message> messages;
  struct Mark {
    double t_s;
    std::size_t node;
    bool chosen = false;  // dropped by `choices:`
  };
  std::vector<Mark> drops;
  std::size_t messages_seen = 0;
  double end_s = 0;
};

// A version as "key|major.minor@origin", whatever its spelling (traces write
// "1500000.0@n3", violations.csv "1500000@n3"); empty when it does not parse
// as an ordered version (a CRDT state) or is empty.
std::string version_id(std::string_view key, std::string_view version) {
  try {
    const VersionText v = parse_version(version);
    return v.empty() ? std::string() : fmt::format("{}|{}.{}@{}", key, v.major, v.minor, v.origin);
  } catch (const VersionSyntaxError&) {
    return {};
  }
}

// The versions that matter in a run: each one a session-guarantee violation
// required (violations.csv `required`) and each lost write.
std::set<std::string> versions_that_matter(const fs::path& violations,
                                           const std::vector<std::pair<std::string, std::string>>& lost_writes) {
  std::set<std::string> ids;
  for (const auto& [key, version] : lost_writes) ids.insert(version_id(key, version));
  if (fs::exists(violations)) {
    CsvReader in(violations.string());
    const std::size_t key = in.require("key"), required = in.require("required");
    while (in.next()) ids.insert(version_id(in[key], in[required]));
  }
  ids.erase(std::string());
  return ids;
}

// violations.csv rows as "t_s,node_index,label" points for the space-time
// diagram: each violating operation at its completion on the serving replica
// (a counterexample of `ecsim explore` shows where the guarantee broke).
std::string violation_points(const fs::path& violations, const RunEvents& ev) {
  std::string text = "# t_s,node,label\n";
  if (!fs::exists(violations)) return text;
  CsvReader in(violations.string());
  const std::size_t g = in.require("guarantee"), op = in.require("op"), key = in.require("key"),
                    done = in.require("complete_ns"), replica = in.require("replica");
  while (in.next()) {
    const std::string node(in[replica]);
    if (node.empty()) continue;
    auto it = std::find(ev.nodes.begin(), ev.nodes.end(), node);
    if (it == ev.nodes.end()) continue;  // a node the diagram does not show
    text += fmt::format("{},{},{} {} {}\n", parse_csv_double(std::string(in[done])) / 1e9, it - ev.nodes.begin(),
                        in[g], in[op], in[key]);
  }
  return text;
}

// What to single out: versions_that_matter, and the message numbers
// (msg_id) the scenario's `choices:` name.
struct Highlights {
  std::set<std::string> versions;
  std::set<std::string> chosen;
};

Highlights highlights_of(const fs::path& dir, const std::optional<TraceAnalysis>& analysis,
                         const std::vector<MessageChoice>& choices) {
  Highlights h;
  h.versions = versions_that_matter(dir / "violations.csv", analysis ? analysis->lost_writes : TraceAnalysis{}.lost_writes);
  for (const MessageChoice& c : choices) h.chosen.insert(std::to_string(c.message));
  return h;
}

// A `receive` row right after a delivery at the same node and instant is
// what that message handed the receiver.
RunEvents read_run_events(const fs::path& events, const std::vector<std::string>& node_order, double end_s,
                          const Highlights& highlight) {
  RunEvents r;
  r.nodes = node_order;
  std::map<std::string, std::size_t> node_index;
  for (std::size_t i = 0; i < r.nodes.size(); ++i) node_index[r.nodes[i]] = i;
  auto index_of = [&](const std::string& name) {
    auto [it, inserted] = node_index.try_emplace(name, r.nodes.size());
    if (inserted) r.nodes.push_back(name);
    return it->second;
  };
  std::map<std::string, double> down_since;
  double partition_since = -1, loss_since = -1;
  std::string partition_what, loss_what;
  struct InFlight {
    double sent_s;
    std::size_t from;
    bool duplicated = false;  // then both copies' deliveries are drawn
    int delivered = 0;
  };
  std::map<std::string, InFlight> in_flight;  // by msg_id
  std::map<std::string, std::pair<double, std::size_t>> last_delivery;  // node -> (time, index in r.messages)
  {
    CsvReader in(events.string());
    const std::size_t time_col = in.require("time_ns"), node_col = in.require("node"), kind_col = in.require("kind");
    const std::optional<std::size_t> msg_col = in.find("msg_id"), key_col = in.find("key"),
                                     version_col = in.find("version");
    std::string node, kind, msg, key;
    while (in.next()) {
      node = in[node_col];
      kind = in[kind_col];
      msg = msg_col ? in[*msg_col] : std::string_view();
      key = key_col ? in[*key_col] : std::string_view();
      const double t = parse_csv_double(std::string(in[time_col])) / 1e9;
      r.end_s = std::max(r.end_s, t);
      if (kind == "partition") {
        if (partition_since < 0) partition_since = t, partition_what = key;
      } else if (kind == "heal") {
        if (partition_since >= 0) r.faults.push_back({partition_since, t, partition_what.rfind("flapping", 0) == 0 ? "flapping" : "partition", 0});
        partition_since = -1;
      } else if (kind == "crash") {
        down_since.try_emplace(node, t);
      } else if (kind == "restart") {
        if (auto it = down_since.find(node); it != down_since.end()) {
          r.faults.push_back({it->second, t, node + " down", 1});
          down_since.erase(it);
        }
      } else if (kind == "loss_start") {
        loss_since = t, loss_what = key;
      } else if (kind == "loss_end") {
        if (loss_since >= 0) r.faults.push_back({loss_since, t, "loss", 2});
        loss_since = -1;
      } else if (kind == "send" && !msg.empty()) {
        ++r.messages_seen;
        if (r.messages.size() + in_flight.size() < kMaxSpaceTimeMessages) in_flight[msg] = {t, index_of(node)};
      } else if (kind == "duplicate" && !msg.empty()) {
        if (auto it = in_flight.find(msg); it != in_flight.end()) it->second.duplicated = true;
      } else if (kind == "deliver" && !msg.empty()) {
        if (auto it = in_flight.find(msg); it != in_flight.end()) {
          InFlight& f = it->second;
          const RunEvents::Role role = highlight.chosen.count(msg) ? RunEvents::Role::chosen
                                       : f.duplicated                ? RunEvents::Role::duplicated
                                                                     : RunEvents::Role::plain;
          r.messages.push_back({f.sent_s, t, f.from, index_of(node), role});
          last_delivery[node] = {t, r.messages.size() - 1};
          if (!f.duplicated || ++f.delivered == 2) in_flight.erase(it);
        }
      } else if (kind == "receive" && version_col && !highlight.versions.empty()) {
        const auto d = last_delivery.find(node);
        if (d != last_delivery.end() && d->second.first == t &&
            highlight.versions.count(version_id(key, in[*version_col])))
          r.messages[d->second.second].role = std::max(r.messages[d->second.second].role, RunEvents::Role::carried);
      } else if (kind == "drop" && !msg.empty()) {
        if (auto it = in_flight.find(msg); it != in_flight.end()) {
          r.drops.push_back({t, index_of(node), highlight.chosen.count(msg) > 0});
          in_flight.erase(it);
        }
      }
    }
  }
  const double end = std::max(end_s, r.end_s);
  if (partition_since >= 0) r.faults.push_back({partition_since, end, "partition", 0});
  if (loss_since >= 0) r.faults.push_back({loss_since, end, "loss", 2});
  for (const auto& [node, since] : down_since) r.faults.push_back({since, end, node + " down", 1});
  return r;
}

std::string fault_objects(const std::vector<Interval>& faults) {
  // Shaded rectangles over the whole height, labelled at the top.
  static const char* colors[] = {"#f4a582", "#bababa", "#92c5de"};
  std::string s;
  int n = 1;
  for (const Interval& f : faults) {
    s += fmt::format("set object {} rect from {}, graph 0 to {}, graph 1 behind fc rgb '{}' fs transparent solid 0.35 noborder\n",
                     n, f.from_s, std::max(f.to_s, f.from_s + 1e-9), colors[f.kind]);
    s += fmt::format("set label {} {} at {}, graph 0.97 offset 0.5,0 font ',8' tc rgb '#555555'\n", n, gq(label(f.what)), f.from_s);
    ++n;
  }
  return s;
}

// Messages as arrows from sender at send time to receiver at delivery, the
// messages that matter drawn thick over the rest, drops as crosses,
// violations as dots, faults shaded.
void plot_spacetime(const fs::path& dir, const fs::path& out, const Formats& formats, const RunEvents& ev,
                    const std::string& faults) {
  using Role = RunEvents::Role;
  std::map<Role, std::string> rows;  // by role
  for (const auto& m : ev.messages) {
    const std::string row = fmt::format("{},{},{},{}\n", m.sent_s, m.from, m.arrived_s, m.to);
    rows[Role::plain] += row;  // every message
    if (m.role != Role::plain) rows[m.role] += row;
  }
  const std::string header = "# sent_s,from,arrived_s,to\n";
  write_text(out / "spacetime.dat", header + rows[Role::plain]);
  std::string drops = "# t_s,node\n", chosen_drops = drops;
  for (const auto& d : ev.drops) (d.chosen ? chosen_drops : drops) += fmt::format("{},{}\n", d.t_s, d.node);
  write_text(out / "spacetime-drops.dat", drops);
  std::string ytics;
  for (std::size_t i = 0; i < ev.nodes.size(); ++i) ytics += fmt::format("{}{} {}", i ? ", " : "", gq(label(ev.nodes[i])), i);
  const bool cut = ev.messages_seen > ev.messages.size() + ev.drops.size();
  std::string cmds = faults;
  cmds += "plot 'spacetime.dat' using 1:2:($3-$1):($4-$2) with vectors head size screen 0.006,20 filled lw 0.6 "
          "lc rgb '#2166ac' title 'message (send -> delivery)'";
  // The messages that matter, drawn over the rest (docs/ANALYZE.md, "Plots").
  const auto overlay = [&](Role role, const char* file, const char* color, const char* title) {
    if (rows[role].empty()) return;
    write_text(out / file, header + rows[role]);
    cmds += fmt::format(", \\\n     '{}' using 1:2:($3-$1):($4-$2) with vectors head size screen 0.008,20 filled "
                        "lw 2.2 lc rgb '{}' title '{}'",
                        file, color, title);
  };
  overlay(Role::duplicated, "spacetime-duplicated.dat", "#8073ac", "duplicated (both copies)");
  overlay(Role::carried, "spacetime-carried.dat", "#e08214", "delivered a version a violation required, or a lost write");
  overlay(Role::chosen, "spacetime-chosen.dat", "#1b7837", "fate set by choices: (delayed, duplicated, sender crashed after)");
  if (drops.find('\n') + 1 < drops.size())
    cmds += ", \\\n     'spacetime-drops.dat' using 1:2 with points pt 2 ps 0.8 lc rgb '#b2182b' title 'dropped'";
  if (chosen_drops.find('\n') + 1 < chosen_drops.size()) {
    write_text(out / "spacetime-chosen-drops.dat", chosen_drops);
    cmds += ", \\\n     'spacetime-chosen-drops.dat' using 1:2 with points pt 2 ps 2 lw 2.5 lc rgb '#1b7837' "
            "title 'dropped by choices:'";
  }
  const std::string violations = violation_points(dir / "violations.csv", ev);
  if (violations.find('\n') + 1 < violations.size()) {
    write_text(out / "spacetime-violations.dat", violations);
    cmds += ", \\\n     'spacetime-violations.dat' using 1:2 with points pt 7 ps 1.4 lc rgb '#d6604d' "
            "title 'session-guarantee violation (at completion, serving replica)', \\\n"
            "     'spacetime-violations.dat' using 1:2:3 with labels offset 0,0.8 font ',8' tc rgb '#d6604d' notitle";
  }
  cmds += "\n";
  const std::string title = cut ? fmt::format("Messages: the first {} of {} ({})", ev.messages.size() + ev.drops.size(),
                                              ev.messages_seen, dir.filename().string())
                                : fmt::format("Messages ({})", dir.filename().string());
  const std::string script = "set datafile separator ','\nset title " + gq(label(title)) +
                             "\nset xlabel 'simulated time (s)'\nset ytics (" + ytics +
                             ")\nset yrange [-0.5:" + std::to_string(ev.nodes.size()) + "-0.5]\nset grid xtics\nset key below\n" +
                             render("spacetime", formats, cmds, 1200, std::max<int>(300, 40 * static_cast<int>(ev.nodes.size()) + 150));
  write_text(out / "spacetime.gp", script);
  run_gnuplot(out, "spacetime.gp");
}

std::vector<std::string> plot_run(const fs::path& dir, const fs::path& out, const Formats& formats) {
  std::vector<std::string> drawn;
  std::vector<MessageChoice> choices;
  const TraceInputs in = run_dir_inputs(dir.string(), &choices);
  const std::vector<std::string>& nodes = in.nodes;
  const bool have_events = !in.events.empty();
  double end_s = 0;
  if (fs::exists(dir / "convergence.csv")) {
    const auto times = read_csv_column(dir / "convergence.csv", "time_ns");
    if (!times.empty()) end_s = parse_csv_double(times.back()) / 1e9;
  }
  // The traces' metrics: the visibility CDF, and the lost writes the space-time diagram singles out.
  std::optional<TraceAnalysis> analysis;
  if (!in.ops.empty() && !in.applied.empty()) {
    try {
      analysis = analyze_traces(in);
    } catch (const ScenarioError& e) {
      // e.g. a CRDT store, whose states have no total order to measure visibility by
      fmt::print(stderr, "ecsim plot: no visibility CDF: {}\n", e.what());
    }
  }
  RunEvents ev = have_events ? read_run_events(dir / "events.csv", nodes, end_s, highlights_of(dir, analysis, choices)) : RunEvents{};
  end_s = std::max(end_s, ev.end_s);
  const std::string faults = fault_objects(ev.faults);

  if (fs::exists(dir / "convergence.csv")) {
    // The series steps at each change; one more point at the end holds the last value.
    const fs::path data = out / "convergence.dat";
    {
      const auto t = read_csv_column(dir / "convergence.csv", "time_ns");
      const auto keys = read_csv_column(dir / "convergence.csv", "divergent_keys");
      const auto behind = read_csv_column(dir / "convergence.csv", "replicas_behind");
      std::string text = "# time_s,divergent_keys,replicas_behind\n";
      for (std::size_t i = 0; i < t.size(); ++i) text += fmt::format("{},{},{}\n", parse_csv_double(t[i]) / 1e9, keys[i], behind[i]);
      if (!t.empty()) text += fmt::format("{},{},{}\n", std::max(end_s, parse_csv_double(t.back()) / 1e9), keys.back(), behind.back());
      write_text(data, text);
    }
    std::string cmds = fault_objects(ev.faults);
    cmds += "plot 'convergence.dat' using 1:3 with steps lw 2 lc rgb '#2166ac' title 'replicas behind (replica, key) pairs', \\\n"
            "     '' using 1:2 with steps lw 1.5 dt 2 lc rgb '#b2182b' axes x1y2 title 'divergent keys'\n";
    const std::string script = "set datafile separator ','\nset title " + gq(label("Convergence: " + dir.filename().string())) +
                               "\nset xlabel 'simulated time (s)'\nset ylabel 'replicas behind'\nset y2label 'divergent keys'\n"
                               "set ytics nomirror\nset y2tics\nset yrange [0:*]\nset y2range [0:*]\nset xrange [0:*]\n"
                               "set key below\nset grid\n" +
                               render("convergence", formats, cmds);
    write_text(out / "convergence.gp", script);
    run_gnuplot(out, "convergence.gp");
    drawn.push_back("convergence");
  }

  if (analysis) {
    std::vector<double> delays = analysis->visibility_delays_s;
    if (!delays.empty()) {
      std::sort(delays.begin(), delays.end());
      std::string text = "# visibility_s,fraction\n";
      for (std::size_t i = 0; i < delays.size(); ++i)
        text += fmt::format("{},{}\n", delays[i], static_cast<double>(i + 1) / static_cast<double>(delays.size()));
      write_text(out / "visibility-cdf.dat", text);
      const double p50 = percentile_of_sorted(delays, 50), p99 = percentile_of_sorted(delays, 99);
      std::string cmds = fmt::format(
          "set arrow 1 from {0}, graph 0 to {0}, graph 1 nohead dt 3 lc rgb '#555555'\n"
          "set label 1 'p50 {0:.3g} s' at {0}, graph 0.1 offset 0.5,0 font ',8'\n"
          "set arrow 2 from {1}, graph 0 to {1}, graph 1 nohead dt 3 lc rgb '#555555'\n"
          "set label 2 'p99 {1:.3g} s' at {1}, graph 0.2 offset 0.5,0 font ',8'\n",
          p50, p99);
      cmds += "plot 'visibility-cdf.dat' using 1:2 with steps lw 2 lc rgb '#2166ac' notitle\n";
      const std::string script = "set datafile separator ','\nset title " +
                                 gq(label(fmt::format("Visibility of {} acknowledged writes: {}", delays.size(), dir.filename().string()))) +
                                 "\nset xlabel 'time from acknowledgement until every live replica has the write (s)'\n"
                                 "set ylabel 'fraction of writes'\nset yrange [0:1.02]\nset xrange [0:*]\nset grid\n" +
                                 render("visibility-cdf", formats, cmds);
      write_text(out / "visibility-cdf.gp", script);
      run_gnuplot(out, "visibility-cdf.gp");
      drawn.push_back("visibility-cdf");
    }
  }

  if (have_events && !ev.messages.empty() && ev.nodes.size() <= kMaxSpaceTimeNodes) {
    plot_spacetime(dir, out, formats, ev, faults);
    drawn.push_back("spacetime");
  } else if (have_events && !ev.messages.empty()) {
    // Said, not silently skipped: a reader looking for the picture learns why it is not there.
    fmt::print(stderr, "ecsim plot: no space-time plot: {} nodes (it is drawn for at most {}; use ecsim export {} --to chrome)\n",
               ev.nodes.size(), kMaxSpaceTimeNodes, dir.string());
  }
  return drawn;
}

// ---------------------------------------------------------------------------
// Sweep directory

double numeric(const std::string& text) {
  try {
    return parse_csv_double(text);
  } catch (const std::invalid_argument&) {
  }
  try {
    return to_seconds(parse_duration(text, true));
  } catch (const std::invalid_argument&) {
  }
  return std::nan("");
}

std::string file_name_of(const std::string& metric) {
  std::string s;
  for (char c : metric) s += (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_') ? c : '_';
  return s;
}

std::vector<std::string> plot_sweep(const fs::path& dir, const fs::path& out, const Formats& formats,
                                    const po::variables_map& vm) {
  const AggregateTable agg = read_aggregate_csv(dir / "aggregate.csv");
  if (agg.rows.empty()) throw std::runtime_error(fmt::format("{}: no rows", (dir / "aggregate.csv").string()));
  // The x parameter: asked for, or the first whose values are all numbers (durations in seconds).
  std::size_t x = agg.params.size();
  auto all_numeric = [&](std::size_t p) {
    for (const AggregateRow& r : agg.rows)
      if (std::isnan(numeric(r.param_values[p]))) return false;
    return true;
  };
  if (vm.count("x")) {
    const std::string want = vm["x"].as<std::string>();
    for (std::size_t p = 0; p < agg.params.size(); ++p)
      if (agg.params[p] == want) x = p;
    if (x == agg.params.size())
      throw po::error(fmt::format("--x: '{}' is not a parameter of this sweep{}", want, did_you_mean(want, agg.params)));
    if (!all_numeric(x)) throw po::error(fmt::format("--x: '{}' has values that are not numbers", want));
  } else {
    for (std::size_t p = 0; p < agg.params.size() && x == agg.params.size(); ++p)
      if (all_numeric(p)) x = p;
  }
  std::vector<std::string> metrics;
  for (const AggregateRow& r : agg.rows)
    if (std::find(metrics.begin(), metrics.end(), r.metric) == metrics.end()) metrics.push_back(r.metric);
  if (vm.count("metrics")) {
    const auto wanted = split_list(vm["metrics"].as<std::string>());
    for (const std::string& m : wanted)
      if (std::find(metrics.begin(), metrics.end(), m) == metrics.end())
        throw po::error(fmt::format("--metrics: '{}' is not in the sweep{}", m, did_you_mean(m, metrics)));
    metrics = wanted;
  }
  const bool have_x = x < agg.params.size();
  std::vector<std::string> drawn;
  for (const std::string& metric : metrics) {
    // Series: one per combination of the other parameters, in order of appearance.
    std::vector<std::string> series_names;
    std::map<std::string, std::vector<std::array<double, 5>>> series;  // x, mean, low, high, n
    std::vector<std::string> xlabels;
    std::size_t point = 0;
    for (const AggregateRow& r : agg.rows) {
      if (r.metric != metric) continue;
      std::string name;
      for (std::size_t p = 0; p < agg.params.size(); ++p)
        if (p != x) name += fmt::format("{}{}={}", name.empty() ? "" : ", ", agg.params[p], r.param_values[p]);
      if (!series.count(name)) series_names.push_back(name);
      const double xv = have_x ? numeric(r.param_values[x]) : static_cast<double>(point);
      if (!have_x) xlabels.push_back(name);
      series[name].push_back({xv, r.stats.mean, r.stats.ci95_low, r.stats.ci95_high, static_cast<double>(r.stats.n)});
      ++point;
    }
    std::string data;
    double min_x = INFINITY, max_x = -INFINITY;
    std::size_t max_n = 0;
    for (const std::string& name : series_names) {
      auto& rows = series[name];
      std::sort(rows.begin(), rows.end());
      data += "# " + (name.empty() ? std::string("all") : name) + "\n";
      for (const auto& row : rows) {
        auto cell = [](double v) { return std::isnan(v) ? std::string("NaN") : fmt::format("{}", v); };
        data += fmt::format("{},{},{},{},{}\n", row[0], cell(row[1]), cell(row[2]), cell(row[3]), row[4]);
        min_x = std::min(min_x, row[0]);
        max_x = std::max(max_x, row[0]);
        max_n = std::max(max_n, static_cast<std::size_t>(row[4]));
      }
      data += "\n\n";
    }
    const std::string base = file_name_of(metric);
    write_text(out / (base + ".dat"), data);
    const bool logx = have_x && (vm.count("logx") || (min_x > 0 && max_x / min_x >= 100));
    static const char* colors[] = {"#2166ac", "#b2182b", "#1b7837", "#762a83", "#e08214", "#35978f", "#8c510a", "#4d4d4d"};
    std::string cmds = "plot ";
    for (std::size_t s = 0; s < series_names.size(); ++s) {
      const char* color = colors[s % 8];
      const std::string title = series_names[s].empty() ? "mean" : label(elide(series_names[s]));
      cmds += fmt::format("{}{} index {} using 1:3:4 with filledcurves fc rgb '{}' fs transparent solid 0.18 noborder notitle, \\\n"
                          "     '' index {} using 1:2 with linespoints lw 2 pt 7 ps 0.7 lc rgb '{}' title {}",
                          s ? ", \\\n     " : "", gq(base + ".dat"), s, color, s, color, gq(title));
    }
    cmds += "\n";
    std::string axis;
    if (have_x) {
      axis = "set xlabel " + gq(label(agg.params[x])) + "\n";
      if (logx) axis += "set logscale x\n";
      const double pad = (max_x - min_x) * 0.03;
      if (!logx && pad > 0) axis += fmt::format("set xrange [{}:{}]\n", min_x - pad, max_x + pad);
    } else {
      axis = "set xlabel 'grid point'\nset xtics rotate by -30 font ',8' (";
      for (std::size_t i = 0; i < xlabels.size(); ++i) axis += fmt::format("{}{} {}", i ? ", " : "", gq(label(elide(xlabels[i]))), i);
      axis += ")\nset xrange [-0.5:" + std::to_string(xlabels.size()) + "-0.5]\n";
    }
    const std::string script = "set datafile separator ','\nset datafile missing 'NaN'\nset title " +
                               gq(label(fmt::format("{}: mean and 95% confidence interval over {} seeds", metric, max_n))) +
                               "\n" + axis + "set ylabel " + gq(label(metric)) + "\nset grid\nset key outside right top\n" +
                               render(base, formats, cmds);
    write_text(out / (base + ".gp"), script);
    run_gnuplot(out, base + ".gp");
    drawn.push_back(base);
  }
  return drawn;
}

}  // namespace

int plot_command(const std::vector<std::string>& args) {
  return cli::run_command("plot", [&] {
    const auto desc = plot_options();
    const cli::ParsedArgs p = cli::parse_args(desc, args);
    if (p.vm.count("help")) {
      std::cout << desc << "\n";
      return cli::kExitOk;
    }
    if (p.positional.size() != 1) throw po::error("plot needs one DIR: a run or a sweep output directory");
    const fs::path dir = p.positional.front();
    if (!fs::is_directory(dir)) throw std::runtime_error(fmt::format("'{}' is not a directory", dir.string()));
    Formats formats{false, false};
    for (const std::string& f : split_list(p.vm["format"].as<std::string>())) {
      if (f == "png") formats.png = true;
      else if (f == "svg") formats.svg = true;
      else throw po::error(fmt::format("--format: expected png or svg, got '{}'{}", f, did_you_mean(f, {"png", "svg"})));
    }
    if (!formats.png && !formats.svg) throw po::error("--format: name png, svg or both");
    const bool sweep = fs::exists(dir / "aggregate.csv");
    if (!sweep && !fs::exists(dir / "convergence.csv") && !fs::exists(dir / "events.csv"))
      throw std::runtime_error(fmt::format(
          "'{}' holds neither a run's traces (convergence.csv, events.csv) nor a sweep's aggregate.csv", dir.string()));
    const fs::path out_dir = p.vm.count("out") ? fs::path(p.vm["out"].as<std::string>()) : dir / "plots";
    AtomicOutputDir out(out_dir);
    const fs::path work = fs::absolute(out.temp_path());
    const std::vector<std::string> drawn = sweep ? plot_sweep(dir, work, formats, p.vm) : plot_run(dir, work, formats);
    if (drawn.empty()) throw std::runtime_error(fmt::format("nothing to plot in '{}'", dir.string()));
    out.commit();
    std::string list;
    for (const std::string& d : drawn) {
      if (formats.png) list += fmt::format("\n  {}", (out_dir / (d + ".png")).string());
      if (formats.svg) list += fmt::format("\n  {}", (out_dir / (d + ".svg")).string());
    }
    fmt::print("ecsim plot: {} plot{} in {}{}\n", drawn.size(), drawn.size() == 1 ? "" : "s", out_dir.string(), list);
    return cli::kExitOk;
  });
}

}  // namespace ecsim
