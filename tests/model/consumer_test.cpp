// Consumer instances against fake brokers: every record processed once when nothing fails, what each
// commit mode and dedup store does when an instance crashes in the middle of a batch, and how an instance
// retired by a scale fault closes instead.
#include "model/kafka/consumer.h"

#include <catch2/catch.hpp>

#include "group_harness.h"

using namespace brokersim::model;
using brokersim::model::testing::GroupHarness;
using brokersim::sim::Distribution;
using brokersim::sim::kMicrosPerMilli;

namespace {

ConsumerGroupConfig group_config(int instances, CommitMode commit) {
  ConsumerGroupConfig config;
  config.name = "g";
  config.topic = "t";
  config.instances = instances;
  config.commit = commit;
  config.session_timeout = 10000 * kMicrosPerMilli;
  config.heartbeat_interval = 3000 * kMicrosPerMilli;
  return config;
}

// One instance, one partition of 100 records, batches of 10 taking 100 ms a record; the instance
// crashes at 1.55 s, in the middle of its second batch (records 10..19, of which 10..14 are done), and
// restarts at 2 s. Its old member leaves the group only when its session times out.
GroupHarness& crash_mid_batch(GroupHarness& h) {
  h.add_consumers();
  h.run_until_ms(1550);
  REQUIRE(h.consumers[0]->records_processed() == 15);
  h.consumers[0]->crash(h.simulation);
  h.run_until_ms(2000);
  h.consumers[0]->restart(h.simulation);
  h.run_until_ms(60000);
  return h;
}

ConsumerGroupConfig slow_single(CommitMode commit, Dedup dedup = Dedup::none) {
  ConsumerGroupConfig config = group_config(1, commit);
  config.max_poll_records = 10;
  config.processing = Distribution::constant(100.0 * kMicrosPerMilli);
  config.dedup = dedup;
  return config;
}

}  // namespace

TEST_CASE("model: consumer: a group with no faults processes every record exactly once and commits the log end") {
  for (CommitMode const commit : {CommitMode::after_processing, CommitMode::before_processing, CommitMode::auto_commit}) {
    ConsumerGroupConfig config = group_config(3, commit);
    config.max_poll_records = 50;
    config.auto_commit_interval = 1000 * kMicrosPerMilli;
    config.processing = Distribution::exponential(2.0 * kMicrosPerMilli);
    GroupHarness h(config, 6, 300);
    h.add_consumers();
    h.run_until_ms(30000);
    for (std::uint32_t message = 0; message < 6 * 300; ++message) REQUIRE(h.effects(message) == 1);
    CHECK(h.truth.groups[0].redeliveries == 0);
    CHECK(h.truth.groups[0].attempts == 6 * 300);
    CHECK(h.truth.groups[0].rebalances == 0);
    CHECK(h.coordinator->generation() == 1);
    INFO("commit mode " << static_cast<int>(commit));
    for (std::uint32_t p = 0; p < 6; ++p) CHECK(h.coordinator->committed(p) == 300);
    for (auto& consumer : h.consumers) CHECK(consumer->assignment().size() == 2);
  }
}

TEST_CASE("model: consumer: commit after processing, crash mid-batch: the processed part of the batch is processed again") {
  GroupHarness h(slow_single(CommitMode::after_processing), 1, 100);
  crash_mid_batch(h);
  for (std::uint32_t message = 0; message < 100; ++message) {
    INFO("message " << message);
    CHECK(h.effects(message) == (message >= 10 && message < 15 ? 2 : 1));
  }
  CHECK(h.truth.groups[0].redeliveries == 10);  // 10..19 were handed out twice.
  CHECK(h.truth.groups[0].rebalances == 1);
  CHECK(h.coordinator->committed(0) == 100);
}

TEST_CASE("model: consumer: commit before processing, crash mid-batch: the rest of the batch is skipped") {
  GroupHarness h(slow_single(CommitMode::before_processing), 1, 100);
  crash_mid_batch(h);
  for (std::uint32_t message = 0; message < 100; ++message) {
    INFO("message " << message);
    CHECK(h.effects(message) == (message >= 15 && message < 20 ? 0 : 1));
  }
  CHECK(h.truth.groups[0].redeliveries == 0);
  CHECK(h.coordinator->committed(0) == 100);
}

TEST_CASE("model: consumer: durable dedup survives the crash and prevents the duplicate effects, memory dedup does not") {
  GroupHarness durable(slow_single(CommitMode::after_processing, Dedup::durable), 1, 100);
  crash_mid_batch(durable);
  for (std::uint32_t message = 0; message < 100; ++message) REQUIRE(durable.effects(message) == 1);
  // Deduplicated records are not processed again; record 15, in progress at the crash, was attempted twice.
  CHECK(durable.truth.groups[0].attempts == 101);

  GroupHarness memory(slow_single(CommitMode::after_processing, Dedup::memory), 1, 100);
  crash_mid_batch(memory);
  CHECK(memory.effects(12) == 2);
}

TEST_CASE("model: consumer: auto-commit, crash: everything since the last auto-commit is processed again") {
  ConsumerGroupConfig config = slow_single(CommitMode::auto_commit);
  config.auto_commit_interval = 5000 * kMicrosPerMilli;
  GroupHarness h(config, 1, 100);
  crash_mid_batch(h);
  // Nothing was committed before the crash (the first auto-commit was due at 5 s): 0..14 twice.
  for (std::uint32_t message = 0; message < 100; ++message) {
    INFO("message " << message);
    CHECK(h.effects(message) == (message < 15 ? 2 : 1));
  }
}

namespace {

// Two instances, two partitions of 100 records (range: instance i owns partition i), batches of 10 taking
// 100 ms a record; instance 1 is retired at 1.55 s, in the middle of a batch.
GroupHarness& retire_mid_batch(GroupHarness& h) {
  h.add_consumers();
  h.run_until_ms(1550);
  REQUIRE(h.consumers[1]->assigned());
  REQUIRE(h.consumers[1]->assignment() == std::vector<std::uint32_t>{1});
  h.consumers[1]->retire(h.simulation);
  return h;
}

ConsumerGroupConfig slow_pair(CommitMode commit) {
  ConsumerGroupConfig config = slow_single(commit);
  config.instances = 2;
  return config;
}

}  // namespace

TEST_CASE("model: consumer: a retired instance finishes its batch, commits, leaves at once, and nothing is processed twice") {
  for (CommitMode const commit : {CommitMode::after_processing, CommitMode::auto_commit}) {
    INFO("commit mode " << static_cast<int>(commit));
    ConsumerGroupConfig config = slow_pair(commit);
    config.auto_commit_interval = 60000 * kMicrosPerMilli;  // No timed auto-commit: only the one on close.
    GroupHarness h(config, 2, 100);
    retire_mid_batch(h);
    h.run_until_ms(1600);
    CHECK(h.consumers[1]->alive());  // Still processing the batch in hand.
    h.run_until_ms(3000);
    // Gone, and the group rebalanced long before the 10 s session timeout would have noticed.
    CHECK_FALSE(h.consumers[1]->alive());
    CHECK_FALSE(h.consumers[1]->deployed());
    CHECK(h.coordinator->member_count() == 1);
    std::int64_t const committed_on_close = h.coordinator->committed(1);
    CHECK(committed_on_close % 10 == 0);  // A whole batch: it finished the one it had.
    CHECK(committed_on_close >= 10);
    // The survivor hears of the rebalance at its next heartbeat (3 s) and rejoins after its own batch.
    h.run_until_ms(7000);
    CHECK(h.consumers[0]->assignment() == std::vector<std::uint32_t>{0, 1});
    h.run_until_ms(60000);
    for (std::uint32_t message = 0; message < 200; ++message) REQUIRE(h.effects(message) == 1);
    CHECK(h.truth.groups[0].redeliveries == 0);
    CHECK(h.truth.groups[0].rebalances == 1);
  }
}

TEST_CASE("model: consumer: a retired instance in a retry backoff abandons the batch and commits only what it processed") {
  ConsumerGroupConfig config = slow_pair(CommitMode::after_processing);
  config.on_failure.then = AfterFailure::block;
  config.on_failure.backoff.initial = 1000 * kMicrosPerMilli;
  GroupHarness h(config, 2, 100);
  h.truth.messages[100 + 13].poison = 1;  // Partition 1, offset 13: instance 1 retries it without end.
  retire_mid_batch(h);
  h.run_until_ms(5000);
  CHECK_FALSE(h.consumers[1]->alive());
  CHECK(h.coordinator->committed(1) == 13);  // 10..12 done; 13..19 were in the batch but not processed.
  for (std::uint32_t message = 100; message < 113; ++message) CHECK(h.effects(message) == 1);
  for (std::uint32_t message = 114; message < 120; ++message) CHECK(h.effects(message) == 0);
  // The partition moved with its poison message: the survivor is stuck behind it, as its owner was.
  h.run_until_ms(30000);
  CHECK(h.consumers[0]->assignment() == std::vector<std::uint32_t>{0, 1});
  CHECK(h.coordinator->committed(0) == 100);
  CHECK(h.coordinator->committed(1) == 13);
}

TEST_CASE("model: consumer: an instance retired and deployed again before it has closed comes back as a new member") {
  GroupHarness h(slow_pair(CommitMode::after_processing), 2, 100);
  retire_mid_batch(h);
  std::uint64_t const old_member = h.consumers[1]->member();
  h.run_until_ms(1600);
  h.consumers[1]->set_deployed(true);  // What World::scale does for a running instance: it restarts itself.
  h.run_until_ms(60000);
  CHECK(h.consumers[1]->alive());
  CHECK(h.consumers[1]->member() != old_member);
  CHECK(h.consumers[1]->assigned());
  for (std::uint32_t message = 0; message < 200; ++message) REQUIRE(h.effects(message) == 1);
}

namespace {

// One instance, 10 ms a record, non-blocking retries: 3 attempts 2 s apart, then the dead-letter topic.
ConsumerGroupConfig retrying_through_topics() {
  ConsumerGroupConfig config = slow_single(CommitMode::after_processing);
  config.processing = Distribution::constant(10.0 * kMicrosPerMilli);
  config.on_failure.non_blocking = true;
  config.on_failure.max_attempts = 3;
  config.on_failure.backoff.initial = 2000 * kMicrosPerMilli;
  config.on_failure.then = AfterFailure::dead_letter;
  return config;
}

}  // namespace

TEST_CASE("model: consumer: non-blocking retries: the partition moves on while a failed record waits out its backoff") {
  GroupHarness h(retrying_through_topics(), 1, 100);
  h.truth.messages[13].poison = 1;
  h.add_consumers();
  // Blocking retries would hold records 14.. behind record 13 for 2 s + 4 s; here they are done by 1.5 s.
  h.run_until_ms(1500);
  for (std::uint32_t message = 14; message < 100; ++message) REQUIRE(h.effects(message) == 1);
  CHECK(h.coordinator->committed(0) == 100);  // Committed past it: it is in the retry topic now.
  CHECK(h.coordinator->retries_pending() == 1);
  CHECK_FALSE(h.truth.groups[0].has(13, brokersim::model::GroupTruth::kDeadLettered));  // Not given up on yet.
  // Its attempts come at about 0.14 s, 2.14 s and 4.14 s (a fixed 2 s backoff); after the third it is
  // dead-lettered.
  h.run_until_ms(4000);
  CHECK(h.coordinator->retries_pending() == 1);
  h.run_until_ms(5000);
  CHECK(h.coordinator->retries_pending() == 0);
  CHECK(h.truth.groups[0].has(13, brokersim::model::GroupTruth::kDeadLettered));
  CHECK(h.truth.groups[0].attempts == 100 + 2);
}

TEST_CASE("model: consumer: non-blocking retries are durable: a crash while one waits does not lose it") {
  GroupHarness h(retrying_through_topics(), 1, 100);
  h.truth.messages[13].poison = 1;
  h.add_consumers();
  h.run_until_ms(1500);
  REQUIRE(h.coordinator->retries_pending() == 1);
  h.consumers[0]->crash(h.simulation);
  h.run_until_ms(1600);
  h.consumers[0]->restart(h.simulation);
  h.run_until_ms(60000);
  CHECK(h.coordinator->retries_pending() == 0);
  CHECK(h.truth.groups[0].has(13, brokersim::model::GroupTruth::kDeadLettered));  // Its attempts went on in the restarted process.
  for (std::uint32_t message = 0; message < 100; ++message) {
    if (message != 13) REQUIRE(h.effects(message) == 1);
  }
}

TEST_CASE("model: consumer: a paused instance is expelled and its partitions move to the others") {
  ConsumerGroupConfig config = group_config(2, CommitMode::after_processing);
  config.processing = Distribution::constant(10.0 * kMicrosPerMilli);
  config.max_poll_records = 10;
  GroupHarness h(config, 2, 1000);
  h.add_consumers();
  h.run_until_ms(1000);
  h.consumers[0]->pause(h.simulation, 20000 * kMicrosPerMilli);
  h.run_until_ms(15000);
  CHECK(h.consumers[1]->assignment().size() == 2);
  h.run_until_ms(60000);
  for (std::uint32_t message = 0; message < 2000; ++message) REQUIRE(h.effects(message) >= 1);
  CHECK(h.truth.groups[0].rebalances >= 2);  // Out when expelled, back in when it resumes.
  CHECK(h.coordinator->generation() >= 3);
}

TEST_CASE("model: consumer: a fetch answered not_leader is retried against the new leader") {
  GroupHarness h(group_config(1, CommitMode::after_processing), 1, 50);
  h.add_consumers();
  h.run_until_ms(4000);
  REQUIRE(h.effects(49) == 1);
  // Leadership moves to broker-1, which hears of it only at 5 s. New records arrive once the fetch
  // parked at broker-0 has expired.
  h.cluster.leaders[0] = 1;
  h.brokers[1]->refuse_fetches = true;
  h.run_until_ms(4600);
  for (std::uint32_t message = 50; message < 80; ++message) h.logs[0].push_back(LogEntry{message, 2});
  h.run_until_ms(5000);
  CHECK(h.effects(50) == 0);
  CHECK(h.brokers[1]->not_leader_answers > 0);
  h.brokers[1]->refuse_fetches = false;
  h.run_until_ms(8000);
  for (std::uint32_t message = 0; message < 80; ++message) REQUIRE(h.effects(message) == 1);
}

TEST_CASE("model: consumer: a fetch past the log end (after truncation) resets to the earliest offset") {
  GroupHarness h(group_config(1, CommitMode::after_processing), 1, 100);
  h.add_consumers();
  h.run_until_ms(4000);
  REQUIRE(h.effects(99) == 1);
  // An unclean election truncated the log to 50 and the new leader appended 30 other records.
  h.logs[0].resize(50);
  for (std::uint32_t message = 100; message < 130; ++message) h.logs[0].push_back(LogEntry{message, 2});
  h.run_until_ms(8000);
  for (std::uint32_t message = 0; message < 50; ++message) REQUIRE(h.effects(message) == 2);
  for (std::uint32_t message = 50; message < 100; ++message) REQUIRE(h.effects(message) == 1);
  for (std::uint32_t message = 100; message < 130; ++message) REQUIRE(h.effects(message) == 1);
  CHECK(h.truth.groups[0].redeliveries == 80);  // Offsets 0..79 were handed out before.
}
