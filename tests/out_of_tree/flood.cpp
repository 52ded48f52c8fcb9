// An out-of-tree module (docs/OUT_OF_TREE_MODULES.md): flooding. Built
// against the installed ecsim package, loaded by a scenario's `modules:`.
//
// When a replica's state for a key changes (a client write, or a value
// received from a peer that is new to it), the node waits `delay` on its own
// clock and sends its state for the key to every graph neighbour, once per
// change. Receiving a state a node already has changes nothing and is not
// forwarded. So one write reaches every connected live node, and each node
// sends it to each of its neighbours exactly once: on a complete graph of N
// nodes, N*(N-1) messages per write when nothing is lost.
//
//   protocols:
//     flood: {delay: 1ms}      # default 1ms; 0 forwards at once
//
// Metric: flood.messages, the values sent.
#include <algorithm>
#include <memory>
#include <ostream>
#include <vector>

#include "protocols/core/plugin.hpp"
#include "protocols/core/replica_store.hpp"
#include "sim/protocol.hpp"
#include "sim/scenario.hpp"
#include "sim/simulator.hpp"
#include "sim/units.hpp"
#include "sim/yaml_node.hpp"

namespace flood {

using namespace ecsim;

// --- protocols.flood: the section the module owns --------------------------

struct FloodSpec : SectionValue {
  static constexpr std::string_view kPath = "protocols.flood";
  SimTime delay_ns = kMillisecond;
};

std::shared_ptr<const SectionValue> load(const detail::YamlReader& r, const detail::YamlValue& v, const Scenario&) {
  FloodSpec spec;
  const detail::MapReader m(r, v);  // "flood:" with no value = defaults
  m.allow({"delay"});
  if (auto x = m.get("delay")) spec.delay_ns = r.duration(*x);  // not negative
  return std::make_shared<const FloodSpec>(spec);
}

void write(YAML::Emitter& e, const SectionValue& value, const Scenario&) {
  const auto& spec = dynamic_cast<const FloodSpec&>(value);
  e << YAML::Flow << YAML::BeginMap << YAML::Key << "delay" << YAML::Value << format_duration(spec.delay_ns)
    << YAML::EndMap;
}

// --- the protocol -----------------------------------------------------------

class FloodProtocol final : public Protocol, public StoreListener {
 public:
  static constexpr std::uint16_t kValue = 1;       // message: entries of the store's wire format
  static constexpr std::uint32_t kFlushTimer = 1;  // timer: send what changed

  FloodProtocol(const FloodSpec& spec, Simulator& sim, ReplicaStore& store)
      : spec_(spec), sim_(sim), store_(store), pending_(sim.node_count()), armed_(sim.node_count(), 0) {
    store_.add_listener(this);
  }
  void set_id(std::uint16_t id) { id_ = id; }
  bool idle() const {
    return std::all_of(pending_.begin(), pending_.end(), [](const auto& keys) { return keys.empty(); });
  }

  std::string_view name() const override { return "flood"; }
  void on_start(Context& ctx) override { arm(ctx.node()); }  // a restart resumes what was pending
  void on_message(Context& ctx, const Message& msg) override {
    if (msg.type == kValue) store_.merge(call(ctx), msg.words);  // a change reaches on_state_changed
  }
  void on_timer(Context& ctx, std::uint32_t tag) override {
    if (tag != kFlushTimer) return;
    const NodeId self = ctx.node();
    armed_[self] = 0;
    std::vector<KeyId> keys;
    keys.swap(pending_[self]);
    const std::vector<NodeId> peers = sim_.network().neighbors(self);
    for (const KeyId key : keys) {
      const std::uint64_t k = key;
      buf_.clear();
      store_.entries_for(self, std::span<const std::uint64_t>(&k, 1), buf_);
      if (buf_.empty()) continue;
      const std::uint32_t bytes = store_.entries_wire_bytes(buf_);
      for (const NodeId peer : peers) ctx.send(peer, kValue, buf_, bytes);
      messages_ += peers.size();
    }
  }
  void on_crash(Context& ctx, bool lose_state) override {
    armed_[ctx.node()] = 0;  // the timer died with the node
    if (lose_state) store_.clear(call(ctx));
  }
  void summary_metrics(std::vector<std::pair<std::string, double>>& out) const override {
    out.emplace_back("flood.messages", static_cast<double>(messages_));
  }

  // StoreListener: called by the store, inside whatever changed it (a client's
  // write, a merge in on_message); the send happens on the node's timer.
  void on_state_changed(NodeId node, KeyId key, std::uint64_t) override {
    auto& keys = pending_[node];
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(key);
    arm(node);
  }
  void on_state_cleared(NodeId node) override { pending_[node].clear(); }

 private:
  ReplicaCall call(Context& ctx) const { return store_.call_at(ctx.node(), ctx.now(), ctx.local_time()); }
  void arm(NodeId node) {
    if (armed_[node] || pending_[node].empty() || !sim_.node_up(node)) return;
    armed_[node] = 1;
    sim_.set_timer(node, id_, spec_.delay_ns, kFlushTimer);
  }

  FloodSpec spec_;
  Simulator& sim_;
  ReplicaStore& store_;
  std::uint16_t id_ = 0;
  std::vector<std::vector<KeyId>> pending_;  // per node: keys changed since its last flush
  std::vector<std::uint8_t> armed_;          // per node: a flush timer is set
  std::vector<std::uint64_t> buf_;
  std::uint64_t messages_ = 0;
};

// --- the module: its part of a run -------------------------------------------

class FloodRun final : public ProtocolRun {
 public:
  FloodRun(Simulator& sim, std::unique_ptr<FloodProtocol> p) : ProtocolRun(sim, std::move(p)) {
    flood().set_id(protocol_id());
  }
  bool idle() const override { return flood().idle(); }
  void print(std::ostream& out, const MetricMap& m) const override {
    out << "  flood         " << m.at("flood.messages") << " messages\n";
  }

 private:
  FloodProtocol& flood() const { return static_cast<FloodProtocol&>(protocol()); }
};

ModuleDef flood_module() {
  ModuleDef def;
  def.name = "flood";
  def.sections = {SectionDef{std::string(FloodSpec::kPath), "flooding: forward every new state to all neighbours once",
                             load, write, {}}};
  def.metrics = {"flood.messages"};
  def.stage = ModuleStage::replication;
  def.start = [](ModuleWorld& w) -> std::unique_ptr<ModuleRun> {
    const FloodSpec& spec = *w.scenario.section<FloodSpec>();
    return std::make_unique<FloodRun>(w.sim, std::make_unique<FloodProtocol>(spec, w.sim, w.store));
  };
  return def;
}

}  // namespace flood

// --- what the app looks up (protocols/core/plugin.hpp) ------------------------

ECSIM_PLUGIN_EXPORT int ecsim_module_abi_version() { return ecsim::kEcsimModuleAbi; }

ECSIM_PLUGIN_EXPORT void ecsim_register_modules(ecsim::ModuleRegistry& registry) {
  registry.add(flood::flood_module());
}
