// A RabbitMQ publisher instance `X-i`: an application that publishes to an exchange (or to a queue through
// the default exchange) over one connection and channel, as Spring's RabbitTemplate does.
//
// With publisher confirms a send succeeds on the broker's basic.ack; a basic.nack, a confirm that does not
// come within request_timeout, or a connection lost with the publish unconfirmed fails the attempt, and
// the application publishes the message again after retry_backoff until `retries` run out. RabbitMQ has no
// deduplication: a publish whose confirm was lost, published again, is in the queue twice. Without
// confirms a send succeeds once it is written to the socket; what the connection loses is lost.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "model/app/config.h"
#include "model/app/keys.h"
#include "model/app/publisher.h"
#include "model/app/sending_application.h"
#include "model/core/node.h"
#include "model/rabbitmq/cluster.h"
#include "model/truth/truth.h"
#include "sim/random.h"
#include "sim/simulation.h"

namespace brokersim::model::rabbitmq {

// A client whose connection was lost connects again after this long (the Java client's automatic
// recovery, networkRecoveryInterval 5 s).
inline constexpr sim::Time kRecoveryInterval = 5000 * sim::kMicrosPerMilli;

// Where an instance's publishes go: the exchange, and the routing keys it draws from (indices into the
// cluster's routing keys; one key: always that one).
struct PublishTarget {
  ExchangeIndex exchange = 0;
  std::vector<RoutingKeyIndex> routing_keys;
};

class RabbitPublisher : public Node, public Publisher, public SendingApplication {
 public:
  RabbitPublisher(NodeId id, ProducerConfig const& config, int instance, std::uint32_t truth_index, PublishTarget target,
                  std::uint64_t seed, Time production_end, RabbitCluster& cluster, GroundTruth& truth);

  void start(sim::Simulation& simulation);
  // A follow-up of `cause` (choreography), published like any send of this instance.
  void emit(sim::Simulation& simulation, std::uint32_t key, std::uint32_t cause, Time cause_timestamp) override;
  void make_poison(std::optional<std::uint64_t> count, std::optional<std::uint64_t> every) override {
    poison_left_ += count.value_or(0);
    if (every) poison_every_ = *every;
  }
  void set_schema(int version) override { schema_ = static_cast<std::uint8_t>(version); }
  NodeId sender_node() const override { return id(); }
  // Nothing left to send or to confirm, and no arrival to come.
  bool idle(Time now) const;

 protected:
  void handle(sim::Simulation& simulation, std::uint32_t type, std::uint64_t arg0, std::uint64_t arg1) override;
  void on_message(sim::Simulation& simulation, EnvelopeHeader const& header) override;
  void on_crash(sim::Simulation& simulation) override;
  void on_restart(sim::Simulation& simulation) override;
  void on_peer_reset(sim::Simulation& simulation, NodeId peer) override;

 private:
  enum EventType : std::uint32_t {
    kArrival = 0,
    kConfirmTimeout = 1,  // arg0 = publish sequence number.
    kRetry = 2,           // arg0 = message: its backoff is over.
    kReconnect = 3,
    kHeartbeatTick = 4,
  };
  // A publish awaiting its confirm.
  struct Unconfirmed {
    std::uint32_t message = 0;
    std::int64_t attempts = 0;
    sim::EventId timeout;
  };

  Time next_gap();
  void send_one(sim::Simulation& simulation);
  // Records a new send in the ground truth and publishes it.
  void send(sim::Simulation& simulation, MessageRecord record, std::uint32_t cause, Time cause_timestamp);
  void publish(sim::Simulation& simulation, std::uint32_t message, std::int64_t attempts);
  // The attempt failed (nack, timeout, connection lost): published again after the backoff, or given up.
  void retry_or_fail(sim::Simulation& simulation, std::uint32_t message, std::int64_t attempts);
  void connect(sim::Simulation& simulation);
  bool connected() const { return connection_ != kNoNode; }

  ProducerConfig const& config_;
  std::uint32_t truth_index_;
  PublishTarget target_;
  Time production_end_;
  RabbitCluster& cluster_;
  GroundTruth& truth_;
  sim::RandomStream random_;
  KeyChooser keys_;
  double mean_gap_micros_ = 0.0;
  int home_node_;  // The node it connects to first (instance i: rabbit-(i mod nodes)).
  std::uint64_t sent_ = 0;
  std::uint64_t poison_left_ = 0;
  std::uint64_t poison_every_ = 0;
  std::uint8_t schema_ = 1;
  Time lamport_ = 0;
  std::map<std::uint64_t, std::uint32_t> header_sets_;  // Attribute choices (mixed radix) -> the cluster's header set.

  // Volatile.
  NodeId connection_ = kNoNode;  // The node its connection is open to; kNoNode while it has none.
  Time last_heard_ = 0;          // From connection_.
  bool heartbeats_ = false;      // Its heartbeat timer runs (this process).
  int connect_attempt_ = 0;
  std::uint64_t next_sequence_ = 1;
  std::map<std::uint64_t, Unconfirmed> unconfirmed_;  // By publish sequence number.
  std::uint64_t retries_waiting_ = 0;
};

}  // namespace brokersim::model::rabbitmq
