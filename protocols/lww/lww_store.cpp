#include "protocols/core/store_config.hpp"
#include "protocols/lww/lww_store.hpp"

#include <algorithm>
#include <bit>
#include <fmt/format.h>

#include "sim/hash.hpp"

namespace ecsim {
namespace {
constexpr std::uint32_t kHeaderBytes = 16;
constexpr std::uint32_t kVersionBytes = 24;  // key, timestamp, origin/write

}  // namespace

LwwStore::LwwStore(const Scenario& scenario, const WriteTable& writes)
    : kind_(store_of(scenario).timestamps),
      value_bytes_(static_cast<std::uint32_t>(store_of(scenario).value_bytes)),
      writes_(writes),
      node_names_(scenario.topology.node_names),
      entries_(static_cast<std::size_t>(scenario.topology.nodes)),
      holds_any_(entries_.size(), 0) {
  if (kind_ == TimestampKind::hlc) hlc_.resize(entries_.size());
  if (kind_ == TimestampKind::lamport) lamport_.resize(entries_.size());
}

StateRank LwwStore::rank_of(const LwwVersion& v) {
  // Order-preserving: biased wall time, then logical counter and origin.
  return StateRank{static_cast<std::uint64_t>(v.ts.wall) + (std::uint64_t{1} << 63),
                   (static_cast<std::uint64_t>(v.ts.logical) << 32) | v.origin};
}

std::uint64_t LwwStore::digest_of(const LwwVersion& v) {
  const std::uint64_t h = mix64(static_cast<std::uint64_t>(v.ts.wall) ^ mix64((static_cast<std::uint64_t>(v.ts.logical) << 32) ^ v.origin) ^
                                mix64(v.write + 0x9e3779b97f4a7c15ULL));
  return h == 0 ? 1 : h;  // 0 means "nothing held"
}

std::string LwwStore::version_text(const LwwVersion& v) const {
  switch (kind_) {
    case TimestampKind::physical: return fmt::format("{}@{}", v.ts.wall, node_names_[v.origin]);
    case TimestampKind::lamport: return fmt::format("L{}@{}", v.ts.wall, node_names_[v.origin]);
    case TimestampKind::hlc: break;
  }
  return fmt::format("{}.{}@{}", v.ts.wall, v.ts.logical, node_names_[v.origin]);
}

const LwwVersion* LwwStore::find(NodeId node, KeyId key) const {
  const auto& list = entries_[node];
  auto it = std::lower_bound(list.begin(), list.end(), key, [](const Entry& e, KeyId k) { return e.key < k; });
  return (it != list.end() && it->key == key) ? &it->version : nullptr;
}

std::uint64_t LwwStore::state_digest(NodeId node, KeyId key) {
  const LwwVersion* v = find(node, key);
  return v ? digest_of(*v) : 0;
}

LwwStore::Entry* LwwStore::find_mutable(NodeId node, KeyId key) {
  auto& list = entries_[node];
  auto it = std::lower_bound(list.begin(), list.end(), key, [](const Entry& e, KeyId k) { return e.key < k; });
  return (it != list.end() && it->key == key) ? &*it : nullptr;
}

Timestamp LwwStore::stamp(const ReplicaCall& at) {
  switch (kind_) {
    case TimestampKind::physical: return Timestamp{at.local_time, 0};
    case TimestampKind::lamport: return lamport_[at.node].tick();
    case TimestampKind::hlc: break;
  }
  return hlc_[at.node].tick(at.local_time);
}

void LwwStore::observe_received(const ReplicaCall& at, const Timestamp& ts) {
  // Receiving a version advances logical clocks, which is what makes a later
  // local write win over everything this replica has seen.
  if (kind_ == TimestampKind::hlc) hlc_[at.node].receive(ts, at.local_time);
  if (kind_ == TimestampKind::lamport) lamport_[at.node].receive(ts);
}

bool LwwStore::offer(const ReplicaCall& at, KeyId key, const LwwVersion& v) {
  auto& list = entries_[at.node];
  auto it = std::lower_bound(list.begin(), list.end(), key, [](const Entry& e, KeyId k) { return e.key < k; });
  if (it != list.end() && it->key == key) {
    if (!(it->version < v)) return false;
    it->version = v;
  } else {
    list.insert(it, Entry{key, v});
    holds_any_[at.node] = 1;
  }
  notify_applied(at, key, digest_of(v), rank_of(v), v.write);
  if (at.observer->wants_applied_versions()) at.observer->on_version_applied(at.now, at.node, key, v.write, version_text(v), current_step());
  return true;
}

StateProbe LwwStore::probe(NodeId node, KeyId key) {
  const LwwVersion* v = find(node, key);
  return v ? StateProbe{rank_of(*v), v->write, true} : StateProbe{};
}

ReadResult LwwStore::read(const ReplicaCall& at, KeyId key) {
  ReadResult r;
  if (const LwwVersion* v = find(at.node, key)) {
    r.found = true;
    r.write = v->write;
    r.value = writes_.get(v->write).value;
    r.version = version_text(*v);
    r.rank = rank_of(*v);
  }
  return r;
}

WriteResult LwwStore::write(const ReplicaCall& at, KeyId key, OpKind, WriteId write, std::uint64_t session_uid) {
  begin_step();
  const LwwVersion v{stamp(at), at.node, write};
  WriteResult result;
  result.version = version_text(v);
  result.rank = rank_of(v);
  at.observer->on_write_accepted(at.now, at.node, key, write, result.rank, session_uid);
  result.kept = offer(at, key, v);
  return result;
}

void LwwStore::encode(const Entry& e, std::vector<std::uint64_t>& out) {
  out.push_back((static_cast<std::uint64_t>(e.key) << 32) | e.version.origin);
  out.push_back(std::bit_cast<std::uint64_t>(e.version.ts.wall));
  out.push_back((static_cast<std::uint64_t>(e.version.ts.logical) << 32) | (e.version.write & 0xFFFFFFFFu));
}

LwwStore::Entry LwwStore::decode(const std::uint64_t* w) {
  Entry e;
  e.key = static_cast<KeyId>(w[0] >> 32);
  e.version.origin = static_cast<NodeId>(w[0]);
  e.version.ts.wall = std::bit_cast<std::int64_t>(w[1]);
  e.version.ts.logical = static_cast<std::uint32_t>(w[2] >> 32);
  e.version.write = w[2] & 0xFFFFFFFFu;
  return e;
}

void LwwStore::digest(NodeId node, std::vector<std::uint64_t>& out) const {
  // An LWW digest is (key, version) per key: the value stays home.
  if (!holds_any_[node]) return;
  for (const Entry& e : entries_[node]) encode(e, out);
}

void LwwStore::compare(NodeId self, std::span<const std::uint64_t> peer_digest,
                       std::vector<std::uint64_t>& entries_to_send, std::vector<std::uint64_t>& keys_wanted) const {
  const std::size_t n = peer_digest.size() / kWordsPerEntry;
  if (!holds_any_[self]) {  // everything the peer has is wanted
    for (std::size_t j = 0; j < n; ++j) keys_wanted.push_back(peer_digest[j * kWordsPerEntry] >> 32);
    return;
  }
  const auto& mine = entries_[self];
  std::size_t i = 0;
  for (std::size_t j = 0; j < n; ++j) {
    const Entry theirs = decode(peer_digest.data() + j * kWordsPerEntry);
    while (i < mine.size() && mine[i].key < theirs.key) encode(mine[i++], entries_to_send);
    if (i < mine.size() && mine[i].key == theirs.key) {
      if (theirs.version < mine[i].version)
        encode(mine[i], entries_to_send);
      else if (mine[i].version < theirs.version)
        keys_wanted.push_back(theirs.key);
      ++i;
    } else {
      keys_wanted.push_back(theirs.key);
    }
  }
  while (i < mine.size()) encode(mine[i++], entries_to_send);
}

void LwwStore::entries_for(NodeId self, std::span<const std::uint64_t> keys, std::vector<std::uint64_t>& out) const {
  for (std::uint64_t key : keys) {
    const auto& list = entries_[self];
    auto it = std::lower_bound(list.begin(), list.end(), static_cast<KeyId>(key), [](const Entry& e, KeyId k) { return e.key < k; });
    if (it != list.end() && it->key == key) encode(*it, out);
  }
}

void LwwStore::merge(const ReplicaCall& at, std::span<const std::uint64_t> entries) {
  begin_step();  // one message's batch: one atomic step
  const std::size_t n = entries.size() / kWordsPerEntry;
  for (std::size_t j = 0; j < n; ++j) {
    const Entry e = decode(entries.data() + j * kWordsPerEntry);
    observe_received(at, e.version.ts);
    at.observer->on_write_received(at.now, at.node, e.key, e.version.write);
    offer(at, e.key, e.version);
  }
}

std::uint32_t LwwStore::digest_bytes(std::size_t words) const {
  return kHeaderBytes + static_cast<std::uint32_t>(words / kWordsPerEntry) * kVersionBytes;
}

std::uint32_t LwwStore::entry_bytes(std::size_t words) const {
  return kHeaderBytes + static_cast<std::uint32_t>(words / kWordsPerEntry) * (kVersionBytes + value_bytes_);
}

void LwwStore::clear(const ReplicaCall& at) {
  if (!clear_needed(at.node)) return;
  entries_[at.node].clear();
  holds_any_[at.node] = 0;
  // Clocks are not state: HLC/Lamport counters survive (they would be
  // recovered from the physical clock or persisted in a real system).
  notify_cleared(at);
}

bool LwwStore::hash_state(StateHasher& h) const {
  hash_base(h);
  for (const InlineVector<Entry>& node : entries_) {  // per node, sorted by key
    h.add(node.size());
    for (const Entry& e : node) {
      h.add(e.key);
      h.add_signed(e.version.ts.wall);
      h.add(e.version.ts.logical);
      h.add(e.version.origin);
      h.add(e.version.write);
    }
  }
  for (const HybridClock& c : hlc_) {
    h.add_signed(c.state.wall);
    h.add(c.state.logical);
  }
  for (const LamportClock& c : lamport_) h.add_signed(c.counter);
  for (const std::uint8_t b : holds_any_) h.add(b);
  return true;
}

}  // namespace ecsim
