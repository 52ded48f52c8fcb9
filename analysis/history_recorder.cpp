#include "analysis/history_recorder.hpp"

#include <stdexcept>

namespace ecsim {

HistoryRecorder::HistoryRecorder(std::vector<std::string> node_names, KeyNamer key_name, bool record_ops,
                                 bool record_applies, const std::string& applied_path)
    : node_names_(std::move(node_names)), key_name_(std::move(key_name)), record_ops_(record_ops), record_applies_(record_applies) {
  if (!applied_path.empty()) {
    applied_.emplace(applied_path);
    applied_->header({"time_ns", "replica", "key", "version", "step"});
  }
  if (record_applies_) builder_.expect_applies();
}

void HistoryRecorder::on_version_applied(SimTime t, NodeId node, KeyId key, WriteId, std::string_view version,
                                         std::uint64_t step) {
  const std::string name = key_name_(key);
  if (applied_) applied_->row(t, node_names_[node], name, version, step);
  if (!record_applies_ || unorderable_) return;
  try {
    builder_.add_apply(t, node_names_[node], name, parse_version(version), step);
  } catch (const VersionSyntaxError&) {
    unorderable_ = true;
  }
}

void HistoryRecorder::on_state_lost(SimTime t, NodeId node) {
  if (applied_) applied_->row(t, node_names_[node], std::string_view(), std::string_view(), std::string_view());
  if (record_applies_ && !unorderable_) builder_.add_state_lost(t, node_names_[node]);
}

void HistoryRecorder::on_op(const OpRecord& r) {
  if (!record_ops_ || unorderable_) return;
  const std::string_view replica = r.replica == kNoNode ? std::string_view() : std::string_view(node_names_[r.replica]);
  try {
    builder_.add_op(r.client, r.session, r.is_write, r.ok, r.key, r.invoke_ns, r.complete_ns, replica, parse_version(r.version),
                    r.seq);
  } catch (const VersionSyntaxError&) {
    unorderable_ = true;
  }
}

History HistoryRecorder::finish() {
  if (applied_) applied_->close();
  return builder_.finish(node_names_);
}

}  // namespace ecsim
