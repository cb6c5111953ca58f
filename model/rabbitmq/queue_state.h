// One RabbitMQ queue's message state (classic or quorum): ready messages, unacked deliveries, TTL,
// max-length, requeue and the quorum delivery limit. No networking and no events: the broker node
// drives it and decides what a removal means (dead-letter or drop).
//
// Modelled on RabbitMQ 4.0-4.2 (quorum machine version 4-7); the source each rule comes from is named
// where the rule is applied. The one 4.3 change that matters here (the delivery limit counts failed
// deliveries only, and basic.nack stops counting) is noted at QueueState::reject and not modelled.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <utility>
#include <vector>

#include "sim/assert.h"
#include "sim/time.h"

namespace brokersim::model::rabbitmq {

enum class QueueKind : std::uint8_t { classic, quorum };

// x-overflow. reject-publish-dlx behaves as reject-publish here; the caller dead-letters the refused message.
enum class Overflow : std::uint8_t { drop_head, reject_publish };

// Why a message left the queue without an ack: rabbit_dead_letter's reasons. The caller dead-letters it
// when the queue has a dead-letter exchange and drops it otherwise.
enum class RemovalReason : std::uint8_t { rejected, expired, maxlen, delivery_limit };

struct Removed {
  std::uint32_t message;
  RemovalReason reason;
  std::uint64_t sequence;  // The queue copy's enqueue sequence (QueuedMessage::sequence).
};

inline constexpr sim::Time kNoExpiry = std::numeric_limits<sim::Time>::max();
inline constexpr sim::Time kNoTtl = -1;
inline constexpr std::int64_t kUnlimited = -1;
// rabbit_fifo 4.0+ and quorum-queues.md: "the delivery limit for quorum queues defaults to 20".
inline constexpr std::int64_t kDefaultQuorumDeliveryLimit = 20;

struct QueueConfig {
  QueueKind kind = QueueKind::classic;
  sim::Time message_ttl = kNoTtl;       // x-message-ttl; kNoTtl: none.
  std::int64_t max_length = kUnlimited;  // x-max-length, in READY messages; kUnlimited: none.
  Overflow overflow = Overflow::drop_head;
  // x-delivery-limit, quorum only (classic queues have none); kUnlimited is x-delivery-limit=-1.
  std::int64_t delivery_limit = kDefaultQuorumDeliveryLimit;
};

// One queue copy of a message. 32 bytes: a million ready messages fit in 32 MB.
struct QueuedMessage {
  std::uint64_t sequence;    // Enqueue order: a classic requeue goes back to this position.
  sim::Time enqueued_at;
  sim::Time expires_at;      // kNoExpiry without TTL.
  std::uint32_t id;          // The simulator's global message index.
  // Returns so far (reject/nack with requeue, channel close): quorum 4.0's acquired_count, which it
  // sends as x-delivery-count and checks against the delivery limit. Classic queues keep no count
  // (only is_delivered); it is kept here for both so that the caller can observe it.
  std::uint32_t delivery_count;

  // Both kinds set the redelivered flag exactly when the message was returned before (quorum:
  // rabbit_fifo_client `Redelivered = AcqCount > 0`; classic: is_delivered, set on first delivery).
  bool redelivered() const { return delivery_count > 0; }
};
static_assert(sizeof(QueuedMessage) == 32, "per-message metadata must stay compact");

using ConsumerId = std::uint32_t;
// Queue-scoped handle of one unacked delivery, increasing by one per delivery from 0. The channel maps
// its own (per-channel) AMQP delivery tags onto these.
using DeliveryTag = std::uint64_t;

struct QueueDelivery {
  DeliveryTag tag;
  QueuedMessage message;
};

enum class EnqueueOutcome : std::uint8_t { accepted, refused };

// A FIFO ring over a power-of-two vector: O(1) push_back/pop_front and no allocation in steady state
// (std::deque allocates and frees blocks as it moves).
template <typename T>
class Ring {
 public:
  bool empty() const { return size_ == 0; }
  std::size_t size() const { return size_; }
  T& operator[](std::size_t i) { return slots_[(head_ + i) & (slots_.size() - 1)]; }
  T const& operator[](std::size_t i) const { return slots_[(head_ + i) & (slots_.size() - 1)]; }
  T& front() { return (*this)[0]; }
  T const& front() const { return (*this)[0]; }
  T& back() { return (*this)[size_ - 1]; }
  T const& back() const { return (*this)[size_ - 1]; }
  void push_back(T const& value) {
    if (size_ == slots_.size()) grow();
    slots_[(head_ + size_) & (slots_.size() - 1)] = value;
    ++size_;
  }
  void pop_front() {
    BROKERSIM_ASSERT(size_ > 0);
    head_ = (head_ + 1) & (slots_.size() - 1);
    --size_;
  }
  void pop_back() {
    BROKERSIM_ASSERT(size_ > 0);
    --size_;
  }
  void clear() { head_ = size_ = 0; }
  // Keeps the order of the elements that stay.
  template <typename Pred>
  void remove_if(Pred remove) {
    std::size_t kept = 0;
    for (std::size_t i = 0; i < size_; ++i) {
      if (!remove((*this)[i])) (*this)[kept++] = (*this)[i];
    }
    size_ = kept;
  }

 private:
  void grow() {
    std::vector<T> bigger(slots_.empty() ? 16 : slots_.size() * 2);
    for (std::size_t i = 0; i < size_; ++i) bigger[i] = (*this)[i];
    slots_ = std::move(bigger);
    head_ = 0;
  }
  std::vector<T> slots_;
  std::size_t head_ = 0;
  std::size_t size_ = 0;
};

// Every operation that can remove messages appends them to a caller-owned `removed` vector (cleared by
// the caller), so the steady state allocates nothing.
class QueueState {
 public:
  explicit QueueState(QueueConfig const& config);

  // A publish reaching the queue. `message_ttl` is the message's own expiration property (kNoTtl:
  // none); the lower of it and the queue's TTL applies. Refused only under reject-publish. Drop-head
  // and the head TTL sweep report into `removed`, possibly the new message itself (max_length 0, TTL 0).
  EnqueueOutcome enqueue(std::uint32_t message, sim::Time now, std::vector<Removed>& removed,
                         sim::Time message_ttl = kNoTtl);

  // A queue rebuilt from what survived (a classic queue's disk at a restart, a new quorum leader's log):
  // a copy enqueued at `enqueued_at` and returned `delivery_count` times so far, appended ready in order.
  // No length limit applies: the copies were accepted once, and the limit acts at the next publish.
  void restore(std::uint32_t message, std::uint32_t delivery_count, sim::Time enqueued_at);
  // Expires the head, then hands the head ready message to `consumer` as an unacked delivery;
  // nullopt when no ready message is left.
  std::optional<QueueDelivery> deliver(ConsumerId consumer, sim::Time now, std::vector<Removed>& removed);

  QueuedMessage ack(DeliveryTag tag);
  // basic.reject and basic.nack (one tag). requeue=false: removed with reason `rejected`. Returns the
  // copy as it was delivered.
  QueuedMessage reject(DeliveryTag tag, bool requeue, sim::Time now, std::vector<Removed>& removed);
  // Channel close or crash, consumer_timeout, consumer cancel with the channel gone: every unacked
  // delivery of `consumer` goes back, in delivery-tag order. O(unacked window). `returned`, if given,
  // receives the sequence of each copy returned (some may then be removed past the delivery limit).
  void requeue_all_of(ConsumerId consumer, sim::Time now, std::vector<Removed>& removed,
                      std::vector<std::uint64_t>* returned = nullptr);
  // The head TTL sweep, for the node's timer at head_expiry().
  void expire_due(sim::Time now, std::vector<Removed>& removed);

  // queue.purge: every ready message goes (not dead-lettered); unacked deliveries stay
  // (rabbit_variable_queue:purge returns `len`, the ready count, and keeps pending acks).
  std::size_t purge(std::vector<std::uint32_t>& purged);

  // A node lost data it had not flushed: every queued copy, ready or unacked, for which
  // `is_lost(QueuedMessage const&)` holds vanishes without trace. The node decides what was on disk.
  template <typename IsLost>
  void drop_unpersisted(IsLost is_lost, std::vector<std::uint32_t>& lost);

  // The sequence of the last copy enqueued.
  std::uint64_t last_sequence() const {
    BROKERSIM_ASSERT(next_sequence_ > 0);
    return next_sequence_ - 1;
  }
  // Every message the queue holds: the ready ones, then the unacked ones by tag.
  template <typename Visit>
  void for_each_held(Visit visit) const {
    for (std::size_t i = 0; i < returns_.size(); ++i) visit(returns_[i].id);
    for (std::size_t i = 0; i < main_.size(); ++i) visit(main_[i].id);
    for (std::size_t i = 0; i < unacked_.size(); ++i) {
      if (unacked_[i].consumer != kSettled) visit(unacked_[i].message.id);
    }
  }

  std::size_t ready_count() const { return main_.size() + returns_.size(); }
  std::size_t unacked_count() const { return unacked_count_; }
  std::size_t depth() const { return ready_count() + unacked_count_; }
  // The head ready message's deadline (kNoExpiry: none). Only the head expires, so the node needs one
  // timer, re-armed after each operation (rabbit_fifo timer_effect, classic ensure_ttl_timer).
  sim::Time head_expiry() const;
  // Quorum reject-publish: publishers are blocked until the queue drains to 80% of max_length.
  bool publishers_blocked() const { return publishers_blocked_; }
  bool is_unacked(DeliveryTag tag) const;
  QueueConfig const& config() const { return config_; }

 private:
  struct Unacked {
    QueuedMessage message;
    ConsumerId consumer;  // kSettled once acked, rejected or requeued.
  };
  static constexpr ConsumerId kSettled = std::numeric_limits<ConsumerId>::max();

  QueuedMessage const& head() const { return returns_.empty() ? main_.front() : returns_.front(); }
  QueuedMessage take_head();
  // Drops expired messages from the head only (an expired message behind a live one waits).
  void expire_head(sim::Time now, std::vector<Removed>& removed);
  void enforce_max_length(std::vector<Removed>& removed);
  // After a change: drop-head and head expiry in each kind's order, then the quorum publisher block.
  void settle(sim::Time now, std::vector<Removed>& removed);
  // A returned message: dead-lettered past the delivery limit, else back among the ready ones.
  void return_message(QueuedMessage message, bool to_returns_queue, std::vector<Removed>& removed);
  Unacked& unacked_entry(DeliveryTag tag);
  // Forgets settled entries at the front of the window.
  void trim_unacked();
  // Quorum reject-publish hysteresis; see the definition.
  void update_publisher_block();
  void check_counts() const;

  QueueConfig config_;
  Ring<QueuedMessage> main_;     // In sequence order, except quorum #requeue copies re-appended at the back.
  Ring<QueuedMessage> returns_;  // Served before main_: see return_message.
  Ring<Unacked> unacked_;        // unacked_[i] has tag unacked_base_ + i.
  DeliveryTag unacked_base_ = 0;
  std::size_t unacked_count_ = 0;
  std::uint64_t next_sequence_ = 0;
  bool publishers_blocked_ = false;
};

template <typename IsLost>
void QueueState::drop_unpersisted(IsLost is_lost, std::vector<std::uint32_t>& lost) {
  auto const drop = [&](QueuedMessage const& message) {
    if (!is_lost(message)) return false;
    lost.push_back(message.id);
    return true;
  };
  returns_.remove_if(drop);
  main_.remove_if(drop);
  for (std::size_t i = 0; i < unacked_.size(); ++i) {
    Unacked& entry = unacked_[i];
    if (entry.consumer != kSettled && drop(entry.message)) {
      entry.consumer = kSettled;
      --unacked_count_;
    }
  }
  trim_unacked();
  update_publisher_block();
  check_counts();
}

}  // namespace brokersim::model::rabbitmq
