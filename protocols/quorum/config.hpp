#pragma once
// protocols.replication: the section this module owns (loaded by config.cpp).
// Dynamo-style replication: each key lives on `n` replicas (its preference
// list on a hash ring); a write is acknowledged after `w` of them applied it,
// a read answers after `r` replied.
#include <string_view>

#include "sim/section.hpp"
#include "sim/time.hpp"

namespace ecsim {

struct ReplicationSpec : SectionValue {
  static constexpr std::string_view kPath = "protocols.replication";
  int n = 3;
  int w = 2;
  int r = 2;
  SimTime timeout_ns = kSecond;  // coordinator gives up (op fails) after this
};

SectionDef replication_section();

}  // namespace ecsim
