#include "model/rabbitmq/routing.h"

#include <algorithm>
#include <map>
#include <stdexcept>

#include "sim/assert.h"

namespace brokersim::model::rabbitmq {

namespace {

constexpr std::string_view default_exchange_name;

std::string quoted(std::string_view name) { return "\"" + std::string(name) + "\""; }

std::string exchange_label(std::size_t index, std::string_view name) {
  return "exchange " + std::to_string(index) + " " + quoted(name);
}

std::string binding_label(std::size_t index, BindingSpec const& binding) {
  return "binding " + std::to_string(index) + " (exchange " + quoted(binding.exchange) + " -> queue " +
         quoted(binding.queue) + ")";
}

}  // namespace

std::vector<std::string> validate_routing_config(RoutingConfig const& config) {
  std::vector<std::string> errors;
  std::map<std::string_view, std::size_t> exchanges;  // name -> first index
  for (std::size_t i = 0; i < config.exchanges.size(); ++i) {
    ExchangeSpec const& exchange = config.exchanges[i];
    auto const [first, inserted] = exchanges.emplace(exchange.name, i);
    if (!inserted) {
      errors.push_back(exchange_label(i, exchange.name) + " is declared again (first as exchange " +
                       std::to_string(first->second) + ")");
    }
    if (exchange.name == default_exchange_name && exchange.type != ExchangeType::direct) {
      errors.push_back(exchange_label(i, exchange.name) + ": the default exchange is a direct exchange");
    }
  }
  std::map<std::string_view, std::size_t> queues;
  for (std::size_t i = 0; i < config.queues.size(); ++i) {
    std::string const& queue = config.queues[i];
    // RabbitMQ invents a name for a queue declared as "", so a config cannot refer to it.
    if (queue.empty()) errors.push_back("queue " + std::to_string(i) + " has an empty name");
    auto const [first, inserted] = queues.emplace(queue, i);
    if (!inserted) {
      errors.push_back("queue " + std::to_string(i) + " " + quoted(queue) + " is declared again (first as queue " +
                       std::to_string(first->second) + ")");
    }
  }
  for (std::size_t i = 0; i < config.exchanges.size(); ++i) {
    ExchangeSpec const& exchange = config.exchanges[i];
    if (!exchange.alternate_exchange) continue;
    std::string const& alternate = *exchange.alternate_exchange;
    if (exchange.name == default_exchange_name) {
      // rabbit_exchange:route/3 routes the default exchange by queue name and never looks for one.
      errors.push_back(exchange_label(i, exchange.name) +
                       ": the default exchange cannot have an alternate exchange (RabbitMQ ignores it)");
    } else if (alternate == default_exchange_name) {
      // Its bindings are implicit (rabbit_binding:implicit_bindings/1), so routing through it as an
      // ordinary direct exchange would find none: refuse rather than model that corner.
      errors.push_back(exchange_label(i, exchange.name) + ": the alternate exchange cannot be the default exchange");
    } else if (!exchanges.contains(alternate)) {
      errors.push_back(exchange_label(i, exchange.name) + ": alternate exchange " + quoted(alternate) +
                       " is not declared");
    }
  }
  for (std::size_t i = 0; i < config.bindings.size(); ++i) {
    BindingSpec const& binding = config.bindings[i];
    if (binding.exchange == default_exchange_name) {
      // RabbitMQ answers queue.bind to the default exchange with ACCESS_REFUSED
      // (rabbit_channel:check_not_default_exchange/1); its bindings are implicit.
      errors.push_back(binding_label(i, binding) + ": the default exchange cannot be bound to");
    } else if (!exchanges.contains(binding.exchange)) {
      errors.push_back(binding_label(i, binding) + ": exchange " + quoted(binding.exchange) + " is not declared");
    }
    if (!queues.contains(binding.queue)) {
      errors.push_back(binding_label(i, binding) + ": queue " + quoted(binding.queue) + " is not declared");
    }
    for (HeaderPair const& pair : binding.headers) {
      if (pair.name == "x-match") {
        errors.push_back(binding_label(i, binding) + ": x-match is given by the binding's match mode, not as a header");
      }
    }
  }
  return errors;
}

std::optional<std::uint32_t> RoutingTable::find_name(std::vector<NamedIndex> const& sorted, std::string_view name) {
  auto const found = std::lower_bound(sorted.begin(), sorted.end(), name,
                                      [](NamedIndex const& entry, std::string_view wanted) { return entry.name < wanted; });
  if (found == sorted.end() || found->name != name) return std::nullopt;
  return found->index;
}

RoutingTable::RoutingTable(RoutingConfig const& config) {
  std::vector<std::string> const errors = validate_routing_config(config);
  if (!errors.empty()) {
    std::string message = "invalid RabbitMQ routing config:";
    for (std::string const& error : errors) message += "\n  " + error;
    throw std::invalid_argument(message);
  }

  exchanges_.reserve(config.exchanges.size() + 1);
  for (ExchangeSpec const& spec : config.exchanges) exchanges_.push_back(Exchange{spec.name, spec.type, {}, {}, {}, {}, {}, false});
  bool const default_declared =
      std::any_of(config.exchanges.begin(), config.exchanges.end(),
                  [](ExchangeSpec const& spec) { return spec.name == default_exchange_name; });
  if (!default_declared) exchanges_.push_back(Exchange{std::string(default_exchange_name), ExchangeType::direct, {}, {}, {}, {}, {}, false});
  queue_names_ = config.queues;

  // Name lookups are sorted vectors: binary search, and no hash table whose order could leak anywhere.
  for (std::size_t i = 0; i < exchanges_.size(); ++i) {
    exchanges_by_name_.push_back(NamedIndex{exchanges_[i].name, static_cast<std::uint32_t>(i)});
  }
  for (std::size_t i = 0; i < queue_names_.size(); ++i) {
    queues_by_name_.push_back(NamedIndex{queue_names_[i], static_cast<std::uint32_t>(i)});
  }
  auto const by_name = [](NamedIndex const& a, NamedIndex const& b) { return a.name < b.name; };
  std::sort(exchanges_by_name_.begin(), exchanges_by_name_.end(), by_name);
  std::sort(queues_by_name_.begin(), queues_by_name_.end(), by_name);
  default_exchange_ = *find_exchange(default_exchange_name);

  for (std::size_t i = 0; i < config.exchanges.size(); ++i) {
    if (config.exchanges[i].alternate_exchange) exchanges_[i].alternate = find_exchange(*config.exchanges[i].alternate_exchange);
  }

  for (BindingSpec const& spec : config.bindings) {
    std::optional<ExchangeIndex> const exchange_index = find_exchange(spec.exchange);
    std::optional<QueueIndex> const queue = find_queue(spec.queue);
    BROKERSIM_ASSERT(exchange_index && queue);  // validate_routing_config checked both names.
    Exchange& exchange = exchanges_[*exchange_index];
    switch (exchange.type) {
      case ExchangeType::direct:
        exchange.direct.push_back(DirectBinding{spec.routing_key, *queue});
        break;
      case ExchangeType::fanout:
        exchange.fanout.push_back(*queue);
        break;
      case ExchangeType::topic:
        exchange.topic.push_back(TopicBinding{compile_topic_pattern(spec.routing_key), *queue});
        break;
      case ExchangeType::headers:
        exchange.headers_bindings.push_back(HeadersBinding{spec.headers, spec.match, *queue});
        break;
    }
  }

  for (Exchange& exchange : exchanges_) {
    // Sorted and without repeats, a direct or fanout exchange's matches come out in final order.
    auto const by_key_then_queue = [](DirectBinding const& a, DirectBinding const& b) {
      return a.routing_key != b.routing_key ? a.routing_key < b.routing_key : a.queue < b.queue;
    };
    auto const same = [](DirectBinding const& a, DirectBinding const& b) {
      return a.routing_key == b.routing_key && a.queue == b.queue;
    };
    std::sort(exchange.direct.begin(), exchange.direct.end(), by_key_then_queue);
    exchange.direct.erase(std::unique(exchange.direct.begin(), exchange.direct.end(), same), exchange.direct.end());
    std::sort(exchange.fanout.begin(), exchange.fanout.end());
    exchange.fanout.erase(std::unique(exchange.fanout.begin(), exchange.fanout.end()), exchange.fanout.end());
  }

  // Follow each alternate-exchange chain as route() does (each exchange once) to see if a headers
  // exchange can be reached.
  for (Exchange& start : exchanges_) {
    std::vector<bool> visited(exchanges_.size(), false);
    Exchange const* current = &start;
    while (true) {
      std::size_t const index = static_cast<std::size_t>(current - exchanges_.data());
      if (visited[index]) break;
      visited[index] = true;
      if (current->type == ExchangeType::headers) start.depends_on_headers = true;
      if (!current->alternate) break;
      current = &exchanges_[*current->alternate];
    }
  }
}

std::optional<ExchangeIndex> RoutingTable::find_exchange(std::string_view name) const {
  return find_name(exchanges_by_name_, name);
}

std::optional<QueueIndex> RoutingTable::find_queue(std::string_view name) const { return find_name(queues_by_name_, name); }

std::string const& RoutingTable::exchange_name(ExchangeIndex exchange) const {
  BROKERSIM_ASSERT(exchange < exchanges_.size());
  return exchanges_[exchange].name;
}

std::string const& RoutingTable::queue_name(QueueIndex queue) const {
  BROKERSIM_ASSERT(queue < queue_names_.size());
  return queue_names_[queue];
}

ExchangeType RoutingTable::exchange_type(ExchangeIndex exchange) const {
  BROKERSIM_ASSERT(exchange < exchanges_.size());
  return exchanges_[exchange].type;
}

bool RoutingTable::depends_on_headers(ExchangeIndex exchange) const {
  BROKERSIM_ASSERT(exchange < exchanges_.size());
  return exchanges_[exchange].depends_on_headers;
}

void split_topic_words(std::string_view routing_key, std::vector<std::string_view>& words) {
  // rabbit_db_topic_exchange:split_topic_key/1: the empty key is no words at all, not one empty word.
  words.clear();
  if (routing_key.empty()) return;
  std::size_t start = 0;
  while (true) {
    std::size_t const dot = routing_key.find('.', start);
    if (dot == std::string_view::npos) {
      words.push_back(routing_key.substr(start));
      return;
    }
    words.push_back(routing_key.substr(start, dot - start));
    start = dot + 1;
  }
}

std::vector<RoutingTable::TopicToken> RoutingTable::compile_topic_pattern(std::string_view binding_key) {
  std::vector<std::string_view> words;
  split_topic_words(binding_key, words);
  std::vector<TopicToken> pattern;
  pattern.reserve(words.size());
  for (std::string_view word : words) {
    // Only a whole word is a wildcard: "a*" or "#b" are literal words.
    if (word == "*") {
      pattern.push_back(TopicToken{TopicTokenKind::one_word, {}});
    } else if (word == "#") {
      pattern.push_back(TopicToken{TopicTokenKind::any_words, {}});
    } else {
      pattern.push_back(TopicToken{TopicTokenKind::word, std::string(word)});
    }
  }
  return pattern;
}

bool RoutingTable::topic_matches(std::vector<TopicToken> const& pattern, std::span<std::string_view const> words) {
  // Glob matching with "#" as the star and words / "*" as single elements: advance greedily and, on a
  // mismatch, let the latest "#" swallow one more word. Linear memory-free backtracking suffices because
  // a later "#" can absorb anything an earlier one could. Same matches as RabbitMQ's trie walk
  // (rabbit_db_topic_exchange:trie_match/5).
  std::size_t token = 0;
  std::size_t word = 0;
  std::optional<std::size_t> last_hash;
  std::size_t words_at_last_hash = 0;
  while (word < words.size()) {
    if (token < pattern.size() && pattern[token].kind != TopicTokenKind::any_words &&
        (pattern[token].kind == TopicTokenKind::one_word || pattern[token].word == words[word])) {
      ++token;
      ++word;
    } else if (token < pattern.size() && pattern[token].kind == TopicTokenKind::any_words) {
      last_hash = token;
      words_at_last_hash = word;
      ++token;  // First try "#" as zero words.
    } else if (last_hash) {
      token = *last_hash + 1;
      word = ++words_at_last_hash;
    } else {
      return false;
    }
  }
  // Words used up: what is left of the pattern must be able to match nothing.
  while (token < pattern.size() && pattern[token].kind == TopicTokenKind::any_words) ++token;
  return token == pattern.size();
}

bool RoutingTable::headers_match(HeadersBinding const& binding, std::span<MessageHeader const> headers) {
  // rabbit_exchange_type_headers: binding arguments starting with "x-" are skipped by all / any (and
  // x-match by every mode); a skipped argument neither fails "all" nor satisfies "any". So "all" with
  // nothing left to compare matches every message and "any" matches none.
  bool const with_x = binding.match == HeadersMatch::all_with_x || binding.match == HeadersMatch::any_with_x;
  bool const any = binding.match == HeadersMatch::any || binding.match == HeadersMatch::any_with_x;
  for (HeaderPair const& pair : binding.headers) {
    bool const skipped = pair.name == "x-match" || (!with_x && pair.name.starts_with("x-"));
    if (skipped) continue;
    auto const header = std::find_if(headers.begin(), headers.end(),
                                     [&](MessageHeader const& candidate) { return candidate.name == pair.name; });
    bool const equal = header != headers.end() && header->value == pair.value;
    if (any && equal) return true;
    if (!any && !equal) return false;
  }
  return !any;
}

void RoutingTable::match_bindings(Exchange const& exchange, std::string_view routing_key,
                                  std::span<MessageHeader const> headers, RouteResult& result) const {
  std::vector<QueueIndex>& queues = result.queues;
  if (&exchange == &exchanges_[default_exchange_]) {
    // Every queue is implicitly bound by its own name; a key naming no queue routes nowhere.
    if (std::optional<QueueIndex> const queue = find_queue(routing_key)) queues.push_back(*queue);
    return;
  }
  switch (exchange.type) {
    case ExchangeType::direct: {
      auto const first = std::lower_bound(exchange.direct.begin(), exchange.direct.end(), routing_key,
                                          [](DirectBinding const& binding, std::string_view key) { return binding.routing_key < key; });
      for (auto it = first; it != exchange.direct.end() && it->routing_key == routing_key; ++it) queues.push_back(it->queue);
      return;
    }
    case ExchangeType::fanout:
      queues.insert(queues.end(), exchange.fanout.begin(), exchange.fanout.end());
      return;
    case ExchangeType::topic:
      split_topic_words(routing_key, result.routing_key_words_);
      for (TopicBinding const& binding : exchange.topic) {
        if (topic_matches(binding.pattern, result.routing_key_words_)) queues.push_back(binding.queue);
      }
      result.routing_key_words_.clear();  // Its views point into the caller's key.
      return;
    case ExchangeType::headers:
      for (HeadersBinding const& binding : exchange.headers_bindings) {
        if (headers_match(binding, headers)) queues.push_back(binding.queue);
      }
      return;
  }
}

void RoutingTable::route(ExchangeIndex exchange, std::string_view routing_key, std::span<MessageHeader const> headers,
                         RouteResult& result) const {
  BROKERSIM_ASSERT(exchange < exchanges_.size());
  result.queues.clear();
  result.exchanges_consulted.clear();
  ExchangeIndex current = exchange;
  while (true) {
    result.exchanges_consulted.push_back(current);
    Exchange const& consulted = exchanges_[current];
    match_bindings(consulted, routing_key, headers, result);
    // rabbit_exchange:process_alternate/2 asks the alternate only when the exchange found nothing, so at
    // most one exchange contributes queues.
    if (!result.queues.empty() || !consulted.alternate) break;
    ExchangeIndex const alternate = *consulted.alternate;
    // Cycle protection, as route1/4's set of seen exchanges: the chain is short, a linear scan is enough.
    if (std::find(result.exchanges_consulted.begin(), result.exchanges_consulted.end(), alternate) !=
        result.exchanges_consulted.end()) {
      break;
    }
    current = alternate;
  }
  std::sort(result.queues.begin(), result.queues.end());
  result.queues.erase(std::unique(result.queues.begin(), result.queues.end()), result.queues.end());
  BROKERSIM_ASSERT(result.exchanges_consulted.size() <= exchanges_.size());
}

RouteCache::RouteCache(RoutingTable const& table, std::vector<std::string> routing_keys)
    : table_(&table), routing_keys_(std::move(routing_keys)) {
  cached_.resize(table.exchange_count() * routing_keys_.size());
  for (ExchangeIndex exchange = 0; exchange < table.exchange_count(); ++exchange) {
    if (table.depends_on_headers(exchange)) continue;
    for (RoutingKeyIndex key = 0; key < routing_keys_.size(); ++key) {
      table.route(exchange, routing_keys_[key], {}, cached_[exchange * routing_keys_.size() + key]);
    }
  }
}

std::optional<RoutingKeyIndex> RouteCache::find_routing_key(std::string_view routing_key) const {
  // The list is small and looked up when a scenario is loaded, not per message.
  auto const found = std::find(routing_keys_.begin(), routing_keys_.end(), routing_key);
  if (found == routing_keys_.end()) return std::nullopt;
  return static_cast<RoutingKeyIndex>(found - routing_keys_.begin());
}

std::string const& RouteCache::routing_key(RoutingKeyIndex key) const {
  BROKERSIM_ASSERT(key < routing_keys_.size());
  return routing_keys_[key];
}

RouteResult const& RouteCache::route(ExchangeIndex exchange, RoutingKeyIndex key, std::span<MessageHeader const> headers) {
  BROKERSIM_ASSERT(exchange < table_->exchange_count() && key < routing_keys_.size());
  if (table_->depends_on_headers(exchange)) {
    table_->route(exchange, routing_keys_[key], headers, scratch_);
    return scratch_;
  }
  return cached_[exchange * routing_keys_.size() + key];
}

}  // namespace brokersim::model::rabbitmq
