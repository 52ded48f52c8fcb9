#pragma once
// The client side of session guarantees (Terry et al., 1994; Bayou's session
// object): what a session has written and read, per key, and the check a
// replica makes before serving one of its requests. Also the write-through
// read-your-writes cache of popular articles, with its known holes.
//
// - RYW: a read of k is served only by a replica whose state of k is at least
//   the newest version the session wrote to k.
// - MR:  ... at least the newest version of k the session read.
// - MW:  a write is accepted only by a replica that holds every key the
//   session wrote at least at the version the session wrote.
// - WFR: ... every key the session read at least at the version it read.
// Versions are compared as the store orders them (StateRank, then write id).
// MW and WFR then hold at every replica because the accepting replica's
// timestamp source has seen what it holds (HLC, Lamport) and anti-entropy
// ships what it holds; with store.timestamps: physical a slow clock can still
// stamp the new write older, which the checkers report.
//
// The cache keeps a session's own acknowledged writes for cache_ttl and
// answers reads of those keys without asking a replica. Its holes, on
// purpose: another session (device) of the same client does not see it; once
// an entry expires the read goes to a replica that may be stale; and a cached
// write can hide a newer version the session already read from a replica
// (a monotonic-read violation) unless MR is enforced too.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "protocols/core/replica_store.hpp"

namespace ecsim {

// A version as a session remembers it, ordered like the store's versions.
struct SessionVersion {
  StateRank rank;
  WriteId write = kNoWrite;
  friend bool operator<(const SessionVersion& a, const SessionVersion& b) {
    return a.rank < b.rank || (a.rank == b.rank && a.write < b.write);
  }
  friend bool operator==(const SessionVersion&, const SessionVersion&) = default;
  static SessionVersion of(const StateProbe& p) { return p.found ? SessionVersion{p.rank, p.write} : SessionVersion{}; }
};

struct SessionGuarantees {
  bool ryw = false, mr = false, mw = false, wfr = false;
  static SessionGuarantees from_names(const std::vector<std::string>& names);
  bool any() const { return ryw || mr || mw || wfr; }
};

class SessionState {
 public:
  // After an acknowledged write / a successful read.
  void note_write(KeyId key, const SessionVersion& v);
  void note_read(KeyId key, const SessionVersion& v);

  // The version a replica must hold of `key` to serve this session's read of it.
  SessionVersion read_floor(KeyId key, const SessionGuarantees& g) const;
  // Whether `node` may serve the session's read of `key` / a write.
  bool can_read(ReplicaStore& store, NodeId node, KeyId key, const SessionGuarantees& g) const;
  bool can_write(ReplicaStore& store, NodeId node, const SessionGuarantees& g) const;

  struct CacheEntry {
    std::string value;
    std::string version;  // as ops.csv writes it
    SessionVersion v;
    SimTime expires_ns = 0;
  };
  void cache_write(KeyId key, CacheEntry entry);
  // The live entry for `key`, or nullptr (expired entries are dropped).
  const CacheEntry* cached(KeyId key, SimTime now_ns);
  void hash_state(StateHasher& h) const;

 private:
  static bool holds_all(ReplicaStore& store, NodeId node, const std::map<KeyId, SessionVersion>& floor);
  std::map<KeyId, SessionVersion> written_, read_;
  std::map<KeyId, CacheEntry> cache_;
};

}  // namespace ecsim
