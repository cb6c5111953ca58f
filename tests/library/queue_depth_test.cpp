// max_queue_depth and the queue-depth chart: the depth RabbitMQ nodes record in the ground truth
// (model::QueueTruth) at every change of a queue, against values computed by hand for small scenarios;
// the expectation that bounds it; and what the reports show of it (a Kafka-only report shows nothing new);
// and RabbitMQ examples' sequence diagrams.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

#include "reports/report_files.h"
#include "reports/report_json.h"
#include "scenarios/loader.h"
#include "support/run_program.h"
#include "support/world_run.h"

namespace {

using brokersim::scenarios::load_scenario_file;
using brokersim::scenarios::load_scenario_text;
using brokersim::testing::source_path;
using brokersim::testing::traced_report;
using brokersim::testing::WorldRun;

// One node and one classic queue, orders-q; one publisher sends `messages` messages at 100 per second
// (all within 0.2 s for 20); `groups` is the consumer_groups array and `expect` the expect object.
std::string scenario(int messages, std::string const& groups, std::string const& expect = "{}") {
  return R"({"name": "depth", "duration_ms": 1000, "drain_ms": 60000, "brokers": {"count": 1},
    "rabbitmq": {"nodes": 1, "queues": [{"name": "orders-q"}]},
    "producers": [{"name": "shop", "queue": "orders-q", "rate_per_s": 100, "messages": )" +
         std::to_string(messages) + R"(}],
    "consumer_groups": )" + groups + R"(,
    "expect": )" + expect + "}";
}

// A slow consumer (1 s a message, one instance) with `prefetch`.
std::string slow_consumer(int prefetch) {
  return R"([{"name": "billing", "queue": "orders-q", "instances": 1, "commit": "after-processing", "processing_ms": 1000,
              "prefetch": )" + std::to_string(prefetch) + "}]";
}

}  // namespace

TEST_CASE("queue depth: a queue nobody consumes holds every message sent to it", "[rabbitmq][reports]") {
  WorldRun const run(load_scenario_text(scenario(25, "[]"), "idle.json"), 3);
  REQUIRE(run.world.truth().queues.size() == 1);
  auto const& queue = run.world.truth().queues[0];
  CHECK(queue.name == "orders-q");
  CHECK(queue.max_depth == 25);
  CHECK(queue.max_ready == 25);
  CHECK(queue.max_unacked == 0);
  CHECK(queue.ready == 25);  // Still there at the end.
  CHECK(run.report.metrics.max_queue_depth == 25);
  CHECK(run.report.metrics.reports_queue_depth);
  auto const json = brokersim::reports::report_to_json(run.report);
  CHECK(json["metrics"]["max_queue_depth"] == 25);
  // The chart's series: ready climbs to 25 in the first second and stays there to the end.
  auto const& ready = json["time_series"]["queue_depth"]["orders-q"]["ready"];
  REQUIRE(ready.size() == run.report.series.seconds);
  REQUIRE(ready.size() > 2);
  CHECK(ready[0] == 25);
  CHECK(ready.back() == 25);
  for (auto const& unacked : json["time_series"]["queue_depth"]["orders-q"]["unacked"]) CHECK(unacked == 0);
}

TEST_CASE("queue depth: a slow consumer holds at most its prefetch unacknowledged, the rest waits ready", "[rabbitmq][reports]") {
  // 20 messages within 0.2 s; the consumer takes 1 s per message, so none is acked before all are sent.
  WorldRun const run(load_scenario_text(scenario(20, slow_consumer(5)), "prefetch.json"), 3);
  auto const& queue = run.world.truth().queues[0];
  CHECK(queue.max_unacked == 5);  // Never more than the prefetch, and the prefetch was reached.
  CHECK(queue.max_depth == 20);   // Every message held at once: 5 unacked, 15 ready.
  CHECK(queue.max_ready >= 15);
  CHECK(queue.ready == 0);        // All processed in the drain.
  CHECK(queue.unacked == 0);
  CHECK(run.report.metrics.processed == 20);
  for (auto const unacked : run.report.series.queue_unacked[0]) CHECK(unacked <= 5);
  CHECK(std::count(run.report.series.queue_unacked[0].begin(), run.report.series.queue_unacked[0].end(), 5u) > 5);
}

TEST_CASE("queue depth: with a prefetch above the messages sent, every message is delivered unacknowledged at once", "[rabbitmq][reports]") {
  // The consumer's deliveries are pushed as the messages arrive: the queue never holds one ready for
  // long, but all 20 are unacked together before the first ack, 1 s after the first delivery.
  WorldRun const run(load_scenario_text(scenario(20, slow_consumer(50)), "wide.json"), 3);
  auto const& queue = run.world.truth().queues[0];
  CHECK(queue.max_unacked == 20);
  CHECK(queue.max_depth == 20);
  CHECK(run.report.series.queue_unacked[0].front() == 20);
  CHECK(run.report.metrics.max_queue_depth == 20);
}

TEST_CASE("queue depth: expect.max_queue_depth breaks when a queue held more", "[rabbitmq][reports]") {
  WorldRun const over(load_scenario_text(scenario(25, "[]", R"({"max_queue_depth": 24})"), "over.json"), 3);
  CHECK(over.report.broken == std::vector<std::string>{"max_queue_depth"});
  CHECK_FALSE(over.report.passed());
  auto const json = brokersim::reports::report_to_json(over.report);
  CHECK(json["expect"]["max_queue_depth"] == 24);
  CHECK(json["broken"] == nlohmann::json::array({"max_queue_depth"}));
  std::string const markdown = brokersim::reports::report_markdown(over.report);
  CHECK(markdown.find("| max_queue_depth = 24 | broken |") != std::string::npos);
  CHECK(markdown.find("| max_queue_depth | 25 |") != std::string::npos);

  WorldRun const at(load_scenario_text(scenario(25, "[]", R"({"max_queue_depth": 25})"), "at.json"), 3);
  CHECK(at.report.broken.empty());
  CHECK(at.report.passed());
}

TEST_CASE("queue depth: a Kafka-only report has no queue depth unless it expects one, then its groups' lag", "[reports]") {
  std::string const kafka = R"({"name": "kafka", "duration_ms": 2000, "brokers": {"count": 1}, "topics": [{"name": "orders"}],
    "producers": [{"name": "shop", "topic": "orders", "rate_per_s": 100}],
    "consumer_groups": [{"name": "billing", "topic": "orders", "processing_ms": 20}], "expect": )";
  WorldRun const plain(load_scenario_text(kafka + "{}}", "kafka.json"), 3);
  CHECK_FALSE(plain.report.metrics.reports_queue_depth);
  auto const json = brokersim::reports::report_to_json(plain.report);
  CHECK_FALSE(json["metrics"].contains("max_queue_depth"));
  CHECK_FALSE(json["time_series"].contains("queue_depth"));
  std::string const html = brokersim::reports::report_html(plain.report);
  CHECK(html.find("chart-depth\"") == std::string::npos);
  CHECK(brokersim::reports::report_markdown(plain.report).find("max_queue_depth") == std::string::npos);

  // A topic's depth is its group's lag: expected, the key shows it.
  WorldRun const bounded(load_scenario_text(kafka + R"({"max_queue_depth": 0}})", "bounded.json"), 3);
  REQUIRE(bounded.report.metrics.max_consumer_lag > 0);  // 100 a second against 50 a second processed.
  CHECK(bounded.report.metrics.max_queue_depth == bounded.report.metrics.max_consumer_lag);
  auto const bounded_json = brokersim::reports::report_to_json(bounded.report);
  CHECK(bounded_json["metrics"]["max_queue_depth"] == bounded.report.metrics.max_consumer_lag);
  CHECK(bounded.report.broken == std::vector<std::string>{"max_queue_depth"});
}

TEST_CASE("queue depth: report.html charts each queue's ready and unacked messages, the same bytes for the same seed", "[rabbitmq][reports]") {
  auto const loaded = load_scenario_text(scenario(20, slow_consumer(5)), "chart.json");
  WorldRun const run(loaded, 3);
  std::string const html = brokersim::reports::report_html(run.report);
  CHECK(html.find("<div id=\"chart-depth\" class=\"chart\"></div>") != std::string::npos);
  CHECK(html.find("\"queue_depth\":{\"orders-q\":{\"ready\":[") != std::string::npos);
  CHECK(html.find("chart('chart-depth'") != std::string::npos);
  CHECK(html.find("<td>max_queue_depth</td><td class=\"n\">20</td>") != std::string::npos);
  WorldRun const again(loaded, 3);
  CHECK(brokersim::reports::report_html(again.report) == html);
}

namespace {

// The ```mermaid block of report.md's section "## Example: <kind>", or "".
std::string mermaid_of(std::string const& markdown, std::string const& kind) {
  std::size_t const section = markdown.find("## Example: " + kind + "\n");
  if (section == std::string::npos) return "";
  std::size_t const start = markdown.find("```mermaid\n", section);
  if (start == std::string::npos) return "";
  return markdown.substr(start, markdown.find("```\n", start + 11) + 4 - start);
}

// The participant index Mermaid calls `name` ("n2"), or "" when the diagram has none by that name.
std::string participant(std::string const& diagram, std::string const& name) {
  std::size_t const at = diagram.find(" as " + name + "\n");
  if (at == std::string::npos) return "";
  std::size_t const start = diagram.rfind("participant ", at) + 12;
  return diagram.substr(start, at - start);
}

}  // namespace

TEST_CASE("rabbitmq: report.md draws a message's life as a Mermaid sequence diagram of publisher, node, queue and consumers", "[rabbitmq][reports]") {
  // autoAck and a consumer crash: the crashed instance's prefetched deliveries are lost.
  auto const report = traced_report(load_scenario_file(source_path("tests/reports/fixtures/rabbitmq-autoack-crash.json")), 3);
  REQUIRE(report.violations.lost > 0);
  std::string const markdown = brokersim::reports::report_markdown(report);
  std::string const diagram = mermaid_of(markdown, "lost");
  INFO(diagram);
  REQUIRE_FALSE(diagram.empty());
  CHECK(diagram.rfind("```mermaid\nsequenceDiagram\n", 0) == 0);
  std::string const shop = participant(diagram, "shop-0");
  std::string const node = participant(diagram, "rabbit-0");
  std::string const queue = participant(diagram, "queue orders-q");
  std::string const consumer = participant(diagram, "billing-0");
  REQUIRE_FALSE(shop.empty());
  REQUIRE_FALSE(node.empty());
  REQUIRE_FALSE(queue.empty());
  REQUIRE_FALSE(consumer.empty());
  CHECK(diagram.find(shop + "->>" + node + ": ") != std::string::npos);                    // publish
  CHECK(diagram.find(" ms: publish\n") != std::string::npos);
  CHECK(diagram.find(node + "->>" + queue + ": ") != std::string::npos);                   // enqueue
  CHECK(diagram.find(node + "-->>" + shop + ": ") != std::string::npos);                   // confirm
  CHECK(diagram.find(queue + "->>" + consumer + ": ") != std::string::npos);               // deliver
  CHECK(diagram.find("Note over " + node + ": ") != std::string::npos);                    // routed
  CHECK(diagram.find("Note over " + consumer + ": ") != std::string::npos);                // the crash
  CHECK(diagram.find(": crash") != std::string::npos);

  // A downstream outage fails every attempt; the group rejects the message to the queue's dead-letter
  // exchange, which routes it to dead-q.
  auto const dead_report = traced_report(load_scenario_file(source_path("tests/reports/fixtures/rabbitmq-dead-letter.json")), 3);
  REQUIRE(dead_report.violations.dead_lettered > 0);
  std::string const dead_diagram = mermaid_of(brokersim::reports::report_markdown(dead_report), "dead_lettered");
  INFO(dead_diagram);
  std::string const dead_node = participant(dead_diagram, "rabbit-0");
  std::string const orders_q = participant(dead_diagram, "queue orders-q");
  std::string const dead_q = participant(dead_diagram, "queue dead-q");
  std::string const billing = participant(dead_diagram, "billing-0");
  REQUIRE_FALSE(dead_node.empty());
  REQUIRE_FALSE(orders_q.empty());
  REQUIRE_FALSE(dead_q.empty());
  REQUIRE_FALSE(billing.empty());
  CHECK(dead_diagram.find(orders_q + "->>" + billing + ": ") != std::string::npos);                // deliver
  CHECK(dead_diagram.find(billing + "-->>" + orders_q + ": ") != std::string::npos);               // reject
  CHECK(dead_diagram.find("reject (basic.reject, no requeue)") != std::string::npos);
  CHECK(dead_diagram.find(orders_q + "->>" + dead_node + ": ") != std::string::npos);              // dead-letter
  CHECK(dead_diagram.find("dead-letter: ") != std::string::npos);
  CHECK(dead_diagram.find(dead_node + "->>" + dead_q + ": ") != std::string::npos);                // into dead-q
  // The same example in report.html: an inline SVG of the same steps.
  std::string const html = brokersim::reports::report_html(dead_report);
  CHECK(html.find("<svg class=\"sequence\"") != std::string::npos);
  CHECK(html.find("queue dead-q</text>") != std::string::npos);
}
