// Numbers as text, the same bytes whatever the process's locale. printf("%f"), std::to_string(double)
// and strtod follow LC_NUMERIC (a German locale writes 1,5), and an ostream formats with the locale it
// was imbued with — by default the global C++ locale when the stream was made — which may also group
// thousands (12.345). Everything that reaches an output formats through here or through a TextStream.
#pragma once

#include <array>
#include <charconv>
#include <locale>
#include <sstream>
#include <string>

namespace brokersim::sim {

// As printf("%.*f", precision, value) in the C locale: std::to_chars is specified so.
inline std::string format_fixed(double value, int precision) {
  std::array<char, 400> buffer{};  // DBL_MAX has 309 integer digits; precisions here are small.
  auto const [end, error] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value, std::chars_format::fixed, precision);
  if (error != std::errc()) return precision > 0 ? format_fixed(value, 0) : std::string("?");
  return std::string(buffer.data(), end);
}

// format_fixed without trailing zeros or a trailing point: 1.500000 -> 1.5, 2.000 -> 2.
inline std::string format_trimmed(double value, int precision) {
  std::string text = format_fixed(value, precision);
  if (text.find('.') == std::string::npos) return text;
  text.erase(text.find_last_not_of('0') + 1);
  if (!text.empty() && text.back() == '.') text.pop_back();
  return text;
}

// A string stream for output: numbers in it are formatted as in the C locale (no thousands separator,
// a '.' for the decimal point) whatever the global locale is. Use it instead of std::ostringstream.
class TextStream : public std::ostringstream {
 public:
  TextStream() { imbue(std::locale::classic()); }
};

}  // namespace brokersim::sim
