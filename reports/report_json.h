// report.json: the machine-readable report, with the normative keys of the product contract.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "reports/report.h"

namespace brokersim::reports {

// Keys in a fixed, readable order (ordered_json), numbers rounded, nothing from the wall clock: the same
// report gives the same bytes.
nlohmann::ordered_json report_to_json(Report const& report);

// One declared expectation: its scenario key and its value, a name ("at-least-once") or a threshold.
struct DeclaredExpectation {
  std::string key;
  std::string name;      // Set for delivery and ordering.
  double threshold = 0;  // Set for the max_* keys.
};

// The declared expectations in the scenario format's order.
std::vector<DeclaredExpectation> declared_expectations(scenarios::Expectations const& expect);

// The counts per violation kind, in the contract's order.
nlohmann::ordered_json violations_to_json(Violations const& violations);

// The scenario's `expect` object with only the declared expectations.
nlohmann::ordered_json expectations_to_json(scenarios::Expectations const& expect);

// The text written to report.json: report_to_json dumped with two-space indentation and a final newline.
std::string report_json_text(Report const& report);

}  // namespace brokersim::reports
