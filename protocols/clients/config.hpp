#pragma once
// workload: and ops: — the sections the clients module owns (config.cpp).
// Both load with their defaults even when absent (no clients, no ops).
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "analysis/observations.hpp"
#include "sim/distribution.hpp"
#include "sim/scenario.hpp"
#include "sim/section.hpp"
#include "sim/time.hpp"

namespace ecsim {

enum class Routing { random, sticky, primary, nearest };
// Where clients sit in the network (which replicas a partition cuts them off from).
enum class Placement { anywhere, regions, nodes };
// What a replica that is behind a session's requirements does with its request.
enum class BehindPolicy { wait, redirect };
// Where a client retries when a replica is behind or unavailable.
enum class Fallback { next, primary, none };

struct WorkloadSpec : SectionValue {
  static constexpr std::string_view kPath = "workload";
  int clients = 0;  // 0 = no generated workload
  int sessions_per_client = 1;
  double rate_per_s = 0.0;  // per client, Poisson unless closed
  bool closed = false;
  Distribution think_time = Distribution::constant(0.0);  // closed loop: pause between ops
  std::map<OpKind, double> mix;                           // normalised to sum 1
  bool zipf_keys = false;
  double zipf_s = 0.99;
  SimTime start_ns = 0;
  SimTime stop_ns = 0;
  Routing routing = Routing::random;
  Placement placement = Placement::anywhere;
  std::vector<std::string> session_guarantees;  // ryw | mr | mw | wfr (client-side enforcement)
  SimTime cache_ttl_ns = 0;
  BehindPolicy on_behind = BehindPolicy::wait;
  SimTime max_wait_ns = 500 * kMillisecond;  // bound on a replica's wait (on_behind: wait)
  Fallback fallback = Fallback::primary;
  int retries = 2;                          // further attempts after the first
  SimTime op_timeout_ns = 2 * kSecond;      // no new attempt after this; the op fails by then
  // How long a client waits for one attempt's reply (a lost request or reply,
  // or a slow one); 0: op_timeout_ns, i.e. one attempt may use the whole budget.
  SimTime attempt_timeout_ns = 0;
  SimTime switch_every_ns = 0;              // devices move to another replica this often (0: never)
  // One-way latency between a client and the replica it talks to, replacing
  // the network's (partitions and loss still apply). Absent: the network's
  // latency between the client's place and the replica (clients.hpp).
  std::optional<Distribution> client_latency;

  SimTime attempt_timeout() const { return attempt_timeout_ns > 0 ? attempt_timeout_ns : op_timeout_ns; }
};

struct OpSpec {
  SimTime at_ns = 0;
  std::string client;  // e.g. "c0"
  OpKind op = OpKind::read;
  std::string key;
  std::string value;     // write value, or the amount for incr/decr (default "1")
  NodeId node = kNoNode; // pinned replica, or kNoNode to let routing pick
  SourcePos pos;
};

// Scripted operations, sorted by at_ns (stable).
struct ScriptedOps : SectionValue {
  static constexpr std::string_view kPath = "ops";
  std::vector<OpSpec> ops;
};

// The sections, or their defaults when absent.
const WorkloadSpec& workload_of(const Scenario& s);
const std::vector<OpSpec>& ops_of(const Scenario& s);
// Writable sections (created with defaults when absent): tests and tools.
WorkloadSpec& edit_workload(Scenario& s);
std::vector<OpSpec>& edit_ops(Scenario& s);

SectionDef workload_section();
SectionDef ops_section();

}  // namespace ecsim
