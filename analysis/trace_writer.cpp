#include "analysis/trace_writer.hpp"

namespace ecsim {

TraceWriter::TraceWriter(const std::string& events_path, const std::string& ops_path, std::vector<std::string>&& node_names,
                         KeyNamer key_name)
    : TraceWriter(events_path, ops_path, node_names, std::move(key_name)) {
  owned_names_ = std::move(node_names);
  borrowed_names_ = nullptr;
}

TraceWriter::TraceWriter(const std::string& events_path, const std::string& ops_path,
                         const std::vector<std::string>& node_names, KeyNamer key_name)
    : borrowed_names_(&node_names), key_name_(std::move(key_name)) {
  if (!events_path.empty()) {
    events_.emplace(events_path);
    // The contract's seven columns, then `version` (receive rows: the version
    // received), which `ecsim analyze` needs to rebuild causality (docs/ANALYZE.md).
    events_->header({"time_ns", "node", "kind", "peer", "msg_id", "key", "bytes", "version"});
  }
  if (!ops_path.empty()) {
    ops_.emplace(ops_path);
    ops_->header({"client", "session", "seq", "op", "key", "value", "invoke_ns", "complete_ns", "replica", "ok", "version"});
  }
}

void TraceWriter::event_row(SimTime t, NodeId node, std::string_view kind, NodeId peer, std::uint64_t msg,
                            std::string_view key, std::int64_t bytes, std::string_view version) {
  CsvWriter& w = *events_;
  w.field(t);
  if (node == kNoNode) w.empty_field(); else w.field(names()[node]);
  w.field(kind);
  if (peer == kNoNode) w.empty_field(); else w.field(names()[peer]);
  if (msg == 0) w.empty_field(); else w.field(msg);
  w.field(key);
  if (bytes < 0) w.empty_field(); else w.field(bytes);
  w.field(version);
  w.end_row();
}

void TraceWriter::on_net(const NetEvent& e) {
  if (!events_) return;
  static constexpr std::string_view kinds[] = {"send", "deliver", "drop", "duplicate"};
  // A drop's reason goes in the key column: it is the only free text field.
  event_row(e.time, e.node, kinds[static_cast<int>(e.kind)], e.peer, e.msg_id,
            e.kind == NetEventKind::drop ? e.reason : std::string_view{}, e.bytes);
}

void TraceWriter::on_node(SimTime t, NodeId node, NodeEventKind kind, bool lose_state) {
  if (!events_) return;
  static constexpr std::string_view kinds[] = {"timer", "crash", "restart", "clock_step"};
  event_row(t, node, kinds[static_cast<int>(kind)], kNoNode, 0, lose_state ? "lose_state" : "", -1);
}

void TraceWriter::on_fault(SimTime t, FaultEventKind kind, std::string_view description) {
  if (!events_) return;
  static constexpr std::string_view kinds[] = {"partition", "heal",      "loss_start",      "loss_end",
                                                "partition", "heal",      "duplicate_start", "duplicate_end"};
  event_row(t, kNoNode, kinds[static_cast<int>(kind)], kNoNode, 0, description, -1);
}

void TraceWriter::on_applied(SimTime t, NodeId node, KeyId key, std::uint64_t, StateRank, WriteId) {
  if (!events_) return;
  event_row(t, node, "apply", kNoNode, 0, key_name_(key), -1);
}

void TraceWriter::on_version_applied(SimTime, NodeId, KeyId, WriteId write, std::string_view version, std::uint64_t) {
  if (write >= versions_.size()) versions_.resize(static_cast<std::size_t>(write) + 1);
  if (versions_[write].empty()) versions_[write] = version;
}

void TraceWriter::on_write_received(SimTime t, NodeId node, KeyId key, WriteId write) {
  if (!events_) return;
  // A replica received a copy of a write, kept or not: causality for lost writes.
  const std::string_view version = write < versions_.size() ? std::string_view(versions_[write]) : std::string_view();
  event_row(t, node, "receive", kNoNode, 0, key_name_(key), -1, version);
}

void TraceWriter::on_state_lost(SimTime t, NodeId node) {
  if (!events_) return;
  event_row(t, node, "state_lost", kNoNode, 0, "", -1);
}

void TraceWriter::on_op(const OpRecord& r) {
  if (!ops_) return;
  CsvWriter& w = *ops_;
  w.field(r.client).field(r.session);
  if (r.seq == 0) w.empty_field(); else w.field(r.seq);
  w.field(r.op).field(r.key).field(r.value).field(r.invoke_ns).field(r.complete_ns);
  if (r.replica == kNoNode) w.empty_field(); else w.field(names()[r.replica]);
  w.field(r.ok).field(r.version);
  w.end_row();
}

void TraceWriter::close() {
  if (events_) events_->close();
  if (ops_) ops_->close();
}

}  // namespace ecsim
