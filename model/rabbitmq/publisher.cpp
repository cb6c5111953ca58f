#include "model/rabbitmq/publisher.h"

#include <algorithm>
#include <cmath>

#include <boost/random/exponential_distribution.hpp>

#include "model/core/network.h"
#include "model/rabbitmq/amqp.h"
#include "sim/assert.h"

namespace brokersim::model::rabbitmq {

RabbitPublisher::RabbitPublisher(NodeId id, ProducerConfig const& config, int instance, std::uint32_t truth_index,
                                 PublishTarget target, std::uint64_t seed, Time production_end, RabbitCluster& cluster,
                                 GroundTruth& truth)
    : Node(id, NodeKind::producer),
      config_(config),
      truth_index_(truth_index),
      target_(std::move(target)),
      production_end_(production_end),
      cluster_(cluster),
      truth_(truth),
      random_(seed, config.name + "-" + std::to_string(instance)),
      keys_(config.keys),
      home_node_(instance % cluster.node_count()) {
  BROKERSIM_ASSERT(!target_.routing_keys.empty());
  double rate_per_s = config.rate_per_s.value_or(0.0);
  if (!config.rate_per_s) {
    BROKERSIM_ASSERT(config.messages.has_value());
    double const window_s = static_cast<double>(production_end) / static_cast<double>(sim::kMicrosPerSecond);
    rate_per_s = window_s > 0.0 ? static_cast<double>(*config.messages) / window_s : 0.0;
  }
  mean_gap_micros_ = rate_per_s > 0.0 ? static_cast<double>(sim::kMicrosPerSecond) / rate_per_s : 0.0;
}

void RabbitPublisher::start(sim::Simulation& simulation) {
  if (!heartbeats_) {
    heartbeats_ = true;
    schedule_self(simulation, kHeartbeatInterval, kHeartbeatTick);
  }
  if (!connected()) connect(simulation);
  if (mean_gap_micros_ <= 0.0) return;
  if (config_.messages && sent_ >= *config_.messages) return;
  Time const gap = next_gap();
  if (simulation.now() + gap < production_end_) schedule_self(simulation, gap, kArrival);
}

bool RabbitPublisher::idle(Time now) const {
  bool const arrivals_over = now >= production_end_ || mean_gap_micros_ <= 0.0 || (config_.messages && sent_ >= *config_.messages);
  return arrivals_over && unconfirmed_.empty() && retries_waiting_ == 0;
}

Time RabbitPublisher::next_gap() {
  if (config_.arrivals == Arrivals::uniform) return static_cast<Time>(std::llround(mean_gap_micros_));
  double const gap = boost::random::exponential_distribution<double>(1.0 / mean_gap_micros_)(random_.engine());
  return static_cast<Time>(std::llround(gap));
}

// The Java client connects to the first address that answers; each instance lists the nodes starting
// from its own, so that instances spread over the cluster.
void RabbitPublisher::connect(sim::Simulation& simulation) {
  for (int i = 0; i < cluster_.node_count(); ++i) {
    int const node = (home_node_ + connect_attempt_ + i) % cluster_.node_count();
    if (network().node(cluster_.node(node)).alive() && network().connected(id(), cluster_.node(node))) {
      connection_ = cluster_.node(node);
      last_heard_ = simulation.now();
      return;
    }
  }
  ++connect_attempt_;
  schedule_self(simulation, kRecoveryInterval, kReconnect);
}

void RabbitPublisher::handle(sim::Simulation& simulation, std::uint32_t type, std::uint64_t arg0, std::uint64_t arg1) {
  switch (type) {
    case kArrival:
      send_one(simulation);
      start(simulation);
      return;
    case kConfirmTimeout: {
      auto const found = unconfirmed_.find(arg0);
      if (found == unconfirmed_.end()) return;
      Unconfirmed const waiting = found->second;
      unconfirmed_.erase(found);
      retry_or_fail(simulation, waiting.message, waiting.attempts);
      return;
    }
    case kRetry:
      --retries_waiting_;
      publish(simulation, static_cast<std::uint32_t>(arg0), static_cast<std::int64_t>(arg1));
      return;
    case kReconnect:
      if (!connected()) connect(simulation);
      return;
    case kHeartbeatTick:
      schedule_self(simulation, kHeartbeatInterval, kHeartbeatTick);
      if (!connected()) return;
      if (simulation.now() - last_heard_ > kHeartbeatTimeout) {
        on_peer_reset(simulation, connection_);  // Two heartbeats missed: the connection is considered dead.
        return;
      }
      network().send(simulation, network().acquire(AmqpMessageType::heartbeat, id(), connection_));
      return;
    default:
      BROKERSIM_ASSERT(false);
  }
}

void RabbitPublisher::send_one(sim::Simulation& simulation) {
  MessageRecord record;
  record.schema = schema_;
  if (poison_left_ > 0) {
    --poison_left_;
    record.poison = 1;
  } else if (poison_every_ > 0 && (sent_ + 1) % poison_every_ == 0) {
    record.poison = 1;
  }
  if (keys_.keyed()) record.key = keys_.next(random_);
  send(simulation, record, kNoCause, 0);
}

void RabbitPublisher::emit(sim::Simulation& simulation, std::uint32_t key, std::uint32_t cause, Time cause_timestamp) {
  MessageRecord record;
  record.key = key;
  send(simulation, record, cause, cause_timestamp);
}

void RabbitPublisher::send(sim::Simulation& simulation, MessageRecord record, std::uint32_t cause, Time cause_timestamp) {
  record.set_sent_at(simulation.now());
  BROKERSIM_ASSERT(truth_index_ < (1U << 16));
  record.producer = truth_index_ & 0xFFFFU;
  auto const message = static_cast<std::uint32_t>(truth_.messages.size());
  truth_.messages.push_back(record);
  // The routing key drawn for it: content, which the broker routes on and the checks route again.
  std::size_t const choice = target_.routing_keys.size() == 1 ? 0 : static_cast<std::size_t>(random_.below(target_.routing_keys.size()));
  if (truth_.routing_keys.size() < message) truth_.routing_keys.resize(message, 0);
  truth_.routing_keys.push_back(target_.routing_keys[choice]);
  // Its headers: each attribute's value, drawn from its list.
  std::uint32_t header_set = 0;
  if (!config_.attributes.empty()) {
    // The choices as one mixed-radix number: the cluster's set for it is looked up once per combination,
    // so a send builds no strings.
    std::uint64_t combination = 0;
    for (AttributeConfig const& attribute : config_.attributes) {
      std::size_t const value = attribute.values.size() == 1 ? 0 : static_cast<std::size_t>(random_.below(attribute.values.size()));
      combination = combination * attribute.values.size() + value;
    }
    auto const known = header_sets_.find(combination);
    if (known != header_sets_.end()) {
      header_set = known->second;
    } else {
      std::vector<std::pair<std::string, std::string>> headers;
      std::uint64_t rest = combination;
      for (auto attribute = config_.attributes.rbegin(); attribute != config_.attributes.rend(); ++attribute) {
        headers.emplace_back(attribute->name, attribute->values[rest % attribute->values.size()]);
        rest /= attribute->values.size();
      }
      std::reverse(headers.begin(), headers.end());
      header_set = cluster_.intern_headers(headers);
      header_sets_.emplace(combination, header_set);
    }
  }
  if (truth_.header_sets.size() < message) truth_.header_sets.resize(message, 0);
  truth_.header_sets.push_back(header_set);
  // Which groups should see it: those reading a queue its routing reaches (the cluster's bindings, not
  // the broker's behaviour: the expectation does not depend on what the run does to the message).
  std::vector<QueueIndex> const& queues =
      cluster_.routes().route(target_.exchange, target_.routing_keys[choice], cluster_.headers(header_set)).queues;
  if (queues.empty()) truth_.unroutable.push_back(message);
  for (QueueIndex queue : queues) {
    std::uint32_t const group = cluster_.group_of(queue);
    if (group != UINT32_MAX) truth_.groups[group].set(message, GroupTruth::kExpected);
  }
  if (truth_.tracks_timestamps) {
    lamport_ = std::max(lamport_, cause_timestamp) + 1;
    truth_.timestamps.push_back(config_.timestamps == Timestamps::lamport ? lamport_ : clock().read(simulation.now()));
    truth_.causes.push_back(cause);
  }
  ++sent_;
  publish(simulation, message, 0);
}

void RabbitPublisher::publish(sim::Simulation& simulation, std::uint32_t message, std::int64_t attempts) {
  if (!connected()) {
    // channel.basicPublish on a closed channel throws: the application sees the failure at once.
    if (config_.confirms) {
      retry_or_fail(simulation, message, attempts + 1);
    } else {
      truth_.messages[message].send_failed = 1;
    }
    return;
  }
  Network& net = network();
  EnvelopeId const id = net.acquire(AmqpMessageType::publish, this->id(), connection_);
  AmqpEnvelope& envelope = net.envelope<AmqpEnvelope>(id);
  envelope.message = message;
  envelope.exchange = target_.exchange;
  envelope.routing_key = truth_.routing_key_of(message);
  envelope.headers = truth_.header_set_of(message);
  envelope.mandatory = config_.mandatory;
  envelope.persistent = config_.persistent;
  truth_.tracer.record(simulation.now(), message, connection_, TraceKind::send_attempt, attempts + 1);
  if (config_.confirms) {
    std::uint64_t const sequence = next_sequence_++;
    envelope.correlation = sequence;
    Unconfirmed waiting{message, attempts + 1, {}};
    waiting.timeout = schedule_self(simulation, config_.request_timeout, kConfirmTimeout, sequence);
    unconfirmed_.emplace(sequence, waiting);
  }
  net.send(simulation, id);
  if (!config_.confirms) {
    MessageRecord& record = truth_.messages[message];
    if (!record.acked()) record.set_acked_at(simulation.now());  // Fire and forget: sent is done.
  }
}

void RabbitPublisher::retry_or_fail(sim::Simulation& simulation, std::uint32_t message, std::int64_t attempts) {
  Time const now = simulation.now();
  MessageRecord& record = truth_.messages[message];
  if (attempts > config_.retries || now + config_.retry_backoff - record.sent_at() >= config_.delivery_timeout) {
    record.send_failed = 1;
    truth_.tracer.record(now, message, id(), TraceKind::send_failed);
    return;
  }
  ++retries_waiting_;
  ++truth_.publish_retries;
  schedule_self(simulation, config_.retry_backoff, kRetry, message, static_cast<std::uint64_t>(attempts));
}

void RabbitPublisher::on_message(sim::Simulation& simulation, EnvelopeHeader const& header) {
  AmqpEnvelope const& envelope = as_amqp(header);
  if (envelope.reset) {
    if (envelope.type == AmqpMessageType::publish) on_peer_reset(simulation, envelope.from);
    return;
  }
  if (envelope.from == connection_) last_heard_ = simulation.now();
  if (envelope.type != AmqpMessageType::confirm) return;  // basic.return: the confirm that follows settles it.
  auto const found = unconfirmed_.find(envelope.correlation);
  if (found == unconfirmed_.end()) return;  // Timed out meanwhile: already published again.
  Unconfirmed const waiting = found->second;
  unconfirmed_.erase(found);
  simulation.cancel(waiting.timeout);
  if (envelope.nack) {
    ++truth_.publish_nacks;
    retry_or_fail(simulation, waiting.message, waiting.attempts);
    return;
  }
  MessageRecord& record = truth_.messages[waiting.message];
  if (!record.acked()) record.set_acked_at(simulation.now());
  truth_.tracer.record(simulation.now(), waiting.message, envelope.from, TraceKind::acked, -1);
}

// The connection died with its node: unconfirmed publishes fail (published again after the backoff), and
// the client connects again after its recovery interval.
void RabbitPublisher::on_peer_reset(sim::Simulation& simulation, NodeId peer) {
  if (peer != connection_) return;
  network().close_connection(id(), connection_);
  connection_ = kNoNode;
  std::map<std::uint64_t, Unconfirmed> const failed = std::move(unconfirmed_);
  unconfirmed_.clear();
  for (auto const& [sequence, waiting] : failed) {
    simulation.cancel(waiting.timeout);
    retry_or_fail(simulation, waiting.message, waiting.attempts);
  }
  ++connect_attempt_;
  schedule_self(simulation, kRecoveryInterval, kReconnect);
}

void RabbitPublisher::on_crash(sim::Simulation&) {
  // Unconfirmed publishes die with the process: the application never learns their fate.
  connection_ = kNoNode;
  unconfirmed_.clear();
  retries_waiting_ = 0;
  heartbeats_ = false;
}

void RabbitPublisher::on_restart(sim::Simulation& simulation) { start(simulation); }

}  // namespace brokersim::model::rabbitmq
