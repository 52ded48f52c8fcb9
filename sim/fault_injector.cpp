#include "sim/fault_injector.hpp"

#include "sim/state_hash.hpp"

#include <fmt/format.h>

#include "sim/simulator.hpp"

namespace ecsim {

FaultInjector::FaultInjector(Simulator& sim, const Scenario& scenario) : sim_(sim), scenario_(scenario) {
  self_ = sim_.add_component(this);
  for (std::size_t i = 0; i < scenario_.faults.size(); ++i)
    sim_.schedule(scenario_.faults[i].at_ns, self_, i, apply, true);
}

std::string FaultInjector::describe(const FaultSpec& f) const {
  const auto& names = scenario_.topology.node_names;
  auto list = [&](const std::vector<NodeId>& nodes) {
    std::string s;
    for (NodeId n : nodes) s += (s.empty() ? "" : " ") + names[n];
    return s;
  };
  switch (f.kind) {
    case FaultSpec::Kind::partition: {
      if (!f.groups.empty()) {
        std::string s = "partition";
        for (const auto& g : f.groups) s += " [" + list(g) + "]";
        return s;
      }
      return fmt::format("partition [{}] {} [{}]", list(f.from), f.oneway ? "->" : "<->", list(f.to));
    }
    case FaultSpec::Kind::heal: return "heal all";
    case FaultSpec::Kind::crash: return fmt::format("crash {}{}", names[f.node], f.lose_state ? " (state lost)" : "");
    case FaultSpec::Kind::restart: return fmt::format("restart {}", names[f.node]);
    case FaultSpec::Kind::loss: return fmt::format("loss {}", f.loss);
    case FaultSpec::Kind::duplicate: return fmt::format("duplicate {}", f.duplicate);
    case FaultSpec::Kind::clock: return fmt::format("clock step {} by {} ns", names[f.node], f.offset_ns);
    case FaultSpec::Kind::flapping: return fmt::format("flapping [{}] period {} ns", list(f.nodes), f.period_ns);
  }
  return "fault";
}

void FaultInjector::apply_fault(std::size_t index) {
  const FaultSpec& f = scenario_.faults[index];
  Network& net = sim_.network();
  Observer& obs = sim_.observers();
  const SimTime now = sim_.now();
  switch (f.kind) {
    case FaultSpec::Kind::partition:
      if (!f.groups.empty())
        net.add_group_cut(f.groups);
      else
        net.add_directed_cut(f.from, f.to, f.oneway);
      obs.on_fault(now, FaultEventKind::partition, describe(f));
      break;
    case FaultSpec::Kind::heal:
      net.remove_all_cuts();
      for (Flap& flap : flaps_) {  // healing also ends flapping
        flap.stopped = true;
        flap.cut = 0;
      }
      obs.on_fault(now, FaultEventKind::heal, describe(f));
      break;
    case FaultSpec::Kind::crash:
      sim_.crash(f.node, f.lose_state);
      if (f.restart_after_ns >= 0) sim_.schedule(now + f.restart_after_ns, self_, index, restart_node, true);
      break;
    case FaultSpec::Kind::restart:
      sim_.restart(f.node);
      break;
    case FaultSpec::Kind::loss:
      sim_.set_loss_override(f.loss);
      obs.on_fault(now, FaultEventKind::loss_start, describe(f));
      if (f.until_ns >= 0) sim_.schedule(f.until_ns, self_, index, loss_end, true);
      break;
    case FaultSpec::Kind::duplicate:
      sim_.set_duplicate_override(f.duplicate);
      obs.on_fault(now, FaultEventKind::duplicate_start, describe(f));
      if (f.until_ns >= 0) sim_.schedule(f.until_ns, self_, index, duplicate_end, true);
      break;
    case FaultSpec::Kind::clock:
      if (f.offset_ns != 0) sim_.clocks().step(f.node, now, f.offset_ns);
      if (f.drift_ppm) sim_.clocks().set_drift(f.node, now, *f.drift_ppm);
      obs.on_node(now, f.node, NodeEventKind::clock_step, false);
      break;
    case FaultSpec::Kind::flapping:
      flaps_.push_back(Flap{index});
      sim_.schedule(now, self_, flaps_.size() - 1, flap_toggle, true);
      break;
  }
}

void FaultInjector::on_event(std::uint64_t x, std::uint32_t a) {
  switch (static_cast<Action>(a)) {
    case apply:
      apply_fault(x);
      break;
    case restart_node:
      sim_.restart(scenario_.faults[x].node);
      break;
    case loss_end:
      sim_.set_loss_override(-1.0);
      sim_.observers().on_fault(sim_.now(), FaultEventKind::loss_end, "loss window ends");
      break;
    case duplicate_end:
      sim_.set_duplicate_override(-1.0);
      sim_.observers().on_fault(sim_.now(), FaultEventKind::duplicate_end, "duplication window ends");
      break;
    case flap_toggle: {
      Flap& flap = flaps_[x];
      if (flap.stopped) break;
      const FaultSpec& f = scenario_.faults[flap.fault];
      const SimTime now = sim_.now();
      if (flap.cut != 0) {
        sim_.network().remove_cut(flap.cut);
        flap.cut = 0;
        sim_.observers().on_fault(now, FaultEventKind::flap_heal, describe(f));
      } else if (f.until_ns < 0 || now < f.until_ns) {
        // Isolated for the first half of each period, connected for the second.
        std::vector<NodeId> rest;
        std::vector<std::uint8_t> in(sim_.node_count(), 0);
        for (NodeId n : f.nodes) in[n] = 1;
        for (NodeId n = 0; n < sim_.node_count(); ++n)
          if (!in[n]) rest.push_back(n);
        flap.cut = sim_.network().add_directed_cut(f.nodes, rest, false);
        sim_.observers().on_fault(now, FaultEventKind::flap_cut, describe(f));
      }
      const SimTime next = now + f.period_ns / 2;
      if (flap.cut != 0 || f.until_ns < 0 || next < f.until_ns) sim_.schedule(next, self_, x, flap_toggle, true);
      break;
    }
  }
}

bool FaultInjector::hash_state(StateHasher& h) const {
  h.add(flaps_.size());
  for (const Flap& f : flaps_) {
    h.add(f.fault);
    h.add(f.cut);
    h.add_bool(f.stopped);
  }
  return true;
}

}  // namespace ecsim
