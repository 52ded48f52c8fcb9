#pragma once
// Progress of many runs on stderr, for `ecsim sweep` and `ecsim explore`: a
// live bar on a terminal, redrawn at most ten times a second; otherwise (a
// log file, a CI job, a Slurm output) a line at every 10% once the work has
// taken more than 2 s.
#include <chrono>
#include <cstddef>
#include <string>

namespace ecsim {

class Progress {
 public:
  // `label` starts the plain lines ("ecsim sweep"); `total` 0 shows nothing.
  Progress(std::string label, std::size_t total, bool tty, bool quiet);
  void update(std::size_t done, bool final = false);

 private:
  using clock = std::chrono::steady_clock;
  std::string label_;
  std::size_t total_;
  bool tty_;
  bool quiet_;
  clock::time_point start_;
  clock::time_point last_draw_{};
  int last_step_ = 0;
};

// "45s", "3m07s", "2h05m"; "?" when unknown.
std::string format_eta(double seconds);

}  // namespace ecsim
