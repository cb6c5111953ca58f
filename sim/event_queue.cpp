#include "sim/event_queue.h"

#include "sim/assert.h"

namespace brokersim::sim {

namespace {
constexpr std::size_t kArity = 4;
}

EventId EventQueue::push(Time at, ActorId actor, std::uint32_t kind, std::uint64_t arg0, std::uint64_t arg1) {
  BROKERSIM_ASSERT(at >= 0);
  std::uint32_t slot = 0;
  if (free_slots_.empty()) {
    if (payloads_.size() > slot_mask_) widen_slots();
    slot = static_cast<std::uint32_t>(payloads_.size());
    payloads_.push_back(Payload{actor, kind, arg0, arg1, kNoSequence});
  } else {
    slot = free_slots_.back();
    free_slots_.pop_back();
    payloads_[slot] = Payload{actor, kind, arg0, arg1, kNoSequence};
  }
  BROKERSIM_ASSERT(next_sequence_ < (std::uint64_t{1} << (64 - slot_bits_)));
  std::uint64_t const sequence = next_sequence_++;
  payloads_[slot].sequence = sequence;
  heap_.push_back(make_key(at, (sequence << slot_bits_) | slot));
  sift_up(heap_.size() - 1);
  return EventId{sequence, slot};
}

void EventQueue::widen_slots() {
  BROKERSIM_ASSERT(slot_bits_ < kMaxSlotBits);
  int const wider = slot_bits_ + 1;
  BROKERSIM_ASSERT(next_sequence_ < (std::uint64_t{1} << (64 - wider)));
  for (Key& key : heap_) key = make_key(time_of(key), (sequence_of(key) << wider) | slot_of(key));
  slot_bits_ = wider;
  slot_mask_ = (std::uint64_t{1} << wider) - 1;
}

void EventQueue::reserve(std::size_t n) {
  heap_.reserve(n);
  payloads_.reserve(n);
}

void EventQueue::cancel(EventId id) {
  if (!pending(id)) return;  // Names no event, or one that has popped or was cancelled.
  BROKERSIM_ASSERT(id.sequence < next_sequence_);
  payloads_[id.slot].sequence = kNoSequence;
  ++tombstones_;
  BROKERSIM_ASSERT(tombstones_ <= heap_.size());
  if (tombstones_ >= compact_min_ && tombstones_ * 2 > heap_.size()) compact();
}

void EventQueue::compact() {
  std::size_t kept = 0;
  for (Key const key : heap_) {
    if (is_tombstone(key)) {
      free_slots_.push_back(slot_of(key));
    } else {
      heap_[kept++] = key;
    }
  }
  BROKERSIM_ASSERT(heap_.size() - kept == tombstones_);
  heap_.resize(kept);
  tombstones_ = 0;
  if (kept > 1) {
    for (std::size_t parent = (kept - 2) / kArity + 1; parent-- > 0;) sift_down(parent);
  }
}

bool EventQueue::empty() {
  skip_cancelled();
  return heap_.empty();
}

Time EventQueue::next_time() {
  skip_cancelled();
  BROKERSIM_ASSERT(!heap_.empty());
  return time_of(heap_.front());
}

Event EventQueue::pop() {
  skip_cancelled();
  BROKERSIM_ASSERT(!heap_.empty());
  Key const top = heap_.front();
  Payload const& payload = payloads_[slot_of(top)];
  Event const event{time_of(top), sequence_of(top), payload.actor, payload.kind, payload.arg0, payload.arg1};
  remove_top();
  return event;
}

void EventQueue::skip_cancelled() {
  while (tombstones_ > 0 && !heap_.empty() && is_tombstone(heap_.front())) {
    --tombstones_;
    remove_top();
  }
}

void EventQueue::remove_top() {
  std::uint32_t const slot = slot_of(heap_.front());
  payloads_[slot].sequence = kNoSequence;  // A later cancel of this event finds it gone.
  free_slots_.push_back(slot);
  heap_.front() = heap_.back();
  heap_.pop_back();
  if (!heap_.empty()) sift_down(0);
}

void EventQueue::sift_up(std::size_t index) {
  Key const moving = heap_[index];
  while (index > 0) {
    std::size_t const parent = (index - 1) / kArity;
    if (!(moving < heap_[parent])) break;
    heap_[index] = heap_[parent];
    index = parent;
  }
  heap_[index] = moving;
}

void EventQueue::sift_down(std::size_t index) {
  std::size_t const count = heap_.size();
  Key const moving = heap_[index];
  for (;;) {
    std::size_t const first = index * kArity + 1;
    if (first >= count) break;
    std::size_t best = first;
    if (first + 3 < count) {
      // A full set of four children: a tournament of selects rather than a chain of branches.
      std::size_t const left = heap_[first + 1] < heap_[first] ? first + 1 : first;
      std::size_t const right = heap_[first + 3] < heap_[first + 2] ? first + 3 : first + 2;
      best = heap_[right] < heap_[left] ? right : left;
    } else {
      for (std::size_t child = first + 1; child < count; ++child) best = heap_[child] < heap_[best] ? child : best;
    }
    if (!(heap_[best] < moving)) break;
    heap_[index] = heap_[best];
    index = best;
  }
  heap_[index] = moving;
}

}  // namespace brokersim::sim
