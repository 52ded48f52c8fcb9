// ecsim-check: the session-guarantee checkers and staleness measures on a
// recorded history: ops.csv (and applied.csv for MW/WFR) from an ecsim run or
// from a real system (docs/SESSIONS.md lists the columns).
// Exit status: 0 checked (violations are results, not errors), 2 bad input.
#include <sys/resource.h>
#include <unistd.h>

#include <boost/program_options.hpp>
#include <chrono>
#include <cstdlib>
#include <fmt/format.h>
#include <iostream>
#include <string>
#include <vector>

#include "analysis/history.hpp"
#include "analysis/output_dir.hpp"
#include "analysis/stream_check.hpp"
#include "app/build_info.hpp"
#include "app/check_progress.hpp"
#include "analysis/session_checker.hpp"
#include "analysis/session_report.hpp"
#include "analysis/staleness.hpp"
#include "sim/strings.hpp"

using namespace ecsim;
namespace po = boost::program_options;

namespace {

constexpr int kExitOk = 0;
constexpr int kExitBadInput = 2;

const char* kUsage = R"(ecsim-check - count session-guarantee violations in a recorded history

Usage: ecsim-check OPS_CSV [--applied APPLIED_CSV] [--guarantees ryw,mr,mw,wfr] [--nodes n0,n1,...] [--examples N] [--violations OUT_CSV] [--staleness OUT_CSV] [--stats]
                   [--memory SIZE] [--streaming | --in-memory] [--tmp DIR] [--threads N] [--no-progress]
  or:  ecsim-check --version

  OPS_CSV       client history: client,session,op,key,invoke_ns,complete_ns,ok,version (+ replica),
                columns in any order, fields may be quoted (docs/SESSIONS.md)

Big histories: the checks hold the whole history in memory (about twice the bytes of the CSV files)
unless that exceeds --memory; then they stream: one pass splits the history into partition files
(binary, by client and by key) in a scratch directory DIR/ecsim-check.tmp-PID (--tmp, default
$TMPDIR or /tmp; it needs about twice the CSV files' size), each partition is checked in memory,
and the directory is removed at the end, on error and on Ctrl-C. Same counts, examples and
--violations either way. A live progress line on stderr shows the phase and percentage.
)";

const char* kExitStatus = R"(
Exit status: 0 checked, 2 bad input (file:line:col: error: ...).
)";

po::options_description check_options() {
  po::options_description d("Options");
  d.add_options()
      ("help,h", "show this help")
      ("version", "print version, git commit, compiler and build type")
      ("applied", po::value<std::string>()->value_name("APPLIED_CSV"),
       "per-replica apply order: time_ns,replica,key,version (needed for mw, wfr)")
      ("guarantees", po::value<std::string>()->value_name("LIST"),
       "which to check, comma separated (default: all four with --applied, else ryw,mr)")
      ("nodes", po::value<std::string>()->value_name("LIST"),
       "origin order for versions with equal timestamps (default: natural order of names)")
      ("examples", po::value<std::size_t>()->default_value(3)->value_name("N"),
       "violating operations to print per guarantee")
      ("violations", po::value<std::string>()->value_name("OUT_CSV"), "write every violation to this CSV")
      ("staleness", po::value<std::string>()->value_name("OUT_CSV"), "write k-staleness and t-visibility to this CSV")
      ("stats", "print load/check times, throughput, peak memory and the path taken")
      ("memory", po::value<std::string>()->value_name("SIZE"),
       "memory target, e.g. 6GiB or 512MiB (default 4GiB): stream when the history would not fit, and size the partitions to it")
      ("streaming", "stream through partition files whatever the size")
      ("in-memory", "hold the whole history in memory whatever the size")
      ("tmp", po::value<std::string>()->value_name("DIR"), "where the scratch directory for streaming goes (default $TMPDIR, else /tmp)")
      ("partitions", po::value<std::uint32_t>()->value_name("P"), "streaming: this many partitions instead of one per memory share (1..256)")
      ("threads", po::value<std::uint32_t>()->value_name("N"),
       "threads reading and checking (default: one per core, at most 8); the results do not depend on it")
      ("no-progress", "no progress line on stderr");
  return d;
}

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

int run(int argc, char** argv) {
  const po::options_description options = check_options();
  po::options_description all;
  all.add(options).add_options()("ops", po::value<std::vector<std::string>>());
  po::positional_options_description positional;
  positional.add("ops", -1);
  po::variables_map vm;
  // Options by their full names only, as documented.
  const int style = po::command_line_style::default_style & ~po::command_line_style::allow_guessing;
  po::store(po::command_line_parser(argc, argv).options(all).positional(positional).style(style).run(), vm);
  po::notify(vm);
  if (vm.count("help")) {
    std::cout << kUsage << "\n" << options << kExitStatus;
    return kExitOk;
  }
  if (vm.count("version")) {
    std::cout << version_text("ecsim-check");
    return kExitOk;
  }
  const std::vector<std::string> files = vm.count("ops") ? vm["ops"].as<std::vector<std::string>>() : std::vector<std::string>{};
  if (files.empty()) throw po::error("expected an OPS_CSV");
  if (files.size() > 1) throw po::error("expected one OPS_CSV, got a second: " + files[1]);
  auto text = [&](const char* name) { return vm.count(name) ? vm[name].as<std::string>() : std::string(); };
  const std::string ops = files[0], applied = text("applied"), guarantees = text("guarantees"), nodes = text("nodes"),
                    violations_out = text("violations"), staleness_out = text("staleness");
  const std::size_t examples = vm["examples"].as<std::size_t>();
  const bool stats = vm.count("stats") > 0;

  const auto t0 = std::chrono::steady_clock::now();
  SessionCheckOptions o;
  o.examples = examples;
  o.keep_all = !violations_out.empty();
  o.check = {true, true, !applied.empty(), !applied.empty()};
  if (!guarantees.empty()) {
    o.check = {false, false, false, false};
    for (const std::string& g : split_list(guarantees)) o.check[static_cast<std::size_t>(guarantee_from_name(g))] = true;
  }
  if ((o.check[2] || o.check[3]) && applied.empty())
    throw std::invalid_argument("checking mw or wfr needs --applied (the order replicas applied writes in)");

  HistoryCheckOptions co;
  co.sessions = o;
  co.node_order = split_list(nodes);
  if (vm.count("streaming") && vm.count("in-memory")) throw po::error("--streaming and --in-memory exclude each other");
  co.mode = vm.count("streaming") ? CheckMode::streaming : vm.count("in-memory") ? CheckMode::in_memory : CheckMode::automatic;
  if (vm.count("memory")) co.memory_bytes = parse_memory_size(text("memory"));
  co.scratch_parent = text("tmp");
  if (vm.count("partitions")) {
    co.partitions = vm["partitions"].as<std::uint32_t>();
    if (co.partitions < 1 || co.partitions > 256) throw po::error("--partitions: expected 1 to 256");
  }
  if (vm.count("threads")) {
    co.threads = vm["threads"].as<std::uint32_t>();
    if (co.threads < 1 || co.threads > 64) throw po::error("--threads: expected 1 to 64");
  }
  co.progress = stderr_progress("ecsim-check", isatty(STDERR_FILENO) != 0, !vm.count("no-progress"));
  co.clock_s = wall_seconds;
  const HistoryCheck c = check_history_files(ops, applied, co);
  const History& h = c.history;
  const SessionCheckResult& r = c.sessions;
  const StalenessResult& s = c.staleness;

  fmt::print("{}: {} operations in {} sessions, {} keys, {} applied rows\n", ops, c.ops, h.session_count(),
             h.keys.size(), c.applies);
  for (std::size_t g = 0; g < 4; ++g) {
    const GuaranteeResult& x = r.by_guarantee[g];
    if (!x.checked) continue;
    fmt::print("{:<4} {} violations in {} of {} sessions ({} {} checked)\n", kGuaranteeNames[g], x.violations,
               x.sessions_affected, r.sessions, x.ops_checked, g < 2 ? "reads" : "writes");
    for (const Violation& v : x.examples) fmt::print("       {}\n", describe_violation(h, v));
  }
  if (o.check[0]) fmt::print("ryw across sessions of a client: {}\n", r.ryw_client);
  if (s.reads > 0)
    fmt::print("staleness: {} reads; newest committed version {:.4f}, one of the newest 2 {:.4f}, 3 {:.4f}\n", s.reads,
               s.k_fraction(1), s.k_fraction(2), s.k_fraction(3));
  if (!violations_out.empty()) {
    CsvWriter w(violations_out);
    write_violations_csv(w, h, &r);
    w.close();
  }
  if (!staleness_out.empty()) {
    CsvWriter w(staleness_out);
    write_staleness_csv(w, &s);
    w.close();
  }
  if (stats) {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    const double n = static_cast<double>(c.ops), total_s = seconds_since(t0);
    fmt::print("stats: load {:.3f} s, check {:.3f} s, staleness {:.3f} s; {:.3f} s in all ({:.2f} M ops/s), "
               "peak RSS {:.0f} MB; {}\n",
               c.read_s, c.check_s, c.staleness_s, total_s, n / std::max(total_s, 1e-9) / 1e6,
               static_cast<double>(usage.ru_maxrss) / 1024.0,
               c.streamed ? fmt::format("streamed in {} partitions", c.partitions) : std::string("in memory"));
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Ctrl-C and SIGTERM remove the streaming checker's scratch directory.
  install_interrupt_cleanup();
  try {
    return run(argc, argv);
  } catch (const HistoryInputError& e) {
    std::cerr << e.what() << "\n";
  } catch (const po::error& e) {
    std::cerr << "ecsim-check: " << e.what() << " (try --help)\n";
  } catch (const std::exception& e) {
    std::cerr << "ecsim-check: " << e.what() << "\n";
  }
  return kExitBadInput;
}
