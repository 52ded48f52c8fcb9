// Reading the nemesis and drawing fault schedules. See nemesis.hpp.
#include "app/nemesis.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "app/sample_rules.hpp"
#include "sim/units.hpp"
#include "sim/yaml_node.hpp"

namespace ecsim {

using detail::MapReader;
using detail::YamlReader;
using detail::YamlValue;
using Type = NemesisKind::Type;

namespace {

// Keys each kind takes besides `count`.
struct KindKeys {
  Type type;
  const char* name;
  std::vector<std::string> keys;
};
const std::vector<KindKeys>& kind_table() {
  static const std::vector<KindKeys> table = {
      {Type::crash, "crash", {"count", "restart_after", "lose_state"}},
      {Type::partition, "partition", {"count", "heal_after", "oneway"}},
      {Type::flapping, "flapping", {"count", "period", "length"}},
      {Type::clock, "clock", {"count", "offset", "drift_ppm"}},
      {Type::loss, "loss", {"count", "probability", "length"}},
      {Type::duplicate, "duplicate", {"count", "probability", "length"}},
  };
  return table;
}

// [lo, hi] as a two-item list, or one value for both.
std::pair<YamlValue, YamlValue> bounds(const YamlReader& r, const YamlValue& v) {
  if (!v.node.IsSequence()) return {v, v};
  const auto items = r.list(v);
  if (items.size() != 2) r.fail(v, fmt::format("{}: expected [min, max] or one value, got a list of {}", v.path, items.size()));
  return {items[0], items[1]};
}

TimeRange time_range(const YamlReader& r, const YamlValue& v, bool allow_negative, bool positive) {
  const auto [a, b] = bounds(r, v);
  const TimeRange t{r.duration(a, allow_negative), r.duration(b, allow_negative)};
  if (t.hi < t.lo) r.fail(b, fmt::format("{}: max {} is below min {}", v.path, format_duration(t.hi), format_duration(t.lo)));
  if (positive && t.lo <= 0) r.fail(a, fmt::format("{}: must be positive, got {}", v.path, format_duration(t.lo)));
  return t;
}

NumberRange number_range(const YamlReader& r, const YamlValue& v, bool probability) {
  const auto [a, b] = bounds(r, v);
  const NumberRange n{probability ? r.probability(a) : r.number(a), probability ? r.probability(b) : r.number(b)};
  if (n.hi < n.lo) r.fail(b, fmt::format("{}: max {} is below min {}", v.path, n.hi, n.lo));
  return n;
}

// A duration range, or `never`.
std::optional<TimeRange> after_or_never(const YamlReader& r, const YamlValue& v) {
  if (v.node.IsScalar() && v.node.Scalar() == "never") return std::nullopt;
  return time_range(r, v, false, true);
}

void read_kind_fields(const YamlReader& r, const MapReader& m, NemesisKind& k) {
  auto req = [&](const char* key) { return m.require(key); };
  switch (k.type) {
    case Type::crash:
      k.after = TimeRange{kSecond / 10, 3 * kSecond};
      if (auto x = m.get("restart_after")) k.after = after_or_never(r, *x);
      if (auto x = m.get("lose_state")) k.lose_state = r.probability(*x);
      break;
    case Type::partition:
      k.after = TimeRange{kSecond / 10, 5 * kSecond};
      if (auto x = m.get("heal_after")) k.after = after_or_never(r, *x);
      if (auto x = m.get("oneway")) k.oneway = r.probability(*x);
      break;
    case Type::flapping:
      k.period = time_range(r, req("period"), false, true);
      if (k.period.lo < 2) r.fail(req("period"), "flapping period must be at least 2ns");
      k.length = time_range(r, req("length"), false, true);
      break;
    case Type::clock:
      k.offset = time_range(r, req("offset"), true, false);
      if (auto x = m.get("drift_ppm")) k.drift_ppm = number_range(r, *x, false);
      break;
    case Type::loss:
    case Type::duplicate:
      k.probability = number_range(r, req("probability"), true);
      k.length = time_range(r, req("length"), false, true);
      break;
  }
}

NemesisKind read_kind(const YamlReader& r, const KindKeys& keys, const YamlValue& v) {
  const MapReader m(r, v);
  m.allow(keys.keys);
  NemesisKind k;
  k.type = keys.type;
  k.pos = r.position(v.node);
  if (auto c = m.get("count")) {
    const auto [a, b] = bounds(r, *c);
    k.count_lo = static_cast<int>(r.integer(a, 0, 1000));
    k.count_hi = static_cast<int>(r.integer(b, 0, 1000));
    if (k.count_hi < k.count_lo) r.fail(b, fmt::format("{}: max {} is below min {}", c->path, k.count_hi, k.count_lo));
  }
  read_kind_fields(r, m, k);
  return k;
}

// --- drawing ----------------------------------------------------------------

SimTime draw_time(const TimeRange& t, Rng& rng) {
  if (t.hi == t.lo) return t.lo;
  const double x = static_cast<double>(t.lo) + rng.uniform01() * static_cast<double>(t.hi - t.lo);
  // Four significant digits (12.35s, 240ms): a counterexample stays readable.
  return std::clamp(static_cast<SimTime>(std::llround(round_significant(x, 4))), t.lo, t.hi);
}

double draw_number(const NumberRange& n, Rng& rng, int digits) {
  if (n.hi == n.lo) return n.lo;
  return std::clamp(round_significant(n.lo + rng.uniform01() * (n.hi - n.lo), digits), n.lo, n.hi);
}

// A random non-empty proper subset of the nodes (needs two or more), in node order.
YAML::Node random_side(const std::vector<std::string>& nodes, Rng& rng, std::vector<bool>& in) {
  in.assign(nodes.size(), false);
  std::size_t count = 0;
  while (count == 0 || count == nodes.size()) {
    count = 0;
    for (std::size_t i = 0; i < nodes.size(); ++i) count += (in[i] = rng.bernoulli(0.5));
  }
  YAML::Node side(YAML::NodeType::Sequence);
  for (std::size_t i = 0; i < nodes.size(); ++i)
    if (in[i]) side.push_back(nodes[i]);
  return side;
}

YAML::Node other_side(const std::vector<std::string>& nodes, const std::vector<bool>& in) {
  YAML::Node side(YAML::NodeType::Sequence);
  for (std::size_t i = 0; i < nodes.size(); ++i)
    if (!in[i]) side.push_back(nodes[i]);
  return side;
}

struct Drawn {
  SimTime at;
  YAML::Node entry;
};

void add_entry(std::vector<Drawn>& out, SimTime at, YAML::Node entry) {
  YAML::Node e(YAML::NodeType::Map);
  e["at"] = format_duration(at);
  for (auto it = entry.begin(); it != entry.end(); ++it) e[it->first] = it->second;
  e.SetStyle(YAML::EmitterStyle::Flow);  // one line per fault in a counterexample
  out.push_back({at, e});
}

void draw_partition(const NemesisKind& k, const std::vector<std::string>& nodes, SimTime at, SimTime duration, Rng& rng,
                    std::vector<Drawn>& out) {
  if (nodes.size() < 2) return;
  std::vector<bool> in;
  const YAML::Node a = random_side(nodes, rng, in), b = other_side(nodes, in);
  YAML::Node e;
  if (rng.bernoulli(k.oneway)) {
    e["partition"]["from"] = a;
    e["partition"]["to"] = b;
    e["oneway"] = true;
  } else {
    e["partition"].push_back(a);
    e["partition"].push_back(b);
  }
  add_entry(out, at, e);
  if (!k.after) return;
  const SimTime heal = at + draw_time(*k.after, rng);
  if (heal > duration) return;
  YAML::Node h;
  h["heal"] = "all";
  add_entry(out, heal, h);
}

void draw_fault(const NemesisKind& k, const std::vector<std::string>& nodes, SimTime at, SimTime duration, Rng& rng,
                std::vector<Drawn>& out) {
  YAML::Node e;
  const std::string& node = nodes[rng.below(nodes.size())];
  switch (k.type) {
    case Type::crash:
      e["crash"] = node;
      if (k.after) e["restart_after"] = format_duration(draw_time(*k.after, rng));
      if (k.lose_state > 0) e["lose_state"] = rng.bernoulli(k.lose_state);
      break;
    case Type::partition: return draw_partition(k, nodes, at, duration, rng, out);
    case Type::flapping: {
      if (nodes.size() < 2) return;
      std::vector<bool> in;
      e["flapping"]["nodes"] = random_side(nodes, rng, in);
      e["flapping"]["period"] = format_duration(draw_time(k.period, rng));
      e["flapping"]["until"] = format_duration(std::min(duration, at + draw_time(k.length, rng)));
      break;
    }
    case Type::clock:
      e["clock"] = node;
      e["offset"] = format_duration(draw_time(k.offset, rng));
      if (k.drift_ppm) e["drift_ppm"] = draw_number(*k.drift_ppm, rng, 3);
      break;
    case Type::loss:
    case Type::duplicate:
      e[name_of(k.type)] = draw_number(k.probability, rng, 3);
      e["until"] = format_duration(std::min(duration, at + draw_time(k.length, rng)));
      break;
  }
  add_entry(out, at, e);
}

}  // namespace

const std::vector<std::string>& nemesis_kind_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n;
    for (const KindKeys& k : kind_table()) n.emplace_back(k.name);
    return n;
  }();
  return names;
}

const std::string& name_of(Type type) { return nemesis_kind_names()[static_cast<std::size_t>(type)]; }

NemesisSpec read_nemesis(const YamlReader& r, const YamlValue& v) {
  const MapReader m(r, v);
  NemesisSpec spec;
  spec.pos = r.position(v.node);
  std::vector<std::string> keys = {"swarm", "window"};
  for (const std::string& k : nemesis_kind_names()) keys.push_back(k);
  m.allow(keys);
  if (auto x = m.get("swarm")) spec.swarm = r.boolean(*x);
  if (auto x = m.get("window")) spec.window = time_range(r, *x, false, false);
  for (const auto& f : m.fields())
    for (const KindKeys& k : kind_table())
      if (f.name == k.name) spec.kinds.push_back(read_kind(r, k, f.value));
  if (spec.kinds.empty())
    r.fail(v, fmt::format("nemesis: name at least one fault kind ({}); an explore without faults is a sweep",
                          fmt::join(nemesis_kind_names(), ", ")));
  return spec;
}

FaultSchedule draw_schedule(const NemesisSpec& spec, const std::vector<std::string>& nodes, SimTime duration, Rng& rng) {
  FaultSchedule s;
  std::vector<Drawn> drawn;
  const TimeRange window = spec.window ? TimeRange{std::min(spec.window->lo, duration), std::min(spec.window->hi, duration)}
                                       : TimeRange{0, duration};
  for (const NemesisKind& k : spec.kinds) {
    // Swarm testing (Groce et al. 2012): each kind is on in a run with probability 1/2.
    if (spec.swarm && !rng.bernoulli(0.5)) continue;
    s.kinds_on.push_back(name_of(k.type));
    const int count = k.count_lo + static_cast<int>(rng.below(static_cast<std::uint64_t>(k.count_hi - k.count_lo) + 1));
    for (int i = 0; i < count; ++i) {
      const SimTime at = draw_time(window, rng);
      draw_fault(k, nodes, at, duration, rng, drawn);
    }
  }
  std::stable_sort(drawn.begin(), drawn.end(), [](const Drawn& a, const Drawn& b) { return a.at < b.at; });
  for (Drawn& d : drawn) s.faults.push_back(std::move(d.entry));
  return s;
}

}  // namespace ecsim
