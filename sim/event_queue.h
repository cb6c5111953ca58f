// The pending-event set: a radix heap (timing wheel) on event times, ties popped in insertion order.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <new>
#include <vector>

#include "sim/event.h"

namespace brokersim::sim {

// Allocates arrays of 2 MiB and more on 2 MiB boundaries and asks the kernel for transparent huge pages
// there (where it only gives them on request), smaller ones as usual. For an array read at random, as
// the queue's payloads are: with 4 KiB pages, a million payloads span 8,192 pages, more than the TLB
// holds, so nearly every pop also walked the page tables.
void* allocate_bytes(std::size_t bytes);  // For HugePageAllocator.
void deallocate_bytes(void* p, std::size_t bytes) noexcept;

template <typename T>
struct HugePageAllocator {
  using value_type = T;
  HugePageAllocator() = default;
  template <typename U>
  explicit HugePageAllocator(HugePageAllocator<U> const& /*other*/) noexcept {}
  T* allocate(std::size_t n) { return static_cast<T*>(allocate_bytes(n * sizeof(T))); }
  void deallocate(T* p, std::size_t n) noexcept { deallocate_bytes(p, n * sizeof(T)); }
  template <typename U>
  bool operator==(HugePageAllocator<U> const& /*other*/) const noexcept {
    return true;
  }
};

// Pops events in (at, sequence) order, so events scheduled for the same microsecond run in the order
// they were scheduled. A 4-ary heap walks log(n) cache lines per push and pop, which at a million
// pending events means a cache miss on most levels; this queue appends to and reads plain arrays (a
// radix heap with 6-bit digits, which is also a hierarchical timing wheel), so its cost barely grows
// with the number pending.
//
// It keeps a base time at or below every pending event. An event's level is the highest 6-bit digit in
// which its time differs from the base, and its bucket at that level is its own digit there; level 0's
// 64 buckets are therefore single microseconds, popped front to back. When level 0 is empty, the lowest
// occupied bucket of the lowest occupied level becomes the base (its first microsecond) and its events
// move down a level or more. An event moves at most once per level, 10 times in all; one 1 ms ahead
// moves once or twice, one 30 s ahead at most four times.
//
// Ties: entries are only appended, and a bucket is moved front to back into buckets that are empty
// (every lower level is), so events at the same time, always in the same bucket, stay in the order they
// were pushed, which is sequence order.
//
// The simulation never schedules before the last popped event, and the base never passes it — except
// after run_until stopped early, where a peek moved the base up to the next pending event; a push below
// the base then rebuilds every bucket around the new time (rare, and order is kept as above).
//
// Entries are 16 bytes (time and slot); payloads, with their sequence, stay put in a slab whose freed
// slots are reused. A cancelled event becomes a tombstone: its payload forgets its sequence, and the
// entry is dropped when it reaches the front of level 0 or moves down. Once tombstones are the majority
// of the entries (and at least `compact_min`), every bucket is filtered, so the pending set stays
// proportional to the live events (a timeout armed for every request and cancelled by its answer does
// not pile up). Filtering keeps each bucket's order, so pop order never changes.
class EventQueue {
 public:
  EventQueue() = default;
  // Compacts from `compact_min` tombstones on (tests compact early).
  explicit EventQueue(std::size_t compact_min) : compact_min_(compact_min) {}

  // Schedules an event (its sequence is assigned here) and returns its id for cancel().
  EventId push(Time at, ActorId actor, std::uint32_t kind, std::uint64_t arg0 = 0, std::uint64_t arg1 = 0);

  // Drops a pending event: it will not pop. An id of an event that already popped (its slot free or
  // reused by a later event) or a default EventId is ignored.
  void cancel(EventId id);
  // Whether `id` names an event still pending (not popped, not cancelled).
  bool pending(EventId id) const {
    return id.sequence != kNoSequence && id.slot < payloads_.size() && payloads_[id.slot].sequence == id.sequence;
  }

  // True when no live event is pending (cancelled ones left in the buckets are skipped lazily).
  bool empty() { return !settle(); }

  // The time of the next live event; the queue must not be empty.
  Time next_time();

  // Removes and returns the next live event; the queue must not be empty.
  Event pop();

  // Live pending events (tombstones not counted).
  std::size_t size() const { return entries_ - tombstones_; }
  // Entries in the buckets, tombstones included (at most about twice the live ones, or compact_min).
  std::size_t heap_entries() const { return entries_; }
  std::uint64_t pushed() const { return next_sequence_; }
  void reserve(std::size_t n) { payloads_.reserve(n); }

 private:
  // A payload's sequence when its slot is free or its event cancelled.
  static constexpr std::uint64_t kNoSequence = UINT64_MAX;
  // Tombstones are filtered out once there are at least this many and they outnumber live events.
  static constexpr std::size_t kCompactMin = 1024;
  static constexpr int kDigitBits = 6;
  static constexpr int kWidth = 1 << kDigitBits;  // Buckets per level: one bit each in a 64-bit word.
  static constexpr int kLevels = 11;              // 66 bits: times are non-negative int64 (63 bits).

  struct Entry {
    Time at;
    std::uint32_t slot;
  };
  struct Payload {
    ActorId actor;
    std::uint32_t kind;
    std::uint64_t arg0;
    std::uint64_t arg1;
    std::uint64_t sequence;  // The pending event's, or kNoSequence: free, or a tombstone in a bucket.
  };

  // Appends to the bucket of `entry.at` (>= base_).
  void append(Entry entry);
  // Makes the front of level 0 the next live event; false when none is pending. Inline: the event loop
  // asks three times per event (empty, next_time, pop), and almost always level 0 is ready.
  bool settle() {
    if (occupied_[0] != 0) [[likely]] {
      int const digit = std::countr_zero(occupied_[0]);
      if (tombstones_ == 0 || !is_tombstone(buckets_[digit][fronts_[digit]])) return true;
    }
    return settle_slow();
  }
  bool settle_slow();
  // Level 0 is empty: moves the base to the lowest occupied bucket above and its events down.
  // False when there is none.
  bool refill();
  // A push earlier than the base: moves the base down to `at` and re-buckets every entry.
  void rebase(Time at);
  bool is_tombstone(Entry entry) const { return payloads_[entry.slot].sequence == kNoSequence; }
  void free_slot(std::uint32_t slot);
  // Removes a tombstone's entry (already taken out of its bucket) and frees its slot.
  void drop_tombstone(std::uint32_t slot);
  // Level 0's bucket `digit` has popped its last entry.
  void drained(int digit);
  // Filters the tombstones out of every bucket, keeping each bucket's order.
  void compact();
  // Calls visit(bucket, index of its first pending entry) for every non-empty bucket, which leaves it
  // emptied or rewritten from its start; a bucket left empty is marked so, and level 0's fronts reset.
  template <typename Visit>
  void for_each_bucket(Visit visit);

  // Level l's bucket d is buckets_[l * kWidth + d]; level 0's are read from fronts_[d] on.
  std::array<std::vector<Entry>, kLevels * kWidth> buckets_;
  std::array<std::uint64_t, kLevels> occupied_{};  // Bit d of word l: bucket d of level l is not empty.
  std::array<std::size_t, kWidth> fronts_{};
  Time base_ = 0;            // At or below every pending event's time.
  std::size_t entries_ = 0;  // In the buckets (level 0's from their fronts), tombstones included.
  std::vector<Payload, HugePageAllocator<Payload>> payloads_;
  std::vector<std::uint32_t> free_slots_;
  std::size_t tombstones_ = 0;  // Cancelled events still in the buckets.
  std::uint64_t next_sequence_ = 0;
  std::size_t compact_min_ = kCompactMin;
};

}  // namespace brokersim::sim
