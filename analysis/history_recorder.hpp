#pragma once
// Records a run's client history and per-replica apply order as a History
// (analysis/history.hpp), from the same fields ops.csv and applied.csv carry,
// so the checkers see exactly what a re-check of the written files would.
// Optionally writes applied.csv: `time_ns,replica,key,version,step`, one row
// each time a replica's state for a key takes on a new version (rows with one
// step were applied in one atomic step), and a row with empty key, version
// and step when a replica loses its state.
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "analysis/csv_writer.hpp"
#include "analysis/history.hpp"
#include "analysis/observations.hpp"

namespace ecsim {

class HistoryRecorder final : public ReplicaObserver {
 public:
  using KeyNamer = std::function<std::string(KeyId)>;
  // record_ops / record_applies: keep them for the checkers; applied_path: also
  // write applied.csv there (empty: no file). A named list of node names is
  // borrowed (it must outlive the recorder: a run's scenario, one name per
  // node, which at 10M nodes is worth not copying); a temporary is kept.
  HistoryRecorder(const std::vector<std::string>& node_names, KeyNamer key_name, bool record_ops, bool record_applies,
                  const std::string& applied_path);
  HistoryRecorder(std::vector<std::string>&& node_names, KeyNamer key_name, bool record_ops, bool record_applies,
                  const std::string& applied_path);

  bool wants_applied_versions() const override { return record_applies_ || applied_.has_value(); }
  void on_version_applied(SimTime, NodeId, KeyId, WriteId, std::string_view version, std::uint64_t step) override;
  void on_state_lost(SimTime, NodeId) override;
  void on_op(const OpRecord&) override;

  // Closes applied.csv and returns the history (call once, after the run).
  History finish();
  // Some version text was not of the orderable form (analysis/history.hpp):
  // the store's versions are not totally ordered, and the history is useless
  // to the checkers (recording stopped).
  bool unorderable() const { return unorderable_; }
  std::uint64_t applied_hash() const { return applied_ ? applied_->hash() : 0; }

 private:
  const std::vector<std::string>& names() const { return borrowed_names_ ? *borrowed_names_ : owned_names_; }
  void note_origin(std::string_view origin);

  const std::vector<std::string>* borrowed_names_ = nullptr;
  std::vector<std::string> owned_names_;
  // The version origins passed to the history: finish() ranks them by node
  // order, and needs only their places in it, not a map of every node.
  std::unordered_set<std::string> origins_;  // lookups only
  std::string last_origin_;
  KeyNamer key_name_;
  bool record_ops_, record_applies_;
  std::optional<CsvWriter> applied_;
  HistoryBuilder builder_;
  bool unorderable_ = false;
};

}  // namespace ecsim
