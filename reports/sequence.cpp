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

// The broker a detail like "request to broker-2" or "by broker-1, offset 5" names, or "".
std::string broker_in(std::string const& text) {
  std::size_t const at = text.find("broker-");
  if (at == std::string::npos) return "";
  std::size_t end = at + 7;
  while (end < text.size() && std::isdigit(static_cast<unsigned char>(text[end]))) ++end;
  return text.substr(at, end - at);
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
  SequenceDiagram diagram;
  std::string leader;  // The partition's leader as the timeline goes.
  for (TimelineEntry const& entry : example.timeline) {
    double const t = static_cast<double>(entry.at) / 1000.0;
    auto note = [&](std::string const& node, std::string const& text) {
      diagram.steps.push_back({SequenceStep::Kind::note, participant(diagram, node), 0, text, t});
    };
    auto arrow = [&](SequenceStep::Kind kind, std::string const& from, std::string const& to, std::string const& text) {
      std::size_t const a = participant(diagram, from);
      diagram.steps.push_back({kind, a, participant(diagram, to), text, t});
    };
    std::string const& e = entry.event;
    std::string const target = broker_in(entry.detail);
    if ((e == "send" || e == "retry") && !target.empty()) {
      arrow(SequenceStep::Kind::arrow, entry.node, target, e == "send" ? "produce" : "produce (retry)");
    } else if (e == "append") {
      leader = entry.node;
      note(entry.node, "append " + entry.detail);
    } else if (e == "replicate" && !leader.empty() && leader != entry.node) {
      arrow(SequenceStep::Kind::reply, leader, entry.node, "fetch: " + entry.detail);
    } else if (e == "acked" && !target.empty()) {
      arrow(SequenceStep::Kind::reply, target, entry.node, "ack");
    } else if (e == "election") {
      if (!broker_in(entry.detail).empty()) leader = broker_in(entry.detail);
      note(entry.node, entry.detail);
    } else if (e == "deliver" && !leader.empty()) {
      arrow(SequenceStep::Kind::reply, leader, entry.node, "fetch: " + entry.detail);
    } else if (e == "send call" || e == "end of run") {
      note(e == "end of run" && !leader.empty() ? leader : entry.node, e + ": " + entry.detail);
    } else {
      note(entry.node, entry.detail.empty() ? e : e + ": " + entry.detail);
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
        << "\" stroke=\"#333\" marker-end=\"url(#arrow)\"" << (step.kind == SequenceStep::Kind::reply ? " stroke-dasharray=\"5 3\"" : "")
        << "/><text x=\"" << (x(step.from) + x(step.to)) / 2 << "\" y=\"" << y - 4 << "\" text-anchor=\"middle\">" << text
        << "</text>\n";
  }
  out << "</svg>\n";
  return out.str();
}

}  // namespace brokersim::reports
