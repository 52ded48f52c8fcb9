#pragma once
// Many independent runs on a pool of threads in this process (no process
// start per run): `ecsim sweep`, `ecsim explore` and its shrinking.
#include <cstddef>
#include <functional>

namespace ecsim {

class Progress;

// Calls body(i) for i = 0 .. n-1 on `jobs` threads (each index once, in no
// particular order) while the calling thread updates `progress` (may be
// null). `stop` (may be empty) is asked before each index is claimed: once
// it says true no new index starts, so the indices run are always a prefix
// 0 .. k-1 whatever the thread count. Returns k. An exception from `body`
// stops the pool and is rethrown here (the first one, by index).
std::size_t parallel_for(std::size_t n, unsigned jobs, const std::function<void(std::size_t)>& body,
                         Progress* progress = nullptr, const std::function<bool()>& stop = {});

}  // namespace ecsim
