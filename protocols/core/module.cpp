#include "protocols/core/module.hpp"

#include <algorithm>
#include <stdexcept>

#include "sim/protocol.hpp"
#include "sim/scenario.hpp"
#include "sim/simulator.hpp"

namespace ecsim {

void ModuleRegistry::add(ModuleDef def) {
  for (const ModuleDef& m : modules_)
    if (m.name == def.name) throw std::invalid_argument("module '" + def.name + "' registered twice");
  for (const SectionDef& s : def.sections)
    for (const SectionDef& t : sections_)
      if (s.path == t.path) throw std::invalid_argument("section '" + s.path + "' registered twice");
  for (const std::string& name : def.metrics)
    if (owner_of(name)) throw std::invalid_argument("metric '" + name + "' registered twice");
  sections_.insert(sections_.end(), def.sections.begin(), def.sections.end());
  modules_.push_back(std::move(def));
}

std::vector<std::string> ModuleRegistry::metrics() const {
  std::vector<std::string> out;
  for (const ModuleDef& m : modules_) out.insert(out.end(), m.metrics.begin(), m.metrics.end());
  return out;
}

const ModuleDef* ModuleRegistry::owner_of(std::string_view metric) const {
  for (const ModuleDef& m : modules_)
    if (std::find(m.metrics.begin(), m.metrics.end(), metric) != m.metrics.end()) return &m;
  return nullptr;
}

bool ModuleRegistry::active(const ModuleDef& def, const Scenario& scenario) {
  if (def.always) return true;
  return std::any_of(def.sections.begin(), def.sections.end(),
                     [&](const SectionDef& s) { return scenario.has_section(s.path); });
}

ProtocolRun::ProtocolRun(Simulator& sim, std::unique_ptr<Protocol> protocol, SimTime quiet_window_ns, Printer print)
    : protocol_(std::move(protocol)),
      id_(sim.add_protocol(protocol_.get())),
      quiet_window_ns_(quiet_window_ns),
      print_(std::move(print)) {}

ProtocolRun::~ProtocolRun() = default;

void ProtocolRun::add_metrics(MetricMap& m, SimTime) const {
  std::vector<std::pair<std::string, double>> out;
  protocol_->summary_metrics(out);
  for (auto& [name, value] : out) m[name] = value;
}

}  // namespace ecsim
