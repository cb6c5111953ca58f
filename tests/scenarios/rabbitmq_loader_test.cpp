// The scenario format's RabbitMQ keys (PRODUCT.md v0.2 "More systems in one scenario"): their defaults, what
// they read into, and mutations of the good file that are errors or scenarios, never a crash. The exact
// messages of bad input are tests/scenarios/bad's (loader_test.cpp).
#include <catch2/catch.hpp>

#include <string>

#include "scenarios/loader.h"
#include "scenarios/writer.h"
#include "support/run_program.h"

using brokersim::scenarios::load_scenario_file;
using brokersim::scenarios::load_scenario_text;
using brokersim::scenarios::Scenario;
using brokersim::scenarios::ScenarioError;

namespace {

namespace rmq = brokersim::model::rabbitmq;

Scenario load(std::string const& rabbitmq, std::string const& producer, std::string const& group) {
  return load_scenario_text(R"({"name": "r", "duration_ms": 1000, "brokers": {"count": 1}, "rabbitmq": )" + rabbitmq +
                                R"(, "producers": [)" + producer + R"(], "consumer_groups": [)" + group + "]}",
                            "r.json");
}

}  // namespace

TEST_CASE("scenarios: rabbitmq: the defaults of the format", "[scenarios]") {
  using brokersim::sim::kMicrosPerMilli;
  Scenario const s = load(R"({"exchanges": [{"name": "x"}], "queues": [{"name": "q"}, {"name": "qq", "type": "quorum"}],
                              "bindings": [{"exchange": "x", "queue": "q"}]})",
                          R"({"name": "p", "exchange": "x", "messages": 1}, {"name": "d", "queue": "qq", "messages": 1})",
                          R"({"name": "g", "queue": "q"})");
  auto const& r = s.world.rabbitmq;
  CHECK(r.present());
  CHECK(r.nodes == 1);
  CHECK(r.zones.empty());
  REQUIRE(r.exchanges.size() == 1);
  CHECK(r.exchanges[0].type == rmq::ExchangeType::direct);
  CHECK_FALSE(r.exchanges[0].alternate_exchange);
  REQUIRE(r.queues.size() == 2);
  auto const& q = r.queues[0];
  CHECK(q.type == rmq::QueueKind::classic);
  CHECK_FALSE(q.node);
  CHECK_FALSE(q.replicas);
  CHECK(q.durable);
  CHECK_FALSE(q.dead_letter_exchange);
  CHECK_FALSE(q.dead_letter_routing_key);
  CHECK_FALSE(q.delivery_limit);
  CHECK(q.effective_delivery_limit() == rmq::kUnlimited);
  CHECK_FALSE(q.message_ttl);
  CHECK_FALSE(q.max_length);
  CHECK(q.overflow == rmq::Overflow::drop_head);
  CHECK(q.consumer_timeout == 1800000 * kMicrosPerMilli);
  CHECK(r.queues[1].effective_delivery_limit() == 20);
  CHECK(r.queues[1].replica_count(r.nodes) == 1);
  REQUIRE(r.bindings.size() == 1);
  CHECK(r.bindings[0].routing_key.empty());
  CHECK(r.bindings[0].match == rmq::HeadersMatch::all);
  auto const& p = s.world.producers.at(0);
  CHECK(p.exchange == "x");
  CHECK(p.topic.empty());
  CHECK(p.routing_keys.empty());
  CHECK(p.attributes.empty());
  CHECK(p.confirms);
  CHECK_FALSE(p.mandatory);
  CHECK(p.persistent);
  CHECK_FALSE(p.idempotent);  // Kafka's default is true; RabbitMQ has no deduplication.
  CHECK(p.retries == 2147483647);
  CHECK(p.retry_backoff == 100 * kMicrosPerMilli);
  CHECK(p.request_timeout == 30000 * kMicrosPerMilli);
  CHECK(s.world.producers.at(1).queue == "qq");
  auto const& g = s.world.consumer_groups.at(0);
  CHECK(g.queue == "q");
  CHECK(g.topic.empty());
  CHECK(g.prefetch == 250);
  CHECK(g.commit == brokersim::model::CommitMode::after_processing);
  // Without a rabbitmq section there is no RabbitMQ.
  CHECK_FALSE(load_scenario_file("tests/scenarios/good/minimal.json").world.rabbitmq.present());
}

TEST_CASE("scenarios: rabbitmq: the good file reads as written", "[scenarios]") {
  Scenario const s = load_scenario_file("tests/scenarios/good/rabbitmq.json");
  auto const& r = s.world.rabbitmq;
  CHECK(r.nodes == 3);
  CHECK(r.zones == std::vector<std::string>{"dc-a", "dc-b", "dc-c"});
  CHECK(r.exchanges[0].alternate_exchange == "unrouted-x");
  auto const& q = r.queues[0];
  CHECK(q.type == rmq::QueueKind::quorum);
  CHECK(q.node == 1);
  CHECK(q.replicas == 3);
  CHECK(q.dead_letter_exchange == "dlx");
  CHECK(q.dead_letter_routing_key == "failed");
  CHECK(q.delivery_limit == 5);
  CHECK(q.message_ttl == 60000 * brokersim::sim::kMicrosPerMilli);
  CHECK(q.max_length == 10000);
  CHECK(q.overflow == rmq::Overflow::reject_publish);
  CHECK_FALSE(r.queues[1].durable);
  CHECK(r.queues[3].effective_delivery_limit() == rmq::kUnlimited);
  auto const& headers = r.bindings[3];
  REQUIRE(headers.headers.size() == 2);
  CHECK(headers.headers[0].name == "region");
  CHECK(headers.headers[0].value == "eu");
  CHECK(headers.match == rmq::HeadersMatch::any);
  auto const& p = s.world.producers[0];
  CHECK(p.routing_keys == std::vector<std::string>{"order.eu.created", "order.us.created", "invoice.x"});
  REQUIRE(p.attributes.size() == 2);
  CHECK(p.attributes[0].name == "region");
  CHECK(p.attributes[0].values == std::vector<std::string>{"eu", "us"});
  CHECK(p.attributes[1].values == std::vector<std::string>{"gold"});
  CHECK(p.mandatory);
  CHECK(s.world.producers[1].persistent == false);
  CHECK(s.world.producers[3].routing_keys == std::vector<std::string>{""});
  CHECK(s.world.consumer_groups[0].on_failure.then == brokersim::model::AfterFailure::requeue);
  CHECK(s.world.consumer_groups[0].prefetch == 10);
  CHECK(s.world.consumer_groups[1].prefetch == 0);
  CHECK(s.world.consumer_groups[1].commit == brokersim::model::CommitMode::auto_commit);
  CHECK(s.faults.size() == 3);
  CHECK(s.expect.max_queue_depth == 5000.0);
}

TEST_CASE("scenarios: rabbitmq: mutations of the good file are errors or scenarios, never a crash", "[scenarios]") {
  std::string const text = brokersim::testing::read_file("tests/scenarios/good/rabbitmq.json");
  char const alphabet[] = "{}[]\",:0123456789-.eE ntfalsru\\/\x01\xff";
  std::uint64_t state = 0x7ab817ULL;
  auto below = [&](std::size_t n) {
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    return static_cast<std::size_t>((state * 0x2545F4914F6CDD1DULL) % n);
  };
  for (int round = 0; round < 2000; ++round) {
    std::string mutated = text;
    std::size_t const at = below(mutated.size());
    char const c = alphabet[below(sizeof alphabet - 1)];
    switch (below(3)) {
      case 0:
        mutated[at] = c;
        break;
      case 1:
        mutated.insert(at, 1, c);
        break;
      default:
        mutated.erase(at, 1);
    }
    INFO(mutated);
    try {
      Scenario const s = load_scenario_text(mutated, "mutated.json");
      // What loads also writes back and loads again.
      load_scenario_text(brokersim::scenarios::scenario_to_json(s).dump(), "written.json");
    } catch (ScenarioError const& error) {
      CHECK(std::string(error.what()).rfind(std::string("mutated.json"), 0) == 0);
    }
  }
}
