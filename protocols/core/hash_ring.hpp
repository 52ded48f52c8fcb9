#pragma once
// Consistent hashing (Karger et al., 1997) with virtual nodes: a session or a
// key maps to the first replica clockwise from its hash, so adding or removing
// a replica moves only about 1/N of the sessions.
#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include "sim/time.hpp"

namespace ecsim {

std::uint64_t stable_hash(std::string_view text);  // FNV-1a 64 then mixed; never std::hash

class HashRing {
 public:
  HashRing() = default;
  HashRing(const std::vector<NodeId>& replicas, std::uint32_t virtual_nodes = 64);
  // The first replica clockwise from `hash` that `usable` accepts; kNoNode if none.
  NodeId owner(std::uint64_t hash, const std::function<bool(NodeId)>& usable) const;
  NodeId owner(std::uint64_t hash) const;
  // The first `count` distinct replicas clockwise from `hash` (fewer if the
  // ring has fewer): a key's preference list in Dynamo terms.
  std::vector<NodeId> successors(std::uint64_t hash, std::size_t count) const;
  bool empty() const { return points_.empty(); }

 private:
  std::vector<std::pair<std::uint64_t, NodeId>> points_;  // sorted by hash
};

}  // namespace ecsim
