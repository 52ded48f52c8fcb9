// See parallel.hpp.
#include "app/parallel.hpp"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "app/progress.hpp"

namespace ecsim {

std::size_t parallel_for(std::size_t n, unsigned jobs, const std::function<void(std::size_t)>& body,
                         Progress* progress, const std::function<bool()>& stop) {
  std::mutex mu;
  std::condition_variable cv;
  std::size_t next = 0, done = 0;  // guarded by mu: indices claimed (a prefix) and finished
  bool stopped = false;             // guarded by mu
  std::size_t error_index = n;
  std::exception_ptr error;
  auto work = [&] {
    for (;;) {
      std::size_t i = 0;
      {
        // Claiming under the lock keeps "stopped" and the claimed prefix consistent.
        std::lock_guard lock(mu);
        if (stopped || next == n) return;
        if (stop && stop()) {
          stopped = true;
          return;
        }
        i = next++;
      }
      try {
        body(i);
      } catch (...) {
        std::lock_guard lock(mu);
        if (i < error_index) error_index = i, error = std::current_exception();
        stopped = true;
      }
      {
        std::lock_guard lock(mu);
        ++done;
      }
      cv.notify_one();
    }
  };
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < std::max(1u, jobs) && t < n; ++t) threads.emplace_back(work);
  {
    std::unique_lock lock(mu);
    while (!threads.empty() && done < n && !(stopped && done == next)) {
      cv.wait_for(lock, std::chrono::milliseconds(200));
      const std::size_t d = done;
      lock.unlock();
      if (progress) progress->update(d);
      lock.lock();
    }
  }
  for (auto& t : threads) t.join();
  if (progress) progress->update(done, true);
  if (error) std::rethrow_exception(error);
  return next;
}

}  // namespace ecsim
