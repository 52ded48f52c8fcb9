#include "protocols/reconciliation/checker.hpp"

#include "sim/state_hash.hpp"

#include <algorithm>

namespace ecsim {

ReconcileChecker::ReconcileChecker(const ReconcileSpec& spec) : spec_(spec) {
  const auto values = static_cast<std::size_t>(spec_.values);
  truth_.assign(values, 0);
  copies_.assign(spec_.replicas.size(), std::vector<std::int64_t>(values, 0));
  wrong_since_.assign(spec_.replicas.size(), std::vector<SimTime>(values, -1));
  NodeId max_node = 0;
  for (NodeId n : spec_.replicas) max_node = std::max(max_node, n);
  replica_of_node_.assign(static_cast<std::size_t>(max_node) + 1, -1);
  for (std::size_t i = 0; i < spec_.replicas.size(); ++i) replica_of_node_[spec_.replicas[i]] = static_cast<int>(i);
}

void ReconcileChecker::advance(SimTime t) {
  if (t > last_t_) {
    integral_ns_ += static_cast<double>(wrong_count_) * static_cast<double>(t - last_t_);
    last_t_ = t;
  }
}

void ReconcileChecker::check(std::size_t r, std::uint32_t v, SimTime t) {
  const bool wrong = copies_[r][v] != truth_[v];
  SimTime& since = wrong_since_[r][v];
  if (wrong && since < 0) {
    since = t;
    ++wrong_count_;
    wrong_max_ = std::max(wrong_max_, wrong_count_);
  } else if (!wrong && since >= 0) {
    episodes_s_.push_back(to_seconds(t - since));
    since = -1;
    --wrong_count_;
  }
}

void ReconcileChecker::on_reconcile(const ReconcileEvent& e) {
  switch (e.kind) {
    case ReconcileEventKind::truth:
      if (e.value >= truth_.size()) return;
      advance(e.time);
      ++updates_;
      truth_[e.value] = e.data;
      for (std::size_t r = 0; r < copies_.size(); ++r) check(r, e.value, e.time);
      break;
    case ReconcileEventKind::copy: {
      if (e.value >= truth_.size() || e.node >= replica_of_node_.size() || replica_of_node_[e.node] < 0) return;
      advance(e.time);
      const auto r = static_cast<std::size_t>(replica_of_node_[e.node]);
      copies_[r][e.value] = e.data;
      check(r, e.value, e.time);
      break;
    }
    case ReconcileEventKind::run:
      ++runs_;
      bytes_ += e.bytes;  // the scan requests
      break;
    case ReconcileEventKind::scan:
      compared_ += e.compared;
      bytes_ += e.bytes;
      break;
    case ReconcileEventKind::repair:
      bytes_ += e.bytes;
      repairs_.push_back(RepairRow{e.time, e.run, e.node, e.value, e.found, e.data, e.version});
      break;
  }
}

ReconcileTotals ReconcileChecker::totals(SimTime end_ns) const {
  ReconcileTotals t;
  t.updates = updates_;
  t.runs = runs_;
  t.values_compared = compared_;
  t.repairs = repairs_.size();
  t.bytes = bytes_;
  const SimTime end = std::max(end_ns, last_t_);
  const double integral = integral_ns_ + static_cast<double>(wrong_count_) * static_cast<double>(end - last_t_);
  t.wrong_copy_s = integral / 1e9;
  t.wrong_mean = end > 0 ? integral / static_cast<double>(end) : 0.0;
  t.wrong_max = wrong_max_;
  t.wrong_final = wrong_count_;
  t.episodes_s = episodes_s_;
  for (const auto& row : wrong_since_)
    for (SimTime since : row)
      if (since >= 0) t.episodes_s.push_back(to_seconds(end - since));  // still open: up to the end
  return t;
}

void ReconcileChecker::hash_state(StateHasher& h) const {
  h.add(truth_.size());
  for (const std::int64_t v : truth_) h.add_signed(v);
  for (const auto& c : copies_) {
    h.add(c.size());
    for (const std::int64_t v : c) h.add_signed(v);
  }
  for (const auto& w : wrong_since_) {
    h.add(w.size());
    for (const SimTime t : w) h.add_signed(t);
  }
  h.add(wrong_count_);
  h.add(wrong_max_);
  h.add_signed(last_t_);
  h.add_double(integral_ns_);
  h.add(episodes_s_.size());
  for (const double e : episodes_s_) h.add_double(e);
  h.add(repairs_.size());
  for (const RepairRow& r : repairs_) {
    h.add_signed(r.time_ns);
    h.add(r.run);
    h.add(r.replica);
    h.add(r.value);
    h.add_signed(r.found);
    h.add_signed(r.expected);
    h.add(r.version);
  }
  for (const std::uint64_t v : {updates_, runs_, compared_, bytes_}) h.add(v);
}

}  // namespace ecsim
