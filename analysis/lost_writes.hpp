#pragma once
// Lost writes: acknowledged writes that the final state does not reflect and
// that no causally later write superseded (docs/CONFLICT_RESOLUTION.md,
// "Checking, not assuming"). LWW silently discarding a concurrent write, or
// a causally later write losing to a skewed clock, both count.
//
// Causality is tracked by the checker itself from observations, with sparse
// vector clocks per (replica, key) and per (session, key) over the replicas
// that accepted writes: a replica knows every write it accepted or received
// (and, transitively, what those writes knew); a session knows what it wrote
// and what it read. Write w happened before W iff W's clock has seen w.
//
// A replica that loses its state (on_state_lost: a crash with lose_state)
// forgets everything it knew: it continues as a new incarnation, a fresh
// actor in the clocks that knows nothing, so a write it accepts afterwards
// supersedes only what it learns again (or what the writing session knew).
// Actors, not nodes, number the writes: a new incarnation's sequence numbers
// start over without being confused with the ones its disk took away.
#include <cstdint>
#include <memory>
#include <span>
#include <unordered_map>
#include <vector>

#include "analysis/observations.hpp"
#include "sim/inline_vector.hpp"

namespace ecsim {

class LostWritesChecker final : public ReplicaObserver {
 public:
  LostWritesChecker() = default;
  // Sizing hint: the replicas are nodes 0..nodes-1.
  explicit LostWritesChecker(std::size_t nodes) { replica_known_.resize(nodes); }
  // Sizing hint: write ids are 1..writes (a replay knows them in advance).
  void reserve_writes(std::size_t writes) { writes_.reserve(writes + 1); }
  void on_write_accepted(SimTime, NodeId, KeyId, WriteId, StateRank, std::uint64_t session_uid) override;
  void on_write_received(SimTime, NodeId, KeyId, WriteId) override;
  void on_state_lost(SimTime, NodeId) override;
  void on_op(const OpRecord&) override;

  // Final reads: what each live replica holds at the end (kNoWrite if nothing).
  void final_read(NodeId node, KeyId key, WriteId write);
  // The same for a state that reflects many writes (a CRDT: every update it
  // has merged; ReplicaStore::reflected_writes). Each listed write counts as
  // reflected, and so does every write that causally precedes one of them.
  void final_reflects(NodeId node, KeyId key, std::span<const WriteId> writes);
  // For data types whose writes all contribute (counters, sets, carts,
  // MV-registers): no write supersedes another, so a write is reflected only
  // if a final state lists it. (A register's later write supersedes an
  // earlier one; a counter's later increment does not.)
  void count_only_listed(bool on) { only_listed_ = on; }

  // The lost writes in id order, and their number; call after all final reads.
  std::vector<WriteId> lost() const;
  std::uint64_t count_lost() const { return lost().size(); }
  // True if write `earlier` happened before write `later` (or is it).
  bool precedes(WriteId earlier, WriteId later) const;

 private:
  // A replica incarnation: node n's first is actor n; each loss of state
  // gives the node a fresh actor numbered from kFirstReborn up (node ids
  // stay far below it), so actor ids never repeat.
  using ActorId = std::uint32_t;
  using ClockRef = std::uint32_t;  // see KnownEntry
  static constexpr ActorId kNoActor = 0xFFFFFFFFu;
  static constexpr ActorId kFirstReborn = 0x80000000u;
  using ClockEntry = std::pair<ActorId, std::uint32_t>;
  using Clock = std::vector<ClockEntry>;           // sorted by actor
  using ClockView = std::span<const ClockEntry>;  // a Clock, or a write's clock in write_clocks_
  // The clocks of writes never change once made: they are stored back to
  // back in blocks (no heap vector, 40 bytes, per write), never moved.
  class ClockArena {
   public:
    std::uint64_t add(const Clock& c);  // where the copy is
    ClockView at(std::uint64_t where, std::uint32_t size) const {
      return {blocks_[where >> 32].get() + (where & 0xFFFFFFFFu), size};
    }

   private:
    static constexpr std::size_t kBlock = std::size_t{1} << 16;  // entries
    std::vector<std::unique_ptr<ClockEntry[]>> blocks_;
    std::size_t used_ = kBlock;  // entries used in the last block (a bigger clock has a block of its own)
  };
  struct WriteCausality {
    KeyId key = 0;
    ActorId origin = kNoActor;  // the incarnation that accepted it
    std::uint32_t seq = 0;      // position among the origin's writes to this key
    std::uint32_t clock_size : 31 = 0;
    std::uint32_t acked : 1 = 0;
    std::uint64_t clock_at = 0;  // what the write knew, itself included: in write_clocks_
  };
  // Per (session, key), what the session knows: per session a hash table
  // of 8-byte slots (a node-based map takes about 40 bytes a pair, and a
  // history can have about as many pairs as operations); one table per
  // session, so that growing one never holds two copies of them all. No
  // pair is ever removed.
  class SessionKnowledge {
   public:
    ClockRef find(std::uint64_t session, KeyId key) const;  // 0: nothing known
    ClockRef& at(std::uint64_t session, KeyId key);         // inserted as 0 if absent

   private:
    struct Slot {
      KeyId key;
      ClockRef ref;  // 0: empty
    };
    struct Table {
      std::vector<Slot> slots;  // a power of two, at most 3/4 full
      std::size_t used = 0;
    };
    static std::size_t position(const Table& t, KeyId key);  // its slot, or the empty slot where it goes
    static void grow(Table& t);
    std::unordered_map<std::uint64_t, std::uint32_t> tables_of_;  // session uid -> index into tables_
    std::vector<Table> tables_;
  };
  // What a replica (or a session) knows of a key, as a reference: most of
  // them know exactly what one write knew (the last one they received or
  // made), so they share that write's clock instead of copying it, and a
  // clock of their own exists only after merging concurrent knowledge.
  //   0: nothing; kOwnBit | i: owned_[i]; else: writes_[ref].clock.
  static constexpr ClockRef kOwnBit = 0x80000000u;
  struct KnownEntry {
    KeyId key;
    ClockRef ref;
  };
  ClockView clock(ClockRef ref) const;
  ClockView clock_of(const WriteCausality& w) const { return write_clocks_.at(w.clock_at, w.clock_size); }
  // Knowledge `ref` learns write w's clock (w's and everything w knew).
  void learn(ClockRef& ref, WriteId w);
  void release(ClockRef ref);
  ClockRef& replica_ref(NodeId node, KeyId key);
  static bool dominates(ClockView big, ClockView small);
  static void merge_into(Clock& into, ClockView from);
  static std::uint32_t entry(ClockView c, ActorId actor);
  ActorId actor_of(NodeId node) const { return node < actor_.size() ? actor_[node] : node; }

  std::vector<WriteCausality> writes_;  // by WriteId
  ClockArena write_clocks_;
  std::vector<ActorId> actor_;          // by node: its incarnation; a node past the end never lost state (actor = node)
  ActorId next_actor_ = kFirstReborn;
  // Per node, what its current incarnation knows per key (sorted by key; a
  // loss of state clears it); per (session, key) what the session knows.
  std::vector<InlineVector<KnownEntry>> replica_known_;
  SessionKnowledge session_known_;
  std::vector<Clock> owned_;            // merged clocks, by index; free ones listed in free_owned_
  std::vector<std::uint32_t> free_owned_;
  std::unordered_map<KeyId, std::vector<WriteId>> final_;  // per key: final write at each live replica
  std::vector<KeyId> final_keys_;
  bool only_listed_ = false;
};

}  // namespace ecsim
