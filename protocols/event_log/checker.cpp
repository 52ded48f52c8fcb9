#include "protocols/event_log/checker.hpp"

#include "sim/state_hash.hpp"

#include <algorithm>
#include <limits>

namespace ecsim {

EventLogChecker::EventLogChecker(const EventLogSpec& spec) : spec_(spec) {
  NodeId max_node = 0;
  for (NodeId n : spec_.replicas) max_node = std::max(max_node, n);
  replica_of_node_.assign(static_cast<std::size_t>(max_node) + 1, -1);
  for (std::size_t i = 0; i < spec_.replicas.size(); ++i) replica_of_node_[spec_.replicas[i]] = static_cast<int>(i);
  state_.assign(spec_.replicas.size(), std::vector<std::int64_t>(static_cast<std::size_t>(spec_.entities), 0));
  held_.assign(spec_.replicas.size(), 0);
  last_change_.assign(spec_.replicas.size(), 0);
}

void EventLogChecker::on_event_log(const LogEvent& e) {
  if (e.kind == LogEventKind::append) {
    events_.push_back(Event{e.lamport, e.origin, e.seq, e.entity, e.amount});
    last_append_ = e.time;
    return;
  }
  if (e.node >= replica_of_node_.size() || replica_of_node_[e.node] < 0) return;
  const auto r = static_cast<std::size_t>(replica_of_node_[e.node]);
  state_[r].assign(e.state.begin(), e.state.end());
  held_[r] = e.held;
  last_change_[r] = e.time;
  replayed_ += e.replayed;
  if (e.rebuilt) ++rebuilds_;
}

std::vector<std::int64_t> EventLogChecker::replay(std::vector<Event> events, std::size_t entities) {
  std::sort(events.begin(), events.end(), [](const Event& a, const Event& b) {
    if (a.lamport != b.lamport) return a.lamport < b.lamport;
    if (a.origin != b.origin) return a.origin < b.origin;
    return a.seq < b.seq;
  });
  std::vector<std::int64_t> state(entities, 0);
  for (const Event& e : events) {
    if (e.entity >= entities) continue;
    if (e.amount >= 0) state[e.entity] += e.amount;
    else if (state[e.entity] >= -e.amount) state[e.entity] += e.amount;
  }
  return state;
}

EventLogTotals EventLogChecker::totals() const {
  EventLogTotals t;
  t.events = events_.size();
  t.replicas = state_.size();
  t.union_state = replay(events_, static_cast<std::size_t>(spec_.entities));
  t.replicas_equal = true;
  SimTime last = 0;
  for (std::size_t r = 0; r < state_.size(); ++r) {
    if (state_[r] != state_.front()) t.replicas_equal = false;
    if (state_[r] != t.union_state) ++t.mismatched;
    t.missing_events += events_.size() - std::min<std::uint64_t>(held_[r], events_.size());
    last = std::max(last, last_change_[r]);
  }
  t.converged_after_s = t.mismatched == 0 && t.missing_events == 0 ? to_seconds(std::max<SimTime>(0, last - last_append_))
                                                                   : std::numeric_limits<double>::quiet_NaN();
  t.rebuilds = rebuilds_;
  t.replayed = replayed_;
  return t;
}

void EventLogChecker::hash_state(StateHasher& h) const {
  h.add(events_.size());
  for (const Event& e : events_) {
    h.add(e.lamport);
    h.add(e.origin);
    h.add(e.seq);
    h.add(e.entity);
    h.add_signed(e.amount);
  }
  for (const auto& s : state_) {
    h.add(s.size());
    for (const std::int64_t v : s) h.add_signed(v);
  }
  for (const std::uint64_t v : held_) h.add(v);
  for (const SimTime t : last_change_) h.add_signed(t);
  h.add_signed(last_append_);
  h.add(rebuilds_);
  h.add(replayed_);
}

}  // namespace ecsim
