// workload: and ops: — keys, defaults, validation (against the store's data
// type) and the resolved-config writers.
#include "protocols/clients/config.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <limits>
#include <optional>

#include <fmt/format.h>

#include "protocols/core/store_config.hpp"
#include "sim/config_distribution.hpp"
#include "sim/config_nodes.hpp"
#include "sim/scenario_loader.hpp"
#include "sim/strings.hpp"
#include "sim/units.hpp"

namespace ecsim {
namespace {

using namespace detail;
using YAML::BeginMap;
using YAML::BeginSeq;
using YAML::EndMap;
using YAML::EndSeq;
using YAML::Key;
using YAML::Value;

constexpr Named<Routing> kRoutings[] = {
    {"random", Routing::random}, {"sticky", Routing::sticky}, {"primary", Routing::primary}, {"nearest", Routing::nearest}};
constexpr Named<Placement> kPlacements[] = {
    {"anywhere", Placement::anywhere}, {"regions", Placement::regions}, {"nodes", Placement::nodes}};
constexpr Named<BehindPolicy> kBehindPolicies[] = {{"wait", BehindPolicy::wait}, {"redirect", BehindPolicy::redirect}};
// The mean of a non-negative duration distribution as drawn: normal is
// clamped at 0, so normal(0, 1ms) averages stddev / sqrt(2 pi), not 0.
double typical_ns(const Distribution& d) {
  if (d.kind != Distribution::Kind::normal || !(d.b > 0)) return d.mean();
  const double z = d.a / d.b;
  const double pdf = std::exp(-z * z / 2) / std::sqrt(2 * 3.14159265358979323846);
  const double cdf = 0.5 * std::erfc(-z / std::sqrt(2.0));
  return d.a * cdf + d.b * pdf;
}

// The smallest mean one-way latency the topology gives a client.
double smallest_network_latency_ns(const TopologySpec& t) {
  double least = typical_ns(t.latency);
  for (const LinkOverride& link : t.links) least = std::min(least, typical_ns(link.latency));
  return least;
}

// Offered load against capacity for an open workload, as a warning (the run
// is allowed: queues then grow for as long as the load lasts). Estimate:
// the clients' total rate spread evenly over every node, each serving with
// `servers` servers at rate 1 / (the mix's mean service time). A lower bound
// on a node's load: replication and anti-entropy add requests, and routing
// or hot keys can concentrate them.
void warn_if_overloaded(const YamlReader& r_, const YamlValue& at, const WorkloadSpec& w, const Scenario& s_) {
  if (w.closed || w.clients == 0 || !(w.rate_per_s > 0)) return;
  const ServiceSpec& service = s_.replicas;
  double mean_service_ns = 0.0;
  for (const auto& [op, weight] : w.mix)
    mean_service_ns += weight * typical_ns(op == OpKind::read ? service.read : service.write);
  if (!(mean_service_ns > 0)) return;
  const double per_node = w.rate_per_s * w.clients / std::max(1, s_.topology.nodes);
  const double capacity = service.servers * 1e9 / mean_service_ns;
  if (per_node <= capacity) return;
  const SourcePos pos = r_.position(at.node);
  const std::string where = pos.line > 0 ? fmt::format("{}:{}:{}", r_.file(), pos.line, pos.column)
                                         : fmt::format("{}: {}", r_.file(), at.path);  // a --set value
  fmt::print(stderr,
             "{}: warning: the workload offers about {:.4g} operations/s per node ({} clients x {:.4g}/s over {} "
             "nodes), more than a node serves: {:.4g}/s (replicas.servers {} / the mix's mean service time {}); queues "
             "and latencies grow for as long as the load lasts\n",
             where, per_node, w.clients, w.rate_per_s, s_.topology.nodes, capacity, service.servers,
             format_duration(static_cast<SimTime>(std::llround(mean_service_ns))));
}

constexpr Named<Fallback> kFallbacks[] = {{"next", Fallback::next}, {"primary", Fallback::primary}, {"none", Fallback::none}};
const std::vector<std::string> kSessionGuarantees = {"ryw", "mr", "mw", "wfr"};

// Keys and values end up in ops.csv, where ',' separates fields, ';' set
// members and '|' MV-register siblings: those characters would corrupt it.
bool is_csv_safe(const std::string& s) { return s.find_first_of(",;|\"\n\r") == std::string::npos; }

std::filesystem::path base_dir(const Scenario& s) { return std::filesystem::path(s.source_file).parent_path(); }

SimTime at_within_duration(const YamlReader& r_, const YamlValue& v, const std::string& what, const Scenario& s_) {
  const SimTime at = r_.duration(v);
  if (at > s_.duration_ns)
    r_.fail(v, fmt::format("{} at {} is after duration {}", what, format_duration(at), format_duration(s_.duration_ns)));
  return at;
}

OpKind op_for_store(const YamlReader& r_, const YamlValue& v, StoreType type) {
  const std::string text = r_.scalar(v, "an operation name");
  const auto allowed = ops_for(type);
  for (OpKind k : {OpKind::read, OpKind::write, OpKind::incr, OpKind::decr, OpKind::add, OpKind::remove}) {
    const std::string name = op_name(k);
    if (text != name) continue;
    if (std::find(allowed.begin(), allowed.end(), k) == allowed.end())
      r_.fail(v, fmt::format("{}: op '{}' does not apply to a {} store (its ops: {})", v.path, text,
                             store_type_name(type), join(op_names_for(type))));
    return k;
  }
  const auto names = op_names_for(type);
  r_.fail(v, fmt::format("{}: expected one of: {}, got '{}'{}", v.path, join(names), text, detail::suggest(text, names)));
}

void mix(const YamlReader& r_, const YamlValue& v, StoreType type, WorkloadSpec& w) {
  const MapReader m(r_, v);
  w.mix.clear();
  double total = 0.0;
  for (const auto& f : m.fields()) {
    const OpKind op = op_for_store(r_, YamlValue{f.value.key, YAML::Node(), false, f.value.path}, type);
    const double weight = r_.number(f.value);
    if (weight < 0) r_.fail(f.value, fmt::format("{} must not be negative, got {}", f.value.path, f.value.node.Scalar()));
    if (weight > 0) w.mix[op] = weight;
    total += weight;
  }
  if (!(total > 0)) r_.fail(v, fmt::format("{}: at least one weight must be positive", v.path));
  for (auto& [op, weight] : w.mix) weight /= total;
}

std::shared_ptr<const SectionValue> load_workload(const YamlReader& r_, const YamlValue& section, const Scenario& s_) {
  WorkloadSpec w;
  const StoreType type = store_of(s_).type;
  // Defaults: half reads, the rest split evenly between the store's updates.
  const auto store_ops = ops_for(type);
  for (OpKind op : store_ops)
    w.mix[op] = op == OpKind::read ? 0.5 : 0.5 / static_cast<double>(store_ops.size() - 1);
  w.stop_ns = s_.duration_ns;
  if (!section.has_key) return std::make_shared<const WorkloadSpec>(w);  // no workload: key
  const std::optional<YamlValue> v = section;

  const MapReader m(r_, *v);
  m.allow({"clients", "sessions_per_client", "rate", "closed", "think_time", "mix", "keys", "start", "stop", "routing",
           "placement", "session", "client_latency"});
  w.clients = static_cast<int>(r_.integer(m.require("clients"), 0, 1'000'000));
  if (auto x = m.get("sessions_per_client")) w.sessions_per_client = static_cast<int>(r_.integer(*x, 1, 1'000'000));
  if (auto x = m.get("closed")) w.closed = r_.boolean(*x);
  const auto rate = m.get("rate");
  const auto think = m.get("think_time");
  if (w.closed) {
    if (rate)
      r_.fail_key(*rate, "workload.rate applies to an open-loop workload; a closed one (closed: true) is paced by think_time");
    if (think) w.think_time = read_distribution(r_, *think, Quantity::latency, "think time", base_dir(s_));
  } else {
    if (think) r_.fail_key(*think, "workload.think_time applies only to a closed workload (closed: true)");
    if (rate) {
      w.rate_per_s = r_.rate_per_s(*rate);
      if (!(w.rate_per_s > 0)) r_.fail(*rate, "workload.rate must be positive");
    } else if (w.clients > 0) {
      r_.fail(*v, "workload.rate is required for an open-loop workload (e.g. rate: 100/s), or set closed: true");
    }
  }
  if (auto x = m.get("mix")) mix(r_, *x, type, w);
  if (auto x = m.get("keys")) {
    if (x->node.IsScalar()) {
      w.zipf_keys = r_.choice(*x, {"uniform", "zipf"}) == 1;
    } else {
      const MapReader k(r_, *x);
      w.zipf_keys = r_.choice(k.require("dist"), {"uniform", "zipf"}) == 1;
      if (w.zipf_keys) {
        k.allow({"dist", "s"});
        if (auto s = k.get("s")) {
          w.zipf_s = r_.number(*s);
          if (w.zipf_s < 0) r_.fail(*s, fmt::format("{} must not be negative, got {}", s->path, s->node.Scalar()));
        }
      } else {
        k.allow({"dist"});
      }
    }
  }
  const auto start = m.get("start");
  const auto stop = m.get("stop");
  if (start) w.start_ns = r_.duration(*start);
  if (stop) w.stop_ns = at_within_duration(r_, *stop, "workload.stop", s_);
  if (start && w.start_ns > w.stop_ns)
    r_.fail(*start, fmt::format("workload.start ({}) is after workload.stop ({})", format_duration(w.start_ns),
                                format_duration(w.stop_ns)));
  if (auto x = m.get("routing")) w.routing = pick(r_, *x, kRoutings);
  if (auto x = m.get("placement")) w.placement = pick(r_, *x, kPlacements);
  if (auto x = m.get("session")) {
    const MapReader sm(r_, *x);
    sm.allow({"guarantees", "cache_ttl", "on_behind", "max_wait", "fallback", "retries", "timeout", "attempt_timeout",
              "switch_every"});
    if (auto g = sm.get("guarantees")) {
      for (const auto& item : r_.list(*g)) {
        const std::string name = kSessionGuarantees[r_.choice(item, kSessionGuarantees)];
        if (std::find(w.session_guarantees.begin(), w.session_guarantees.end(), name) == w.session_guarantees.end())
          w.session_guarantees.push_back(name);
      }
    }
    if (auto t = sm.get("cache_ttl")) w.cache_ttl_ns = r_.duration(*t);
    if (auto t = sm.get("on_behind")) w.on_behind = pick(r_, *t, kBehindPolicies);
    if (auto t = sm.get("max_wait")) w.max_wait_ns = r_.duration(*t);
    if (auto t = sm.get("fallback")) w.fallback = pick(r_, *t, kFallbacks);
    if (auto t = sm.get("retries")) w.retries = static_cast<int>(r_.integer(*t, 0, 1000));
    if (auto t = sm.get("timeout")) {
      w.op_timeout_ns = r_.duration(*t);
      if (w.op_timeout_ns <= 0) r_.fail(*t, fmt::format("{} must be positive", t->path));
    }
    if (auto t = sm.get("attempt_timeout")) {
      w.attempt_timeout_ns = r_.duration(*t);
      if (w.attempt_timeout_ns <= 0) r_.fail(*t, fmt::format("{} must be positive", t->path));
      if (w.attempt_timeout_ns > w.op_timeout_ns)
        r_.fail(*t, fmt::format("{} ({}) is longer than session.timeout ({}): an attempt cannot outlive its operation",
                                t->path, format_duration(w.attempt_timeout_ns), format_duration(w.op_timeout_ns)));
    }
    if (auto t = sm.get("switch_every")) w.switch_every_ns = r_.duration(*t);
  }
  const auto client_latency = m.get("client_latency");
  if (client_latency) w.client_latency = read_distribution(r_, *client_latency, Quantity::latency, "client latency", base_dir(s_));
  // A closed-loop session invokes its next operation when the last one
  // completes plus think_time; with think_time and client_latency both 0 an
  // operation served at once completes at the same instant, so simulated time
  // never advances and the run never ends (found by fuzzing:
  // {clients: 1, closed: true}). Refused, like a rate of 0.
  // Without client_latency the network's latency applies: its smallest mean
  // (a client next to its replica may pay only that).
  const double leg_ns = w.client_latency ? typical_ns(*w.client_latency) : smallest_network_latency_ns(s_.topology);
  if (w.closed && w.clients > 0 && typical_ns(w.think_time) + 2 * leg_ns < 1.0) {
    const YamlValue at = think ? *think : client_latency ? *client_latency : *m.get("closed");
    r_.fail(at, "workload.think_time: a closed loop needs time between operations: with think_time and "
                "the client latency both 0 (on average under 1ns per operation), each session issues operations "
                "forever at the same instant and simulated time never advances; set think_time (e.g. "
                "think_time: 1ms) or client_latency");
  }
  if (rate) warn_if_overloaded(r_, *rate, w, s_);
  return std::make_shared<const WorkloadSpec>(w);
}

std::shared_ptr<const SectionValue> load_ops(const YamlReader& r_, const YamlValue& v, const Scenario& s_) {
  ScriptedOps out;
  const StoreType type = store_of(s_).type;
  const NodeNames names(r_, s_);
  for (const auto& item : r_.list(v)) {
    const MapReader m(r_, item);
    m.allow({"at", "client", "op", "key", "value", "node"});
    OpSpec op;
    op.pos = r_.position(item.node);
    op.at_ns = at_within_duration(r_, m.require("at"), "op", s_);
    const YamlValue client = m.require("client");
    op.client = r_.scalar(client, "a client name");
    if (!is_plain_name(op.client))
      r_.fail(client, fmt::format("client names may contain only letters, digits, '_', '.' and '-', got '{}'", op.client));
    op.op = op_for_store(r_, m.require("op"), type);
    const YamlValue key = m.require("key");
    op.key = r_.scalar(key, "a key");
    if (op.key.empty() || !is_csv_safe(op.key))
      r_.fail(key, fmt::format("{}: keys must be non-empty and free of , ; | and quotes, got '{}'", key.path, op.key));
    const auto value = m.get("value");
    switch (op.op) {
      case OpKind::read:
        if (value) r_.fail_key(*value, fmt::format("{}: a read takes no value", value->path));
        break;
      case OpKind::incr:
      case OpKind::decr:
        // The amount; 1 when omitted.
        op.value = value ? std::to_string(r_.integer(*value, 0, std::numeric_limits<std::int64_t>::max())) : "1";
        break;
      case OpKind::write:
      case OpKind::add:
      case OpKind::remove: {
        if (!value) r_.fail(item, fmt::format("{}: a {} needs a value", item.path, op_name(op.op)));
        op.value = r_.scalar(*value, "a scalar value");
        if (op.value.empty() || !is_csv_safe(op.value))
          r_.fail(*value, fmt::format("{}: values must be non-empty and free of , ; | and quotes, got '{}'", value->path,
                                      op.value));
        if (type == StoreType::cart) {
          // A cart line: "item" (quantity 1) or "item:quantity".
          const auto colon = op.value.rfind(':');
          if (colon != std::string::npos) {
            const std::string qty = op.value.substr(colon + 1);
            std::int64_t q = 0;
            auto [ptr, ec] = std::from_chars(qty.data(), qty.data() + qty.size(), q);
            if (colon == 0 || qty.empty() || ec != std::errc() || ptr != qty.data() + qty.size() || q < 1)
              r_.fail(*value, fmt::format("{}: a cart line is 'item' or 'item:quantity' with a whole quantity >= 1, got '{}'",
                                          value->path, op.value));
          }
        }
        break;
      }
    }
    if (auto n = m.get("node")) op.node = names.one(*n);
    out.ops.push_back(std::move(op));
  }
  std::stable_sort(out.ops.begin(), out.ops.end(), [](const OpSpec& a, const OpSpec& b) { return a.at_ns < b.at_ns; });
  return std::make_shared<const ScriptedOps>(std::move(out));
}

void write_workload(YAML::Emitter& e_, const SectionValue& value, const Scenario&) {
  const auto& w = dynamic_cast<const WorkloadSpec&>(value);
  e_ << BeginMap;
  e_ << Key << "clients" << Value << w.clients << Key << "sessions_per_client" << Value << w.sessions_per_client;
  e_ << Key << "closed" << Value << w.closed;
  if (w.closed) {
    e_ << Key << "think_time" << Value;
    write_distribution(e_, w.think_time, true);
  } else if (w.rate_per_s > 0) {
    e_ << Key << "rate" << Value << format_rate(w.rate_per_s);
  }
  e_ << Key << "mix" << Value << YAML::Flow << BeginMap;
  for (const auto& [op, weight] : w.mix) e_ << Key << op_name(op) << Value << fmt::format("{}", weight);
  e_ << EndMap;
  e_ << Key << "keys" << Value << YAML::Flow << BeginMap << Key << "dist" << Value << (w.zipf_keys ? "zipf" : "uniform");
  if (w.zipf_keys) e_ << Key << "s" << Value << fmt::format("{}", w.zipf_s);
  e_ << EndMap;
  e_ << Key << "start" << Value << format_duration(w.start_ns) << Key << "stop" << Value << format_duration(w.stop_ns);
  e_ << Key << "routing" << Value << name_of(kRoutings, w.routing);
  e_ << Key << "placement" << Value << name_of(kPlacements, w.placement);
  e_ << Key << "session" << Value << BeginMap << Key << "guarantees" << Value << YAML::Flow << w.session_guarantees
     << Key << "cache_ttl" << Value << format_duration(w.cache_ttl_ns) << Key << "on_behind" << Value
     << name_of(kBehindPolicies, w.on_behind) << Key << "max_wait" << Value << format_duration(w.max_wait_ns) << Key << "fallback"
     << Value << name_of(kFallbacks, w.fallback) << Key << "retries" << Value << w.retries << Key << "timeout" << Value
     << format_duration(w.op_timeout_ns) << Key << "attempt_timeout" << Value << format_duration(w.attempt_timeout())
     << Key << "switch_every" << Value << format_duration(w.switch_every_ns) << EndMap;
  // Absent: the network's latency (not a distribution of its own).
  if (w.client_latency) {
    e_ << Key << "client_latency" << Value;
    write_distribution(e_, *w.client_latency, true);
  }
  e_ << EndMap;
}

void write_ops(YAML::Emitter& e_, const SectionValue& value, const Scenario& s_) {
  const auto& ops = dynamic_cast<const ScriptedOps&>(value).ops;
  {
    e_ << YAML::Flow << BeginSeq;
    for (const auto& op : ops) {
      e_ << YAML::Flow << BeginMap << Key << "at" << Value << format_duration(op.at_ns) << Key << "client" << Value << op.client
         << Key << "op" << Value << op_name(op.op) << Key << "key" << Value << op.key;
      if (!op.value.empty()) e_ << Key << "value" << Value << op.value;
      if (op.node != kNoNode) e_ << Key << "node" << Value << s_.topology.node_names[op.node];
      e_ << EndMap;
    }
    e_ << EndSeq;
  }
}

}  // namespace

const WorkloadSpec& workload_of(const Scenario& s) {
  static const WorkloadSpec defaults;
  const WorkloadSpec* w = s.section<WorkloadSpec>();
  return w ? *w : defaults;
}

const std::vector<OpSpec>& ops_of(const Scenario& s) {
  static const std::vector<OpSpec> none;
  const ScriptedOps* o = s.section<ScriptedOps>();
  return o ? o->ops : none;
}

WorkloadSpec& edit_workload(Scenario& s) {
  if (!s.has_section(WorkloadSpec::kPath)) s.set_section(WorkloadSpec{});
  return *s.mutable_section<WorkloadSpec>();
}

std::vector<OpSpec>& edit_ops(Scenario& s) {
  if (!s.has_section(ScriptedOps::kPath)) s.set_section(ScriptedOps{});
  return s.mutable_section<ScriptedOps>()->ops;
}

SectionDef workload_section() {
  SectionDef def{std::string(WorkloadSpec::kPath), "generated client sessions (open or closed loop)", load_workload,
                 write_workload, {}};
  def.load_when_absent = true;
  return def;
}

SectionDef ops_section() {
  return SectionDef{std::string(ScriptedOps::kPath), "scripted client operations", load_ops, write_ops, {}};
}

}  // namespace ecsim
