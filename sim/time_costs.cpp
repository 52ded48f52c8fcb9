#include "sim/time_costs.hpp"

#include <algorithm>
#include <cmath>

#include <boost/histogram.hpp>

#include "sim/network.hpp"
#include "sim/state_hash.hpp"

namespace ecsim {

// Queueing delays on a log axis: 2000 bins from 1 ns to 10^13 ns (2.8 h),
// each 1.5% wide, so a quantile is exact to 1.5% (the bin's geometric
// centre is reported). Zero delays (an idle server) are counted apart: they
// are the common case and must come out as exactly 0.
struct TimeCosts::DelayHistogram {
  using Axis = boost::histogram::axis::regular<double, boost::histogram::axis::transform::log>;
  boost::histogram::histogram<std::tuple<Axis>> h = boost::histogram::make_histogram(Axis(2000, 1.0, 1e13));
  std::uint64_t zeros = 0;

  void add(SimTime delay_ns) {
    if (delay_ns <= 0) ++zeros;
    else h(static_cast<double>(delay_ns));
  }
  // The q-quantile in seconds (nearest rank), or nullopt with no samples.
  std::optional<double> quantile_s(double q, std::uint64_t total) const {
    if (total == 0) return std::nullopt;
    const auto rank = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(total)));
    if (rank <= zeros) return 0.0;
    std::uint64_t seen = zeros;
    for (auto&& bin : boost::histogram::indexed(h, boost::histogram::coverage::all)) {
      seen += static_cast<std::uint64_t>(*bin);
      if (seen < rank) continue;
      if (bin.index() < 0) return 1e-9;                             // below 1 ns: cannot happen with integer ns > 0
      if (bin.index() >= static_cast<int>(h.axis().size())) return 1e4;  // beyond 2.8 h: reported as 10^4 s
      return std::sqrt(bin.bin().lower() * bin.bin().upper()) * 1e-9;
    }
    return std::nullopt;
  }
};

SimTime transmission_ns(std::uint32_t bytes, double Bps) {
  return static_cast<SimTime>(std::ceil(static_cast<double>(bytes) * 1e9 / Bps));
}

TimeCosts::TimeCosts(const Scenario& scenario, const Network& network)
    : egress_Bps_(scenario.network.egress_Bps),
      ingress_Bps_(scenario.network.ingress_Bps),
      network_(network),
      service_(scenario.replicas),
      delays_(std::make_unique<DelayHistogram>()) {
  const auto nodes = static_cast<std::size_t>(scenario.topology.nodes);
  if (egress_Bps_ > 0) egress_free_.assign(nodes, 0);
  if (ingress_Bps_ > 0) ingress_free_.assign(nodes, 0);
  for (const LinkOverride& spec : scenario.topology.links) {
    if (spec.bandwidth_Bps <= 0) {
      link_index_.push_back(-1);
      continue;
    }
    link_index_.push_back(static_cast<int>(links_.size()));
    Link l;
    l.Bps = spec.bandwidth_Bps;
    l.from_side = spec.from;
    std::sort(l.from_side.begin(), l.from_side.end());
    links_.push_back(std::move(l));
  }
  const auto zero = [](const Distribution& d) { return d.is_constant() && d.a == 0.0; };
  const ServiceSpec& sp = scenario.replicas;
  if (!(zero(sp.read) && zero(sp.write) && zero(sp.merge))) servers_ = static_cast<std::size_t>(std::max(0, sp.servers));
  if (servers_ > 0) {
    busy_.assign(nodes, 0);
    rebuild_active(1024, 0);
  }
}

namespace {
std::size_t slot_of(NodeId node, std::size_t slots) {
  return static_cast<std::size_t>((static_cast<std::uint64_t>(node) * 0x9E3779B97F4A7C15ULL) >> 20) & (slots - 1);
}
}  // namespace

SimTime* TimeCosts::find_servers(NodeId node) {
  const std::size_t slots = active_nodes_.size();
  for (std::size_t i = slot_of(node, slots);; i = (i + 1) & (slots - 1)) {
    if (active_nodes_[i] == node) return &active_free_[i * servers_];
    if (active_nodes_[i] == kNoNode32) return nullptr;
  }
}

SimTime* TimeCosts::servers_of(NodeId node, SimTime now) {
  if (SimTime* found = find_servers(node)) return found;
  if (2 * (active_count_ + 1) > active_nodes_.size()) {
    // Full: drop the nodes whose servers are all idle by now; grow if that
    // leaves it more than a quarter full.
    rebuild_active(active_nodes_.size(), now);
    if (4 * (active_count_ + 1) > active_nodes_.size()) rebuild_active(2 * active_nodes_.size(), now);
  }
  const std::size_t slots = active_nodes_.size();
  std::size_t i = slot_of(node, slots);
  while (active_nodes_[i] != kNoNode32) i = (i + 1) & (slots - 1);
  active_nodes_[i] = node;
  ++active_count_;
  SimTime* free = &active_free_[i * servers_];
  std::fill(free, free + servers_, SimTime{0});
  return free;
}

void TimeCosts::rebuild_active(std::size_t slots, SimTime now) {
  std::vector<NodeId> nodes(slots, kNoNode32);
  std::vector<SimTime> free(slots * servers_, 0);
  active_nodes_.swap(nodes);
  active_free_.swap(free);
  active_count_ = 0;
  for (std::size_t j = 0; j < nodes.size(); ++j) {
    if (nodes[j] == kNoNode32) continue;
    const SimTime* old = &free[j * servers_];
    if (*std::max_element(old, old + servers_) <= now) continue;  // all idle: as if never used
    std::size_t i = slot_of(nodes[j], slots);
    while (active_nodes_[i] != kNoNode32) i = (i + 1) & (slots - 1);
    active_nodes_[i] = nodes[j];
    std::copy(old, old + servers_, &active_free_[i * servers_]);
    ++active_count_;
  }
}

TimeCosts::~TimeCosts() = default;

SimTime TimeCosts::egress(NodeId from, std::uint32_t bytes, SimTime now) {
  SimTime& free = egress_free_[from];
  free = std::max(free, now) + transmission_ns(bytes, egress_Bps_);
  return free;
}

int TimeCosts::link_of(NodeId from, NodeId to) const {
  const int override_index = network_.link_override(from, to);
  return override_index < 0 ? -1 : link_index_[static_cast<std::size_t>(override_index)];
}

SimTime TimeCosts::link(int index, NodeId from, std::uint32_t bytes, SimTime now) {
  Link& l = links_[static_cast<std::size_t>(index)];
  const bool forward = std::binary_search(l.from_side.begin(), l.from_side.end(), from);
  SimTime& free = forward ? l.free_forward : l.free_back;
  free = std::max(free, now) + transmission_ns(bytes, l.Bps);
  return free;
}

SimTime TimeCosts::ingress(NodeId to, std::uint32_t bytes, SimTime now) {
  SimTime& free = ingress_free_[to];
  free = std::max(free, now) + transmission_ns(bytes, ingress_Bps_);
  return free;
}

SimTime TimeCosts::admit(NodeId node, ServiceKind kind, SimTime now, Rng& rng) {
  const Distribution& d = kind == ServiceKind::read ? service_.read : kind == ServiceKind::write ? service_.write : service_.merge;
  const SimTime service = d.sample_duration(rng);
  // The server that falls idle first (ties: the lowest index) takes it.
  SimTime* servers = servers_of(node, now);
  SimTime* server = std::min_element(servers, servers + servers_);
  const SimTime start = std::max(*server, now);
  *server = time_after(start, service);
  busy_[node] = time_after(busy_[node], service);
  delays_->add(start - now);
  ++served_;
  return *server;
}

void TimeCosts::clear_node(NodeId node, SimTime now) {
  if (servers_ > 0)
    if (SimTime* first = find_servers(node))
      for (std::size_t i = 0; i < servers_; ++i) first[i] = std::min(first[i], now);
  if (!ingress_free_.empty()) ingress_free_[node] = std::min(ingress_free_[node], now);
  if (!egress_free_.empty()) egress_free_[node] = std::min(egress_free_[node], now);
}

bool TimeCosts::hash_state(StateHasher& h, SimTime now) const {
  // The servers as they act from `now` on: an idle server is idle from now
  // (a request starts at max(idle time, now)) and servers are
  // interchangeable, so each node's clamped times are sorted, and nodes whose
  // servers are all idle are left out, whatever the table's layout.
  std::vector<std::pair<NodeId, std::vector<SimTime>>> busy_servers;
  for (std::size_t i = 0; i < active_nodes_.size(); ++i) {
    if (active_nodes_[i] == kNoNode32) continue;
    std::vector<SimTime> times(active_free_.begin() + static_cast<std::ptrdiff_t>(i * servers_),
                               active_free_.begin() + static_cast<std::ptrdiff_t>((i + 1) * servers_));
    for (SimTime& t : times) t = std::max(t, now);
    std::sort(times.begin(), times.end());
    if (times.back() > now) busy_servers.emplace_back(active_nodes_[i], std::move(times));
  }
  std::sort(busy_servers.begin(), busy_servers.end());
  h.add(busy_servers.size());
  for (const auto& [node, times] : busy_servers) {
    h.add(node);
    for (const SimTime t : times) h.add_signed(t);
  }
  for (const SimTime b : busy_) h.add_signed(b);  // the utilisation metric
  h.add(served_);
  h.add(delays_->zeros);  // the queue delays' histogram (replicas.queue_delay_*): its non-empty bins
  const int bins = static_cast<int>(delays_->h.axis().size());
  for (int i = -1; i <= bins; ++i)  // underflow and overflow bins too
    if (const double count = delays_->h.at(i); count != 0) {
      h.add_signed(i);
      h.add_double(count);
    }
  for (const SimTime t : egress_free_) h.add_signed(t);
  for (const SimTime t : ingress_free_) h.add_signed(t);
  for (const Link& l : links_) {
    h.add_signed(l.free_forward);
    h.add_signed(l.free_back);
  }
  return true;
}

ServiceReport TimeCosts::service_report(SimTime run_ns) const {
  ServiceReport r;
  r.served = served_;
  if (served_ == 0 || run_ns <= 0 || servers_ == 0) return r;
  SimTime busiest = 0;
  for (const SimTime b : busy_) busiest = std::max(busiest, b);
  r.utilisation_max = static_cast<double>(busiest) / (static_cast<double>(servers_) * static_cast<double>(run_ns));
  r.queue_delay_p50_s = delays_->quantile_s(0.50, served_);
  r.queue_delay_p99_s = delays_->quantile_s(0.99, served_);
  return r;
}

}  // namespace ecsim
