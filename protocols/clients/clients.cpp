#include "protocols/clients/clients.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>

#include "sim/distribution.hpp"
#include "sim/simulator.hpp"

namespace ecsim {
namespace {
// How often a replica holding a request (on_behind: wait) looks again.
constexpr SimTime kWaitPollNs = kMillisecond;
}  // namespace

ClientDriver::ClientDriver(Simulator& sim, const Scenario& scenario, ReplicaStore& store, KeySpace& keys, WriteTable& writes)
    : sim_(sim), scenario_(scenario), workload_(workload_of(scenario)), ops_(ops_of(scenario)),
      store_spec_(store_of(scenario)), store_(store), keys_(keys), writes_(writes), rng_(Rng::stream(scenario.seed, "workload")),
      route_rng_(Rng::stream(scenario.seed, "routing")),
      latency_rng_(Rng::stream(scenario.seed, "client-latency")), loss_rng_(Rng::stream(scenario.seed, "client-loss")) {
  self_ = sim_.add_component(this);
  guarantees_ = SessionGuarantees::from_names(workload_.session_guarantees);

  const WorkloadSpec& w = workload_;
  if (w.clients > 0) {
    if (w.zipf_keys) zipf_ = ZipfSampler(static_cast<std::uint64_t>(store_spec_.keys), w.zipf_s);
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
        const SimTime first = time_after(w.start_ns, poisson_gap(rng_, w.rate_per_s));
        if (first < stop) sim_.schedule(first, self_, static_cast<std::uint64_t>(c), open_arrival, true);
      }
    }
  }
  for (std::size_t i = 0; i < ops_.size(); ++i) sim_.schedule(ops_[i].at_ns, self_, i, script_invoke, true);
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
  // Placement: clients spread over the regions in turn (the region `nearest`
  // routes to), and over the nodes within one.
  const auto nodes = static_cast<std::uint32_t>(scenario_.topology.nodes);
  const auto& regions = scenario_.topology.regions;
  switch (workload_.placement) {
    case Placement::anywhere: break;
    case Placement::nodes: s.home = s.client_index % nodes; break;
    case Placement::regions:
      if (regions.empty()) {
        s.home = s.client_index % nodes;
      } else {
        const RegionSpec& r = regions[s.client_index % regions.size()];
        s.home = r.first_node + static_cast<NodeId>((s.client_index / regions.size()) % static_cast<std::uint32_t>(r.nodes));
      }
      break;
  }
  sessions_.push_back(std::move(s));
  return sessions_.size() - 1;
}

void ClientDriver::use_replication(ReplicaCoordinator& coordinator) {
  quorum_ = &coordinator;
  quorum_id_ = coordinator.protocol_id();
  coordinator.set_done([this](std::uint64_t slot, const ReplicaCoordinator::Reply& r) {
    on_quorum_done(slot, r.ok, r.coordinator_lost, &r.read, &r.write);
  });
}

std::uint64_t ClientDriver::ring_hash(const Session& s) const {
  const SimTime every = workload_.switch_every_ns;
  if (every <= 0) return s.ring_hash;
  // A device that moves: a new place on the ring every `switch_every`.
  return stable_hash(fmt::format("{}/{}@{}", s.client, s.index, sim_.now() / every));
}

bool ClientDriver::reachable(const Session& s, NodeId replica) {
  if (replica == kNoNode || !sim_.node_up(replica)) return false;
  if (s.home == kNoNode || s.home == replica) return true;
  const Network& net = sim_.network();
  return !net.link_blocked(s.home, replica) && !net.link_blocked(replica, s.home);
}

bool ClientDriver::tried(const PendingOp& p, NodeId replica) const {
  return std::find(p.tried.begin(), p.tried.end(), replica) != p.tried.end();
}

OpKind ClientDriver::draw_op() {
  const double u = rng_.uniform01();
  for (auto [op, acc] : mix_cdf_)
    if (u < acc) return op;
  return mix_cdf_.back().first;
}

KeyId ClientDriver::draw_key() {
  const auto keys = static_cast<std::uint64_t>(store_spec_.keys);
  return static_cast<KeyId>(workload_.zipf_keys ? zipf_.sample(rng_) : rng_.below(keys));
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
  // Clients know which replicas they can reach (a perfect failure detector):
  // up, and not cut off from where the client sits. A sticky session whose
  // replica is unreachable fails over to the next one clockwise, and comes
  // back when it is reachable again.
  auto up = [this, &s](NodeId n) { return reachable(s, n); };
  const std::uint32_t n = sim_.node_count();
  const std::uint64_t hash = ring_hash(s);
  if (quorum_) {
    // With replication the coordinator is one of the key's replicas.
    const std::vector<NodeId>& list = quorum_->replicas(key);
    const std::size_t size = list.size();
    std::size_t start = 0;
    switch (workload_.routing) {
      case Routing::random: start = static_cast<std::size_t>(route_rng_.below(size)); break;
      case Routing::sticky: start = static_cast<std::size_t>(hash % size); break;
      case Routing::primary: start = 0; break;
      case Routing::nearest: {
        const auto& regions = scenario_.topology.regions;
        const int mine = s.home != kNoNode ? scenario_.topology.node_region[s.home]
                                           : (regions.empty() ? 0 : static_cast<int>(s.client_index % regions.size()));
        for (NodeId r : list)
          if (scenario_.topology.node_region[r] == mine && up(r)) return r;
        break;
      }
    }
    for (std::size_t i = 0; i < size; ++i)
      if (up(list[(start + i) % size])) return list[(start + i) % size];
    return kNoNode;
  }
  switch (workload_.routing) {
    case Routing::random: {
      for (int attempt = 0; attempt < 64; ++attempt) {
        const auto r = static_cast<NodeId>(route_rng_.below(n));
        if (up(r)) return r;
      }
      return ring_.owner(route_rng_.next_u64(), up);
    }
    case Routing::sticky: return ring_.owner(hash, up);
    case Routing::primary: return ring_.owner(stable_hash(keys_.name(key)), up);
    case Routing::nearest: {
      if (!region_rings_.empty()) {
        const NodeId r = region_rings_[s.client_index % region_rings_.size()].owner(hash, up);
        if (r != kNoNode) return r;
      }
      return ring_.owner(hash, up);
    }
  }
  return kNoNode;
}

NodeId ClientDriver::first_choice(const PendingOp& p) {
  const Session& s = sessions_[p.session];
  if (p.pinned == kNoNode) return route(s, p.key);
  if (quorum_) {
    // A pinned coordinator must replicate the key; otherwise the key's first reachable replica coordinates.
    const std::vector<NodeId>& list = quorum_->replicas(p.key);
    if (std::find(list.begin(), list.end(), p.pinned) == list.end()) {
      for (NodeId r : list)
        if (reachable(s, r)) return r;
      return kNoNode;
    }
  }
  return p.pinned;
}

NodeId ClientDriver::fallback_choice(const PendingOp& p) {
  const Session& s = sessions_[p.session];
  auto fresh = [this, &s, &p](NodeId n) { return reachable(s, n) && !tried(p, n); };
  if (quorum_) {
    for (NodeId r : quorum_->replicas(p.key))
      if (fresh(r)) return r;
    return kNoNode;
  }
  if (!rings_built_) build_rings();
  switch (workload_.fallback) {
    case Fallback::none: return kNoNode;
    case Fallback::primary: return ring_.owner(stable_hash(keys_.name(p.key)), fresh);  // the key's primary, else the next
    case Fallback::next: return ring_.owner(ring_hash(s), fresh);                     // the next replica clockwise
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
  p.seq = ++sessions_[session].issued;
  p.closed_loop = closed_loop;
  p.pinned = pinned;
  if (op != OpKind::read) {
    p.write = writes_.add(key, value);
    if (value.empty()) {
      // Generated values: a register write is unique ("w17"); a counter step
      // is 1; set and cart members are drawn from e0..e{store.elements-1}
      // (so removes hit members that exist).
      switch (op) {
        case OpKind::incr:
        case OpKind::decr: value.assign(1, '1'); break;  // not = "1": g++ 12 warns -Wrestrict falsely on it
        case OpKind::add:
        case OpKind::remove:
          value = fmt::format("e{}", rng_.below(static_cast<std::uint64_t>(std::max(1, store_spec_.elements))));
          break;
        default: value = fmt::format("w{}", p.write); break;
      }
      writes_.set_value(p.write, value);
    }
    p.value = std::move(value);
  } else if (workload_.cache_ttl_ns > 0) {
    // Read-your-writes cache: the session's own recent write, no replica asked
    // (only if it also meets what the session enforces, e.g. MR).
    Session& s = sessions_[session];
    const SessionState::CacheEntry* hit = s.state.cached(key, sim_.now());
    if (hit && !(hit->v < s.state.read_floor(key, guarantees_))) {
      ++stats_.cache_hits;
      p.ok = true;
      p.outcome = Outcome::done;
      p.value = hit->value;
      p.version = hit->version;
      p.rank = hit->v.rank;
      p.write = hit->v.write;
      p.token = next_token();
      sim_.schedule(sim_.now(), self_, tagged(slot, p.token), complete, true);
      return;
    }
  }
  attempt(slot);
}

std::uint32_t ClientDriver::next_token() {
  if (++last_token_ == 0) ++last_token_;  // 0 means "no attempt in flight"
  return last_token_;
}

ClientDriver::Leg ClientDriver::travel(const Session& s, NodeId replica, bool to_replica) {
  Leg leg;
  // A client with no place, or next to this very replica, is inside its region.
  const bool placed = s.home != kNoNode && s.home != replica;
  const NodeId from = to_replica ? s.home : replica;
  const NodeId to = to_replica ? replica : s.home;
  Network& net = sim_.network();
  if (workload_.client_latency) {
    if (placed && net.link_blocked(from, to)) return leg;
    leg.latency_ns = workload_.client_latency->sample_duration(latency_rng_);
  } else if (placed) {
    const Route route = net.route(from, to, latency_rng_);  // link overrides, graph hops, partitions
    if (!route.ok) return leg;
    leg.latency_ns = route.latency_ns;
  } else {
    // The latency inside the replica's region: the topology's, or an override
    // that links the region to itself (the network's own lookup).
    leg.latency_ns = net.link_latency(replica, replica).sample_duration(latency_rng_);
  }
  leg.delivered = !loss_rng_.bernoulli(sim_.current_loss());
  return leg;
}

void ClientDriver::attempt(std::size_t slot) {
  PendingOp& p = pending_[slot];
  const NodeId r = p.attempts == 0 ? first_choice(p) : fallback_choice(p);
  if (p.attempts > 0) ++stats_.retries;
  ++p.attempts;
  p.waiting = false;
  p.token = next_token();
  if (r == kNoNode) {
    // Nothing reachable to try: the op fails now, without a round trip.
    p.outcome = Outcome::failed;
    sim_.schedule(sim_.now(), self_, tagged(slot, p.token), complete, true);
    return;
  }
  p.replica = r;
  p.tried.push_back(r);
  p.outcome = Outcome::pending;
  const WorkloadSpec& w = workload_;
  p.deadline_ns = std::min(time_after(sim_.now(), w.attempt_timeout()), time_after(p.invoke_ns, w.op_timeout_ns));
  const Leg leg = travel(sessions_[p.session], r, true);
  if (!leg.delivered) ++stats_.lost_requests;
  const SimTime arrival = time_after(sim_.now(), leg.latency_ns);
  if (!leg.delivered || arrival >= p.deadline_ns) {
    // The client hears nothing; a request arriving after its deadline is
    // dropped by the replica (deadline propagation).
    sim_.schedule(p.deadline_ns, self_, tagged(slot, p.token), timeout, true);
    return;
  }
  p.request_ns = leg.latency_ns;
  sim_.schedule(arrival, self_, tagged(slot, p.token), arrive, true);
}

void ClientDriver::on_arrive(std::size_t slot) {
  PendingOp& p = pending_[slot];
  p.arrived_ns = sim_.now();
  if (!reachable(sessions_[p.session], p.replica)) {
    notice_unavailable(slot);  // crashed or cut off while the request travelled
    return;
  }
  // The request waits its turn in the replica's service queue (with
  // replication: the coordinator's own work).
  const SimTime done = sim_.admit(p.replica, p.op == OpKind::read ? ServiceKind::read : ServiceKind::write);
  if (done >= p.deadline_ns) {
    sim_.schedule(p.deadline_ns, self_, tagged(slot, p.token), timeout, true);
    return;
  }
  if (done == sim_.now()) serve(slot);
  else sim_.schedule(done, self_, tagged(slot, p.token), served, true);
}

void ClientDriver::notice_unavailable(std::size_t slot) {
  // The client's connection notices after one more one-way delay (the
  // request's): a perfect failure detector, never lost.
  PendingOp& p = pending_[slot];
  ++stats_.unavailable;
  p.outcome = Outcome::unavailable;
  const SimTime noticed = time_after(sim_.now(), p.request_ns);
  if (noticed >= p.deadline_ns) sim_.schedule(p.deadline_ns, self_, tagged(slot, p.token), timeout, true);
  else sim_.schedule(noticed, self_, tagged(slot, p.token), complete, true);
}

void ClientDriver::serve(std::size_t slot) {
  PendingOp& p = pending_[slot];
  Session& s = sessions_[p.session];
  const WorkloadSpec& w = workload_;
  if (!reachable(s, p.replica)) {
    notice_unavailable(slot);  // crashed or cut off while the request queued (or waited)
    return;
  }
  if (guarantees_.any()) {
    const bool ready = p.op == OpKind::read ? s.state.can_read(store_, p.replica, p.key, guarantees_)
                                            : s.state.can_write(store_, p.replica, guarantees_);
    if (!ready) {
      const SimTime next = std::min(sim_.now() + kWaitPollNs, p.arrived_ns + w.max_wait_ns);
      if (w.on_behind == BehindPolicy::wait && next > sim_.now()) {
        if (!p.waiting) ++stats_.waited;
        p.waiting = true;
        // The client gives up at its deadline; the replica then drops the request.
        if (next >= p.deadline_ns) sim_.schedule(p.deadline_ns, self_, tagged(slot, p.token), timeout, true);
        else sim_.schedule(next, self_, tagged(slot, p.token), recheck, true);
        return;
      }
      ++stats_.behind;
      p.outcome = Outcome::behind;
      send_reply(slot);
      return;
    }
  }
  if (quorum_) {
    Context ctx(sim_, p.replica, quorum_id_);
    p.outcome = Outcome::pending;
    // The coordinator may take longer than the client waits: a guard, which
    // holds no run open (the coordinator's own work does).
    sim_.schedule(p.deadline_ns, self_, tagged(slot, p.token), timeout, false);
    quorum_->start(ctx, tagged(slot, p.token), p.op, p.key, p.write, s.uid);  // completes in on_quorum_done
    return;
  }
  const ReplicaCall at = store_.call_at(p.replica, sim_.now(), sim_.local_time(p.replica));
  p.ok = true;
  p.outcome = Outcome::done;
  if (p.op == OpKind::read) {
    ReadResult r = store_.read(at, p.key);
    p.value = std::move(r.value);
    p.version = std::move(r.version);
    p.rank = r.rank;
    p.write = r.write;
  } else {
    WriteResult wr = store_.write(at, p.key, p.op, p.write, s.uid);
    p.version = std::move(wr.version);
    p.rank = wr.rank;
  }
  send_reply(slot);
}

void ClientDriver::on_quorum_done(std::uint64_t ticket, bool ok, bool coordinator_lost, const ReadResult* read,
                                  const WriteResult* write) {
  const auto slot = static_cast<std::size_t>(ticket & 0xffffffffu);
  PendingOp& p = pending_[slot];
  if (p.token != static_cast<std::uint32_t>(ticket >> 32)) return;  // the client gave up on this attempt
  if (ok) {
    p.ok = true;
    p.outcome = Outcome::done;
    if (p.op == OpKind::read) {
      p.value = read->value;
      p.version = read->version;
      p.rank = read->rank;
      p.write = read->write;
    } else {
      p.version = write->version;
      p.rank = write->rank;
    }
  } else if (coordinator_lost && p.op == OpKind::read) {
    notice_unavailable(slot);  // the connection dropped: a read can go elsewhere
    return;
  } else {
    // No quorum in time, or the coordinator died with a write whose fate the
    // client cannot know (retrying would apply it twice): the op fails.
    p.outcome = Outcome::failed;
  }
  send_reply(slot);
}

void ClientDriver::send_reply(std::size_t slot) {
  PendingOp& p = pending_[slot];
  const Leg leg = travel(sessions_[p.session], p.replica, false);
  if (!leg.delivered) ++stats_.lost_replies;
  const SimTime arrival = time_after(sim_.now(), leg.latency_ns);
  if (!leg.delivered || arrival >= p.deadline_ns) {
    sim_.schedule(p.deadline_ns, self_, tagged(slot, p.token), timeout, true);
    return;
  }
  sim_.schedule(arrival, self_, tagged(slot, p.token), complete, true);
}

void ClientDriver::on_timeout(std::size_t slot) {
  PendingOp& p = pending_[slot];
  ++stats_.timeouts;
  p.ok = false;
  p.outcome = Outcome::timed_out;
  on_complete(slot);
}

void ClientDriver::on_complete(std::size_t slot) {
  PendingOp& p = pending_[slot];
  p.token = 0;  // the attempt is over: its remaining events are stale
  const WorkloadSpec& w = workload_;
  // A write that timed out may have been applied: retrying could apply it twice.
  const bool retryable = p.outcome == Outcome::unavailable || p.outcome == Outcome::behind ||
                         (p.outcome == Outcome::timed_out && p.op == OpKind::read);
  if (retryable && p.pinned == kNoNode && w.fallback != Fallback::none &&
      p.attempts <= static_cast<std::uint32_t>(w.retries) && sim_.now() - p.invoke_ns < w.op_timeout_ns) {
    attempt(slot);
    return;
  }
  finish(slot);
}

void ClientDriver::finish(std::size_t slot) {
  PendingOp& p = pending_[slot];
  Session& s = sessions_[p.session];
  p.ok = p.ok && p.outcome == Outcome::done;
  ++stats_.ops;
  if (!p.ok) ++stats_.failed;
  if (p.op == OpKind::read) ++stats_.reads; else ++stats_.writes;
  if (p.ok) {
    const SessionVersion v{p.rank, p.write};
    if (p.op == OpKind::read) {
      s.state.note_read(p.key, v);
    } else {
      s.state.note_write(p.key, v);
      if (workload_.cache_ttl_ns > 0)
        s.state.cache_write(p.key, SessionState::CacheEntry{p.value, p.version, v, sim_.now() + workload_.cache_ttl_ns});
    }
  } else if (p.op == OpKind::read) {
    p.value.clear();
    p.version.clear();
  }
  OpRecord r;
  r.client = s.client;
  r.session = s.index;
  r.op = op_name(p.op);
  const std::string key_name = keys_.name(p.key);
  r.key = key_name;
  r.value = p.value;
  r.invoke_ns = p.invoke_ns;
  r.complete_ns = sim_.now();
  // A cache hit asked no replica; a failure names the last replica tried.
  r.replica = p.tried.empty() ? kNoNode : p.replica;
  r.ok = p.ok;
  r.version = p.ok ? std::string_view(p.version) : std::string_view();
  r.key_id = p.key;
  r.write = p.ok || p.op != OpKind::read ? p.write : kNoWrite;
  r.rank = p.rank;
  r.session_uid = s.uid;
  r.seq = p.seq;
  r.is_write = p.op != OpKind::read;
  if (ReplicaObserver* o = store_.observer()) o->on_op(r);

  const std::size_t session = p.session;
  const bool closed = p.closed_loop;
  free_pending_.push_back(slot);
  if (closed) {
    const SimTime think = workload_.think_time.sample_duration(rng_);
    const SimTime next = time_after(sim_.now(), think);
    if (next < workload_.stop_ns) sim_.schedule(next, self_, session, closed_next, true);
  }
}

void ClientDriver::on_event(std::uint64_t x, std::uint32_t a) {
  switch (static_cast<Phase>(a)) {
    case script_invoke: {
      const OpSpec& op = ops_[x];
      invoke(session_for(op.client, 0), op.op, keys_.intern(op.key), op.value, op.node, false);
      break;
    }
    case open_arrival: {
      const WorkloadSpec& w = workload_;
      const std::size_t c = static_cast<std::size_t>(x);
      const std::size_t session = client_first_session_[c] + rng_.below(static_cast<std::uint64_t>(w.sessions_per_client));
      const OpKind op = draw_op();
      invoke(session, op, draw_key(), {}, kNoNode, false);
      const SimTime next = time_after(sim_.now(), poisson_gap(rng_, w.rate_per_s));
      if (next < w.stop_ns) sim_.schedule(next, self_, x, open_arrival, true);
      break;
    }
    case closed_next: {
      // Named locals fix the draw order (argument evaluation order is
      // unspecified: GCC and Clang differ). Key first: what GCC 12 did, so
      // GCC-built traces keep their hashes.
      const KeyId key = draw_key();
      const OpKind op = draw_op();
      invoke(static_cast<std::size_t>(x), op, key, {}, kNoNode, true);
      break;
    }
    default: {
      const auto slot = static_cast<std::size_t>(x & 0xffffffffu);
      if (pending_[slot].token != static_cast<std::uint32_t>(x >> 32)) break;  // a finished attempt's
      switch (static_cast<Phase>(a)) {
        case arrive: on_arrive(slot); break;
        case served:
        case recheck: serve(slot); break;
        case complete: on_complete(slot); break;
        case timeout: on_timeout(slot); break;
        default: break;
      }
      break;
    }
  }
}

bool ClientDriver::hash_state(StateHasher& h) const {
  for (const Rng* r : {&rng_, &route_rng_, &latency_rng_, &loss_rng_}) r->hash_state(h);
  h.add(last_token_);
  h.add(sessions_.size());
  for (const Session& s : sessions_) {
    h.add_string(s.client);
    h.add(s.index);
    h.add(s.client_index);
    h.add(s.uid);
    h.add(s.ring_hash);
    h.add(s.home);
    h.add(s.issued);
    s.state.hash_state(h);
  }
  for (const std::size_t f : client_first_session_) h.add(f);
  h.add(pending_.size());
  for (const PendingOp& p : pending_) {  // free slots too: their tokens tell stale events apart
    h.add(p.session);
    h.add(static_cast<std::uint64_t>(p.op));
    h.add(p.key);
    h.add_string(p.value);
    h.add(p.replica);
    h.add_signed(p.invoke_ns);
    h.add(p.write);
    h.add_bool(p.ok);
    h.add_string(p.version);
    h.add(p.rank.major);
    h.add(p.rank.minor);
    h.add_bool(p.closed_loop);
    h.add(p.pinned);
    h.add(static_cast<std::uint64_t>(p.outcome));
    h.add(p.attempts);
    h.add(p.token);
    h.add_signed(p.deadline_ns);
    h.add_signed(p.request_ns);
    h.add_signed(p.arrived_ns);
    h.add_bool(p.waiting);
    h.add(p.tried.size());
    for (const NodeId n : p.tried) h.add(n);
    h.add(p.seq);
  }
  h.add(free_pending_.size());
  for (const std::size_t f : free_pending_) h.add(f);
  h.add_bool(rings_built_);  // the rings follow from the topology once built
  for (const std::uint64_t v : {stats_.ops, stats_.failed, stats_.reads, stats_.writes, stats_.cache_hits, stats_.retries,
                                stats_.behind, stats_.waited, stats_.unavailable, stats_.lost_requests,
                                stats_.lost_replies, stats_.timeouts})
    h.add(v);
  return true;
}

}  // namespace ecsim
