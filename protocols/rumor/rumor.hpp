#pragma once
// Rumor mongering (Demers et al., "Epidemic algorithms for replicated
// database maintenance", PODC 1987, section 1.4): the spread of ONE update,
// injected at one node, as a complex epidemic. Each node is susceptible
// (does not know the update), infective (knows it and spreads it: a "hot
// rumor") or removed (knows it, no longer spreads it). Every `interval_ns`
// of its own clock a node starts a round and contacts `fanout` random graph
// neighbours:
//   push:      an infective node sends the update (UPDATE).
//   pull:      every node asks (REQUEST); an infective recipient answers UPDATE.
//   push_pull: an infective node sends UPDATE, any other node sends REQUEST;
//              an infective recipient of either answers with what it spreads.
// With `feedback` the receiver of an UPDATE answers FEEDBACK(knew) and the
// sender loses interest only after unnecessary contacts (receiver already
// knew); `blind` loses interest after any contact. Loss of interest is by
// `counter` (after k such contacts, or k such rounds in a row: see
// counter_per_round) or `coin` (probability 1/k after each).
// Optional death certificates spread a deletion the same way (README.md).
// State lives in flat arrays indexed by node id; README.md has the exact
// semantics and the metric definitions.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sim/protocol.hpp"
#include "sim/section.hpp"

namespace ecsim {

enum class RumorMode : std::uint8_t { push, pull, push_pull };
enum class RumorLoss : std::uint8_t { counter, coin };

// Plain configuration; the defaults are the paper's main setting (push,
// feedback, counter, k = 1, synchronous rounds) and its simulation's rules,
// and reproduce its Table 1 (README.md).
struct RumorSpec : SectionValue {
  static constexpr std::string_view kPath = "protocols.rumor";
  RumorMode mode = RumorMode::push;
  bool feedback = true;                // false: blind
  RumorLoss loss = RumorLoss::counter;
  int k = 1;                           // >= 1
  int fanout = 1;                      // contacts per round, distinct neighbours, >= 1
  SimTime interval_ns = kSecond;       // round period on each node's own clock, > 0
  bool aligned_phase = true;           // true: all rounds start on multiples of interval_ns; false: random phase
  NodeId origin = 0;                   // node where the update is injected
  SimTime inject_at_ns = 0;            // injection time (see README: origin's clock from boot)
  // Feedback + counter only. true: the counter counts the sender's rounds in
  // which every contact was unnecessary, in a row; a round with a necessary
  // contact resets it (settled when the node's next round starts). This is
  // the rule that reproduces the paper's Tables 1 (push) and 3 (pull);
  // with push and fanout 1 it is "k unnecessary contacts in a row".
  // false: the counter counts unnecessary contacts and never resets (the
  // literal "after k unnecessary contacts"; Maki-Thompson with k failures).
  bool counter_per_round = true;
  // Feedback only: the receiver reports "already knew" only for a rumor it
  // held when its current round began (the paper's cycle-synchronous
  // simulation judges every contact of a cycle against the state at the
  // cycle's start). false: "already knew" = held it on receipt (a plain
  // duplicate check; the mean-field relation s = exp(-(k+1)(1-s)) is for this).
  bool feedback_round_start = true;
  int value_bytes = 64;                // modelled size of the update's value on the wire, >= 0
  // Death certificates: a deletion of the update, injected at delete_origin
  // at delete_at_ns, spreads by the same rules and overrides the value.
  bool death_certificates = false;
  NodeId delete_origin = 0;
  SimTime delete_at_ns = 10 * kSecond;
};

// Empty when the spec is valid for `node_count` nodes, else why not.
// The section protocols.rumor (config.cpp).
SectionDef rumor_section();

std::optional<std::string> rumor_spec_error(const RumorSpec& spec, std::uint32_t node_count);

class RumorProtocol final : public Protocol {
 public:
  enum MessageType : std::uint16_t { update = 1, feedback = 2, request = 3 };
  enum Rumor : std::uint32_t { value = 0, certificate = 1 };  // payload word 0 of UPDATE and FEEDBACK
  enum State : std::uint8_t { susceptible = 0, infective = 1, removed = 2 };

  static constexpr std::uint32_t kHeaderBytes = 16;
  static constexpr std::uint32_t kWordBytes = 8;

  // Throws std::invalid_argument when rumor_spec_error() says why.
  RumorProtocol(const RumorSpec& spec, std::uint32_t node_count);

  std::string_view name() const override { return "rumor"; }
  void on_start(Context& ctx) override;
  void on_message(Context& ctx, const Message& msg) override;
  void on_timer(Context& ctx, std::uint32_t tag) override;
  void on_crash(Context& ctx, bool lose_state) override;
  void summary_metrics(std::vector<std::pair<std::string, double>>& out) const override;
  bool hash_state(StateHasher& h) const override;

  // True once every configured injection happened and no node is infective.
  // Nothing can change after that except by an UPDATE still in flight, so a
  // runner stops at `finished() && sim.messages_in_flight() == 0`.
  bool finished() const;

  // --- read access for tests and checkers ---
  const RumorSpec& spec() const { return spec_; }
  std::uint32_t node_count() const { return n_; }
  State state(Rumor r, NodeId node) const { return static_cast<State>(rumors_[r].state[node]); }
  // True time the node first learned rumor r (-1: never). The origin's is the injection time.
  SimTime learned_ns(Rumor r, NodeId node) const { return rumors_[r].learned_ns[node]; }
  bool injected(Rumor r) const { return rumors_[r].injected_ns >= 0; }
  SimTime injected_ns(Rumor r) const { return rumors_[r].injected_ns; }
  std::uint32_t informed_count(Rumor r) const { return rumors_[r].informed; }  // ever learned, origin included
  std::uint32_t infective_count(Rumor r) const { return rumors_[r].infective; }  // now
  std::uint64_t updates_sent(Rumor r) const { return rumors_[r].updates_sent; }
  std::uint64_t messages_sent() const { return messages_sent_; }  // every type, this protocol
  std::uint64_t bytes_sent() const { return bytes_sent_; }
  std::uint64_t feedbacks_sent() const { return feedbacks_sent_; }
  std::uint64_t requests_sent() const { return requests_sent_; }

 private:
  struct RumorState {
    std::vector<std::uint8_t> state;          // State
    std::vector<std::uint32_t> counter;       // counter mode: see RumorSpec::counter_per_round; blind: all contacts
    std::vector<std::uint8_t> round_flags;    // counter_per_round: kNecessary | kUnnecessary seen this round
    std::vector<std::uint32_t> learned_tick;  // ticks_[node] when the node learned it (feedback_round_start)
    std::vector<SimTime> learned_ns;          // first learned, true time; -1 never
    SimTime injected_ns = -1;
    std::uint32_t informed = 0;
    std::uint32_t infective = 0;
    std::uint64_t updates_sent = 0;
  };

  void inject(Context& ctx, Rumor r);
  void schedule_injections(Context& ctx);
  void learn(Context& ctx, Rumor r, NodeId node);
  void remove(Rumor r, NodeId node);
  // counter_per_round: applies the round that just ended to the counter.
  void settle_round(Rumor r, NodeId node);
  // Sends UPDATE(r) from ctx.node() to `to` and applies the blind rule.
  void send_update(Context& ctx, Rumor r, NodeId to);
  void on_update(Context& ctx, Rumor r, NodeId from);
  void on_feedback(Context& ctx, Rumor r, bool knew);
  void answer_request(Context& ctx, NodeId to, int except_rumor);
  void send(Context& ctx, NodeId to, MessageType type, std::span<const std::uint64_t> words, std::uint32_t bytes);
  bool knew(Rumor r, NodeId node) const;
  std::uint32_t update_bytes(Rumor r) const;
  int rumor_count() const { return spec_.death_certificates ? 2 : 1; }
  void rumor_metrics(Rumor r, const std::string& prefix, std::vector<std::pair<std::string, double>>& out) const;

  RumorSpec spec_;
  std::uint32_t n_;
  std::array<RumorState, 2> rumors_;
  std::vector<std::uint32_t> ticks_;  // rounds started, per node
  std::vector<NodeId> peers_;         // scratch
  std::uint64_t messages_sent_ = 0;
  std::uint64_t bytes_sent_ = 0;
  std::uint64_t feedbacks_sent_ = 0;
  std::uint64_t requests_sent_ = 0;
};

}  // namespace ecsim
