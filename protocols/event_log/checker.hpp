#pragma once
// Event-log checker: collects every appended event (the union log) from the
// observations, replays it sequentially in (lamport, origin, seq) order with
// its own fold (deposit; withdrawal only if the balance covers it), and
// compares the result with the last state each replica reported.
#include <cstdint>
#include <vector>

#include "protocols/event_log/config.hpp"
#include "protocols/event_log/events.hpp"
#include "sim/scenario.hpp"

namespace ecsim {

class StateHasher;

struct EventLogTotals {
  std::uint64_t events = 0;            // appended
  std::uint64_t replicas = 0;
  bool replicas_equal = false;         // every replica holds the same state
  std::uint64_t mismatched = 0;        // replicas whose state differs from the union replay
  std::uint64_t missing_events = 0;    // sum over replicas of union events not in its log
  double converged_after_s = 0.0;      // last state change minus last append, when none mismatch; NaN otherwise
  std::uint64_t rebuilds = 0;          // full replays
  std::uint64_t replayed = 0;          // events (re)applied in total
  std::vector<std::int64_t> union_state;
};

class EventLogChecker final {
 public:
  explicit EventLogChecker(const EventLogSpec& spec);
  void on_event_log(const LogEvent& e);
  EventLogTotals totals() const;
  void hash_state(StateHasher& h) const;  // everything totals() and logs_complete() read
  // Every replica's log holds every appended event.
  bool logs_complete() const {
    for (std::uint64_t h : held_)
      if (h != events_.size()) return false;
    return true;
  }
  // Sequential replay of `events` (any order given; sorted here).
  struct Event {
    std::uint64_t lamport;
    std::uint32_t origin;
    std::uint64_t seq;
    std::uint32_t entity;
    std::int64_t amount;
  };
  static std::vector<std::int64_t> replay(std::vector<Event> events, std::size_t entities);

 private:
  EventLogSpec spec_;
  std::vector<Event> events_;
  std::vector<int> replica_of_node_;
  std::vector<std::vector<std::int64_t>> state_;
  std::vector<std::uint64_t> held_;
  std::vector<SimTime> last_change_;
  SimTime last_append_ = 0;
  std::uint64_t rebuilds_ = 0, replayed_ = 0;
};

}  // namespace ecsim
