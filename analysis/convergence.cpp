#include "analysis/convergence.hpp"

#include <algorithm>
#include <limits>

namespace ecsim {

ConvergenceTracker::ConvergenceTracker(std::uint32_t nodes, bool record_series)
    : nodes_(nodes), live_(nodes, 1), live_count_(nodes), record_series_(record_series) {
  if (record_series_) series_.push_back({0, 0, 0});
}

ConvergenceTracker::KeyState& ConvergenceTracker::key_state(KeyId key) {
  if (cached_ != nullptr && cached_key_ == key) return *cached_;
  auto [indexed, added] = key_index_.try_emplace(key, nullptr);
  if (added) indexed->second = &keys_[key];
  KeyState& ks = *indexed->second;
  cached_key_ = key;
  cached_ = &ks;
  if (placement_ && !ks.placed) {
    ks.replicas = placement_->replicas(key);
    std::sort(ks.replicas.begin(), ks.replicas.end());
    ks.placed = true;
  }
  return ks;
}

bool ConvergenceTracker::responsible(NodeId node, KeyId key) const {
  if (!placement_) return true;
  if (const auto it = keys_.find(key); it != keys_.end() && it->second.placed)
    return std::binary_search(it->second.replicas.begin(), it->second.replicas.end(), node);
  const std::vector<NodeId> list = placement_->replicas(key);
  return std::find(list.begin(), list.end(), node) != list.end();
}

std::uint32_t ConvergenceTracker::live_replicas(const KeyState& ks) const {
  if (!placement_) return live_count_;
  std::uint32_t n = 0;
  for (NodeId r : ks.replicas) n += live_[r];
  return n;
}

void ConvergenceTracker::add_holder(KeyState& ks, std::uint32_t state) {
  const StateInfo& s = states_[state];
  for (Holder& h : ks.holders)
    if (h.digest == s.digest) {
      ++h.count;
      return;
    }
  ks.holders.push_back(Holder{s.digest, s.rank, s.write, 1, state});
  retain(state);
}

std::uint32_t ConvergenceTracker::state_of(const KeyState& ks, std::uint64_t digest, StateRank rank, WriteId write) {
  for (const Holder& h : ks.holders)
    if (h.digest == digest) return h.state;
  if (!free_states_.empty()) {
    const std::uint32_t reused = free_states_.back();
    free_states_.pop_back();
    states_[reused] = StateInfo{digest, rank, write};
    return reused;
  }
  states_.push_back(StateInfo{digest, rank, write});
  state_refs_.push_back(0);
  return static_cast<std::uint32_t>(states_.size() - 1);
}

// Whether a replica holding `h` has seen pending write `p`: it holds p, or a
// write that causally follows p (a register's state is one write; merged
// states, and runs without causality, compare ranks).
bool ConvergenceTracker::covers(const Holder& h, const PendingWrite& p) const {
  if (causality_ && h.write != kNoWrite) return h.write == p.write || causality_->precedes(p.write, h.write);
  return p.rank <= h.rank;
}

void ConvergenceTracker::remove_holder(KeyState& ks, std::uint64_t digest) {
  for (std::size_t i = 0; i < ks.holders.size(); ++i)
    if (ks.holders[i].digest == digest) {
      if (--ks.holders[i].count == 0) {
        release(ks.holders[i].state);
        ks.holders.erase(ks.holders.begin() + static_cast<std::ptrdiff_t>(i));
      }
      return;
    }
}

void ConvergenceTracker::record(SimTime now) {
  if (!record_series_) return;
  if (!series_.empty() && series_.back().time_ns == now) {
    series_.back().divergent_keys = divergent_keys_;
    series_.back().replicas_behind = replicas_behind_;
    if (series_.size() >= 2 && series_[series_.size() - 2].divergent_keys == divergent_keys_ &&
        series_[series_.size() - 2].replicas_behind == replicas_behind_)
      series_.pop_back();  // the change at this instant was undone
    return;
  }
  const ConvergencePoint& last = series_.back();
  if (last.divergent_keys != divergent_keys_ || last.replicas_behind != replicas_behind_)
    series_.push_back({now, divergent_keys_, replicas_behind_});
}

void ConvergenceTracker::check_visibility(SimTime now, KeyState& ks) {
  if (ks.pending.empty()) return;
  const std::uint32_t live = live_replicas(ks);
  if (live == 0) return;  // every replica of the key is down: nothing holds it
  auto visible = [&](const PendingWrite& p) {
    std::uint64_t covering = 0;
    for (const Holder& h : ks.holders)
      if (covers(h, p)) covering += h.count;
    return covering == live;
  };
  auto it = std::remove_if(ks.pending.begin(), ks.pending.end(), [&](const PendingWrite& p) {
    if (!visible(p)) return false;
    writes_[p.write].visible = now;
    return true;
  });
  ks.pending.erase(it, ks.pending.end());
}

void ConvergenceTracker::refresh(SimTime now, KeyId key) { refresh(now, key_state(key)); }

void ConvergenceTracker::refresh(SimTime now, KeyState& ks) {
  bool divergent = false;
  std::uint64_t behind = 0;
  if (!ks.holders.empty()) {
    const Holder* newest = &ks.holders.front();
    for (const Holder& h : ks.holders)
      if (newest->rank < h.rank) newest = &h;
    const std::uint32_t live = live_replicas(ks);
    divergent = !(ks.holders.size() == 1 && ks.holders.front().count == live);
    behind = live - newest->count;
  }
  const bool was_converged = divergent_keys_ == 0;
  if (divergent != ks.divergent) {
    if (divergent) ++divergent_keys_; else --divergent_keys_;
    ks.divergent = divergent;
  }
  replicas_behind_ = replicas_behind_ - ks.behind + behind;
  ks.behind = behind;
  if (!was_converged && divergent_keys_ == 0) converged_since_ = now;
  check_visibility(now, ks);
  record(now);
}

void ConvergenceTracker::refresh_all(SimTime now) {
  for (auto& entry : keys_) refresh(now, entry.second);
}

void ConvergenceTracker::on_applied(SimTime now, NodeId node, KeyId key, std::uint64_t digest, StateRank rank,
                                    WriteId write) {
  KeyState& ks = key_state(key);
  if (placement_ && !std::binary_search(ks.replicas.begin(), ks.replicas.end(), node)) return;  // a hinted copy
  last_change_ = now;
  auto& list = nodes_[node];
  auto it = std::lower_bound(list.begin(), list.end(), key, [](const NodeEntry& e, KeyId k) { return e.key < k; });
  const std::uint32_t state = state_of(ks, digest, rank, write);
  retain(state);  // before the old state's holder goes: it may be this state
  if (it != list.end() && it->key == key) {
    if (live_[node]) remove_holder(ks, states_[it->state].digest);
    release(it->state);
    it->state = state;
  } else {
    list.insert(it, NodeEntry{key, state});
  }
  if (live_[node]) add_holder(ks, state);
  refresh(now, key);
}

void ConvergenceTracker::on_state_lost(SimTime now, NodeId node) {
  last_change_ = now;
  remove_entries(node);
  refresh_all(now);
}

// A node's entries go (its state was lost): no longer held, nor referred to.
void ConvergenceTracker::remove_entries(NodeId node) {
  for (const NodeEntry& e : nodes_[node]) {
    if (live_[node]) remove_holder(key_state(e.key), states_[e.state].digest);
    release(e.state);
  }
  nodes_[node].clear();
}

void ConvergenceTracker::on_node(SimTime now, NodeId node, NodeEventKind kind, bool) {
  if (kind == NodeEventKind::crash && live_[node]) {
    live_[node] = 0;
    --live_count_;
    for (const NodeEntry& e : nodes_[node]) remove_holder(key_state(e.key), states_[e.state].digest);
    refresh_all(now);
  } else if (kind == NodeEventKind::restart && !live_[node]) {
    live_[node] = 1;
    ++live_count_;
    for (const NodeEntry& e : nodes_[node]) add_holder(key_state(e.key), e.state);
    last_heal_ = now;
    refresh_all(now);
  }
}

void ConvergenceTracker::on_fault(SimTime now, FaultEventKind kind, std::string_view) {
  if (kind == FaultEventKind::heal || kind == FaultEventKind::flap_heal) last_heal_ = now;
}

void ConvergenceTracker::on_write_accepted(SimTime now, NodeId, KeyId key, WriteId write, StateRank rank, std::uint64_t) {
  if (write >= writes_.size()) writes_.resize(static_cast<std::size_t>(write) + 1);
  key_state(key).pending.push_back(PendingWrite{write, rank});
  // Visibility is checked when the store reports the state change (on_applied),
  // or right here when the write was superseded at once.
  check_visibility(now, key_state(key));
}

void ConvergenceTracker::on_op(const OpRecord& op) {
  if (!op.is_write || !op.ok) return;
  ++acked_writes_;
  last_ack_write_ = std::max(last_ack_write_, op.complete_ns);
  if (op.write < writes_.size()) writes_[op.write].acked = op.complete_ns;
}

double ConvergenceTracker::convergence_time_s() const {
  if (divergent_keys_ != 0) return std::numeric_limits<double>::quiet_NaN();
  const SimTime reference = reference_time_ns();
  return converged_since_ > reference ? to_seconds(converged_since_ - reference) : 0.0;
}

std::vector<double> ConvergenceTracker::visibility_delays_s() const {
  std::vector<double> out;
  for (const WriteTimes& w : writes_)
    if (w.acked >= 0 && w.visible >= 0) out.push_back(w.visible > w.acked ? to_seconds(w.visible - w.acked) : 0.0);
  return out;
}

void ConvergenceTracker::exclude_lost(const std::vector<WriteId>& lost) {
  for (WriteId w : lost)
    if (w < writes_.size()) writes_[w].visible = -1;
}

std::uint64_t ConvergenceTracker::writes_never_visible() const {
  std::uint64_t n = 0;
  for (const WriteTimes& w : writes_)
    if (w.acked >= 0 && w.visible < 0) ++n;
  return n;
}

}  // namespace ecsim
