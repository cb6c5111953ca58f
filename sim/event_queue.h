// The pending-event set: a 4-ary min-heap of small events ordered by (time, insertion sequence).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "sim/event.h"

namespace brokersim::sim {

// Pops events in (at, sequence) order, so events scheduled for the same microsecond run in the order
// they were scheduled. The heap holds 16-byte keys — the time, and the sequence number with the slot of
// the event's payload in its low bits — so sifting moves little memory; payloads stay put in a slab
// whose freed slots are reused. A 4-ary heap halves the depth of a binary one.
//
// The slot field starts at 24 bits (16.7 million events pending at once) and widens by one bit whenever
// the slab outgrows it, up to 32, so no scenario runs into a fixed bound on pending events; each bit the
// slots take is one fewer for sequence numbers (2^40 events pushed over a run at 24 bits, 2^32 at 32).
//
// A cancelled event becomes a tombstone: its payload forgets its sequence, and it is dropped when it
// reaches the top. Once tombstones are the majority of a large heap, the heap is rebuilt without them,
// so the pending set stays proportional to the live events (a timeout armed for every request and
// cancelled by its answer does not pile up). Rebuilding changes the heap's layout, never the order in
// which events pop: keys are unique, and every pop takes the smallest.
class EventQueue {
 public:
  EventQueue() = default;
  // Starts with room for 2^slot_bits pending events before the first widening, and compacts from
  // `compact_min` tombstones on (tests widen and compact early).
  explicit EventQueue(int slot_bits, std::size_t compact_min = kCompactMin)
      : slot_bits_(slot_bits), slot_mask_((std::uint64_t{1} << slot_bits) - 1), compact_min_(compact_min) {}

  // Schedules an event (its sequence is assigned here) and returns its id for cancel().
  EventId push(Time at, ActorId actor, std::uint32_t kind, std::uint64_t arg0 = 0, std::uint64_t arg1 = 0);

  // Drops a pending event: it will not pop. An id of an event that already popped (its slot free or
  // reused by a later event) or a default EventId is ignored.
  void cancel(EventId id);
  // Whether `id` names an event still pending (not popped, not cancelled).
  bool pending(EventId id) const {
    return id.sequence != kNoSequence && id.slot < payloads_.size() && payloads_[id.slot].sequence == id.sequence;
  }

  // True when no live event is pending (cancelled ones left in the heap are skipped lazily).
  bool empty();

  // The time of the next live event; the queue must not be empty.
  Time next_time();

  // Removes and returns the next live event; the queue must not be empty.
  Event pop();

  // Live pending events (tombstones not counted).
  std::size_t size() const { return heap_.size() - tombstones_; }
  // Entries in the heap, tombstones included (at most about twice the live ones, or kCompactMin).
  std::size_t heap_entries() const { return heap_.size(); }
  std::uint64_t pushed() const { return next_sequence_; }
  void reserve(std::size_t n);

 private:
  static constexpr int kInitialSlotBits = 24;
  // A payload's sequence when its slot is free or its event cancelled.
  static constexpr std::uint64_t kNoSequence = UINT64_MAX;
  // The heap is rebuilt once it holds at least this many tombstones and they outnumber live events.
  static constexpr std::size_t kCompactMin = 1024;
  static constexpr int kMaxSlotBits = 32;  // Slots are std::uint32_t.

  // (at << 64) | (sequence << kSlotBits) | slot: one 128-bit comparison orders by time, then by
  // sequence (unique, so it decides ties); the compiler turns it into branch-free code.
  __extension__ typedef unsigned __int128 Key;
  struct Payload {
    ActorId actor;
    std::uint32_t kind;
    std::uint64_t arg0;
    std::uint64_t arg1;
    std::uint64_t sequence;  // The pending event's, or kNoSequence: free, or a tombstone in the heap.
  };

  static Key make_key(Time at, std::uint64_t order) { return (static_cast<Key>(at) << 64) | order; }
  static Time time_of(Key key) { return static_cast<Time>(key >> 64); }
  static std::uint64_t order_of(Key key) { return static_cast<std::uint64_t>(key); }
  void sift_up(std::size_t index);
  void sift_down(std::size_t index);
  void remove_top();
  void skip_cancelled();
  bool is_tombstone(Key key) const { return payloads_[slot_of(key)].sequence != sequence_of(key); }
  // Rebuilds the heap without its tombstones (Floyd's bottom-up heap construction).
  void compact();
  // Makes room for twice as many slots: rewrites every key with one more slot bit. The keys keep their
  // relative order (the sequence still sits above the slot), so the heap stays a heap.
  void widen_slots();
  std::uint64_t sequence_of(Key key) const { return order_of(key) >> slot_bits_; }
  std::uint32_t slot_of(Key key) const { return static_cast<std::uint32_t>(order_of(key) & slot_mask_); }

  std::vector<Key> heap_;
  std::vector<Payload> payloads_;
  std::vector<std::uint32_t> free_slots_;
  std::size_t tombstones_ = 0;  // Cancelled events still in the heap.
  std::uint64_t next_sequence_ = 0;
  int slot_bits_ = kInitialSlotBits;
  std::uint64_t slot_mask_ = (std::uint64_t{1} << kInitialSlotBits) - 1;
  std::size_t compact_min_ = kCompactMin;
};

}  // namespace brokersim::sim
