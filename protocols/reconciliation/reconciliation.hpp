#pragma once
// Background reconciliation against a source of truth.
//
// The source node holds the truth for values v0..v{V-1} (a number and a
// version per value) and streams every change to every replica once, fire
// and forget: a lost or partitioned message, a replica that was down, or a
// corruption (a bug, a manual edit) leaves a copy wrong. Every `period` of
// its clock the source runs the reconciliation job: it asks each replica for
// a batch of its copies (all of them by default), compares them with the
// truth and sends a repair for each one that differs, logging the repair.
// Versions make updates and repairs idempotent and order-insensitive: a
// copy takes an update only if it is newer, and a repair if it is not older
// (a repair of a corrupted copy carries the same version). A repair that
// races an update in flight is redundant but harmless.
#include <cstdint>
#include <map>
#include <vector>

#include "protocols/reconciliation/config.hpp"
#include "protocols/reconciliation/events.hpp"
#include "sim/channel.hpp"
#include "sim/protocol.hpp"
#include "sim/scenario.hpp"

namespace ecsim {

class Simulator;

class ReconciliationProtocol final : public Protocol {
 public:
  enum MessageType : std::uint16_t { update_msg = 1, scan_request = 2, scan_reply = 3, repair_msg = 4 };
  static constexpr std::uint32_t kUpdateBytes = 40;
  static constexpr std::uint32_t kScanRequestBytes = 32;
  static constexpr std::uint32_t kRepairBytes = 40;
  static std::uint32_t scan_reply_bytes(std::uint32_t count) { return 32 + 16 * count; }

  explicit ReconciliationProtocol(const Scenario& scenario);
  // Where this module\'s observations go (its checker and traces subscribe).
  Channel<ReconcileEvent>& events() { return events_; }
  std::string_view name() const override { return "reconciliation"; }
  void on_start(Context& ctx) override;
  void on_message(Context& ctx, const Message& msg) override;
  void on_timer(Context& ctx, std::uint32_t tag) override;
  void on_crash(Context& ctx, bool lose_state) override;
  bool hash_state(StateHasher& h) const override;  // the truth, every copy, scan cursors, runs started

  // The source of truth (ctx.node() == source) changes value `value`.
  void update(Context& ctx, std::uint32_t value);
  // A replica's copy of `value` goes wrong without a new version.
  void corrupt(Context& ctx, std::uint32_t value);

 private:
  struct Cell {
    std::int64_t data = 0;
    std::uint64_t version = 0;
  };
  int replica_index(NodeId node) const;
  void set_copy(Context& ctx, int replica, std::uint32_t value, Cell cell);

  ReconcileSpec spec_;
  std::vector<Cell> truth_;
  std::vector<std::vector<Cell>> copies_;  // by replica index
  std::vector<std::uint32_t> cursor_;      // next value to compare, per replica
  std::map<NodeId, int> index_;
  std::uint64_t run_ = 0;
  std::vector<std::uint64_t> buf_;
  Channel<ReconcileEvent> events_;
};

// Changes to the source of truth (Poisson, `updates`) and corruptions of
// random copies (Poisson, `corruption`).
class ReconcileDriver final : public Component {
 public:
  ReconcileDriver(Simulator& sim, const Scenario& scenario, ReconciliationProtocol& protocol, std::uint16_t protocol_id);
  void on_event(std::uint64_t x, std::uint32_t a) override;
  bool hash_state(StateHasher& h) const override;

 private:
  enum Kind : std::uint32_t { update_arrival = 0, corruption_arrival = 1 };
  SimTime gap(double rate_per_s);
  Simulator& sim_;
  const ReconcileSpec& spec_;
  ReconciliationProtocol& protocol_;
  std::uint16_t protocol_id_;
  std::uint16_t self_ = 0;
  SimTime updates_stop_ns_ = 0;
  SimTime end_ns_ = 0;
  Rng rng_;
};

}  // namespace ecsim
