#include "reports/checker.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <unordered_map>
#include <vector>

#include "reports/examples.h"
#include "sim/assert.h"

namespace brokersim::reports {

namespace {

using model::GroupTruth;
using model::MessageRecord;

// Rounds to microsecond precision in milliseconds, so reports print short, stable numbers.
double round_ms(double ms) { return std::round(ms * 1000.0) / 1000.0; }
double round3(double value) { return std::round(value * 1000.0) / 1000.0; }

// Calls visit(latency) for the first effect of every acknowledged send that took effect in a group
// (what the latency figures describe), in (group, message) order. The checker passes over the truth a few
// times rather than holding a copy of every latency: 8 bytes a message saved at the run's peak.
template <typename Visit>
void for_each_effect_latency(model::World const& world, Visit&& visit) {
  model::GroundTruth const& truth = world.truth();
  model::ClusterLayout const& layout = world.controller().layout();
  for (GroupTruth const& group : truth.groups) {
    for (std::uint32_t id = 0; id < truth.messages.size(); ++id) {
      MessageRecord const& message = truth.messages[id];
      if (layout.partitions[static_cast<std::size_t>(message.partition)].topic != group.topic) continue;
      if (message.poison || message.republished || !message.acked()) continue;
      if (group.effects_of(id) == 0) continue;
      visit(group.first_effect_at(id, message.sent_at()) - message.sent_at());
    }
  }
}

// The ranks[i]-th smallest (from 1) visited latencies, by radix selection: one pass per 16-bit digit from
// the highest that `max` has, each counting, for every rank at once, the values that share the digits
// chosen so far for it.
template <std::size_t kRanks>
std::array<sim::Time, kRanks> select_latencies(model::World const& world, std::array<std::uint64_t, kRanks> ranks, sim::Time max) {
  constexpr int kDigitBits = 16;
  constexpr std::size_t kDigits = std::size_t{1} << kDigitBits;
  auto const above = [](std::uint64_t value, int shift) { return shift >= 64 ? 0 : value >> shift; };
  int const width = std::max(1, static_cast<int>(std::bit_width(static_cast<std::uint64_t>(max))));
  std::array<std::uint64_t, kRanks> prefix{};  // The digits chosen so far, per rank.
  std::vector<std::uint64_t> counts(kRanks * kDigits);
  for (int shift = (width - 1) / kDigitBits * kDigitBits; shift >= 0; shift -= kDigitBits) {
    std::fill(counts.begin(), counts.end(), 0);
    for_each_effect_latency(world, [&](sim::Time latency) {
      auto const value = static_cast<std::uint64_t>(latency);
      std::uint64_t const high = above(value, shift + kDigitBits);
      std::size_t const digit = (value >> shift) & (kDigits - 1);
      for (std::size_t r = 0; r < kRanks; ++r) {
        if (high == prefix[r]) ++counts[r * kDigits + digit];
      }
    });
    for (std::size_t r = 0; r < kRanks; ++r) {
      BROKERSIM_ASSERT(ranks[r] >= 1);
      std::size_t digit = 0;
      while (digit < kDigits && ranks[r] > counts[r * kDigits + digit]) ranks[r] -= counts[r * kDigits + digit++];
      BROKERSIM_ASSERT(digit < kDigits);
      prefix[r] = (prefix[r] << kDigitBits) | digit;
    }
  }
  std::array<sim::Time, kRanks> selected{};
  for (std::size_t r = 0; r < kRanks; ++r) selected[r] = static_cast<sim::Time>(prefix[r]);
  return selected;
}

LatencySummary summarise_latency(model::World const& world) {
  LatencySummary summary;
  std::uint64_t count = 0;
  sim::Time total = 0;
  sim::Time max = 0;
  for_each_effect_latency(world, [&](sim::Time latency) {
    BROKERSIM_ASSERT(latency >= 0);
    ++count;
    total += latency;
    max = std::max(max, latency);
  });
  if (count == 0) return summary;
  auto const nearest_rank = [&](double fraction) {
    auto const rank = static_cast<std::uint64_t>(std::ceil(fraction * static_cast<double>(count)));
    return std::clamp<std::uint64_t>(rank, 1, count);
  };
  auto const [p50, p99] = select_latencies<2>(world, {nearest_rank(0.50), nearest_rank(0.99)}, max);
  summary.mean_ms = round_ms(sim::time_to_ms(total) / static_cast<double>(count));
  summary.p50_ms = round_ms(sim::time_to_ms(p50));
  summary.p99_ms = round_ms(sim::time_to_ms(p99));
  summary.max_ms = round_ms(sim::time_to_ms(max));
  return summary;
}

// Tracks, per (producer instance, key or partition), the latest first effect so far in send order (by its
// place in the run's order of effects); a message whose first effect comes before that was overtaken by a
// later send: a reordered pair.
class OrderTracker {
 public:
  bool overtaken(std::uint64_t stream, std::uint32_t first_effect) {
    auto [slot, fresh] = latest_.try_emplace(stream, first_effect);
    if (fresh) return false;
    if (first_effect < slot->second) return true;
    slot->second = first_effect;
    return false;
  }

 private:
  std::unordered_map<std::uint64_t, std::uint32_t> latest_;  // Only probed, never iterated: order-free.
};

struct Tally {
  Violations violations;
  Metrics metrics;
  ExampleCandidates candidates;
};

std::int64_t committed_at_end(GroupTruth const& group, model::ClusterLayout const& layout, std::uint32_t partition) {
  std::uint32_t const first = layout.first_partition[group.topic];
  BROKERSIM_ASSERT(partition >= first && partition - first < group.committed_at_end.size());
  return group.committed_at_end[partition - first];
}

void classify_group(model::World const& world, std::size_t group_index, Tally& tally) {
  model::GroundTruth const& truth = world.truth();
  model::FinalLogs const& logs = truth.final_logs;
  GroupTruth const& group = truth.groups[group_index];
  model::ClusterLayout const& layout = world.controller().layout();
  OrderTracker by_key;
  OrderTracker by_partition;
  std::uint64_t distinct_attempted = 0;
  for (std::uint32_t id = 0; id < truth.messages.size(); ++id) {
    MessageRecord const& message = truth.messages[id];
    if (layout.partitions[static_cast<std::size_t>(message.partition)].topic != group.topic) continue;
    if (group.has(id, GroupTruth::kAttempted)) ++distinct_attempted;
    if (message.poison || message.republished) continue;  // A republished copy: its effect is its origin's.
    std::uint16_t const effects = group.effects_of(id);
    if (!message.acked()) {
      // A phantom: the producer was told the send failed, yet it was appended and took effect. Its
      // effects break no at-least-once promise, but a second one breaks at-most-once.
      tally.metrics.phantom_effects += effects;
      if (effects > 1) {
        ++tally.violations.duplicate;
        tally.candidates.add("duplicate", id, group_index);
      }
      continue;
    }
    bool const dead = group.has(id, GroupTruth::kDeadLettered);
    if (effects > 0) {
      ++tally.metrics.processed;
      tally.metrics.effects += effects;
      if (effects > 1) {
        ++tally.violations.duplicate;
        tally.candidates.add("duplicate", id, group_index);
      }
      std::uint32_t const first = group.first_effect_order[id];
      std::uint64_t const producer = static_cast<std::uint64_t>(message.producer) << 32;
      if (message.key != model::kNoKey && by_key.overtaken(producer | message.key, first)) {
        ++tally.violations.reordered;
        tally.candidates.add("reordered", id, group_index);
      }
      if (by_partition.overtaken(producer | static_cast<std::uint32_t>(message.partition), first)) {
        ++tally.violations.reordered_in_partition;
      }
      continue;
    }
    std::int64_t const offset = logs.offset_of[id];
    char const* kind = nullptr;
    bool const still_pending = group.has(id, GroupTruth::kInHandAtEnd) || group.has(id, GroupTruth::kRetryAtEnd);
    if (dead) {
      kind = "dead_lettered";
      ++tally.violations.dead_lettered;
    } else if (offset < 0) {
      kind = "lost";
      ++tally.violations.lost;
    } else if (!still_pending && committed_at_end(group, layout, static_cast<std::uint32_t>(message.partition)) > offset) {
      kind = "skipped";
      ++tally.violations.skipped;
    } else {
      kind = "unprocessed";
      ++tally.violations.unprocessed;
    }
    tally.candidates.add(kind, id, group_index);
  }
  tally.metrics.attempts += group.attempts;
  tally.metrics.redeliveries += group.redeliveries;
  tally.metrics.rebalances += group.rebalances;
  tally.metrics.members_left += group.members_left;
  tally.metrics.deduplicated += group.deduplicated;
  tally.metrics.truncation_resets += group.truncations_detected;
  tally.metrics.max_consumer_lag = std::max(tally.metrics.max_consumer_lag, group.max_lag);
  tally.metrics.retry_amplification = std::max(
      tally.metrics.retry_amplification,
      distinct_attempted > 0 ? round3(static_cast<double>(group.attempts) / static_cast<double>(distinct_attempted)) : 0.0);
}

// Acknowledged messages of topics no group reads can still be lost. Not the records of a dead-letter
// topic: each is a copy of a message already classified (dead_lettered) for the group that gave up on it,
// and its loss is no second violation of that message (a poison message's copy is no violation at all).
void classify_unread(model::World const& world, Tally& tally) {
  model::GroundTruth const& truth = world.truth();
  model::FinalLogs const& logs = truth.final_logs;
  model::ClusterLayout const& layout = world.controller().layout();
  std::vector<bool> classified_elsewhere(world.config().topics.size(), false);
  for (GroupTruth const& group : truth.groups) classified_elsewhere[group.topic] = true;
  for (model::ConsumerGroupConfig const& group : world.config().consumer_groups) {
    if (group.on_failure.then != model::AfterFailure::dead_letter) continue;
    std::string const dead_letter_topic = group.topic + ".DLT";
    for (std::size_t t = 0; t < world.config().topics.size(); ++t) {
      if (world.config().topics[t].name == dead_letter_topic) classified_elsewhere[t] = true;
    }
  }
  for (std::uint32_t id = 0; id < truth.messages.size(); ++id) {
    MessageRecord const& message = truth.messages[id];
    if (classified_elsewhere[layout.partitions[static_cast<std::size_t>(message.partition)].topic]) continue;
    if (!message.acked() || message.poison || message.republished || logs.offset_of[id] >= 0) continue;
    ++tally.violations.lost;
    tally.candidates.add("lost", id, ExampleCandidates::kNoGroup);
  }
}

// A follow-up stamped earlier than the message whose processing caused it.
void count_inversions(model::GroundTruth const& truth, Tally& tally) {
  if (!truth.tracks_timestamps) return;
  for (std::uint32_t id = 0; id < truth.messages.size(); ++id) {
    std::uint32_t const cause = truth.causes[id];
    if (cause == model::kNoCause || !truth.messages[id].acked()) continue;
    if (truth.timestamps[id] < truth.timestamps[cause]) {
      ++tally.violations.timestamp_inversion;
      tally.candidates.add("timestamp_inversion", id, ExampleCandidates::kNoGroup);
    }
  }
}

// A read model that applies a group's messages last-writer-wins by timestamp ends, per key, on the
// message with the highest timestamp; in true time the last write is the one sent last. Keys where the
// two differ are wrong in the read model.
std::uint64_t divergent_keys(model::World const& world) {
  model::GroundTruth const& truth = world.truth();
  if (!truth.tracks_timestamps) return 0;
  std::uint64_t divergent = 0;
  model::ClusterLayout const& layout = world.controller().layout();
  for (std::size_t g = 0; g < truth.groups.size(); ++g) {
    if (world.config().consumer_groups[g].order_by != model::OrderBy::timestamp) continue;
    model::GroupTruth const& group = truth.groups[g];
    std::unordered_map<std::uint32_t, std::pair<std::uint32_t, std::uint32_t>> last;  // key -> (by timestamp, by time)
    for (std::uint32_t id = 0; id < truth.messages.size(); ++id) {
      MessageRecord const& m = truth.messages[id];
      if (m.key == model::kNoKey || group.effects_of(id) == 0) continue;
      if (layout.partitions[static_cast<std::size_t>(m.partition)].topic != group.topic) continue;
      auto [slot, fresh] = last.try_emplace(m.key, id, id);
      if (fresh) continue;
      if (truth.timestamps[id] >= truth.timestamps[slot->second.first]) slot->second.first = id;
      slot->second.second = id;  // Ids grow with true send time.
    }
    for (std::uint32_t id = 0; id < truth.messages.size(); ++id) {
      MessageRecord const& m = truth.messages[id];
      if (m.key == model::kNoKey) continue;
      auto const found = last.find(m.key);
      if (found == last.end() || found->second.second != id) continue;  // Visit each key once, at its last message.
      if (found->second.first != found->second.second) ++divergent;
    }
  }
  return divergent;
}

// The highest calls / capacity of any service in any 1-second window.
double downstream_peak_load(model::GroundTruth const& truth) {
  double peak = 0.0;
  for (model::ServiceTruth const& service : truth.services) {
    if (!service.capacity_per_s) continue;
    for (std::uint32_t const calls : service.calls_per_second) peak = std::max(peak, calls / *service.capacity_per_s);
  }
  return round3(peak);
}

void count_sends(model::GroundTruth const& truth, Metrics& metrics) {
  for (std::uint32_t id = 0; id < truth.messages.size(); ++id) {
    MessageRecord const& message = truth.messages[id];
    ++metrics.produced;
    if (message.poison) {
      ++metrics.poison;
      bool const dead_lettered = std::any_of(truth.groups.begin(), truth.groups.end(),
                                             [&](GroupTruth const& g) { return g.has(id, GroupTruth::kDeadLettered); });
      if (dead_lettered) ++metrics.poison_dead_lettered;
    }
    if (message.send_failed) ++metrics.send_failed;
    if (message.acked()) ++metrics.acked;
  }
}

}  // namespace

Report check(scenarios::Scenario const& scenario, std::uint64_t seed, model::World const& world, RunStats const& stats) {
  Report report;
  report.scenario_name = scenario.name;
  report.scenario_file = scenario.file;
  report.seed = seed;
  report.digest = stats.trace_digest;
  report.expect = scenario.expect;
  model::FinalLogs const& logs = world.truth().final_logs;
  BROKERSIM_ASSERT(logs.recorded);  // World::record_end_state() ran when the run stopped.
  Tally tally;
  count_sends(world.truth(), tally.metrics);
  for (std::size_t group = 0; group < world.truth().groups.size(); ++group) classify_group(world, group, tally);
  classify_unread(world, tally);
  count_inversions(world.truth(), tally);
  tally.metrics.read_model_divergent_keys = divergent_keys(world);
  tally.metrics.downstream_peak_load = downstream_peak_load(world.truth());
  tally.metrics.latency = summarise_latency(world);
  tally.metrics.log_duplicates = logs.log_duplicates;
  tally.metrics.leader_elections = world.truth().leader_elections;
  for (model::ElectionEvent const& election : world.truth().elections) {
    if (election.unclean) ++tally.metrics.unclean_leader_elections;
    if (election.leader < 0) ++tally.metrics.offline_partitions;
  }
  tally.metrics.produce_retries = world.truth().produce_retries;
  tally.metrics.sequence_duplicates = world.truth().sequence_duplicates;
  tally.metrics.out_of_order_sequences = world.truth().out_of_order_sequences;
  for (model::QuorumEvent const& change : world.truth().quorum) {
    if (change.leader != UINT32_MAX) ++tally.metrics.controller_elections;
  }
  tally.metrics.events = stats.events;
  tally.metrics.sim_time = stats.sim_time;
  report.violations = tally.violations;
  report.metrics = tally.metrics;
  report.broken = broken_expectations(scenario.expect, report.violations, report.metrics);
  report.examples = build_examples(world, tally.candidates);
  report.series = time_series_of(world, stats.sim_time);
  return report;
}

std::vector<std::string> broken_expectations(scenarios::Expectations const& expect, Violations const& violations,
                                             Metrics const& metrics) {
  using scenarios::DeliveryExpectation;
  using scenarios::OrderingExpectation;
  std::vector<std::string> broken;
  if (expect.delivery) {
    bool const wants_at_least_once = *expect.delivery != DeliveryExpectation::at_most_once;
    bool const wants_at_most_once = *expect.delivery != DeliveryExpectation::at_least_once;
    std::uint64_t const missing =
        violations.lost + violations.skipped + violations.unprocessed + violations.dead_lettered;
    if ((wants_at_least_once && missing > 0) || (wants_at_most_once && violations.duplicate > 0)) {
      broken.emplace_back("delivery");
    }
  }
  if (expect.ordering) {
    bool const per_key = *expect.ordering == OrderingExpectation::per_key && violations.reordered > 0;
    bool const per_partition =
        *expect.ordering == OrderingExpectation::per_partition && violations.reordered_in_partition > 0;
    if (per_key || per_partition) broken.emplace_back("ordering");
  }
  auto threshold = [&](std::optional<double> const& limit, double value, char const* name) {
    if (limit && value > *limit) broken.emplace_back(name);
  };
  threshold(expect.max_p99_latency_ms, metrics.latency.p99_ms, "max_p99_latency_ms");
  threshold(expect.max_consumer_lag, static_cast<double>(metrics.max_consumer_lag), "max_consumer_lag");
  threshold(expect.max_retry_amplification, metrics.retry_amplification, "max_retry_amplification");
  threshold(expect.max_dead_lettered, static_cast<double>(violations.dead_lettered), "max_dead_lettered");
  threshold(expect.max_timestamp_inversions, static_cast<double>(violations.timestamp_inversion),
            "max_timestamp_inversions");
  threshold(expect.max_downstream_load, metrics.downstream_peak_load, "max_downstream_load");
  return broken;
}

}  // namespace brokersim::reports
