#pragma once
// The kernel's event queue: a radix heap over integer time with FIFO
// buckets. Simulated time never goes backwards, which is exactly the
// monotone-key condition a radix heap needs, and it costs far fewer cache
// misses than a comparison heap at millions of pending events (measured in
// bench/: ~3x over a 4-ary heap at 1M nodes).
//
// Buckets are by 8-bit digit, not by bit: an event waits in the bucket of
// the highest digit where its time differs from the last popped time, under
// that digit's value (8 levels x 256 values). Each time its bucket becomes
// the earliest it moves at least one level down, so an event moves at most
// 8 times, where the binary radix heap moved it about once per bit of its
// distance (bench/README.md, issue 12: 10% fewer instructions in all).
//
// Order is total and deterministic: events pop by time, and
// events with equal time pop in the order they were pushed. Equal keys
// always share a bucket and redistribution keeps bucket order, so FIFO among
// equal times holds without storing a sequence number.
#include <cstdint>
#include <vector>

#include "sim/time.hpp"

namespace ecsim {

enum class EventKind : std::uint16_t {
  deliver,    // a: message slot
  timer,      // a: node, x: (node epoch << 32) | tag, d: protocol index
  component,  // d: component index, x: payload, a: aux
};

struct Event {
  SimTime time;
  std::uint64_t x;
  std::uint32_t a;
  EventKind kind;
  std::uint16_t d;
};
static_assert(sizeof(Event) == 24, "events stay small: they are copied on every bucket move");

class EventQueue {
 public:
  bool empty() const { return size_ == 0; }
  std::size_t size() const { return size_; }
  std::uint64_t pushed_total() const { return pushed_; }

  // Precondition: e.time >= the time of the last popped event (the kernel
  // guarantees more: e.time >= now, and now >= the last popped time).
  void push(const Event& e) {
    place(e);
    ++size_;
    ++pushed_;
  }

  // Earliest event's time; queue must not be empty. A pure peek: it does not
  // move the reference (last_), because a caller that peeks and then stops
  // (run(until)) may still push events earlier than the peeked one, and the
  // radix heap requires every key >= the reference.
  SimTime next_time() const {
    if (head0_ < current_.size()) return current_[head0_].time;
    return static_cast<SimTime>(lowest_key(bucket_[lowest_bucket()]));
  }

  Event pop() {
    refill();
    --size_;
    return current_[head0_++];
  }

  // The kernel's hot path: pops the earliest event into `out` if its time is
  // <= limit, else returns false and leaves the queue exactly as it was. The
  // reference only advances when an event is actually popped, so the check
  // costs one comparison on top of pop() (no second scan of the bucket).
  bool pop_not_after(SimTime limit, Event& out) {
    if (head0_ == current_.size()) {
      if (words_ == 0) return false;  // empty
      const int b = lowest_bucket();
      const std::uint64_t lowest = lowest_key(bucket_[b]);
      if (static_cast<SimTime>(lowest) > limit) return false;
      redistribute(b, lowest);
    } else if (current_[head0_].time > limit) {
      return false;
    }
    --size_;
    out = current_[head0_++];
    return true;
  }

 private:
  static constexpr int kDigitBits = 8;  // 4 and 6 measured slower (bench/README.md, issue 12)
  static constexpr int kDigits = 1 << kDigitBits;
  static constexpr int kLevels = (64 + kDigitBits - 1) / kDigitBits;
  static constexpr int kBuckets = kLevels * kDigits;
  static constexpr int kWords = (kBuckets + 63) / 64;
  static_assert(kWords <= 64);

  // Bucket level * kDigits + digit: a lower index holds only earlier times.
  void place(const Event& e) {
    const auto key = static_cast<std::uint64_t>(e.time);
    const std::uint64_t diff = key ^ last_;
    if (diff == 0) {
      current_.push_back(e);
      return;
    }
    const int level = (63 - __builtin_clzll(diff)) / kDigitBits;
    const int b = level * kDigits + (static_cast<int>(key >> (level * kDigitBits)) & (kDigits - 1));
    bucket_[b].push_back(e);
    bits_[b >> 6] |= std::uint64_t{1} << (b & 63);
    words_ |= std::uint64_t{1} << (b >> 6);
  }

  // The earliest non-empty bucket; some bucket must be non-empty.
  int lowest_bucket() const {
    const int w = __builtin_ctzll(words_);
    return w * 64 + __builtin_ctzll(bits_[w]);
  }

  static std::uint64_t lowest_key(const std::vector<Event>& src) {
    std::uint64_t lowest = static_cast<std::uint64_t>(src[0].time);
    for (const Event& e : src) lowest = static_cast<std::uint64_t>(e.time) < lowest ? static_cast<std::uint64_t>(e.time) : lowest;
    return lowest;
  }

  // Makes current_ non-empty by redistributing the earliest bucket.
  void refill() {
    if (head0_ < current_.size()) return;
    const int b = lowest_bucket();
    redistribute(b, lowest_key(bucket_[b]));
  }

  // Moves the reference to `lowest` (the minimum key of bucket b, the
  // earliest non-empty bucket, with current_ drained) and re-places bucket
  // b's events, all into lower levels. Only called when that minimum is
  // about to be popped.
  void redistribute(int b, std::uint64_t lowest) {
    current_.clear();
    head0_ = 0;
    bits_[b >> 6] &= ~(std::uint64_t{1} << (b & 63));
    if (bits_[b >> 6] == 0) words_ &= ~(std::uint64_t{1} << (b >> 6));
    std::vector<Event>& src = bucket_[b];
    last_ = lowest;
    for (const Event& e : src) place(e);  // in order: keeps FIFO among equal times
    // Large buckets give memory back, else each of the 2048 keeps its peak
    // capacity forever: a gossip round at 1M nodes passes 16k timers through
    // each of the 256 buckets a level up from the bottom (200 MB kept at 1M
    // nodes with a limit of 64k events; 24 KB a bucket at most with 1k).
    if (src.capacity() > 1024)
      std::vector<Event>().swap(src);
    else
      src.clear();
  }

  std::vector<Event> current_;  // events at time last_, popped from head0_ on
  std::size_t head0_ = 0;
  std::vector<Event> bucket_[kBuckets];
  std::uint64_t bits_[kWords] = {};  // bit b set <=> bucket_[b] non-empty
  std::uint64_t words_ = 0;          // bit w set <=> bits_[w] != 0
  std::uint64_t last_ = 0;
  std::size_t size_ = 0;
  std::uint64_t pushed_ = 0;
};

}  // namespace ecsim
