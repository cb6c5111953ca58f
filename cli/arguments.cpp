#include "cli/arguments.h"

#include <cerrno>
#include <cstdlib>

namespace brokersim::cli {

std::optional<std::string> Arguments::option(std::string const& name) const {
  auto const found = options.find(name);
  if (found == options.end()) return std::nullopt;
  return found->second;
}

Arguments parse_arguments(std::vector<std::string> const& words, ArgumentSpec const& spec) {
  Arguments arguments;
  bool options_ended = false;
  for (std::size_t i = 0; i < words.size(); ++i) {
    std::string const& word = words[i];
    if (options_ended || word.size() < 2 || word.rfind("--", 0) != 0) {
      if (!options_ended && word.size() > 1 && word[0] == '-' && word != "-h") {
        throw UsageError("unknown option \"" + word + "\"");
      }
      if (word == "-h") {
        arguments.help = true;
        continue;
      }
      arguments.operands.push_back(word);
      continue;
    }
    if (word == "--") {
      options_ended = true;
      continue;
    }
    std::string name = word.substr(2);
    std::optional<std::string> value;
    if (auto const equals = name.find('='); equals != std::string::npos) {
      value = name.substr(equals + 1);
      name = name.substr(0, equals);
    }
    if (name == "help") {
      arguments.help = true;
      continue;
    }
    if (spec.flags.count(name) != 0) {
      if (value) throw UsageError("option --" + name + " takes no value");
      value = "";
    } else if (spec.valued.count(name) != 0) {
      if (!value) {
        if (i + 1 >= words.size()) throw UsageError("option --" + name + " needs a value");
        value = words[++i];
      }
    } else {
      throw UsageError("unknown option \"--" + name + "\"");
    }
    if (!arguments.options.emplace(name, *value).second) throw UsageError("option --" + name + " given twice");
  }
  return arguments;
}

std::uint64_t parse_unsigned(std::string const& option, std::string const& text) {
  bool const digits_only = !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
  errno = 0;
  char* end = nullptr;
  unsigned long long const value = digits_only ? std::strtoull(text.c_str(), &end, 10) : 0;
  if (!digits_only || errno == ERANGE || end == nullptr || *end != '\0') {
    throw UsageError("option --" + option + ": expected an unsigned 64-bit integer, got \"" + text + "\"");
  }
  return value;
}

}  // namespace brokersim::cli
