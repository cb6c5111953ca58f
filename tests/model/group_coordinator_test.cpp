// The group coordinator's state machine, driven by scripted members through fake brokers: formation,
// expulsion after the session timeout, refused commits, failover, and lag sampling.
#include "model/kafka/group_coordinator.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <set>

#include "group_harness.h"

using namespace brokersim::model;
using brokersim::model::testing::GroupHarness;

namespace {

ConsumerGroupConfig group_config(int instances) {
  ConsumerGroupConfig config;
  config.name = "g";
  config.topic = "t";
  config.instances = instances;
  config.session_timeout = 10000 * brokersim::sim::kMicrosPerMilli;
  config.heartbeat_interval = 3000 * brokersim::sim::kMicrosPerMilli;
  return config;
}

std::vector<std::uint32_t> partitions_of(Envelope const& join_response) {
  std::vector<std::uint32_t> result;
  for (LogEntry const& entry : join_response.entries) result.push_back(entry.message);
  return result;
}

// Members 0..2 join at time 0; the group forms at once (all deployed members joined).
void form_group(GroupHarness& h) {
  for (std::size_t i = 0; i < h.members.size(); ++i) {
    h.members[i]->send(h.simulation, MessageType::join_group, 0, member_id(static_cast<int>(i), 0), 0);
  }
  h.run_until_ms(50);
}

// Scripted members in `alive` heartbeat every 3 s with the generation of their last join response, and
// rejoin when a heartbeat response says a rebalance is in progress.
void heartbeat_until(GroupHarness& h, std::vector<int> const& alive, double until_ms) {
  double const start_ms = brokersim::sim::time_to_ms(h.simulation.now());
  for (double t = start_ms + 3000; t <= until_ms; t += 3000) {
    h.run_until_ms(t);
    for (int const i : alive) {
      auto& member = *h.members[static_cast<std::size_t>(i)];
      Envelope const* joined = member.last(MessageType::join_response);
      Envelope const* beat = member.last(MessageType::heartbeat_response);
      bool const rejoin = beat != nullptr && beat->error == ErrorCode::rebalance_in_progress &&
                          &member.received.back() == beat;
      MessageType const type = rejoin ? MessageType::join_group : MessageType::heartbeat;
      member.send(h.simulation, type, 0, member_id(i, 0), joined == nullptr ? 0 : joined->epoch);
    }
  }
  h.run_until_ms(until_ms);
}

ErrorCode commit(GroupHarness& h, int member, std::uint32_t generation, std::uint32_t partition, std::int64_t offset) {
  h.members[static_cast<std::size_t>(member)]->send(h.simulation, MessageType::commit_offsets,
                                                    h.cluster.coordinator, member_id(member, 0), generation, partition,
                                                    offset);
  h.run_until_ms(brokersim::sim::time_to_ms(h.simulation.now()) + 10);
  Envelope const* response = h.members[static_cast<std::size_t>(member)]->last(MessageType::commit_response);
  REQUIRE(response != nullptr);
  return response->error;
}

}  // namespace

TEST_CASE("model: group_coordinator: three members joining form one generation with every partition once") {
  GroupHarness h(group_config(3), 6, 0);
  h.add_members(3);
  form_group(h);
  CHECK(h.coordinator->generation() == 1);
  CHECK(h.coordinator->state() == GroupCoordinator::State::stable);
  std::multiset<std::uint32_t> assigned;
  for (auto& member : h.members) {
    REQUIRE(member->last(MessageType::join_response) != nullptr);
    Envelope const& response = *member->last(MessageType::join_response);
    CHECK(response.epoch == 1);
    CHECK(response.entries.size() == 2);
    for (std::uint32_t const p : partitions_of(response)) assigned.insert(p);
  }
  CHECK(assigned == std::multiset<std::uint32_t>{0, 1, 2, 3, 4, 5});
  CHECK(h.truth.groups[0].rebalances == 0);  // Forming the group is not a rebalance.
}

TEST_CASE("model: group_coordinator: a forming group waits for its deployed members, up to the initial delay") {
  GroupHarness h(group_config(3), 6, 0);
  h.add_members(3);
  h.members[0]->send(h.simulation, MessageType::join_group, 0, member_id(0, 0), 0);
  h.run_until_ms(2000);
  CHECK(h.coordinator->generation() == 0);
  h.run_until_ms(3100);  // group.initial.rebalance.delay.ms (3 s) has passed.
  CHECK(h.coordinator->generation() == 1);
  REQUIRE(h.members[0]->last(MessageType::join_response) != nullptr);
  CHECK(h.members[0]->last(MessageType::join_response)->entries.size() == 6);
}

TEST_CASE("model: group_coordinator: a member silent for the session timeout is expelled and the others get its partitions") {
  GroupHarness h(group_config(3), 6, 0);
  h.add_members(3);
  form_group(h);
  // Member 2 falls silent; 0 and 1 heartbeat every 3 s.
  heartbeat_until(h, {0, 1}, 9900);
  CHECK(h.coordinator->generation() == 1);
  CHECK(h.coordinator->member_count() == 3);
  heartbeat_until(h, {0, 1}, 30000);
  CHECK(h.coordinator->generation() == 2);
  CHECK(h.coordinator->member_count() == 2);
  CHECK(h.truth.groups[0].rebalances == 1);
  std::multiset<std::uint32_t> assigned;
  for (int i = 0; i < 2; ++i) {
    Envelope const& response = *h.members[static_cast<std::size_t>(i)]->last(MessageType::join_response);
    CHECK(response.epoch == 2);
    CHECK(response.entries.size() == 3);
    for (std::uint32_t const p : partitions_of(response)) assigned.insert(p);
  }
  CHECK(assigned == std::multiset<std::uint32_t>{0, 1, 2, 3, 4, 5});
  for (int p = 0; p < 6; ++p) CHECK(member_instance(h.coordinator->owner(p)) != 2);
}

TEST_CASE("model: group_coordinator: commits from stale generations, expelled members and non-owners are refused") {
  GroupHarness h(group_config(3), 6, 0);
  h.add_members(3);
  form_group(h);
  heartbeat_until(h, {0, 1}, 30000);
  REQUIRE(h.coordinator->generation() == 2);
  std::uint32_t const owned = partitions_of(*h.members[0]->last(MessageType::join_response)).front();
  std::uint32_t const others = partitions_of(*h.members[1]->last(MessageType::join_response)).front();

  CHECK(commit(h, 2, 1, owned, 7) == ErrorCode::unknown_member);       // Expelled member 2.
  CHECK(commit(h, 0, 1, owned, 7) == ErrorCode::illegal_generation);   // Stale generation.
  CHECK(commit(h, 0, 2, others, 7) == ErrorCode::illegal_generation);  // Not its partition.
  CHECK(h.coordinator->committed(owned) == 0);
  CHECK(commit(h, 0, 2, owned, 7) == ErrorCode::none);
  CHECK(h.coordinator->committed(owned) == 7);
}

TEST_CASE("model: group_coordinator: failover forgets the members and keeps the committed offsets") {
  GroupHarness h(group_config(3), 6, 0);
  h.add_members(3);
  form_group(h);
  std::uint32_t const owned = partitions_of(*h.members[0]->last(MessageType::join_response)).front();
  REQUIRE(commit(h, 0, 1, owned, 5) == ErrorCode::none);

  h.brokers[0]->crash(h.simulation);
  h.cluster.coordinator = 1;
  CHECK(h.coordinator->member_count() == 0);
  CHECK(h.coordinator->state() == GroupCoordinator::State::empty);
  CHECK(h.coordinator->committed(owned) == 5);

  h.members[1]->send(h.simulation, MessageType::heartbeat, 1, member_id(1, 0), 1);
  h.run_until_ms(200);
  CHECK(h.members[1]->last(MessageType::heartbeat_response)->error == ErrorCode::unknown_member);
  // The old broker, back, is no longer the coordinator.
  h.brokers[0]->restart(h.simulation);
  h.members[1]->send(h.simulation, MessageType::heartbeat, 0, member_id(1, 0), 1);
  h.run_until_ms(300);
  CHECK(h.members[1]->last(MessageType::heartbeat_response)->error == ErrorCode::coordinator_not_available);

  for (int i = 0; i < 3; ++i) h.members[static_cast<std::size_t>(i)]->send(h.simulation, MessageType::join_group, 1, member_id(i, 0), 1);
  h.run_until_ms(400);
  CHECK(h.coordinator->generation() == 2);  // Generations stay monotonic across failover.
  CHECK(h.coordinator->host_broker() == 1);
  CHECK(h.truth.groups[0].rebalances == 1);
}

TEST_CASE("model: group_coordinator: a member that missed its join response gets the same assignment again") {
  GroupHarness h(group_config(3), 6, 0);
  h.add_members(3);
  form_group(h);
  auto const before = partitions_of(*h.members[1]->last(MessageType::join_response));
  h.members[1]->send(h.simulation, MessageType::join_group, 0, member_id(1, 0), 0);
  h.run_until_ms(100);
  CHECK(h.coordinator->generation() == 1);
  CHECK(partitions_of(*h.members[1]->last(MessageType::join_response)) == before);
  CHECK(h.truth.groups[0].rebalances == 0);
}

TEST_CASE("model: group_coordinator: lag is sampled every second as log end minus committed offset") {
  GroupHarness h(group_config(3), 6, 100);
  h.add_members(3);
  form_group(h);
  h.run_until_ms(1500);
  CHECK(h.truth.groups[0].max_lag == 600);
  std::uint32_t const owned = partitions_of(*h.members[0]->last(MessageType::join_response)).front();
  REQUIRE(commit(h, 0, 1, owned, 100) == ErrorCode::none);
  h.run_until_ms(2500);
  auto const& samples = h.truth.groups[0].lag_samples;
  REQUIRE(samples.size() == 2);
  CHECK(samples[0] == 600);
  CHECK(samples[1] == 500);
}
