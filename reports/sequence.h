// A message's life as a sequence diagram: producer -> leader -> followers -> consumer, with the faults,
// elections and truncations between (Kafka), or publisher -> node -> queue -> consumers, with confirms,
// deliveries, settlements, dead-lettering, drops and the faults between (RabbitMQ). Built once from an
// example's timeline, drawn as Mermaid (Markdown) or as inline SVG (HTML).
#pragma once

#include <string>
#include <vector>

#include "reports/report.h"

namespace brokersim::reports {

struct SequenceStep {
  enum class Kind { arrow, reply, note, cross };  // cross: the message ends there (dropped).
  Kind kind = Kind::note;
  std::size_t from = 0;  // Participant index (the note's participant for notes).
  std::size_t to = 0;
  std::string text;
  double t_ms = 0.0;
};

struct SequenceDiagram {
  std::vector<std::string> participants;  // Node names, in order of appearance.
  std::vector<SequenceStep> steps;
};

SequenceDiagram sequence_of(Example const& example);

// A ```mermaid fenced block that GitHub renders.
std::string mermaid_sequence(SequenceDiagram const& diagram);

// A self-contained <svg> element.
std::string svg_sequence(SequenceDiagram const& diagram);

}  // namespace brokersim::reports
