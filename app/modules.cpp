// The composition root's one list of modules: every in-tree protocol and
// store is registered here, one line each; and the out-of-tree modules a
// scenario loads from shared libraries (`modules:`).
#include <dlfcn.h>

#include <filesystem>
#include <map>
#include <mutex>
#include <stdexcept>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "app/modules.hpp"

#include "protocols/cart/cart_store.hpp"
#include "protocols/core/store_config.hpp"
#include "protocols/clients/module.hpp"
#include "protocols/event_log/module.hpp"
#include "protocols/gossip/module.hpp"
#include "protocols/merkle/module.hpp"
#include "protocols/quorum/module.hpp"
#include "protocols/reconciliation/module.hpp"
#include "protocols/rumor/module.hpp"
#include "protocols/sagas/module.hpp"
#include "protocols/core/plugin.hpp"
#include "protocols/crdt/crdt_store.hpp"
#include "protocols/lww/lww_store.hpp"
#include "sim/yaml_path.hpp"

namespace ecsim {

namespace {

ModuleRegistry make_builtin_modules() {
  ModuleRegistry r;
  r.add(store_module());  // store: (the data type every key-value module works on)
  // Replication protocols over the replica store (they start before the fault injector).
  r.add(gossip_module());
  r.add(merkle_module());
  r.add(quorum_module());
  r.add(rumor_module());
  // Applications (they start after it).
  r.add(clients_module());
  r.add(sagas_module());
  r.add(reconciliation_module());
  r.add(event_log_module());
  return r;
}

// One entry of `modules:`: the library's path and where the file names it
// (line 0 when the list did not come from a file, e.g. a Scenario built in code).
struct LibraryRef {
  std::string written;  // as in the file
  std::string path;     // canonical
  std::string file;
  int line = 0;
  int column = 0;
  std::size_t index = 0;
};

[[noreturn]] void fail(const LibraryRef& ref, const std::string& what) {
  throw ScenarioError(ref.file, ref.line, ref.column, fmt::format("modules[{}]: {}", ref.index, what));
}

// Loaded libraries and the registries built from them: process-wide, never
// unloaded (the registries' ModuleDefs hold the libraries' code).
class PluginTable {
 public:
  const ModuleRegistry& registry(const std::vector<LibraryRef>& refs) {
    if (refs.empty()) return builtin_modules();
    const std::lock_guard<std::mutex> lock(mutex_);
    std::vector<std::string> key;
    for (const LibraryRef& ref : refs) {
      for (std::size_t i = 0; i < key.size(); ++i)
        if (key[i] == ref.path) fail(ref, fmt::format("'{}' is listed twice (also modules[{}])", ref.written, i));
      key.push_back(ref.path);
    }
    if (auto it = registries_.find(key); it != registries_.end()) return *it->second;
    auto r = std::make_unique<ModuleRegistry>();
    for (const ModuleDef& def : builtin_modules().modules()) r->add(def);
    for (const LibraryRef& ref : refs)
      for (const ModuleDef& def : library(ref)) {
        try {
          r->add(def);
        } catch (const std::invalid_argument& e) {
          fail(ref, fmt::format("'{}': {} (by module '{}' of this library)", ref.written, e.what(), def.name));
        }
      }
    return *registries_.emplace(std::move(key), std::move(r)).first->second;
  }

 private:
  // The modules `ref` registers, loading it on first use.
  const std::vector<ModuleDef>& library(const LibraryRef& ref) {
    if (auto it = libraries_.find(ref.path); it != libraries_.end()) return it->second;
    // RTLD_NOW: a symbol the executable does not export fails here, with its
    // name, not in the middle of a run. RTLD_LOCAL: libraries do not see each other.
    void* handle = dlopen(ref.path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) fail(ref, fmt::format("cannot load '{}': {}", ref.written, dlerror()));
    auto symbol = [&](const char* name) {
      dlerror();
      void* p = dlsym(handle, name);
      if (const char* err = dlerror(); err || !p)
        fail(ref, fmt::format("'{}' is not an ecsim module library: it does not export {}() ({}); see "
                              "protocols/core/plugin.hpp",
                              ref.written, name, err ? err : "null symbol"));
      return p;
    };
    const auto abi = reinterpret_cast<int (*)()>(symbol(kAbiVersionSymbol));
    const auto register_modules = reinterpret_cast<void (*)(ModuleRegistry&)>(symbol(kRegisterSymbol));
    if (const int got = abi(); got != kEcsimModuleAbi)
      fail(ref, fmt::format("module ABI version mismatch in '{}': expected {}, got {} (rebuild the library against "
                            "this ecsim's installed package)",
                            ref.written, kEcsimModuleAbi, got));
    ModuleRegistry own;
    try {
      register_modules(own);
    } catch (const std::exception& e) {
      fail(ref, fmt::format("'{}': {}() failed: {}", ref.written, kRegisterSymbol, e.what()));
    }
    if (own.modules().empty())
      fail(ref, fmt::format("'{}': {}() registered no module", ref.written, kRegisterSymbol));
    return libraries_.emplace(ref.path, own.modules()).first->second;  // the handle stays open
  }

  static constexpr const char* kAbiVersionSymbol = "ecsim_module_abi_version";
  static constexpr const char* kRegisterSymbol = "ecsim_register_modules";

  std::mutex mutex_;
  std::map<std::string, std::vector<ModuleDef>> libraries_;
  std::map<std::vector<std::string>, std::unique_ptr<ModuleRegistry>> registries_;
};

PluginTable& plugins() {
  static PluginTable* table = new PluginTable;  // never destroyed: libraries outlive every static
  return *table;
}

// `written` resolved against the scenario's folder; canonical when it exists.
std::string library_path(const std::filesystem::path& base_dir, const std::string& written) {
  namespace fs = std::filesystem;
  const fs::path p(written);
  std::error_code ec;
  const fs::path abs = fs::absolute(p.is_absolute() ? p : base_dir / p, ec).lexically_normal();
  const fs::path canonical = fs::canonical(abs, ec);
  return ec ? abs.string() : canonical.string();
}

void check_exists(const LibraryRef& ref) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(ref.path, ec))
    fail(ref, fmt::format("module library '{}' not found (looked for {})", ref.written, ref.path));
}

}  // namespace

const ModuleRegistry& builtin_modules() {
  static const ModuleRegistry registry = make_builtin_modules();
  return registry;
}

const ModuleRegistry& scenario_modules(const std::string& path, const LoadOptions& options) {
  for (std::size_t i = 0; i < options.overrides.size(); ++i) {
    const std::string& o = options.overrides[i];
    std::vector<std::string> segs;
    try {
      segs = split_yaml_path(o.substr(0, o.find('=')));
    } catch (const std::invalid_argument&) {
      continue;  // the loader reports it
    }
    if (!segs.empty() && segs.front() == "modules")
      throw ScenarioError("--set", static_cast<int>(i + 1), 1,
                          "modules cannot be set with --set: the libraries load before the scenario; list them in the file");
  }
  YAML::Node list;
  try {
    const YAML::Node root = YAML::LoadFile(path);
    if (!root.IsMap()) return builtin_modules();
    list = root["modules"];
  } catch (const YAML::Exception&) {
    return builtin_modules();  // missing or malformed: the loader says so
  }
  if (!list.IsSequence()) return builtin_modules();
  const std::filesystem::path base_dir = std::filesystem::path(path).parent_path();
  std::vector<LibraryRef> refs;
  for (const YAML::Node& item : list) {
    if (!item.IsScalar() || item.Scalar().empty()) return builtin_modules();
    LibraryRef ref{item.Scalar(), library_path(base_dir, item.Scalar()), path, item.Mark().line + 1,
                   item.Mark().column + 1, refs.size()};
    check_exists(ref);
    refs.push_back(std::move(ref));
  }
  return plugins().registry(refs);
}

const ModuleRegistry& modules_of(const Scenario& scenario) {
  std::vector<LibraryRef> refs;
  for (const std::string& m : scenario.modules) {
    LibraryRef ref{m, library_path({}, m), scenario.source_file, 0, 0, refs.size()};
    check_exists(ref);
    refs.push_back(std::move(ref));
  }
  return plugins().registry(refs);
}

Scenario load_scenario_with_modules(const std::string& path, LoadOptions options) {
  const ModuleRegistry& modules = scenario_modules(path, options);
  options.sections = &modules.sections();
  return load_scenario(path, options);
}

std::string resolved_config_yaml(const Scenario& scenario) {
  return resolved_config_yaml(scenario, modules_of(scenario).sections());
}

std::unique_ptr<ReplicaStore> make_store(const Scenario& scenario, const WriteTable& writes) {
  switch (store_of(scenario).type) {
    case StoreType::lww: return std::make_unique<LwwStore>(scenario, writes);
    case StoreType::cart:
      if (store_of(scenario).cart_merge == CartMerge::union_max) return std::make_unique<UnionMaxCartStore>(scenario, writes);
      return std::make_unique<CrdtStore>(scenario, writes);
    case StoreType::mvregister:
    case StoreType::gcounter:
    case StoreType::pncounter:
    case StoreType::orset: return std::make_unique<CrdtStore>(scenario, writes);
  }
  throw std::invalid_argument("unknown store.type");
}

}  // namespace ecsim
