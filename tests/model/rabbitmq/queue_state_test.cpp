// One RabbitMQ queue's message state: order, requeue position, delivery limit, TTL, max-length.
#include <catch2/catch.hpp>

#include <cstdint>
#include <vector>

#include "model/rabbitmq/queue_state.h"

using brokersim::model::rabbitmq::ConsumerId;
using brokersim::model::rabbitmq::QueueDelivery;
using brokersim::model::rabbitmq::DeliveryTag;
using brokersim::model::rabbitmq::EnqueueOutcome;
using brokersim::model::rabbitmq::kNoExpiry;
using brokersim::model::rabbitmq::kUnlimited;
using brokersim::model::rabbitmq::Overflow;
using brokersim::model::rabbitmq::QueueConfig;
using brokersim::model::rabbitmq::QueuedMessage;
using brokersim::model::rabbitmq::QueueKind;
using brokersim::model::rabbitmq::QueueState;
using brokersim::model::rabbitmq::Removed;
using brokersim::model::rabbitmq::RemovalReason;
using brokersim::sim::Time;

namespace {

constexpr ConsumerId kAlice = 1;
constexpr ConsumerId kBob = 2;

QueueConfig config_of(QueueKind kind) {
  QueueConfig config;
  config.kind = kind;
  return config;
}

void enqueue_all(QueueState& queue, std::vector<std::uint32_t> const& ids, Time now = 0) {
  std::vector<Removed> removed;
  for (std::uint32_t id : ids) REQUIRE(queue.enqueue(id, now, removed) == EnqueueOutcome::accepted);
  REQUIRE(removed.empty());
}

QueueDelivery deliver(QueueState& queue, ConsumerId consumer = kAlice, Time now = 0) {
  std::vector<Removed> removed;
  auto delivery = queue.deliver(consumer, now, removed);
  REQUIRE(delivery.has_value());
  REQUIRE(removed.empty());
  return *delivery;
}

// Delivers and acks everything ready, returning the ids in delivery order.
std::vector<std::uint32_t> drain(QueueState& queue, Time now = 0) {
  std::vector<std::uint32_t> ids;
  std::vector<Removed> removed;
  while (auto delivery = queue.deliver(kBob, now, removed)) {
    ids.push_back(delivery->message.id);
    queue.ack(delivery->tag);
  }
  return ids;
}

void requeue(QueueState& queue, DeliveryTag tag, Time now = 0) {
  std::vector<Removed> removed;
  queue.reject(tag, true, now, removed);
  REQUIRE(removed.empty());
}

}  // namespace

TEST_CASE("rabbitmq: queue: messages are delivered in FIFO order and counted", "[rabbitmq]") {
  for (QueueKind kind : {QueueKind::classic, QueueKind::quorum}) {
    QueueState queue(config_of(kind));
    enqueue_all(queue, {10, 11, 12}, 5);
    CHECK(queue.ready_count() == 3);
    QueueDelivery const first = deliver(queue);
    CHECK(first.message.id == 10);
    CHECK(first.message.enqueued_at == 5);
    CHECK(first.message.delivery_count == 0);
    CHECK_FALSE(first.message.redelivered());
    CHECK(queue.ready_count() == 2);
    CHECK(queue.unacked_count() == 1);
    CHECK(queue.depth() == 3);
    queue.ack(first.tag);
    CHECK_FALSE(queue.is_unacked(first.tag));
    CHECK(queue.depth() == 2);
    CHECK(drain(queue) == std::vector<std::uint32_t>{11, 12});
    std::vector<Removed> removed;
    CHECK_FALSE(queue.deliver(kAlice, 0, removed).has_value());
    CHECK(queue.depth() == 0);
  }
}

TEST_CASE("rabbitmq: queue: acks out of tag order settle only their own delivery", "[rabbitmq]") {
  QueueState queue(config_of(QueueKind::classic));
  enqueue_all(queue, {1, 2, 3});
  QueueDelivery const a = deliver(queue);
  QueueDelivery const b = deliver(queue);
  QueueDelivery const c = deliver(queue);
  queue.ack(b.tag);
  CHECK(queue.is_unacked(a.tag));
  CHECK_FALSE(queue.is_unacked(b.tag));
  CHECK(queue.is_unacked(c.tag));
  CHECK(queue.unacked_count() == 2);
  queue.ack(a.tag);
  queue.ack(c.tag);
  CHECK(queue.unacked_count() == 0);
  enqueue_all(queue, {4});
  CHECK(deliver(queue, kAlice).tag == c.tag + 1);  // Tags keep increasing after the window empties.
}

TEST_CASE("rabbitmq: queue: classic requeue goes back to the original position", "[rabbitmq]") {
  QueueState queue(config_of(QueueKind::classic));
  enqueue_all(queue, {1, 2, 3, 4, 5});
  QueueDelivery const one = deliver(queue);
  QueueDelivery const two = deliver(queue);
  QueueDelivery const three = deliver(queue);
  // Returned newest first: the queue still orders them by enqueue sequence, ahead of 4 and 5.
  requeue(queue, three.tag);
  requeue(queue, one.tag);
  queue.ack(two.tag);
  CHECK(queue.ready_count() == 4);
  QueueDelivery const again = deliver(queue);
  CHECK(again.message.id == 1);
  CHECK(again.message.redelivered());
  CHECK(again.message.delivery_count == 1);
  CHECK(again.message.sequence == one.message.sequence);
  queue.ack(again.tag);
  CHECK(drain(queue) == std::vector<std::uint32_t>{3, 4, 5});
}

TEST_CASE("rabbitmq: queue: quorum returns are served first and in return order", "[rabbitmq]") {
  QueueState queue(config_of(QueueKind::quorum));
  enqueue_all(queue, {1, 2, 3, 4, 5});
  QueueDelivery const one = deliver(queue);
  deliver(queue);
  QueueDelivery const three = deliver(queue);
  requeue(queue, three.tag);
  requeue(queue, one.tag);
  QueueDelivery const first_back = deliver(queue);
  CHECK(first_back.message.id == 3);
  CHECK(first_back.message.redelivered());
  queue.ack(first_back.tag);
  CHECK(drain(queue) == std::vector<std::uint32_t>{1, 4, 5});
}

TEST_CASE("rabbitmq: queue: quorum without a delivery limit requeues a reject at the back", "[rabbitmq]") {
  QueueConfig config = config_of(QueueKind::quorum);
  config.delivery_limit = kUnlimited;
  QueueState queue(config);
  enqueue_all(queue, {1, 2, 3});
  requeue(queue, deliver(queue).tag);
  CHECK(queue.ready_count() == 3);
  QueueDelivery const two = deliver(queue);
  CHECK(two.message.id == 2);
  queue.ack(two.tag);
  QueueDelivery const three = deliver(queue);
  CHECK(three.message.id == 3);
  queue.ack(three.tag);
  QueueDelivery const one = deliver(queue);
  CHECK(one.message.id == 1);
  CHECK(one.message.delivery_count == 1);
  // A consumer that goes away still returns to the returns queue, ahead of the rest.
  enqueue_all(queue, {4});
  std::vector<Removed> removed;
  queue.requeue_all_of(kAlice, 0, removed);
  CHECK(removed.empty());
  CHECK(drain(queue) == std::vector<std::uint32_t>{1, 4});
}

TEST_CASE("rabbitmq: queue: quorum delivery limit 20 allows 21 deliveries then dead-letters", "[rabbitmq]") {
  QueueState queue(config_of(QueueKind::quorum));
  REQUIRE(queue.config().delivery_limit == 20);
  enqueue_all(queue, {7});
  std::vector<Removed> removed;
  int deliveries = 0;
  while (auto delivery = queue.deliver(kAlice, 0, removed)) {
    CHECK(delivery->message.delivery_count == static_cast<std::uint32_t>(deliveries));
    CHECK(delivery->message.redelivered() == (deliveries > 0));
    ++deliveries;
    queue.reject(delivery->tag, true, 0, removed);
  }
  CHECK(deliveries == 21);
  REQUIRE(removed.size() == 1);
  CHECK(removed[0].message == 7);
  CHECK(removed[0].reason == RemovalReason::delivery_limit);
  CHECK(queue.depth() == 0);
}

TEST_CASE("rabbitmq: queue: delivery limit 0 dead-letters on the first return", "[rabbitmq]") {
  QueueConfig config = config_of(QueueKind::quorum);
  config.delivery_limit = 0;
  QueueState queue(config);
  enqueue_all(queue, {1, 2});
  deliver(queue);
  deliver(queue);
  std::vector<Removed> removed;
  // A channel close counts as a return in 4.0 as much as a requeueing reject does.
  queue.requeue_all_of(kAlice, 0, removed);
  REQUIRE(removed.size() == 2);
  CHECK(removed[0].message == 1);
  CHECK(removed[1].message == 2);
  CHECK(removed[1].reason == RemovalReason::delivery_limit);
}

TEST_CASE("rabbitmq: queue: classic queues have no delivery limit", "[rabbitmq]") {
  QueueState queue(config_of(QueueKind::classic));
  enqueue_all(queue, {1});
  for (int i = 0; i < 100; ++i) requeue(queue, deliver(queue).tag);
  QueueDelivery const last = deliver(queue);
  CHECK(last.message.delivery_count == 100);
}

TEST_CASE("rabbitmq: queue: reject without requeue removes as rejected", "[rabbitmq]") {
  QueueState queue(config_of(QueueKind::quorum));
  enqueue_all(queue, {1, 2});
  std::vector<Removed> removed;
  queue.reject(deliver(queue).tag, false, 0, removed);
  REQUIRE(removed.size() == 1);
  CHECK(removed[0].message == 1);
  CHECK(removed[0].reason == RemovalReason::rejected);
  CHECK(queue.depth() == 1);
}

TEST_CASE("rabbitmq: queue: channel close requeues that consumer's deliveries in tag order", "[rabbitmq]") {
  QueueState queue(config_of(QueueKind::quorum));
  enqueue_all(queue, {1, 2, 3, 4, 5, 6});
  deliver(queue, kAlice);                      // 1
  QueueDelivery const bobs = deliver(queue, kBob);  // 2
  deliver(queue, kAlice);                      // 3
  deliver(queue, kAlice);                      // 4
  std::vector<Removed> removed;
  queue.requeue_all_of(kAlice, 0, removed);
  CHECK(removed.empty());
  CHECK(queue.unacked_count() == 1);
  CHECK(queue.is_unacked(bobs.tag));
  CHECK(queue.ready_count() == 5);
  std::vector<std::uint32_t> order;
  for (int i = 0; i < 5; ++i) {
    QueueDelivery const delivery = deliver(queue, kBob);
    order.push_back(delivery.message.id);
    CHECK(delivery.message.redelivered() == (delivery.message.id != 5 && delivery.message.id != 6));
  }
  CHECK(order == std::vector<std::uint32_t>{1, 3, 4, 5, 6});
}

TEST_CASE("rabbitmq: queue: queue TTL expires the head at its deadline", "[rabbitmq]") {
  for (QueueKind kind : {QueueKind::classic, QueueKind::quorum}) {
    QueueConfig config = config_of(kind);
    config.message_ttl = 100;
    QueueState queue(config);
    enqueue_all(queue, {1}, 0);
    enqueue_all(queue, {2}, 30);
    CHECK(queue.head_expiry() == 100);
    std::vector<Removed> removed;
    queue.expire_due(99, removed);
    CHECK(removed.empty());
    queue.expire_due(100, removed);
    REQUIRE(removed.size() == 1);
    CHECK(removed[0].message == 1);
    CHECK(removed[0].reason == RemovalReason::expired);
    CHECK(queue.head_expiry() == 130);
    removed.clear();
    auto const delivery = queue.deliver(kAlice, 130, removed);
    CHECK_FALSE(delivery.has_value());
    CHECK(removed.size() == 1);
    CHECK(queue.head_expiry() == kNoExpiry);
  }
}

TEST_CASE("rabbitmq: queue: an expired message behind a live head waits for the head", "[rabbitmq]") {
  QueueState queue(config_of(QueueKind::quorum));
  std::vector<Removed> removed;
  queue.enqueue(1, 0, removed, 100);
  queue.enqueue(2, 0, removed, 10);
  queue.expire_due(50, removed);
  CHECK(removed.empty());
  CHECK(queue.ready_count() == 2);
  CHECK(queue.head_expiry() == 100);
  auto const delivery = queue.deliver(kAlice, 50, removed);
  REQUIRE(delivery.has_value());
  CHECK(delivery->message.id == 1);
  CHECK(removed.empty());  // Quorum: the new head is looked at by the next command.
  CHECK(queue.head_expiry() == 10);
  queue.expire_due(50, removed);
  REQUIRE(removed.size() == 1);
  CHECK(removed[0].message == 2);
  CHECK(removed[0].reason == RemovalReason::expired);
}

TEST_CASE("rabbitmq: queue: classic sweeps the new head right after a delivery", "[rabbitmq]") {
  QueueState queue(config_of(QueueKind::classic));
  std::vector<Removed> removed;
  queue.enqueue(1, 0, removed, 100);
  queue.enqueue(2, 0, removed, 10);
  queue.expire_due(50, removed);
  CHECK(removed.empty());
  auto const delivery = queue.deliver(kAlice, 50, removed);
  REQUIRE(delivery.has_value());
  CHECK(delivery->message.id == 1);
  REQUIRE(removed.size() == 1);
  CHECK(removed[0].message == 2);
}

TEST_CASE("rabbitmq: queue: a requeued message keeps its expiry", "[rabbitmq]") {
  for (QueueKind kind : {QueueKind::classic, QueueKind::quorum}) {
    QueueConfig config = config_of(kind);
    config.message_ttl = 100;
    QueueState queue(config);
    enqueue_all(queue, {1, 2}, 0);
    QueueDelivery const one = deliver(queue, kAlice, 10);
    std::vector<Removed> removed;
    queue.reject(one.tag, true, 150, removed);  // Past its deadline: expires as soon as it is back.
    REQUIRE(removed.size() == 2);
    CHECK(removed[0].message == 1);
    CHECK(removed[0].reason == RemovalReason::expired);
    CHECK(removed[1].message == 2);
  }
}

TEST_CASE("rabbitmq: queue: drop-head at max length counts ready messages only", "[rabbitmq]") {
  for (QueueKind kind : {QueueKind::classic, QueueKind::quorum}) {
    QueueConfig config = config_of(kind);
    config.max_length = 3;
    QueueState queue(config);
    std::vector<Removed> removed;
    for (std::uint32_t id = 1; id <= 5; ++id) REQUIRE(queue.enqueue(id, 0, removed) == EnqueueOutcome::accepted);
    REQUIRE(removed.size() == 2);
    CHECK(removed[0].message == 1);
    CHECK(removed[0].reason == RemovalReason::maxlen);
    CHECK(removed[1].message == 2);
    removed.clear();
    QueueDelivery const three = deliver(queue);
    deliver(queue);
    enqueue_all(queue, {6, 7});  // 3 ready, 2 unacked: within the limit.
    CHECK(queue.depth() == 5);
    // A requeue over the limit drops the head, which is now the requeued message.
    queue.reject(three.tag, true, 0, removed);
    REQUIRE(removed.size() == 1);
    CHECK(removed[0].message == 3);
    CHECK(removed[0].reason == RemovalReason::maxlen);
  }
}

TEST_CASE("rabbitmq: queue: classic reject-publish refuses at max length", "[rabbitmq]") {
  QueueConfig config = config_of(QueueKind::classic);
  config.max_length = 2;
  config.overflow = Overflow::reject_publish;
  QueueState queue(config);
  std::vector<Removed> removed;
  CHECK(queue.enqueue(1, 0, removed) == EnqueueOutcome::accepted);
  CHECK(queue.enqueue(2, 0, removed) == EnqueueOutcome::accepted);
  CHECK(queue.enqueue(3, 0, removed) == EnqueueOutcome::refused);
  CHECK(queue.ready_count() == 2);
  deliver(queue);  // Unacked no longer counts.
  CHECK(queue.enqueue(4, 0, removed) == EnqueueOutcome::accepted);
  CHECK(removed.empty());
  CHECK(drain(queue) == std::vector<std::uint32_t>{2, 4});
}

TEST_CASE("rabbitmq: queue: quorum reject-publish blocks past the limit until 80 percent", "[rabbitmq]") {
  QueueConfig config = config_of(QueueKind::quorum);
  config.max_length = 5;
  config.overflow = Overflow::reject_publish;
  QueueState queue(config);
  std::vector<Removed> removed;
  for (std::uint32_t id = 1; id <= 6; ++id) CHECK(queue.enqueue(id, 0, removed) == EnqueueOutcome::accepted);
  CHECK(queue.publishers_blocked());
  CHECK(queue.enqueue(7, 0, removed) == EnqueueOutcome::refused);
  deliver(queue);
  CHECK(queue.ready_count() == 5);
  CHECK(queue.publishers_blocked());  // At the limit but above trunc(5 * 0.8) = 4.
  CHECK(queue.enqueue(8, 0, removed) == EnqueueOutcome::refused);
  deliver(queue);
  CHECK_FALSE(queue.publishers_blocked());
  CHECK(queue.enqueue(9, 0, removed) == EnqueueOutcome::accepted);
  CHECK(removed.empty());
}

TEST_CASE("rabbitmq: queue: purge removes ready messages and keeps unacked ones", "[rabbitmq]") {
  QueueState queue(config_of(QueueKind::classic));
  enqueue_all(queue, {1, 2, 3});
  QueueDelivery const one = deliver(queue);
  requeue(queue, deliver(queue).tag);
  std::vector<std::uint32_t> purged;
  CHECK(queue.purge(purged) == 2);
  CHECK(purged == std::vector<std::uint32_t>{2, 3});
  CHECK(queue.ready_count() == 0);
  CHECK(queue.is_unacked(one.tag));
}

TEST_CASE("rabbitmq: queue: drop_unpersisted loses ready and unacked copies", "[rabbitmq]") {
  QueueState queue(config_of(QueueKind::classic));
  enqueue_all(queue, {1, 2, 3, 4, 5});
  QueueDelivery const one = deliver(queue);
  QueueDelivery const two = deliver(queue);
  requeue(queue, two.tag);
  std::vector<std::uint32_t> lost;
  queue.drop_unpersisted([](QueuedMessage const& message) { return message.id % 2 == 1; }, lost);
  CHECK(lost == std::vector<std::uint32_t>{3, 5, 1});
  CHECK_FALSE(queue.is_unacked(one.tag));
  CHECK(queue.unacked_count() == 0);
  CHECK(drain(queue) == std::vector<std::uint32_t>{2, 4});
}
