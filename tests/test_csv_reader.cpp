// The one CSV reader (analysis/csv_reader.hpp) and the two paths that use it:
// the history reader (ecsim-check) and `ecsim analyze`. A fully quoted copy
// of a run's traces, as Python's csv.QUOTE_ALL or R's write.csv write them,
// gives the same counts as the file ecsim wrote; errors carry line and column.
#include <catch2/catch.hpp>

#include "test_util.hpp"

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

#include "analysis/csv_reader.hpp"
#include "analysis/history.hpp"
#include "analysis/session_checker.hpp"
#include "analysis/staleness.hpp"
#include "analysis/trace_analysis.hpp"
#include "sim/scenario_loader.hpp"  // ScenarioError, which analyze_traces throws

using namespace ecsim;
namespace fs = std::filesystem;

namespace {

fs::path temp_dir(const std::string& name) {
  const fs::path p = fs::temp_directory_path() / ("ecsim-test-csv-" + std::to_string(::getpid())) / name;
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}

std::string write_file(const fs::path& p, const std::string& text) {
  std::ofstream(p, std::ios::binary) << text;
  return p.string();
}

std::string read_file(const fs::path& p) { return ecsim::test::slurp(p); }

// Splits one line as ecsim's CsvWriter writes it (RFC 4180 quoting), written
// here independently of the reader under test.
std::vector<std::string> split_written(const std::string& line) {
  std::vector<std::string> out(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted && c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
      out.back() += '"';
      ++i;
    } else if (c == '"') {
      quoted = !quoted;
    } else if (c == ',' && !quoted) {
      out.emplace_back();
    } else {
      out.back() += c;
    }
  }
  return out;
}

std::string quote(const std::string& field) {
  std::string q = "\"";
  for (char c : field) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

// Rewrites a CSV file ecsim wrote, each field through `format(row, column,
// text)`, rows ending in `eol`, with a blank line after the header and a
// line of spaces at the end.
void rewrite(const fs::path& from, const fs::path& to, const std::string& eol,
             const std::function<std::string(std::size_t, std::size_t, const std::string&)>& format) {
  std::istringstream in(read_file(from));
  std::string out, line;
  for (std::size_t row = 0; std::getline(in, line); ++row) {
    const std::vector<std::string> fields = split_written(line);
    for (std::size_t c = 0; c < fields.size(); ++c) {
      if (c > 0) out += ',';
      out += format(row, c, fields[c]);
    }
    out += eol;
    if (row == 0) out += eol;
  }
  write_file(to, out + "  " + eol);
}

// Python: csv.writer(f, quoting=csv.QUOTE_ALL) quotes every field and ends rows with CRLF.
void python_quote_all(const fs::path& from, const fs::path& to) {
  rewrite(from, to, "\r\n", [](std::size_t, std::size_t, const std::string& f) { return quote(f); });
}

// R: write.csv(df) adds a first column of quoted row names under an empty
// name, quotes text (and the header), leaves numbers bare and writes
// logicals as TRUE/FALSE.
void r_write_csv(const fs::path& from, const fs::path& to) {
  rewrite(from, to, "\n", [](std::size_t row, std::size_t column, const std::string& f) {
    std::string prefix;
    if (column == 0) prefix = (row == 0 ? quote("") : quote(std::to_string(row))) + ",";
    if (row > 0 && !f.empty() && f.find_first_not_of("-0123456789") == std::string::npos) return prefix + f;
    if (row > 0 && (f == "true" || f == "false")) return prefix + (f == "true" ? "TRUE" : "FALSE");
    return prefix + quote(f);
  });
}

// ecsim-check's output on a history, without the file name it starts with.
std::string check_report(const std::string& ops, const std::string& applied) {
  const fs::path log = fs::path(ops).parent_path() / "check.log";
  const std::string command = std::string(ECSIM_CHECK_BINARY) + " " + ops + " --applied " + applied +
                              " --nodes n0,n1,n2,n3,n4 >" + log.string() + " 2>&1";
  if (std::system(command.c_str()) != 0) return "ecsim-check failed: " + read_file(log);
  const std::string report = read_file(log);
  return report.substr(report.find(": "));
}

bool same(double a, double b) { return (std::isnan(a) && std::isnan(b)) || a == b; }

std::string history_error(const std::string& ops, const std::string& applied = "") {
  try {
    read_history_csv(ops, applied);
  } catch (const HistoryInputError& e) {
    return e.what();
  }
  return "no error";
}

std::string analyze_error(const std::string& ops, const std::string& applied = "") {
  try {
    analyze_traces(TraceInputs{ops, applied, "", {}});
  } catch (const ScenarioError& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("history readers refuse negative times, two origins and unknown event kinds (found by tests/fuzz)", "[csv]") {
  test::TempDir dir;
  auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream((dir.path / name).string()) << text;
    return (dir.path / name).string();
  };
  const std::string header = "client,session,op,key,invoke_ns,complete_ns,ok,version\n";
  const std::string negative = write("neg.csv", header + "c0,0,write,k,-5,-4,true,1@n0\n");
  CHECK_THAT(history_error(negative), Catch::Contains("neg.csv:2:14: error: invoke_ns: expected a time in ns since the run started (>= 0), got -5"));
  CHECK_THAT(analyze_error(negative), Catch::Contains("neg.csv:2:14: error: invoke_ns: expected a time in ns"));
  const std::string origins = write("origins.csv", header + "c0,0,write,k,5,6,true,1@n0@n1\n");
  CHECK_THAT(history_error(origins), Catch::Contains("origins.csv:2:27: error: version: a version has one origin"));
  const std::string ops = write("ops.csv", header + "c0,0,write,k,5,6,true,1@n0\n");
  const std::string events = write("events.csv", "time_ns,node,kind,peer,msg_id,key,bytes\n5,n0,CRASH,,,,\n");
  try {
    analyze_traces(TraceInputs{ops, "", events, {}});
    FAIL("an unknown event kind was accepted");
  } catch (const ScenarioError& e) {
    CHECK_THAT(e.what(), Catch::Contains("events.csv:2:6: error: kind: unknown event kind 'CRASH'"));
  }
}

TEST_CASE("CsvReader: quoting, trimming, blank lines, CRLF and a byte order mark", "[csv]") {
  const fs::path dir = temp_dir("reader");
  const std::string path = write_file(dir / "t.csv",
                                      "\xEF\xBB\xBF\r\n"
                                      " a ,\"b\",\"c \"\"q\"\"\" ,\"\"\r\n"
                                      "\r\n"
                                      "1, \"x,y\" ,,\"\"\r\n"
                                      " \t \n"
                                      "\"2\",  plain text ,\" kept \",last\n");
  CsvReader in(path);
  CHECK(in.header() == std::vector<std::string>{"a", "b", "c \"q\"", ""});
  CHECK(in.find("b") == std::optional<std::size_t>(1));
  CHECK_FALSE(in.find("z"));
  REQUIRE(in.next());
  CHECK(in.line() == 4);
  CHECK(in[0] == "1");
  CHECK(in[1] == "x,y");
  CHECK(in.column(1) == 4);       // the opening quote
  CHECK(in.text_column(1) == 5);  // the text
  CHECK(in[2].empty());
  CHECK(in[3].empty());
  REQUIRE(in.next());
  CHECK(in.line() == 6);
  CHECK(in[0] == "2");
  CHECK(in[1] == "plain text");
  CHECK(in[2] == " kept ");
  CHECK(in.integer(0, "a") == 2);
  CHECK_FALSE(in.next());
}

TEST_CASE("CsvReader: typed fields and errors at file:line:col", "[csv]") {
  const fs::path dir = temp_dir("errors");
  auto error = [&](const std::string& name, const std::string& text, const std::function<void(CsvReader&)>& use = {}) {
    try {
      CsvReader in(write_file(dir / name, text));
      while (in.next())
        if (use) use(in);
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK_THAT(error("a.csv", "x,y\n1,\"open\n"), Catch::EndsWith("a.csv:2:3: error: unterminated quoted field (a quoted field must end on its line)"));
  CHECK_THAT(error("b.csv", "x,y\n1,\"ab\"c\n"), Catch::EndsWith("b.csv:2:7: error: expected ',' after the quoted field, got 'c'"));
  CHECK_THAT(error("c.csv", "x,y\n1,ab\"c\"\n"), Catch::Contains("c.csv:2:5: error: '\"' inside an unquoted field"));
  CHECK_THAT(error("d.csv", "x,y\n1,2,3\n"), Catch::EndsWith("d.csv:2:5: error: expected 2 fields as in the header, got 3"));
  CHECK_THAT(error("e.csv", "x,y,z\n1,2\n"), Catch::EndsWith("e.csv:2:4: error: expected 3 fields as in the header, got 2"));
  CHECK_THAT(error("f.csv", "\n \n"), Catch::EndsWith("f.csv:1:1: error: empty file: expected a header line"));
  CHECK_THAT(error("g.csv", "x,y,\"x\"\n"), Catch::EndsWith("g.csv:1:5: error: duplicated column 'x' (also column 1 of the header): which one is meant?"));
  CHECK(error("h.csv", "x,,\n1,2,3\n") == "no error");  // empty names are never asked for
  CHECK_THAT(error("i.csv", "x,y\n1,\"2x\"\n", [](CsvReader& in) { in.integer(1, "y"); }),
             Catch::EndsWith("i.csv:2:3: error: y: expected an integer, got '2x'"));
  CHECK_THAT(error("j.csv", "x,y\n1,\"2x\"\n", [](CsvReader& in) { in.fail_at(1, 1, "here"); }),
             Catch::EndsWith("j.csv:2:5: error: here"));
  CHECK_THAT(error("k.csv", "ok\nTRUE\nFalse\n1\nyes\n", [](CsvReader& in) { in.boolean(0, "ok"); }),
             Catch::EndsWith("k.csv:5:1: error: ok: expected true or false, got 'yes'"));
  try {
    CsvReader in((dir / "missing.csv").string(), "trace file");
    FAIL("expected an InputError");
  } catch (const InputError& e) {
    CHECK_THAT(e.what(), Catch::EndsWith("missing.csv: error: cannot open trace file: No such file or directory"));
    CHECK(e.line() == 0);
  }
  CsvReader in(write_file(dir / "m.csv", "x,y\n"));
  CHECK(in.require("y") == 1);
  CHECK_THROWS_WITH(in.require("z"), Catch::EndsWith("m.csv:1:1: error: missing column 'z' (the header has: x, y)"));
}

TEST_CASE("a fully quoted ops.csv gives the same counts to ecsim-check's reader and to analyze", "[csv][analyze][sessions]") {
  const fs::path dir = temp_dir("quoted");
  const std::string source = ECSIM_SOURCE_DIR;
  const std::string run = (dir / "run").string();
  REQUIRE(std::system((std::string(ECSIM_BINARY) + " run " + source + "/scenarios/sessions-ryw-random.yaml --quiet --out " + run).c_str()) == 0);
  const std::vector<std::string> nodes = {"n0", "n1", "n2", "n3", "n4"};

  const History plain = read_history_csv(run + "/ops.csv", run + "/applied.csv", nodes);
  const SessionCheckResult plain_sessions = check_sessions(plain);
  const StalenessResult plain_staleness = measure_staleness(plain);
  REQUIRE(plain.ops.size() > 50);
  REQUIRE(plain_sessions[Guarantee::ryw].violations > 0);  // something to agree on
  const TraceAnalysis plain_analysis = analyze_traces(TraceInputs{run + "/ops.csv", run + "/applied.csv", run + "/events.csv", nodes});

  for (const char* style : {"python", "r"}) {
    INFO(style);
    const fs::path out = dir / style;
    fs::create_directories(out);
    for (const char* file : {"ops.csv", "applied.csv", "events.csv"})
      (std::string(style) == "python" ? python_quote_all : r_write_csv)(fs::path(run) / file, out / file);
    if (std::string(style) == "python") {
      REQUIRE(read_file(out / "ops.csv").rfind("\"client\",\"session\",", 0) == 0);
    } else {
      REQUIRE(read_file(out / "ops.csv").rfind("\"\",\"client\",\"session\",", 0) == 0);
      REQUIRE(read_file(out / "ops.csv").find(",TRUE,") != std::string::npos);
    }

    // ecsim-check's path: the history reader, the session checkers, staleness.
    const History h = read_history_csv((out / "ops.csv").string(), (out / "applied.csv").string(), nodes);
    CHECK(h.ops.size() == plain.ops.size());
    CHECK(h.applies.size() == plain.applies.size());
    CHECK(h.session_count() == plain.session_count());
    CHECK(h.keys == plain.keys);
    const SessionCheckResult r = check_sessions(h);
    for (std::size_t g = 0; g < 4; ++g) {
      INFO(kGuaranteeNames[g]);
      CHECK(r.by_guarantee[g].violations == plain_sessions.by_guarantee[g].violations);
      CHECK(r.by_guarantee[g].sessions_affected == plain_sessions.by_guarantee[g].sessions_affected);
      CHECK(r.by_guarantee[g].ops_checked == plain_sessions.by_guarantee[g].ops_checked);
    }
    CHECK(r.ryw_client == plain_sessions.ryw_client);
    const StalenessResult s = measure_staleness(h);
    CHECK(s.reads == plain_staleness.reads);
    CHECK(s.behind == plain_staleness.behind);
    // The ecsim-check tool prints the same report (but for the file name).
    CHECK(check_report((out / "ops.csv").string(), (out / "applied.csv").string()) ==
          check_report(run + "/ops.csv", run + "/applied.csv"));

    // analyze's path: every metric as from the unquoted traces.
    const TraceAnalysis a =
        analyze_traces(TraceInputs{(out / "ops.csv").string(), (out / "applied.csv").string(), (out / "events.csv").string(), nodes});
    CHECK(a.ops == plain_analysis.ops);
    CHECK(a.applies == plain_analysis.applies);
    CHECK(a.events == plain_analysis.events);
    for (const auto& [name, value] : plain_analysis.metrics) {
      INFO(name);
      REQUIRE(a.metrics.count(name) == 1);
      CHECK(same(a.metrics.at(name), value));
    }
  }
}

TEST_CASE("both readers reject the same bad input at the same line and column", "[csv][analyze][sessions]") {
  const fs::path dir = temp_dir("bad");
  const std::string header = "client,session,op,key,invoke_ns,complete_ns,ok,version\n";
  const std::string good_row = "c0,0,write,x,1,2,true,5@n0\n";
  struct Case {
    std::string name, text, where;
  };
  const std::vector<Case> cases = {
      {"dup.csv", "client,session,op,key,key,invoke_ns,complete_ns,ok,version\n", "dup.csv:1:23: error: duplicated column 'key'"},
      {"int.csv", header + good_row + "c0,0,read,x,1,\"2s\",true,\n", "int.csv:3:15: error: complete_ns: expected an integer, got '2s'"},
      {"bool.csv", header + "\n" + good_row + "c0,0,read,x,1,2,\"maybe\",\n", "bool.csv:4:17: error: ok: expected true or false, got 'maybe'"},
      {"quote.csv", header + "c0,0,read,\"x\"y,1,2,true,\n", "quote.csv:2:14: error: expected ',' after the quoted field, got 'y'"},
      {"open.csv", header + "c0,0,read,x,1,2,true,\"5@n0\n", "open.csv:2:22: error: unterminated quoted field"},
      {"fields.csv", header + "c0,0,read,x,1,2,true,,extra\n", "fields.csv:2:23: error: expected 8 fields as in the header, got 9"},
      {"version.csv", header + "c0,0,write,x,1,2,true,\"12#n0\"\n", "version.csv:2:26: error: version: unexpected '#'"},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    const std::string path = write_file(dir / c.name, c.text);
    CHECK_THAT(history_error(path), Catch::Contains(c.where));
    CHECK_THAT(analyze_error(path), Catch::Contains(c.where));
  }
  // Blank lines anywhere are no rows.
  const std::string blank = write_file(dir / "blank.csv", "\n" + header + "\n \n" + good_row + "\n\n" + good_row);
  CHECK(read_history_csv(blank, "").ops.size() == 2);
  CHECK(analyze_traces(TraceInputs{blank, "", "", {"n0"}}).ops == 2);
  const std::string applied = write_file(dir / "applied.csv", "time_ns,replica,key,key,version\n");
  CHECK_THAT(history_error(blank, applied), Catch::Contains("applied.csv:1:21: error: duplicated column 'key'"));
  CHECK_THAT(analyze_error(blank, applied), Catch::Contains("applied.csv:1:21: error: duplicated column 'key'"));
}
