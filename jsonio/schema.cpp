#include "jsonio/schema.h"

#include <algorithm>

#include "sim/time.h"

namespace brokersim::jsonio::schema {

using nlohmann::json;

namespace {

bool accepts_null(json const& schema) {
  for (char const* combinator : {"oneOf", "anyOf"}) {
    if (schema.contains(combinator)) {
      for (json const& option : schema[combinator]) {
        if (option == json{{"type", "null"}}) return true;
      }
    }
  }
  return false;
}

}  // namespace

json ref(char const* name) { return json{{"$ref", std::string("#/$defs/") + name}}; }

json described(json schema, char const* description) {
  schema["description"] = description;
  return schema;
}

json duration(char const* description) {
  return described(json{{"type", "number"}, {"minimum", 0}, {"maximum", sim::time_ms_max()}}, description);
}

json nullable(json schema) { return json{{"oneOf", json::array({std::move(schema), json{{"type", "null"}}})}}; }

json positive(char const* description) {
  return described(json{{"type", "number"}, {"exclusiveMinimum", 0}}, description);
}
json positive_duration(char const* description) {
  return described(json{{"type", "number"}, {"exclusiveMinimum", 0}, {"maximum", sim::time_ms_max()}}, description);
}

json enumeration(std::vector<json> values, char const* description) {
  return described(json{{"enum", values}}, description);
}

json integer(std::int64_t minimum, std::int64_t maximum, char const* description) {
  return described(json{{"type", "integer"}, {"minimum", minimum}, {"maximum", maximum}}, description);
}

json number_at_least(double minimum, char const* description) {
  return described(json{{"type", "number"}, {"minimum", minimum}}, description);
}

json probability(char const* description) {
  return described(json{{"type", "number"}, {"minimum", 0}, {"maximum", 1}}, description);
}

json name(char const* description) { return described(json{{"type", "string"}, {"minLength", 1}}, description); }

json object(std::vector<std::string> const& keys, json properties, std::vector<std::string> required) {
  json schema{{"type", "object"}, {"additionalProperties", false}, {"properties", json::object()}};
  for (std::string const& key : keys) {
    json property = properties.contains(key) ? properties[key] : json::object();
    bool const optional = std::find(required.begin(), required.end(), key) == required.end();
    if (optional && !property.empty() && !accepts_null(property)) property = json{{"anyOf", json::array({property, json{{"type", "null"}}})}};
    schema["properties"][key] = property;
  }
  if (!required.empty()) schema["required"] = required;
  return schema;
}

}  // namespace brokersim::jsonio::schema
