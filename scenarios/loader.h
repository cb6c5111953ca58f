// Loading scenario files: JSON text to a validated Scenario, or a ScenarioError that says what is wrong.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "scenarios/scenario.h"

namespace brokersim::scenarios {

// Reads, parses and validates the file at `path`. Throws ScenarioError for a missing or unreadable
// file, a directory, bad JSON (with line and column), and every violation of the format, each message
// starting with `path` and naming the JSON pointer, e.g.
//   orders.json: /producers/0/acks: expected 0, 1 or "all", got "two"
Scenario load_scenario_file(std::string const& path);

// The same for text already in memory; `file` is the name used in messages and kept in Scenario::file.
Scenario load_scenario_text(std::string_view text, std::string const& file);

// The same for a document already parsed (duplicate keys can no longer be seen at this point).
Scenario load_scenario_json(nlohmann::json const& document, std::string const& file);

}  // namespace brokersim::scenarios
