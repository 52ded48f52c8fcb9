#include "protocols/reconciliation/reconciliation.hpp"

#include "sim/state_hash.hpp"

#include <algorithm>
#include <cmath>

#include "sim/distribution.hpp"
#include "sim/simulator.hpp"

namespace ecsim {
namespace {
constexpr std::uint32_t kJobTimer = 1;
}

ReconciliationProtocol::ReconciliationProtocol(const Scenario& scenario) : spec_(*scenario.section<ReconcileSpec>()) {
  const auto values = static_cast<std::size_t>(spec_.values);
  truth_.assign(values, Cell{});
  copies_.assign(spec_.replicas.size(), std::vector<Cell>(values));
  cursor_.assign(spec_.replicas.size(), 0);
  for (std::size_t i = 0; i < spec_.replicas.size(); ++i) index_[spec_.replicas[i]] = static_cast<int>(i);
}

int ReconciliationProtocol::replica_index(NodeId node) const {
  const auto it = index_.find(node);
  return it == index_.end() ? -1 : it->second;
}

void ReconciliationProtocol::on_start(Context& ctx) {
  if (ctx.node() == spec_.source && spec_.enabled) ctx.set_timer(spec_.period_ns, kJobTimer);
}

void ReconciliationProtocol::on_crash(Context& ctx, bool lose_state) {
  // The source of truth is durable; a replica that loses its disk comes
  // back with every copy at the initial (0, version 0).
  const int r = replica_index(ctx.node());
  if (!lose_state || r < 0) return;
  for (std::uint32_t v = 0; v < truth_.size(); ++v) set_copy(ctx, r, v, Cell{});
}

void ReconciliationProtocol::set_copy(Context& ctx, int replica, std::uint32_t value, Cell cell) {
  Cell& c = copies_[static_cast<std::size_t>(replica)][value];
  if (c.data == cell.data && c.version == cell.version) return;
  c = cell;
  ReconcileEvent e;
  e.time = ctx.now();
  e.kind = ReconcileEventKind::copy;
  e.node = ctx.node();
  e.value = value;
  e.data = c.data;
  e.version = c.version;
  events_.publish(e);
}

void ReconciliationProtocol::update(Context& ctx, std::uint32_t value) {
  Cell& t = truth_[value];
  t.data += 1 + static_cast<std::int64_t>(ctx.rng().below(100));
  ++t.version;
  ReconcileEvent e;
  e.time = ctx.now();
  e.kind = ReconcileEventKind::truth;
  e.node = ctx.node();
  e.value = value;
  e.data = t.data;
  e.version = t.version;
  events_.publish(e);
  buf_.assign({value, t.version, static_cast<std::uint64_t>(t.data)});
  for (NodeId r : spec_.replicas) ctx.send(r, update_msg, buf_, kUpdateBytes);
}

void ReconciliationProtocol::corrupt(Context& ctx, std::uint32_t value) {
  const int r = replica_index(ctx.node());
  if (r < 0) return;
  Cell c = copies_[static_cast<std::size_t>(r)][value];
  c.data += 1 + static_cast<std::int64_t>(ctx.rng().below(100));
  set_copy(ctx, r, value, c);
}

void ReconciliationProtocol::on_timer(Context& ctx, std::uint32_t tag) {
  if (tag != kJobTimer || ctx.node() != spec_.source) return;
  ctx.set_timer(spec_.period_ns, kJobTimer);
  ++run_;
  ReconcileEvent e;
  e.time = ctx.now();
  e.kind = ReconcileEventKind::run;
  e.node = ctx.node();
  e.run = run_;
  e.bytes = static_cast<std::uint32_t>(spec_.replicas.size()) * kScanRequestBytes;
  events_.publish(e);
  const auto values = static_cast<std::uint32_t>(spec_.values);
  const std::uint32_t count = spec_.batch == 0 ? values : std::min(values, static_cast<std::uint32_t>(spec_.batch));
  for (std::size_t r = 0; r < spec_.replicas.size(); ++r) {
    const std::uint32_t first = cursor_[r];
    cursor_[r] = (first + count) % values;
    buf_.assign({run_, first, count});
    ctx.send(spec_.replicas[r], scan_request, buf_, kScanRequestBytes);
  }
}

void ReconciliationProtocol::on_message(Context& ctx, const Message& msg) {
  const auto values = static_cast<std::uint32_t>(spec_.values);
  switch (msg.type) {
    case update_msg:
    case repair_msg: {
      const int r = replica_index(ctx.node());
      if (r < 0 || msg.words.size() < 3 || msg.words[0] >= values) return;
      const auto v = static_cast<std::uint32_t>(msg.words[0]);
      const Cell incoming{static_cast<std::int64_t>(msg.words[2]), msg.words[1]};
      const Cell& have = copies_[static_cast<std::size_t>(r)][v];
      // An update must be newer; a repair may carry the same version (it fixes a corrupted copy).
      const bool take = msg.type == update_msg ? incoming.version > have.version : incoming.version >= have.version;
      if (take) set_copy(ctx, r, v, incoming);
      break;
    }
    case scan_request: {
      const int r = replica_index(ctx.node());
      if (r < 0 || msg.words.size() < 3) return;
      const std::uint64_t first = msg.words[1];
      const std::uint64_t count = msg.words[2];
      if (first >= values || count > values) return;
      buf_.assign({msg.words[0], first, count});
      for (std::uint64_t i = 0; i < count; ++i) {
        const Cell& c = copies_[static_cast<std::size_t>(r)][(first + i) % values];
        buf_.push_back(c.version);
        buf_.push_back(static_cast<std::uint64_t>(c.data));
      }
      ctx.send(msg.from, scan_reply, buf_, scan_reply_bytes(static_cast<std::uint32_t>(count)));
      break;
    }
    case scan_reply: {
      if (ctx.node() != spec_.source || msg.words.size() < 3) return;
      const std::uint64_t run = msg.words[0];
      const std::uint64_t first = msg.words[1];
      const std::uint64_t count = msg.words[2];
      if (first >= values || count > values || msg.words.size() != 3 + 2 * count) return;
      ReconcileEvent scan;
      scan.time = ctx.now();
      scan.kind = ReconcileEventKind::scan;
      scan.node = msg.from;
      scan.run = run;
      scan.compared = static_cast<std::uint32_t>(count);
      scan.bytes = scan_reply_bytes(static_cast<std::uint32_t>(count));
      events_.publish(scan);
      // Compare with the truth as it is now, and repair what differs.
      const std::vector<std::uint64_t> reply(msg.words.begin(), msg.words.end());  // buf_ is reused below
      for (std::uint64_t i = 0; i < count; ++i) {
        const auto v = static_cast<std::uint32_t>((first + i) % values);
        const std::uint64_t version = reply[3 + 2 * i];
        const auto data = static_cast<std::int64_t>(reply[4 + 2 * i]);
        const Cell& t = truth_[v];
        if (data == t.data && version == t.version) continue;
        buf_.assign({v, t.version, static_cast<std::uint64_t>(t.data)});
        ctx.send(msg.from, repair_msg, buf_, kRepairBytes);
        ReconcileEvent e;
        e.time = ctx.now();
        e.kind = ReconcileEventKind::repair;
        e.node = msg.from;
        e.value = v;
        e.data = t.data;
        e.version = t.version;
        e.found = data;
        e.run = run;
        e.bytes = kRepairBytes;
        events_.publish(e);
      }
      break;
    }
    default: break;
  }
}

// ---------------------------------------------------------------------------

ReconcileDriver::ReconcileDriver(Simulator& sim, const Scenario& scenario, ReconciliationProtocol& protocol,
                                 std::uint16_t protocol_id)
    : sim_(sim), spec_(*scenario.section<ReconcileSpec>()), protocol_(protocol), protocol_id_(protocol_id),
      rng_(Rng::stream(scenario.seed, "reconciliation.driver")) {
  self_ = sim_.add_component(this);
  end_ns_ = scenario.duration_ns;
  updates_stop_ns_ = spec_.updates_stop_ns < 0 ? scenario.duration_ns : spec_.updates_stop_ns;
  if (spec_.updates_per_s > 0) {
    const SimTime first = time_after(spec_.updates_start_ns, gap(spec_.updates_per_s));
    if (first < updates_stop_ns_) sim_.schedule(first, self_, 0, update_arrival, true);
  }
  // Corruption is a fault-like background process: it does not keep a run alive.
  if (spec_.corruption_per_s > 0) {
    const SimTime first = gap(spec_.corruption_per_s);
    if (first < end_ns_) sim_.schedule(first, self_, 0, corruption_arrival, false);
  }
}

SimTime ReconcileDriver::gap(double rate_per_s) {
  return poisson_gap(rng_, rate_per_s);
}

void ReconcileDriver::on_event(std::uint64_t, std::uint32_t a) {
  const auto values = static_cast<std::uint64_t>(spec_.values);
  if (a == update_arrival) {
    const auto value = static_cast<std::uint32_t>(rng_.below(values));
    if (sim_.node_up(spec_.source)) {  // a source that is down takes no changes
      Context ctx(sim_, spec_.source, protocol_id_);
      protocol_.update(ctx, value);
    }
    const SimTime next = time_after(sim_.now(), gap(spec_.updates_per_s));
    if (next < updates_stop_ns_) sim_.schedule(next, self_, 0, update_arrival, true);
  } else {
    const NodeId replica = spec_.replicas[rng_.below(spec_.replicas.size())];
    const auto value = static_cast<std::uint32_t>(rng_.below(values));
    if (sim_.node_up(replica)) {
      Context ctx(sim_, replica, protocol_id_);
      protocol_.corrupt(ctx, value);
    }
    const SimTime next = time_after(sim_.now(), gap(spec_.corruption_per_s));
    if (next < end_ns_) sim_.schedule(next, self_, 0, corruption_arrival, false);
  }
}

bool ReconciliationProtocol::hash_state(StateHasher& h) const {
  const auto cells = [&h](const std::vector<Cell>& v) {
    h.add(v.size());
    for (const Cell& c : v) {
      h.add_signed(c.data);
      h.add(c.version);
    }
  };
  cells(truth_);
  for (const auto& c : copies_) cells(c);
  for (const std::uint32_t c : cursor_) h.add(c);
  h.add(run_);
  return true;
}

bool ReconcileDriver::hash_state(StateHasher& h) const {
  rng_.hash_state(h);
  return true;
}

}  // namespace ecsim
