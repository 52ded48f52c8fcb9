#include "protocols/core/store_config.hpp"
#include "protocols/cart/cart_store.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <stdexcept>

#include "protocols/crdt/crdt_store.hpp"  // parse_cart_line
#include "sim/hash.hpp"

namespace ecsim {
namespace {
constexpr std::uint32_t kHeaderBytes = 16;
constexpr std::uint32_t kKeyBytes = 8;
constexpr std::uint32_t kDigestItemBytes = 16;  // key + state hash
constexpr std::uint64_t kPresentBit = std::uint64_t{1} << 63;

void insert_sorted(std::vector<WriteId>& v, WriteId w) {
  auto it = std::lower_bound(v.begin(), v.end(), w);
  if (it == v.end() || *it != w) v.insert(it, w);
}

cart::Line& line_for(cart::State& s, std::uint32_t item) {
  auto it = std::lower_bound(s.lines.begin(), s.lines.end(), item, [](const cart::Line& l, std::uint32_t i) { return l.item < i; });
  if (it == s.lines.end() || it->item != item) {
    cart::Line l;
    l.item = item;
    it = s.lines.insert(it, std::move(l));
  }
  return *it;
}
}  // namespace

namespace cart {

bool line_less(const Line& a, const Line& b) {
  if (a.present != b.present) return !a.present;
  if (a.qty != b.qty) return a.qty < b.qty;
  if (a.prov.size() != b.prov.size()) return a.prov.size() < b.prov.size();
  return a.prov < b.prov;
}

bool merge(State& into, const State& from) {
  bool changed = false;
  std::vector<Line> out;
  out.reserve(into.lines.size() + from.lines.size());
  std::size_t i = 0, j = 0;
  while (i < into.lines.size() || j < from.lines.size()) {
    if (j == from.lines.size() || (i < into.lines.size() && into.lines[i].item < from.lines[j].item)) {
      out.push_back(std::move(into.lines[i++]));
    } else if (i == into.lines.size() || from.lines[j].item < into.lines[i].item) {
      out.push_back(from.lines[j++]);  // union of items
      changed = true;
    } else {
      if (line_less(into.lines[i], from.lines[j])) {  // max quantity
        out.push_back(from.lines[j]);
        changed = true;
      } else {
        out.push_back(std::move(into.lines[i]));
      }
      ++i;
      ++j;
    }
  }
  into.lines.swap(out);
  return changed;
}

void add(State& s, std::uint32_t item, std::int64_t qty, WriteId write) {
  Line& l = line_for(s, item);
  l.qty = (l.present ? l.qty : 0) + qty;
  l.present = l.qty > 0;
  if (!l.present) l.qty = 0;
  insert_sorted(l.prov, write);
}

void remove(State& s, std::uint32_t item, std::int64_t qty, WriteId write) {
  Line& l = line_for(s, item);
  if (l.present) {
    l.qty -= qty;
    if (l.qty <= 0) {
      l.present = false;  // the line is deleted: nothing marks that it was
      l.qty = 0;
    }
  }
  insert_sorted(l.prov, write);
}

std::uint64_t digest(const State& s) {
  std::uint64_t h = 0x243f6a8885a308d3ULL;
  auto add_word = [&h](std::uint64_t x) { h = mix64(h ^ mix64(x + 0x632be59bd9b4e019ULL)); };
  for (const Line& l : s.lines) {
    add_word(l.item);
    add_word((l.present ? kPresentBit : 0) | static_cast<std::uint64_t>(l.qty));
    for (WriteId w : l.prov) add_word(w);
    add_word(0xFFFF);
  }
  return h == 0 ? 1 : h;
}

StateRank rank(const State& s) {
  // Monotone in the merge order up to the provenance tie-break.
  StateRank r;
  for (const Line& l : s.lines) {
    if (l.present) r.major += static_cast<std::uint64_t>(l.qty) + 1;
    r.minor += l.prov.size();
  }
  return r;
}

void encode(KeyId key, const State& s, std::vector<std::uint64_t>& out) {
  const std::size_t start = out.size();
  out.push_back(0);
  out.push_back(s.lines.size());
  for (const Line& l : s.lines) {
    out.push_back(l.item);
    out.push_back((l.present ? kPresentBit : 0) | static_cast<std::uint64_t>(l.qty));
    out.push_back(l.prov.size());
    out.insert(out.end(), l.prov.begin(), l.prov.end());
  }
  out[start] = (static_cast<std::uint64_t>(key) << 32) | (out.size() - start - 1);
}

bool decode(std::span<const std::uint64_t> w, std::size_t& pos, KeyId& key, State& s) {
  if (pos >= w.size()) return false;
  key = static_cast<KeyId>(w[pos] >> 32);
  const std::size_t end = pos + 1 + (w[pos] & 0xFFFFFFFFu);
  if (end > w.size()) return false;
  std::size_t i = pos + 1;
  s = State{};
  if (i >= end) return false;
  const std::uint64_t n = w[i++];
  for (std::uint64_t k = 0; k < n; ++k) {
    if (i + 3 > end) return false;
    Line l;
    l.item = static_cast<std::uint32_t>(w[i++]);
    l.present = (w[i] & kPresentBit) != 0;
    l.qty = static_cast<std::int64_t>(w[i++] & ~kPresentBit);
    const std::uint64_t np = w[i++];
    if (i + np > end) return false;
    l.prov.assign(w.begin() + static_cast<std::ptrdiff_t>(i), w.begin() + static_cast<std::ptrdiff_t>(i + np));
    i += np;
    s.lines.push_back(std::move(l));
  }
  pos = end;
  return i == end;
}

}  // namespace cart

UnionMaxCartStore::UnionMaxCartStore(const Scenario& scenario, const WriteTable& writes)
    : UnionMaxCartStore(scenario.topology.node_names, static_cast<std::uint32_t>(store_of(scenario).value_bytes), writes) {}

UnionMaxCartStore::UnionMaxCartStore(std::vector<std::string> node_names, std::uint32_t value_bytes, const WriteTable& writes)
    : value_bytes_(value_bytes),
      writes_(writes),
      node_names_(std::move(node_names)),
      nodes_(node_names_.size()),
      local_ops_(node_names_.size(), 0) {}

const cart::State* UnionMaxCartStore::find(NodeId node, KeyId key) const {
  const auto& list = nodes_[node];
  auto it = std::lower_bound(list.begin(), list.end(), key, [](const KeyState& e, KeyId k) { return e.key < k; });
  return (it != list.end() && it->key == key) ? &it->state : nullptr;
}

UnionMaxCartStore::KeyState* UnionMaxCartStore::find_mutable(NodeId node, KeyId key) {
  auto& list = nodes_[node];
  auto it = std::lower_bound(list.begin(), list.end(), key, [](const KeyState& e, KeyId k) { return e.key < k; });
  return (it != list.end() && it->key == key) ? &*it : nullptr;
}

UnionMaxCartStore::KeyState& UnionMaxCartStore::get_or_create(NodeId node, KeyId key) {
  auto& list = nodes_[node];
  auto it = std::lower_bound(list.begin(), list.end(), key, [](const KeyState& e, KeyId k) { return e.key < k; });
  if (it == list.end() || it->key != key) it = list.insert(it, KeyState{key, {}});
  return *it;
}

std::uint32_t UnionMaxCartStore::intern(const std::string& item) {
  auto [it, inserted] = item_ids_.try_emplace(item, static_cast<std::uint32_t>(items_.size()));
  if (inserted) items_.push_back(item);
  return it->second;
}

std::string UnionMaxCartStore::value_text(const cart::State& s) const {
  std::vector<std::string> lines;
  for (const cart::Line& l : s.lines)
    if (l.present) lines.push_back(fmt::format("{}:{}", items_[l.item], l.qty));
  std::sort(lines.begin(), lines.end());
  return fmt::format("{}", fmt::join(lines, ";"));
}

ReadResult UnionMaxCartStore::read(const ReplicaCall& at, KeyId key) {
  ReadResult r;
  if (const cart::State* s = find(at.node, key)) {
    r.found = true;
    r.value = value_text(*s);
    r.version = fmt::format("h{:016x}", cart::digest(*s));
    r.rank = cart::rank(*s);
    for (const cart::Line& l : s->lines)
      if (!l.prov.empty()) r.write = std::max(r.write, l.prov.back());
  }
  return r;
}

WriteResult UnionMaxCartStore::write(const ReplicaCall& at, KeyId key, OpKind op, WriteId write, std::uint64_t session_uid) {
  KeyState& ks = get_or_create(at.node, key);
  const auto [item, qty] = parse_cart_line(writes_.get(write).value);
  const std::uint32_t id = intern(item);
  if (op == OpKind::add) cart::add(ks.state, id, qty, write);
  else if (op == OpKind::remove) cart::remove(ks.state, id, qty, write);
  else throw std::invalid_argument("a cart takes add and remove");
  WriteResult result;
  result.version = fmt::format("{}#{}", node_names_[at.node], ++local_ops_[at.node]);
  result.rank = cart::rank(ks.state);
  result.kept = true;
  if (at.observer) at.observer->on_write_accepted(at.now, at.node, key, write, result.rank, session_uid);
  notify_applied(at, key, cart::digest(ks.state), result.rank);
  return result;
}

void UnionMaxCartStore::digest(NodeId node, std::vector<std::uint64_t>& out) const {
  // Per key: key and a hash of the cart. Without versions, a difference says
  // nothing about which side is newer: both ship (Dynamo merges siblings the same way).
  for (const KeyState& ks : nodes_[node]) {
    out.push_back(ks.key);
    out.push_back(cart::digest(ks.state));
  }
}

void UnionMaxCartStore::compare(NodeId self, std::span<const std::uint64_t> peer_digest,
                                std::vector<std::uint64_t>& entries_to_send, std::vector<std::uint64_t>& keys_wanted) const {
  const auto& mine = nodes_[self];
  std::size_t i = 0;
  for (std::size_t j = 0; j + 1 < peer_digest.size(); j += 2) {
    const KeyId key = static_cast<KeyId>(peer_digest[j]);
    while (i < mine.size() && mine[i].key < key) cart::encode(mine[i].key, mine[i].state, entries_to_send), ++i;
    if (i < mine.size() && mine[i].key == key) {
      if (cart::digest(mine[i].state) != peer_digest[j + 1]) {
        cart::encode(key, mine[i].state, entries_to_send);
        keys_wanted.push_back(key);
      }
      ++i;
    } else {
      keys_wanted.push_back(key);
    }
  }
  while (i < mine.size()) cart::encode(mine[i].key, mine[i].state, entries_to_send), ++i;
}

void UnionMaxCartStore::entries_for(NodeId self, std::span<const std::uint64_t> keys, std::vector<std::uint64_t>& out) const {
  for (std::uint64_t key : keys)
    if (const cart::State* s = find(self, static_cast<KeyId>(key))) cart::encode(static_cast<KeyId>(key), *s, out);
}

void UnionMaxCartStore::merge(const ReplicaCall& at, std::span<const std::uint64_t> entries) {
  std::size_t pos = 0;
  KeyId key = 0;
  cart::State incoming;
  while (pos < entries.size()) {
    if (!cart::decode(entries, pos, key, incoming)) return;
    if (at.observer)
      for (const cart::Line& l : incoming.lines)
        for (WriteId w : l.prov) at.observer->on_write_received(at.now, at.node, key, w);
    KeyState* ks = find_mutable(at.node, key);
    const bool created = ks == nullptr;
    if (created) ks = &get_or_create(at.node, key);
    if (!cart::merge(ks->state, incoming) && !created) continue;
    notify_applied(at, key, cart::digest(ks->state), cart::rank(ks->state));
  }
}

std::uint32_t UnionMaxCartStore::digest_bytes(std::size_t words) const {
  return kHeaderBytes + static_cast<std::uint32_t>(words / 2) * kDigestItemBytes;
}

std::uint32_t UnionMaxCartStore::entry_bytes(std::size_t words) const { return kHeaderBytes + 8 * static_cast<std::uint32_t>(words); }

std::uint32_t UnionMaxCartStore::entries_wire_bytes(std::span<const std::uint64_t> entries) const {
  // Per key: the key, and per line the item and its quantity (provenance is
  // the checker's, not the protocol's: not charged).
  std::uint32_t bytes = kHeaderBytes;
  std::size_t pos = 0;
  KeyId key = 0;
  cart::State s;
  while (pos < entries.size() && cart::decode(entries, pos, key, s))
    bytes += kKeyBytes + static_cast<std::uint32_t>(s.lines.size()) * (value_bytes_ + 8);
  return bytes;
}

void UnionMaxCartStore::clear(const ReplicaCall& at) {
  if (!clear_needed(at.node)) return;
  nodes_[at.node].clear();
  notify_cleared(at);
}

std::uint64_t UnionMaxCartStore::state_digest(NodeId node, KeyId key) {
  const cart::State* s = find(node, key);
  return s ? cart::digest(*s) : 0;
}

void UnionMaxCartStore::reflected_writes(NodeId node, KeyId key, std::vector<WriteId>& out) {
  if (const cart::State* s = find(node, key))
    for (const cart::Line& l : s->lines) out.insert(out.end(), l.prov.begin(), l.prov.end());
}

bool UnionMaxCartStore::hash_state(StateHasher& h) const {
  hash_base(h);
  hash_encoded(h, nodes_, cart::encode);
  for (const std::uint64_t n : local_ops_) h.add(n);
  for (const std::string& item : items_) h.add_string(item);  // interned items: their ids are in the states
  return true;
}

}  // namespace ecsim
