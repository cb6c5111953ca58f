// Writing a scenario back to its JSON format: for shrunk scenarios and counterexamples.
#pragma once

#include <nlohmann/json.hpp>

#include "scenarios/scenario.h"

namespace brokersim::scenarios {

// Every key written explicitly (defaults included), in the format's order; loading the result gives an
// equal Scenario.
nlohmann::ordered_json scenario_to_json(Scenario const& scenario);

}  // namespace brokersim::scenarios
