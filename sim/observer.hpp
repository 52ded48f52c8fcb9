#pragma once
// The kernel's observations flowing one way: messages, node events and
// faults; checkers and trace writers (analysis/) listen. Protocol-level
// observations are not the kernel's: replicated key-value stores report
// through analysis/observations.hpp, other modules through their own typed
// channels (sim/channel.hpp). Nothing here lets an observer steer the
// simulation.
#include <cstdint>
#include <string>
#include <string_view>

#include "sim/time.hpp"

namespace ecsim {

enum class NetEventKind : std::uint8_t { send, deliver, drop, duplicate };

struct NetEvent {
  SimTime time;
  NetEventKind kind;
  NodeId node;  // send/drop-at-send/duplicate: sender; deliver/drop-at-delivery: receiver
  NodeId peer;
  std::uint64_t msg_id;
  std::uint32_t bytes;
  std::string_view reason;  // drop: "loss", "partition", "crashed", "no-route"
};

enum class NodeEventKind : std::uint8_t { timer, crash, restart, clock_step };

enum class FaultEventKind : std::uint8_t {
  partition, heal, loss_start, loss_end, flap_cut, flap_heal, duplicate_start, duplicate_end
};

class Observer {
 public:
  virtual ~Observer() = default;
  // High-volume kernel observations (on_net, timer on_node) go only to
  // observers that want them, so checkers don't pay for trace volume.
  virtual bool wants_net_events() const { return false; }
  // Network and node level (kernel).
  virtual void on_net(const NetEvent&) {}
  virtual void on_node(SimTime, NodeId, NodeEventKind, bool lose_state) {}
  virtual void on_fault(SimTime, FaultEventKind, std::string_view description) {}
};

}  // namespace ecsim
