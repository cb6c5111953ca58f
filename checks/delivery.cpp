#include "checks/delivery.h"

#include <string>
#include <vector>

#include "checks/disposition.h"

namespace brokersim::checks {

namespace {

using model::GroupTruth;
using model::MessageRecord;

char const* kind_of(Disposition disposition, Violations& violations) {
  switch (disposition) {
    case Disposition::dead_lettered:
      ++violations.dead_lettered;
      return "dead_lettered";
    case Disposition::dropped:
      ++violations.dropped;
      return "dropped";
    case Disposition::absent:
      ++violations.lost;
      return "lost";
    case Disposition::committed_past:
      ++violations.skipped;
      return "skipped";
    case Disposition::stored:
    case Disposition::in_flight:
      break;
  }
  ++violations.unprocessed;
  return "unprocessed";
}

void classify_group(Inputs const& inputs, std::size_t group_index, Findings& findings) {
  model::GroundTruth const& truth = inputs.truth;
  GroupTruth const& group = truth.groups[group_index];
  for (std::uint32_t id = 0; id < truth.messages.size(); ++id) {
    MessageRecord const& message = truth.messages[id];
    if (!inputs.expected_by(group, id)) continue;
    if (message.poison || message.republished) continue;  // A republished copy: its effect is its origin's.
    std::uint16_t const effects = group.effects_of(id);
    if (!message.acked()) {
      // A phantom: the producer was told the send failed, yet it was appended and took effect. Its
      // effects break no at-least-once promise, but a second one breaks at-most-once.
      findings.metrics.phantom_effects += effects;
      if (effects > 1) {
        ++findings.violations.duplicate;
        findings.candidates.add("duplicate", id, group_index);
      }
      continue;
    }
    if (effects > 0) {
      ++findings.metrics.processed;
      findings.metrics.effects += effects;
      if (effects > 1) {
        ++findings.violations.duplicate;
        findings.candidates.add("duplicate", id, group_index);
      }
      continue;
    }
    findings.candidates.add(kind_of(disposition(inputs, id, group_index), findings.violations), id, group_index);
  }
}

// Acknowledged messages of topics no group reads can still be lost. Not the records of a dead-letter
// topic: each is a copy of a message already classified (dead_lettered) for the group that gave up on it,
// and its loss is no second violation of that message (a poison message's copy is no violation at all).
void classify_unread(Inputs const& inputs, Findings& findings) {
  model::GroundTruth const& truth = inputs.truth;
  model::WorldConfig const& config = inputs.config;
  std::vector<bool> classified_elsewhere(config.topics.size(), false);
  for (GroupTruth const& group : truth.groups) {
    if (group.queue < 0) classified_elsewhere[group.topic] = true;
  }
  for (model::ConsumerGroupConfig const& group : config.consumer_groups) {
    if (group.on_failure.then != model::AfterFailure::dead_letter || group.queue) continue;
    std::string const dead_letter_topic = group.topic + ".DLT";
    for (std::size_t t = 0; t < config.topics.size(); ++t) {
      if (config.topics[t].name == dead_letter_topic) classified_elsewhere[t] = true;
    }
  }
  for (std::uint32_t id = 0; id < truth.messages.size(); ++id) {
    MessageRecord const& message = truth.messages[id];
    std::uint32_t const topic = inputs.topic_of(id);
    if (topic == Inputs::kNoTopic || classified_elsewhere[topic]) continue;
    if (!message.acked() || message.poison || message.republished) continue;
    if (disposition(inputs, id) != Disposition::absent) continue;
    ++findings.violations.lost;
    findings.candidates.add("lost", id, ExampleCandidates::kNoGroup);
  }
}

// RabbitMQ messages no binding routes anywhere: the broker drops them (with mandatory, after returning
// them to the publisher), whichever group their publisher meant them for.
void classify_unroutable(Inputs const& inputs, Findings& findings) {
  for (std::uint32_t id : inputs.truth.unroutable) {
    MessageRecord const& message = inputs.truth.messages[id];
    if (!message.acked() || message.poison || message.republished) continue;
    ++findings.violations.dropped;
    findings.candidates.add("dropped", id, ExampleCandidates::kNoGroup);
  }
}

}  // namespace

void check_delivery(Inputs const& inputs, Findings& findings) {
  for (std::size_t group = 0; group < inputs.truth.groups.size(); ++group) classify_group(inputs, group, findings);
  classify_unread(inputs, findings);
  classify_unroutable(inputs, findings);
}

bool delivery_broken(scenarios::DeliveryExpectation expected, Violations const& violations) {
  using scenarios::DeliveryExpectation;
  bool const wants_at_least_once = expected != DeliveryExpectation::at_most_once;
  bool const wants_at_most_once = expected != DeliveryExpectation::at_least_once;
  std::uint64_t const missing =
      violations.lost + violations.skipped + violations.unprocessed + violations.dead_lettered + violations.dropped;
  return (wants_at_least_once && missing > 0) || (wants_at_most_once && violations.duplicate > 0);
}

}  // namespace brokersim::checks
