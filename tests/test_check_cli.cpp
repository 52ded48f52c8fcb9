// The ecsim-check tool: options (Boost.Program_options), output, exit status.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace {

const fs::path kDir = fs::temp_directory_path() / ("ecsim-test-check-" + std::to_string(::getpid()));

// Runs ecsim-check with `args`; its stdout and stderr in `output`.
int check(const std::string& args, std::string& output) {
  fs::create_directories(kDir);
  const fs::path log = kDir / "log.txt";
  const std::string command = std::string(ECSIM_CHECK_BINARY) + " " + args + " >" + log.string() + " 2>&1";
  const int status = std::system(command.c_str());
  std::ifstream in(log);
  std::ostringstream s;
  s << in.rdbuf();
  output = s.str();
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string write_file(const std::string& name, const std::string& text) {
  fs::create_directories(kDir);
  std::ofstream(kDir / name) << text;
  return (kDir / name).string();
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("ecsim-check --help lists every option", "[check][cli]") {
  std::string out;
  REQUIRE(check("--help", out) == 0);
  for (const char* option : {"OPS_CSV", "--applied", "--guarantees", "--nodes", "--examples", "--violations", "--staleness",
                             "--stats", "--memory", "--streaming", "--in-memory", "--tmp", "--partitions", "--no-progress",
                             "Exit status"})
    CHECK_THAT(out, Catch::Contains(option));
  std::string short_help;
  CHECK(check("-h", short_help) == 0);
  CHECK(short_help == out);
}

TEST_CASE("ecsim-check checks a history and writes what it is asked for", "[check][cli]") {
  const std::string ops = write_file("ops.csv",
                                     "client,session,op,key,invoke_ns,complete_ns,replica,ok,version\n"
                                     "c0,0,write,x,0,10,n0,true,100@n0\n"
                                     "c0,0,read,x,20,30,n1,true,\n"
                                     "c0,0,read,x,40,50,n0,true,100@n0\n");
  const std::string applied = write_file("applied.csv", "time_ns,replica,key,version\n5,n0,x,100@n0\n60,n1,x,100@n0\n");
  std::string out;
  REQUIRE(check(ops + " --applied " + applied + " --nodes n0,n1 --examples 1 --violations " + (kDir / "v.csv").string() +
                    " --staleness " + (kDir / "s.csv").string() + " --stats",
                out) == 0);
  CHECK_THAT(out, Catch::Contains("ops.csv: 3 operations in 1 sessions, 1 keys, 2 applied rows"));
  CHECK_THAT(out, Catch::Contains("ryw  1 violations in 1 of 1 sessions (2 reads checked)"));
  CHECK_THAT(out, Catch::Contains("mw   0 violations"));
  CHECK_THAT(out, Catch::Contains("stats: load "));
  CHECK(read_file(kDir / "v.csv").find("ryw") != std::string::npos);
  CHECK(fs::exists(kDir / "s.csv"));
  // Without --applied: RYW and MR only.
  REQUIRE(check(ops, out) == 0);
  CHECK_THAT(out, Catch::Contains("mr   0 violations"));
  CHECK(out.find("mw ") == std::string::npos);
  REQUIRE(check(ops + " --guarantees mr", out) == 0);
  CHECK(out.find("ryw  ") == std::string::npos);
}

TEST_CASE("ecsim-check: bad usage and bad input exit with status 2", "[check][cli]") {
  const std::string ops = write_file("ok.csv", "client,session,op,key,invoke_ns,complete_ns,ok,version\nc0,0,read,x,0,1,true,\n");
  std::string out;
  CHECK(check("", out) == 2);
  CHECK_THAT(out, Catch::Contains("ecsim-check: expected an OPS_CSV (try --help)"));
  CHECK(check(ops + " " + ops, out) == 2);
  CHECK_THAT(out, Catch::Contains("expected one OPS_CSV, got a second"));
  CHECK(check(ops + " --bogus", out) == 2);
  CHECK_THAT(out, Catch::Contains("unrecognised option '--bogus'"));
  CHECK(check(ops + " --app x.csv", out) == 2);  // full option names only
  CHECK(check(ops + " --applied", out) == 2);
  CHECK(check(ops + " --examples many", out) == 2);
  CHECK(check(ops + " --guarantees mw", out) == 2);
  CHECK_THAT(out, Catch::Contains("checking mw or wfr needs --applied"));
  CHECK(check(ops + " --guarantees ryw,xyz", out) == 2);
  CHECK(check((kDir / "missing.csv").string(), out) == 2);
  CHECK_THAT(out, Catch::Contains("missing.csv: error: cannot open history file"));
  const std::string bad = write_file("bad.csv", "client,session,op,key,invoke_ns,complete_ns,ok,version\nc0,0,read,x,0,1,yes,\n");
  CHECK(check(bad, out) == 2);
  CHECK(out == bad + ":2:17: error: ok: expected true or false, got 'yes'\n");  // the location first, as compilers do
}

TEST_CASE("ecsim-check --streaming prints what the in-memory path prints", "[check][cli][stream]") {
  const std::string ops = write_file("s-ops.csv",
                                     "client,session,op,key,invoke_ns,complete_ns,replica,ok,version\n"
                                     "c0,0,write,x,0,10,n0,true,100@n0\n"
                                     "c1,0,write,y,0,10,n1,true,7@n1\n"
                                     "c0,0,read,x,20,30,n1,true,\n"
                                     "c0,0,write,y,40,50,n0,true,200@n0\n"
                                     "c1,0,read,y,60,70,n0,true,200@n0\n"
                                     "c1,0,read,y,80,90,n1,true,7@n1\n");
  const std::string applied =
      write_file("s-applied.csv", "time_ns,replica,key,version\n5,n0,x,100@n0\n45,n0,y,200@n0\n5,n1,y,7@n1\n48,n1,y,200@n0\n60,n1,x,100@n0\n");
  const std::string common = ops + " --applied " + applied + " --examples 5 --no-progress --violations ";
  std::string in_memory, streamed;
  REQUIRE(check(common + (kDir / "v-mem.csv").string() + " --in-memory", in_memory) == 0);
  REQUIRE(check(common + (kDir / "v-stream.csv").string() + " --streaming --partitions 3 --tmp " + kDir.string(), streamed) == 0);
  CHECK_THAT(in_memory, Catch::Contains("ryw  1 violations"));  // c0's read of x at n1 missed its write
  CHECK_THAT(in_memory, Catch::Contains("mr   1 violations"));  // c1 read 200@n0, then 7@n1
  CHECK(streamed == in_memory);
  CHECK(read_file(kDir / "v-stream.csv") == read_file(kDir / "v-mem.csv"));
  bool scratch_left = false;
  for (const auto& e : fs::directory_iterator(kDir)) scratch_left |= e.path().filename().string().rfind("ecsim-check.tmp-", 0) == 0;
  CHECK_FALSE(scratch_left);
  // An empty history streams too.
  const std::string empty = write_file("s-empty.csv", "client,session,op,key,invoke_ns,complete_ns,ok,version\n");
  REQUIRE(check(empty + " --streaming --no-progress --tmp " + kDir.string(), streamed) == 0);
  CHECK_THAT(streamed, Catch::Contains("0 operations in 0 sessions"));
  CHECK(check(ops + " --streaming --in-memory", streamed) == 2);
  CHECK_THAT(streamed, Catch::Contains("--streaming and --in-memory exclude each other"));
  CHECK(check(ops + " --memory lots", streamed) == 2);
  CHECK_THAT(streamed, Catch::Contains("expected a size like 6GiB"));
}
