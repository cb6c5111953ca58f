// "schema_change": a producer writes schema version `version` from at_ms on.
#include "faults/injector.h"
#include "faults/kind.h"
#include "jsonio/schema.h"

namespace brokersim::faults {

namespace {

struct SchemaChange {
  NodeSelector target;  // A producer.
  int version = 1;
};

SchemaChange read(jsonio::Value const& entry, Reading const& reading) {
  return SchemaChange{reading.target(entry), static_cast<int>(entry.at("version").integer(1, 255))};
}

void write(SchemaChange const& change, nlohmann::ordered_json& out) {
  out["target"] = selector_to_json(change.target);
  out["version"] = change.version;
}

nlohmann::json schema(FaultKind const& kind) {
  using namespace jsonio::schema;
  return fault_object(kind, {{"target", ref("selector")}, {"version", integer(1, 255, "the schema version emitted from at_ms")}},
                      {"target", "version"});
}

void begin(Injection& injection, SchemaChange const& change) {
  for (model::SendingApplication* producer : injection.producers(change.target)) {
    producer->set_schema(change.version);
    injection.record(producer->sender_node(), "schema_change", "writes schema version " + std::to_string(change.version));
  }
}

}  // namespace

FaultKind const& schema_change_kind() {
  static FaultKind const kind = define_kind<SchemaChange>({.name = "schema_change", .keys = {"target", "version"}, .targets = &producers(),
      .read = read, .write = write, .schema = schema, .begin = begin});
  return kind;
}

}  // namespace brokersim::faults
