// See check_progress.hpp.
#include "app/check_progress.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>

#include <fmt/format.h>

namespace ecsim {

ProgressFn stderr_progress(std::string label, bool tty, bool enabled) {
  if (!enabled) return {};
  struct State {
    std::string label, phase;
    bool tty;
    std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now(), last{};
    int tenth = -1;
  };
  auto st = std::make_shared<State>(State{std::move(label), {}, tty});
  return [st](std::string_view phase, double fraction) {
    const auto now = std::chrono::steady_clock::now();
    const bool done = phase == "done";
    const int percent = static_cast<int>(100 * std::clamp(fraction, 0.0, 1.0));
    if (st->tty) {
      if (done) {
        if (st->last != std::chrono::steady_clock::time_point{}) fmt::print(stderr, "\r\033[K");
        return;
      }
      if (phase == st->phase && now - st->last < std::chrono::milliseconds(100)) return;
      st->phase = phase;
      st->last = now;
      fmt::print(stderr, "\r{}: {} {}%\033[K", st->label, phase, percent);
      return;
    }
    if (phase != st->phase) st->phase = phase, st->tenth = -1;
    if (done || percent / 10 <= st->tenth || now - st->start < std::chrono::seconds(2)) return;
    st->tenth = percent / 10;
    fmt::print(stderr, "{}: {} {}%\n", st->label, phase, percent);
  };
}

double wall_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace ecsim
