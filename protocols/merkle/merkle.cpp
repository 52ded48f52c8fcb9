#include "protocols/merkle/merkle.hpp"

#include "sim/state_hash.hpp"

#include <limits>

#include <algorithm>

#include "sim/hash.hpp"

namespace ecsim {
namespace {
constexpr std::uint32_t kMerkleTimer = 1;
constexpr std::uint32_t kHeaderBytes = 16;
constexpr std::uint32_t kLevelBytes = 8;       // repair/level word
constexpr std::uint32_t kNodeHashBytes = 12;   // tree node index (4) + hash (8)
constexpr std::uint32_t kLeafHeaderBytes = 8;  // leaf index + key count
constexpr std::uint32_t kKeyDigestBytes = 16;  // key + state digest

// A key's contribution to its leaf: 0 when the replica holds nothing.
std::uint64_t key_hash(KeyId key, std::uint64_t digest) {
  return digest == 0 ? 0 : mix64(mix64(static_cast<std::uint64_t>(key) + 0x5851f42d4c957f2dULL) ^ digest);
}
}  // namespace

MerkleProtocol::MerkleProtocol(const MerkleSpec& spec, ReplicaStore& store, std::uint32_t nodes)
    : spec_(spec), store_(store), trees_(nodes) {
  const auto leaf_count = static_cast<std::uint32_t>(std::max(1, spec_.leaves));
  const auto fanout = static_cast<std::uint32_t>(std::max(2, spec_.fanout));
  // Level sizes bottom-up, then reversed so [0] is the root.
  std::vector<std::uint32_t> sizes{leaf_count};
  while (sizes.back() > 1) sizes.push_back((sizes.back() + fanout - 1) / fanout);
  level_sizes_.assign(sizes.rbegin(), sizes.rend());
  spec_.fanout = static_cast<int>(fanout);
  store_.add_listener(this);
}

std::uint32_t MerkleProtocol::leaf_of(KeyId key) const {
  // Token ranges: the key's hash, scaled onto [0, leaves).
  const std::uint64_t h = mix64(static_cast<std::uint64_t>(key) ^ 0x2545f4914f6cdd1dULL) >> 32;
  return static_cast<std::uint32_t>((h * level_sizes_.back()) >> 32);
}

MerkleProtocol::Tree& MerkleProtocol::tree(NodeId node) {
  auto& t = trees_[node];
  if (!t) {
    t = std::make_unique<Tree>();
    t->levels.resize(level_sizes_.size());
    for (std::size_t l = 0; l < level_sizes_.size(); ++l) t->levels[l].assign(level_sizes_[l], 0);
    t->leaf_keys.resize(level_sizes_.back());
    t->is_dirty.assign(level_sizes_.back(), 0);
  }
  return *t;
}

void MerkleProtocol::on_state_changed(NodeId node, KeyId key, std::uint64_t digest) {
  if (node >= trees_.size()) return;
  Tree& t = tree(node);
  const std::uint32_t leaf = leaf_of(key);
  auto& list = t.leaf_keys[leaf];
  auto it = std::lower_bound(list.begin(), list.end(), key, [](const KeyDigest& e, KeyId k) { return e.key < k; });
  const bool held = it != list.end() && it->key == key;
  const std::uint64_t old = held ? it->digest : 0;
  if (old == digest) return;
  if (digest == 0) list.erase(it);
  else if (held) it->digest = digest;
  else list.insert(it, KeyDigest{key, digest});
  // O(1): the leaf is a sum, so swap the key's old contribution for the new one.
  const std::size_t depth_index = level_sizes_.size() - 1;
  t.levels[depth_index][leaf] += key_hash(key, digest) - key_hash(key, old);
  ++stats_.leaf_updates;
  if (!t.is_dirty[leaf]) {
    t.is_dirty[leaf] = 1;
    t.dirty.push_back(leaf);
  }
}

void MerkleProtocol::on_state_cleared(NodeId node) {
  if (node < trees_.size()) trees_[node].reset();
}

void MerkleProtocol::refresh(Tree& t) {
  if (t.dirty.empty()) return;
  const auto fanout = static_cast<std::uint32_t>(spec_.fanout);
  std::vector<std::uint32_t> cur;
  cur.swap(t.dirty);
  for (std::uint32_t leaf : cur) t.is_dirty[leaf] = 0;
  for (std::size_t level = level_sizes_.size() - 1; level-- > 0;) {
    for (std::uint32_t& i : cur) i /= fanout;
    std::sort(cur.begin(), cur.end());
    cur.erase(std::unique(cur.begin(), cur.end()), cur.end());
    const auto& below = t.levels[level + 1];
    for (std::uint32_t p : cur) {
      const std::uint32_t first = p * fanout;
      const std::uint32_t last = std::min<std::uint32_t>(first + fanout, static_cast<std::uint32_t>(below.size()));
      std::uint64_t h = 0;
      bool any = false;
      for (std::uint32_t c = first; c < last; ++c) {
        any = any || below[c] != 0;
        h = mix64(h ^ (below[c] + 0x9e3779b97f4a7c15ULL * (c - first + 1)));
      }
      t.levels[level][p] = any ? (h == 0 ? 1 : h) : 0;  // an empty subtree hashes to 0, like no tree at all
      ++stats_.inner_recomputed;
    }
  }
  t.dirty.clear();
}

std::uint64_t MerkleProtocol::hash_at(NodeId node, std::uint32_t level, std::uint32_t index) {
  if (!trees_[node] || level >= level_sizes_.size() || index >= level_sizes_[level]) return 0;
  return trees_[node]->levels[level][index];
}

std::uint64_t MerkleProtocol::root(NodeId node) {
  if (!trees_[node]) return 0;
  refresh(*trees_[node]);
  return trees_[node]->levels[0][0];
}

void MerkleProtocol::on_start(Context& ctx) {
  ctx.set_timer(static_cast<SimTime>(ctx.rng().below(static_cast<std::uint64_t>(spec_.interval_ns))), kMerkleTimer);
}

void MerkleProtocol::on_crash(Context& ctx, bool lose_state) {
  if (lose_state) store_.clear(store_.call_at(ctx.node(), ctx.now(), ctx.local_time()));
}

void MerkleProtocol::on_timer(Context& ctx, std::uint32_t tag) {
  if (tag != kMerkleTimer) return;
  ctx.set_timer(spec_.interval_ns, kMerkleTimer);
  const NodeId peer = ctx.random_neighbor();
  if (peer != kNoNode) start_repair(ctx, peer);
}

void MerkleProtocol::send(Context& ctx, NodeId to, MessageType type, std::span<const std::uint64_t> words, std::uint32_t bytes,
                          bool divergent) {
  ++stats_.messages;
  stats_.bytes += bytes;
  if (divergent) {
    ++stats_.divergent_messages;
    stats_.divergent_bytes += bytes;
  }
  // Messages that carry entries are merged by the receiver (replicas.service.merge).
  ctx.send(to, type, words, bytes, type == push_msg || type == entries_msg ? ServiceKind::merge : ServiceKind::none);
}

void MerkleProtocol::start_repair(Context& ctx, NodeId peer) {
  const std::uint64_t r = root(ctx.node());
  buf_.assign({0, 0, r});  // level 0: node 0's hash
  ++stats_.repairs;
  send(ctx, peer, tree_msg, buf_, kHeaderBytes + kLevelBytes + kNodeHashBytes, false);
}

void MerkleProtocol::on_message(Context& ctx, const Message& msg) {
  switch (msg.type) {
    case tree_msg: on_tree(ctx, msg); break;
    case leaves_msg: on_leaves(ctx, msg); break;
    case push_msg: {
      if (msg.words.empty()) break;
      const std::size_t n = static_cast<std::size_t>(msg.words[0]);
      if (n + 1 > msg.words.size()) break;
      if (n > 0) store_.merge(store_.call_at(ctx.node(), ctx.now(), ctx.local_time()), msg.words.subspan(1, n));
      const auto wanted = msg.words.subspan(1 + n);
      if (!wanted.empty()) {
        wanted_.assign(wanted.begin(), wanted.end());
        ship(ctx, msg.from, entries_msg, wanted_, {});
      }
      break;
    }
    case entries_msg:
      store_.merge(store_.call_at(ctx.node(), ctx.now(), ctx.local_time()), msg.words);
      break;
    default: break;
  }
}

void MerkleProtocol::on_tree(Context& ctx, const Message& msg) {
  if (msg.words.empty()) return;
  const NodeId self = ctx.node();
  if (trees_[self]) refresh(*trees_[self]);
  const auto level = static_cast<std::uint32_t>(msg.words[0]);
  if (level >= level_sizes_.size()) return;
  std::vector<std::uint32_t> differing;
  for (std::size_t i = 1; i + 1 < msg.words.size(); i += 2) {
    const auto index = static_cast<std::uint32_t>(msg.words[i]);
    if (hash_at(self, level, index) != msg.words[i + 1]) differing.push_back(index);
  }
  if (level == 0) {
    if (differing.empty()) {
      ++stats_.repairs_in_sync;
    } else {
      ++stats_.repairs_divergent;
      ++stats_.divergent_messages;
      stats_.divergent_bytes += msg.bytes;
    }
  }
  if (differing.empty()) return;
  buf_.clear();
  if (level + 1 == level_sizes_.size()) {
    // Leaf level: list this side's (key, digest) pairs of the differing leaves.
    buf_.push_back(differing.size());
    std::uint32_t bytes = kHeaderBytes + kLevelBytes;
    stats_.leaves_differing += differing.size();
    for (std::uint32_t leaf : differing) {
      buf_.push_back(leaf);
      const std::size_t count_at = buf_.size();
      buf_.push_back(0);
      std::uint64_t count = 0;
      if (trees_[self])
        for (const KeyDigest& kd : trees_[self]->leaf_keys[leaf]) {
          buf_.push_back(kd.key);
          buf_.push_back(kd.digest);
          ++count;
        }
      buf_[count_at] = count;
      stats_.keys_listed += count;
      bytes += kLeafHeaderBytes + kKeyDigestBytes * static_cast<std::uint32_t>(count);
    }
    send(ctx, msg.from, leaves_msg, buf_, bytes, true);
    return;
  }
  // Descend: this side's hashes of the children of every differing node.
  const auto fanout = static_cast<std::uint32_t>(spec_.fanout);
  buf_.push_back(level + 1);
  for (std::uint32_t p : differing) {
    const std::uint32_t first = p * fanout;
    const std::uint32_t last = std::min(first + fanout, level_sizes_[level + 1]);
    for (std::uint32_t c = first; c < last; ++c) {
      buf_.push_back(c);
      buf_.push_back(hash_at(self, level + 1, c));
    }
  }
  const auto pairs = static_cast<std::uint32_t>((buf_.size() - 1) / 2);
  send(ctx, msg.from, tree_msg, buf_, kHeaderBytes + kLevelBytes + kNodeHashBytes * pairs, true);
}

void MerkleProtocol::on_leaves(Context& ctx, const Message& msg) {
  const NodeId self = ctx.node();
  keys_.clear();
  wanted_.clear();
  const auto w = msg.words;
  if (w.empty()) return;
  std::size_t i = 1;
  for (std::uint64_t l = 0; l < w[0]; ++l) {
    if (i + 2 > w.size()) return;
    const auto leaf = static_cast<std::uint32_t>(w[i]);
    const std::size_t count = static_cast<std::size_t>(w[i + 1]);
    i += 2;
    if (leaf >= level_sizes_.back() || i + 2 * count > w.size()) return;
    static const std::vector<KeyDigest> kNone;
    const auto& mine = trees_[self] ? trees_[self]->leaf_keys[leaf] : kNone;
    std::size_t m = 0;
    for (std::size_t k = 0; k < count; ++k, i += 2) {
      const auto key = static_cast<KeyId>(w[i]);
      const std::uint64_t digest = w[i + 1];
      while (m < mine.size() && mine[m].key < key) keys_.push_back(mine[m++].key);
      if (m < mine.size() && mine[m].key == key) {
        if (mine[m].digest != digest) {  // both hold it, differently: each ships its own
          keys_.push_back(key);
          wanted_.push_back(key);
        }
        ++m;
      } else {
        wanted_.push_back(key);
      }
    }
    while (m < mine.size()) keys_.push_back(mine[m++].key);
  }
  if (keys_.empty() && wanted_.empty()) return;
  // Leaves are token ranges, so their keys come in hash order: in key order
  // the store walks its (key-sorted) replica state instead of jumping around.
  std::sort(keys_.begin(), keys_.end());
  std::sort(wanted_.begin(), wanted_.end());
  ship(ctx, msg.from, push_msg, keys_, wanted_);
}

void MerkleProtocol::ship(Context& ctx, NodeId to, MessageType type, std::span<const std::uint64_t> keys,
                          std::span<const std::uint64_t> wanted) {
  entries_.clear();
  store_.entries_for(ctx.node(), keys, entries_);
  for (std::uint64_t k : keys) {
    if (store_.state_digest(ctx.node(), static_cast<KeyId>(k)) == 0) continue;
    ++stats_.keys_shipped;
    if (record_shipped_) shipped_.emplace_back(ctx.node(), static_cast<KeyId>(k));
  }
  if (type == push_msg) {
    // PUSH layout: [entry word count, entries..., wanted keys...]
    buf_.clear();
    buf_.push_back(entries_.size());
    buf_.insert(buf_.end(), entries_.begin(), entries_.end());
    buf_.insert(buf_.end(), wanted.begin(), wanted.end());
    const std::uint32_t bytes = store_.entries_wire_bytes(entries_) + 8 * static_cast<std::uint32_t>(wanted.size());
    send(ctx, to, push_msg, buf_, bytes, true);
  } else if (!entries_.empty()) {
    send(ctx, to, entries_msg, entries_, store_.entries_wire_bytes(entries_), true);
  }
}

void MerkleProtocol::summary_metrics(std::vector<std::pair<std::string, double>>& out) const {
  const MerkleStats& s = stats_;
  // A ratio over no repairs does not apply: NaN (an empty value), not 0.
  auto per = [](std::uint64_t a, std::uint64_t b) {
    return b == 0 ? std::numeric_limits<double>::quiet_NaN() : static_cast<double>(a) / static_cast<double>(b);
  };
  out.emplace_back("merkle.repairs", static_cast<double>(s.repairs));
  out.emplace_back("merkle.repairs_divergent", static_cast<double>(s.repairs_divergent));
  out.emplace_back("merkle.bytes", static_cast<double>(s.bytes));
  out.emplace_back("merkle.bytes_per_repair", per(s.bytes, s.repairs));
  out.emplace_back("merkle.bytes_per_divergent_repair", per(s.divergent_bytes, s.repairs_divergent));
  // A message is half a round trip.
  out.emplace_back("merkle.round_trips_per_repair", per(s.messages, 2 * s.repairs));
  out.emplace_back("merkle.round_trips_per_divergent_repair", per(s.divergent_messages, 2 * s.repairs_divergent));
  out.emplace_back("merkle.keys_shipped", static_cast<double>(s.keys_shipped));
}

bool MerkleProtocol::hash_state(StateHasher& h) const {
  for (const auto& t : trees_) {
    h.add_bool(t != nullptr);
    if (!t) continue;
    for (const auto& level : t->levels)
      for (const std::uint64_t x : level) h.add(x);
    for (const auto& leaf : t->leaf_keys) {
      h.add(leaf.size());
      for (const KeyDigest& k : leaf) {
        h.add(k.key);
        h.add(k.digest);
      }
    }
    h.add(t->dirty.size());
    for (const std::uint32_t d : t->dirty) h.add(d);
    for (const std::uint8_t d : t->is_dirty) h.add(d);
  }
  const MerkleStats& s = stats_;
  for (const std::uint64_t v : {s.repairs, s.repairs_in_sync, s.repairs_divergent, s.messages, s.bytes, s.divergent_messages,
                                s.divergent_bytes, s.leaves_differing, s.keys_listed, s.keys_shipped, s.leaf_updates,
                                s.inner_recomputed})
    h.add(v);
  h.add(shipped_.size());
  for (const auto& [n, k] : shipped_) {
    h.add(n);
    h.add(k);
  }
  return true;
}

}  // namespace ecsim
