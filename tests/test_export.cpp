// ecsim export: the Chrome trace-event JSON and the ShiViz log, on a small
// hand-written run whose expected output is worked out by hand below.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>

#include "app/export.hpp"
#include "test_util.hpp"

using namespace ecsim;
using Json = nlohmann::json;

namespace {

// n0 sends msg 1 to n1 (delivered) and msg 2 to n2 (lost); n1 sends msg 3 to
// n2 (delivered); a partition 10..20 ms, a loss window 5..8 ms, n2 crashes at
// 12 ms (state lost) and restarts at 15 ms, n1's clock steps at 30 ms; one
// RYW violation served by n1.
const char* kEvents =
    "time_ns,node,kind,peer,msg_id,key,bytes,version\n"
    "1000000,n0,timer,,,,,\n"
    "1000000,n0,send,n1,1,,16,\n"
    "2000000,n0,send,n2,2,,16,\n"
    "2000000,n0,drop,n2,2,loss,16,\n"
    "3000000,n1,deliver,n0,1,,16,\n"
    "3000000,n1,apply,,,k0,,\n"
    "4000000,n1,send,n2,3,,24,\n"
    "5000000,,loss_start,,,loss 0.3 until 8ms,,\n"
    "6000000,n2,deliver,n1,3,,24,\n"
    "8000000,,loss_end,,,loss 0.3 until 8ms,,\n"
    "10000000,,partition,,,partition [n0] [n1 n2],,\n"
    "12000000,n2,crash,,,lose_state,,\n"
    "12000000,n2,state_lost,,,,,\n"
    "15000000,n2,restart,,,,,\n"
    "20000000,,heal,,,heal all,,\n"
    "30000000,n1,clock_step,,,,,\n";
const char* kViolations =
    "guarantee,client,session,op,key,invoke_ns,complete_ns,replica,version,required,ops_row,cause_row\n"
    "ryw,c0,0,read,k0,25000000,26000000,n1,1@n0,2@n0,7,3\n";

}  // namespace

TEST_CASE("export --to chrome: the trace-event format's required fields, tracks, flows and spans", "[export]") {
  test::TempDir dir;
  dir.write("events.csv", kEvents);
  dir.write("violations.csv", kViolations);
  const Json doc = Json::parse(chrome_trace_json(dir.path.string()));
  const Json& events = doc.at("traceEvents");
  REQUIRE(events.is_array());
  // The JSON Object Format: every event has name, ph, ts, pid, tid; 'X' has dur; flows have id.
  const std::set<std::string> phases = {"X", "i", "s", "f", "M"};
  std::map<std::string, int> tid_of;
  std::map<std::int64_t, std::vector<std::string>> flows;
  std::vector<Json> fault_spans, instants;
  for (const Json& e : events) {
    REQUIRE(e.at("name").is_string());
    REQUIRE(e.at("ts").is_number());
    REQUIRE(e.at("pid").is_number_integer());
    REQUIRE(e.at("tid").is_number_integer());
    const std::string ph = e.at("ph");
    REQUIRE(phases.count(ph) == 1);
    if (ph == "M" && e.at("name") == "thread_name") tid_of[e.at("args").at("name")] = e.at("tid");
    if (ph == "X") REQUIRE(e.at("dur").is_number());
    if (ph == "X" && e.at("cat") == "fault") fault_spans.push_back(e);
    if (ph == "s" || ph == "f") flows[e.at("id").get<std::int64_t>()].push_back(ph);
    if (ph == "i") instants.push_back(e);
  }
  // A track per node (natural order) and one for the faults.
  CHECK(tid_of == std::map<std::string, int>{{"faults", 0}, {"n0", 1}, {"n1", 2}, {"n2", 3}});
  // Messages 1 and 3 are arrows from send to deliver; the lost message 2 only starts one.
  CHECK(flows == std::map<std::int64_t, std::vector<std::string>>{{1, {"s", "f"}}, {2, {"s"}}, {3, {"s", "f"}}});
  // Spans in microseconds: loss 5000..8000, partition 10000..20000 (faults track), n2 crashed 12000..15000.
  REQUIRE(fault_spans.size() == 3);
  CHECK(fault_spans[0].at("name") == "loss 0.3 until 8ms");
  CHECK(fault_spans[0].at("ts") == 5000.0);
  CHECK(fault_spans[0].at("dur") == 3000.0);
  CHECK(fault_spans[0].at("tid") == 0);
  CHECK(fault_spans[1].at("name") == "crashed (state lost)");
  CHECK(fault_spans[1].at("ts") == 12000.0);
  CHECK(fault_spans[1].at("dur") == 3000.0);
  CHECK(fault_spans[1].at("tid") == 3);
  CHECK(fault_spans[2].at("name") == "partition [n0] [n1 n2]");
  CHECK(fault_spans[2].at("ts") == 10000.0);
  CHECK(fault_spans[2].at("dur") == 10000.0);
  // Instants: the drop, the clock step and the violation with its witness.
  REQUIRE(instants.size() == 3);
  CHECK(instants[0].at("name") == "drop → n2 (loss)");
  CHECK(instants[1].at("name") == "clock step");
  CHECK(instants[1].at("tid") == 2);
  CHECK(instants[2].at("name") == "ryw violation");
  CHECK(instants[2].at("ts") == 26000.0);
  CHECK(instants[2].at("tid") == 2);
  CHECK(instants[2].at("args").at("required") == "2@n0");
  CHECK(instants[2].at("args").at("cause_row") == "3");
}

TEST_CASE("export --to shiviz: ShiViz's parsing regex matches every event, vector clocks of the causality", "[export]") {
  test::TempDir dir;
  dir.write("events.csv", kEvents);
  const std::string log = shiviz_log(dir.path.string());
  // ShiViz's regex (?<host>\S*) (?<clock>{.*})\n(?<event>.*) without the names std::regex lacks.
  const std::regex event(R"((\S*) (\{.*\})\n(.*)\n)");
  std::vector<std::pair<std::string, Json>> clocks;
  std::vector<std::string> descriptions;
  std::size_t consumed = 0;
  for (auto it = std::sregex_iterator(log.begin(), log.end(), event); it != std::sregex_iterator(); ++it) {
    REQUIRE(static_cast<std::size_t>(it->position()) == consumed);  // nothing between events
    consumed += it->length();
    clocks.emplace_back((*it)[1], Json::parse((*it)[2].str()));
    descriptions.push_back((*it)[3]);
  }
  CHECK(consumed == log.size());
  // By hand: each node ticks its own entry per event; a delivery merges the clock at the send.
  const std::vector<std::pair<std::string, Json>> expected = {
      {"n0", {{"n0", 1}}},                        // send 1
      {"n0", {{"n0", 2}}},                        // send 2
      {"n0", {{"n0", 3}}},                        // drop 2
      {"n1", {{"n0", 1}, {"n1", 1}}},             // deliver 1 (sent at n0:1)
      {"n1", {{"n0", 1}, {"n1", 2}}},             // send 3
      {"n2", {{"n0", 1}, {"n1", 2}, {"n2", 1}}},  // deliver 3
      {"n2", {{"n0", 1}, {"n1", 2}, {"n2", 2}}},  // crash
      {"n2", {{"n0", 1}, {"n1", 2}, {"n2", 3}}},  // restart
      {"n1", {{"n0", 1}, {"n1", 3}}},             // clock step
  };
  CHECK(clocks == expected);
  REQUIRE(descriptions.size() == 9);
  CHECK(descriptions[0] == "send msg 1 to n1 (16 bytes)");
  CHECK(descriptions[3] == "deliver msg 1 from n0");
  CHECK(descriptions[6] == "crash (lose_state)");
}
