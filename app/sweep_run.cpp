// `ecsim sweep`'s thread pool and progress display. See sweep_run.hpp.
#include "app/sweep_run.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "app/runner.hpp"
#include "app/sweep_plan.hpp"
#include "app/sweep_records.hpp"

namespace ecsim::sweep_detail {

namespace fs = std::filesystem;

namespace {

std::string format_eta(double s) {
  if (!(s >= 0) || !std::isfinite(s)) return "?";
  const long t = std::lround(s);
  if (t < 60) return fmt::format("{}s", t);
  if (t < 3600) return fmt::format("{}m{:02}s", t / 60, t % 60);
  return fmt::format("{}h{:02}m", t / 3600, (t % 3600) / 60);
}

class Progress {
 public:
  Progress(std::size_t total, bool tty, bool quiet) : total_(total), tty_(tty), quiet_(quiet), start_(clock::now()) {}

  void update(std::size_t done, bool final = false) {
    if (quiet_ || total_ == 0) return;
    const double elapsed = std::chrono::duration<double>(clock::now() - start_).count();
    const double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0.0;
    const double eta = done > 0 ? static_cast<double>(total_ - done) / rate : std::nan("");
    const int percent = static_cast<int>(100 * done / total_);
    if (tty_) {
      // Redraw at most ten times a second, however fast runs finish.
      const auto now = clock::now();
      if (!final && now - last_draw_ < std::chrono::milliseconds(100)) return;
      last_draw_ = now;
      constexpr int kWidth = 30;
      const int filled = static_cast<int>(kWidth * done / total_);
      fmt::print(stderr, "\r[{}{}] {}/{} runs ({}%)  {:.1f} runs/s  ETA {}\033[K", std::string(filled, '#'),
                 std::string(kWidth - filled, '.'), done, total_, percent, rate, final ? "0s" : format_eta(eta));
      if (final) fmt::print(stderr, "\r\033[K");
      return;
    }
    // Not a terminal (a log file, a CI job, a Slurm output): a line at every
    // 10%, once the sweep has taken long enough for progress to matter.
    const int step = percent / 10;
    if (final || step <= last_step_ || elapsed < 2.0) return;
    last_step_ = step;
    fmt::print(stderr, "ecsim sweep: {}/{} runs ({}%), {} elapsed, ETA {}\n", done, total_, percent, format_eta(elapsed),
               format_eta(eta));
  }

 private:
  using clock = std::chrono::steady_clock;
  std::size_t total_;
  bool tty_;
  bool quiet_;
  clock::time_point start_;
  clock::time_point last_draw_{};
  int last_step_ = 0;
};

// Runs one run and records it; the error message when it fails, else "".
std::string run_one(const SweepPlan& plan, const fs::path& dir, const SweepRun& run, bool keep_traces) {
  try {
    Scenario s = plan.points[run.point].scenario;
    s.seed = run.seed;
    s.checks.expect.clear();  // per-run assertions do not apply in a sweep; the sweep has its own
    RunSettings settings;
    settings.quiet = true;
    settings.write_outputs = keep_traces;
    settings.modules = plan.modules;
    if (keep_traces) s.output.dir = (dir / "traces" / trace_dir_name(plan, run)).string();
    std::ostringstream sink;
    const RunOutcome outcome = run_scenario(s, settings, sink);
    write_record(plan, dir, run.key, run.seed, outcome);
    return "";
  } catch (const std::exception& e) {
    return fmt::format("run {} ({}): {}", key_hex(run.key), describe_run(plan, run.key), e.what());
  }
}

// The pool: each worker takes the next pending run; every run is an
// independent Simulator, so the order in which they finish is irrelevant.
class Pool {
 public:
  Pool(const SweepPlan& plan, const fs::path& dir, const std::vector<std::uint64_t>& pending, bool keep_traces)
      : plan_(plan), dir_(dir), pending_(pending), keep_traces_(keep_traces) {
    for (const SweepRun& r : plan.runs) run_of_.try_emplace(r.key, &r);
  }

  // Runs every pending run on `jobs` threads while this thread shows progress.
  std::vector<std::string> run(unsigned jobs, Progress& progress) {
    std::vector<std::thread> threads;
    for (unsigned t = 0; t < jobs && !pending_.empty(); ++t) threads.emplace_back([this] { work(); });
    std::unique_lock lock(mu_);
    while (done_ < pending_.size()) {
      cv_.wait_for(lock, std::chrono::milliseconds(200));
      const std::size_t d = done_;
      lock.unlock();
      progress.update(d);
      lock.lock();
    }
    lock.unlock();
    for (auto& t : threads) t.join();
    progress.update(done_, true);
    std::sort(errors_.begin(), errors_.end());
    return std::move(errors_);
  }

 private:
  void work() {
    for (;;) {
      const std::size_t i = next_.fetch_add(1);
      if (i >= pending_.size()) return;
      std::string error = run_one(plan_, dir_, *run_of_.at(pending_[i]), keep_traces_);
      {
        std::lock_guard lock(mu_);
        ++done_;
        if (!error.empty()) errors_.push_back(std::move(error));
      }
      cv_.notify_one();
    }
  }

  const SweepPlan& plan_;
  const fs::path& dir_;
  const std::vector<std::uint64_t>& pending_;
  bool keep_traces_;
  std::map<std::uint64_t, const SweepRun*> run_of_;
  std::atomic<std::size_t> next_{0};
  std::size_t done_ = 0;  // guarded by mu_
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> errors_;  // guarded by mu_
};

}  // namespace

std::vector<std::string> run_pending(const SweepPlan& plan, const fs::path& dir, const std::vector<std::uint64_t>& pending,
                                     unsigned jobs, const SweepOptions& opt) {
  Pool pool(plan, dir, pending, opt.keep_traces);
  Progress progress(pending.size(), opt.progress, opt.quiet);
  return pool.run(jobs, progress);
}

}  // namespace ecsim::sweep_detail
