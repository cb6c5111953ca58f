#include "reports/rabbitmq_examples.h"

#include <algorithm>
#include <string>
#include <vector>

#include "reports/report_tables.h"

namespace brokersim::reports {

namespace {

using model::GroupTruth;
using model::MessageRecord;

std::string queue_name(model::World const& world, std::int64_t queue) {
  auto const& queues = world.config().rabbitmq.queues;
  return queue >= 0 && static_cast<std::size_t>(queue) < queues.size() ? queues[static_cast<std::size_t>(queue)].name : "?";
}

// rabbit_dead_letter's reasons, as x-death names them.
std::string reason_name(std::int64_t reason) {
  constexpr char const* kReasons[] = {"rejected", "expired", "maxlen", "delivery_limit"};
  return reason >= 0 && reason < 4 ? kReasons[reason] : "?";
}

TimelineEntry entry_of(model::World const& world, model::TraceEvent const& event) {
  std::string const node = event.node == model::kNoNode ? "?" : world.network().name(event.node);
  switch (event.kind) {
    case model::TraceKind::send_attempt:
      return {event.at, "", event.value > 1 ? "republish" : "publish",
              "to " + node + (event.value > 1 ? " (attempt " + std::to_string(event.value) + ")" : "")};
    case model::TraceKind::send_failed:
      return {event.at, "", "send failed", "the publisher gave up"};
    case model::TraceKind::acked:
      return {event.at, "", "confirmed", "basic.ack from " + node};
    case model::TraceKind::routed:
      return {event.at, node, "route", event.value == 0 ? "no binding matched: unroutable" : "to " + std::to_string(event.value) + " queue(s)"};
    case model::TraceKind::enqueued:
      return {event.at, node, "enqueue", "in queue " + queue_name(world, event.value)};
    case model::TraceKind::delivered:
    case model::TraceKind::redelivered:
      return {event.at, node, event.kind == model::TraceKind::delivered ? "deliver" : "redeliver",
              "from queue " + queue_name(world, event.epoch) + ", delivery tag " + std::to_string(event.value)};
    case model::TraceKind::settled:
      switch (static_cast<model::Settlement>(event.value)) {
        case model::Settlement::ack:
          return {event.at, node, "ack", "basic.ack to queue " + queue_name(world, event.epoch)};
        case model::Settlement::reject:
          return {event.at, node, "reject", "basic.reject without requeue to queue " + queue_name(world, event.epoch)};
        case model::Settlement::requeue:
          return {event.at, node, "requeue", "basic.nack with requeue to queue " + queue_name(world, event.epoch)};
      }
      break;
    case model::TraceKind::effect:
      return {event.at, node, "effect", event.value > 1 ? "applied again (" + std::to_string(event.value) + " in all)" : "applied"};
    case model::TraceKind::deduplicated:
      return {event.at, node, "dedup", "already applied: skipped"};
    case model::TraceKind::dropped:
      return {event.at, node, "drop", "discarded (" + reason_name(event.value) + ")"};
    case model::TraceKind::dead_lettered:
      return {event.at, node, "dead-letter", "to the queue's dead-letter exchange (" + reason_name(event.value) + ")"};
    case model::TraceKind::appended:
    case model::TraceKind::replicated:
    case model::TraceKind::truncated:
    case model::TraceKind::committed:
      break;  // Kafka's.
  }
  return {event.at, node, "?", ""};
}

std::vector<TimelineEntry> timeline_of(model::World const& world, std::uint32_t id) {
  model::GroundTruth const& truth = world.truth();
  MessageRecord const& message = truth.messages[id];
  std::string const& producer = truth.producer_instances[message.producer];
  std::vector<TimelineEntry> timeline;
  std::string const key = message.key == model::kNoKey ? "no key" : "key k" + std::to_string(message.key);
  timeline.push_back({message.sent_at(), producer, "send call", "(" + key + ")"});
  std::vector<model::NodeId> nodes;
  for (model::TraceEvent const& event : truth.tracer.events()) {
    if (event.message != id) continue;
    TimelineEntry entry = entry_of(world, event);
    if (entry.node.empty()) entry.node = producer;
    timeline.push_back(std::move(entry));
    nodes.push_back(event.node);
    if (event.kind == model::TraceKind::dead_lettered) {
      // The node traces the dead-lettering after the enqueues it made (in the same microsecond): cause first.
      auto first = timeline.end() - 1;
      while (first != timeline.begin() && (first - 1)->at == event.at && (first - 1)->node == timeline.back().node &&
             (first - 1)->event == "enqueue") {
        --first;
      }
      std::rotate(first, timeline.end() - 1, timeline.end());
    }
  }
  for (model::NodeId node = 0; node < world.network().node_count(); ++node) {
    if (world.network().name(node) == producer) nodes.push_back(node);
  }
  std::sort(nodes.begin(), nodes.end());
  for (model::FaultEvent const& fault : truth.faults) {
    if (fault.at < message.sent_at() || !std::binary_search(nodes.begin(), nodes.end(), fault.node)) continue;
    timeline.push_back({fault.at, world.network().name(fault.node), fault.kind, fault.detail});
  }
  std::stable_sort(timeline.begin(), timeline.end(), [](TimelineEntry const& a, TimelineEntry const& b) { return a.at < b.at; });
  return timeline;
}

std::string cause_of(std::string const& kind, model::World const& world, std::uint32_t id, std::size_t group) {
  model::GroundTruth const& truth = world.truth();
  MessageRecord const& message = truth.messages[id];
  auto const& config = world.config().producers;
  bool confirms = true;
  for (auto const& producer : config) {
    if (truth.producer_instances[message.producer].rfind(producer.name + "-", 0) == 0) confirms = producer.confirms;
  }
  std::string const sent = confirms ? "confirmed at " + ms_text(message.acked_at()) : "published without confirms at " + ms_text(message.sent_at());
  if (group == checks::ExampleCandidates::kNoGroup) {
    if (kind == "dropped") return sent + "; no binding matched its routing key: unroutable, so the broker dropped it";
    return sent;
  }
  GroupTruth const& g = truth.groups[group];
  std::string const queue = queue_name(world, g.queue);
  if (kind == "lost") {
    return sent + "; queue " + queue + " no longer holds it, no consumer of group " + g.name +
           " holds it, and the group never applied its effect (taken from the queue by a consumer that died, an "
           "autoAck delivery, or a queue copy lost with its node)";
  }
  if (kind == "dropped") return sent + "; queue " + queue + " discarded it by its policy (see the timeline's reason)";
  if (kind == "dead_lettered") return sent + "; queue " + queue + " dead-lettered it after group " + g.name + " gave up on it";
  if (kind == "unprocessed") {
    if (g.has(id, GroupTruth::kInHandAtEnd)) return sent + "; a consumer of group " + g.name + " held it unprocessed when the drain ended";
    return sent + "; still in queue " + queue + " when the drain ended";
  }
  if (kind == "duplicate") {
    return sent + "; group " + g.name + " applied it " + std::to_string(g.effects_of(id)) +
           " times: it was delivered again (requeued when a channel closed, or published twice)";
  }
  if (kind == "skipped") return sent + "; group " + g.name + " acked it without applying its effect";
  if (kind == "reordered") return "an earlier send of the same key had its first effect after it (a requeue or redelivery)";
  return sent;
}

}  // namespace

Example rabbitmq_example(model::World const& world, char const* kind, std::uint32_t id, std::size_t group) {
  model::GroundTruth const& truth = world.truth();
  MessageRecord const& message = truth.messages[id];
  Example example;
  example.kind = kind;
  example.message = world.message_name(id);
  if (message.key != model::kNoKey) example.key = "k" + std::to_string(message.key);
  if (group != checks::ExampleCandidates::kNoGroup) example.partition = queue_name(world, truth.groups[group].queue);
  example.timeline = timeline_of(world, id);
  example.message_id = id;
  example.rabbitmq = true;
  example.cause = cause_of(kind, world, id, group);
  return example;
}

}  // namespace brokersim::reports
