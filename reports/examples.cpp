#include "reports/examples.h"

#include <algorithm>
#include <string>

#include "reports/rabbitmq_examples.h"
#include "reports/report_tables.h"
#include "sim/assert.h"

namespace brokersim::reports {

namespace {

using model::MessageRecord;

char const* acks_name(model::Acks acks) {
  switch (acks) {
    case model::Acks::none:
      return "acks=0";
    case model::Acks::leader:
      return "acks=1";
    case model::Acks::all:
      return "acks=all";
  }
  return "";
}

model::ProducerConfig const& producer_of(model::World const& world, MessageRecord const& message) {
  std::string const& instance = world.truth().producer_instances[message.producer];
  for (model::ProducerConfig const& producer : world.config().producers) {
    if (instance.compare(0, producer.name.size() + 1, producer.name + "-") == 0) return producer;
  }
  return world.config().producers.front();
}

std::string broker_name(int broker) { return "broker-" + std::to_string(broker); }

// The nodes a message's life went through: its producer, its partition's replicas, and every node a
// traced event names.
std::vector<std::uint32_t> involved_nodes(model::World const& world, std::uint32_t id,
                                          std::vector<model::TraceEvent> const& events) {
  MessageRecord const& message = world.truth().messages[id];
  std::vector<std::uint32_t> nodes;
  for (int broker : world.controller().partition(static_cast<std::uint32_t>(message.partition)).replicas) {
    nodes.push_back(world.controller().broker_node(broker));
  }
  for (model::NodeId node = 0; node < world.network().node_count(); ++node) {
    if (world.network().name(node) == world.truth().producer_instances[message.producer]) nodes.push_back(node);
  }
  for (model::TraceEvent const& event : events) nodes.push_back(event.node);
  std::sort(nodes.begin(), nodes.end());
  nodes.erase(std::unique(nodes.begin(), nodes.end()), nodes.end());
  return nodes;
}

std::vector<model::TraceEvent> traced(model::World const& world, std::uint32_t id) {
  std::vector<model::TraceEvent> events;
  for (model::TraceEvent const& event : world.truth().tracer.events()) {
    if (event.message == id) events.push_back(event);
  }
  return events;
}

TimelineEntry entry_of(model::World const& world, model::TraceEvent const& event) {
  std::string const node = event.node == model::kNoNode ? "?" : world.network().name(event.node);
  std::string const offset = "offset " + std::to_string(event.value);
  switch (event.kind) {
    case model::TraceKind::send_attempt:
      return {event.at, "", event.value > 1 ? "retry" : "send",
              "request to " + node + (event.value > 1 ? " (attempt " + std::to_string(event.value) + ")" : "")};
    case model::TraceKind::send_failed:
      return {event.at, "", "send failed", "the producer gave up"};
    case model::TraceKind::acked:
      return {event.at, "", "acked", event.value >= 0 ? "by " + node + ", " + offset : "by " + node + " as a duplicate"};
    case model::TraceKind::appended:
      return {event.at, node, "append", offset + " as leader, epoch " + std::to_string(event.epoch)};
    case model::TraceKind::replicated:
      return {event.at, node, "replicate", offset};
    case model::TraceKind::truncated:
      return {event.at, node, "truncate", offset + " removed: the log diverged from the leader's"};
    case model::TraceKind::delivered:
      return {event.at, node, "deliver", offset};
    case model::TraceKind::effect:
      return {event.at, node, "effect", event.value > 1 ? "applied again (" + std::to_string(event.value) + " in all)" : "applied"};
    case model::TraceKind::deduplicated:
      return {event.at, node, "dedup", "already applied: skipped"};
    case model::TraceKind::committed:
      return {event.at, node, "commit", "sent a commit of offset " + std::to_string(event.value)};
    case model::TraceKind::routed:
    case model::TraceKind::enqueued:
    case model::TraceKind::dropped:
    case model::TraceKind::dead_lettered:
    case model::TraceKind::redelivered:
    case model::TraceKind::settled:
      break;  // RabbitMQ's: rabbitmq_examples.cpp.
  }
  return {event.at, node, "?", ""};
}

std::vector<TimelineEntry> timeline_of(model::World const& world, std::uint32_t id) {
  model::GroundTruth const& truth = world.truth();
  model::FinalLogs const& logs = truth.final_logs;
  MessageRecord const& message = truth.messages[id];
  std::string const& producer = truth.producer_instances[message.producer];
  auto const partition_index = static_cast<std::uint32_t>(message.partition);
  std::string const partition = world.partition_name(partition_index);
  std::vector<model::TraceEvent> const events = traced(world, id);
  std::vector<TimelineEntry> timeline;
  std::string key = message.key == model::kNoKey ? "no key" : "key k" + std::to_string(message.key);
  timeline.push_back({message.sent_at(), producer, "send call",
                      "to " + partition + " (" + key + ", " + acks_name(producer_of(world, message).acks) + ")"});
  for (model::TraceEvent const& event : events) {
    TimelineEntry entry = entry_of(world, event);
    if (entry.node.empty()) entry.node = producer;
    timeline.push_back(std::move(entry));
  }
  if (events.empty() && message.acked_at() != model::kNever) timeline.push_back({message.acked_at(), producer, "acked", ""});
  std::vector<std::uint32_t> const nodes = involved_nodes(world, id, events);
  for (model::FaultEvent const& fault : truth.faults) {
    if (fault.at < message.sent_at() || !std::binary_search(nodes.begin(), nodes.end(), fault.node)) continue;
    timeline.push_back({fault.at, world.network().name(fault.node), fault.kind, fault.detail});
  }
  for (model::ElectionEvent const& election : truth.elections) {
    if (election.partition != partition_index || election.at < message.sent_at()) continue;
    std::string const what = election.leader < 0 ? partition + " offline: no eligible replica"
                                                  : broker_name(election.leader) + " leads " + partition + ", epoch " +
                                                        std::to_string(election.leader_epoch) + (election.unclean ? " (unclean)" : "");
    timeline.push_back({election.at, "controller", "election", what});
  }
  for (model::QuorumEvent const& change : truth.quorum) {
    if (change.at < message.sent_at()) continue;
    std::string const what = change.leader == UINT32_MAX ? "the quorum lost its leader: no failover until it elects one"
                                                         : world.network().name(change.leader) + " leads the quorum";
    timeline.push_back({change.at, "controller", "quorum", what});
  }
  std::stable_sort(timeline.begin(), timeline.end(), [](auto const& a, auto const& b) { return a.at < b.at; });
  constexpr std::size_t kTimelineMax = 40;
  if (timeline.size() > kTimelineMax) timeline.resize(kTimelineMax);
  int const authority = logs.authority[partition_index];
  std::string const where = logs.offset_of[id] >= 0
                                ? "at offset " + std::to_string(logs.offset_of[id]) + " of " + broker_name(authority) + "'s log"
                                : "in no log any more: " + broker_name(authority) + "'s log, the one " + partition +
                                      " has at the end, lacks it";
  timeline.push_back({timeline.back().at, partition, "end of run", where});
  return timeline;
}

// The end-of-run line for a group's example says where the group's committed offset stands.
void note_committed(model::World const& world, std::size_t group, std::uint32_t id, std::vector<TimelineEntry>& timeline) {
  if (group == ExampleCandidates::kNoGroup || timeline.empty()) return;
  auto const partition = static_cast<std::uint32_t>(world.truth().messages[id].partition);
  model::GroupTruth const& truth = world.truth().groups[group];
  std::uint32_t const first = world.controller().layout().first_partition[truth.topic];
  timeline.back().detail += "; group " + truth.name + " committed offset " + std::to_string(truth.committed_at_end[partition - first]);
}

TimelineEntry const* first_of(std::vector<TimelineEntry> const& timeline, char const* event, std::string const& node = "",
                              sim::Time after = -1) {
  for (TimelineEntry const& entry : timeline) {
    if (entry.event == event && (node.empty() || entry.node == node) && entry.at >= after) return &entry;
  }
  return nullptr;
}

// "acked by broker-1 (acks=1) at 5001.2 ms, 2 ms before broker-1 crashed; no follower had fetched
// offset 812; broker-2 became leader (epoch 3); broker-1 truncated offset 812 on rejoin".
std::string lost_cause(model::World const& world, std::uint32_t id, std::vector<TimelineEntry> const& timeline) {
  MessageRecord const& message = world.truth().messages[id];
  std::string const acks = acks_name(producer_of(world, message).acks);
  TimelineEntry const* append = first_of(timeline, "append");
  TimelineEntry const* acked = first_of(timeline, "acked");
  if (append == nullptr || acked == nullptr) {
    return "acked at " + ms_text(message.acked_at()) + " with " + acks + ", but no log of its partition holds it at the end";
  }
  std::string const& leader = append->node;
  std::string const offset = append->detail.substr(0, append->detail.find(' ', 7));
  std::string cause = leader + " appended it at " + offset + " as leader and it was acked (" + acks + ")";
  TimelineEntry const* crash = first_of(timeline, "crash", leader, append->at);
  TimelineEntry const* pause = first_of(timeline, "pause", leader, append->at);
  TimelineEntry const* partition = first_of(timeline, "partition", leader, append->at);
  TimelineEntry const* stop = crash != nullptr ? crash : pause != nullptr ? pause : partition;
  if (stop != nullptr) {
    char const* what = stop == crash ? " crashed " : stop == pause ? " froze " : " was cut off by a network partition ";
    cause += "; " + leader + what + ms_text(stop->at - append->at) + " later";
    if (crash && crash->detail.find("unflushed") != std::string::npos) cause += ", losing its unflushed log tail,";
    std::string followers;
    for (TimelineEntry const& entry : timeline) {
      if (entry.event == "replicate" && entry.at <= stop->at) followers += (followers.empty() ? "" : ", ") + entry.node;
    }
    cause += followers.empty() ? " before any follower had fetched " + offset : " when only " + followers + " had fetched " + offset;
    std::string late;
    for (TimelineEntry const& entry : timeline) {
      if (entry.event == "replicate" && entry.at > stop->at) late += (late.empty() ? "" : ", ") + entry.node;
    }
    if (!late.empty()) cause += " (" + late + " received it from a response still in flight)";
  }
  if (TimelineEntry const* election = first_of(timeline, "election", "", append->at)) cause += "; " + election->detail;
  for (TimelineEntry const& entry : timeline) {
    if (entry.event == "truncate") cause += "; " + entry.node + " truncated " + offset + " when it rejoined as follower";
  }
  return cause;
}

// "inventory-0 applied it at 4001 ms and crashed 3 ms later, before a commit covered offset 812;
// inventory-2 received it again at 9002 ms and applied it again".
std::string duplicate_cause(std::string const& group, std::uint16_t effects, std::vector<TimelineEntry> const& timeline) {
  std::vector<TimelineEntry const*> appends;
  std::vector<TimelineEntry const*> applied;
  for (TimelineEntry const& entry : timeline) {
    if (entry.event == "append") appends.push_back(&entry);
    if (entry.event == "effect") applied.push_back(&entry);
  }
  if (applied.size() < 2) return "group " + group + " applied its effect " + std::to_string(effects) + " times";
  std::string cause;
  if (appends.size() > 1) {
    cause = "the producer's retry appended it " + std::to_string(appends.size()) + " times (" + appends[0]->detail.substr(0, appends[0]->detail.find(" as")) +
            " and " + appends[1]->detail.substr(0, appends[1]->detail.find(" as")) + ") because the answer to its first request was lost; ";
  }
  TimelineEntry const& first = *applied[0];
  cause += first.node + " applied it at " + ms_text(first.at);
  if (TimelineEntry const* crash = first_of(timeline, "crash", first.node, first.at)) {
    TimelineEntry const* commit = first_of(timeline, "commit", first.node, first.at);
    if (commit == nullptr || commit->at > crash->at) {
      cause += " and crashed " + ms_text(crash->at - first.at) + " later, before a commit covered it";
    }
  }
  TimelineEntry const& again = *applied[1];
  cause += "; " + again.node + " applied it again at " + ms_text(again.at);
  if (effects > 2) cause += " (" + std::to_string(effects) + " effects in all)";
  return cause;
}

// "inventory-0 committed offset 830 at 4000 ms before processing the batch holding it, and crashed at
// 4002 ms before reaching it; the group went on from offset 830".
std::string skipped_cause(std::string const& group, std::vector<TimelineEntry> const& timeline) {
  TimelineEntry const* delivered = first_of(timeline, "deliver");
  TimelineEntry const* commit = first_of(timeline, "commit");
  if (delivered == nullptr || commit == nullptr) {
    return "group " + group + " committed past its offset without applying its effect";
  }
  std::string cause = delivered->node + " received it at " + ms_text(delivered->at) + " and " + commit->detail + " at " +
                      ms_text(commit->at) + " before processing it";
  if (TimelineEntry const* crash = first_of(timeline, "crash", delivered->node, delivered->at)) {
    cause += "; it crashed at " + ms_text(crash->at) + " before reaching it";
  }
  return cause + "; the group went on from the committed offset, so no member ever applied it";
}

// "inventory-0 emitted it at 5002 ms after processing order-service-0#12, stamped 30001 ms earlier than
// its cause (timestamps from inventory-0's clock)".
std::string inversion_cause(model::World const& world, std::uint32_t id) {
  model::GroundTruth const& truth = world.truth();
  std::uint32_t const cause = truth.causes[id];
  std::string const& emitter = truth.producer_instances[truth.messages[id].producer];
  sim::Time const gap = truth.timestamps[cause] - truth.timestamps[id];
  return emitter + " emitted it at " + ms_text(truth.messages[id].sent_at()) + " after processing " + world.message_name(cause) +
         ", yet stamped it " + ms_text(gap) + " earlier than its cause: the two timestamps come from different clocks";
}

// "sent 3.2 ms after order-service-0#12 (key k3), yet group inventory applied it first: the producer's retry
// put #12 at offset 905 of orders/1, behind it at offset 900".
std::string reordered_cause(model::World const& world, std::uint32_t id, std::size_t group_index) {
  model::GroundTruth const& truth = world.truth();
  model::GroupTruth const& group = truth.groups[group_index];
  MessageRecord const& message = truth.messages[id];
  // The earlier send it overtook: of the earlier sends of its stream applied after it, the last applied.
  std::uint32_t overtaken = id;
  for (std::uint32_t other = 0; other < id; ++other) {
    MessageRecord const& earlier = truth.messages[other];
    if (earlier.producer != message.producer || earlier.key != message.key || group.effects_of(other) == 0) continue;
    if (group.first_effect_order[other] <= group.first_effect_order[id]) continue;
    if (overtaken == id || group.first_effect_order[other] > group.first_effect_order[overtaken]) overtaken = other;
  }
  std::string const key = message.key == model::kNoKey ? "no key" : "key k" + std::to_string(message.key);
  if (overtaken == id) return "an earlier send of its " + key + " from " + truth.producer_instances[message.producer] + " had its effect after it";
  std::string const other_name = world.message_name(overtaken);
  std::string cause = "sent " + ms_text(message.sent_at() - truth.messages[overtaken].sent_at()) + " after " + other_name + " (" + key +
                      "), yet group " + group.name + " applied it first";
  std::int32_t const mine = truth.final_logs.offset_of[id];
  std::int32_t const theirs = truth.final_logs.offset_of[overtaken];
  std::string const partition = world.partition_name(static_cast<std::uint32_t>(message.partition));
  if (mine >= 0 && theirs >= 0 && message.partition == truth.messages[overtaken].partition && theirs > mine) {
    return cause + ": the log of " + partition + " holds " + other_name + " at offset " + std::to_string(theirs) + ", behind it at offset " +
           std::to_string(mine) + " (a retried request landed after a later one)";
  }
  if (message.partition != truth.messages[overtaken].partition) {
    return cause + ": the two went to different partitions (" + world.partition_name(static_cast<std::uint32_t>(truth.messages[overtaken].partition)) +
           " and " + partition + "), which are consumed independently";
  }
  return cause + ": they are in send order in the log of " + partition + ", but " + other_name +
         " had its first effect only later (a failed attempt retried, or a redelivery)";
}

std::string cause_of(std::string const& kind, model::World const& world, std::uint32_t id, std::size_t group,
                     std::vector<TimelineEntry> const& timeline) {
  model::GroundTruth const& truth = world.truth();
  MessageRecord const& message = truth.messages[id];
  std::string const acked = "acked at " + ms_text(message.acked_at()) + " with " + acks_name(producer_of(world, message).acks);
  if (kind == "lost") return lost_cause(world, id, timeline);
  std::string const group_name = group == ExampleCandidates::kNoGroup ? "" : truth.groups[group].name;
  if (kind == "skipped") {
    model::ConsumerGroupConfig const& config = world.config().consumer_groups[group];
    bool const known = std::find(config.schema_versions.begin(), config.schema_versions.end(), message.schema) !=
                       config.schema_versions.end();
    if (!known && config.on_unknown_schema == model::OnUnknownSchema::ignore) {
      return acked + "; it was written with schema version " + std::to_string(message.schema) + ", which group " + group_name +
             " does not know, and the group ignores unknown versions: it consumed and committed it without its effect, and "
             "nothing failed";
    }
    if (config.commit != model::CommitMode::before_processing && config.commit != model::CommitMode::auto_commit &&
        config.on_failure.then == model::AfterFailure::skip) {
      return acked + "; group " + group_name + " gave up on it after " + std::to_string(config.on_failure.max_attempts) +
             " failed attempts and skipped it (on_failure then skip)";
    }
    return skipped_cause(group_name, timeline);
  }
  if (kind == "unprocessed") {
    if (truth.groups[group].has(id, model::GroupTruth::kRetryAtEnd)) {
      return acked + "; its attempts failed and it was still waiting in a retry topic of group " + group_name +
             " when the drain ended";
    }
    if (truth.groups[group].has(id, model::GroupTruth::kInHandAtEnd)) {
      return acked + "; a member of group " + group_name + " had polled it and was still processing its batch when the drain ended";
    }
    return acked + "; still in the log, but group " + group_name + " had not consumed it when the drain ended";
  }
  if (kind == "dead_lettered") {
    return acked + "; group " + group_name + " gave up on it after " +
           std::to_string(world.config().consumer_groups[group].on_failure.max_attempts) +
           " failed attempts and sent it to the dead-letter topic";
  }
  if (kind == "duplicate") return duplicate_cause(group_name, truth.groups[group].effects_of(id), timeline);
  if (kind == "timestamp_inversion") return inversion_cause(world, id);
  if (kind == "reordered" && group != ExampleCandidates::kNoGroup) return reordered_cause(world, id, group);
  return "an earlier send of the same key from " + truth.producer_instances[message.producer] + " had its effect after it";
}

}  // namespace

std::vector<Example> build_examples(model::World const& world, ExampleCandidates const& candidates) {
  model::FinalLogs const& logs = world.truth().final_logs;
  std::vector<Example> examples;
  for (char const* kind : ExampleCandidates::kinds()) {
    for (ExampleCandidates::Candidate const& candidate : candidates.of(kind)) {
      MessageRecord const& message = world.truth().messages[candidate.message];
      if (message.partition < 0) {  // A RabbitMQ message.
        examples.push_back(rabbitmq_example(world, kind, candidate.message, candidate.group));
        continue;
      }
      Example example;
      example.kind = kind;
      example.message = world.message_name(candidate.message);
      if (message.key != model::kNoKey) example.key = "k" + std::to_string(message.key);
      example.partition = world.partition_name(static_cast<std::uint32_t>(message.partition));
      example.offset = logs.offset_of[candidate.message];
      for (model::TraceEvent const& event : traced(world, candidate.message)) {
        if (event.kind == model::TraceKind::appended) example.appended_offset = event.value;
      }
      example.timeline = timeline_of(world, candidate.message);
      note_committed(world, candidate.group, candidate.message, example.timeline);
      example.message_id = candidate.message;
      example.cause = cause_of(kind, world, candidate.message, candidate.group, example.timeline);
      examples.push_back(std::move(example));
    }
  }
  return examples;
}

}  // namespace brokersim::reports
