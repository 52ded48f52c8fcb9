#pragma once
// What an anti-entropy protocol and the clients need from a replicated data
// type, for every replica at once (state in flat per-node arrays). A new data
// type (issue: CRDTs, MV-registers) implements this interface; gossip and
// the client driver stay unchanged.
//
// Wire format: digests and entries are lists of 64-bit words; their layout
// belongs to the store. Keys are dense KeyIds (protocols/keyspace.hpp).
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "sim/observer.hpp"
#include "sim/scenario.hpp"

namespace ecsim {

// Where and when a store operation happens, and who is told about it.
struct ReplicaCall {
  NodeId node;
  SimTime now;         // true time, for observations only
  SimTime local_time;  // the node's clock, for timestamps
  Observer* observer;
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

  // Crash with state loss: the replica forgets everything.
  virtual void clear(const ReplicaCall& at) = 0;

  // Session guarantees (protocols/session.hpp) compare a replica's state with
  // what a session has seen. This default goes through read() (with no
  // observer); a store can answer more cheaply.
  virtual StateProbe probe(NodeId node, KeyId key) {
    const ReadResult r = read(ReplicaCall{node, 0, 0, nullptr}, key);
    return StateProbe{r.rank, r.write, r.found};
  }
};

}  // namespace ecsim
