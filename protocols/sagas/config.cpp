// sagas: keys, defaults, validation and the resolved-config writer.
#include "protocols/sagas/config.hpp"

#include <algorithm>
#include <fmt/format.h>

#include "sim/config_nodes.hpp"
#include "sim/scenario_loader.hpp"
#include "sim/units.hpp"

namespace ecsim {
namespace {

using namespace detail;

const std::vector<std::string> kSagaActions = {"reserve", "charge", "ship", "generic"};
const std::vector<std::string> kWorkloadKinds = {"orders", "flash_sale"};
const std::vector<std::string> kStockModes = {"eventual", "quorum"};
constexpr std::int64_t kMaxSagas = 1'000'000;   // saga timers carry the saga in 20 bits
constexpr int kMaxStockReplicas = 16;
constexpr int kMaxSteps = 32;

SagaAction default_action(const std::string& service) {
  if (service == "inventory") return SagaAction::reserve;
  if (service == "payment") return SagaAction::charge;
  if (service == "shipping") return SagaAction::ship;
  return SagaAction::generic;
}

std::shared_ptr<const SectionValue> load(const YamlReader& r, const YamlValue& v, const Scenario& s) {
  const NodeNames names(r, s);
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
  return std::make_shared<const SagaSpec>(std::move(g));
}

void write(YAML::Emitter& e, const SectionValue& value, const Scenario& s) {
  using YAML::BeginMap;
  using YAML::EndMap;
  using YAML::Key;
  using YAML::Value;
  const auto& g = dynamic_cast<const SagaSpec&>(value);
  e << BeginMap;
  e << Key << "orchestrator" << Value;
  node_list(e, s, g.orchestrators);
  e << Key << "steps" << Value << YAML::BeginSeq;
  for (const auto& step : g.steps) {
    e << YAML::Flow << BeginMap << Key << "service" << Value << step.service << Key << "action" << Value
      << kSagaActions[static_cast<std::size_t>(step.action)] << Key << "node" << Value;
    node_list(e, s, step.nodes);
    e << Key << "fail" << Value << fmt::format("{}", step.fail) << EndMap;
  }
  e << YAML::EndSeq;
  e << Key << "count" << Value << g.count << Key << "rate" << Value << format_rate(g.rate_per_s);
  e << Key << "start" << Value << format_duration(g.start_ns) << Key << "timeout" << Value << format_duration(g.timeout_ns);
  e << Key << "retries" << Value << g.retries << Key << "idempotency" << Value << g.idempotency;
  e << Key << "durable_log" << Value << g.durable_log;
  e << Key << "workload" << Value << YAML::Flow << BeginMap << Key << "kind" << Value
    << kWorkloadKinds[static_cast<std::size_t>(g.workload)] << Key << "products" << Value << g.products << Key
    << "stock" << Value << g.stock << Key << "quantity" << Value << g.quantity << EndMap;
  e << Key << "stock" << Value << kStockModes[static_cast<std::size_t>(g.stock_consistency)];
  e << Key << "stock_sync" << Value << format_duration(g.stock_sync_ns);
  e << EndMap;
}

}  // namespace

SectionDef sagas_section() {
  return SectionDef{std::string(SagaSpec::kPath), "orchestrated sagas with compensations", load, write, {"sagas"}};
}

}  // namespace ecsim
