#include "app/memory_estimate.hpp"

#include <fmt/format.h>
#include <fstream>
#include <limits>
#include <sys/resource.h>
#include <unistd.h>

#include "protocols/clients/config.hpp"

namespace ecsim {

namespace {

double mib(double bytes) { return bytes / (1 << 20); }

// The operations a run records: its scripted ops plus, for an open-loop
// workload, the expected arrivals over its window. A closed loop's count
// depends on latencies, so it is not estimated.
void count_ops(const Scenario& s, MemoryNeed& need) {
  const WorkloadSpec& w = workload_of(s);
  const std::size_t scripted = ops_of(s).size();
  need.ops = static_cast<double>(scripted);
  need.ops_inputs = fmt::format("{} scripted", scripted);
  if (w.clients == 0) return;
  if (w.closed) {
    need.ops_inputs += fmt::format(", plus {} closed-loop clients (not estimated)", w.clients);
    return;
  }
  const double window_s = static_cast<double>(w.stop_ns - w.start_ns) / 1e9;
  const double generated = w.clients * w.rate_per_s * window_s;
  need.ops += generated;
  need.ops_inputs += fmt::format(", plus about {:.4g} generated: workload.clients {} x workload.rate {}/s x {} s",
                                 generated, w.clients, w.rate_per_s, window_s);
}

void consider(MemoryAvailable& a, double bytes, const std::string& source) {
  if (bytes < a.bytes) a = {bytes, source};
}

std::optional<double> soft_limit(int resource) {
  rlimit rl{};
  if (getrlimit(resource, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY) return std::nullopt;
  return static_cast<double>(rl.rlim_cur);
}

// The address space this process already maps (its code, libraries, stacks).
double mapped_bytes() {
  double pages = 0;
  std::ifstream("/proc/self/statm") >> pages;
  return pages * static_cast<double>(sysconf(_SC_PAGESIZE));
}

std::optional<double> mem_available() {
  std::ifstream in("/proc/meminfo");
  std::string name;
  double kib = 0;
  std::string unit;
  while (in >> name >> kib >> unit)
    if (name == "MemAvailable:") return kib * 1024;
  return std::nullopt;
}

// The cgroup's memory.max less what the group already uses; nothing when unlimited ("max") or absent.
std::optional<double> cgroup_room() {
  std::ifstream max_file("/sys/fs/cgroup/memory.max");
  double max = 0;
  if (!(max_file >> max)) return std::nullopt;
  double current = 0;
  std::ifstream("/sys/fs/cgroup/memory.current") >> current;
  return max - current;
}

}  // namespace

MemoryNeed memory_need_of_nodes(std::int64_t nodes) { return MemoryNeed{nodes, 0, ""}; }

MemoryNeed memory_need(const Scenario& s) {
  MemoryNeed need = memory_need_of_nodes(s.topology.nodes);
  count_ops(s, need);
  return need;
}

MemoryAvailable memory_available() {
  MemoryAvailable a{std::numeric_limits<double>::infinity(), "no limit found"};
  if (const auto as = soft_limit(RLIMIT_AS))
    consider(a, *as - mapped_bytes(), "the address-space limit, ulimit -v, less what ecsim already maps");
  if (const auto data = soft_limit(RLIMIT_DATA)) consider(a, *data, "the data-segment limit, ulimit -d");
  if (const auto avail = mem_available()) consider(a, *avail, "MemAvailable in /proc/meminfo");
  if (const auto room = cgroup_room()) consider(a, *room, "the cgroup's memory.max less memory.current");
  return a;
}

std::string describe_need(const MemoryNeed& need) {
  const std::string nodes = fmt::format("topology.nodes ({} x {:.0f} bytes = {:.0f} MiB)", need.nodes, kBytesPerNode,
                                        mib(kBytesPerNode * static_cast<double>(need.nodes)));
  if (need.ops_inputs.empty()) return nodes + ", before the operations are counted";
  return fmt::format("{} and the operations ({:.4g} x {:.0f} bytes = {:.0f} MiB; {})", nodes, need.ops, kBytesPerOp,
                     mib(kBytesPerOp * need.ops), need.ops_inputs);
}

MemoryAvailable memory_available_per_run(unsigned jobs) {
  MemoryAvailable available = memory_available();
  if (jobs > 1) {
    available.bytes /= jobs;
    available.source += fmt::format(", shared by the {} runs at a time of --jobs {}", jobs, jobs);
  }
  return available;
}

std::optional<std::string> memory_refusal(const MemoryNeed& need, const MemoryAvailable& available) {
  if (need.bytes() <= available.bytes) return std::nullopt;
  return fmt::format(
      "refused before running: it needs about {:.0f} MiB of memory and {:.0f} MiB are available ({}). Memory grows "
      "with {}. Lower "
      "topology.nodes or the operations (workload.clients, workload.rate, duration), or run where more memory is "
      "available",
      mib(need.bytes()), mib(available.bytes), available.source, describe_need(need));
}

std::optional<std::string> node_count_refusal(std::int64_t nodes) {
  return memory_refusal(memory_need_of_nodes(nodes), memory_available());
}

}  // namespace ecsim
