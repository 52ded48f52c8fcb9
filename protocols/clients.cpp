#include "protocols/clients.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>

#include "sim/simulator.hpp"

namespace ecsim {

const char* op_name(OpKind op) {
  switch (op) {
    case OpKind::read: return "read";
    case OpKind::write: return "write";
    case OpKind::incr: return "incr";
    case OpKind::decr: return "decr";
    case OpKind::add: return "add";
    case OpKind::remove: return "remove";
  }
  return "?";
}

ClientDriver::ClientDriver(Simulator& sim, const Scenario& scenario, ReplicaStore& store, KeySpace& keys, WriteTable& writes)
    : sim_(sim), scenario_(scenario), store_(store), keys_(keys), writes_(writes), rng_(Rng::stream(scenario.seed, "workload")) {
  self_ = sim_.add_component(this);

  const WorkloadSpec& w = scenario_.workload;
  if (w.clients > 0) {
    if (w.zipf_keys) zipf_ = ZipfSampler(static_cast<std::uint64_t>(scenario_.store.keys), w.zipf_s);
    double acc = 0;
    for (auto [op, p] : w.mix) {
      acc += p;
      mix_cdf_.emplace_back(op, acc);
    }
    for (int c = 0; c < w.clients; ++c) {
      client_first_session_.push_back(sessions_.size());
      for (int s = 0; s < w.sessions_per_client; ++s) session_for(fmt::format("c{}", c), static_cast<std::uint32_t>(s));
    }
    const SimTime stop = w.stop_ns;
    for (int c = 0; c < w.clients; ++c) {
      if (w.closed) {
        for (int s = 0; s < w.sessions_per_client; ++s)
          sim_.schedule(w.start_ns, self_, client_first_session_[c] + static_cast<std::size_t>(s), closed_next, true);
      } else if (w.rate_per_s > 0) {
        const auto first = w.start_ns + static_cast<SimTime>(std::llround(rng_.exponential(1e9 / w.rate_per_s)));
        if (first < stop) sim_.schedule(first, self_, static_cast<std::uint64_t>(c), open_arrival, true);
      }
    }
  }
  for (std::size_t i = 0; i < scenario_.ops.size(); ++i) sim_.schedule(scenario_.ops[i].at_ns, self_, i, script_invoke, true);
}

std::size_t ClientDriver::session_for(const std::string& client, std::uint32_t index) {
  for (std::size_t i = 0; i < sessions_.size(); ++i)
    if (sessions_[i].client == client && sessions_[i].index == index) return i;
  Session s;
  s.client = client;
  s.index = index;
  s.uid = sessions_.size() + 1;
  s.client_index = static_cast<std::uint32_t>(sessions_.size());
  if (client.size() > 1 && client[0] == 'c') {
    std::uint32_t n = 0;
    bool digits = true;
    for (std::size_t i = 1; i < client.size(); ++i) {
      if (client[i] < '0' || client[i] > '9') digits = false;
      else n = n * 10 + static_cast<std::uint32_t>(client[i] - '0');
    }
    if (digits) s.client_index = n;
  }
  s.ring_hash = stable_hash(fmt::format("{}/{}", client, index));
  sessions_.push_back(std::move(s));
  return sessions_.size() - 1;
}

OpKind ClientDriver::draw_op() {
  const double u = rng_.uniform01();
  for (auto [op, acc] : mix_cdf_)
    if (u < acc) return op;
  return mix_cdf_.back().first;
}

KeyId ClientDriver::draw_key() {
  const auto keys = static_cast<std::uint64_t>(scenario_.store.keys);
  return static_cast<KeyId>(scenario_.workload.zipf_keys ? zipf_.sample(rng_) : rng_.below(keys));
}

void ClientDriver::build_rings() {
  // Built on first use: a run whose operations are all pinned (or random)
  // never pays for a ring over a million replicas.
  rings_built_ = true;
  // Enough virtual nodes for balance, but at most ~4M ring points in total.
  const auto vnodes = static_cast<std::uint32_t>(std::clamp<std::uint64_t>((4u << 20) / std::max<std::uint32_t>(1, sim_.node_count()), 1, 64));
  std::vector<NodeId> all(sim_.node_count());
  for (NodeId n = 0; n < all.size(); ++n) all[n] = n;
  ring_ = HashRing(all, vnodes);
  for (const RegionSpec& r : scenario_.topology.regions) {
    std::vector<NodeId> members;
    for (int i = 0; i < r.nodes; ++i) members.push_back(r.first_node + static_cast<NodeId>(i));
    region_rings_.emplace_back(members, vnodes);
  }
}

NodeId ClientDriver::route(const Session& s, KeyId key) {
  if (!rings_built_) build_rings();
  // Clients know which replicas are up (a perfect failure detector): they
  // fail over instead of sending to a crashed replica.
  auto up = [this](NodeId n) { return sim_.node_up(n); };
  const std::uint32_t n = sim_.node_count();
  switch (scenario_.workload.routing) {
    case Routing::random: {
      for (int attempt = 0; attempt < 64; ++attempt) {
        const auto r = static_cast<NodeId>(rng_.below(n));
        if (up(r)) return r;
      }
      return ring_.owner(rng_.next_u64(), up);
    }
    case Routing::sticky: return ring_.owner(s.ring_hash, up);
    case Routing::primary: return ring_.owner(stable_hash(keys_.name(key)), up);
    case Routing::nearest: {
      if (!region_rings_.empty()) {
        const NodeId r = region_rings_[s.client_index % region_rings_.size()].owner(s.ring_hash, up);
        if (r != kNoNode) return r;
      }
      return ring_.owner(s.ring_hash, up);
    }
  }
  return kNoNode;
}

void ClientDriver::invoke(std::size_t session, OpKind op, KeyId key, std::string value, NodeId pinned, bool closed_loop) {
  std::size_t slot;
  if (!free_pending_.empty()) {
    slot = free_pending_.back();
    free_pending_.pop_back();
  } else {
    slot = pending_.size();
    pending_.emplace_back();
  }
  PendingOp& p = pending_[slot];
  p = PendingOp{};
  p.session = session;
  p.op = op;
  p.key = key;
  p.invoke_ns = sim_.now();
  p.closed_loop = closed_loop;
  p.replica = pinned != kNoNode ? pinned : route(sessions_[session], key);
  if (op != OpKind::read) {
    p.write = writes_.add(key, value);
    if (value.empty()) {
      value = fmt::format("w{}", p.write);
      writes_.set_value(p.write, value);
    }
    p.value = std::move(value);
  }
  const SimTime there = static_cast<SimTime>(std::llround(scenario_.workload.client_latency.sample_nonnegative(rng_)));
  sim_.schedule(sim_.now() + there, self_, slot, arrive, true);
}

void ClientDriver::on_arrive(std::size_t slot) {
  PendingOp& p = pending_[slot];
  if (p.replica != kNoNode && sim_.node_up(p.replica)) {
    const ReplicaCall at{p.replica, sim_.now(), sim_.local_time(p.replica), &sim_.observers()};
    p.ok = true;
    if (p.op == OpKind::read) {
      ReadResult r = store_.read(at, p.key);
      p.value = std::move(r.value);
      p.version = std::move(r.version);
      p.rank = r.rank;
      p.write = r.write;
    } else {
      WriteResult w = store_.write(at, p.key, p.op, p.write, sessions_[p.session].uid);
      p.version = std::move(w.version);
      p.rank = w.rank;
    }
  }
  const SimTime back = static_cast<SimTime>(std::llround(scenario_.workload.client_latency.sample_nonnegative(rng_)));
  sim_.schedule(sim_.now() + back, self_, slot, complete, true);
}

void ClientDriver::on_complete(std::size_t slot) {
  PendingOp& p = pending_[slot];
  const Session& s = sessions_[p.session];
  ++stats_.ops;
  if (!p.ok) ++stats_.failed;
  if (p.op == OpKind::read) ++stats_.reads; else ++stats_.writes;
  OpRecord r;
  r.client = s.client;
  r.session = s.index;
  r.op = op_name(p.op);
  const std::string key_name = keys_.name(p.key);
  r.key = key_name;
  r.value = p.value;
  r.invoke_ns = p.invoke_ns;
  r.complete_ns = sim_.now();
  r.replica = p.replica;
  r.ok = p.ok;
  r.version = p.version;
  r.key_id = p.key;
  r.write = p.ok || p.op != OpKind::read ? p.write : kNoWrite;
  r.rank = p.rank;
  r.session_uid = s.uid;
  r.is_write = p.op != OpKind::read;
  sim_.observers().on_op(r);

  const std::size_t session = p.session;
  const bool closed = p.closed_loop;
  free_pending_.push_back(slot);
  if (closed) {
    const SimTime think = static_cast<SimTime>(std::llround(scenario_.workload.think_time.sample_nonnegative(rng_)));
    const SimTime next = sim_.now() + think;
    if (next < scenario_.workload.stop_ns) sim_.schedule(next, self_, session, closed_next, true);
  }
}

void ClientDriver::on_event(std::uint64_t x, std::uint32_t a) {
  switch (static_cast<Phase>(a)) {
    case script_invoke: {
      const OpSpec& op = scenario_.ops[x];
      invoke(session_for(op.client, 0), op.op, keys_.intern(op.key), op.value, op.node, false);
      break;
    }
    case open_arrival: {
      const WorkloadSpec& w = scenario_.workload;
      const std::size_t c = static_cast<std::size_t>(x);
      const std::size_t session = client_first_session_[c] + rng_.below(static_cast<std::uint64_t>(w.sessions_per_client));
      const OpKind op = draw_op();
      invoke(session, op, draw_key(), {}, kNoNode, false);
      const SimTime next = sim_.now() + static_cast<SimTime>(std::llround(rng_.exponential(1e9 / w.rate_per_s)));
      if (next < w.stop_ns) sim_.schedule(next, self_, x, open_arrival, true);
      break;
    }
    case closed_next:
      invoke(static_cast<std::size_t>(x), draw_op(), draw_key(), {}, kNoNode, true);
      break;
    case arrive:
      on_arrive(static_cast<std::size_t>(x));
      break;
    case complete:
      on_complete(static_cast<std::size_t>(x));
      break;
  }
}

}  // namespace ecsim
