// The JSON Schema (draft 2020-12) of the scenario format, as `brokersim schema` prints it.
#pragma once

#include <nlohmann/json.hpp>

namespace brokersim::scenarios {

// Agrees with the loader: every file the loader accepts validates, and every structural error the
// loader reports (unknown key, wrong type, value out of range or not in an enumeration) fails to
// validate. Cross-references (a topic that does not exist) are beyond a schema and only the loader
// checks them.
nlohmann::json scenario_schema();

}  // namespace brokersim::scenarios
