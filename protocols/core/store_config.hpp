#pragma once
// store: the replicated data type every key-value module works on (the
// ReplicaStore the runner builds). A section of protocols/core, loaded with
// its defaults even when a scenario has no store: key.
#include <string>
#include <string_view>
#include <vector>

#include "analysis/observations.hpp"
#include "sim/section.hpp"
#include "sim/time.hpp"

namespace ecsim {

struct Scenario;

// How cart replicas merge: a PN-Counter per item (a CRDT), or the "union of
// items, max quantity" merge function (loses removals and decrements).
enum class CartMerge { crdt, union_max };
enum class TimestampKind { physical, hlc, lamport };

struct StoreSpec : SectionValue {
  static constexpr std::string_view kPath = "store";
  StoreType type = StoreType::lww;
  TimestampKind timestamps = TimestampKind::hlc;
  int keys = 1000;
  int value_bytes = 64;  // modelled size of one value on the wire (byte metrics only)
  CartMerge cart_merge = CartMerge::crdt;  // store.merge (cart only)
  int elements = 8;      // generated add/remove draw members (items) e0..e{elements-1}
};

// The scenario's store section, or the defaults when it has none.
const StoreSpec& store_of(const Scenario& s);
// A writable store section (created with defaults when absent): tests and tools.
StoreSpec& edit_store(Scenario& s);

// The operations each data type supports (scripted ops and workload.mix).
std::vector<OpKind> ops_for(StoreType t);
std::vector<std::string> op_names_for(StoreType t);
const char* op_name(OpKind op);
std::string store_type_name(StoreType t);

SectionDef store_section();
// The module that owns store: (no run of its own: the runner builds the store).
struct ModuleDef;
ModuleDef store_module();

}  // namespace ecsim
