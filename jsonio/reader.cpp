#include "jsonio/reader.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>
#include <sstream>

#include "sim/format.h"

namespace brokersim::jsonio {

namespace {

using nlohmann::json;

// Deeper documents are refused before anything recurses over them.
constexpr std::size_t kDepthMax = 64;
// Shown values are cut to this many characters.
constexpr std::size_t kShownMax = 60;

// Builds the document like nlohmann's DOM parser, and also knows where it is (a JSON pointer), so that
// a duplicate key or excessive depth can be reported with its pointer.
class StrictBuilder : public nlohmann::json_sax<json> {
 public:
  explicit StrictBuilder(json& root) : root_(root) {}

  bool null() override { return add(json(nullptr)); }
  bool boolean(bool value) override { return add(json(value)); }
  bool number_integer(number_integer_t value) override { return add(json(value)); }
  bool number_unsigned(number_unsigned_t value) override { return add(json(value)); }
  bool number_float(number_float_t value, string_t const&) override { return add(json(value)); }
  bool string(string_t& value) override { return add(json(value)); }
  bool binary(binary_t&) override { return add(json(nullptr)); }
  bool start_object(std::size_t) override { return open(json::object()); }
  bool start_array(std::size_t) override { return open(json::array()); }
  bool end_object() override { return close(); }
  bool end_array() override { return close(); }
  bool key(string_t& value) override {
    Frame& frame = stack_.back();
    if (!frame.keys.insert(value).second) {
      error_ = pointer_of(value) + ": duplicate key \"" + value + "\"";
      return false;
    }
    frame.key = value;
    return true;
  }
  bool parse_error(std::size_t, std::string const&, nlohmann::detail::exception const& ex) override {
    std::string what = ex.what();
    // "[json.exception.parse_error.101] parse error at line 3, column 14: syntax error ..."
    std::size_t const line_at = what.find("at line ");
    if (line_at != std::string::npos) {
      std::size_t line = 0;
      std::size_t column = 0;
      if (std::sscanf(what.c_str() + line_at, "at line %zu, column %zu", &line, &column) == 2) {
        std::size_t const colon = what.find(": ", line_at);
        syntax_ = std::to_string(line) + ":" + std::to_string(column) + ": invalid JSON: " +
                  (colon == std::string::npos ? what : what.substr(colon + 2));
        return false;
      }
    }
    syntax_ = std::string("invalid JSON: ") + what;
    return false;
  }

  std::string const& error() const { return error_; }
  std::string const& syntax() const { return syntax_; }

 private:
  struct Frame {
    json* value = nullptr;
    std::set<std::string> keys;
    std::string key;
  };

  // The pointer of the value about to be added: under the last frame, at `key` (an object) or at the
  // next index (an array).
  std::string pointer_of(std::string const& key) const {
    std::string pointer;
    for (std::size_t i = 0; i < stack_.size(); ++i) {
      json const& value = *stack_[i].value;
      bool const innermost = i + 1 == stack_.size();
      if (value.is_object()) pointer += "/" + pointer_token(innermost ? key : stack_[i].key);
      else pointer += "/" + std::to_string(innermost ? value.size() : value.size() - 1);
    }
    return pointer.empty() ? "/" : pointer;
  }

  json* place(json&& value) {
    if (stack_.empty()) {
      root_ = std::move(value);
      return &root_;
    }
    json& parent = *stack_.back().value;
    if (parent.is_object()) return &(parent[stack_.back().key] = std::move(value));
    parent.push_back(std::move(value));
    return &parent.back();
  }
  bool add(json&& value) {
    place(std::move(value));
    return true;
  }
  bool open(json&& container) {
    if (stack_.size() >= kDepthMax) {
      std::string pointer = pointer_of(stack_.back().key);
      if (pointer.size() > 80) pointer = pointer.substr(0, 80) + "...";
      error_ = pointer + ": nesting deeper than " + std::to_string(kDepthMax) + " levels";
      return false;
    }
    json* placed = place(std::move(container));
    stack_.push_back(Frame{placed, {}, {}});
    return true;
  }
  bool close() {
    stack_.pop_back();
    return true;
  }

  json& root_;
  std::vector<Frame> stack_;
  std::string error_;
  std::string syntax_;
};

std::string list_choices(std::vector<std::string> const& names) {
  std::string text;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) text += i + 1 == names.size() ? " or " : ", ";
    text += names[i];
  }
  return text;
}

std::size_t edit_distance(std::string const& a, std::string const& b) {
  std::vector<std::size_t> previous(b.size() + 1);
  std::vector<std::size_t> current(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) previous[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    current[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t const substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, substitution});
    }
    std::swap(previous, current);
  }
  return previous[b.size()];
}

std::string format_ms(double ms) {
  sim::TextStream out;
  if (std::floor(ms) == ms && std::fabs(ms) < 1e18) {
    out << static_cast<long long>(ms);
  } else {
    out.precision(15);
    out << ms;
  }
  return out.str();
}

}  // namespace

std::string pointer_token(std::string const& key) {
  std::string token;
  for (char const c : key) {
    if (c == '~') token += "~0";
    else if (c == '/') token += "~1";
    else token += c;
  }
  return token;
}

nlohmann::json parse_scenario_text(std::string_view text, std::string const& file) {
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    throw ScenarioError(file + ": invalid JSON: the file is empty");
  }
  json root;
  StrictBuilder builder(root);
  bool const ok = json::sax_parse(text.begin(), text.end(), &builder, json::input_format_t::json, /*strict=*/true,
                                  /*ignore_comments=*/false);
  if (!builder.error().empty()) throw ScenarioError(file + ": " + builder.error());
  if (!builder.syntax().empty()) throw ScenarioError(file + ":" + builder.syntax());
  if (!ok) throw ScenarioError(file + ": invalid JSON");
  return root;
}

std::string describe_value(nlohmann::json const& value) {
  std::string text;
  switch (value.type()) {
    case json::value_t::object:
      text = "an object";
      break;
    case json::value_t::array:
      text = "an array of " + std::to_string(value.size()) + (value.size() == 1 ? " element" : " elements");
      break;
    default:
      text = value.dump();
  }
  if (text.size() > kShownMax) text = text.substr(0, kShownMax) + "...";
  return text;
}

std::string closest_match(std::string const& word, std::vector<std::string> const& candidates) {
  // Other well-known names of a choice, which no edit distance finds ("gaussian" for "normal").
  static std::pair<char const*, char const*> const synonyms[] = {{"gaussian", "normal"}, {"fixed", "constant"}};
  for (auto const& [other, choice] : synonyms) {
    if (word == other && std::find(candidates.begin(), candidates.end(), choice) != candidates.end()) return choice;
  }
  // "ALL" for "all": the same word in other letter case, whatever its length.
  auto const lower = [](std::string text) {
    for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text;
  };
  for (std::string const& candidate : candidates) {
    if (lower(word) == lower(candidate)) return candidate;
  }
  std::string best;
  std::size_t best_distance = SIZE_MAX;
  for (std::string const& candidate : candidates) {
    std::size_t const distance = edit_distance(word, candidate);
    if (distance < best_distance) {
      best = candidate;
      best_distance = distance;
    }
  }
  std::size_t const allowed = std::max<std::size_t>(2, word.size() / 3);
  if (best_distance <= allowed) return best;
  // "drain" for "drain_ms": a key written without its unit suffix.
  for (std::string const& candidate : candidates) {
    if (!word.empty() && candidate.rfind(word + "_", 0) == 0) return candidate;
  }
  return std::string();
}

void Value::fail(std::string const& what) const { throw ScenarioError(file_ + ": " + pointer_ + ": " + what); }

void Value::expected(std::string const& what) const { fail("expected " + what + ", got " + describe_value(*json_)); }

std::string Value::string() const {
  if (!json_->is_string()) expected("a string");
  return json_->get<std::string>();
}

std::string Value::name() const {
  std::string text = string();
  if (text.empty()) expected("a non-empty name");
  return text;
}

bool Value::boolean() const {
  if (!json_->is_boolean()) expected("true or false");
  return json_->get<bool>();
}

double Value::number() const {
  if (!json_->is_number()) expected("a number");
  return json_->get<double>();
}

double Value::number_at_least(double minimum) const {
  if (!json_->is_number()) expected("a number >= " + format_ms(minimum));
  double const value = json_->get<double>();
  if (!(value >= minimum)) expected("a number >= " + format_ms(minimum));
  return value;
}

double Value::probability() const {
  if (!json_->is_number() || json_->get<double>() < 0.0 || json_->get<double>() > 1.0) {
    expected("a probability between 0 and 1");
  }
  return json_->get<double>();
}

std::int64_t Value::integer(std::int64_t minimum, std::int64_t maximum) const {
  std::string const range = maximum == INT64_MAX ? "an integer >= " + std::to_string(minimum)
                                                 : "an integer from " + std::to_string(minimum) + " to " + std::to_string(maximum);
  if (json_->is_number_integer() && !json_->is_number_unsigned()) {
    std::int64_t const value = json_->get<std::int64_t>();
    if (value < minimum || value > maximum) expected(range);
    return value;
  }
  if (json_->is_number_unsigned()) {
    std::uint64_t const value = json_->get<std::uint64_t>();
    if (value > static_cast<std::uint64_t>(maximum) || static_cast<std::int64_t>(value) < minimum) expected(range);
    return static_cast<std::int64_t>(value);
  }
  if (json_->is_number_float()) {
    double const value = json_->get<double>();
    if (std::floor(value) == value && value >= static_cast<double>(minimum) && value <= static_cast<double>(maximum) &&
        std::fabs(value) < 9.0e15) {
      return static_cast<std::int64_t>(value);
    }
  }
  expected(range);
}

std::uint64_t Value::unsigned_integer() const {
  if (json_->is_number_unsigned()) return json_->get<std::uint64_t>();
  if (json_->is_number_integer() && json_->get<std::int64_t>() >= 0) return static_cast<std::uint64_t>(json_->get<std::int64_t>());
  // 7.0 is the integer 7, as for integer() and JSON Schema's "integer" (exact below 2^53).
  if (json_->is_number_float()) {
    double const value = json_->get<double>();
    if (std::floor(value) == value && value >= 0.0 && value < 9.0e15) return static_cast<std::uint64_t>(value);
  }
  expected("an unsigned 64-bit integer");
}

sim::Time Value::duration_ms() const {
  std::string const what = "a duration in milliseconds from 0 to " + format_ms(sim::time_ms_max()) +
                           " (it must fit in 64-bit microseconds)";
  if (!json_->is_number()) expected(what);
  double const ms = json_->get<double>();
  if (!(ms >= 0.0) || ms > sim::time_ms_max()) expected(what);
  return sim::time_from_ms(ms);
}

sim::Time Value::signed_duration_ms() const {
  std::string const what = "milliseconds from -" + format_ms(sim::time_ms_max()) + " to " + format_ms(sim::time_ms_max());
  if (!json_->is_number()) expected(what);
  double const ms = json_->get<double>();
  if (!(ms >= -sim::time_ms_max()) || ms > sim::time_ms_max()) expected(what);
  return sim::time_from_ms(ms);
}

std::size_t Value::one_of(std::vector<std::string> const& names) const {
  std::vector<std::string> quoted;
  for (std::string const& name : names) quoted.push_back(name.empty() || name[0] != '#' ? "\"" + name + "\"" : name.substr(1));
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (!names[i].empty() && names[i][0] == '#') {
      // "#0" stands for the number 0.
      if (json_->is_number_integer() && std::to_string(json_->get<std::int64_t>()) == names[i].substr(1)) return i;
    } else if (json_->is_string() && json_->get<std::string>() == names[i]) {
      return i;
    }
  }
  std::string message = "expected " + list_choices(quoted) + ", got " + describe_value(*json_);
  if (json_->is_string()) {
    std::vector<std::string> strings;
    for (std::string const& name : names) {
      if (name.empty() || name[0] != '#') strings.push_back(name);
    }
    std::string const suggestion = closest_match(json_->get<std::string>(), strings);
    if (!suggestion.empty()) message += "; did you mean \"" + suggestion + "\"?";
  }
  fail(message);
}

std::vector<Value> Value::array(std::size_t minimum, std::size_t maximum) const {
  std::string what = "an array";
  if (minimum > 0 && maximum == SIZE_MAX) what += " of at least " + std::to_string(minimum) + " element(s)";
  if (maximum != SIZE_MAX) what += minimum == maximum ? " of exactly " + std::to_string(minimum) + " elements"
                                                      : " of " + std::to_string(minimum) + " to " + std::to_string(maximum) + " elements";
  if (!json_->is_array() || json_->size() < minimum || json_->size() > maximum) expected(what);
  std::vector<Value> values;
  std::string const base = pointer_ == "/" ? "" : pointer_;
  for (std::size_t i = 0; i < json_->size(); ++i) values.emplace_back((*json_)[i], file_, base + "/" + std::to_string(i));
  return values;
}

void Value::require_object() const {
  if (!json_->is_object()) expected("an object");
}

void Value::require_keys_among(std::vector<std::string> const& allowed) const {
  require_object();
  std::string const base = pointer_ == "/" ? "" : pointer_;
  for (auto const& [key, value] : json_->items()) {
    if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
    std::string message = "unknown key \"" + key + "\"";
    std::string const suggestion = closest_match(key, allowed);
    if (!suggestion.empty()) message += "; did you mean \"" + suggestion + "\"?";
    throw ScenarioError(file_ + ": " + base + "/" + pointer_token(key) + ": " + message);
  }
}

bool Value::has(std::string const& key) const { return json_->is_object() && json_->contains(key); }

Value Value::at(std::string const& key) const {
  require_object();
  if (!json_->contains(key)) fail("missing required key \"" + key + "\"");
  std::string const base = pointer_ == "/" ? "" : pointer_;
  return Value((*json_)[key], file_, base + "/" + pointer_token(key));
}

std::optional<Value> Value::get(std::string const& key) const {
  if (!has(key) || (*json_)[key].is_null()) return std::nullopt;
  return at(key);
}

std::optional<Value> Value::get_present(std::string const& key) const {
  if (!has(key)) return std::nullopt;
  return at(key);
}

sim::Distribution Value::distribution_ms() const {
  using sim::Distribution;
  if (json_->is_number()) return Distribution::constant(static_cast<double>(duration_ms()));
  if (!json_->is_object()) expected("a number of milliseconds or a distribution object");
  std::size_t const kind = at("dist").one_of({"constant", "uniform", "exponential", "normal", "lognormal", "pareto"});
  auto ms = [&](char const* key) { return static_cast<double>(at(key).duration_ms()); };  // In microseconds.
  switch (kind) {
    case 0:
      require_keys_among({"dist", "value"});
      return Distribution::constant(ms("value"));
    case 1: {
      require_keys_among({"dist", "min", "max"});
      double const low = ms("min");
      double const high = ms("max");
      if (high < low) at("max").expected("a maximum >= min (" + format_ms(low / 1000.0) + ")");
      return Distribution::uniform(low, high);
    }
    case 2:
      require_keys_among({"dist", "mean"});
      return Distribution::exponential(ms("mean"));
    case 3:
      require_keys_among({"dist", "mean", "stddev"});
      return Distribution::normal(ms("mean"), ms("stddev"));
    case 4: {
      require_keys_among({"dist", "median", "p99", "mu", "sigma"});
      if (has("median") || has("p99")) {
        if (has("mu") || has("sigma")) fail("expected either {median, p99} or {mu, sigma}, not both");
        double const median = ms("median");
        double const p99 = ms("p99");
        if (median <= 0.0) at("median").expected("a median > 0");
        if (p99 < median) at("p99").expected("a p99 >= median (" + format_ms(median / 1000.0) + ")");
        return Distribution::lognormal_from_quantiles(median, p99);
      }
      double const mu = at("mu").number();
      double const sigma = at("sigma").number_at_least(0.0);
      // mu and sigma are of ln(milliseconds); the kernel samples microseconds.
      return Distribution::lognormal(mu + std::log(static_cast<double>(sim::kMicrosPerMilli)), sigma);
    }
    default: {
      require_keys_among({"dist", "scale", "shape"});
      double const scale = ms("scale");
      if (scale <= 0.0) at("scale").expected("a scale > 0");
      double const shape = at("shape").number_at_least(0.0);
      if (shape <= 0.0) at("shape").expected("a shape > 0");
      return Distribution::pareto(scale, shape);
    }
  }
}

}  // namespace brokersim::jsonio
