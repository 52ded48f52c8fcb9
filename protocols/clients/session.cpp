#include "protocols/clients/session.hpp"

namespace ecsim {

SessionGuarantees SessionGuarantees::from_names(const std::vector<std::string>& names) {
  SessionGuarantees g;
  for (const std::string& n : names) {
    if (n == "ryw") g.ryw = true;
    if (n == "mr") g.mr = true;
    if (n == "mw") g.mw = true;
    if (n == "wfr") g.wfr = true;
  }
  return g;
}

namespace {
void raise(std::map<KeyId, SessionVersion>& m, KeyId key, const SessionVersion& v) {
  auto [it, added] = m.emplace(key, v);
  if (!added && it->second < v) it->second = v;
}
}  // namespace

void SessionState::note_write(KeyId key, const SessionVersion& v) { raise(written_, key, v); }
void SessionState::note_read(KeyId key, const SessionVersion& v) {
  if (v.write != kNoWrite || !(v.rank == StateRank{})) raise(read_, key, v);
}

SessionVersion SessionState::read_floor(KeyId key, const SessionGuarantees& g) const {
  SessionVersion floor;
  if (g.ryw)
    if (auto it = written_.find(key); it != written_.end() && floor < it->second) floor = it->second;
  if (g.mr)
    if (auto it = read_.find(key); it != read_.end() && floor < it->second) floor = it->second;
  return floor;
}

bool SessionState::can_read(ReplicaStore& store, NodeId node, KeyId key, const SessionGuarantees& g) const {
  const SessionVersion floor = read_floor(key, g);
  if (floor == SessionVersion{}) return true;
  return !(SessionVersion::of(store.probe(node, key)) < floor);
}

bool SessionState::holds_all(ReplicaStore& store, NodeId node, const std::map<KeyId, SessionVersion>& floor) {
  for (const auto& [key, v] : floor)
    if (SessionVersion::of(store.probe(node, key)) < v) return false;
  return true;
}

bool SessionState::can_write(ReplicaStore& store, NodeId node, const SessionGuarantees& g) const {
  return (!g.mw || holds_all(store, node, written_)) && (!g.wfr || holds_all(store, node, read_));
}

void SessionState::cache_write(KeyId key, CacheEntry entry) { cache_[key] = std::move(entry); }

const SessionState::CacheEntry* SessionState::cached(KeyId key, SimTime now_ns) {
  auto it = cache_.find(key);
  if (it == cache_.end()) return nullptr;
  if (now_ns >= it->second.expires_ns) {
    cache_.erase(it);
    return nullptr;
  }
  return &it->second;
}

void SessionState::hash_state(StateHasher& h) const {
  for (const auto* floor : {&written_, &read_}) {
    h.add(floor->size());
    for (const auto& [key, v] : *floor) {
      h.add(key);
      h.add(v.rank.major);
      h.add(v.rank.minor);
      h.add(v.write);
    }
  }
  h.add(cache_.size());
  for (const auto& [key, e] : cache_) {
    h.add(key);
    h.add_string(e.value);
    h.add_string(e.version);
    h.add(e.v.rank.major);
    h.add(e.v.rank.minor);
    h.add(e.v.write);
    h.add_signed(e.expires_ns);
  }
}

}  // namespace ecsim
