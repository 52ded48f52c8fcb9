#pragma once
// What an anti-entropy protocol and the clients need from a replicated data
// type, for every replica at once (state in flat per-node arrays). A new data
// type (issue: CRDTs, MV-registers) implements this interface; gossip and
// the client driver stay unchanged.
//
// Wire format: digests and entries are lists of 64-bit words; their layout
// belongs to the store. Keys are dense KeyIds (protocols/core/keyspace.hpp).
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "analysis/observations.hpp"
#include "sim/scenario.hpp"
#include "sim/state_hash.hpp"

namespace ecsim {

// Where and when a store operation happens, and who is told about it.
struct ReplicaCall {
  NodeId node;
  SimTime now;         // true time, for observations only
  SimTime local_time;  // the node's clock, for timestamps
  ReplicaObserver* observer;  // where this call reports (nullptr: nowhere)
};

struct ReadResult {
  bool found = false;
  WriteId write = kNoWrite;  // the write whose value was returned
  std::string value;
  std::string version;
  StateRank rank;
};

// A replica's state for one key as a session check needs it: its rank and
// the write whose version it holds, without building the value.
struct StateProbe {
  StateRank rank;
  WriteId write = kNoWrite;
  bool found = false;
};

// Told when a replica's state for a key changes, so that an anti-entropy
// protocol can keep its own index up to date incrementally (Merkle trees,
// protocols/merkle/merkle.hpp). Listeners are protocols; checkers use Observer.
class StoreListener {
 public:
  virtual ~StoreListener() = default;
  // `digest` is the new state_digest() of (node, key).
  virtual void on_state_changed(NodeId node, KeyId key, std::uint64_t digest) = 0;
  // The node lost all its state (crash with lose_state).
  virtual void on_state_cleared(NodeId node) = 0;
};

struct WriteResult {
  std::string version;
  StateRank rank;
  bool kept = false;  // false: the store discarded it at once (e.g. older LWW timestamp)
};

class ReplicaStore {
 public:
  virtual ~ReplicaStore() = default;

  // Client operations at one replica.
  virtual ReadResult read(const ReplicaCall& at, KeyId key) = 0;
  virtual WriteResult write(const ReplicaCall& at, KeyId key, OpKind op, WriteId write, std::uint64_t session_uid) = 0;

  // Anti-entropy. A digest summarises a replica's state per key; `compare`
  // splits a peer's digest into entries this replica should ship to the peer
  // and keys it should ask the peer for; `entries_for` serialises the named
  // keys; `merge` applies received entries.
  virtual void digest(NodeId node, std::vector<std::uint64_t>& out) const = 0;
  virtual void compare(NodeId self, std::span<const std::uint64_t> peer_digest,
                       std::vector<std::uint64_t>& entries_to_send, std::vector<std::uint64_t>& keys_wanted) const = 0;
  virtual void entries_for(NodeId self, std::span<const std::uint64_t> keys, std::vector<std::uint64_t>& out) const = 0;
  virtual void merge(const ReplicaCall& at, std::span<const std::uint64_t> entries) = 0;

  // Modelled wire sizes in bytes for `count` digest items / entries.
  virtual std::uint32_t digest_bytes(std::size_t words) const = 0;
  virtual std::uint32_t entry_bytes(std::size_t words) const = 0;
  // The same for a concrete payload, for stores whose entries vary in
  // composition (CRDTs: a value per element, 12 bytes per version-vector
  // entry). Protocols call these; the defaults use the word count.
  virtual std::uint32_t digest_wire_bytes(std::span<const std::uint64_t> digest) const { return digest_bytes(digest.size()); }
  virtual std::uint32_t entries_wire_bytes(std::span<const std::uint64_t> entries) const {
    return entry_bytes(entries.size());
  }

  // Exact identity of a replica's state for one key, 0 when it holds
  // nothing: the digest it reports in Observer::on_applied (equal digests =
  // equal states). This default hashes what read() returns; stores override.
  virtual std::uint64_t state_digest(NodeId node, KeyId key) {
    const ReadResult r = read(ReplicaCall{node, 0, 0, nullptr}, key);
    if (!r.found) return 0;
    std::uint64_t h = 0xcbf29ce484222325ULL;
    for (const std::string* s : {&r.value, &r.version}) {
      for (unsigned char c : *s) h = (h ^ c) * 0x100000001b3ULL;
      h = (h ^ 0xff) * 0x100000001b3ULL;
    }
    return h == 0 ? 1 : h;
  }
  // Every write the replica's state for `key` reflects, for the lost-writes
  // checker's final reads: an LWW register reflects the one write it holds;
  // a CRDT reflects every update it has merged (a G-Counter each increment,
  // an OR-Set each add and remove it has seen). Appends to `out`.
  virtual void reflected_writes(NodeId node, KeyId key, std::vector<WriteId>& out) {
    const ReadResult r = read(ReplicaCall{node, 0, 0, nullptr}, key);
    if (r.found && r.write != kNoWrite) out.push_back(r.write);
  }

  // Listeners are told about every state change (not owned).
  // State hashing (`ecsim explore --exhaustive`, sim/state_hash.hpp): every
  // replica's data and clocks; false (the default) when the store cannot.
  virtual bool hash_state(StateHasher& h) const { return false; }

  void add_listener(StoreListener* listener) { listeners_.push_back(listener); }
  // Where protocols and clients working on this store report (not owned;
  // the run's hub of checkers and traces). Protocols pass it in ReplicaCall.
  void set_observer(ReplicaObserver* observer) { observer_ = observer ? observer : &no_observer(); }
  ReplicaObserver* observer() const { return observer_; }
  // A call at `ctx`'s node, reporting to this store's observer.
  ReplicaCall call_at(NodeId node, SimTime now, SimTime local_time) const {
    return ReplicaCall{node, now, local_time, observer_};
  }
 protected:
  // Atomic steps: a store starts one per write() and merge() call; every
  // state change it reports until the next belongs to it (the MW/WFR
  // checkers' applied.csv `step`: changes of one step are one moment).
  std::uint64_t begin_step() { return ++step_; }
  std::uint64_t current_step() const { return step_; }
  // Stores report every change of a replica's state through these: the
  // observer (checkers) and the listeners (protocols' indexes).
  void notify_applied(const ReplicaCall& at, KeyId key, std::uint64_t digest, StateRank rank,
                      WriteId write = kNoWrite) const {
    if (at.observer) at.observer->on_applied(at.now, at.node, key, digest, rank, write);
    for (StoreListener* l : listeners_) l->on_state_changed(at.node, key, digest);
    if (at.node < cleared_.size()) cleared_[at.node] = 0;
  }
  // Every protocol that keeps replica state (gossip, merkle, quorum) clears
  // it when its node crashes with lose_state; the first clear counts, later
  // ones of the same crash are no-ops. clear() implementations start with it.
  bool clear_needed(NodeId node) const {
    if (node >= cleared_.size()) cleared_.resize(static_cast<std::size_t>(node) + 1, 0);
    if (cleared_[node]) return false;
    cleared_[node] = 1;
    return true;
  }
  // The base's own state (steps begun, replicas cleared), for hash_state.
  void hash_base(StateHasher& h) const {
    h.add(step_);
    h.add(cleared_.size());
    for (const std::uint8_t c : cleared_) h.add(c);
  }
  // Per-node lists of {key, state} in key order (the CRDT and cart stores),
  // each state by its encoding, which is canonical: replicas that merged the
  // same updates in different orders hash equal.
  template <class KeyStates, class Encode>
  static void hash_encoded(StateHasher& h, const std::vector<KeyStates>& nodes, Encode encode) {
    std::vector<std::uint64_t> words;
    for (const KeyStates& node : nodes) {
      h.add(node.size());
      for (const auto& k : node) {
        words.clear();
        encode(k.key, k.state, words);
        for (const std::uint64_t w : words) h.add(w);
      }
    }
  }
  void notify_cleared(const ReplicaCall& at) const {
    if (at.observer) at.observer->on_state_lost(at.now, at.node);
    for (StoreListener* l : listeners_) l->on_state_cleared(at.node);
  }

 private:
  std::vector<StoreListener*> listeners_;
  // Stores report unconditionally: without a run's hub they report to nobody.
  static ReplicaObserver& no_observer() {
    static ReplicaObserver none;  // stateless: every callback does nothing
    return none;
  }
  ReplicaObserver* observer_ = &no_observer();
  mutable std::vector<std::uint8_t> cleared_;  // per node: cleared, nothing applied since
  std::uint64_t step_ = 0;                     // steps begun so far

 public:

  // Crash with state loss: the replica forgets everything.
  virtual void clear(const ReplicaCall& at) = 0;

  // Session guarantees (protocols/clients/session.hpp) compare a replica's state with
  // what a session has seen. This default goes through read() (with no
  // observer); a store can answer more cheaply.
  virtual StateProbe probe(NodeId node, KeyId key) {
    const ReadResult r = read(ReplicaCall{node, 0, 0, nullptr}, key);
    return StateProbe{r.rank, r.write, r.found};
  }
};

}  // namespace ecsim
