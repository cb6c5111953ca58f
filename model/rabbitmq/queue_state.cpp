#include "model/rabbitmq/queue_state.h"

#include <algorithm>

namespace brokersim::model::rabbitmq {

namespace {

bool has_limit(std::int64_t limit) { return limit >= 0; }

}  // namespace

QueueState::QueueState(QueueConfig const& config) : config_(config) {
  BROKERSIM_ASSERT(config.message_ttl == kNoTtl || (config.message_ttl >= 0 && config.message_ttl <= sim::kTimeMax));
  BROKERSIM_ASSERT(config.max_length >= kUnlimited);
  BROKERSIM_ASSERT(config.delivery_limit >= kUnlimited);
}

EnqueueOutcome QueueState::enqueue(std::uint32_t message, sim::Time now, std::vector<Removed>& removed,
                                   sim::Time message_ttl) {
  BROKERSIM_ASSERT(message_ttl == kNoTtl || (message_ttl >= 0 && message_ttl <= sim::kTimeMax));
  if (config_.overflow == Overflow::reject_publish && has_limit(config_.max_length)) {
    if (config_.kind == QueueKind::classic) {
      // rabbit_amqqueue_process will_overflow: refused when BQ:len (ready) + 1 > max, checked before
      // the message is stored.
      if (ready_count() + 1 > static_cast<std::size_t>(config_.max_length)) return EnqueueOutcome::refused;
    } else if (publishers_blocked_) {
      // rabbit_fifo accepts every enqueue; evaluate_limit then blocks the enqueuers, whose
      // rabbit_fifo_client refuses publishes until unblocked (see update_publisher_block).
      return EnqueueOutcome::refused;
    }
  }
  // The lower of the queue's and the message's TTL (ttl.md; rabbit_fifo maybe_set_msg_ttl, classic
  // calculate_msg_expiry), fixed at enqueue and kept across requeues.
  sim::Time ttl = config_.message_ttl;
  if (message_ttl != kNoTtl && (ttl == kNoTtl || message_ttl < ttl)) ttl = message_ttl;
  sim::Time const expires_at = ttl == kNoTtl ? kNoExpiry : now + ttl;
  main_.push_back(QueuedMessage{next_sequence_++, now, expires_at, message, 0});
  settle(now, removed);
  return EnqueueOutcome::accepted;
}

void QueueState::restore(std::uint32_t message, std::uint32_t delivery_count, sim::Time enqueued_at) {
  sim::Time const expires_at = config_.message_ttl == kNoTtl ? kNoExpiry : enqueued_at + config_.message_ttl;
  main_.push_back(QueuedMessage{next_sequence_++, enqueued_at, expires_at, message, delivery_count});
  update_publisher_block();
}

std::optional<QueueDelivery> QueueState::deliver(ConsumerId consumer, sim::Time now, std::vector<Removed>& removed) {
  BROKERSIM_ASSERT(consumer != kSettled);
  // rabbit_fifo checkout_one expires the head before every checkout. A classic queue sweeps after each
  // fetch and on its TTL timer, so its head is never found expired either when the node keeps the
  // timer at head_expiry().
  expire_head(now, removed);
  if (ready_count() == 0) {
    update_publisher_block();
    return std::nullopt;
  }
  QueuedMessage const message = take_head();
  unacked_.push_back(Unacked{message, consumer});
  ++unacked_count_;
  QueueDelivery const delivery{unacked_base_ + unacked_.size() - 1, message};
  if (config_.kind == QueueKind::classic) expire_head(now, removed);  // fetch, then drop_expired_msgs.
  update_publisher_block();
  check_counts();
  return delivery;
}

QueuedMessage QueueState::ack(DeliveryTag tag) {
  Unacked& entry = unacked_entry(tag);
  QueuedMessage const message = entry.message;
  entry.consumer = kSettled;
  --unacked_count_;
  trim_unacked();
  check_counts();
  return message;
}

// What a return counts, per version (quorum):
// - 4.0-4.2 (this model): rabbit_fifo return_one bumps acquired_count on EVERY return (incr_msg:
//   basic.reject/basic.nack with requeue = #return, channel close or crash = {down, ...} ->
//   return_all, consumer timeout, AMQP 1.0 released/modified) and dead-letters when
//   acquired_count > delivery_limit. delivery_count (AMQP 1.0's) only counts delivery_failed returns
//   (modify with delivery-failed, channel down) and plays no part in the limit; the 0.9.1
//   x-delivery-count header is acquired_count (rabbit_fifo_client add_delivery_count_header).
// - 4.3 (not modelled): the limit is checked against delivery_count instead, basic.reject requeue
//   counts and basic.nack requeue does not (commit 84432522bf, quorum-queues.md).
QueuedMessage QueueState::reject(DeliveryTag tag, bool requeue, sim::Time now, std::vector<Removed>& removed) {
  Unacked& entry = unacked_entry(tag);
  QueuedMessage const message = entry.message;
  entry.consumer = kSettled;
  --unacked_count_;
  trim_unacked();
  if (!requeue) {
    // Classic dead_letter_rejected_msgs and rabbit_fifo #discard both use reason `rejected`; the count
    // is not checked against the limit.
    removed.push_back(Removed{message.id, RemovalReason::rejected, message.sequence});
  } else {
    // rabbit_fifo 4.0 handle_aux(#return{}): with no delivery limit an explicit return is re-appended
    // as a new command (#requeue) at the BACK of the queue; with a limit it goes to the returns queue.
    bool const quorum_unlimited = config_.kind == QueueKind::quorum && !has_limit(config_.delivery_limit);
    return_message(message, !quorum_unlimited, removed);
  }
  settle(now, removed);
  return message;
}

void QueueState::requeue_all_of(ConsumerId consumer, sim::Time now, std::vector<Removed>& removed,
                                std::vector<std::uint64_t>* returned) {
  BROKERSIM_ASSERT(consumer != kSettled);
  // rabbit_fifo return_all walks checked_out sorted by msg id (delivery order), and a consumer down
  // always goes to the returns queue, limit or not. Classic handle_ch_down requeues the channel's acks,
  // which go back by sequence anyway.
  for (std::size_t i = 0; i < unacked_.size(); ++i) {
    Unacked& entry = unacked_[i];
    if (entry.consumer != consumer) continue;
    entry.consumer = kSettled;
    --unacked_count_;
    if (returned != nullptr) returned->push_back(entry.message.sequence);
    return_message(entry.message, true, removed);
  }
  trim_unacked();
  settle(now, removed);
}

void QueueState::expire_due(sim::Time now, std::vector<Removed>& removed) {
  expire_head(now, removed);
  update_publisher_block();
  check_counts();
}

std::size_t QueueState::purge(std::vector<std::uint32_t>& purged) {
  std::size_t const count = ready_count();
  for (std::size_t i = 0; i < returns_.size(); ++i) purged.push_back(returns_[i].id);
  for (std::size_t i = 0; i < main_.size(); ++i) purged.push_back(main_[i].id);
  returns_.clear();
  main_.clear();
  update_publisher_block();
  check_counts();
  return count;
}

sim::Time QueueState::head_expiry() const { return ready_count() == 0 ? kNoExpiry : head().expires_at; }

bool QueueState::is_unacked(DeliveryTag tag) const {
  return tag >= unacked_base_ && tag - unacked_base_ < unacked_.size() &&
         unacked_[tag - unacked_base_].consumer != kSettled;
}

QueuedMessage QueueState::take_head() {
  BROKERSIM_ASSERT(ready_count() > 0);
  if (!returns_.empty()) {
    QueuedMessage const message = returns_.front();
    returns_.pop_front();
    return message;
  }
  QueuedMessage const message = main_.front();
  main_.pop_front();
  return message;
}

void QueueState::expire_head(sim::Time now, std::vector<Removed>& removed) {
  // Head only (ttl.md: "when they reach the head of the queue"): rabbit_fifo expire_msgs looks at
  // get_next_msg (returns, then messages); classic drop_expired_msgs is BQ:dropwhile. Both expire at
  // `Now >= Expiry`.
  while (ready_count() > 0 && now >= head().expires_at) {
    QueuedMessage const head = take_head();
    removed.push_back(Removed{head.id, RemovalReason::expired, head.sequence});
  }
}

void QueueState::enforce_max_length(std::vector<Removed>& removed) {
  // Ready messages only (maxlength.md: "the number of messages in the ready state"; classic
  // over_max_length uses BQ:len, quorum is_over_limit messages_ready). Drop-head takes the head, the
  // returns queue first in a quorum queue (drop_head -> take_next_msg).
  if (config_.overflow != Overflow::drop_head || !has_limit(config_.max_length)) return;
  while (ready_count() > static_cast<std::size_t>(config_.max_length)) {
    QueuedMessage const head = take_head();
    removed.push_back(Removed{head.id, RemovalReason::maxlen, head.sequence});
  }
}

void QueueState::settle(sim::Time now, std::vector<Removed>& removed) {
  if (config_.kind == QueueKind::classic) {
    // deliver_or_enqueue and requeue_and_run: maybe_drop_head, then drop_expired_msgs.
    enforce_max_length(removed);
    expire_head(now, removed);
  } else {
    // checkout (checkout_one expires the head), then evaluate_limit.
    expire_head(now, removed);
    enforce_max_length(removed);
  }
  update_publisher_block();
  check_counts();
}

void QueueState::return_message(QueuedMessage message, bool to_returns_queue, std::vector<Removed>& removed) {
  BROKERSIM_ASSERT(message.delivery_count < std::numeric_limits<std::uint32_t>::max());
  ++message.delivery_count;
  if (config_.kind == QueueKind::quorum) {
    // rabbit_fifo return_one: `AcquiredCount > DeliveryLimit` after the increment, so a limit of N
    // allows N + 1 deliveries and the (N + 1)th return dead-letters.
    if (has_limit(config_.delivery_limit) &&
        static_cast<std::int64_t>(message.delivery_count) > config_.delivery_limit) {
      removed.push_back(Removed{message.id, RemovalReason::delivery_limit, message.sequence});
      return;
    }
    if (to_returns_queue) {
      // lqueue:in(Msg, Returns): served before every message never delivered, in return order.
      returns_.push_back(message);
    } else {
      // #requeue: a fresh enqueue at the back (a new Raft index), its header (count, expiry) kept. The
      // copy keeps its sequence: here a sequence names the queue copy, which the node's log refers to.
      main_.push_back(message);
    }
    return;
  }
  // Classic: rabbit_variable_queue requeue merges by SeqId, back to the original position. Every
  // requeued message is older than all of main_ (it left main_ from its head), so the requeued ones
  // sort among themselves only, usually at the back of returns_ (the consumer returns in tag order).
  BROKERSIM_ASSERT(main_.empty() || message.sequence < main_.front().sequence);
  returns_.push_back(message);
  for (std::size_t i = returns_.size() - 1; i > 0 && returns_[i - 1].sequence > returns_[i].sequence; --i) {
    std::swap(returns_[i - 1], returns_[i]);
  }
}

QueueState::Unacked& QueueState::unacked_entry(DeliveryTag tag) {
  // An unknown or already settled tag is the channel's error (PRECONDITION_FAILED); it must not get here.
  BROKERSIM_ASSERT(is_unacked(tag));
  return unacked_[tag - unacked_base_];
}

void QueueState::trim_unacked() {
  while (!unacked_.empty() && unacked_.front().consumer == kSettled) {
    unacked_.pop_front();
    ++unacked_base_;
  }
}

// rabbit_fifo evaluate_limit with reject_publish: blocked once ready > max_length (so the enqueue that
// crosses the limit is still accepted), unblocked once ready <= trunc(max_length * 0.8) (?LOW_LIMIT).
void QueueState::update_publisher_block() {
  if (config_.kind != QueueKind::quorum || config_.overflow != Overflow::reject_publish ||
      !has_limit(config_.max_length)) {
    return;
  }
  auto const ready = static_cast<std::int64_t>(ready_count());
  if (ready > config_.max_length) {
    publishers_blocked_ = true;
  } else if (ready <= config_.max_length / 5 * 4 + config_.max_length % 5 * 4 / 5) {  // No overflow.
    publishers_blocked_ = false;
  }
}

void QueueState::check_counts() const {
  BROKERSIM_ASSERT(unacked_count_ <= unacked_.size());
  BROKERSIM_ASSERT(unacked_.empty() || unacked_.front().consumer != kSettled);
  if (config_.kind == QueueKind::classic && !returns_.empty()) {
    BROKERSIM_ASSERT(returns_.front().sequence <= returns_.back().sequence);
    BROKERSIM_ASSERT(main_.empty() || returns_.back().sequence < main_.front().sequence);
  }
}

}  // namespace brokersim::model::rabbitmq
