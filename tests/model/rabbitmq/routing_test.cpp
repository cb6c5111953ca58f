// RabbitMQ's exchange routing, checked against RabbitMQ's own test suites where they have tables
// (rabbitmq/rabbitmq-server v4.2.0) and against the Erlang sources for the corners they leave out.
#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>
#include <vector>

#include "model/rabbitmq/routing.h"

using brokersim::model::rabbitmq::BindingSpec;
using brokersim::model::rabbitmq::ExchangeIndex;
using brokersim::model::rabbitmq::ExchangeSpec;
using brokersim::model::rabbitmq::ExchangeType;
using brokersim::model::rabbitmq::HeaderPair;
using brokersim::model::rabbitmq::HeadersMatch;
using brokersim::model::rabbitmq::MessageHeader;
using brokersim::model::rabbitmq::QueueIndex;
using brokersim::model::rabbitmq::RouteCache;
using brokersim::model::rabbitmq::RouteResult;
using brokersim::model::rabbitmq::RoutingConfig;
using brokersim::model::rabbitmq::RoutingTable;
using brokersim::model::rabbitmq::split_topic_words;
using brokersim::model::rabbitmq::validate_routing_config;

namespace {

BindingSpec key_binding(std::string exchange, std::string queue, std::string routing_key) {
  return BindingSpec{std::move(exchange), std::move(queue), std::move(routing_key), {}, HeadersMatch::all};
}

BindingSpec headers_binding(std::string exchange, std::string queue, HeadersMatch match, std::vector<HeaderPair> headers) {
  return BindingSpec{std::move(exchange), std::move(queue), "", std::move(headers), match};
}

// The names of the queues a message reaches, in queue-index order.
std::vector<std::string> routed_queue_names(RoutingTable const& table, std::string_view exchange, std::string_view routing_key,
                                            std::vector<MessageHeader> const& headers = {}) {
  RouteResult result;
  table.route(*table.find_exchange(exchange), routing_key, headers, result);
  std::vector<std::string> names;
  for (QueueIndex queue : result.queues) names.push_back(table.queue_name(queue));
  return names;
}

// routing_SUITE:topic1/1 declares queues t1..t27 and binds them to one topic exchange.
struct TopicCase {
  char const* routing_key;
  std::vector<std::string> expected_queues;  // In queue-index order, t1 < t2 < ... < t27.
};

RoutingConfig routing_suite_topic_config(bool with_removed_bindings) {
  RoutingConfig config;
  config.exchanges.push_back(ExchangeSpec{"topic_matching-exchange", ExchangeType::topic, {}});
  for (int i = 1; i <= 27; ++i) config.queues.push_back("t" + std::to_string(i));
  // {binding key, queue, removed in the suite's second half}. Both "args-test" bindings go to t27 (the
  // suite's "aliasing": topic exchanges ignore binding arguments); the second is the one removed.
  struct Row {
    char const* key;
    char const* queue;
    bool removed;
  };
  Row const rows[] = {{"a.b.c", "t1", true},    {"a.*.c", "t2", false},    {"a.#.b", "t3", false},
                      {"a.b.b.c", "t4", false}, {"#", "t5", true},         {"#.#", "t6", false},
                      {"#.b", "t7", false},     {"*.*", "t8", false},      {"a.*", "t9", false},
                      {"*.b.c", "t10", false},  {"a.#", "t11", true},      {"a.#.#", "t12", false},
                      {"b.b.c", "t13", false},  {"a.b.b", "t14", false},   {"a.b", "t15", false},
                      {"b.c", "t16", false},    {"", "t17", false},        {"*.*.*", "t18", false},
                      {"vodka.martini", "t19", true}, {"a.b.c", "t20", false}, {"*.#", "t21", true},
                      {"#.*.#", "t22", false},  {"*.#.#", "t23", false},   {"#.#.#", "t24", false},
                      {"*", "t25", false},      {"#.b.#", "t26", false},   {"args-test", "t27", false},
                      {"args-test", "t27", true}};
  for (Row const& row : rows) {
    if (row.removed && !with_removed_bindings) continue;
    config.bindings.push_back(key_binding("topic_matching-exchange", row.queue, row.key));
  }
  return config;
}

void check_topic_cases(RoutingTable const& table, std::vector<TopicCase> const& cases) {
  for (TopicCase const& topic_case : cases) {
    INFO("routing key \"" << topic_case.routing_key << "\"");
    CHECK(routed_queue_names(table, "topic_matching-exchange", topic_case.routing_key) == topic_case.expected_queues);
  }
}

}  // namespace

TEST_CASE("rabbitmq: routing: topic matching agrees with RabbitMQ's routing_SUITE", "[model][rabbitmq]") {
  // deps/rabbit/test/routing_SUITE.erl, topic1/1 (rabbitmq-server v4.2.0): the same 28 bindings, keys and
  // expected queues, first with every binding, then after removing bindings 1, 5, 11, 19, 21 and 28.
  RoutingTable const all_bindings(routing_suite_topic_config(true));
  check_topic_cases(all_bindings,
                    {{"a.b.c", {"t1", "t2", "t5", "t6", "t10", "t11", "t12", "t18", "t20", "t21", "t22", "t23", "t24", "t26"}},
                     {"a.b", {"t3", "t5", "t6", "t7", "t8", "t9", "t11", "t12", "t15", "t21", "t22", "t23", "t24", "t26"}},
                     {"a.b.b", {"t3", "t5", "t6", "t7", "t11", "t12", "t14", "t18", "t21", "t22", "t23", "t24", "t26"}},
                     {"", {"t5", "t6", "t17", "t24"}},
                     {"b.c.c", {"t5", "t6", "t18", "t21", "t22", "t23", "t24", "t26"}},
                     {"a.a.a.a.a", {"t5", "t6", "t11", "t12", "t21", "t22", "t23", "t24"}},
                     {"vodka.gin", {"t5", "t6", "t8", "t21", "t22", "t23", "t24"}},
                     {"vodka.martini", {"t5", "t6", "t8", "t19", "t21", "t22", "t23", "t24"}},
                     {"b.b.c", {"t5", "t6", "t10", "t13", "t18", "t21", "t22", "t23", "t24", "t26"}},
                     {"nothing.here.at.all", {"t5", "t6", "t21", "t22", "t23", "t24"}},
                     {"oneword", {"t5", "t6", "t21", "t22", "t23", "t24", "t25"}},
                     {"args-test", {"t5", "t6", "t21", "t22", "t23", "t24", "t25", "t27"}}});

  RoutingTable const after_removal(routing_suite_topic_config(false));
  check_topic_cases(after_removal,
                    {{"a.b.c", {"t2", "t6", "t10", "t12", "t18", "t20", "t22", "t23", "t24", "t26"}},
                     {"a.b", {"t3", "t6", "t7", "t8", "t9", "t12", "t15", "t22", "t23", "t24", "t26"}},
                     {"a.b.b", {"t3", "t6", "t7", "t12", "t14", "t18", "t22", "t23", "t24", "t26"}},
                     {"", {"t6", "t17", "t24"}},
                     {"b.c.c", {"t6", "t18", "t22", "t23", "t24", "t26"}},
                     {"a.a.a.a.a", {"t6", "t12", "t22", "t23", "t24"}},
                     {"vodka.gin", {"t6", "t8", "t22", "t23", "t24"}},
                     {"vodka.martini", {"t6", "t8", "t22", "t23", "t24"}},
                     {"b.b.c", {"t6", "t10", "t13", "t18", "t22", "t23", "t24", "t26"}},
                     {"nothing.here.at.all", {"t6", "t22", "t23", "t24"}},
                     {"oneword", {"t6", "t22", "t23", "t24", "t25"}},
                     {"args-test", {"t6", "t22", "t23", "t24", "t25", "t27"}}});
}

TEST_CASE("rabbitmq: routing: topic matching agrees with RabbitMQ's rabbit_db_topic_exchange_SUITE", "[model][rabbitmq]") {
  // deps/rabbit/test/rabbit_db_topic_exchange_SUITE.erl, match_0/1 (v4.2.0): "a.b.#" matches "a.b".
  RoutingConfig config;
  config.exchanges.push_back(ExchangeSpec{"test-exchange", ExchangeType::topic, {}});
  config.queues = {"q1", "q2", "q3", "q4", "q5", "q6", "q7"};
  char const* const keys[] = {"a.b.c", "a.*.c", "*.#", "#", "#.#", "a.*", "a.b.#"};
  for (int i = 0; i < 7; ++i) config.bindings.push_back(key_binding("test-exchange", "q" + std::to_string(i + 1), keys[i]));
  RoutingTable const table(config);
  using Names = std::vector<std::string>;
  CHECK(routed_queue_names(table, "test-exchange", "a.b.c") == Names{"q1", "q2", "q3", "q4", "q5", "q7"});
  CHECK(routed_queue_names(table, "test-exchange", "a.b") == Names{"q3", "q4", "q5", "q6", "q7"});
  CHECK(routed_queue_names(table, "test-exchange", "") == Names{"q4", "q5"});
  CHECK(routed_queue_names(table, "test-exchange", "zen.rabbit") == Names{"q3", "q4", "q5"});
}

TEST_CASE("rabbitmq: routing: topic words follow split_topic_key including empty words", "[model][rabbitmq]") {
  // rabbit_db_topic_exchange:split_topic_key/1: "" is no words; every dot separates two words, empty or not.
  std::vector<std::string_view> words;
  split_topic_words("", words);
  CHECK(words.empty());
  split_topic_words("a", words);
  CHECK(words == std::vector<std::string_view>{"a"});
  split_topic_words("a..b", words);
  CHECK(words == std::vector<std::string_view>{"a", "", "b"});
  split_topic_words(".", words);
  CHECK(words == std::vector<std::string_view>{"", ""});
  split_topic_words("a.", words);
  CHECK(words == std::vector<std::string_view>{"a", ""});

  RoutingConfig config;
  config.exchanges.push_back(ExchangeSpec{"t", ExchangeType::topic, {}});
  config.queues = {"star", "star_star", "a_star", "a_hash_c", "hash_c", "literal_star", "a_empty_b"};
  config.bindings = {key_binding("t", "star", "*"),         key_binding("t", "star_star", "*.*"),
                     key_binding("t", "a_star", "a.*"),     key_binding("t", "a_hash_c", "a.#.c"),
                     key_binding("t", "hash_c", "#.c"),     key_binding("t", "literal_star", "a*"),
                     key_binding("t", "a_empty_b", "a..b")};
  RoutingTable const table(config);
  using Names = std::vector<std::string>;
  CHECK(routed_queue_names(table, "t", "").empty());  // "*" needs a word; "" has none.
  CHECK(routed_queue_names(table, "t", ".") == Names{"star_star"});
  CHECK(routed_queue_names(table, "t", "a.") == Names{"star_star", "a_star"});
  CHECK(routed_queue_names(table, "t", "a..b") == Names{"a_empty_b"});  // An empty word is a word like any other.
  CHECK(routed_queue_names(table, "t", "a..c") == Names{"a_hash_c", "hash_c"});
  CHECK(routed_queue_names(table, "t", "a.c") == Names{"star_star", "a_star", "a_hash_c", "hash_c"});
  CHECK(routed_queue_names(table, "t", "a.x.y.c") == Names{"a_hash_c", "hash_c"});
  CHECK(routed_queue_names(table, "t", "c") == Names{"star", "hash_c"});
  CHECK(routed_queue_names(table, "t", "ab") == Names{"star"});  // "a*" is a literal word, not a prefix.
  CHECK(routed_queue_names(table, "t", "a*") == Names{"star", "literal_star"});
}

TEST_CASE("rabbitmq: routing: topic hash at both ends and twice matches by backtracking", "[model][rabbitmq]") {
  // Cases where a greedy first choice for "#" is wrong and the matcher has to give words back.
  RoutingConfig config;
  config.exchanges.push_back(ExchangeSpec{"t", ExchangeType::topic, {}});
  config.queues = {"hash_a_hash_b", "a_hash", "hash_a", "hash_star_star"};
  config.bindings = {key_binding("t", "hash_a_hash_b", "#.a.#.b"), key_binding("t", "a_hash", "a.#"),
                     key_binding("t", "hash_a", "#.a"), key_binding("t", "hash_star_star", "#.*.*")};
  RoutingTable const table(config);
  using Names = std::vector<std::string>;
  CHECK(routed_queue_names(table, "t", "a") == Names{"a_hash", "hash_a"});
  CHECK(routed_queue_names(table, "t", "a.a") == Names{"a_hash", "hash_a", "hash_star_star"});
  CHECK(routed_queue_names(table, "t", "x.a.b.a.y.b") == Names{"hash_a_hash_b", "hash_star_star"});
  CHECK(routed_queue_names(table, "t", "a.b") == Names{"hash_a_hash_b", "a_hash", "hash_star_star"});
  CHECK(routed_queue_names(table, "t", "b.a") == Names{"hash_a", "hash_star_star"});
  CHECK(routed_queue_names(table, "t", "x").empty());
}

TEST_CASE("rabbitmq: routing: direct and fanout exchanges and one copy per queue", "[model][rabbitmq]") {
  RoutingConfig config;
  config.exchanges = {ExchangeSpec{"orders", ExchangeType::direct, {}}, ExchangeSpec{"broadcast", ExchangeType::fanout, {}}};
  config.queues = {"billing", "shipping", "audit"};
  config.bindings = {key_binding("orders", "shipping", "created"), key_binding("orders", "billing", "created"),
                     key_binding("orders", "billing", "created"),  // The same binding twice is one binding.
                     key_binding("orders", "audit", "deleted"),    key_binding("broadcast", "audit", "ignored"),
                     key_binding("broadcast", "billing", "")};
  RoutingTable const table(config);
  using Names = std::vector<std::string>;
  CHECK(routed_queue_names(table, "orders", "created") == Names{"billing", "shipping"});
  CHECK(routed_queue_names(table, "orders", "deleted") == Names{"audit"});
  CHECK(routed_queue_names(table, "orders", "Created").empty());  // Keys compare byte for byte.
  CHECK(routed_queue_names(table, "orders", "").empty());
  CHECK(routed_queue_names(table, "broadcast", "anything") == Names{"billing", "audit"});
  CHECK(routed_queue_names(table, "broadcast", "") == Names{"billing", "audit"});
}

TEST_CASE("rabbitmq: routing: the default exchange routes to the queue named by the key", "[model][rabbitmq]") {
  RoutingConfig config;
  config.exchanges = {ExchangeSpec{"x", ExchangeType::direct, {}}};
  config.queues = {"alpha", "beta"};
  RoutingTable const table(config);
  // Not declared: it comes after the declared exchanges, which keep their config positions.
  REQUIRE(table.exchange_count() == 2);
  CHECK(table.find_exchange("x") == ExchangeIndex{0});
  CHECK(table.default_exchange() == 1);
  CHECK(table.exchange_name(table.default_exchange()).empty());
  CHECK(table.exchange_type(table.default_exchange()) == ExchangeType::direct);
  RouteResult result;
  table.route(table.default_exchange(), "beta", {}, result);
  CHECK(result.queues == std::vector<QueueIndex>{1});
  CHECK_FALSE(result.unroutable());
  table.route(table.default_exchange(), "gamma", {}, result);
  CHECK(result.unroutable());
  CHECK(result.exchanges_consulted == std::vector<ExchangeIndex>{1});

  // Declared: it keeps its place in the config order.
  config.exchanges.insert(config.exchanges.begin(), ExchangeSpec{"", ExchangeType::direct, {}});
  RoutingTable const declared(config);
  CHECK(declared.exchange_count() == 2);
  CHECK(declared.default_exchange() == 0);
  CHECK(declared.find_exchange("x") == ExchangeIndex{1});
}

TEST_CASE("rabbitmq: routing: headers all and any agree with RabbitMQ's exchanges_SUITE", "[model][rabbitmq]") {
  // deps/rabbit/test/exchanges_SUITE.erl, headers_exchange/1 (v4.2.0): an all binding and an any binding on
  // foo=bar, fuu=ber; msg1 has both headers, msg2 only foo, msg3 none.
  RoutingConfig config;
  config.exchanges = {ExchangeSpec{"amq.headers", ExchangeType::headers, {}}};
  config.queues = {"q", "alt_q"};
  config.bindings = {headers_binding("amq.headers", "q", HeadersMatch::all, {{"foo", "bar"}, {"fuu", "ber"}}),
                     headers_binding("amq.headers", "alt_q", HeadersMatch::any, {{"foo", "bar"}, {"fuu", "ber"}})};
  RoutingTable const table(config);
  using Names = std::vector<std::string>;
  CHECK(routed_queue_names(table, "amq.headers", "", {{"foo", "bar"}, {"fuu", "ber"}}) == Names{"q", "alt_q"});
  CHECK(routed_queue_names(table, "amq.headers", "", {{"foo", "bar"}}) == Names{"alt_q"});
  CHECK(routed_queue_names(table, "amq.headers", "", {}).empty());
  // Values compare exactly, header order does not matter, extra headers do not hurt, the key is ignored.
  CHECK(routed_queue_names(table, "amq.headers", "any.key", {{"other", "1"}, {"fuu", "ber"}, {"foo", "bar"}}) ==
        Names{"q", "alt_q"});
  CHECK(routed_queue_names(table, "amq.headers", "", {{"foo", "BAR"}, {"fuu", "ber"}}) == Names{"alt_q"});
  CHECK(routed_queue_names(table, "amq.headers", "", {{"foo", "baz"}}).empty());
}

TEST_CASE("rabbitmq: routing: headers bindings skip x- arguments so empty all matches and empty any does not",
          "[model][rabbitmq]") {
  // rabbit_exchange_type_headers: match/2 skips arguments named x-...; match_all([]) is true and
  // match_any([]) is false, and skipped arguments count for neither. all_with_x / any_with_x (3.13+) use
  // match_x/2, which compares x- arguments like any other (except x-match).
  RoutingConfig config;
  config.exchanges = {ExchangeSpec{"h", ExchangeType::headers, {}}};
  config.queues = {"all_empty", "any_empty", "all_only_x", "any_only_x", "all_with_x", "any_with_x"};
  config.bindings = {headers_binding("h", "all_empty", HeadersMatch::all, {}),
                     headers_binding("h", "any_empty", HeadersMatch::any, {}),
                     headers_binding("h", "all_only_x", HeadersMatch::all, {{"x-tenant", "a"}}),
                     headers_binding("h", "any_only_x", HeadersMatch::any, {{"x-tenant", "a"}}),
                     headers_binding("h", "all_with_x", HeadersMatch::all_with_x, {{"x-tenant", "a"}, {"kind", "k"}}),
                     headers_binding("h", "any_with_x", HeadersMatch::any_with_x, {{"x-tenant", "a"}})};
  RoutingTable const table(config);
  using Names = std::vector<std::string>;
  CHECK(routed_queue_names(table, "h", "", {}) == Names{"all_empty", "all_only_x"});
  CHECK(routed_queue_names(table, "h", "", {{"x-tenant", "b"}}) == Names{"all_empty", "all_only_x"});
  CHECK(routed_queue_names(table, "h", "", {{"x-tenant", "a"}}) == Names{"all_empty", "all_only_x", "any_with_x"});
  CHECK(routed_queue_names(table, "h", "", {{"x-tenant", "a"}, {"kind", "k"}}) ==
        Names{"all_empty", "all_only_x", "all_with_x", "any_with_x"});
}

TEST_CASE("rabbitmq: routing: an alternate exchange routes what the exchange could not", "[model][rabbitmq]") {
  // rabbit_exchange:route1/4 and process_alternate/2: the alternate exchange is asked only when the
  // exchange matched nothing, with the same routing key and headers, and its own alternate after it.
  RoutingConfig config;
  config.exchanges = {ExchangeSpec{"orders", ExchangeType::direct, "orders-ae"},
                      ExchangeSpec{"orders-ae", ExchangeType::topic, "last-resort"},
                      ExchangeSpec{"last-resort", ExchangeType::fanout, {}},
                      ExchangeSpec{"lonely", ExchangeType::direct, {}}};
  config.queues = {"created", "eu-orders", "unrouted"};
  config.bindings = {key_binding("orders", "created", "order.created"), key_binding("orders-ae", "eu-orders", "order.*.eu"),
                     key_binding("last-resort", "unrouted", "")};
  RoutingTable const table(config);
  ExchangeIndex const orders = *table.find_exchange("orders");
  RouteResult result;

  table.route(orders, "order.created", {}, result);
  CHECK(result.queues == std::vector<QueueIndex>{0});
  CHECK(result.routed_by() == orders);
  CHECK_FALSE(result.routed_via_alternate());

  table.route(orders, "order.paid.eu", {}, result);
  CHECK(result.queues == std::vector<QueueIndex>{1});
  CHECK(table.exchange_name(result.routed_by()) == "orders-ae");
  CHECK(result.routed_via_alternate());
  CHECK(result.exchanges_consulted == std::vector<ExchangeIndex>{0, 1});

  table.route(orders, "order.paid.us", {}, result);
  CHECK(result.queues == std::vector<QueueIndex>{2});
  CHECK(table.exchange_name(result.routed_by()) == "last-resort");
  CHECK(result.exchanges_consulted == std::vector<ExchangeIndex>{0, 1, 2});

  // Publishing to the alternate itself does not go back to the exchange that names it.
  table.route(*table.find_exchange("orders-ae"), "order.paid.eu", {}, result);
  CHECK(result.exchanges_consulted == std::vector<ExchangeIndex>{1});

  table.route(*table.find_exchange("lonely"), "anything", {}, result);
  CHECK(result.unroutable());
  CHECK_FALSE(result.routed_via_alternate());
}

TEST_CASE("rabbitmq: routing: alternate exchange cycles stop after each exchange once", "[model][rabbitmq]") {
  RoutingConfig config;
  config.exchanges = {ExchangeSpec{"a", ExchangeType::direct, "b"}, ExchangeSpec{"b", ExchangeType::direct, "c"},
                      ExchangeSpec{"c", ExchangeType::direct, "a"}, ExchangeSpec{"self", ExchangeType::fanout, "self"}};
  config.queues = {"q"};
  config.bindings = {key_binding("c", "q", "known")};
  RoutingTable const table(config);
  RouteResult result;
  table.route(*table.find_exchange("b"), "unknown", {}, result);
  CHECK(result.unroutable());
  CHECK(result.exchanges_consulted == std::vector<ExchangeIndex>{1, 2, 0});
  table.route(*table.find_exchange("a"), "known", {}, result);
  CHECK(result.queues == std::vector<QueueIndex>{0});
  CHECK(result.exchanges_consulted == std::vector<ExchangeIndex>{0, 1, 2});
  table.route(*table.find_exchange("self"), "x", {}, result);
  CHECK(result.unroutable());
  CHECK(result.exchanges_consulted == std::vector<ExchangeIndex>{3});
}

TEST_CASE("rabbitmq: routing: validation names every bad exchange queue and binding", "[model][rabbitmq]") {
  RoutingConfig config;
  config.exchanges = {ExchangeSpec{"x", ExchangeType::direct, "missing-ae"}, ExchangeSpec{"x", ExchangeType::topic, {}},
                      ExchangeSpec{"", ExchangeType::fanout, "x"}, ExchangeSpec{"y", ExchangeType::direct, ""}};
  config.queues = {"q", "q", ""};
  config.bindings = {key_binding("nope", "q", "k"), key_binding("x", "ghost", "k"), key_binding("", "q", "q"),
                     headers_binding("x", "q", HeadersMatch::any, {{"x-match", "all"}})};
  std::vector<std::string> const errors = validate_routing_config(config);
  std::vector<std::string> const expected = {
      "exchange 1 \"x\" is declared again (first as exchange 0)",
      "exchange 2 \"\": the default exchange is a direct exchange",
      "queue 1 \"q\" is declared again (first as queue 0)",
      "queue 2 has an empty name",
      "exchange 0 \"x\": alternate exchange \"missing-ae\" is not declared",
      "exchange 2 \"\": the default exchange cannot have an alternate exchange (RabbitMQ ignores it)",
      "exchange 3 \"y\": the alternate exchange cannot be the default exchange",
      "binding 0 (exchange \"nope\" -> queue \"q\"): exchange \"nope\" is not declared",
      "binding 1 (exchange \"x\" -> queue \"ghost\"): queue \"ghost\" is not declared",
      "binding 2 (exchange \"\" -> queue \"q\"): the default exchange cannot be bound to",
      "binding 3 (exchange \"x\" -> queue \"q\"): x-match is given by the binding's match mode, not as a header"};
  CHECK(errors == expected);
  CHECK_THROWS_AS(RoutingTable(config), std::invalid_argument);

  RoutingConfig good;
  good.exchanges = {ExchangeSpec{"x", ExchangeType::direct, {}}};
  good.queues = {"q"};
  good.bindings = {key_binding("x", "q", "k")};
  CHECK(validate_routing_config(good).empty());
  CHECK_NOTHROW(RoutingTable(good));
}

TEST_CASE("rabbitmq: routing: a reused result keeps its capacity and is fully overwritten", "[model][rabbitmq]") {
  RoutingTable const table(routing_suite_topic_config(true));
  ExchangeIndex const exchange = *table.find_exchange("topic_matching-exchange");
  RouteResult result;
  table.route(exchange, "a.b.c", {}, result);
  REQUIRE(result.queues.size() == 14);
  std::size_t const capacity = result.queues.capacity();
  QueueIndex const* const storage = result.queues.data();
  table.route(exchange, "oneword", {}, result);
  CHECK(result.queues.size() == 7);
  CHECK(result.queues.capacity() == capacity);
  CHECK(result.queues.data() == storage);  // No reallocation: nothing allocated for a smaller result.
  CHECK(result.exchanges_consulted == std::vector<ExchangeIndex>{exchange});
}

TEST_CASE("rabbitmq: routing: the route cache gives the same results as routing each message", "[model][rabbitmq]") {
  RoutingConfig config = routing_suite_topic_config(true);
  config.exchanges.push_back(ExchangeSpec{"h", ExchangeType::headers, "topic_matching-exchange"});
  config.exchanges.push_back(ExchangeSpec{"d", ExchangeType::direct, "h"});
  config.bindings.push_back(headers_binding("h", "t1", HeadersMatch::all, {{"region", "eu"}}));
  RoutingTable const table(config);
  std::vector<std::string> const keys = {"a.b.c", "", "oneword", "t3", "vodka.martini"};
  RouteCache cache(table, keys);
  CHECK(cache.routing_key_count() == keys.size());
  CHECK(cache.find_routing_key("oneword") == 2U);
  CHECK_FALSE(cache.find_routing_key("absent").has_value());
  // d falls back to a headers exchange, so its routes depend on headers; the topic exchange's do not.
  CHECK(table.depends_on_headers(*table.find_exchange("d")));
  CHECK(table.depends_on_headers(*table.find_exchange("h")));
  CHECK_FALSE(table.depends_on_headers(*table.find_exchange("topic_matching-exchange")));
  CHECK_FALSE(table.depends_on_headers(table.default_exchange()));

  std::vector<std::vector<MessageHeader>> const header_sets = {{}, {{"region", "eu"}}};
  RouteResult direct;
  for (ExchangeIndex exchange = 0; exchange < table.exchange_count(); ++exchange) {
    for (std::uint32_t key = 0; key < keys.size(); ++key) {
      for (std::vector<MessageHeader> const& headers : header_sets) {
        table.route(exchange, keys[key], headers, direct);
        RouteResult const& cached = cache.route(exchange, key, headers);
        INFO("exchange " << table.exchange_name(exchange) << " key \"" << keys[key] << "\"");
        CHECK(cached.queues == direct.queues);
        CHECK(cached.exchanges_consulted == direct.exchanges_consulted);
      }
    }
  }
  // The default exchange's key "t3" names a queue.
  CHECK(cache.route(table.default_exchange(), 3, {}).queues == std::vector<QueueIndex>{2});
  // Through d and h with region=eu, t1 gets it; without, the topic exchange routes "oneword".
  std::vector<MessageHeader> const eu = {{"region", "eu"}};
  CHECK(cache.route(*table.find_exchange("d"), 2, eu).queues == std::vector<QueueIndex>{0});
  CHECK(cache.route(*table.find_exchange("d"), 2, {}).routed_by() == *table.find_exchange("topic_matching-exchange"));
}
