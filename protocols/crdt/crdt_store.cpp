#include "protocols/core/store_config.hpp"
#include "protocols/crdt/crdt_store.hpp"

#include <algorithm>
#include <bit>
#include <charconv>
#include <fmt/format.h>
#include <stdexcept>
#include <tuple>

#include "sim/hash.hpp"

namespace ecsim {
namespace {
constexpr std::uint32_t kHeaderBytes = 16;  // message header, as for LWW
constexpr std::uint32_t kKeyBytes = 8;
constexpr std::uint32_t kVvEntryBytes = 12;  // actor (4) + counter (8)
constexpr std::uint32_t kDotBytes = 12;      // actor (4) + seq (8)

std::uint64_t pack(std::uint32_t hi, std::uint64_t lo) {
  if (lo > 0xFFFFFFFFu) throw std::length_error("CRDT counter exceeds 32 bits on the wire");
  return (static_cast<std::uint64_t>(hi) << 32) | lo;
}

bool elem_less(const crdt::Elem& a, const crdt::Elem& b) {
  return std::tie(a.value, a.actor, a.seq) < std::tie(b.value, b.actor, b.seq);
}
bool row_less(const crdt::Row& a, const crdt::Row& b) { return std::tie(a.actor, a.item) < std::tie(b.actor, b.item); }

}  // namespace

const char* crdt_kind_name(CrdtKind kind) {
  switch (kind) {
    case CrdtKind::gcounter: return "gcounter";
    case CrdtKind::pncounter: return "pncounter";
    case CrdtKind::orset: return "orset";
    case CrdtKind::mvregister: return "mvregister";
    case CrdtKind::cart: return "cart";
  }
  return "?";
}

std::int64_t parse_amount(const std::string& text) {
  std::int64_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size() || v < 0) return 1;
  return v;
}

std::pair<std::string, std::int64_t> parse_cart_line(const std::string& text) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) return {text, 1};
  std::int64_t q = 0;
  const char* first = text.data() + colon + 1;
  const char* last = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(first, last, q);
  if (ec != std::errc() || ptr != last || q < 0) return {text, 1};
  return {text.substr(0, colon), q};
}

// ---------------------------------------------------------------------------
// The state lattice

namespace crdt {

bool is_prefix_kind(CrdtKind kind) {
  return kind == CrdtKind::gcounter || kind == CrdtKind::pncounter || kind == CrdtKind::cart;
}

namespace {

bool merge_prefix(State& into, const State& from) {
  // Actors whose operations `from` has seen more of: take their rows whole.
  std::vector<ActorId> newer;
  for (const auto& [a, c] : from.ctx.entries())
    if (c > into.ctx.get(a)) newer.push_back(a);
  if (newer.empty()) return false;
  auto is_newer = [&](ActorId a) { return std::binary_search(newer.begin(), newer.end(), a); };
  std::vector<Row> kept, taken;
  kept.reserve(into.rows.size());
  for (const Row& r : into.rows)
    if (!is_newer(r.actor)) kept.push_back(r);
  for (const Row& r : from.rows)
    if (is_newer(r.actor)) taken.push_back(r);
  into.rows.clear();
  std::merge(kept.begin(), kept.end(), taken.begin(), taken.end(), std::back_inserter(into.rows), row_less);
  for (ActorId a : newer) into.ctx.set(a, from.ctx.get(a));
  return true;
}

bool merge_dotted(State& into, const State& from) {
  std::vector<Elem> out;
  out.reserve(into.elems.size() + from.elems.size());
  std::size_t i = 0, j = 0;
  const auto& a = into.elems;
  const auto& b = from.elems;
  while (i < a.size() || j < b.size()) {
    if (j == b.size() || (i < a.size() && elem_less(a[i], b[j]))) {
      // Only here: keep it unless the other side has seen its dot (and so removed it).
      if (!from.ctx.contains(a[i].actor, a[i].seq)) out.push_back(a[i]);
      ++i;
    } else if (i == a.size() || elem_less(b[j], a[i])) {
      if (!into.ctx.contains(b[j].actor, b[j].seq)) out.push_back(b[j]);
      ++j;
    } else {
      out.push_back(a[i]);
      ++i;
      ++j;
    }
  }
  const bool elems_changed = out != into.elems;
  into.elems.swap(out);
  const bool ctx_grew = into.ctx.merge(from.ctx);
  return elems_changed || ctx_grew;
}

std::uint32_t next_seq(State& s, ActorId actor) {
  const std::uint64_t seq = s.ctx.increment(actor);
  if (seq > 0xFFFFFFFFu) throw std::length_error("more than 2^32 operations by one actor on one key");
  return static_cast<std::uint32_t>(seq);
}

void erase_value(State& s, std::uint64_t value) {
  auto lo = std::lower_bound(s.elems.begin(), s.elems.end(), value, [](const Elem& e, std::uint64_t v) { return e.value < v; });
  auto hi = lo;
  while (hi != s.elems.end() && hi->value == value) ++hi;
  s.elems.erase(lo, hi);
}

}  // namespace

bool merge(CrdtKind kind, State& into, const State& from) {
  return is_prefix_kind(kind) ? merge_prefix(into, from) : merge_dotted(into, from);
}

std::uint32_t counter_update(State& s, ActorId actor, std::uint32_t item, std::int64_t incr, std::int64_t decr) {
  const std::uint32_t seq = next_seq(s, actor);
  const Row probe{actor, item, 0, 0};
  auto it = std::lower_bound(s.rows.begin(), s.rows.end(), probe, row_less);
  if (it == s.rows.end() || it->actor != actor || it->item != item) it = s.rows.insert(it, probe);
  it->p += incr;
  it->n += decr;
  return seq;
}

std::uint32_t orset_add(State& s, ActorId actor, std::uint64_t value) {
  const std::uint32_t seq = next_seq(s, actor);
  // The add has observed every dot of `value` held here: it replaces them.
  erase_value(s, value);
  const Elem e{value, actor, seq};
  s.elems.insert(std::lower_bound(s.elems.begin(), s.elems.end(), e, elem_less), e);
  return seq;
}

std::uint32_t orset_remove(State& s, ActorId actor, std::uint64_t value) {
  const std::uint32_t seq = next_seq(s, actor);  // the remove's own dot: only its context records it
  erase_value(s, value);
  return seq;
}

std::uint32_t mv_write(State& s, ActorId actor, std::uint64_t write) {
  const std::uint32_t seq = next_seq(s, actor);
  s.elems.assign(1, Elem{write, actor, seq});  // supersedes every sibling seen here
  return seq;
}

std::int64_t counter_value(const State& s) {
  std::int64_t v = 0;
  for (const Row& r : s.rows) v += r.p - r.n;
  return v;
}

std::vector<std::pair<std::uint32_t, std::int64_t>> item_totals(const State& s) {
  std::vector<std::pair<std::uint32_t, std::int64_t>> out;
  for (const Row& r : s.rows) out.emplace_back(r.item, r.p - r.n);
  std::sort(out.begin(), out.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
  std::vector<std::pair<std::uint32_t, std::int64_t>> summed;
  for (const auto& [item, q] : out) {
    if (!summed.empty() && summed.back().first == item) summed.back().second += q;
    else summed.emplace_back(item, q);
  }
  return summed;
}

std::vector<std::uint64_t> members(const State& s) {
  std::vector<std::uint64_t> out;
  for (const Elem& e : s.elems)
    if (out.empty() || out.back() != e.value) out.push_back(e.value);
  return out;
}

std::uint64_t digest(const State& s) {
  std::uint64_t h = 0x9e3779b97f4a7c15ULL;
  auto add = [&h](std::uint64_t x) { h = mix64(h ^ mix64(x + 0x632be59bd9b4e019ULL)); };
  for (const auto& [a, c] : s.ctx.entries()) add((static_cast<std::uint64_t>(a) << 32) ^ c);
  add(0xA5A5);
  for (const Row& r : s.rows) {
    add((static_cast<std::uint64_t>(r.actor) << 32) | r.item);
    add(static_cast<std::uint64_t>(r.p));
    add(static_cast<std::uint64_t>(r.n));
  }
  add(0x5A5A);
  for (const Elem& e : s.elems) {
    add(e.value);
    add((static_cast<std::uint64_t>(e.actor) << 32) | e.seq);
  }
  return h == 0 ? 1 : h;
}

StateRank rank(const State& s) {
  // Every operation a state reflects is counted in its context, and a
  // strictly larger state has seen strictly more operations.
  return StateRank{s.ctx.total(), 0};
}

void encode(KeyId key, const State& s, std::vector<std::uint64_t>& out) {
  const std::size_t start = out.size();
  out.push_back(0);
  out.push_back(s.ctx.size());
  for (const auto& [a, c] : s.ctx.entries()) out.push_back(pack(a, c));
  out.push_back(s.rows.size());
  for (const Row& r : s.rows) {
    out.push_back(pack(r.actor, r.item));
    out.push_back(std::bit_cast<std::uint64_t>(r.p));
    out.push_back(std::bit_cast<std::uint64_t>(r.n));
  }
  out.push_back(s.elems.size());
  for (const Elem& e : s.elems) {
    out.push_back(e.value);
    out.push_back(pack(e.actor, e.seq));
  }
  out[start] = pack(key, out.size() - start - 1);
}

bool decode(std::span<const std::uint64_t> w, std::size_t& pos, KeyId& key, State& s) {
  if (pos >= w.size()) return false;
  key = static_cast<KeyId>(w[pos] >> 32);
  const std::size_t len = w[pos] & 0xFFFFFFFFu;
  const std::size_t end = pos + 1 + len;
  if (end > w.size()) return false;
  std::size_t i = pos + 1;
  auto take = [&](std::uint64_t& x) {
    if (i >= end) return false;
    x = w[i++];
    return true;
  };
  s = State{};
  std::uint64_t n = 0, x = 0;
  if (!take(n) || n > len) return false;
  for (std::uint64_t k = 0; k < n; ++k) {
    if (!take(x)) return false;
    s.ctx.set(static_cast<ActorId>(x >> 32), x & 0xFFFFFFFFu);
  }
  if (!take(n) || n > len) return false;
  s.rows.resize(n);
  for (Row& r : s.rows) {
    std::uint64_t p = 0, q = 0;
    if (!take(x) || !take(p) || !take(q)) return false;
    r = Row{static_cast<ActorId>(x >> 32), static_cast<std::uint32_t>(x), std::bit_cast<std::int64_t>(p),
            std::bit_cast<std::int64_t>(q)};
  }
  if (!take(n) || n > len) return false;
  s.elems.resize(n);
  for (Elem& e : s.elems) {
    std::uint64_t v = 0;
    if (!take(v) || !take(x)) return false;
    e = Elem{v, static_cast<ActorId>(x >> 32), static_cast<std::uint32_t>(x)};
  }
  pos = end;
  return i == end;
}

}  // namespace crdt

// ---------------------------------------------------------------------------
// The store

namespace {
CrdtKind kind_for(StoreType t) {
  switch (t) {
    case StoreType::gcounter: return CrdtKind::gcounter;
    case StoreType::pncounter: return CrdtKind::pncounter;
    case StoreType::orset: return CrdtKind::orset;
    case StoreType::mvregister: return CrdtKind::mvregister;
    case StoreType::cart: return CrdtKind::cart;
    case StoreType::lww: break;
  }
  throw std::invalid_argument("CrdtStore: store.type lww is LwwStore's");
}
}  // namespace

CrdtStore::CrdtStore(const Scenario& scenario, const WriteTable& writes)
    : CrdtStore(kind_for(store_of(scenario).type), scenario.topology.node_names,
                static_cast<std::uint32_t>(store_of(scenario).value_bytes), writes) {}

CrdtStore::CrdtStore(CrdtKind kind, std::vector<std::string> node_names, std::uint32_t value_bytes, const WriteTable& writes)
    : kind_(kind),
      value_bytes_(value_bytes),
      writes_(writes),
      nodes_(node_names.size()),
      actor_(node_names.size()),
      incarnation_(node_names.size(), 0) {
  // Actor i is node i's first incarnation; later incarnations are appended.
  for (NodeId n = 0; n < node_names.size(); ++n) actor_[n] = n;
  actor_names_ = std::move(node_names);
}

const crdt::State* CrdtStore::find(NodeId node, KeyId key) const {
  const auto& list = nodes_[node];
  auto it = std::lower_bound(list.begin(), list.end(), key, [](const KeyState& e, KeyId k) { return e.key < k; });
  return (it != list.end() && it->key == key) ? &it->state : nullptr;
}

CrdtStore::KeyState* CrdtStore::find_mutable(NodeId node, KeyId key) {
  auto& list = nodes_[node];
  auto it = std::lower_bound(list.begin(), list.end(), key, [](const KeyState& e, KeyId k) { return e.key < k; });
  return (it != list.end() && it->key == key) ? &*it : nullptr;
}

CrdtStore::KeyState& CrdtStore::get_or_create(NodeId node, KeyId key) {
  auto& list = nodes_[node];
  auto it = std::lower_bound(list.begin(), list.end(), key, [](const KeyState& e, KeyId k) { return e.key < k; });
  if (it == list.end() || it->key != key) it = list.insert(it, KeyState{key, {}});
  return *it;
}

std::uint32_t CrdtStore::intern(const std::string& value) {
  auto [it, inserted] = value_ids_.try_emplace(value, static_cast<std::uint32_t>(values_.size()));
  if (inserted) values_.push_back(value);
  return it->second;
}

const std::vector<WriteId>* CrdtStore::find_log(KeyId key, ActorId actor) const {
  auto it = log_.find((static_cast<std::uint64_t>(key) << 32) | actor);
  return it == log_.end() ? nullptr : &it->second;
}

WriteId CrdtStore::latest_write(KeyId key, const crdt::State& s) const {
  // The newest write (highest id: ids are issued in invocation order) among
  // each actor's latest operation seen here.
  WriteId best = kNoWrite;
  for (const auto& [a, c] : s.ctx.entries())
    if (const auto* l = find_log(key, a); l && c <= l->size()) best = std::max(best, (*l)[c - 1]);
  return best;
}

std::string CrdtStore::value_text(const crdt::State& s) const {
  switch (kind_) {
    case CrdtKind::gcounter:
    case CrdtKind::pncounter: return std::to_string(crdt::counter_value(s));
    case CrdtKind::orset: {
      std::vector<std::string> names;
      for (std::uint64_t v : crdt::members(s)) names.push_back(values_[v]);
      std::sort(names.begin(), names.end());
      return fmt::format("{}", fmt::join(names, ";"));
    }
    case CrdtKind::mvregister: {
      std::vector<std::string> siblings;
      for (const crdt::Elem& e : s.elems) siblings.push_back(writes_.get(e.value).value);
      std::sort(siblings.begin(), siblings.end());
      return fmt::format("{}", fmt::join(siblings, "|"));
    }
    case CrdtKind::cart: {
      std::vector<std::string> lines;
      for (const auto& [item, q] : crdt::item_totals(s))
        if (q > 0) lines.push_back(fmt::format("{}:{}", values_[item], q));
      std::sort(lines.begin(), lines.end());
      return fmt::format("{}", fmt::join(lines, ";"));
    }
  }
  return {};
}

std::string CrdtStore::context_text(const crdt::State& s) const {
  std::string out;
  for (const auto& [a, c] : s.ctx.entries()) {
    if (!out.empty()) out += ' ';
    out += fmt::format("{}:{}", actor_names_[a], c);
  }
  return out;
}

ReadResult CrdtStore::read(const ReplicaCall& at, KeyId key) {
  ReadResult r;
  if (const crdt::State* s = find(at.node, key)) {
    r.found = true;
    r.value = value_text(*s);
    r.version = context_text(*s);
    r.rank = crdt::rank(*s);
    r.write = latest_write(key, *s);
  }
  return r;
}

WriteResult CrdtStore::write(const ReplicaCall& at, KeyId key, OpKind op, WriteId write, std::uint64_t session_uid) {
  KeyState& ks = get_or_create(at.node, key);
  crdt::State& s = ks.state;
  const ActorId actor = actor_[at.node];
  const std::string& value = writes_.get(write).value;
  auto unsupported = [&]() -> std::uint32_t {
    throw std::invalid_argument(fmt::format("op kind {} does not apply to a {} store", static_cast<int>(op), crdt_kind_name(kind_)));
  };
  std::uint32_t seq = 0;
  switch (kind_) {
    case CrdtKind::gcounter:
      seq = op == OpKind::incr ? crdt::counter_update(s, actor, 0, parse_amount(value), 0) : unsupported();
      break;
    case CrdtKind::pncounter:
      if (op == OpKind::incr) seq = crdt::counter_update(s, actor, 0, parse_amount(value), 0);
      else if (op == OpKind::decr) seq = crdt::counter_update(s, actor, 0, 0, parse_amount(value));
      else unsupported();
      break;
    case CrdtKind::cart: {
      const auto [item, qty] = parse_cart_line(value);
      const std::uint32_t id = intern(item);
      if (op == OpKind::add) seq = crdt::counter_update(s, actor, id, qty, 0);
      else if (op == OpKind::remove) seq = crdt::counter_update(s, actor, id, 0, qty);
      else unsupported();
      break;
    }
    case CrdtKind::orset:
      if (op == OpKind::add) seq = crdt::orset_add(s, actor, intern(value));
      else if (op == OpKind::remove) seq = crdt::orset_remove(s, actor, intern(value));
      else unsupported();
      break;
    case CrdtKind::mvregister:
      seq = op == OpKind::write ? crdt::mv_write(s, actor, write) : unsupported();
      break;
  }
  std::vector<WriteId>& l = log(key, actor);
  if (l.size() + 1 != seq) throw std::logic_error("CRDT write log out of step with the causal context");
  l.push_back(write);

  WriteResult result;
  result.version = fmt::format("{}:{}", actor_names_[actor], seq);
  result.rank = crdt::rank(s);
  result.kept = true;
  if (at.observer) at.observer->on_write_accepted(at.now, at.node, key, write, result.rank, session_uid);
  notify_applied(at, key, crdt::digest(s), result.rank);
  return result;
}

void CrdtStore::digest(NodeId node, std::vector<std::uint64_t>& out) const {
  // Per key: [key << 32 | ctx entries], then the version vector.
  for (const KeyState& ks : nodes_[node]) {
    out.push_back(pack(ks.key, ks.state.ctx.size()));
    for (const auto& [a, c] : ks.state.ctx.entries()) out.push_back(pack(a, c));
  }
}

void CrdtStore::compare(NodeId self, std::span<const std::uint64_t> peer_digest, std::vector<std::uint64_t>& entries_to_send,
                        std::vector<std::uint64_t>& keys_wanted) const {
  const auto& mine = nodes_[self];
  std::size_t i = 0;
  std::size_t pos = 0;
  VersionVector theirs;
  auto ship = [&](const KeyState& ks, const VersionVector* peer) {
    if (peer == nullptr || !crdt::is_prefix_kind(kind_)) {
      crdt::encode(ks.key, ks.state, entries_to_send);
      return;
    }
    // Prefix family: a delta of the actors the peer has seen less of.
    crdt::State delta;
    for (const auto& [a, c] : ks.state.ctx.entries())
      if (c > peer->get(a)) delta.ctx.set(a, c);
    for (const crdt::Row& r : ks.state.rows)
      if (delta.ctx.get(r.actor) != 0) delta.rows.push_back(r);
    crdt::encode(ks.key, delta, entries_to_send);
  };
  while (pos < peer_digest.size()) {
    const KeyId key = static_cast<KeyId>(peer_digest[pos] >> 32);
    const std::size_t n = peer_digest[pos] & 0xFFFFFFFFu;
    if (pos + 1 + n > peer_digest.size()) break;  // malformed: stop
    theirs.clear();
    for (std::size_t k = 0; k < n; ++k) {
      const std::uint64_t x = peer_digest[pos + 1 + k];
      theirs.set(static_cast<ActorId>(x >> 32), x & 0xFFFFFFFFu);
    }
    pos += 1 + n;
    while (i < mine.size() && mine[i].key < key) ship(mine[i++], nullptr);
    if (i < mine.size() && mine[i].key == key) {
      switch (mine[i].state.ctx.compare(theirs)) {
        case Causality::equal: break;
        case Causality::after: ship(mine[i], &theirs); break;
        case Causality::before: keys_wanted.push_back(key); break;
        case Causality::concurrent:  // neither is newer: both sides need the other's
          ship(mine[i], &theirs);
          keys_wanted.push_back(key);
          break;
      }
      ++i;
    } else {
      keys_wanted.push_back(key);
    }
  }
  while (i < mine.size()) ship(mine[i++], nullptr);
}

void CrdtStore::entries_for(NodeId self, std::span<const std::uint64_t> keys, std::vector<std::uint64_t>& out) const {
  for (std::uint64_t key : keys)
    if (const crdt::State* s = find(self, static_cast<KeyId>(key))) crdt::encode(static_cast<KeyId>(key), *s, out);
}

void CrdtStore::report_new_writes(const ReplicaCall& at, KeyId key, const VersionVector& before, const VersionVector& after) const {
  if (!at.observer) return;
  for (const auto& [a, c] : after.entries()) {
    const std::uint64_t from = before.get(a);
    if (c <= from) continue;
    const auto* l = find_log(key, a);
    if (!l) continue;
    for (std::uint64_t s = from + 1; s <= c && s <= l->size(); ++s) at.observer->on_write_received(at.now, at.node, key, (*l)[s - 1]);
  }
}

void CrdtStore::merge(const ReplicaCall& at, std::span<const std::uint64_t> entries) {
  std::size_t pos = 0;
  KeyId key = 0;
  crdt::State incoming;
  while (pos < entries.size()) {
    if (!crdt::decode(entries, pos, key, incoming)) return;  // malformed: ignore the rest
    KeyState* ks = find_mutable(at.node, key);
    const bool created = ks == nullptr;
    if (created) ks = &get_or_create(at.node, key);
    const VersionVector before = ks->state.ctx;
    if (!crdt::merge(kind_, ks->state, incoming) && !created) continue;
    report_new_writes(at, key, before, ks->state.ctx);
    notify_applied(at, key, crdt::digest(ks->state), crdt::rank(ks->state));
  }
}

std::uint32_t CrdtStore::key_wire_bytes(const crdt::State& s) const {
  std::uint32_t row_bytes = 4 + 8;                                      // actor, increments
  if (kind_ != CrdtKind::gcounter) row_bytes += 8;                      // decrements
  if (kind_ == CrdtKind::cart) row_bytes += value_bytes_;               // the item
  const std::uint32_t elem_bytes = kDotBytes + value_bytes_;            // member or sibling value
  return kKeyBytes + kVvEntryBytes * static_cast<std::uint32_t>(s.ctx.size()) +
         row_bytes * static_cast<std::uint32_t>(s.rows.size()) + elem_bytes * static_cast<std::uint32_t>(s.elems.size());
}

std::uint32_t CrdtStore::digest_bytes(std::size_t words) const {
  return kHeaderBytes + 8 * static_cast<std::uint32_t>(words);
}

std::uint32_t CrdtStore::entry_bytes(std::size_t words) const {
  return kHeaderBytes + 8 * static_cast<std::uint32_t>(words);
}

std::uint32_t CrdtStore::digest_wire_bytes(std::span<const std::uint64_t> digest) const {
  std::uint32_t bytes = kHeaderBytes;
  for (std::size_t pos = 0; pos < digest.size();) {
    const std::size_t n = digest[pos] & 0xFFFFFFFFu;
    bytes += kKeyBytes + kVvEntryBytes * static_cast<std::uint32_t>(n);
    pos += 1 + n;
  }
  return bytes;
}

std::uint32_t CrdtStore::entries_wire_bytes(std::span<const std::uint64_t> entries) const {
  std::uint32_t bytes = kHeaderBytes;
  std::size_t pos = 0;
  KeyId key = 0;
  crdt::State s;
  while (pos < entries.size() && crdt::decode(entries, pos, key, s)) bytes += key_wire_bytes(s);
  return bytes;
}

void CrdtStore::clear(const ReplicaCall& at) {
  if (!clear_needed(at.node)) return;
  nodes_[at.node].clear();
  // A new incarnation: the node must never hand out a dot it used before.
  actor_[at.node] = static_cast<ActorId>(actor_names_.size());
  actor_names_.push_back(fmt::format("{}~{}", actor_names_[at.node], ++incarnation_[at.node]));
  notify_cleared(at);
}

std::uint64_t CrdtStore::state_digest(NodeId node, KeyId key) {
  const crdt::State* s = find(node, key);
  return s ? crdt::digest(*s) : 0;
}

void CrdtStore::reflected_writes(NodeId node, KeyId key, std::vector<WriteId>& out) {
  const crdt::State* s = find(node, key);
  if (!s) return;
  for (const auto& [a, c] : s->ctx.entries())
    if (const auto* l = find_log(key, a))
      for (std::uint64_t i = 0; i < c && i < l->size(); ++i) out.push_back((*l)[i]);
}

bool CrdtStore::hash_state(StateHasher& h) const {
  hash_base(h);
  hash_encoded(h, nodes_, crdt::encode);
  for (const ActorId a : actor_) h.add(a);
  for (const std::uint32_t i : incarnation_) h.add(i);
  h.add(actor_names_.size());
  UnorderedHash logs;  // per (key, actor): the writes in order
  for (const auto& [key_actor, writes] : log_) {
    StateHasher e;
    e.add(key_actor);
    for (const WriteId w : writes) e.add(w);
    logs.add(e.value());
  }
  logs.into(h);
  for (const std::string& v : values_) h.add_string(v);  // interned values: their ids are in the states
  return true;
}

}  // namespace ecsim
