#include "protocols/core/keyspace.hpp"

#include <charconv>
#include <fmt/format.h>
#include <iterator>

namespace ecsim {

KeySpace::KeySpace(std::uint32_t workload_keys) : workload_keys_(workload_keys) {}

KeyId KeySpace::intern(std::string_view name) {
  // Fast path for the workload's own names "k<i>" with i < workload_keys.
  if (name.size() > 1 && name[0] == 'k' && name[1] != '0') {
    std::uint32_t i = 0;
    auto [ptr, ec] = std::from_chars(name.data() + 1, name.data() + name.size(), i);
    if (ec == std::errc() && ptr == name.data() + name.size() && i < workload_keys_) return i;
  }
  if (name == "k0" && workload_keys_ > 0) return 0;
  auto it = extra_ids_.find(std::string(name));
  if (it != extra_ids_.end()) return it->second;
  const KeyId id = workload_keys_ + static_cast<KeyId>(extra_.size());
  extra_.emplace_back(name);
  extra_ids_.emplace(std::string(name), id);
  return id;
}

const std::string& KeySpace::name(KeyId id) {
  if (id >= workload_keys_) return extra_[id - workload_keys_];
  scratch_.clear();  // fmt, not "k" + to_string: GCC 12 warns falsely (-Wrestrict) on the latter
  fmt::format_to(std::back_inserter(scratch_), "k{}", id);
  return scratch_;
}

}  // namespace ecsim
