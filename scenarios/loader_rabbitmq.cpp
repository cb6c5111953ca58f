// The scenario file's `rabbitmq` section: the cluster's nodes, exchanges, queues and bindings, and the
// references between them. Names shared with the rest of the scenario (topics, producers' and groups'
// destinations) are checked in loader_checks.cpp.
#include <algorithm>
#include <array>

#include "jsonio/reader.h"
#include "model/core/config.h"
#include "model/rabbitmq/config.h"
#include "scenarios/scenario_keys.h"

namespace brokersim::scenarios {

using jsonio::Value;

std::vector<std::string> read_zone_list(Value const& zones, int count, model::NetworkConfig const& network);

namespace {

namespace rmq = model::rabbitmq;

constexpr std::int64_t kRabbitNodesMax = 1000;
constexpr std::int64_t kMaxLengthMax = 1000000000000;

char const* const kExchangeTypes[] = {"direct", "fanout", "topic", "headers"};

// `name` must be one of `declared` (listed at `where`), else "X "name" is not defined in WHERE; did you mean ...?".
void require_declared(Value const& at, std::string const& name, std::vector<std::string> const& declared, char const* what,
                      char const* where) {
  if (std::find(declared.begin(), declared.end(), name) != declared.end()) return;
  std::string message = std::string(what) + " \"" + name + "\" is not defined in " + where;
  std::string const suggestion = jsonio::closest_match(name, declared);
  if (!suggestion.empty()) message += "; did you mean \"" + suggestion + "\"?";
  at.fail(message);
}

rmq::ExchangeSpec read_exchange(Value const& value) {
  value.require_keys_among(keys::kExchange);
  rmq::ExchangeSpec exchange;
  exchange.name = value.at("name").name();
  if (exchange.name.rfind("amq.", 0) == 0) {
    value.at("name").fail("exchange names starting with \"amq.\" are reserved by RabbitMQ (it refuses to declare them)");
  }
  if (auto type = value.get("type")) {
    exchange.type = std::array{rmq::ExchangeType::direct, rmq::ExchangeType::fanout, rmq::ExchangeType::topic,
                               rmq::ExchangeType::headers}[type->one_of({"direct", "fanout", "topic", "headers"})];
  }
  if (auto alternate = value.get("alternate_exchange")) exchange.alternate_exchange = alternate->name();
  return exchange;
}

rmq::RabbitQueueConfig read_queue(Value const& value, int nodes) {
  value.require_keys_among(keys::kQueue);
  rmq::RabbitQueueConfig queue;
  queue.name = value.at("name").name();
  if (auto type = value.get("type")) queue.type = type->one_of({"classic", "quorum"}) == 0 ? rmq::QueueKind::classic : rmq::QueueKind::quorum;
  bool const quorum = queue.type == rmq::QueueKind::quorum;
  if (auto node = value.get("node")) {
    queue.node = static_cast<int>(node->integer(0, kRabbitNodesMax - 1));
    if (*queue.node >= nodes) {
      node->fail("node " + std::to_string(*queue.node) + " does not exist: the cluster has " + std::to_string(nodes) +
                 " node(s), rabbit-0 to rabbit-" + std::to_string(nodes - 1));
    }
  }
  if (auto replicas = value.get("replicas")) {
    if (!quorum) replicas->fail("a classic queue is not replicated (RabbitMQ 4); \"replicas\" is for quorum queues");
    queue.replicas = static_cast<int>(replicas->integer(1, kRabbitNodesMax));
    if (*queue.replicas > nodes) {
      replicas->fail("replicas " + std::to_string(*queue.replicas) + " is more than the " + std::to_string(nodes) + " RabbitMQ node(s)");
    }
  }
  if (auto durable = value.get("durable")) {
    queue.durable = durable->boolean();
    if (!queue.durable && quorum) durable->fail("quorum queues are always durable (RabbitMQ refuses a non-durable quorum queue)");
  }
  if (auto exchange = value.get("dead_letter_exchange")) queue.dead_letter_exchange = exchange->name();
  if (auto key = value.get("dead_letter_routing_key")) {
    if (!queue.dead_letter_exchange) key->fail("a dead-letter routing key needs a \"dead_letter_exchange\"");
    queue.dead_letter_routing_key = key->string();
  }
  if (auto limit = value.get("delivery_limit")) {
    if (!quorum) limit->fail("classic queues have no delivery limit in RabbitMQ (x-delivery-limit is a quorum queue argument)");
    queue.delivery_limit = limit->integer(-1, 2147483647);
  }
  if (auto ttl = value.get("message_ttl_ms")) queue.message_ttl = ttl->duration_ms();
  if (auto length = value.get("max_length")) queue.max_length = length->integer(0, kMaxLengthMax);
  if (auto overflow = value.get("overflow")) {
    queue.overflow = overflow->one_of({"drop-head", "reject-publish"}) == 0 ? rmq::Overflow::drop_head : rmq::Overflow::reject_publish;
  }
  if (auto timeout = value.get("consumer_timeout_ms")) {
    queue.consumer_timeout = timeout->duration_ms();
    if (queue.consumer_timeout == 0) timeout->expected("a duration > 0");
  }
  return queue;
}

rmq::BindingSpec read_binding(Value const& value, std::vector<rmq::ExchangeSpec> const& exchanges,
                              std::vector<std::string> const& exchange_names, std::vector<std::string> const& queue_names) {
  value.require_keys_among(keys::kBinding);
  rmq::BindingSpec binding;
  Value const exchange_at = value.at("exchange");
  binding.exchange = exchange_at.name();
  require_declared(exchange_at, binding.exchange, exchange_names, "exchange", "/rabbitmq/exchanges");
  Value const queue_at = value.at("queue");
  binding.queue = queue_at.name();
  require_declared(queue_at, binding.queue, queue_names, "queue", "/rabbitmq/queues");
  auto const exchange = std::find_if(exchanges.begin(), exchanges.end(), [&](auto const& e) { return e.name == binding.exchange; });
  rmq::ExchangeType const type = exchange->type;
  std::string const described = "exchange \"" + binding.exchange + "\" is a " + kExchangeTypes[static_cast<int>(type)] + " exchange";
  if (type == rmq::ExchangeType::headers) {
    if (auto key = value.get("routing_key")) key->fail("a headers exchange ignores routing keys (" + described + "): match on \"headers\" instead");
    if (auto headers = value.get("headers")) {
      headers->require_object();
      for (auto const& [name, json] : headers->json().items()) {
        Value const header(json, headers->file(), headers->pointer() + "/" + jsonio::pointer_token(name));
        if (name.empty()) header.fail("a header needs a non-empty name");
        if (name.rfind("x-", 0) == 0) {
          header.fail("x-match \"all\" and \"any\" skip binding arguments starting with \"x-\" (as RabbitMQ does): \"" + name + "\" would never be matched");
        }
        binding.headers.push_back(rmq::HeaderPair{name, header.string()});
      }
    }
    if (auto match = value.get("x_match")) binding.match = match->one_of({"all", "any"}) == 0 ? rmq::HeadersMatch::all : rmq::HeadersMatch::any;
    return binding;
  }
  for (char const* key : {"headers", "x_match"}) {
    if (auto given = value.get(key)) given->fail("\"" + std::string(key) + "\" is for bindings to headers exchanges, and " + described);
  }
  if (auto key = value.get("routing_key")) {
    if (type == rmq::ExchangeType::fanout) key->fail("a fanout exchange ignores routing keys (" + described + "): remove \"routing_key\"");
    binding.routing_key = key->string();
  }
  return binding;
}

}  // namespace

rmq::RabbitConfig read_rabbitmq(std::optional<Value> const& value, model::NetworkConfig const& network) {
  rmq::RabbitConfig rabbit;
  if (!value) return rabbit;
  value->require_keys_among(keys::kRabbitMQ);
  rabbit.nodes = 1;
  if (auto nodes = value->get("nodes")) rabbit.nodes = static_cast<int>(nodes->integer(1, kRabbitNodesMax));
  if (auto zones = value->get("zones")) rabbit.zones = read_zone_list(*zones, rabbit.nodes, network);
  std::vector<Value> const exchanges = value->get("exchanges") ? value->at("exchanges").array() : std::vector<Value>{};
  std::vector<std::string> exchange_names;
  for (Value const& exchange : exchanges) {
    rabbit.exchanges.push_back(read_exchange(exchange));
    exchange_names.push_back(rabbit.exchanges.back().name);
  }
  for (std::size_t i = 0; i < exchanges.size(); ++i) {
    if (auto const& alternate = rabbit.exchanges[i].alternate_exchange) {
      require_declared(exchanges[i].at("alternate_exchange"), *alternate, exchange_names, "alternate exchange", "/rabbitmq/exchanges");
    }
  }
  std::vector<std::string> queue_names;
  if (auto queues = value->get("queues")) {
    for (Value const& queue : queues->array()) {
      rabbit.queues.push_back(read_queue(queue, rabbit.nodes));
      queue_names.push_back(rabbit.queues.back().name);
      if (auto const& exchange = rabbit.queues.back().dead_letter_exchange) {
        require_declared(queue.at("dead_letter_exchange"), *exchange, exchange_names, "dead-letter exchange", "/rabbitmq/exchanges");
      }
    }
  }
  if (auto bindings = value->get("bindings")) {
    for (Value const& binding : bindings->array()) rabbit.bindings.push_back(read_binding(binding, rabbit.exchanges, exchange_names, queue_names));
  }
  return rabbit;
}

}  // namespace brokersim::scenarios
