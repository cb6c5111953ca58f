// Reading a parsed JSON document (a scenario file) with precise errors: every value knows its file and JSON pointer.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/distribution.h"
#include "sim/time.h"

namespace brokersim::jsonio {

// Bad input: the message already names the file, the JSON pointer and what was expected.
class ScenarioError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Parses JSON text like nlohmann::json::parse, but rejects duplicate keys (naming the JSON pointer of
// the second one), nesting deeper than 64 levels, and reports syntax errors as FILE:LINE:COLUMN.
nlohmann::json parse_scenario_text(std::string_view text, std::string const& file);

// A compact rendering of a value for "got ..." in messages: strings quoted, long values cut.
std::string describe_value(nlohmann::json const& value);

// The closest of `candidates` to `word` when close enough to be a likely typo, else "".
std::string closest_match(std::string const& word, std::vector<std::string> const& candidates);

// A value in the document, with where it is. Accessors check the type and range and throw
// ScenarioError("FILE: POINTER: expected ..., got ...") when the value is not what is expected.
class Value {
 public:
  Value(nlohmann::json const& json, std::string file, std::string pointer)
      : json_(&json), file_(std::move(file)), pointer_(std::move(pointer)) {}

  nlohmann::json const& json() const { return *json_; }
  std::string const& pointer() const { return pointer_; }
  std::string const& file() const { return file_; }
  bool is_null() const { return json_->is_null(); }

  [[noreturn]] void fail(std::string const& what) const;
  [[noreturn]] void expected(std::string const& what) const;  // "expected WHAT, got VALUE".

  std::string string() const;
  std::string name() const;  // A non-empty string.
  bool boolean() const;
  double number() const;
  double number_at_least(double minimum) const;
  double probability() const;  // In [0, 1].
  std::int64_t integer(std::int64_t minimum, std::int64_t maximum) const;
  std::uint64_t unsigned_integer() const;
  sim::Time duration_ms() const;  // Milliseconds, 0 <= ms, fitting in 64-bit microseconds.
  sim::Time signed_duration_ms() const;
  sim::Distribution distribution_ms() const;
  // One of `names`; returns its index. `shown` overrides how the choices are listed in the message.
  std::size_t one_of(std::vector<std::string> const& names) const;
  std::vector<Value> array(std::size_t minimum = 0, std::size_t maximum = SIZE_MAX) const;

  // Object access: checks that the value is an object whose keys are all among `allowed`.
  void require_keys_among(std::vector<std::string> const& allowed) const;
  bool has(std::string const& key) const;
  Value at(std::string const& key) const;      // The key must exist (else "missing required key").
  std::optional<Value> get(std::string const& key) const;  // Absent or null -> nullopt.
  std::optional<Value> get_present(std::string const& key) const;  // Absent -> nullopt (null kept).
  void require_object() const;

 private:
  nlohmann::json const* json_;
  std::string file_;
  std::string pointer_;
};

// Escapes a key for a JSON pointer (RFC 6901).
std::string pointer_token(std::string const& key);

}  // namespace brokersim::jsonio
