#include "analysis/lost_writes.hpp"

#include <algorithm>
#include <stdexcept>

namespace ecsim {

std::uint64_t LostWritesChecker::ClockArena::add(const Clock& c) {
  if (used_ + c.size() > kBlock) {
    blocks_.push_back(std::make_unique<ClockEntry[]>(std::max(kBlock, c.size())));
    used_ = 0;
  }
  if (blocks_.size() > 0xFFFFFFFFu) throw std::length_error("lost-writes checker: too many clocks");
  const std::uint64_t where = (static_cast<std::uint64_t>(blocks_.size() - 1) << 32) | used_;
  std::copy(c.begin(), c.end(), blocks_.back().get() + used_);
  used_ += c.size();
  return where;
}

std::size_t LostWritesChecker::SessionKnowledge::position(const Table& t, KeyId key) {
  const std::size_t mask = t.slots.size() - 1;
  std::uint64_t h = key;  // MurmurHash3's finalizer: nearby key ids land far apart
  h = (h ^ (h >> 33)) * 0xFF51AFD7ED558CCDULL;
  h = (h ^ (h >> 33)) * 0xC4CEB9FE1A85EC53ULL;
  std::size_t i = static_cast<std::size_t>(h ^ (h >> 33)) & mask;
  while (t.slots[i].ref != 0 && t.slots[i].key != key) i = (i + 1) & mask;
  return i;
}

LostWritesChecker::ClockRef LostWritesChecker::SessionKnowledge::find(std::uint64_t session, KeyId key) const {
  const auto it = tables_of_.find(session);
  if (it == tables_of_.end()) return 0;
  const Table& t = tables_[it->second];
  return t.slots[position(t, key)].ref;
}

LostWritesChecker::ClockRef& LostWritesChecker::SessionKnowledge::at(std::uint64_t session, KeyId key) {
  const auto [it, inserted] = tables_of_.try_emplace(session, static_cast<std::uint32_t>(tables_.size()));
  if (inserted) {
    if (tables_.size() >= 0xFFFFFFFFu) throw std::length_error("lost-writes checker: too many sessions");
    tables_.emplace_back();
  }
  Table& t = tables_[it->second];
  if (4 * (t.used + 1) > 3 * t.slots.size()) grow(t);
  Slot& s = t.slots[position(t, key)];
  if (s.ref == 0) {
    s.key = key;
    ++t.used;  // a slot left at 0 is counted twice at worst: it only grows the table sooner
  }
  return s.ref;
}

void LostWritesChecker::SessionKnowledge::grow(Table& t) {
  std::vector<Slot> old(std::max<std::size_t>(4, 2 * t.slots.size()), Slot{0, 0});
  old.swap(t.slots);
  for (const Slot& s : old)
    if (s.ref != 0) t.slots[position(t, s.key)] = s;
}

bool LostWritesChecker::dominates(ClockView big, ClockView small) {
  // Both sorted by actor: one walk.
  std::size_t i = 0;
  for (const auto& [actor, seq] : small) {
    while (i < big.size() && big[i].first < actor) ++i;
    if (i == big.size() || big[i].first != actor || big[i].second < seq) return false;
  }
  return true;
}

void LostWritesChecker::merge_into(Clock& into, ClockView from) {
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

std::uint32_t LostWritesChecker::entry(ClockView c, ActorId actor) {
  auto it = std::lower_bound(c.begin(), c.end(), actor, [](const auto& e, ActorId a) { return e.first < a; });
  return (it != c.end() && it->first == actor) ? it->second : 0;
}

LostWritesChecker::ClockView LostWritesChecker::clock(ClockRef ref) const {
  if (ref == 0) return {};
  return (ref & kOwnBit) ? ClockView(owned_[ref & ~kOwnBit]) : clock_of(writes_[ref]);
}

void LostWritesChecker::release(ClockRef ref) {
  if (ref & kOwnBit) free_owned_.push_back(ref & ~kOwnBit);
}

LostWritesChecker::ClockRef& LostWritesChecker::replica_ref(NodeId node, KeyId key) {
  if (node >= replica_known_.size()) replica_known_.resize(static_cast<std::size_t>(node) + 1);
  auto& list = replica_known_[node];
  auto it = std::lower_bound(list.begin(), list.end(), key, [](const KnownEntry& e, KeyId k) { return e.key < k; });
  if (it == list.end() || it->key != key) it = list.insert(it, KnownEntry{key, 0});
  return it->ref;
}

void LostWritesChecker::learn(ClockRef& ref, WriteId w) {
  // Most merges bring nothing new (the replica already knew) or bring
  // everything it knew and more (it learns a later write): neither copies.
  if (w < kOwnBit && ref == w) return;
  const ClockView from = clock_of(writes_[w]);
  const ClockView have = clock(ref);
  if (dominates(have, from)) return;
  if (w < kOwnBit && dominates(from, have)) {
    release(ref);
    ref = static_cast<ClockRef>(w);
    return;
  }
  if (ref & kOwnBit) {
    merge_into(owned_[ref & ~kOwnBit], from);
    return;
  }
  Clock merged(have.begin(), have.end());
  merge_into(merged, from);
  std::uint32_t i;
  if (!free_owned_.empty()) {
    i = free_owned_.back();
    free_owned_.pop_back();
    owned_[i].swap(merged);
  } else {
    i = static_cast<std::uint32_t>(owned_.size());
    if (i >= kOwnBit) throw std::length_error("lost-writes checker: too many merged clocks");
    owned_.push_back(std::move(merged));
  }
  ref = kOwnBit | i;
}

void LostWritesChecker::on_write_accepted(SimTime, NodeId node, KeyId key, WriteId write, StateRank, std::uint64_t session) {
  if (write >= writes_.size()) writes_.resize(static_cast<std::size_t>(write) + 1);
  const ActorId actor = actor_of(node);
  ClockRef& ref = replica_ref(node, key);
  // A write depends on everything its replica and its session had seen.
  const ClockView replica_knows = clock(ref);
  Clock known(replica_knows.begin(), replica_knows.end());
  if (const ClockRef s = session_known_.find(session, key); s != 0 && !dominates(known, clock(s)))
    merge_into(known, clock(s));
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
  if (known.size() >= kOwnBit) throw std::length_error("lost-writes checker: too many actors");
  w.clock_size = static_cast<std::uint32_t>(known.size());
  w.clock_at = write_clocks_.add(known);
  // The replica now knows exactly what the write knows: it shares its clock.
  if (write != kNoWrite && write < kOwnBit) {
    release(ref);
    ref = static_cast<ClockRef>(write);
  } else {
    learn(ref, write);
  }
}

void LostWritesChecker::on_write_received(SimTime, NodeId node, KeyId key, WriteId write) {
  if (write == kNoWrite || write >= writes_.size() || writes_[write].origin == kNoActor) return;
  learn(replica_ref(node, key), write);
}

void LostWritesChecker::on_state_lost(SimTime, NodeId node) {
  // The wiped replica knows nothing any more. Its old incarnation's clocks
  // are dropped (every write keeps its own); the new incarnation starts
  // with none, and its writes count from 1 under a new actor.
  if (node < replica_known_.size()) {
    for (const KnownEntry& e : replica_known_[node]) release(e.ref);
    replica_known_[node].clear();
  }
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
  learn(session_known_.at(op.session_uid, op.key_id), op.write);
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
  return entry(clock_of(writes_[later]), e.origin) >= e.seq;
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
