#include "faults/registry.h"

#include <algorithm>

#include "jsonio/schema.h"
#include "jsonio/writer.h"

namespace brokersim::faults {

// One function per kind, each in its own file under faults/kinds/.
FaultKind const& crash_kind();
FaultKind const& partition_kind();
FaultKind const& link_kind();
FaultKind const& clock_kind();
FaultKind const& pause_kind();
FaultKind const& poison_kind();
FaultKind const& outage_kind();
FaultKind const& slowdown_kind();
FaultKind const& dlq_replay_kind();
FaultKind const& schema_change_kind();
FaultKind const& scale_kind();

std::vector<FaultKind const*> const& fault_kinds() {
  // The format's order: "expected one of" messages and the schema's enum list the kinds in it.
  static std::vector<FaultKind const*> const kinds = {
      &crash_kind(),    &partition_kind(), &link_kind(),       &clock_kind(),         &pause_kind(), &poison_kind(),
      &outage_kind(),   &slowdown_kind(),  &dlq_replay_kind(), &schema_change_kind(), &scale_kind(),
  };
  return kinds;
}

std::vector<std::string> const& fault_kind_names() {
  static std::vector<std::string> const names = [] {
    std::vector<std::string> list;
    for (FaultKind const* kind : fault_kinds()) list.push_back(kind->name);
    return list;
  }();
  return names;
}

FaultKind const* find_kind(std::string const& name) {
  for (FaultKind const* kind : fault_kinds()) {
    if (kind->name == name) return kind;
  }
  return nullptr;
}

NodeSelector Reading::selector(jsonio::Value const& value) const {
  return read_selector(value, names_, world_, kind_.name, *kind_.targets);
}

namespace {

// A key of another fault kind (restart_after_ms on a pause) is unknown here, and the message says whose it is.
void check_keys_of_other_kinds(jsonio::Value const& entry, FaultKind const& kind, std::vector<std::string> const& allowed) {
  for (auto const& [key, member] : entry.json().items()) {
    if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
    std::vector<std::string> owners;
    for (FaultKind const* other : fault_kinds()) {
      if (std::find(other->keys.begin(), other->keys.end(), key) != other->keys.end()) owners.push_back("\"" + other->name + "\"");
    }
    if (owners.empty()) continue;
    std::string list;
    for (std::size_t i = 0; i < owners.size(); ++i) list += (i == 0 ? "" : i + 1 == owners.size() ? " and " : ", ") + owners[i];
    entry.at(key).fail("unknown key \"" + key + "\" for a fault of kind \"" + kind.name + "\" (only " + list + " faults have it)");
  }
}

}  // namespace

Fault read_fault(jsonio::Value const& entry, Names const& names, model::WorldConfig const& world) {
  entry.require_object();
  FaultKind const& kind = *fault_kinds()[entry.at("kind").one_of(fault_kind_names())];
  std::vector<std::string> allowed = {"kind", "at_ms"};
  allowed.insert(allowed.end(), kind.keys.begin(), kind.keys.end());
  check_keys_of_other_kinds(entry, kind, allowed);
  entry.require_keys_among(allowed);
  Fault fault;
  fault.at = entry.at("at_ms").duration_ms();
  fault.kind = &kind;
  fault.spec = kind.read(entry, Reading(kind, names, world));
  return fault;
}

nlohmann::ordered_json fault_to_json(Fault const& fault) {
  nlohmann::ordered_json out{{"kind", fault.kind->name}, {"at_ms", jsonio::ms(fault.at)}};
  fault.kind->write(fault.spec, out);
  return out;
}

nlohmann::json fault_object(FaultKind const& kind, nlohmann::json properties, std::vector<std::string> const& required) {
  properties["kind"] = nlohmann::json{{"const", kind.name}};
  properties["at_ms"] = jsonio::schema::duration("when the fault begins");
  std::vector<std::string> keys = {"kind", "at_ms"};
  keys.insert(keys.end(), kind.keys.begin(), kind.keys.end());
  std::vector<std::string> all_required = {"kind", "at_ms"};
  all_required.insert(all_required.end(), required.begin(), required.end());
  return jsonio::schema::object(keys, std::move(properties), all_required);
}

TargetFor read_target_for(jsonio::Value const& entry, Reading const& reading) {
  return TargetFor{reading.target(entry), entry.at("duration_ms").duration_ms()};
}

void write_target_for(TargetFor const& spec, nlohmann::ordered_json& out) {
  out["target"] = selector_to_json(spec.target);
  out["duration_ms"] = jsonio::ms(spec.duration);
}

nlohmann::json target_for_schema(FaultKind const& kind) {
  return fault_object(kind, {{"target", jsonio::schema::ref("selector")}, {"duration_ms", jsonio::schema::duration("how long it lasts")}},
                      {"target", "duration_ms"});
}

nlohmann::json fault_schema() {
  using nlohmann::json;
  json all = json::array();
  for (FaultKind const* kind : fault_kinds()) {
    all.push_back(json{{"if", json{{"properties", json{{"kind", json{{"const", kind->name}}}}}, {"required", {"kind"}}}},
                       {"then", kind->schema(*kind)}});
  }
  return json{{"type", "object"}, {"required", {"kind", "at_ms"}}, {"properties", json{{"kind", json{{"enum", fault_kind_names()}}}}},
              {"allOf", all}};
}

int group_instances_max(nlohmann::json const& faults, std::string const& group, int instances) {
  if (!faults.is_array()) return instances;
  for (auto const& entry : faults) {
    if (!entry.is_object()) continue;
    auto const name = entry.value("kind", nlohmann::json());
    FaultKind const* kind = name.is_string() ? find_kind(name.get<std::string>()) : nullptr;
    if (kind != nullptr && kind->group_instances) instances = kind->group_instances(entry, group, instances);
  }
  return instances;
}

}  // namespace brokersim::faults
