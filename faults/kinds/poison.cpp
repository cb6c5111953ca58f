// "poison": a producer sends malformed messages: the next `count`, or every `every`-th.
#include "faults/injector.h"
#include "faults/kind.h"
#include "jsonio/schema.h"
#include "jsonio/writer.h"

namespace brokersim::faults {

namespace {

struct Poison {
  NodeSelector target;                 // A producer (all its instances) or one instance.
  std::optional<std::uint64_t> count;  // Exactly one of count and every is set.
  std::optional<std::uint64_t> every;
};

Poison read(jsonio::Value const& entry, Reading const& reading) {
  Poison poison{reading.target(entry), std::nullopt, std::nullopt};
  if (auto count = entry.get("count")) poison.count = static_cast<std::uint64_t>(count->integer(1, 1000000000));
  if (auto every = entry.get("every")) poison.every = static_cast<std::uint64_t>(every->integer(1, 1000000000));
  if (poison.count.has_value() == poison.every.has_value()) entry.fail("a poison fault needs exactly one of \"count\" and \"every\"");
  return poison;
}

void write(Poison const& poison, nlohmann::ordered_json& out) {
  out["target"] = selector_to_json(poison.target);
  if (poison.count) out["count"] = *poison.count;
  if (poison.every) out["every"] = *poison.every;
}

nlohmann::json schema(FaultKind const& kind) {
  using namespace jsonio::schema;
  using nlohmann::json;
  json object = fault_object(kind,
                             {{"target", ref("selector")},
                              {"count", integer(1, 1000000000, "how many poison messages")},
                              {"every", integer(1, 1000000000, "every N-th message is poison")}},
                             {"target"});
  // Exactly one of them, not null.
  object["oneOf"] = json::array({json{{"required", {"count"}}, {"properties", json{{"count", json{{"type", "integer"}}}}}},
                                 json{{"required", {"every"}}, {"properties", json{{"every", json{{"type", "integer"}}}}}}});
  return object;
}

void begin(Injection& injection, Poison const& poison) {
  for (model::SendingApplication* producer : injection.producers(poison.target)) {
    producer->make_poison(poison.count, poison.every);
    injection.record(producer->sender_node(), "poison", poison.count ? "next " + std::to_string(*poison.count) + " message(s) malformed"
                                                            : "every " + std::to_string(*poison.every) + "th message malformed");
  }
}

}  // namespace

FaultKind const& poison_kind() {
  static FaultKind const kind = define_kind<Poison>({.name = "poison", .keys = {"target", "count", "every"}, .targets = &producers(),
      .read = read, .write = write, .schema = schema, .begin = begin});
  return kind;
}

}  // namespace brokersim::faults
