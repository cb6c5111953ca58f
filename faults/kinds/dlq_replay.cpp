// "dlq_replay": republishes a group's dead-lettered messages to its source topic: all at once, or one
// every 1/rate_per_s seconds. A message dead-lettered again later is not replayed twice by this fault.
#include <algorithm>

#include "faults/injector.h"
#include "faults/kind.h"
#include "jsonio/schema.h"
#include "jsonio/writer.h"

namespace brokersim::faults {

namespace {

struct DlqReplay {
  NodeSelector target;               // A group.
  std::optional<double> rate_per_s;  // Unset: all at once.
};

DlqReplay read(jsonio::Value const& entry, Reading const& reading) {
  DlqReplay replay{reading.target(entry), std::nullopt};
  if (auto rate = entry.get("rate_per_s")) {
    replay.rate_per_s = rate->number_at_least(0.0);
    if (*replay.rate_per_s <= 0.0) rate->expected("a rate > 0 or null (all at once)");
  }
  return replay;
}

void write(DlqReplay const& replay, nlohmann::ordered_json& out) {
  out["target"] = selector_to_json(replay.target);
  out["rate_per_s"] = jsonio::optional(replay.rate_per_s);
}

nlohmann::json schema(FaultKind const& kind) {
  using namespace jsonio::schema;
  return fault_object(kind, {{"target", ref("selector")}, {"rate_per_s", nullable(positive("replay rate (> 0); null: all at once"))}},
                      {"target"});
}

// A replay at a rate: the messages still to republish, and who republishes them; each follow-up
// republishes the next.
class Replay : public Lasting {
 public:
  Replay(model::ProducerInstance* replayer, std::vector<std::uint32_t> messages, Time gap)
      : replayer_(replayer), messages_(std::move(messages)), gap_(gap) {}

  void follow_up(Injection& injection, std::uint64_t handle) override {
    if (next_ >= messages_.size()) return;
    if (replayer_->alive()) replayer_->replay(injection.simulation(), messages_[next_]);
    if (++next_ < messages_.size()) injection.follow_up(gap_, handle, handle);
  }

 private:
  model::ProducerInstance* replayer_;
  std::vector<std::uint32_t> messages_;
  std::size_t next_ = 0;
  Time gap_;
};

void begin(Injection& injection, DlqReplay const& replay) {
  model::World& world = injection.world();
  std::size_t const group = world.group_index(replay.target.name);
  model::ProducerInstance* replayer = group == SIZE_MAX ? nullptr : world.replayer(group);
  if (replayer == nullptr) return;  // The group has no dead-letter topic.
  model::GroupTruth const& truth = world.truth().groups[group];
  std::vector<std::uint32_t> messages;
  for (std::uint32_t id = 0; id < truth.flags.size(); ++id) {
    if (truth.has(id, model::GroupTruth::kDeadLettered)) messages.push_back(id);
  }
  injection.record(replayer->id(), "dlq_replay",
                   std::to_string(messages.size()) + " message(s) " +
                       (replay.rate_per_s ? "at " + decimal(*replay.rate_per_s) + " per second" : std::string("all at once")));
  if (messages.empty()) return;
  if (!replay.rate_per_s) {
    for (std::uint32_t id : messages) replayer->replay(injection.simulation(), id);
    return;
  }
  Time const gap = std::max<Time>(1, static_cast<Time>(static_cast<double>(sim::kMicrosPerSecond) / *replay.rate_per_s));
  std::size_t const handle = injection.keep(std::make_unique<Replay>(replayer, std::move(messages), gap));
  injection.follow_up(0, handle, handle);
}

}  // namespace

FaultKind const& dlq_replay_kind() {
  static FaultKind const kind = define_kind<DlqReplay>({.name = "dlq_replay", .keys = {"target", "rate_per_s"}, .targets = &groups(),
      .read = read, .write = write, .schema = schema, .begin = begin, .follow_up_event = 7, .heal_order = 5});
  return kind;
}

}  // namespace brokersim::faults
