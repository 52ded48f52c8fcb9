#include "analysis/lost_writes.hpp"

#include <algorithm>

namespace ecsim {

void LostWritesChecker::merge_into(Clock& into, const Clock& from) {
  // Most merges bring nothing new (the replica already knew): check first,
  // allocate only when the clock actually grows.
  bool dominated = true;
  for (const auto& [node, seq] : from)
    if (entry(into, node) < seq) {
      dominated = false;
      break;
    }
  if (dominated) return;
  Clock out;
  out.reserve(into.size() + from.size());
  std::size_t i = 0, j = 0;
  while (i < into.size() || j < from.size()) {
    if (j == from.size() || (i < into.size() && into[i].first < from[j].first)) {
      out.push_back(into[i++]);
    } else if (i == into.size() || from[j].first < into[i].first) {
      out.push_back(from[j++]);
    } else {
      out.emplace_back(into[i].first, std::max(into[i].second, from[j].second));
      ++i;
      ++j;
    }
  }
  into.swap(out);
}

std::uint32_t LostWritesChecker::entry(const Clock& c, ActorId actor) {
  auto it = std::lower_bound(c.begin(), c.end(), actor, [](const auto& e, ActorId a) { return e.first < a; });
  return (it != c.end() && it->first == actor) ? it->second : 0;
}

void LostWritesChecker::on_write_accepted(SimTime, NodeId node, KeyId key, WriteId write, StateRank, std::uint64_t session) {
  if (write >= writes_.size()) writes_.resize(static_cast<std::size_t>(write) + 1);
  const ActorId actor = actor_of(node);
  Clock& known = replica_known_[slot(actor, key)];
  // A write depends on everything its replica and its session had seen.
  if (auto it = session_known_.find(slot(session, key)); it != session_known_.end()) merge_into(known, it->second);
  const std::uint32_t seq = entry(known, actor) + 1;
  auto it = std::lower_bound(known.begin(), known.end(), actor, [](const auto& e, ActorId a) { return e.first < a; });
  if (it != known.end() && it->first == actor)
    it->second = seq;
  else
    known.insert(it, {actor, seq});
  WriteCausality& w = writes_[write];
  w.key = key;
  w.origin = actor;
  w.seq = seq;
  w.clock = known;
}

void LostWritesChecker::on_write_received(SimTime, NodeId node, KeyId key, WriteId write) {
  if (write == kNoWrite || write >= writes_.size() || writes_[write].origin == kNoActor) return;
  merge_into(replica_known_[slot(actor_of(node), key)], writes_[write].clock);
}

void LostWritesChecker::on_state_lost(SimTime, NodeId node) {
  // The wiped replica knows nothing any more. Its old incarnation's clocks
  // are dropped (every write keeps its own copy); the new incarnation starts
  // with none, and its writes count from 1 under a new actor.
  const ActorId old = actor_of(node);
  std::erase_if(replica_known_, [old](const auto& e) { return (e.first >> 32) == old; });
  if (node >= actor_.size()) {
    const auto from = static_cast<NodeId>(actor_.size());
    actor_.resize(static_cast<std::size_t>(node) + 1);
    for (NodeId n = from; n < actor_.size(); ++n) actor_[n] = n;
  }
  actor_[node] = next_actor_++;
}

void LostWritesChecker::on_op(const OpRecord& op) {
  if (!op.ok || op.write == kNoWrite || op.write >= writes_.size() || writes_[op.write].origin == kNoActor) return;
  if (op.is_write) writes_[op.write].acked = true;
  // The session now knows the write it made or the one it read.
  merge_into(session_known_[slot(op.session_uid, op.key_id)], writes_[op.write].clock);
}

void LostWritesChecker::final_read(NodeId, KeyId key, WriteId write) {
  auto [it, inserted] = final_.try_emplace(key);
  if (inserted) final_keys_.push_back(key);
  it->second.push_back(write);
}

void LostWritesChecker::final_reflects(NodeId, KeyId key, std::span<const WriteId> writes) {
  auto [it, inserted] = final_.try_emplace(key);
  if (inserted) final_keys_.push_back(key);
  it->second.insert(it->second.end(), writes.begin(), writes.end());
}

bool LostWritesChecker::precedes(WriteId earlier, WriteId later) const {
  if (earlier == later) return true;
  if (later == kNoWrite || later >= writes_.size() || earlier >= writes_.size()) return false;
  const WriteCausality& e = writes_[earlier];
  return entry(writes_[later].clock, e.origin) >= e.seq;
}

std::vector<WriteId> LostWritesChecker::lost() const {
  // Per key, the distinct writes the final states reflect, sorted: a CRDT
  // lists every write it merged (many, mostly the same on every replica).
  std::unordered_map<KeyId, std::vector<WriteId>> reflected_by_key;
  for (KeyId k : final_keys_) {
    std::vector<WriteId> list = final_.at(k);
    std::sort(list.begin(), list.end());
    list.erase(std::unique(list.begin(), list.end()), list.end());
    reflected_by_key.emplace(k, std::move(list));
  }
  std::vector<WriteId> lost;
  for (WriteId w = 1; w < writes_.size(); ++w) {
    const WriteCausality& c = writes_[w];
    if (!c.acked) continue;
    auto it = reflected_by_key.find(c.key);
    bool reflected = false;
    if (it != reflected_by_key.end()) {
      reflected = std::binary_search(it->second.begin(), it->second.end(), w);
      for (std::size_t i = 0; !reflected && !only_listed_ && i < it->second.size(); ++i) reflected = precedes(w, it->second[i]);
    }
    if (!reflected) lost.push_back(w);
  }
  return lost;
}

}  // namespace ecsim
