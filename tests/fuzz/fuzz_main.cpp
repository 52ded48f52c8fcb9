// ecsim_fuzz: a bounded mutation fuzzer for the scenario loader and the CSV
// history readers (tests/fuzz/README.md). The test command runs it under
// ASan/UBSan for a fixed time; every input that ever broke something is kept
// under tests/fuzz/regressions/ and replayed first, every run.
#include <algorithm>
#include <csignal>
#include <cstring>
#include <cstdio>
#include <unistd.h>

#include <boost/program_options.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <vector>

#include <fmt/format.h>

#include "tests/fuzz/mutate.hpp"
#include "tests/fuzz/targets.hpp"

namespace fs = std::filesystem;
namespace po = boost::program_options;
using namespace ecsim;
using namespace ecsim::fuzz;

namespace {

char g_hang_message[512];

extern "C" void on_alarm(int) {
  (void)!::write(STDERR_FILENO, g_hang_message, std::strlen(g_hang_message));
  ::_exit(3);
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Regular files under each folder (recursively), in name order: the order,
// and so the run, does not depend on the file system.
std::vector<fs::path> files_under(const std::vector<std::string>& folders) {
  std::vector<fs::path> out;
  for (const auto& f : folders) {
    if (!fs::exists(f)) continue;
    for (const auto& e : fs::recursive_directory_iterator(f))
      if (e.is_regular_file()) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

struct Options {
  std::string target;
  double seconds = 10;
  std::uint64_t runs = 0;  // 0: until `seconds`
  std::uint64_t seed = 1;
  unsigned timeout_s = 10;
  std::vector<std::string> corpus, regressions;
  std::string artifacts = "fuzz-findings";
  std::string work;
};

struct Counts {
  std::uint64_t runs = 0, accepted = 0, rejected = 0, findings = 0;
};

class Fuzzer {
 public:
  explicit Fuzzer(const Options& o) : o_(o), work_(o.work.empty() ? fs::temp_directory_path() / fmt::format("ecsim-fuzz-{}", ::getpid()) : fs::path(o.work)) {
    fs::create_directories(work_);
  }
  ~Fuzzer() {
    std::error_code ec;
    if (o_.work.empty()) fs::remove_all(work_, ec);
  }

  // One input through the target; a finding is saved and counted.
  void run_one(const std::string& input, const std::string& label) {
    std::snprintf(g_hang_message, sizeof g_hang_message, "ecsim_fuzz: HANG (> %u s) on %s; input left in %s\n",
                  o_.timeout_s, label.c_str(), work_.c_str());
    ::alarm(o_.timeout_s);
    try {
      const Verdict v = o_.target == "scenario" ? scenario_target(input, work_) : history_target(input, work_);
      ++(v == Verdict::accepted ? counts_.accepted : counts_.rejected);
    } catch (const FuzzFinding& f) {
      save_finding(input, label, f.what());
    }
    ::alarm(0);
    ++counts_.runs;
  }

  const Counts& counts() const { return counts_; }

 private:
  void save_finding(const std::string& input, const std::string& label, const std::string& what) {
    ++counts_.findings;
    fs::create_directories(o_.artifacts);
    const fs::path file = fs::path(o_.artifacts) / fmt::format("{}-finding-{}.txt", o_.target, counts_.findings);
    std::ofstream(file, std::ios::binary) << input;
    std::cerr << fmt::format("ecsim_fuzz: FINDING on {} (saved as {}):\n  {}\n", label, file.string(), what);
  }

  const Options& o_;
  fs::path work_;
  Counts counts_;
};

Options parse_options(int argc, char** argv) {
  Options o;
  po::options_description d(
      "ecsim_fuzz --target scenario|history [options]\n\n"
      "Replays the regression inputs and the corpus, then mutates corpus inputs until the time or run budget\n"
      "is spent. Exit 0: nothing found; 1: findings (saved under --artifacts); 3: a hang; 2: bad usage.\n\nOptions");
  d.add_options()("help,h", "this help")
      ("target", po::value(&o.target)->required(), "scenario (the loader, as `ecsim validate`) or history (ecsim-check, ecsim analyze)")
      ("seconds", po::value(&o.seconds)->default_value(10), "time budget for mutated inputs")
      ("runs", po::value(&o.runs)->default_value(0), "mutated inputs to try (0: until --seconds); with --seed, the same inputs every time")
      ("seed", po::value(&o.seed)->default_value(1), "mutation seed; input i is derived from (seed, i) alone")
      ("timeout", po::value(&o.timeout_s)->default_value(10), "seconds one input may take before it counts as a hang")
      ("corpus", po::value(&o.corpus)->multitoken(), "folders of seed inputs (recursively)")
      ("regressions", po::value(&o.regressions)->multitoken(), "folders of inputs that once broke something: replayed first")
      ("artifacts", po::value(&o.artifacts)->default_value(o.artifacts), "where findings are saved")
      ("work", po::value(&o.work), "scratch folder (default: a temporary one, removed at exit)");
  po::variables_map vm;
  po::store(po::parse_command_line(argc, argv, d), vm);
  if (vm.count("help")) {
    std::cout << d << "\n";
    std::exit(0);
  }
  po::notify(vm);
  if (o.target != "scenario" && o.target != "history") throw po::error("--target must be scenario or history");
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  try {
    o = parse_options(argc, argv);
  } catch (const po::error& e) {
    std::cerr << "ecsim_fuzz: " << e.what() << " (try --help)\n";
    return 2;
  }
  std::signal(SIGALRM, on_alarm);
  Fuzzer fuzzer(o);
  for (const fs::path& p : files_under(o.regressions)) fuzzer.run_one(slurp(p), p.string());
  const std::vector<fs::path> seeds = files_under(o.corpus);
  std::vector<std::string> inputs;
  for (const fs::path& p : seeds) {
    inputs.push_back(slurp(p));
    fuzzer.run_one(inputs.back(), p.string());
  }
  if (inputs.empty()) {
    std::cerr << "ecsim_fuzz: no corpus inputs under --corpus\n";
    return 2;
  }
  const auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
  for (std::uint64_t i = 0; o.runs ? i < o.runs : elapsed() < o.seconds; ++i) {
    Rng rng = Rng::stream(o.seed, "fuzz", i);
    const std::size_t pick = static_cast<std::size_t>(rng.below(inputs.size()));
    const std::string input = mutate(inputs[pick], rng);
    fuzzer.run_one(input, fmt::format("mutated input {} (--seed {} --runs {}; from {})", i, o.seed, i + 1, seeds[pick].string()));
  }
  const Counts& c = fuzzer.counts();
  std::cout << fmt::format("ecsim_fuzz {}: {} inputs in {:.0f} s ({} accepted, {} rejected with a located error), {} findings\n",
                           o.target, c.runs, elapsed(), c.accepted, c.rejected, c.findings);
  return c.findings ? 1 : 0;
}
