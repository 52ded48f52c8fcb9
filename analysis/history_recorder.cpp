#include "analysis/history_recorder.hpp"

#include <stdexcept>

namespace ecsim {

HistoryRecorder::HistoryRecorder(std::vector<std::string>&& node_names, KeyNamer key_name, bool record_ops,
                                 bool record_applies, const std::string& applied_path)
    : HistoryRecorder(node_names, std::move(key_name), record_ops, record_applies, applied_path) {
  owned_names_ = std::move(node_names);
  borrowed_names_ = nullptr;
}

HistoryRecorder::HistoryRecorder(const std::vector<std::string>& node_names, KeyNamer key_name, bool record_ops,
                                 bool record_applies, const std::string& applied_path)
    : borrowed_names_(&node_names), key_name_(std::move(key_name)), record_ops_(record_ops), record_applies_(record_applies) {
  if (!applied_path.empty()) {
    applied_.emplace(applied_path);
    applied_->header({"time_ns", "replica", "key", "version", "step"});
  }
  if (record_applies_) builder_.expect_applies();
}

void HistoryRecorder::on_version_applied(SimTime t, NodeId node, KeyId key, WriteId, std::string_view version,
                                         std::uint64_t step) {
  const std::string name = key_name_(key);
  if (applied_) applied_->row(t, names()[node], name, version, step);
  if (!record_applies_ || unorderable_) return;
  try {
    const VersionText v = parse_version(version);
    note_origin(v.origin);
    builder_.add_apply(t, names()[node], name, v, step);
  } catch (const VersionSyntaxError&) {
    unorderable_ = true;
  }
}

void HistoryRecorder::on_state_lost(SimTime t, NodeId node) {
  if (applied_) applied_->row(t, names()[node], std::string_view(), std::string_view(), std::string_view());
  if (record_applies_ && !unorderable_) builder_.add_state_lost(t, names()[node]);
}

void HistoryRecorder::on_op(const OpRecord& r) {
  if (!record_ops_ || unorderable_) return;
  const std::string_view replica = r.replica == kNoNode ? std::string_view() : std::string_view(names()[r.replica]);
  try {
    const VersionText v = parse_version(r.version);
    note_origin(v.origin);
    builder_.add_op(r.client, r.session, r.is_write, r.ok, r.key, r.invoke_ns, r.complete_ns, replica, v, r.seq);
  } catch (const VersionSyntaxError&) {
    unorderable_ = true;
  }
}

void HistoryRecorder::note_origin(std::string_view origin) {
  if (origin.empty() || origin == last_origin_) return;
  last_origin_.assign(origin);
  origins_.insert(last_origin_);
}

History HistoryRecorder::finish() {
  if (applied_) applied_->close();
  // The node names that are origins, in node order: the same ranks as the
  // whole list would give (finish() orders listed origins by position).
  std::vector<std::string> order;
  for (const std::string& n : names()) {
    if (order.size() == origins_.size()) break;
    if (origins_.count(n)) order.push_back(n);
  }
  return builder_.finish(order);
}

}  // namespace ecsim
