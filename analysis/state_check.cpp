#include "analysis/state_check.hpp"

#include <algorithm>
#include <charconv>
#include <fmt/format.h>
#include <set>

namespace ecsim {
namespace {

// Value formats of docs/SCENARIO_REFERENCE.md, parsed as the stores parse them
// (protocols/crdt/crdt_store.cpp): a counter amount, a cart line "item[:qty]".
std::int64_t amount_of(const std::string& text) {
  std::int64_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  return (ec != std::errc() || ptr != text.data() + text.size() || v < 0) ? 1 : v;
}

std::pair<std::string, std::int64_t> cart_line(const std::string& text) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) return {text, 1};
  std::int64_t q = 0;
  auto [ptr, ec] = std::from_chars(text.data() + colon + 1, text.data() + text.size(), q);
  if (ec != std::errc() || ptr != text.data() + text.size() || q < 0) return {text, 1};
  return {text.substr(0, colon), q};
}

}  // namespace

StateChecker::StateChecker(StoreType type)
    : type_(type), needs_causality_(type == StoreType::orset || type == StoreType::mvregister) {}

void StateChecker::learn(ActorId actor, KeyId key, WriteId write) {
  Known& k = known_[slot(actor, key)];
  if (k.position.try_emplace(write, k.count).second) ++k.count;
}

void StateChecker::on_write_accepted(SimTime, NodeId node, KeyId key, WriteId write, StateRank, std::uint64_t) {
  if (write >= writes_.size()) writes_.resize(static_cast<std::size_t>(write) + 1);
  Write& w = writes_[write];
  const ActorId actor = actor_of(node);
  w.key = key;
  w.actor = actor;
  // A write a replica accepted took effect, also when its reply was lost and
  // the client recorded a failure: the final state must reflect it.
  took_effect(write, w);
  if (!needs_causality_) return;
  auto it = known_.find(slot(actor, key));
  w.known_before = it == known_.end() ? 0 : it->second.count;
  learn(actor, key, write);
}

void StateChecker::on_write_received(SimTime, NodeId node, KeyId key, WriteId write) {
  if (needs_causality_ && write != kNoWrite) learn(actor_of(node), key, write);
}

void StateChecker::on_state_lost(SimTime, NodeId node) {
  // The wiped replica continues as a new incarnation that knows nothing yet.
  if (node >= actor_.size()) {
    const auto from = static_cast<NodeId>(actor_.size());
    actor_.resize(static_cast<std::size_t>(node) + 1);
    for (NodeId n = from; n < actor_.size(); ++n) actor_[n] = n;
  }
  actor_[node] = next_actor_++;
}

void StateChecker::on_op(const OpRecord& op) {
  if (!op.is_write || op.write == kNoWrite) return;
  if (op.write >= writes_.size()) writes_.resize(static_cast<std::size_t>(op.write) + 1);
  Write& w = writes_[op.write];
  w.key = op.key_id;
  w.remove = op.op == "decr" || op.op == "remove";
  w.value = std::string(op.value);
  if (op.ok) took_effect(op.write, w);
}

void StateChecker::took_effect(WriteId id, Write& w) {
  if (w.listed) return;
  w.listed = true;
  effective_by_key_[w.key].push_back(id);
}

bool StateChecker::observed(WriteId later, WriteId earlier) const {
  const Write& l = writes_[later];
  if (l.actor == kNoActor) return false;
  auto it = known_.find(slot(l.actor, l.key));
  if (it == known_.end()) return false;
  auto p = it->second.position.find(earlier);
  return p != it->second.position.end() && p->second < l.known_before;
}

std::string StateChecker::expected(KeyId key) const {
  auto found = effective_by_key_.find(key);
  static const std::vector<WriteId> kNone;
  const std::vector<WriteId>& ws = found == effective_by_key_.end() ? kNone : found->second;
  switch (type_) {
    case StoreType::gcounter:
    case StoreType::pncounter: {
      std::int64_t sum = 0;
      for (WriteId w : ws) sum += writes_[w].remove ? -amount_of(writes_[w].value) : amount_of(writes_[w].value);
      return std::to_string(sum);
    }
    case StoreType::cart: {
      std::map<std::string, std::int64_t> items;
      for (WriteId w : ws) {
        const auto [item, q] = cart_line(writes_[w].value);
        items[item] += writes_[w].remove ? -q : q;
      }
      std::vector<std::string> lines;
      for (const auto& [item, q] : items)
        if (q > 0) lines.push_back(fmt::format("{}:{}", item, q));
      std::sort(lines.begin(), lines.end());
      return fmt::format("{}", fmt::join(lines, ";"));
    }
    case StoreType::orset: {
      // Add-wins: an add survives unless a remove of the same member observed it.
      std::set<std::string> members;
      for (WriteId a : ws) {
        if (writes_[a].remove) continue;
        bool cancelled = false;
        for (WriteId r : ws)
          if (writes_[r].remove && writes_[r].value == writes_[a].value && observed(r, a)) {
            cancelled = true;
            break;
          }
        if (!cancelled) members.insert(writes_[a].value);
      }
      return fmt::format("{}", fmt::join(members, ";"));
    }
    case StoreType::mvregister: {
      std::vector<std::string> siblings;
      for (WriteId w : ws) {
        bool superseded = false;
        for (WriteId later : ws)
          if (later != w && observed(later, w)) {
            superseded = true;
            break;
          }
        if (!superseded) siblings.push_back(writes_[w].value);
      }
      std::sort(siblings.begin(), siblings.end());
      return fmt::format("{}", fmt::join(siblings, "|"));
    }
    case StoreType::lww: break;
  }
  return {};
}

void StateChecker::final_value(NodeId node, KeyId key, std::string_view value) {
  finals_[key].emplace_back(node, std::string(value));
}

void StateChecker::finish() {
  if (!applies()) return;
  for (const auto& [key, ws] : effective_by_key_) {
    ++checked_;
    const std::string want = expected(key);
    auto it = finals_.find(key);
    std::vector<StateMismatch> found;
    if (it == finals_.end() || it->second.empty()) {
      // Nobody holds the key: right only if the history implies an empty value.
      if (!want.empty() && want != "0") found.push_back(StateMismatch{key, kNoNode, "", want});
    } else {
      for (const auto& [node, got] : it->second)
        if (got != want) found.push_back(StateMismatch{key, node, got, want});
    }
    if (found.empty()) continue;
    ++mismatched_;
    if (mismatches_.size() < 5) mismatches_.push_back(found.front());
  }
}

}  // namespace ecsim
