#pragma once
// Per-node local clocks: offset and drift relative to true simulated time,
// stepped by faults. Protocols read only their node's local clock
//; true time stays the kernel's business.
#include <cmath>
#include <vector>

#include "sim/rng.hpp"
#include "sim/scenario.hpp"

namespace ecsim {

class NodeClocks {
 public:
  NodeClocks() = default;
  NodeClocks(std::size_t nodes, const ClockSpec& spec, Rng rng);

  // Local reading at true time t: piecewise linear since the last step.
  SimTime local(NodeId node, SimTime true_now) const {
    if (ideal_) return true_now;  // no skew, drift or steps anywhere: skip a per-node lookup
    const Segment& s = segments_[node];
    const SimTime elapsed = true_now - s.true_base;
    // floor, not truncation: the reading is the last whole ns reached, which
    // makes true_duration's ceil an exact inverse for negative drift too.
    return s.local_base + elapsed + static_cast<SimTime>(std::floor(static_cast<double>(elapsed) * s.drift_ppm * 1e-6));
  }
  // True duration that elapses while the node's clock advances by local_ns.
  SimTime true_duration(NodeId node, SimTime local_ns) const;
  // Clock step fault: jump by offset_ns (relative), optionally change drift.
  void step(NodeId node, SimTime true_now, SimTime offset_ns);
  void set_drift(NodeId node, SimTime true_now, double drift_ppm);
  double drift_ppm(NodeId node) const { return ideal_ ? 0.0 : segments_[node].drift_ppm; }
  SimTime offset(NodeId node, SimTime true_now) const { return local(node, true_now) - true_now; }
  // Feeds every clock's state to a StateHasher (sim/state_hash.hpp).
  template <class Hasher>
  void hash_state(Hasher& h) const {
    h.add_bool(ideal_);
    for (const Segment& s : segments_) {
      h.add_signed(s.true_base);
      h.add_signed(s.local_base);
      h.add_double(s.drift_ppm);
    }
  }

 private:
  struct Segment {
    SimTime true_base = 0;
    SimTime local_base = 0;
    double drift_ppm = 0.0;
  };
  void materialise();  // stores every node's segment (all ideal so far)

  std::size_t nodes_ = 0;
  std::vector<Segment> segments_;  // empty while ideal_
  bool ideal_ = true;  // every clock reads true time
};

}  // namespace ecsim
