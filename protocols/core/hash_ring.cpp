#include "protocols/core/hash_ring.hpp"

#include <algorithm>
#include <string>

namespace ecsim {

std::uint64_t stable_hash(std::string_view text) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  // Finalise: FNV alone clusters similar short strings on the ring.
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  return h;
}

HashRing::HashRing(const std::vector<NodeId>& replicas, std::uint32_t virtual_nodes) {
  for (NodeId r : replicas)
    for (std::uint32_t v = 0; v < virtual_nodes; ++v)
      points_.emplace_back(stable_hash("replica-" + std::to_string(r) + "-vnode-" + std::to_string(v)), r);
  std::sort(points_.begin(), points_.end());
}

NodeId HashRing::owner(std::uint64_t hash, const std::function<bool(NodeId)>& usable) const {
  if (points_.empty()) return kNoNode;
  auto it = std::lower_bound(points_.begin(), points_.end(), std::make_pair(hash, NodeId{0}));
  for (std::size_t step = 0; step < points_.size(); ++step, ++it) {
    if (it == points_.end()) it = points_.begin();
    if (!usable || usable(it->second)) return it->second;
  }
  return kNoNode;
}

NodeId HashRing::owner(std::uint64_t hash) const { return owner(hash, {}); }

std::vector<NodeId> HashRing::successors(std::uint64_t hash, std::size_t count) const {
  std::vector<NodeId> out;
  if (points_.empty()) return out;
  auto it = std::lower_bound(points_.begin(), points_.end(), std::make_pair(hash, NodeId{0}));
  for (std::size_t step = 0; step < points_.size() && out.size() < count; ++step, ++it) {
    if (it == points_.end()) it = points_.begin();
    if (std::find(out.begin(), out.end(), it->second) == out.end()) out.push_back(it->second);
  }
  return out;
}

}  // namespace ecsim
