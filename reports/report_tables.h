// The rows every human-readable report shows, computed once so Markdown and HTML say the same thing.
#pragma once

#include <string>
#include <vector>

#include "reports/report.h"

namespace brokersim::reports {

struct Row {
  std::string label;
  std::string value;
};

// "lost" -> count, in the contract's order.
std::vector<Row> violation_rows(Violations const& violations);

// Metric name -> value, formatted.
std::vector<Row> metric_rows(Metrics const& metrics);

// Each declared expectation with "held" or "broken".
std::vector<Row> expectation_rows(Report const& report);

// Where an example's message is: "on orders/0 at offset 812", or, for a record no log holds any more,
// "on orders/0, in no log any more (it was appended at offset 812)".
std::string example_location(Example const& example);

// Escapes text for HTML and XML content and attribute values alike.
std::string escape_markup(std::string const& text);

// A number as reports print it: integral values without a fraction, others with up to 3 decimals.
std::string format_number(double value);

// A simulated time or duration in milliseconds as causes print it: "5001.2 ms".
std::string ms_text(sim::Time at);

}  // namespace brokersim::reports
