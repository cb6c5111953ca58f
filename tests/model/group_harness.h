// A small world for testing the consumer-group protocol without the real brokers: fake brokers that hold
// fixed logs, answer fetches and hand group requests to the coordinator, and a fake cluster view.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "model/core/network.h"
#include "model/core/node.h"
#include "model/kafka/cluster_view.h"
#include "model/kafka/consumer.h"
#include "model/kafka/group_coordinator.h"
#include "model/kafka/messages.h"
#include "model/truth/truth.h"
#include "sim/simulation.h"

namespace brokersim::model::testing {

// Metadata the test sets by hand. Broker b is node b.
struct FakeCluster final : ClusterView {
  int coordinator = 0;
  std::vector<int> leaders;                            // Per global partition.
  std::vector<std::vector<LogEntry>> const* logs = nullptr;

  int coordinator_broker(std::uint32_t) const override { return coordinator; }
  int partition_leader(std::uint32_t partition) const override { return leaders[partition]; }
  NodeId broker_node(int broker) const override { return static_cast<NodeId>(broker); }
  std::int64_t log_end(std::uint32_t partition) const override {
    return logs == nullptr ? -1 : static_cast<std::int64_t>((*logs)[partition].size());
  }
  // A leader appends in its own epoch: the fake's is the epoch of its log's last record (1 when empty), so
  // that a test that truncates a log and appends records of a new epoch stands for an election.
  LeaderLog leader_log(std::uint32_t partition) const override {
    if (logs == nullptr || (*logs)[partition].empty()) return {log_end(partition), 1};
    return {log_end(partition), (*logs)[partition].back().epoch};
  }
};

// A broker that answers consumer fetches from the harness's logs (not_leader unless the cluster names it
// leader; empty answers after a 500 ms long poll) and routes group requests to the coordinator, as the
// World does.
class FakeBroker final : public Node {
 public:
  FakeBroker(NodeId id, std::vector<std::vector<LogEntry>> const& logs, FakeCluster const& cluster)
      : Node(id, NodeKind::broker), logs_(logs), cluster_(cluster) {}
  GroupCoordinator* coordinator = nullptr;
  std::uint64_t fetches = 0;
  std::uint64_t not_leader_answers = 0;
  bool refuse_fetches = false;  // Answers not_leader to every fetch: it has not yet heard it leads.

 protected:
  void handle(sim::Simulation& simulation, std::uint32_t, std::uint64_t slot, std::uint64_t) override {
    answer(simulation, parked_[slot]);
  }
  void on_message(sim::Simulation& simulation, EnvelopeHeader const& header) override {
    Envelope const& envelope = as_kafka(header);
    if (envelope.reset) return;
    switch (envelope.type) {
      case MessageType::fetch_request: {
        ++fetches;
        Fetch const fetch{envelope.from, envelope.correlation, envelope.partition, envelope.offset, envelope.value};
        if (refuse_fetches || cluster_.leaders[fetch.partition] != static_cast<int>(id())) {
          EnvelopeId const envelope_id = network().acquire(MessageType::fetch_response, id(), fetch.from);
          Envelope& response = network().envelope<Envelope>(envelope_id);
          response.correlation = fetch.correlation;
          response.partition = fetch.partition;
          response.offset = fetch.offset;
          response.error = ErrorCode::not_leader;
          network().send(simulation, envelope_id);
          ++not_leader_answers;
        } else if (fetch.offset < static_cast<std::int64_t>(logs_[fetch.partition].size())) {
          answer(simulation, fetch);
        } else {
          parked_.push_back(fetch);
          schedule_self(simulation, 500 * sim::kMicrosPerMilli, 1, parked_.size() - 1);
        }
        return;
      }
      case MessageType::join_group:
      case MessageType::heartbeat:
      case MessageType::commit_offsets:
      case MessageType::leave_group:
        coordinator->on_group_message(simulation, envelope, static_cast<int>(id()));
        return;
      default:
        return;
    }
  }
  void on_crash(sim::Simulation& simulation) override {
    parked_.clear();
    if (coordinator != nullptr) coordinator->on_broker_crashed(simulation, static_cast<int>(id()));
  }
  void on_restart(sim::Simulation&) override {}

 private:
  struct Fetch {
    NodeId from = 0;
    std::uint64_t correlation = 0;
    std::uint32_t partition = 0;
    std::int64_t offset = 0;
    std::uint64_t max_records = 0;
  };

  void answer(sim::Simulation& simulation, Fetch const& fetch) {
    std::vector<LogEntry> const& log = logs_[fetch.partition];
    auto const end = static_cast<std::int64_t>(log.size());
    EnvelopeId const envelope_id = network().acquire(MessageType::fetch_response, id(), fetch.from);
    Envelope& response = network().envelope<Envelope>(envelope_id);
    response.correlation = fetch.correlation;
    response.partition = fetch.partition;
    response.offset = fetch.offset;
    response.high_watermark = end;
    if (fetch.offset > end) {
      response.error = ErrorCode::offset_out_of_range;
    } else {
      std::int64_t const last = std::min(end, fetch.offset + static_cast<std::int64_t>(fetch.max_records));
      response.entries.assign(log.begin() + fetch.offset, log.begin() + last);
    }
    network().send(simulation, envelope_id);
  }

  std::vector<std::vector<LogEntry>> const& logs_;
  FakeCluster const& cluster_;
  std::vector<Fetch> parked_;
};

// A scripted member: keeps what it receives; the test sends its requests.
class Recorder final : public Node {
 public:
  explicit Recorder(NodeId id) : Node(id, NodeKind::consumer) {}
  std::vector<Envelope> received;

  void send(sim::Simulation& simulation, MessageType type, int broker, std::uint64_t member, std::uint32_t generation,
            std::uint32_t partition = 0, std::int64_t offset = 0) {
    EnvelopeId const envelope_id = network().acquire(type, id(), static_cast<NodeId>(broker));
    Envelope& request = network().envelope<Envelope>(envelope_id);
    request.value = member;
    request.epoch = generation;
    request.partition = partition;
    request.offset = offset;
    request.correlation = ++correlation_;
    network().send(simulation, envelope_id);
  }
  // The last envelope of `type` received, or null.
  Envelope const* last(MessageType type) const {
    for (auto it = received.rbegin(); it != received.rend(); ++it) {
      if (it->type == type) return &*it;
    }
    return nullptr;
  }

 protected:
  void handle(sim::Simulation&, std::uint32_t, std::uint64_t, std::uint64_t) override {}
  void on_message(sim::Simulation&, EnvelopeHeader const& envelope) override { received.push_back(as_kafka(envelope)); }
  void on_crash(sim::Simulation&) override {}
  void on_restart(sim::Simulation&) override {}

 private:
  std::uint64_t correlation_ = 0;
};

// Brokers 0..brokers-1, one group (index 0) over one topic with `partitions` partitions whose logs hold
// `records` records each (message id = partition * records + offset), a coordinator, and either real
// consumer instances or scripted members.
struct GroupHarness {
  NetworkConfig network_config;
  sim::Simulation simulation;
  std::unique_ptr<Network> network;
  GroundTruth truth;
  FakeCluster cluster;
  ConsumerGroupConfig config;
  std::vector<std::vector<LogEntry>> logs;
  std::vector<std::unique_ptr<FakeBroker>> brokers;
  std::unique_ptr<GroupCoordinator> coordinator;
  std::vector<std::unique_ptr<ConsumerInstance>> consumers;
  std::vector<std::unique_ptr<Recorder>> members;

  GroupHarness(ConsumerGroupConfig group, int partitions, int records, int broker_count = 2) : config(std::move(group)) {
    network_config.latency = sim::Distribution::constant(1000.0);  // 1 ms a hop.
    network = std::make_unique<Network>(network_config, 1);
    auto const partition_count = static_cast<std::size_t>(partitions);
    logs.resize(partition_count);
    for (std::size_t p = 0; p < partition_count; ++p) {
      for (int offset = 0; offset < records; ++offset) {
        logs[p].push_back(LogEntry{static_cast<std::uint32_t>(p * static_cast<std::size_t>(records)) + static_cast<std::uint32_t>(offset), 1});
      }
    }
    cluster.leaders.assign(partition_count, 0);
    cluster.logs = &logs;
    truth.groups.resize(1);
    truth.groups[0].name = config.name;
    // Ground-truth records for every message id the tests put in logs (the consumer reads them: poison).
    truth.messages.resize(std::max<std::size_t>(1000, partition_count * static_cast<std::size_t>(records) + 1000));
    for (int b = 0; b < broker_count; ++b) {
      brokers.push_back(std::make_unique<FakeBroker>(network->add_node("broker-" + std::to_string(b), NodeKind::broker, -1), logs, cluster));
    }
    coordinator = std::make_unique<GroupCoordinator>(config, 0, 0, partitions, cluster, *network, truth);
    for (auto& broker : brokers) broker->coordinator = coordinator.get();
  }

  void add_consumers() {
    for (int i = 0; i < config.instances; ++i) {
      NodeId const node = network->add_node(config.name + "-" + std::to_string(i), NodeKind::consumer, -1);
      consumers.push_back(std::make_unique<ConsumerInstance>(node, i, 1, *coordinator, cluster, truth));
    }
    finish();
    for (auto& consumer : consumers) consumer->start(simulation);
  }

  void add_members(int count) {
    for (int i = 0; i < count; ++i) {
      members.push_back(std::make_unique<Recorder>(network->add_node("m-" + std::to_string(i), NodeKind::consumer, -1)));
    }
    finish();
  }

  void run_until_ms(double ms) { simulation.run_until(sim::time_from_ms(ms)); }

  std::uint16_t effects(std::uint32_t message) const { return truth.groups[0].effects_of(message); }

 private:
  void finish() {
    for (auto& broker : brokers) broker->attach(simulation, *network);
    for (auto& consumer : consumers) consumer->attach(simulation, *network);
    for (auto& member : members) member->attach(simulation, *network);
    network->finish_setup();
    coordinator->start(simulation);
  }
};

}  // namespace brokersim::model::testing
