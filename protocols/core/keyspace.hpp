#pragma once
// Names shared by clients, stores and outputs: key names <-> dense ids, and
// the table of every client write (its value text), so that replicas carry
// a write id on the wire and a read can still return the value written.
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "analysis/observations.hpp"

namespace ecsim {

class KeySpace {
 public:
  // Keys k0..k{n-1} get ids 0..n-1; other names are added on first use.
  explicit KeySpace(std::uint32_t workload_keys);
  KeyId intern(std::string_view name);
  const std::string& name(KeyId id);
  std::uint32_t size() const { return static_cast<std::uint32_t>(extra_.size()) + workload_keys_; }

 private:
  std::uint32_t workload_keys_;
  std::vector<std::string> extra_;
  std::unordered_map<std::string, KeyId> extra_ids_;
  std::string scratch_;
};

struct WriteInfo {
  KeyId key = 0;
  std::string value;
};

class WriteTable {
 public:
  WriteTable() { writes_.emplace_back(); }  // id 0 = no write
  WriteId add(KeyId key, std::string value) {
    writes_.push_back(WriteInfo{key, std::move(value)});
    return writes_.size() - 1;
  }
  const WriteInfo& get(WriteId id) const { return writes_[id]; }
  void set_value(WriteId id, std::string value) { writes_[id].value = std::move(value); }
  std::size_t size() const { return writes_.size() - 1; }

 private:
  std::vector<WriteInfo> writes_;
};

}  // namespace ecsim
