// `ecsim explore`: known failures that exploration must find and shrink, the
// same budgets finding nothing in correct configurations, determinism across
// jobs and shards, the replay self-check, delta debugging on a hand-made
// predicate, and bad explore files.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <yaml-cpp/yaml.h>

#include "app/explore.hpp"
#include "app/modules.hpp"
#include "app/runner.hpp"
#include "app/shrink.hpp"
#include "sim/scenario_loader.hpp"
#include "sim/units.hpp"
#include "tests/test_util.hpp"

namespace fs = std::filesystem;
using namespace ecsim;
using ecsim::test::slurp;
using ecsim::test::TempDir;

namespace {

const std::string kExamples = std::string(ECSIM_SOURCE_DIR) + "/scenarios/explore/";

ExploreResult explore(const std::string& file, const fs::path& out, unsigned jobs = 2, unsigned shard = 1,
                      unsigned shards = 1, std::string* report = nullptr) {
  ExploreOptions opt;
  opt.out_dir = out.string();
  opt.jobs = jobs;
  opt.shard_index = shard;
  opt.shard_count = shards;
  opt.quiet = true;
  std::ostringstream sink;
  const ExploreResult r = run_explore(load_explore(kExamples + file), opt, sink);
  if (report) *report = sink.str();
  return r;
}

// The minimal scenario as `ecsim run` would load it: does it still break its property?
bool reproduces(const fs::path& min_yaml) {
  Scenario s = load_scenario_with_modules(min_yaml.string());
  RunSettings settings;
  settings.quiet = true;
  settings.write_outputs = false;
  std::ostringstream sink;
  return run_scenario(s, settings, sink).exit_code == 1;
}

std::string error_text_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const ScenarioError& e) {
    return e.what();
  }
  return "no error";
}

// The fault kinds of a scenario's faults: list ("clock", "crash", ...).
std::multiset<std::string> fault_kinds(const YAML::Node& root) {
  std::multiset<std::string> kinds;
  for (const auto& f : root["faults"])
    for (const char* k : {"partition", "heal", "crash", "restart", "loss", "duplicate", "clock", "flapping"})
      if (f[k]) kinds.insert(k);
  return kinds;
}

}  // namespace

TEST_CASE("explore: LWW with physical clocks loses a write, and its minimal scenario is 2 nodes, 2 writes, 1 clock offset",
          "[explore]") {
  TempDir tmp;
  std::string report;
  const ExploreResult r = explore("lww-skew.explore.yaml", tmp.path / "out", 2, 1, 1, &report);
  CHECK(r.exit_code == 1);
  CHECK(r.runs_done == 200);
  REQUIRE(r.runs_failed > 0);
  const fs::path min = tmp.path / "out" / "min-1.yaml";
  const YAML::Node root = YAML::LoadFile(min.string());
  CHECK(root["topology"]["nodes"].as<int>() == 2);
  REQUIRE(root["ops"].size() == 2);
  for (const auto& op : root["ops"]) CHECK(op["op"].as<std::string>() == "write");
  CHECK(fault_kinds(root) == std::multiset<std::string>{"clock"});
  CHECK(reproduces(min));
  // The witness names the lost write: a clock set back makes its node's later
  // write older than the other's, so that write loses; set forward, the
  // other node's (later) write loses to it.
  const YAML::Node clock = root["faults"][0];
  const std::string stepped = clock["clock"].as<std::string>();
  const bool back = clock["offset"].as<std::string>().front() == '-';
  const std::string loser = back ? stepped : (stepped == "n0" ? "n1" : "n0");
  INFO(report);
  const std::string prefix = "|   lost write  " + root["ops"][0]["key"].as<std::string>() + " = ";
  const auto at = report.find(prefix);
  REQUIRE(at != std::string::npos);
  const std::string line = report.substr(at + prefix.size(), report.find('\n', at) - at - prefix.size());
  CHECK(line.find_first_not_of("0123456789.") == line.find('@'));  // a timestamp version
  CHECK(line.substr(line.find('@') + 1) == loser);
  // The witness traces of the minimal run are there for `ecsim plot`.
  CHECK(fs::exists(tmp.path / "out" / "min-1" / "events.csv"));
}

TEST_CASE("explore: the same search with HLC finds no lost write", "[explore]") {
  TempDir tmp;
  const ExploreResult r = explore("lww-hlc.explore.yaml", tmp.path / "out");
  CHECK(r.exit_code == 0);
  CHECK(r.runs_done == 200);
  CHECK(r.runs_failed == 0);
  CHECK_FALSE(fs::exists(tmp.path / "out" / "min-1.yaml"));
}

TEST_CASE("explore: sticky sessions without a session object violate RYW under crashes and partitions only",
          "[explore]") {
  TempDir tmp;
  const ExploreResult r = explore("sticky-failover.explore.yaml", tmp.path / "out");
  CHECK(r.exit_code == 1);
  const fs::path min = tmp.path / "out" / "min-1.yaml";
  const YAML::Node root = YAML::LoadFile(min.string());
  // The base has no faults: whatever the minimal scenario keeps came from the nemesis.
  const auto kinds = fault_kinds(root);
  REQUIRE_FALSE(kinds.empty());
  for (const std::string& k : kinds) CHECK((k == "crash" || k == "partition" || k == "heal"));
  CHECK(reproduces(min));
}

TEST_CASE("explore: with the session object the same budget finds no RYW violation", "[explore]") {
  TempDir tmp;
  const ExploreResult r = explore("sticky-guarded.explore.yaml", tmp.path / "out");
  CHECK(r.exit_code == 0);
  CHECK(r.runs_failed == 0);
}

TEST_CASE("explore: sagas without idempotent services double-refund once duplication is allowed", "[explore]") {
  TempDir tmp;
  // Without faults the base scenario refunds nobody twice: the failure needs the nemesis.
  {
    Scenario base = load_scenario_with_modules(kExamples + "saga.yaml");
    RunSettings settings;
    settings.write_outputs = false;
    settings.quiet = true;
    std::ostringstream sink;
    REQUIRE(run_scenario(base, settings, sink).metrics.at("payments.double_refunds") == 0);
  }
  const ExploreResult r = explore("saga-duplicates.explore.yaml", tmp.path / "out");
  CHECK(r.exit_code == 1);
  const fs::path min = tmp.path / "out" / "min-1.yaml";
  const auto kinds = fault_kinds(YAML::LoadFile(min.string()));
  CHECK(kinds.count("duplicate") >= 1);
  CHECK(reproduces(min));
  const ExploreResult ok = explore("saga-idempotent.explore.yaml", tmp.path / "ok");
  CHECK(ok.exit_code == 0);
  CHECK(ok.runs_failed == 0);
}

TEST_CASE("explore: runs and minimal scenarios are identical across --jobs and shards", "[explore][determinism]") {
  TempDir tmp;
  REQUIRE(explore("lww-skew.explore.yaml", tmp.path / "j1", 1).exit_code == 1);
  REQUIRE(explore("lww-skew.explore.yaml", tmp.path / "j2", 2).exit_code == 1);
  CHECK(slurp(tmp.path / "j1" / "runs.csv") == slurp(tmp.path / "j2" / "runs.csv"));
  // Byte for byte, but for the line that names the output folder (it differs by construction).
  auto without_paths = [](const fs::path& yaml) {
    std::string text = slurp(yaml), out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
      if (line.rfind("# Reproduce:", 0) != 0) out += line + "\n";
    return out;
  };
  CHECK(without_paths(tmp.path / "j1" / "min-1.yaml") == without_paths(tmp.path / "j2" / "min-1.yaml"));
  CHECK(slurp(tmp.path / "j1" / "counterexamples.csv") == slurp(tmp.path / "j2" / "counterexamples.csv"));

  // Shards 1/2 and 2/2 make every run once between them, each exactly as the whole exploration did.
  explore("lww-skew.explore.yaml", tmp.path / "s1", 2, 1, 2);
  explore("lww-skew.explore.yaml", tmp.path / "s2", 2, 2, 2);
  auto rows = [](const fs::path& csv) {
    std::istringstream in(slurp(csv));
    std::string line;
    std::getline(in, line);  // header
    std::set<std::string> out;
    while (std::getline(in, line)) out.insert(line);
    return out;
  };
  std::set<std::string> sharded = rows(tmp.path / "s1" / "runs.csv");
  const std::set<std::string> second = rows(tmp.path / "s2" / "runs.csv");
  CHECK(sharded.size() + second.size() == 200);
  sharded.insert(second.begin(), second.end());
  CHECK(sharded == rows(tmp.path / "j1" / "runs.csv"));
}

TEST_CASE("explore: the replay self-check catches injected nondeterminism and names the first differing event",
          "[explore][determinism]") {
  TempDir tmp;
  ExploreOptions opt;
  opt.out_dir = (tmp.path / "out").string();
  opt.jobs = 1;
  opt.quiet = true;
  opt.inject_nondeterminism = true;
  std::ostringstream out;
  const ExploreResult r = run_explore(load_explore(kExamples + "lww-skew.explore.yaml"), opt, out);
  CHECK(r.exit_code == 3);
  CHECK(r.nondeterministic > 0);
  const std::string report = slurp(tmp.path / "out" / "nondeterminism.txt");
  CHECK(report.find("SIMULATOR BUG") != std::string::npos);
  CHECK(report.find("first differ at events.csv line") != std::string::npos);
  // Without the hook the same exploration is deterministic.
  opt.inject_nondeterminism = false;
  opt.out_dir = (tmp.path / "clean").string();
  CHECK(run_explore(load_explore(kExamples + "lww-skew.explore.yaml"), opt, out).exit_code == 1);
}

TEST_CASE("shrink: ddmin keeps exactly the two faults a hand-made predicate needs", "[explore][shrink]") {
  // Ten faults tagged 0..9; the "failure" needs both 3 and 7 and at least 2 nodes. ddmin must
  // return exactly faults 3 and 7, and nodes 2 (the smallest count the predicate allows).
  std::string yaml = "name: t\ntopology: {nodes: 9}\nfaults:\n";
  for (int i = 0; i < 10; ++i) yaml += "  - {at: " + std::to_string(i) + "s, loss: 0." + std::to_string(i) + "}\n";
  const std::function<bool(const std::string&)> fails = [](const std::string& text) {
    const YAML::Node root = YAML::Load(text);
    bool has3 = false, has7 = false;
    for (const auto& f : root["faults"]) {
      has3 |= f["at"].as<std::string>() == "3s";
      has7 |= f["at"].as<std::string>() == "7s";
    }
    return has3 && has7 && root["topology"]["nodes"].as<int>() >= 2;
  };
  for (unsigned jobs : {1u, 2u}) {
    ShrinkReport report;
    const YAML::Node min = YAML::Load(shrink_scenario(yaml, fails, jobs, 1000, report));
    REQUIRE(min["faults"].size() == 2);
    CHECK(min["faults"][0]["at"].as<std::string>() == "3s");
    CHECK(min["faults"][1]["at"].as<std::string>() == "7s");
    CHECK(min["topology"]["nodes"].as<int>() == 2);
    CHECK_FALSE(report.budget_exhausted);
    CHECK(report.runs > 0);
  }
}

TEST_CASE("shrink: values inside a fault move toward zero while the failure holds", "[explore][shrink]") {
  // The "failure" needs a clock step of at least 1 s back, a loss window of
  // at least 1 s and a loss probability of at least 0.1. Candidates are the
  // value times 1/8, 1/4, 1/2, 3/4 (2 significant digits), smallest first:
  //   offset -1.634s: -0.2s, -0.41s, -0.82s no; -1.2s yes. From -1.2s: -0.15s .. -0.9s no. -> -1.2s
  //   loss 0.8: 0.1 yes. From 0.1: 0.013 .. 0.075 no. -> 0.1
  //   until 5s (at 1s, window 4 s): 1.5s no (0.5 s); 2s yes. From 2s: 1.125s .. 1.75s no. -> 2s
  const std::string yaml = "name: t\ntopology: {nodes: 2}\nfaults:\n"
                           "  - {at: 1s, clock: n1, offset: -1.634s}\n"
                           "  - {at: 1s, loss: 0.8, until: 5s}\n";
  const std::function<bool(const std::string&)> fails = [](const std::string& text) {
    const YAML::Node root = YAML::Load(text);
    if (root["faults"].size() != 2) return false;
    const YAML::Node clock = root["faults"][0], loss = root["faults"][1];
    return parse_duration(clock["offset"].as<std::string>(), true) <= -kSecond && loss["loss"].as<double>() >= 0.1 &&
           parse_duration(loss["until"].as<std::string>()) - kSecond >= kSecond;
  };
  for (unsigned jobs : {1u, 2u}) {
    ShrinkReport report;
    const YAML::Node min = YAML::Load(shrink_scenario(yaml, fails, jobs, 1000, report));
    REQUIRE(min["faults"].size() == 2);
    CHECK(min["faults"][0]["offset"].as<std::string>() == "-1.2s");
    CHECK(min["faults"][1]["loss"].as<std::string>() == "0.1");
    CHECK(min["faults"][1]["until"].as<std::string>() == "2s");
    CHECK(min["faults"][1]["at"].as<std::string>() == "1s");
    const std::string reduced = fmt::format("{}", fmt::join(report.reduced, "; "));
    CHECK_THAT(reduced, Catch::Contains("faults.0.offset -1.634s -> -1.2s") && Catch::Contains("faults.1.loss 0.8 -> 0.1") &&
                            Catch::Contains("faults.1.until 5s -> 2s"));
  }
}

TEST_CASE("explore: a simulated-time budget makes the least number of runs that covers it, whatever --jobs and shards",
          "[explore]") {
  // Every run of this base lasts exactly its duration, 2 s (stop: duration,
  // and no fault stops a run early), so a 9 s budget is covered by 5 runs
  // (8 s < 9 s <= 10 s); a shard's share, 4.5 s, by 3 of its runs.
  TempDir tmp;
  const std::string base = tmp.write("base.yaml",
                                     "name: t\nseed: 1\nduration: 2s\nstop: duration\ntopology: {nodes: 3}\nstore: {type: lww, keys: 1}\n"
                                     "protocols: {gossip: {interval: 100ms}}\n"
                                     "ops: [{at: 1s, client: c0, op: write, key: k0, value: a, node: n0}]\n");
  const std::string file = tmp.write("t.explore.yaml", "base: " + base + "\nruns: 50\nsim_time_budget: 9s\n"
                                                       "nemesis: {crash: {count: 1, restart_after: 100ms}}\n"
                                                       "expect: [\"lost_writes == 0\"]\n");
  auto runs_made = [&](unsigned jobs, unsigned shard, unsigned shards) {
    ExploreOptions opt;
    opt.out_dir = (tmp.path / fmt::format("o{}{}{}", jobs, shard, shards)).string();
    opt.jobs = jobs;
    opt.shard_index = shard;
    opt.shard_count = shards;
    opt.quiet = true;
    std::ostringstream sink;
    run_explore(load_explore(file), opt, sink);
    return slurp(fs::path(opt.out_dir) / "runs.csv");
  };
  const std::string one = runs_made(1, 1, 1);
  CHECK(std::count(one.begin(), one.end(), '\n') == 1 + 5);
  CHECK(one.find(",2,") != std::string::npos);  // sim_s of a run
  CHECK(runs_made(2, 1, 1) == one);
  const std::string shard = runs_made(2, 2, 2);
  CHECK(std::count(shard.begin(), shard.end(), '\n') == 1 + 3);
  CHECK(shard.find("\n1,") != std::string::npos);  // runs 1, 3, 5
  CHECK(shard.find("\n5,") != std::string::npos);
  CHECK(shard.find("\n7,") == std::string::npos);
}

TEST_CASE("explore: bad explore files are file:line:col errors with a did-you-mean", "[explore][errors]") {
  TempDir tmp;
  const std::string base = kExamples + "lww-physical.yaml";
  auto error_of = [&](const std::string& body) -> std::string {
    const std::string file = tmp.write("e.yaml", "base: " + base + "\n" + body);
    try {
      load_explore(file);
    } catch (const ScenarioError& e) {
      return e.what();
    }
    return "no error";
  };
  CHECK_THAT(error_of("nemesis:\n  crsh: {count: 1}\nexpect: [\"lost_writes == 0\"]\n"),
             Catch::Contains("e.yaml:3:3: error: unknown key 'crsh'") && Catch::Contains("did you mean 'crash'"));
  CHECK_THAT(error_of("nemesis: {}\nexpect: [\"lost_writes == 0\"]\n"),
             Catch::Contains("e.yaml:2:10: error: nemesis: name at least one fault kind"));
  CHECK_THAT(error_of("nemesis:\n  crash: {count: [3, 1]}\nexpect: [\"lost_writes == 0\"]\n"),
             Catch::Contains("e.yaml:3:22: error:") && Catch::Contains("max 1 is below min 3"));
  CHECK_THAT(error_of("nemesis:\n  clock: {offset: [1s, -1s]}\nexpect: [\"lost_writes == 0\"]\n"),
             Catch::Contains("e.yaml:3:")  && Catch::Contains("is below min"));
  CHECK_THAT(error_of("nemesis:\n  crash: {count: 1}\nexpect: [\"lost_write == 0\"]\n"),
             Catch::Contains("e.yaml:4:10: error: expect: unknown metric 'lost_write'") &&
                 Catch::Contains("did you mean 'lost_writes'"));
  CHECK_THAT(error_of("nemesis:\n  crash: {count: 1}\nsample:\n  network.loss: {dist: uniform, min: 0, max: 1.5}\n"
                      "expect: [\"lost_writes == 0\"]\n"),
             Catch::Contains("e.yaml:5:17: error: sample: network.loss = 1.5 is not valid"));
  CHECK_THAT(error_text_of([&] { load_explore(tmp.write("list.yaml", "- base: x\n")); }),
             Catch::Contains("list.yaml:1:1: error: an explore file is a map of keys") && Catch::Contains("got a list"));
  CHECK_THAT(error_of("exhaustive: {fates: [drop, drop]}\nexpect: [\"lost_writes == 0\"]\n"),
             Catch::Contains("e.yaml:2:28: error: exhaustive.fates: 'drop' is listed twice"));
  CHECK_THAT(error_of("exhaustive: {state_hashing: maybe}\nexpect: [\"lost_writes == 0\"]\n"),
             Catch::Contains("e.yaml:2:29: error: exhaustive.state_hashing: expected true or false, got 'maybe'"));
  CHECK_THAT(error_of("exhaustive: {state_hashng: false}\nexpect: [\"lost_writes == 0\"]\n"),
             Catch::Contains("did you mean 'state_hashing'"));
  CHECK(load_explore(tmp.write("off.yaml", "base: " + base + "\nexhaustive: {state_hashing: false}\n"
                                           "expect: [\"lost_writes == 0\"]\n"))
            .exhaustive.state_hashing == false);
  CHECK_THAT(error_of("expect: [\"lost_writes == 0\"]\n"),
             Catch::Contains("e.yaml:1:1: error: an explore file needs nemesis:"));
  CHECK_THAT(error_of("sim_time_budget: 0s\nnemesis:\n  crash: {count: 1}\nexpect: [\"lost_writes == 0\"]\n"),
             Catch::Contains("e.yaml:2:18: error: sim_time_budget: must be positive"));
  CHECK_THAT(error_of("nemesis:\n  crash: {count: 1}\nexpect: [\"sagas.stuck == 0\"]\n"),
             Catch::Contains("needs a 'sagas:' section"));
}

TEST_CASE("explore: exit status 2 on a bad file, 1 when a property broke, 0 when none did", "[explore][errors]") {
  TempDir tmp;
  const std::string bad = tmp.write("bad.yaml", "base: nowhere.yaml\nnemesis: {crash: {}}\nexpect: [\"lost_writes == 0\"]\n");
  auto status = [&](const std::string& args) {
    const int s = std::system((std::string(ECSIM_BINARY) + " explore " + args + " -q --out " +
                               (tmp.path / "o").string() + " >/dev/null 2>&1").c_str());
    return WIFEXITED(s) ? WEXITSTATUS(s) : -1;
  };
  CHECK(status(bad) == 2);
  CHECK(status(kExamples + "lww-skew.explore.yaml --no-shrink --runs 60") == 1);
  CHECK(status(kExamples + "lww-hlc.explore.yaml --runs 60") == 0);
  CHECK(status(kExamples + "lww-hlc.explore.yaml --runs 0") == 2);
}

TEST_CASE("explore --exhaustive: the hand-analysed two-round gossip case needs exactly two drops, with and without "
          "state hashing",
          "[explore][exhaustive]") {
  TempDir tmp;
  ExplorePlan plan = load_explore(kExamples + "gossip-two-rounds.explore.yaml");
  ExploreOptions opt;
  opt.quiet = true;
  std::string min_text;
  for (const bool hashing : {false, true})
  for (unsigned jobs : {1u, 2u}) {
    plan.exhaustive.state_hashing = hashing;
    opt.jobs = jobs;
    const std::string name = fmt::format("h{}-j{}", hashing, jobs);
    opt.out_dir = (tmp.path / name).string();
    std::ostringstream out;
    const ExploreResult r = run_exhaustive(plan, opt, out);
    CHECK(r.exit_code == 1);
    // Depth 1 ran every single drop (one per message of the base run) and none failed.
    const std::string search = slurp(tmp.path / name / "search.csv");
    if (!hashing) {
      CHECK(search == "depth,schedules,pruned\n0,1,0\n1,10,0\n2,48,0\n");
      CHECK(r.schedules_pruned == 0);
    } else {
      // By hand (events of the base run: digests 1-2 at 0 ms, 3-4 at 100 ms, 5-6 at 200 ms,
      // request 7 and data 8 of the 200 ms round, digests 9-10 at 300 ms): a dropped digest
      // that carries nothing new (1, 2, 3, 4, 6) leaves the world as dropping message 1 does
      // once the digest's round is over: same replicas, same observations, same counters (one
      // dropped, one delivery fewer). So the children of "drop 2" at messages 3-10, of
      // "drop 3" and "drop 4" at 5-10, and of "drop 6" at 8-10 (after the request 7 that both
      // runs deliver at 220 ms) start from states "drop 1" reached: 8 + 6 + 6 + 3 = 23 pruned,
      // 48 - 23 = 25 run at depth 2.
      CHECK(search == "depth,schedules,pruned\n0,1,0\n1,10,0\n2,25,23\n");
      CHECK(r.schedules_pruned == 23);
    }
    const fs::path min = tmp.path / name / "min-1.yaml";
    const YAML::Node root = YAML::LoadFile(min.string());
    REQUIRE(root["choices"].size() == 2);
    for (const auto& c : root["choices"]) CHECK(c["fate"].as<std::string>() == "drop");
    // One message of each gossip round, both from n0 to n1 (the round at 200 ms and at 300 ms).
    const std::string text = slurp(min);
    CHECK_THAT(text, Catch::Contains("(n0 -> n1, sent at 200ms): drop") && Catch::Contains("(n0 -> n1, sent at 300ms): drop"));
    CHECK(reproduces(min));
    std::string body = text.substr(text.find("name:"));
    if (min_text.empty()) min_text = body;
    CHECK(body == min_text);  // the same schedule with 1 and 2 jobs, with and without hashing
  }
}

TEST_CASE("explore --exhaustive: state hashing prunes exactly the hand-counted schedules of redundant drops",
          "[explore][exhaustive]") {
  // Two nodes with empty replicas gossip digests at 0, 100 and 200 ms (messages 1-2, 3-4, 5-6,
  // each delivered 10 ms later); a digest with nothing new changes nothing at its receiver.
  // Once a round's two digests are delivered, dropping either of them, or one from an
  // earlier round, leaves the same world: one message dropped, one delivery fewer, nothing
  // else. By hand, at depth 1 (keys at messages after the schedule's own choice):
  //   drop 2 at 3..6 equals drop 1 there (4 pruned); drop 3 at 5, 6 and drop 4 at 5, 6 equal
  //   drop 1 (2 + 2 pruned); drop 3 at 4 does not (message 3 is pending in drop 1, gone in
  //   drop 3), nor does drop 5 at 6; drop 1 at 2 differs from the base run (message 1 pending).
  // So 8 children are pruned and depth 2 runs 15 - 8 = 7: drop 1 + (2..6), drop 3 + 4,
  // drop 5 + 6. Distinct (message, state) pairs: the base run's 6 and depth 1's 15 keys less
  // the 8 seen before: 13. The last level hashes nothing (it has no children).
  TempDir tmp;
  const std::string base = tmp.write("digests.yaml", "name: digests\nseed: 1\nduration: 250ms\nstop: duration\n"
                                                     "topology: {nodes: 2, latency: {dist: constant, value: 10ms}}\n"
                                                     "store: {type: lww, timestamps: hlc, keys: 1}\n"
                                                     "protocols:\n  gossip: {interval: 100ms, fanout: 1, mode: push, "
                                                     "phase: aligned}\n");
  const std::string file = tmp.write("digests.explore.yaml", "base: digests.yaml\n"
                                                             "exhaustive: {depth: 2, messages: 10, fates: [drop]}\n"
                                                             "expect: [\"messages.dropped <= 2\"]\n");
  (void)base;
  ExplorePlan plan = load_explore(file);
  ExploreOptions opt;
  opt.quiet = true;
  opt.jobs = 2;
  for (const bool hashing : {false, true}) {
    plan.exhaustive.state_hashing = hashing;
    opt.out_dir = (tmp.path / fmt::format("out{}", hashing)).string();
    std::ostringstream out;
    const ExploreResult r = run_exhaustive(plan, opt, out);
    CHECK(r.exit_code == 0);
    const std::string search = slurp(tmp.path / fmt::format("out{}", hashing) / "search.csv");
    if (hashing) {
      CHECK(search == "depth,schedules,pruned\n0,1,0\n1,6,0\n2,7,8\n");
      CHECK(r.schedules_pruned == 8);
      CHECK(r.distinct_states == 13);
      CHECK(r.runs_done == 14);
      CHECK_THAT(out.str(), Catch::Contains("state hashing: 8 schedules pruned, 13 distinct states"));
    } else {
      CHECK(search == "depth,schedules,pruned\n0,1,0\n1,6,0\n2,15,0\n");
      CHECK(r.runs_done == 22);
      CHECK_THAT(out.str(), Catch::Contains("state hashing: off"));
    }
  }
  // wall_s is the one metric no state hash covers: a property over it turns pruning off.
  const std::string wall = tmp.write("wall.explore.yaml", "base: digests.yaml\n"
                                                          "exhaustive: {depth: 2, messages: 10, fates: [drop]}\n"
                                                          "expect: [\"messages.dropped <= 2\", \"wall_s >= 0\"]\n");
  opt.out_dir = (tmp.path / "wall").string();
  std::ostringstream out;
  const ExploreResult r = run_exhaustive(load_explore(wall), opt, out);
  CHECK(r.runs_done == 22);
  CHECK(r.schedules_pruned == 0);
  CHECK_THAT(out.str(), Catch::Contains("state hashing: off (a property reads wall_s"));
}

TEST_CASE("explore --exhaustive: sagas hash their state too, and the search answers as without hashing",
          "[explore][exhaustive]") {
  TempDir tmp;
  const std::string file = tmp.write("saga.explore.yaml", "base: " + kExamples + "saga.yaml\n"
                                                          "exhaustive: {depth: 2, messages: 6, fates: [drop, duplicate]}\n"
                                                          "expect: [\"payments.double_refunds == 0\"]\n");
  ExplorePlan plan = load_explore(file);
  ExploreOptions opt;
  opt.quiet = true;
  opt.jobs = 2;
  std::vector<std::string> found;
  for (const bool hashing : {false, true}) {
    plan.exhaustive.state_hashing = hashing;
    opt.out_dir = (tmp.path / fmt::format("out{}", hashing)).string();
    std::ostringstream out;
    const ExploreResult r = run_exhaustive(plan, opt, out);
    CHECK_THAT(out.str(), !Catch::Contains("could not hash"));
    const fs::path min = tmp.path / fmt::format("out{}", hashing) / "min-1.yaml";
    found.push_back(fs::exists(min) ? slurp(min).substr(slurp(min).find("name:")) : fmt::format("exit {}", r.exit_code));
  }
  CHECK(found[0] == found[1]);
}

TEST_CASE("choices: a scheduled fate replaces the network's draw for that message only", "[explore][exhaustive]") {
  TempDir tmp;
  const std::string base = slurp(kExamples + "gossip-two-rounds.yaml");
  auto messages = [&](const std::string& choices) {
    Scenario s = load_scenario_with_modules(tmp.write("c.yaml", base + choices));
    RunSettings settings;
    settings.quiet = true;
    settings.write_outputs = false;
    std::ostringstream sink;
    const MetricMap m = run_scenario(s, settings, sink).metrics;
    return std::vector<double>{m.at("messages.sent"), m.at("messages.dropped"), m.at("messages.duplicated")};
  };
  // Without choices: 10 messages (worked out in the base file: 2 per round at 0, 100, 200, 300 ms
  // plus the request and data of the 200 ms round).
  CHECK(messages("") == std::vector<double>{10, 0, 0});
  // Dropping the 200 ms digest (message 5) moves the request and data to the 300 ms round: still 10 sent, 1 dropped.
  CHECK(messages("choices: [{message: 5, fate: drop}]\n") == std::vector<double>{10, 1, 0});
  // Dropping both rounds' digests (5, then 7 in that run): no request, no data: 8 sent, 2 dropped.
  CHECK(messages("choices: [{message: 5, fate: drop}, {message: 7, fate: drop}]\n") == std::vector<double>{8, 2, 0});
  CHECK(messages("choices: [{message: 1, fate: duplicate}]\n") == std::vector<double>{10, 0, 1});
  CHECK_THAT(error_text_of([&] { messages("choices: [{message: 5, fate: drp}]\n"); }),
             Catch::Contains("did you mean 'drop'"));
  CHECK_THAT(error_text_of([&] { messages("choices: [{message: 5, fate: drop}, {message: 2, fate: drop}]\n"); }),
             Catch::Contains("increasing order"));
  CHECK_THAT(error_text_of([&] { messages("choices: [{message: 5, fate: delay}]\n"); }), Catch::Contains("needs by:"));
  CHECK_THAT(error_text_of([&] { messages("choices: [{message: 5, fate: drop, restart_after: 1s}]\n"); }),
             Catch::Contains("'restart_after' applies only to fate: crash"));
  // Crashing n1 right after its first message (message 2, at 0 ms) for 1 s (past the end): n1
  // sends nothing more and every digest n0 sends it (at 0, 100, 200, 300 ms) is dropped, so no
  // request or data follows: 5 sent (n0's four and n1's one), 4 dropped.
  CHECK(messages("choices: [{message: 2, fate: crash, restart_after: 1s}]\n") == std::vector<double>{5, 4, 0});
}

TEST_CASE("explore --exhaustive: when a crash hits matters, and the search finds the one instant that loses the write",
          "[explore][exhaustive]") {
  // gossip-two-rounds.yaml with fate crash (the sender crashes right after sending message i,
  // restarting 1 s later, after the run's end at 350 ms). By hand: messages 1-4 (at 0 and
  // 100 ms) come before the write at 150 ms: crashing n0 then makes the write fail (never
  // acknowledged, so not lost), crashing n1 leaves n0 live and holding it. Crashing n0 right
  // after message 5 (its digest at 200 ms) leaves n0, the only holder, down at the end, and
  // n1 never received the data: the acknowledged write is lost with one choice.
  TempDir tmp;
  const std::string file = tmp.write("crash.explore.yaml", "base: " + kExamples + "gossip-two-rounds.yaml\n" +
                                                               "exhaustive: {depth: 2, messages: 20, fates: [crash]}\n"
                                                               "expect: [\"lost_writes == 0\"]\n");
  ExploreOptions opt;
  opt.quiet = true;
  opt.jobs = 2;
  opt.out_dir = (tmp.path / "out").string();
  std::ostringstream out;
  const ExploreResult r = run_exhaustive(load_explore(file), opt, out);
  CHECK(r.exit_code == 1);
  // Found at depth 1, after trying 1-4, with state hashing on (the default): the base run has
  // no two equal states to prune at depth 1.
  CHECK(slurp(tmp.path / "out" / "search.csv") == "depth,schedules,pruned\n0,1,0\n1,10,0\n");
  const fs::path min = tmp.path / "out" / "min-1.yaml";
  const YAML::Node root = YAML::LoadFile(min.string());
  REQUIRE(root["choices"].size() == 1);
  CHECK(root["choices"][0]["message"].as<int>() == 5);
  CHECK(root["choices"][0]["fate"].as<std::string>() == "crash");
  CHECK_THAT(slurp(min), Catch::Contains("message 5 (n0 -> n1, sent at 200ms): crash"));
  CHECK(reproduces(min));
}
