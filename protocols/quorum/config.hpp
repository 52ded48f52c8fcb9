#pragma once
// protocols.replication: the section this module owns (loaded by config.cpp).
// Dynamo-style replication: each key lives on `n` replicas (its preference
// list on a hash ring); a write is acknowledged after `w` of them applied it,
// a read answers after `r` replied. With `sloppy`, a write whose
// coordinator hears nothing from a replica within `hint_after` goes to the
// next node on the ring beyond the first n as well, with a hint naming the
// replica it stands in for (sloppy quorum, hinted handoff: quorum.hpp).
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
  // Sloppy quorum and hinted handoff (DeCandia et al., 2007, section 4.6).
  // Off: strict quorums, exactly as before these keys existed (the resolved
  // configuration does not even print them).
  bool sloppy = false;
  SimTime hint_after_ns = kSecond / 4;     // a replica silent this long gets a stand-in; default timeout / 4
  SimTime handoff_interval_ns = kSecond;  // how often a node holding hints tries to hand them back
};

SectionDef replication_section();

}  // namespace ecsim
