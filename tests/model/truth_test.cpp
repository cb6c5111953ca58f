// The compact per-message ground truth: what it packs must read back exactly.
#include <catch2/catch.hpp>

#include <cstdint>
#include <vector>

#include "model/truth/truth.h"

using brokersim::model::GroupTruth;
using brokersim::model::kNever;
using brokersim::model::MessageRecord;

TEST_CASE("model: truth: a message record keeps 48-bit times exactly, and kNever for a send never acknowledged", "[model]") {
  MessageRecord record;
  CHECK(record.acked_at() == kNever);
  CHECK_FALSE(record.acked());
  brokersim::sim::Time const late = static_cast<brokersim::sim::Time>(MessageRecord::kTimeLimit) - 1;
  record.set_sent_at(late - 5);
  record.set_acked_at(late);
  record.producer = 65535;
  record.schema = 255;
  CHECK(record.sent_at() == late - 5);
  CHECK(record.acked_at() == late);
  CHECK(record.producer == 65535);  // Neighbouring fields do not bleed into each other.
  CHECK(record.schema == 255);
  CHECK(record.send_failed == 0);
  record.set_acked_at(kNever);
  CHECK(record.acked_at() == kNever);
  CHECK(record.sent_at() == late - 5);
}

TEST_CASE("model: truth: a first effect reads back exactly, past 71 minutes after its send too", "[model]") {
  GroupTruth group;
  brokersim::sim::Time const sent = 1'000'000;
  brokersim::sim::Time const hours = 5LL * 3600 * 1'000'000;  // Past 2^32 microseconds.
  group.set_first_effect_at(0, sent, sent);
  group.set_first_effect_at(1, sent, sent + 4'294'967'293LL);  // The last delay kept in 4 bytes.
  group.set_first_effect_at(2, sent, sent + 4'294'967'294LL);  // The first one kept aside.
  group.set_first_effect_at(3, sent, sent + hours);
  CHECK(group.first_effect_at(0, sent) == sent);
  CHECK(group.first_effect_at(1, sent) == sent + 4'294'967'293LL);
  CHECK(group.first_effect_at(2, sent) == sent + 4'294'967'294LL);
  CHECK(group.first_effect_at(3, sent) == sent + hours);
  CHECK(group.first_effect_at(4, sent) == kNever);
  group.set_first_effect_at(3, sent, sent + 7);  // Overwritten: the kept-aside time goes.
  CHECK(group.first_effect_at(3, sent) == sent + 7);
  CHECK(group.late_first_effects.size() == 1);
  group.set_first_effect_at(2, sent, kNever);
  CHECK(group.first_effect_at(2, sent) == kNever);
  CHECK(group.late_first_effects.empty());
}

TEST_CASE("model: truth: a queue's depth per second is the highest it held in that second, carried over quiet seconds", "[model]") {
  using brokersim::sim::kMicrosPerMilli;
  brokersim::model::QueueTruth queue;
  queue.observe(500 * kMicrosPerMilli, 3, 0);   // Second 0: 3 ready.
  queue.observe(2200 * kMicrosPerMilli, 1, 2);  // Second 2: 2 of them delivered; second 1 held 3 ready throughout.
  CHECK(queue.ready_per_second == std::vector<std::uint64_t>{3, 3, 3});  // Second 2 began with 3 ready.
  CHECK(queue.unacked_per_second == std::vector<std::uint64_t>{0, 0, 2});
  queue.observe(2700 * kMicrosPerMilli, 5, 0);  // Still second 2: 2 acked, 4 published.
  CHECK(queue.ready_per_second == std::vector<std::uint64_t>{3, 3, 5});
  CHECK(queue.unacked_per_second == std::vector<std::uint64_t>{0, 0, 2});
  queue.observe(2900 * kMicrosPerMilli, 0, 0);  // Purged: the second's highest stays.
  CHECK(queue.ready_per_second[2] == 5);
  CHECK(queue.ready == 0);
  CHECK(queue.max_ready == 5);
  CHECK(queue.max_unacked == 2);
  CHECK(queue.max_depth == 5);  // The highest ready (5) and unacked (2) were never held together.
}
