// gossip_bench: runs the push-pull gossip benchmark through the full `ecsim`
// tool (YAML parsing, checkers and summary output included) and through the
// bare single-purpose loop (bare_gossip) in the same run, at several N, and
// prints events, wall time, events/s, peak memory and the wall-time ratio.
//
// Usage: gossip_bench ECSIM BARE_GOSSIP SCENARIO [N...]   (default N: 1e3 1e4 1e5 1e6)
// Each program runs as a child process; wall time is measured around the
// whole child (start-up, parsing and output included) and peak RSS is the
// child's ru_maxrss from wait4.
#include <fmt/format.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

// fast-cpp-csv-parser copies file names with strncpy; GCC 12 warns harmlessly.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstringop-truncation"
#include <libfccp/csv.h>
#pragma GCC diagnostic pop

namespace {

struct ChildResult {
  int status = -1;
  double wall_s = 0;
  double peak_rss_mb = 0;
  std::string out;
};

ChildResult run_child(const std::vector<std::string>& argv) {
  int pipefd[2];
  if (pipe(pipefd) != 0) throw std::runtime_error("pipe failed");
  const auto start = std::chrono::steady_clock::now();
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(pipefd[1], STDOUT_FILENO);
    close(pipefd[0]);
    close(pipefd[1]);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  close(pipefd[1]);
  ChildResult r;
  char buf[4096];
  ssize_t n;
  while ((n = read(pipefd[0], buf, sizeof buf)) > 0) r.out.append(buf, static_cast<std::size_t>(n));
  close(pipefd[0]);
  rusage ru{};
  wait4(pid, &r.status, 0, &ru);
  r.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.peak_rss_mb = static_cast<double>(ru.ru_maxrss) / 1024.0;
  return r;
}

// "key=value key=value" -> map
std::map<std::string, std::string> parse_pairs(const std::string& line) {
  std::map<std::string, std::string> m;
  std::size_t i = 0;
  while (i < line.size()) {
    const std::size_t end = line.find_first_of(" \n", i);
    const std::string tok = line.substr(i, end == std::string::npos ? std::string::npos : end - i);
    const std::size_t eq = tok.find('=');
    if (eq != std::string::npos) m[tok.substr(0, eq)] = tok.substr(eq + 1);
    if (end == std::string::npos) break;
    i = end + 1;
  }
  return m;
}

std::map<std::string, std::string> read_summary(const std::string& path) {
  std::map<std::string, std::string> m;
  io::CSVReader<2, io::trim_chars<' '>, io::double_quote_escape<',', '"'>> in(path);
  in.read_header(io::ignore_extra_column, "metric", "value");
  std::string metric, value;
  while (in.read_row(metric, value)) m[metric] = value;
  return m;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s ECSIM BARE_GOSSIP SCENARIO [N...] [--set KEY=VALUE...]\n"
                         "  --set: passed to every ecsim run (variants: bandwidth on, service times off, ...)\n", argv[0]);
    return 2;
  }
  const std::string ecsim = argv[1], bare = argv[2], scenario = argv[3];
  std::vector<std::string> sizes, sets;
  for (int i = 4; i < argc; ++i) {
    if (std::string(argv[i]) == "--set" && i + 1 < argc) {
      sets.emplace_back("--set");
      sets.emplace_back(argv[++i]);
    } else {
      sizes.emplace_back(argv[i]);
    }
  }
  if (sizes.empty()) sizes = {"1000", "10000", "100000", "1000000"};
  const auto out_root = std::filesystem::temp_directory_path() / fmt::format("ecsim-gossip-bench-{}", getpid());

  for (std::size_t i = 1; i < sets.size(); i += 2) fmt::print("ecsim runs with --set {}\n", sets[i]);
  fmt::print("{:>8} | {:>11} {:>8} {:>9} {:>8} | {:>11} {:>8} {:>9} {:>8} {:>9} | {:>6}\n", "N", "bare ev", "wall s", "ev/s",
             "RSS MB", "ecsim ev", "wall s", "ev/s", "RSS MB", "conv s", "ratio");
  int status = 0;
  for (const std::string& n : sizes) {
    const ChildResult b = run_child({bare, n, "1"});
    const auto bp = parse_pairs(b.out);
    const std::string dir = (out_root / ("n" + n)).string();
    std::vector<std::string> args = {ecsim, "run", scenario, "--set", "topology.nodes=" + n, "--out", dir, "--quiet", "--no-progress"};
    args.insert(args.end(), sets.begin(), sets.end());
    const ChildResult e = run_child(args);
    if (b.status != 0 || e.status != 0) {
      fmt::print(stderr, "N={}: a child failed (bare status {}, ecsim status {})\n", n, b.status, e.status);
      status = 1;
      continue;
    }
    const auto summary = read_summary(dir + "/summary.csv");
    const double bare_events = std::stod(bp.at("events"));
    const double ecsim_events = std::stod(summary.at("events.processed"));
    fmt::print("{:>8} | {:>11.0f} {:>8.3f} {:>9.3g} {:>8.1f} | {:>11.0f} {:>8.3f} {:>9.3g} {:>8.1f} {:>9} | {:>6.2f}\n", n,
               bare_events, b.wall_s, bare_events / b.wall_s, b.peak_rss_mb, ecsim_events, e.wall_s, ecsim_events / e.wall_s,
               e.peak_rss_mb, summary.at("convergence.time_s"), e.wall_s / b.wall_s);
    std::fflush(stdout);
  }
  std::filesystem::remove_all(out_root);
  return status;
}
