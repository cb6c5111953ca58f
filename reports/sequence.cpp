#include "reports/sequence.h"

#include <algorithm>
#include <sstream>

#include "reports/report_tables.h"
#include "sim/format.h"

namespace brokersim::reports {

namespace {

std::size_t participant(SequenceDiagram& diagram, std::string const& node) {
  auto const found = std::find(diagram.participants.begin(), diagram.participants.end(), node);
  if (found != diagram.participants.end()) return static_cast<std::size_t>(found - diagram.participants.begin());
  diagram.participants.push_back(node);
  return diagram.participants.size() - 1;
}

// Adds the steps of one timeline entry, at its time, to a diagram.
struct Steps {
  SequenceDiagram& diagram;
  double t_ms;
  void note(std::string const& node, std::string const& text) const {
    diagram.steps.push_back({SequenceStep::Kind::note, participant(diagram, node), 0, text, t_ms});
  }
  void arrow(SequenceStep::Kind kind, std::string const& from, std::string const& to, std::string const& text) const {
    std::size_t const a = participant(diagram, from);
    diagram.steps.push_back({kind, a, participant(diagram, to), text, t_ms});
  }
};

// The broker a detail like "request to broker-2" or "by broker-1, offset 5" names, or "".
std::string broker_in(std::string const& text) {
  std::size_t const at = text.find("broker-");
  if (at == std::string::npos) return "";
  std::size_t end = at + 7;
  while (end < text.size() && std::isdigit(static_cast<unsigned char>(text[end]))) ++end;
  return text.substr(at, end - at);
}

// The RabbitMQ node a detail like "to rabbit-1 (attempt 2)" or "basic.ack from rabbit-0" names, or "".
std::string rabbit_node_in(std::string const& text) {
  std::size_t const at = text.find("rabbit-");
  if (at == std::string::npos) return "";
  std::size_t end = at + 7;
  while (end < text.size() && std::isdigit(static_cast<unsigned char>(text[end]))) ++end;
  return end == at + 7 ? "" : text.substr(at, end - at);
}

// The queue a detail like "in queue orders-q" or "from queue orders-q, delivery tag 3" names, as its
// participant ("queue orders-q"), or "".
std::string queue_in(std::string const& text) {
  std::size_t at = text.find("queue ");
  while (at != std::string::npos && at > 0 && text[at - 1] != ' ') at = text.find("queue ", at + 1);  // Not "requeue ".
  if (at == std::string::npos) return "";
  std::size_t const end = text.find_first_of(", ", at + 6);
  std::string const name = text.substr(at + 6, end == std::string::npos ? std::string::npos : end - at - 6);
  return name.empty() ? "" : "queue " + name;
}

// A RabbitMQ message's life: the publisher, the nodes, the queues and the consumers, as the timeline of
// rabbitmq_examples.cpp has it.
SequenceDiagram rabbitmq_sequence_of(Example const& example) {
  SequenceDiagram diagram;
  std::string routed_on;                                   // The node that routed the last publish.
  std::vector<std::pair<std::string, std::string>> held;  // (node, queue): where each enqueue put it.
  for (TimelineEntry const& entry : example.timeline) {
    Steps const step{diagram, static_cast<double>(entry.at) / 1000.0};
    // The queue on `node` that holds the message (its last enqueue there), or "".
    auto queue_on = [&](std::string const& node) {
      for (auto it = held.rbegin(); it != held.rend(); ++it) {
        if (it->first == node) return it->second;
      }
      return std::string();
    };
    std::string const& e = entry.event;
    std::string const node = rabbit_node_in(entry.detail);
    std::string const queue = queue_in(entry.detail);
    if ((e == "publish" || e == "republish") && !node.empty()) {
      // "republish": "to rabbit-0 (attempt 2)" -> "publish again (attempt 2)".
      std::string const attempt = entry.detail.substr(entry.detail.find(node) + node.size());
      step.arrow(SequenceStep::Kind::arrow, entry.node, node, e == "publish" ? "publish" : "publish again" + attempt);
    } else if (e == "confirmed" && !node.empty()) {
      step.arrow(SequenceStep::Kind::reply, node, entry.node, "confirm (basic.ack)");
    } else if (e == "route") {
      routed_on = entry.node;
      step.note(entry.node, entry.detail.find("unroutable") != std::string::npos ? "routed nowhere: dropped (unroutable)" : "routed " + entry.detail);
    } else if (e == "enqueue" && !queue.empty()) {
      if (!routed_on.empty() && routed_on != entry.node) step.arrow(SequenceStep::Kind::arrow, routed_on, entry.node, "forward to the queue's node");
      step.arrow(SequenceStep::Kind::arrow, entry.node, queue, "enqueue");
      held.emplace_back(entry.node, queue);
    } else if ((e == "deliver" || e == "redeliver") && !queue.empty()) {
      std::size_t const tag = entry.detail.find("delivery tag ");
      step.arrow(SequenceStep::Kind::arrow, queue, entry.node, e + (tag == std::string::npos ? "" : " (tag " + entry.detail.substr(tag + 13) + ")"));
    } else if ((e == "ack" || e == "reject" || e == "requeue") && !queue.empty()) {
      step.arrow(SequenceStep::Kind::reply, entry.node, queue,
            e == "ack" ? "ack" : e == "reject" ? "reject (basic.reject, no requeue)" : "requeue (basic.nack)");
    } else if (e == "dead-letter" && !queue_on(entry.node).empty()) {
      routed_on = entry.node;  // The dead-letter exchange routes it again on this node.
      step.arrow(SequenceStep::Kind::arrow, queue_on(entry.node), entry.node, entry.detail.empty() ? e : e + ": " + entry.detail);
    } else if (e == "drop" && !queue_on(entry.node).empty()) {
      step.arrow(SequenceStep::Kind::cross, queue_on(entry.node), entry.node, entry.detail.empty() ? e : e + ": " + entry.detail);
    } else {
      // The send call, a refused publish (drop before any enqueue), effects, dedup, faults (crash,
      // restart, pause, ...), the publisher giving up.
      step.note(entry.node, entry.detail.empty() ? e : e + ": " + entry.detail);
    }
  }
  return diagram;
}

// Mermaid treats ';' and '#' specially in messages; the diagram does not need them.
std::string mermaid_text(std::string text) {
  for (char& c : text) {
    if (c == ';' || c == '#') c = ',';
  }
  return text;
}

}  // namespace

SequenceDiagram sequence_of(Example const& example) {
  if (example.rabbitmq) return rabbitmq_sequence_of(example);
  SequenceDiagram diagram;
  std::string leader;  // The partition's leader as the timeline goes.
  for (TimelineEntry const& entry : example.timeline) {
    Steps const step{diagram, static_cast<double>(entry.at) / 1000.0};
    std::string const& e = entry.event;
    std::string const target = broker_in(entry.detail);
    if ((e == "send" || e == "retry") && !target.empty()) {
      step.arrow(SequenceStep::Kind::arrow, entry.node, target, e == "send" ? "produce" : "produce (retry)");
    } else if (e == "append") {
      leader = entry.node;
      step.note(entry.node, "append " + entry.detail);
    } else if (e == "replicate" && !leader.empty() && leader != entry.node) {
      step.arrow(SequenceStep::Kind::reply, leader, entry.node, "fetch: " + entry.detail);
    } else if (e == "acked" && !target.empty()) {
      step.arrow(SequenceStep::Kind::reply, target, entry.node, "ack");
    } else if (e == "election") {
      if (!broker_in(entry.detail).empty()) leader = broker_in(entry.detail);
      step.note(entry.node, entry.detail);
    } else if (e == "deliver" && !leader.empty()) {
      step.arrow(SequenceStep::Kind::reply, leader, entry.node, "fetch: " + entry.detail);
    } else if (e == "send call" || e == "end of run") {
      step.note(e == "end of run" && !leader.empty() ? leader : entry.node, e + ": " + entry.detail);
    } else {
      step.note(entry.node, entry.detail.empty() ? e : e + ": " + entry.detail);
    }
  }
  return diagram;
}

std::string mermaid_sequence(SequenceDiagram const& diagram) {
  sim::TextStream out;
  out << "```mermaid\nsequenceDiagram\n";
  for (std::size_t i = 0; i < diagram.participants.size(); ++i) {
    out << "  participant n" << i << " as " << mermaid_text(diagram.participants[i]) << "\n";
  }
  for (SequenceStep const& step : diagram.steps) {
    std::string const text = mermaid_text(format_number(step.t_ms) + " ms: " + step.text);
    switch (step.kind) {
      case SequenceStep::Kind::arrow:
        out << "  n" << step.from << "->>n" << step.to << ": " << text << "\n";
        break;
      case SequenceStep::Kind::reply:
        out << "  n" << step.from << "-->>n" << step.to << ": " << text << "\n";
        break;
      case SequenceStep::Kind::note:
        out << "  Note over n" << step.from << ": " << text << "\n";
        break;
      case SequenceStep::Kind::cross:
        out << "  n" << step.from << "-xn" << step.to << ": " << text << "\n";
        break;
    }
  }
  out << "```\n";
  return out.str();
}

std::string svg_sequence(SequenceDiagram const& diagram) {
  constexpr int kColumn = 170;
  constexpr int kRow = 26;
  constexpr int kTop = 40;
  int const width = static_cast<int>(diagram.participants.size()) * kColumn + 20;
  int const height = kTop + static_cast<int>(diagram.steps.size() + 1) * kRow + 10;
  auto x = [&](std::size_t p) { return 10 + static_cast<int>(p) * kColumn + kColumn / 2; };
  sim::TextStream out;
  out << "<svg class=\"sequence\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height
      << "\" font-family=\"system-ui,sans-serif\" font-size=\"11\">\n<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" "
         "refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\"><path d=\"M0,0L10,5L0,10z\" fill=\"#333\"/></marker></defs>\n";
  for (std::size_t p = 0; p < diagram.participants.size(); ++p) {
    out << "<rect x=\"" << x(p) - 70 << "\" y=\"5\" width=\"140\" height=\"22\" rx=\"3\" fill=\"#eef\" stroke=\"#88a\"/>"
        << "<text x=\"" << x(p) << "\" y=\"20\" text-anchor=\"middle\">" << escape_markup(diagram.participants[p]) << "</text>"
        << "<line x1=\"" << x(p) << "\" y1=\"27\" x2=\"" << x(p) << "\" y2=\"" << height - 5 << "\" stroke=\"#bbb\" stroke-dasharray=\"4 3\"/>\n";
  }
  for (std::size_t i = 0; i < diagram.steps.size(); ++i) {
    SequenceStep const& step = diagram.steps[i];
    int const y = kTop + static_cast<int>(i + 1) * kRow;
    std::string const text = escape_markup(format_number(step.t_ms) + " ms: " + step.text);
    if (step.kind == SequenceStep::Kind::note) {
      out << "<rect x=\"" << x(step.from) - 80 << "\" y=\"" << y - 14 << "\" width=\"160\" height=\"18\" fill=\"#ffd\" stroke=\"#cc9\"/>"
          << "<text x=\"" << x(step.from) << "\" y=\"" << y - 1 << "\" text-anchor=\"middle\" textLength=\"150\" "
          << "lengthAdjust=\"spacingAndGlyphs\">" << text << "<title>" << text << "</title></text>\n";
      continue;
    }
    out << "<line x1=\"" << x(step.from) << "\" y1=\"" << y << "\" x2=\"" << x(step.to) << "\" y2=\"" << y
        << "\" stroke=\"" << (step.kind == SequenceStep::Kind::cross ? "#b3261e" : "#333") << "\" marker-end=\"url(#arrow)\""
        << (step.kind == SequenceStep::Kind::reply ? " stroke-dasharray=\"5 3\"" : "")
        << "/><text x=\"" << (x(step.from) + x(step.to)) / 2 << "\" y=\"" << y - 4 << "\" text-anchor=\"middle\">" << text
        << "</text>\n";
  }
  out << "</svg>\n";
  return out.str();
}

}  // namespace brokersim::reports
