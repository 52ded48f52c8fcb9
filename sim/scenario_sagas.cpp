// Loader part for the application-pattern sections: sagas:, reconciliation:,
// event_log: (docs/SCENARIO_REFERENCE.md, "Sagas and reconciliation").
#include <algorithm>
#include <fmt/format.h>

#include "sim/scenario_loader.hpp"
#include "sim/strings.hpp"
#include "sim/scenario_sagas_load.hpp"
#include "sim/units.hpp"

namespace ecsim::detail {
namespace {

constexpr std::int64_t kMaxSagas = 1'000'000;   // saga timers carry the saga in 20 bits
constexpr int kMaxStockReplicas = 16;
constexpr int kMaxSteps = 32;

const std::vector<std::string> kSagaActions = {"reserve", "charge", "ship", "generic"};
const std::vector<std::string> kWorkloadKinds = {"orders", "flash_sale"};
const std::vector<std::string> kStockModes = {"eventual", "quorum"};
const std::vector<std::string> kEventOrders = {"timestamp", "arrival"};

bool is_plain_name(const std::string& s) {
  if (s.empty() || s == "." || s == "..") return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
  });
}

// Node and region names, with the same messages as the core loader.
class Names {
 public:
  Names(const YamlReader& r, const Scenario& s) : r_(r), s_(s) {}

  std::string hint(bool regions_allowed) const {
    const TopologySpec& t = s_.topology;
    auto range = [](const std::string& a, const std::string& b) { return a == b ? a : a + ".." + b; };
    std::string nodes;
    if (t.regions.empty()) {
      nodes = range(t.node_names.front(), t.node_names.back());
    } else {
      std::vector<std::string> parts;
      for (const auto& reg : t.regions)
        parts.push_back(range(t.node_names[reg.first_node], t.node_names[reg.first_node + static_cast<NodeId>(reg.nodes) - 1]));
      nodes = join(parts);
    }
    if (!regions_allowed || t.regions.empty()) return "(nodes are " + nodes + ")";
    std::vector<std::string> regions;
    for (const auto& reg : t.regions) regions.push_back(reg.name);
    return "(regions are " + join(regions) + "; nodes are " + nodes + ")";
  }

  std::optional<NodeId> node(const std::string& name) const {
    const auto& names = s_.topology.node_names;
    for (std::size_t i = 0; i < names.size(); ++i)
      if (names[i] == name) return static_cast<NodeId>(i);
    return std::nullopt;
  }
  const RegionSpec* region(const std::string& name) const {
    for (const auto& reg : s_.topology.regions)
      if (reg.name == name) return &reg;
    return nullptr;
  }

  [[noreturn]] void unknown(const YamlValue& v, const std::string& name, bool regions_allowed) const {
    std::vector<std::string> candidates = s_.topology.node_names;
    if (regions_allowed)
      for (const auto& reg : s_.topology.regions) candidates.push_back(reg.name);
    std::string best = closest_name(name, candidates);
    auto strip = [](std::string x) {
      while (!x.empty() && x.back() >= '0' && x.back() <= '9') x.pop_back();
      return x;
    };
    if (!best.empty() && strip(best) == strip(name)) best.clear();  // "n9" -> "n0" is noise
    const bool regions = regions_allowed && !s_.topology.regions.empty();
    r_.fail(v, fmt::format("unknown {} '{}' in {} {}{}", regions ? "node or region" : "node", name, v.path,
                           hint(regions_allowed), best.empty() ? "" : " (did you mean '" + best + "'?)"));
  }

  NodeId one(const YamlValue& v) const {
    const std::string name = r_.scalar(v, "a node name");
    if (auto id = node(name)) return *id;
    if (region(name)) r_.fail(v, fmt::format("'{}' is a region; {} needs a single node {}", name, v.path, hint(false)));
    unknown(v, name, false);
  }

  // Node or region names (a region stands for its nodes), a name or a list.
  std::vector<NodeId> many(const YamlValue& v, bool regions_allowed = true) const {
    std::vector<NodeId> out;
    const auto items = r_.scalar_or_list(v);
    if (items.empty()) r_.fail(v, fmt::format("{}: expected at least one node name", v.path));
    for (const auto& item : items) {
      const std::string name = r_.scalar(item, "a node name");
      std::vector<NodeId> ids;
      if (const RegionSpec* reg = regions_allowed ? region(name) : nullptr) {
        for (int i = 0; i < reg->nodes; ++i) ids.push_back(reg->first_node + static_cast<NodeId>(i));
      } else if (auto id = node(name)) {
        ids.push_back(*id);
      } else {
        unknown(item, name, regions_allowed);
      }
      for (NodeId id : ids)
        if (std::find(out.begin(), out.end(), id) == out.end()) out.push_back(id);
    }
    return out;
  }

 private:
  const YamlReader& r_;
  const Scenario& s_;
};

SimTime at_most_duration(const YamlReader& r, const YamlValue& v, const Scenario& s) {
  const SimTime t = r.duration(v);
  if (t > s.duration_ns)
    r.fail(v, fmt::format("{} ({}) is after duration {}", v.path, format_duration(t), format_duration(s.duration_ns)));
  return t;
}

SimTime positive_duration(const YamlReader& r, const YamlValue& v) {
  const SimTime t = r.duration(v);
  if (t <= 0) r.fail(v, fmt::format("{} must be positive, got {}", v.path, v.node.Scalar()));
  return t;
}

double rate(const YamlReader& r, const YamlValue& v, bool allow_zero) {
  const double x = r.rate_per_s(v);
  if (!allow_zero && !(x > 0)) r.fail(v, fmt::format("{} must be positive, got {}", v.path, v.node.Scalar()));
  return x;
}

// A crash that loses state on a node whose state these sections treat as durable.
void reject_lost_state(const Scenario& s, const std::vector<NodeId>& nodes, const std::string& what) {
  for (const FaultSpec& f : s.faults) {
    if (f.kind != FaultSpec::Kind::crash || !f.lose_state) continue;
    if (std::find(nodes.begin(), nodes.end(), f.node) == nodes.end()) continue;
    throw ScenarioError(s.source_file, f.pos.line, f.pos.column,
                        fmt::format("crash of {} with lose_state: true is not modelled: {} (use lose_state: false)",
                                    s.topology.node_names[f.node], what));
  }
}

SagaAction default_action(const std::string& service) {
  if (service == "inventory") return SagaAction::reserve;
  if (service == "payment") return SagaAction::charge;
  if (service == "shipping") return SagaAction::ship;
  return SagaAction::generic;
}

void load_sagas(const YamlReader& r, const YamlValue& v, Scenario& s) {
  const Names names(r, s);
  const MapReader m(r, v);
  m.allow({"orchestrator", "steps", "count", "rate", "start", "timeout", "retries", "idempotency", "durable_log",
           "workload", "stock", "stock_sync"});
  SagaSpec g;
  const auto n = static_cast<NodeId>(s.topology.nodes);
  g.orchestrators = m.has("orchestrator") ? names.many(*m.get("orchestrator")) : std::vector<NodeId>{0};

  // Steps: names ("inventory") or maps ({service, action, node, fail}).
  std::vector<YamlValue> items;
  if (auto x = m.get("steps")) {
    items = r.list(*x);
    if (items.empty()) r.fail(*x, "sagas.steps must list at least one step");
    if (items.size() > kMaxSteps) r.fail(*x, fmt::format("sagas.steps: at most {} steps", kMaxSteps));
  }
  const std::vector<std::string> defaults = {"inventory", "payment", "shipping"};
  const std::size_t count = items.empty() ? defaults.size() : items.size();
  for (std::size_t i = 0; i < count; ++i) {
    SagaStepSpec step;
    std::optional<YamlValue> node_v, action_v;
    std::optional<YamlValue> where;
    if (items.empty()) {
      step.service = defaults[i];
    } else if (items[i].node.IsScalar()) {
      where = items[i];
      step.service = r.scalar(items[i], "a service name");
    } else {
      where = items[i];
      const MapReader sm(r, items[i]);
      sm.allow({"service", "action", "node", "fail"});
      const YamlValue service = sm.require("service");
      step.service = r.scalar(service, "a service name");
      where = service;
      action_v = sm.get("action");
      node_v = sm.get("node");
      if (auto f = sm.get("fail")) step.fail = r.probability(*f);
    }
    if (!is_plain_name(step.service))
      r.fail(*where, fmt::format("{}: service names may contain only letters, digits, '_', '.' and '-', got '{}'",
                                 where->path, step.service));
    for (const auto& other : g.steps)
      if (other.service == step.service) r.fail(*where, fmt::format("{}: service '{}' appears twice in sagas.steps", where->path, step.service));
    step.action = action_v ? static_cast<SagaAction>(r.choice(*action_v, kSagaActions)) : default_action(step.service);
    if (node_v) {
      step.nodes = names.many(*node_v);
      if (step.nodes.size() > 1 && step.action != SagaAction::reserve)
        r.fail(*node_v, fmt::format("{}: only a reserve step may list several nodes (stock replicas); '{}' is a {} step",
                                    node_v->path, step.service, kSagaActions[static_cast<std::size_t>(step.action)]));
      if (step.nodes.size() > static_cast<std::size_t>(kMaxStockReplicas))
        r.fail(*node_v, fmt::format("{}: at most {} stock replicas", node_v->path, kMaxStockReplicas));
    } else {
      step.nodes = {static_cast<NodeId>((i + 1) % n)};  // n1, n2, n3, ... by default
    }
    if (step.action == SagaAction::reserve) {
      for (const auto& other : g.steps)
        if (other.action == SagaAction::reserve)
          r.fail(action_v ? *action_v : *where, fmt::format("sagas.steps: only one reserve step is supported ('{}' and '{}')",
                                                            other.service, step.service));
    }
    g.steps.push_back(std::move(step));
  }

  if (auto x = m.get("count")) g.count = r.integer(*x, 0, kMaxSagas);
  if (auto x = m.get("rate")) g.rate_per_s = rate(r, *x, false);
  if (auto x = m.get("start")) g.start_ns = at_most_duration(r, *x, s);
  if (auto x = m.get("timeout")) g.timeout_ns = positive_duration(r, *x);
  if (auto x = m.get("retries")) g.retries = static_cast<int>(r.integer(*x, 0, 1000));
  if (auto x = m.get("idempotency")) g.idempotency = r.boolean(*x);
  if (auto x = m.get("durable_log")) g.durable_log = r.boolean(*x);
  if (auto x = m.get("workload")) {
    std::optional<YamlValue> products, stock, quantity;
    if (x->node.IsScalar()) {
      g.workload = static_cast<SagaWorkloadKind>(r.choice(*x, kWorkloadKinds));
    } else {
      const MapReader wm(r, *x);
      wm.allow({"kind", "products", "stock", "quantity"});
      g.workload = static_cast<SagaWorkloadKind>(r.choice(wm.require("kind"), kWorkloadKinds));
      products = wm.get("products");
      stock = wm.get("stock");
      quantity = wm.get("quantity");
    }
    if (g.workload == SagaWorkloadKind::flash_sale) {
      g.products = 1;
      g.stock = 100;
      if (g.reserve_step() < 0)
        r.fail(*x, "sagas.workload: a flash_sale needs a reserve step (e.g. the default inventory step)");
    }
    if (products) g.products = static_cast<int>(r.integer(*products, 1, 10'000));
    if (stock) g.stock = r.integer(*stock, 0, 1'000'000'000'000);
    if (quantity) g.quantity = static_cast<int>(r.integer(*quantity, 1, 1'000'000));
  }
  if (auto x = m.get("stock")) g.stock_consistency = static_cast<StockConsistency>(r.choice(*x, kStockModes));
  if (auto x = m.get("stock_sync")) g.stock_sync_ns = positive_duration(r, *x);

  std::vector<NodeId> services;
  for (const auto& step : g.steps) services.insert(services.end(), step.nodes.begin(), step.nodes.end());
  reject_lost_state(s, services, "saga services keep their database across crashes");
  s.sagas = std::move(g);
}

void load_reconciliation(const YamlReader& r, const YamlValue& v, Scenario& s) {
  const Names names(r, s);
  const MapReader m(r, v);
  m.allow({"source", "replicas", "values", "updates", "updates_start", "updates_stop", "corruption", "enabled", "period",
           "batch"});
  ReconcileSpec c;
  if (auto x = m.get("source")) c.source = names.one(*x);
  if (auto x = m.get("replicas")) {
    c.replicas = names.many(*x);
    if (std::find(c.replicas.begin(), c.replicas.end(), c.source) != c.replicas.end())
      r.fail(*x, fmt::format("{}: the source {} cannot also be a replica", x->path, s.topology.node_names[c.source]));
  } else {
    for (NodeId i = 0; i < static_cast<NodeId>(s.topology.nodes); ++i)
      if (i != c.source) c.replicas.push_back(i);
    if (c.replicas.empty()) r.fail(v, "reconciliation needs at least one replica besides the source (topology has one node)");
  }
  if (auto x = m.get("values")) c.values = static_cast<int>(r.integer(*x, 1, 100'000));
  if (auto x = m.get("updates")) c.updates_per_s = rate(r, *x, true);
  if (auto x = m.get("updates_start")) c.updates_start_ns = at_most_duration(r, *x, s);
  if (auto x = m.get("updates_stop")) {
    c.updates_stop_ns = at_most_duration(r, *x, s);
    if (c.updates_stop_ns < c.updates_start_ns)
      r.fail(*x, fmt::format("reconciliation.updates_stop ({}) is before updates_start ({})",
                             format_duration(c.updates_stop_ns), format_duration(c.updates_start_ns)));
  }
  if (auto x = m.get("corruption")) c.corruption_per_s = rate(r, *x, true);
  if (auto x = m.get("enabled")) c.enabled = r.boolean(*x);
  if (auto x = m.get("period")) c.period_ns = positive_duration(r, *x);
  if (auto x = m.get("batch")) c.batch = static_cast<int>(r.integer(*x, 0, c.values));
  reject_lost_state(s, {c.source}, "the reconciliation source of truth is durable");
  s.reconciliation = std::move(c);
}

void load_event_log(const YamlReader& r, const YamlValue& v, Scenario& s) {
  const Names names(r, s);
  const MapReader m(r, v);
  m.allow({"replicas", "interval", "fanout", "events", "start", "stop", "entities", "order"});
  EventLogSpec l;
  if (auto x = m.get("replicas")) {
    l.replicas = names.many(*x);
    if (l.replicas.size() > 1024) r.fail(*x, fmt::format("{}: at most 1024 replicas", x->path));
  } else {
    for (NodeId i = 0; i < static_cast<NodeId>(std::min(s.topology.nodes, 1024)); ++i) l.replicas.push_back(i);
  }
  if (auto x = m.get("interval")) l.interval_ns = positive_duration(r, *x);
  if (auto x = m.get("fanout")) l.fanout = static_cast<int>(r.integer(*x, 1, 1024));
  if (auto x = m.get("events")) l.events_per_s = rate(r, *x, true);
  if (auto x = m.get("start")) l.start_ns = at_most_duration(r, *x, s);
  if (auto x = m.get("stop")) {
    l.stop_ns = at_most_duration(r, *x, s);
    if (l.stop_ns < l.start_ns)
      r.fail(*x, fmt::format("event_log.stop ({}) is before event_log.start ({})", format_duration(l.stop_ns),
                             format_duration(l.start_ns)));
  }
  if (auto x = m.get("entities")) l.entities = static_cast<int>(r.integer(*x, 1, 100'000));
  if (auto x = m.get("order")) l.order = static_cast<EventOrder>(r.choice(*x, kEventOrders));
  reject_lost_state(s, l.replicas, "an event-log replica's log is its durable state");
  s.event_log = std::move(l);
}

void node_list(YAML::Emitter& e, const Scenario& s, const std::vector<NodeId>& nodes) {
  e << YAML::Flow << YAML::BeginSeq;
  for (NodeId n : nodes) e << s.topology.node_names[n];
  e << YAML::EndSeq;
}

}  // namespace

const std::vector<std::string>& pattern_section_keys() {
  static const std::vector<std::string> keys = {"sagas", "reconciliation", "event_log"};
  return keys;
}

const std::vector<std::string>& pattern_trace_names() {
  static const std::vector<std::string> names = {"sagas", "repairs"};
  return names;
}

std::vector<std::string> pattern_default_traces(const Scenario& s) {
  std::vector<std::string> out;
  if (s.sagas) out.emplace_back("sagas");
  if (s.reconciliation) out.emplace_back("repairs");
  return out;
}

void load_pattern_sections(const YamlReader& r, const MapReader& top, Scenario& s) {
  if (auto v = top.get("sagas")) load_sagas(r, *v, s);
  if (auto v = top.get("reconciliation")) load_reconciliation(r, *v, s);
  if (auto v = top.get("event_log")) load_event_log(r, *v, s);
}

void write_pattern_sections(YAML::Emitter& e, const Scenario& s) {
  using YAML::BeginMap;
  using YAML::EndMap;
  using YAML::Key;
  using YAML::Value;
  if (const auto& g = s.sagas) {
    e << Key << "sagas" << Value << BeginMap;
    e << Key << "orchestrator" << Value;
    node_list(e, s, g->orchestrators);
    e << Key << "steps" << Value << YAML::BeginSeq;
    for (const auto& step : g->steps) {
      e << YAML::Flow << BeginMap << Key << "service" << Value << step.service << Key << "action" << Value
        << kSagaActions[static_cast<std::size_t>(step.action)] << Key << "node" << Value;
      node_list(e, s, step.nodes);
      e << Key << "fail" << Value << fmt::format("{}", step.fail) << EndMap;
    }
    e << YAML::EndSeq;
    e << Key << "count" << Value << g->count << Key << "rate" << Value << format_rate(g->rate_per_s);
    e << Key << "start" << Value << format_duration(g->start_ns) << Key << "timeout" << Value << format_duration(g->timeout_ns);
    e << Key << "retries" << Value << g->retries << Key << "idempotency" << Value << g->idempotency;
    e << Key << "durable_log" << Value << g->durable_log;
    e << Key << "workload" << Value << YAML::Flow << BeginMap << Key << "kind" << Value
      << kWorkloadKinds[static_cast<std::size_t>(g->workload)] << Key << "products" << Value << g->products << Key
      << "stock" << Value << g->stock << Key << "quantity" << Value << g->quantity << EndMap;
    e << Key << "stock" << Value << kStockModes[static_cast<std::size_t>(g->stock_consistency)];
    e << Key << "stock_sync" << Value << format_duration(g->stock_sync_ns);
    e << EndMap;
  }
  if (const auto& c = s.reconciliation) {
    e << Key << "reconciliation" << Value << BeginMap;
    e << Key << "source" << Value << s.topology.node_names[c->source] << Key << "replicas" << Value;
    node_list(e, s, c->replicas);
    e << Key << "values" << Value << c->values << Key << "updates" << Value << format_rate(c->updates_per_s);
    e << Key << "updates_start" << Value << format_duration(c->updates_start_ns);
    if (c->updates_stop_ns >= 0) e << Key << "updates_stop" << Value << format_duration(c->updates_stop_ns);
    e << Key << "corruption" << Value << format_rate(c->corruption_per_s);
    e << Key << "enabled" << Value << c->enabled << Key << "period" << Value << format_duration(c->period_ns);
    e << Key << "batch" << Value << c->batch;
    e << EndMap;
  }
  if (const auto& l = s.event_log) {
    e << Key << "event_log" << Value << BeginMap << Key << "replicas" << Value;
    node_list(e, s, l->replicas);
    e << Key << "interval" << Value << format_duration(l->interval_ns) << Key << "fanout" << Value << l->fanout;
    e << Key << "events" << Value << format_rate(l->events_per_s) << Key << "start" << Value << format_duration(l->start_ns);
    if (l->stop_ns >= 0) e << Key << "stop" << Value << format_duration(l->stop_ns);
    e << Key << "entities" << Value << l->entities << Key << "order" << Value
      << kEventOrders[static_cast<std::size_t>(l->order)];
    e << EndMap;
  }
}

}  // namespace ecsim::detail
