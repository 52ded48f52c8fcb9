// store: keys, defaults, validation and the resolved-config writer, and the
// operations each data type supports.
#include "protocols/core/store_config.hpp"

#include <fmt/format.h>

#include "protocols/core/module.hpp"
#include "sim/scenario.hpp"
#include "sim/yaml_node.hpp"

namespace ecsim {
namespace {

using namespace detail;
using YAML::BeginMap;
using YAML::EndMap;
using YAML::Key;
using YAML::Value;

constexpr Named<StoreType> kStoreTypes[] = {
    {"lww", StoreType::lww},           {"mvregister", StoreType::mvregister}, {"gcounter", StoreType::gcounter},
    {"pncounter", StoreType::pncounter}, {"orset", StoreType::orset},         {"cart", StoreType::cart}};
constexpr Named<TimestampKind> kTimestampKinds[] = {
    {"physical", TimestampKind::physical}, {"hlc", TimestampKind::hlc}, {"lamport", TimestampKind::lamport}};
constexpr Named<OpKind> kOpKinds[] = {{"read", OpKind::read}, {"write", OpKind::write}, {"incr", OpKind::incr},
                                      {"decr", OpKind::decr}, {"add", OpKind::add},     {"remove", OpKind::remove}};

std::shared_ptr<const SectionValue> load(const YamlReader& r_, const YamlValue& v, const Scenario&) {
  StoreSpec st;
  const MapReader m(r_, v);
  m.allow({"type", "timestamps", "keys", "value_bytes", "merge", "elements"});
  if (auto x = m.get("type")) st.type = pick(r_, *x, kStoreTypes);
  if (auto x = m.get("timestamps")) st.timestamps = pick(r_, *x, kTimestampKinds);
  if (auto x = m.get("keys")) st.keys = static_cast<int>(r_.integer(*x, 1, 100'000'000));
  if (auto x = m.get("value_bytes")) st.value_bytes = static_cast<int>(r_.integer(*x, 0, 1 << 24));
  if (auto x = m.get("merge")) {
    st.cart_merge = r_.choice(*x, {"crdt", "union-max"}) == 1 ? CartMerge::union_max : CartMerge::crdt;
    if (st.type != StoreType::cart)
      r_.fail_key(*x, fmt::format("store.merge applies only to store.type cart (this store is {})",
                                  name_of(kStoreTypes, st.type)));
  }
  if (auto x = m.get("elements")) st.elements = static_cast<int>(r_.integer(*x, 1, 1'000'000));
  return std::make_shared<const StoreSpec>(st);
}

void write(YAML::Emitter& e_, const SectionValue& value, const Scenario&) {
  const auto& st = dynamic_cast<const StoreSpec&>(value);
  e_ << BeginMap << Key << "type" << Value << name_of(kStoreTypes, st.type) << Key
     << "timestamps" << Value << name_of(kTimestampKinds, st.timestamps) << Key << "keys" << Value
     << st.keys << Key << "value_bytes" << Value << st.value_bytes;
  if (st.type == StoreType::cart)
    e_ << Key << "merge" << Value << (st.cart_merge == CartMerge::union_max ? "union-max" : "crdt");
  e_ << Key << "elements" << Value << st.elements << EndMap;
}

}  // namespace

const StoreSpec& store_of(const Scenario& s) {
  static const StoreSpec defaults;
  const StoreSpec* st = s.section<StoreSpec>();
  return st ? *st : defaults;
}

StoreSpec& edit_store(Scenario& s) {
  if (!s.has_section(StoreSpec::kPath)) s.set_section(StoreSpec{});
  return *s.mutable_section<StoreSpec>();
}

std::vector<OpKind> ops_for(StoreType t) {
  switch (t) {
    case StoreType::lww:
    case StoreType::mvregister: return {OpKind::read, OpKind::write};
    case StoreType::gcounter: return {OpKind::read, OpKind::incr};
    case StoreType::pncounter: return {OpKind::read, OpKind::incr, OpKind::decr};
    case StoreType::orset:
    case StoreType::cart: return {OpKind::read, OpKind::add, OpKind::remove};
  }
  return {};
}

std::vector<std::string> op_names_for(StoreType t) {
  std::vector<std::string> names;
  for (OpKind k : ops_for(t)) names.push_back(name_of(kOpKinds, k));
  return names;
}

const char* op_name(OpKind op) {
  for (const auto& n : kOpKinds)
    if (n.value == op) return n.name;
  return "?";
}

std::string store_type_name(StoreType t) { return name_of(kStoreTypes, t); }

SectionDef store_section() {
  SectionDef def{std::string(StoreSpec::kPath), "the replicated data type (store.type) and the key space", load, write, {}};
  def.load_when_absent = true;
  return def;
}

ModuleDef store_module() {
  ModuleDef def;
  def.name = "store";
  def.sections = {store_section()};
  return def;  // no start: the runner builds the store every key-value module shares
}

}  // namespace ecsim
