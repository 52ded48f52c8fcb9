// See progress.hpp.
#include "app/progress.hpp"

#include <cmath>
#include <cstdio>

#include <fmt/format.h>

namespace ecsim {

std::string format_eta(double s) {
  if (!(s >= 0) || !std::isfinite(s)) return "?";
  const long t = std::lround(s);
  if (t < 60) return fmt::format("{}s", t);
  if (t < 3600) return fmt::format("{}m{:02}s", t / 60, t % 60);
  return fmt::format("{}h{:02}m", t / 3600, (t % 3600) / 60);
}

Progress::Progress(std::string label, std::size_t total, bool tty, bool quiet)
    : label_(std::move(label)), total_(total), tty_(tty), quiet_(quiet), start_(clock::now()) {}

void Progress::update(std::size_t done, bool final) {
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
  // 10%, once the work has taken long enough for progress to matter.
  const int step = percent / 10;
  if (final || step <= last_step_ || elapsed < 2.0) return;
  last_step_ = step;
  fmt::print(stderr, "{}: {}/{} runs ({}%), {} elapsed, ETA {}\n", label_, done, total_, percent, format_eta(elapsed),
             format_eta(eta));
}

}  // namespace ecsim
