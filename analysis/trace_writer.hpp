#pragma once
// Writes the event trace (events.csv) and the client history (ops.csv) as
// observations arrive, through buffered CsvWriters that also hash the bytes.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "analysis/csv_writer.hpp"
#include "analysis/observations.hpp"
#include "sim/observer.hpp"

namespace ecsim {

class TraceWriter final : public Observer, public ReplicaObserver {
 public:
  using KeyNamer = std::function<std::string(KeyId)>;
  // A path left empty disables that trace. A named list of node names is
  // borrowed (it must outlive the writer: a run's scenario, which at 10M
  // nodes is worth not copying); a temporary is kept.
  TraceWriter(const std::string& events_path, const std::string& ops_path, const std::vector<std::string>& node_names,
              KeyNamer key_name);
  TraceWriter(const std::string& events_path, const std::string& ops_path, std::vector<std::string>&& node_names,
              KeyNamer key_name);

  bool wants_net_events() const override { return events_.has_value(); }
  // Versions name the writes in `receive` rows (the trailing `version` column).
  bool wants_applied_versions() const override { return events_.has_value(); }
  void on_version_applied(SimTime, NodeId, KeyId, WriteId, std::string_view version, std::uint64_t step) override;
  void on_write_received(SimTime, NodeId, KeyId, WriteId) override;
  void on_net(const NetEvent&) override;
  void on_node(SimTime, NodeId, NodeEventKind, bool lose_state) override;
  void on_fault(SimTime, FaultEventKind, std::string_view) override;
  void on_applied(SimTime, NodeId, KeyId, std::uint64_t, StateRank, WriteId) override;
  void on_state_lost(SimTime, NodeId) override;
  void on_op(const OpRecord&) override;

  void close();  // flush and close both files
  std::uint64_t events_hash() const { return events_ ? events_->hash() : 0; }
  std::uint64_t ops_hash() const { return ops_ ? ops_->hash() : 0; }

 private:
  void event_row(SimTime t, NodeId node, std::string_view kind, NodeId peer, std::uint64_t msg, std::string_view key,
                 std::int64_t bytes, std::string_view version = {});

  std::optional<CsvWriter> events_;
  std::optional<CsvWriter> ops_;
  const std::vector<std::string>& names() const { return borrowed_names_ ? *borrowed_names_ : owned_names_; }

  const std::vector<std::string>* borrowed_names_ = nullptr;
  std::vector<std::string> owned_names_;
  KeyNamer key_name_;
  std::vector<std::string> versions_;  // by WriteId, from the first apply (at the write's origin)
};

}  // namespace ecsim
