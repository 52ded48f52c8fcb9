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
#include <algorithm>
#include <cstdint>
#include <memory>
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
    return static_cast<SimTime>(lowest_key(lowest_bucket()));
  }

  // Every pending event in the order they will pop (state hashing only: it
  // copies the queue). Equal times share a bucket in push order (current_
  // holds those at the reference time), so a stable sort by time of the
  // buckets' contents is the pop order.
  std::vector<Event> pending_in_order() const {
    std::vector<Event> out(current_.begin() + static_cast<std::ptrdiff_t>(head0_), current_.end());
    for (const Bucket& bucket : bucket_)
      for (const Block* blk = bucket.head; blk; blk = blk->next) out.insert(out.end(), blk->events, blk->events + blk->count);
    std::stable_sort(out.begin(), out.end(), [](const Event& l, const Event& r) { return l.time < r.time; });
    return out;
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
      const std::uint64_t lowest = lowest_key(b);
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

  // A bucket is a FIFO list of fixed-size blocks from one pool: filling it
  // never copies what it holds (a growing vector did, and kept its peak
  // capacity), and a redistributed bucket's blocks go straight back to the
  // pool, where the next bucket to fill reuses them while still in cache.
  static constexpr std::uint32_t kBlockEvents = 64;
  struct Block {
    Block* next;
    std::uint32_t count;
    Event events[kBlockEvents];
  };
  struct Bucket {
    Block* head = nullptr;
    Block* tail = nullptr;
  };

  Block* new_block() {
    if (!free_) {
      constexpr std::size_t kSlab = 64;  // blocks per allocation
      slabs_.push_back(std::make_unique<Block[]>(kSlab));
      for (std::size_t i = 0; i < kSlab; ++i) {
        slabs_.back()[i].next = free_;
        free_ = &slabs_.back()[i];
      }
    }
    Block* blk = free_;
    free_ = blk->next;
    blk->next = nullptr;
    blk->count = 0;
    return blk;
  }

  // Bucket level * kDigits + digit: a lower index holds only earlier times.
  [[gnu::always_inline]] void place(const Event& e) {
    const auto key = static_cast<std::uint64_t>(e.time);
    const std::uint64_t diff = key ^ last_;
    if (diff == 0) {
      current_.push_back(e);
      return;
    }
    const int level = (63 - __builtin_clzll(diff)) / kDigitBits;
    const int b = level * kDigits + (static_cast<int>(key >> (level * kDigitBits)) & (kDigits - 1));
    Bucket& bucket = bucket_[b];
    if (!bucket.tail) {
      bucket.head = bucket.tail = new_block();
    } else if (bucket.tail->count == kBlockEvents) {
      bucket.tail->next = new_block();
      bucket.tail = bucket.tail->next;
    }
    if (bucket.tail->count == 0) {  // was empty (a drained bucket keeps its first block)
      bits_[b >> 6] |= std::uint64_t{1} << (b & 63);
      words_ |= std::uint64_t{1} << (b >> 6);
    }
    bucket.tail->events[bucket.tail->count++] = e;
  }

  // The earliest non-empty bucket; some bucket must be non-empty.
  int lowest_bucket() const {
    const int w = __builtin_ctzll(words_);
    return w * 64 + __builtin_ctzll(bits_[w]);
  }

  std::uint64_t lowest_key(int b) const {
    std::uint64_t lowest = ~std::uint64_t{0};
    for (const Block* blk = bucket_[b].head; blk; blk = blk->next)
      for (std::uint32_t i = 0; i < blk->count; ++i) {
        const auto t = static_cast<std::uint64_t>(blk->events[i].time);
        lowest = t < lowest ? t : lowest;
      }
    return lowest;
  }

  // Makes current_ non-empty by redistributing the earliest bucket.
  void refill() {
    if (head0_ < current_.size()) return;
    const int b = lowest_bucket();
    redistribute(b, lowest_key(b));
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
    Block* const first = bucket_[b].head;
    last_ = lowest;
    // Nothing is placed back into bucket b (its events all go lower), so it
    // can be read while the others fill; it keeps its first block, emptied
    // (a small bucket then never goes back to the pool), the rest go back.
    for (Block* blk = first; blk;) {
      for (std::uint32_t i = 0; i < blk->count; ++i) place(blk->events[i]);  // in order: keeps FIFO among equal times
      Block* next = blk->next;
      if (blk != first) {
        blk->next = free_;
        free_ = blk;
      }
      blk = next;
    }
    first->next = nullptr;
    first->count = 0;
    bucket_[b].tail = first;
  }

  std::vector<Event> current_;  // events at time last_, popped from head0_ on
  std::size_t head0_ = 0;
  Bucket bucket_[kBuckets];
  std::uint64_t bits_[kWords] = {};  // bit b set <=> bucket_[b] non-empty
  std::uint64_t words_ = 0;          // bit w set <=> bits_[w] != 0
  std::vector<std::unique_ptr<Block[]>> slabs_;  // the block pool's storage
  Block* free_ = nullptr;                        // unused blocks, linked by next
  std::uint64_t last_ = 0;
  std::size_t size_ = 0;
  std::uint64_t pushed_ = 0;
};

}  // namespace ecsim
