// RabbitMQ's exchange routing (3.13 / 4.x): direct, fanout, topic and headers exchanges, the default
// exchange, and alternate exchanges. An immutable table built once from a plain config; routing a message
// writes queue indices into caller-owned vectors and allocates nothing once their capacity has grown.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace brokersim::model::rabbitmq {

using ExchangeIndex = std::uint32_t;
using QueueIndex = std::uint32_t;
using RoutingKeyIndex = std::uint32_t;

enum class ExchangeType { direct, fanout, topic, headers };

// The binding argument x-match. all_with_x / any_with_x (RabbitMQ 3.13+) also match binding arguments
// whose names start with "x-" (other than x-match itself); all / any skip them.
enum class HeadersMatch { all, any, all_with_x, any_with_x };

// ---- Config: plain data, filled by the scenario loader. ----

struct ExchangeSpec {
  std::string name;  // "" is the default exchange; declaring it is optional (see RoutingTable).
  ExchangeType type = ExchangeType::direct;
  std::optional<std::string> alternate_exchange;  // The "alternate-exchange" argument or policy.
};

struct HeaderPair {
  std::string name;
  std::string value;
};

// A queue binding. Direct and topic exchanges read routing_key; headers exchanges read headers and match
// (the routing key is ignored); fanout reads neither.
struct BindingSpec {
  std::string exchange;
  std::string queue;
  std::string routing_key;
  std::vector<HeaderPair> headers;
  HeadersMatch match = HeadersMatch::all;  // RabbitMQ's default when x-match is absent.
};

struct RoutingConfig {
  std::vector<ExchangeSpec> exchanges;
  std::vector<std::string> queues;
  std::vector<BindingSpec> bindings;
};

// Every problem with `config`, one message each naming the exchange, queue or binding (by index and name).
// Empty when RoutingTable accepts the config.
std::vector<std::string> validate_routing_config(RoutingConfig const& config);

// ---- Routing ----

// A message header as the router sees it: our messages carry string-valued attributes. Names are expected
// to be unique within one message; the first one wins otherwise.
struct MessageHeader {
  std::string_view name;
  std::string_view value;
};

// Where one message went. Reused from message to message so that its vectors keep their capacity.
class RouteResult {
 public:
  // The destination queues, ascending, each once (a queue bound twice gets one copy, as in RabbitMQ).
  std::vector<QueueIndex> queues;
  // The exchanges asked, in order: the one published to, then alternate exchanges while none matched.
  std::vector<ExchangeIndex> exchanges_consulted;

  bool unroutable() const { return queues.empty(); }
  // The exchange whose bindings matched; only meaningful when the message was routable.
  ExchangeIndex routed_by() const { return exchanges_consulted.back(); }
  bool routed_via_alternate() const { return !unroutable() && exchanges_consulted.size() > 1; }

 private:
  friend class RoutingTable;
  std::vector<std::string_view> routing_key_words_;  // Scratch for topic exchanges.
};

// The compiled exchanges, queues and bindings. Exchanges and queues are numbered in config order. The
// default exchange "" always exists: at its config position if declared, else after the declared ones.
class RoutingTable {
 public:
  // Throws std::invalid_argument listing validate_routing_config's messages when there are any: a bad
  // config is the loader's to report, before the simulation starts.
  explicit RoutingTable(RoutingConfig const& config);

  std::size_t exchange_count() const { return exchanges_.size(); }
  std::size_t queue_count() const { return queue_names_.size(); }
  std::optional<ExchangeIndex> find_exchange(std::string_view name) const;
  std::optional<QueueIndex> find_queue(std::string_view name) const;
  std::string const& exchange_name(ExchangeIndex exchange) const;
  std::string const& queue_name(QueueIndex queue) const;
  ExchangeType exchange_type(ExchangeIndex exchange) const;
  ExchangeIndex default_exchange() const { return default_exchange_; }

  // Whether routing from `exchange` can depend on message headers: it, or an alternate exchange it may
  // fall back to, is a headers exchange. Otherwise the routing key alone decides, and results can be cached.
  bool depends_on_headers(ExchangeIndex exchange) const;

  // Routes a message published to `exchange`, as rabbit_exchange:route/3 does: when an exchange's bindings
  // match no queue, its alternate exchange routes the same message, each exchange at most once.
  void route(ExchangeIndex exchange, std::string_view routing_key, std::span<MessageHeader const> headers,
             RouteResult& result) const;

 private:
  enum class TopicTokenKind { word, one_word, any_words };  // literal, "*", "#"
  struct TopicToken {
    TopicTokenKind kind;
    std::string word;
  };
  struct DirectBinding {
    std::string routing_key;
    QueueIndex queue;
  };
  struct TopicBinding {
    std::vector<TopicToken> pattern;
    QueueIndex queue;
  };
  struct HeadersBinding {
    std::vector<HeaderPair> headers;
    HeadersMatch match;
    QueueIndex queue;
  };
  struct Exchange {
    std::string name;
    ExchangeType type;
    std::optional<ExchangeIndex> alternate;
    std::vector<DirectBinding> direct;     // Sorted by (routing_key, queue), without repeats.
    std::vector<QueueIndex> fanout;        // Ascending, without repeats.
    std::vector<TopicBinding> topic;
    std::vector<HeadersBinding> headers_bindings;
    bool depends_on_headers = false;
  };
  struct NamedIndex {
    std::string_view name;  // Points into exchanges_ or queue_names_, which never change after building.
    std::uint32_t index;
  };

  static std::vector<TopicToken> compile_topic_pattern(std::string_view binding_key);
  static bool topic_matches(std::vector<TopicToken> const& pattern, std::span<std::string_view const> words);
  static bool headers_match(HeadersBinding const& binding, std::span<MessageHeader const> headers);
  static std::optional<std::uint32_t> find_name(std::vector<NamedIndex> const& sorted, std::string_view name);

  // Appends the queues `exchange`'s own bindings match (unsorted, possibly repeated for topic/headers).
  void match_bindings(Exchange const& exchange, std::string_view routing_key, std::span<MessageHeader const> headers,
                      RouteResult& result) const;

  std::vector<Exchange> exchanges_;
  std::vector<std::string> queue_names_;
  std::vector<NamedIndex> exchanges_by_name_;
  std::vector<NamedIndex> queues_by_name_;
  ExchangeIndex default_exchange_ = 0;
};

// Splits a routing key into dot-separated words as RabbitMQ does: "" has no words, "a..b" has three
// ("a", "", "b"), "a." has two. Views point into `routing_key`.
void split_topic_words(std::string_view routing_key, std::vector<std::string_view>& words);

// Routing results for a fixed list of routing keys (a scenario draws keys from a small list), computed
// once for every exchange whose routing ignores headers. Keys are named by their position in the list.
class RouteCache {
 public:
  RouteCache(RoutingTable const& table, std::vector<std::string> routing_keys);

  std::size_t routing_key_count() const { return routing_keys_.size(); }
  std::optional<RoutingKeyIndex> find_routing_key(std::string_view routing_key) const;
  std::string const& routing_key(RoutingKeyIndex key) const;

  // The route of a message with key `key` published to `exchange`. Cached unless the exchange depends on
  // headers; then it is computed into a scratch result that the next call overwrites.
  RouteResult const& route(ExchangeIndex exchange, RoutingKeyIndex key, std::span<MessageHeader const> headers);

 private:
  RoutingTable const* table_;
  std::vector<std::string> routing_keys_;
  std::vector<RouteResult> cached_;  // exchange * routing_key_count() + key; empty for headers-dependent ones.
  RouteResult scratch_;
};

}  // namespace brokersim::model::rabbitmq
