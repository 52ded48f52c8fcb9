#include "protocols/core/store_config.hpp"
#include "protocols/lww/lww_store.hpp"

#include <algorithm>
#include <bit>
#include <fmt/format.h>
#include <stdexcept>

#include "sim/hash.hpp"

namespace ecsim {
namespace {
constexpr std::uint32_t kHeaderBytes = 16;
constexpr std::uint32_t kVersionBytes = 24;  // key, timestamp, origin/write
// A node's byte (LwwStore::small_) when it does not say it all.
constexpr std::uint8_t kSeeCell = 255;
// A node's cell (LwwStore::cells_): one inline (key, version) or a list.
constexpr std::uint64_t kListBit = std::uint64_t{1} << 31;
constexpr std::uint64_t kLowMask = kListBit - 1;
constexpr std::uint64_t pack(KeyId key, std::uint32_t version) { return (std::uint64_t{key} << 32) | version; }

}  // namespace

LwwStore::LwwStore(const Scenario& scenario, const WriteTable& writes)
    : kind_(store_of(scenario).timestamps),
      value_bytes_(static_cast<std::uint32_t>(store_of(scenario).value_bytes)),
      writes_(writes),
      node_names_(scenario.topology.node_names),
      small_(static_cast<std::size_t>(scenario.topology.nodes), 0),
      versions_(1) {
  if (kind_ == TimestampKind::hlc) hlc_.resize(small_.size());
  if (kind_ == TimestampKind::lamport) lamport_.resize(small_.size());
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

std::span<const LwwStore::Held> LwwStore::held(NodeId node, Held& one) const {
  const std::uint8_t small = small_[node];
  if (small == 0) return {};
  if (small != kSeeCell) {
    one = Held{0, small};
    return {&one, 1};
  }
  const std::uint64_t cell = cells_[node];
  if (cell & kListBit) return lists_[cell & kLowMask];
  one = Held{static_cast<KeyId>(cell >> 32), static_cast<std::uint32_t>(cell)};
  return {&one, 1};
}

std::uint32_t LwwStore::held_version(NodeId node, KeyId key) const {
  Held one;
  const auto list = held(node, one);
  auto it = std::lower_bound(list.begin(), list.end(), key, [](const Held& e, KeyId k) { return e.key < k; });
  return (it != list.end() && it->key == key) ? it->version : 0;
}

void LwwStore::hold(NodeId node, KeyId key, std::uint32_t version) {
  std::uint8_t& small = small_[node];
  if (small != kSeeCell) {
    if (key == 0 && version < kSeeCell) {  // still key 0 alone, at a small index
      small = static_cast<std::uint8_t>(version);
      return;
    }
    // Moves to the cell for good (until a clear): the byte says "see the cell".
    if (cells_.empty()) cells_.assign(small_.size(), 0);
    cells_[node] = small != 0 ? pack(0, small) : 0;
    small = kSeeCell;
  }
  std::uint64_t& cell = cells_[node];
  if (cell == 0 || (!(cell & kListBit) && static_cast<KeyId>(cell >> 32) == key)) {
    cell = pack(key, version);
    return;
  }
  if (!(cell & kListBit)) {  // a second key: the inline entry moves to a list
    const Held first{static_cast<KeyId>(cell >> 32), static_cast<std::uint32_t>(cell)};
    const std::uint32_t index = take_list();
    lists_[index].push_back(first);
    cell = kListBit | index;
  }
  auto& list = lists_[cell & kLowMask];
  auto it = std::lower_bound(list.begin(), list.end(), key, [](const Held& e, KeyId k) { return e.key < k; });
  if (it != list.end() && it->key == key)
    it->version = version;
  else
    list.insert(it, Held{key, version});
}

std::uint32_t LwwStore::take_list() {
  if (!free_lists_.empty()) {  // a cleared replica's (empty) list
    const std::uint32_t index = free_lists_.back();
    free_lists_.pop_back();
    return index;
  }
  if (lists_.size() > kLowMask) throw std::length_error("LwwStore: too many replicas holding several keys");
  lists_.emplace_back();
  return static_cast<std::uint32_t>(lists_.size() - 1);
}

std::uint32_t LwwStore::intern(const LwwVersion& v) {
  const std::uint64_t w = v.write & 0xFFFFFFFFu;  // what the wire carries
  // Write ids are dense (WriteTable): grow the table with them, but not
  // for a stray huge id, which would cost 4 bytes per id below it.
  if (w >= by_write_.size() && w < 2 * by_write_.size() + (std::size_t{1} << 16)) by_write_.resize(w + 1, 0);
  auto by_value = [this](std::uint32_t i, const LwwVersion& x) { return versions_[i] < x; };
  auto extra = std::lower_bound(extra_versions_.begin(), extra_versions_.end(), v, by_value);
  const bool in_extra = extra != extra_versions_.end() && versions_[*extra] == v;
  if (w < by_write_.size()) {
    const std::uint32_t slot = by_write_[w];
    if (slot != 0 && versions_[slot] == v) return slot;
    if (slot == 0 && !in_extra) return by_write_[w] = add_version(v);
  }
  if (in_extra) return *extra;
  const std::uint32_t index = add_version(v);
  extra_versions_.insert(extra, index);
  return index;
}

std::uint32_t LwwStore::add_version(const LwwVersion& v) {
  // Indices share a cell with a key and the list bit: 31 bits.
  if (versions_.size() > kLowMask) throw std::length_error("LwwStore: too many versions");
  versions_.push_back(v);
  return static_cast<std::uint32_t>(versions_.size() - 1);
}

const LwwVersion* LwwStore::find(NodeId node, KeyId key) const {
  const std::uint32_t version = held_version(node, key);
  return version != 0 ? &versions_[version] : nullptr;
}

std::uint64_t LwwStore::state_digest(NodeId node, KeyId key) {
  const LwwVersion* v = find(node, key);
  return v ? digest_of(*v) : 0;
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
  const std::uint32_t mine = held_version(at.node, key);
  if (mine != 0 && !(versions_[mine] < v)) return false;
  hold(at.node, key, intern(v));
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

void LwwStore::encode(KeyId key, const LwwVersion& v, std::vector<std::uint64_t>& out) {
  out.push_back((static_cast<std::uint64_t>(key) << 32) | v.origin);
  out.push_back(std::bit_cast<std::uint64_t>(v.ts.wall));
  out.push_back((static_cast<std::uint64_t>(v.ts.logical) << 32) | (v.write & 0xFFFFFFFFu));
}

KeyId LwwStore::decode(const std::uint64_t* w, LwwVersion& v) {
  v.origin = static_cast<NodeId>(w[0]);
  v.ts.wall = std::bit_cast<std::int64_t>(w[1]);
  v.ts.logical = static_cast<std::uint32_t>(w[2] >> 32);
  v.write = w[2] & 0xFFFFFFFFu;
  return static_cast<KeyId>(w[0] >> 32);
}

void LwwStore::digest(NodeId node, std::vector<std::uint64_t>& out) const {
  // An LWW digest is (key, version) per key: the value stays home.
  Held one;
  for (const Held& e : held(node, one)) encode(e.key, versions_[e.version], out);
}

void LwwStore::compare(NodeId self, std::span<const std::uint64_t> peer_digest,
                       std::vector<std::uint64_t>& entries_to_send, std::vector<std::uint64_t>& keys_wanted) const {
  const std::size_t n = peer_digest.size() / kWordsPerEntry;
  Held one;
  const auto mine = held(self, one);
  std::size_t i = 0;
  for (std::size_t j = 0; j < n; ++j) {
    LwwVersion theirs;
    const KeyId key = decode(peer_digest.data() + j * kWordsPerEntry, theirs);
    for (; i < mine.size() && mine[i].key < key; ++i) encode(mine[i].key, versions_[mine[i].version], entries_to_send);
    if (i < mine.size() && mine[i].key == key) {
      const LwwVersion& ours = versions_[mine[i].version];
      if (theirs < ours)
        encode(key, ours, entries_to_send);
      else if (ours < theirs)
        keys_wanted.push_back(key);
      ++i;
    } else {
      keys_wanted.push_back(key);
    }
  }
  for (; i < mine.size(); ++i) encode(mine[i].key, versions_[mine[i].version], entries_to_send);
}

void LwwStore::entries_for(NodeId self, std::span<const std::uint64_t> keys, std::vector<std::uint64_t>& out) const {
  for (std::uint64_t key : keys) {
    if (key > 0xFFFFFFFFu) continue;  // no such key (a KeyId is 32 bits)
    const std::uint32_t version = held_version(self, static_cast<KeyId>(key));
    if (version != 0) encode(static_cast<KeyId>(key), versions_[version], out);
  }
}

void LwwStore::merge(const ReplicaCall& at, std::span<const std::uint64_t> entries) {
  begin_step();  // one message's batch: one atomic step
  const std::size_t n = entries.size() / kWordsPerEntry;
  for (std::size_t j = 0; j < n; ++j) {
    LwwVersion v;
    const KeyId key = decode(entries.data() + j * kWordsPerEntry, v);
    observe_received(at, v.ts);
    at.observer->on_write_received(at.now, at.node, key, v.write);
    offer(at, key, v);
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
  if (small_[at.node] == kSeeCell) {
    std::uint64_t& cell = cells_[at.node];
    if (cell & kListBit) {
      lists_[cell & kLowMask].clear();
      free_lists_.push_back(static_cast<std::uint32_t>(cell & kLowMask));
    }
    cell = 0;
  }
  small_[at.node] = 0;
  // Clocks are not state: HLC/Lamport counters survive (they would be
  // recovered from the physical clock or persisted in a real system).
  notify_cleared(at);
}

bool LwwStore::hash_state(StateHasher& h) const {
  // What replicas hold, not where: the same words as when every node kept
  // its own (key, version) list and a holds-anything byte.
  hash_base(h);
  Held one;
  for (NodeId node = 0; node < small_.size(); ++node) {
    const auto list = held(node, one);
    h.add(list.size());
    for (const Held& e : list) {
      const LwwVersion& v = versions_[e.version];
      h.add(e.key);
      h.add_signed(v.ts.wall);
      h.add(v.ts.logical);
      h.add(v.origin);
      h.add(v.write);
    }
  }
  for (const HybridClock& c : hlc_) {
    h.add_signed(c.state.wall);
    h.add(c.state.logical);
  }
  for (const LamportClock& c : lamport_) h.add_signed(c.counter);
  for (const std::uint8_t small : small_) h.add(small != 0 ? 1 : 0);
  return true;
}

}  // namespace ecsim
