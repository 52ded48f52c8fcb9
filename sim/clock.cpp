#include "sim/clock.hpp"

#include <cmath>

namespace ecsim {

NodeClocks::NodeClocks(std::size_t nodes, const ClockSpec& spec, Rng rng) : nodes_(nodes) {
  // Skew and drift draw from one stream in node order so that node i's
  // clock depends only on the seed and i, not on other components. While
  // every clock drawn is ideal none is stored (24 bytes a node saved in the
  // common case); the first that is not stores them all.
  for (std::size_t n = 0; n < nodes; ++n) {
    Segment s;
    s.local_base = drawn_ns_to_time(spec.skew.sample(rng));  // signed: saturates at +-kMaxDrawnDuration
    s.drift_ppm = spec.drift_ppm.sample(rng);
    if (ideal_ && (s.local_base != 0 || s.drift_ppm != 0.0)) materialise();
    if (!ideal_) segments_[n] = s;
  }
}

void NodeClocks::materialise() {
  ideal_ = false;
  segments_.resize(nodes_);  // ideal clocks: all-zero segments
}

SimTime NodeClocks::true_duration(NodeId node, SimTime local_ns) const {
  if (ideal_) return local_ns;
  if (segments_[node].drift_ppm == 0.0) return local_ns;  // the common case, exact
  const double rate = 1.0 + segments_[node].drift_ppm * 1e-6;
  if (rate <= 0.0) return local_ns;  // absurd drift: never stall the node
  // A drift near -1e6 ppm makes the rate tiny and the quotient huge (even
  // inf): saturate rather than wrap.
  return drawn_ns_to_time(std::ceil(static_cast<double>(local_ns) / rate));
}

void NodeClocks::step(NodeId node, SimTime true_now, SimTime offset_ns) {
  const SimTime now_local = local(node, true_now);
  if (ideal_) materialise();
  Segment& s = segments_[node];
  s.true_base = true_now;
  s.local_base = now_local + offset_ns;
}

void NodeClocks::set_drift(NodeId node, SimTime true_now, double drift_ppm) {
  const SimTime now_local = local(node, true_now);
  if (ideal_) materialise();
  Segment& s = segments_[node];
  s.true_base = true_now;
  s.local_base = now_local;
  s.drift_ppm = drift_ppm;
}

}  // namespace ecsim
