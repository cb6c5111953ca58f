#include "sim/event_queue.h"

#if defined(__linux__)
#include <sys/mman.h>
#endif

#include <algorithm>
#include <cstdlib>

#include "sim/assert.h"

namespace brokersim::sim {

namespace {

constexpr std::size_t kPrefetchAhead = 8;
constexpr std::size_t kHuge = std::size_t{2} << 20;  // A transparent huge page.

// The level of a time whose highest bit differing from the base is bit `width - 1` (width: the
// bit_width of at ^ base), that is the 6-bit digit (EventQueue::kDigitBits) holding that bit.
constexpr std::array<std::uint8_t, 65> kLevelOfWidth = [] {
  std::array<std::uint8_t, 65> levels{};
  for (int width = 1; width <= 64; ++width) levels[width] = static_cast<std::uint8_t>((width - 1) / 6);
  return levels;
}();

}  // namespace

void* allocate_bytes(std::size_t bytes) {
  if (bytes < kHuge) return ::operator new(bytes);
  std::size_t const rounded = (bytes + kHuge - 1) / kHuge * kHuge;
  void* const p = std::aligned_alloc(kHuge, rounded);
  if (p == nullptr) throw std::bad_alloc();
#if defined(__linux__)
  ::madvise(p, rounded, MADV_HUGEPAGE);  // Advice: when refused, the pages are small.
#endif
  return p;
}

void deallocate_bytes(void* p, std::size_t bytes) noexcept {
  if (bytes < kHuge) {
    ::operator delete(p);
  } else {
    std::free(p);
  }
}

void EventQueue::append(Entry entry) {
  int const level = kLevelOfWidth[std::bit_width(static_cast<std::uint64_t>(entry.at ^ base_))];
  int const digit = static_cast<int>(static_cast<std::uint64_t>(entry.at) >> (level * kDigitBits)) & (kWidth - 1);
  buckets_[level * kWidth + digit].push_back(entry);
  occupied_[level] |= std::uint64_t{1} << digit;
}

EventId EventQueue::push(Time at, ActorId actor, std::uint32_t kind, std::uint64_t arg0, std::uint64_t arg1) {
  BROKERSIM_ASSERT(at >= 0);
  std::uint32_t slot = 0;
  std::uint64_t const sequence = next_sequence_++;
  if (free_slots_.empty()) {
    BROKERSIM_ASSERT(payloads_.size() <= UINT32_MAX);  // Slots are std::uint32_t.
    slot = static_cast<std::uint32_t>(payloads_.size());
    payloads_.push_back(Payload{actor, kind, arg0, arg1, sequence});
  } else {
    slot = free_slots_.back();
    free_slots_.pop_back();
    payloads_[slot] = Payload{actor, kind, arg0, arg1, sequence};
  }
  if (at < base_) [[unlikely]] rebase(at);
  append(Entry{at, slot});
  ++entries_;
  return EventId{sequence, slot};
}

void EventQueue::cancel(EventId id) {
  if (!pending(id)) return;  // Names no event, or one that has popped or was cancelled.
  BROKERSIM_ASSERT(id.sequence < next_sequence_);
  payloads_[id.slot].sequence = kNoSequence;
  ++tombstones_;
  BROKERSIM_ASSERT(tombstones_ <= entries_);
  if (tombstones_ >= compact_min_ && tombstones_ * 2 > entries_) compact();
}

void EventQueue::free_slot(std::uint32_t slot) {
  payloads_[slot].sequence = kNoSequence;  // A later cancel of this event finds it gone.
  free_slots_.push_back(slot);
}

void EventQueue::drop_tombstone(std::uint32_t slot) {
  free_slots_.push_back(slot);  // Its payload's sequence is already kNoSequence.
  --tombstones_;
  --entries_;
}

void EventQueue::drained(int digit) {
  buckets_[digit].clear();
  fronts_[digit] = 0;
  occupied_[0] &= ~(std::uint64_t{1} << digit);
}

Time EventQueue::next_time() {
  bool const live = settle();
  BROKERSIM_ASSERT(live);
  // Level 0 shares every digit but the lowest with the base.
  return (base_ & ~static_cast<Time>(kWidth - 1)) | std::countr_zero(occupied_[0]);
}

Event EventQueue::pop() {
  bool const live = settle();
  BROKERSIM_ASSERT(live);
  int const digit = std::countr_zero(occupied_[0]);
  std::vector<Entry>& bucket = buckets_[digit];
  std::size_t& front = fronts_[digit];
  Entry const entry = bucket[front];
  Payload const& payload = payloads_[entry.slot];
  Event const event{entry.at, payload.sequence, payload.actor, payload.kind, payload.arg0, payload.arg1};
  free_slot(entry.slot);
  --entries_;
  if (++front == bucket.size()) {
    drained(digit);
  } else {
    // A later pop's payload: in a big queue each is a cache miss, and one pop ahead is too late.
    __builtin_prefetch(&payloads_[bucket[std::min(front + kPrefetchAhead, bucket.size() - 1)].slot]);
    if (front >= kCompactMin && front * 2 >= bucket.size()) {
      // Events keep arriving at this microsecond as fast as they pop: drop the popped prefix.
      bucket.erase(bucket.begin(), bucket.begin() + static_cast<std::ptrdiff_t>(front));
      front = 0;
    }
  }
  return event;
}

bool EventQueue::settle_slow() {
  for (;;) {
    while (occupied_[0] != 0) {
      int const digit = std::countr_zero(occupied_[0]);
      std::vector<Entry>& bucket = buckets_[digit];
      std::size_t& front = fronts_[digit];
      for (; front < bucket.size(); ++front) {
        if (!is_tombstone(bucket[front])) return true;
        drop_tombstone(bucket[front].slot);
      }
      drained(digit);
    }
    if (!refill()) {
      BROKERSIM_ASSERT(entries_ == 0 && tombstones_ == 0);
      return false;
    }
  }
}

bool EventQueue::refill() {
  int level = 1;
  while (level < kLevels && occupied_[level] == 0) ++level;
  if (level == kLevels) return false;
  int const digit = std::countr_zero(occupied_[level]);
  occupied_[level] &= ~(std::uint64_t{1} << digit);
  // The new base: the old one's digits above `level`, `digit` at `level`, zeros below.
  int const shift = level * kDigitBits;
  Time const above = shift + kDigitBits >= 63 ? 0 : base_ >> (shift + kDigitBits) << (shift + kDigitBits);
  Time const base = above | static_cast<Time>(digit) << shift;
  BROKERSIM_ASSERT(base > base_);
  base_ = base;
  // Every entry shares the digits from `level` up with the new base, so it lands on a lower level.
  std::vector<Entry>& source = buckets_[level * kWidth + digit];
  for (Entry const& entry : source) {
    if (tombstones_ != 0 && is_tombstone(entry)) {
      drop_tombstone(entry.slot);
    } else {
      append(entry);
    }
  }
  source.clear();
  return true;
}

template <typename Visit>
void EventQueue::for_each_bucket(Visit visit) {
  for (int level = 0; level < kLevels; ++level) {
    for (std::uint64_t digits = occupied_[level]; digits != 0; digits &= digits - 1) {
      int const digit = std::countr_zero(digits);
      std::vector<Entry>& bucket = buckets_[level * kWidth + digit];
      visit(bucket, level == 0 ? fronts_[digit] : 0);
      if (bucket.empty()) occupied_[level] &= ~(std::uint64_t{1} << digit);
    }
  }
  fronts_.fill(0);
}

void EventQueue::rebase(Time at) {
  BROKERSIM_ASSERT(at < base_);
  std::vector<Entry> all;
  all.reserve(entries_);
  for_each_bucket([&](std::vector<Entry>& bucket, std::size_t front) {
    all.insert(all.end(), bucket.begin() + static_cast<std::ptrdiff_t>(front), bucket.end());
    bucket.clear();
  });
  BROKERSIM_ASSERT(all.size() == entries_);
  base_ = at;
  for (Entry const& entry : all) append(entry);  // Bucket by bucket, front to back: ties keep their order.
}

void EventQueue::compact() {
  std::size_t removed = 0;
  for_each_bucket([&](std::vector<Entry>& bucket, std::size_t front) {
    std::size_t kept = 0;
    for (std::size_t i = front; i < bucket.size(); ++i) {
      if (is_tombstone(bucket[i])) {
        free_slots_.push_back(bucket[i].slot);
        ++removed;
      } else {
        bucket[kept++] = bucket[i];
      }
    }
    bucket.resize(kept);
  });
  BROKERSIM_ASSERT(removed == tombstones_);
  entries_ -= removed;
  tombstones_ = 0;
}

}  // namespace brokersim::sim
