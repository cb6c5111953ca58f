// Building blocks of the scenario format's JSON Schema (draft 2020-12), shared by scenarios/schema.cpp
// and the fault kinds' fragments.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace brokersim::jsonio::schema {

nlohmann::json ref(char const* name);  // {"$ref": "#/$defs/NAME"}
nlohmann::json described(nlohmann::json schema, char const* description);
nlohmann::json duration(char const* description);  // Milliseconds, 0 to sim::time_ms_max().
nlohmann::json nullable(nlohmann::json schema);
// A number > 0 (the loader refuses 0), and the same for a duration.
nlohmann::json positive(char const* description);
nlohmann::json positive_duration(char const* description);
nlohmann::json enumeration(std::vector<nlohmann::json> values, char const* description);
nlohmann::json integer(std::int64_t minimum, std::int64_t maximum, char const* description);
nlohmann::json number_at_least(double minimum, char const* description);
nlohmann::json probability(char const* description);
nlohmann::json name(char const* description);  // A non-empty string.
// An object with exactly the keys of `keys` (additionalProperties false), their schemas from `properties`.
// An optional key may also be null, which the loader reads as the key's default (as if it were absent).
nlohmann::json object(std::vector<std::string> const& keys, nlohmann::json properties, std::vector<std::string> required = {});

}  // namespace brokersim::jsonio::schema
