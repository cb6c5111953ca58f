// Same bytes in every locale: brokersim's outputs (report.json, report.md, report.html, junit.xml, a
// batch's summary.*, stdout and stderr) do not change when the process runs under a locale that writes
// 1234.5 as "1.234,5". brokersim itself never calls setlocale, but a program that embeds it may, and a
// library it links may; the C++ global locale is what every new stream formats with.
#include <catch2/catch.hpp>

#include <clocale>
#include <cstdlib>
#include <filesystem>
#include <locale>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "support/run_program.h"

namespace fs = std::filesystem;
using brokersim::testing::make_temp_dir;
using brokersim::testing::read_file;
using brokersim::testing::source_path;

namespace {

// What de_DE does to numbers, without needing de_DE installed: a ',' decimal point and '.' between
// groups of three digits.
class CommaNumpunct : public std::numpunct<char> {
 protected:
  char do_decimal_point() const override { return ','; }
  char do_thousands_sep() const override { return '.'; }
  std::string do_grouping() const override { return "\3"; }
};

// Every output of a few commands over scenarios that print fractional numbers (fault times, clock
// drift, slowdown factors, latencies), keyed by a name; timing.json (wall clock) is left out.
std::map<std::string, std::string> outputs(std::string const& dir) {
  std::map<std::string, std::string> texts;
  fs::create_directories(dir);
  std::vector<std::string> const scenarios = {"scenarios/incidents/clock-skew.json", "scenarios/incidents/retry-storm.json",
                                              "scenarios/kafka/acks1-leader-crash.json", "scenarios/incidents/poison-message.json",
                                              "scenarios/examples/orders-quickstart.json",
                                              "tests/cli/fixtures/locale-faults.json"};
  auto command = [&](std::string const& name, std::vector<std::string> const& words) {
    std::ostringstream out;
    std::ostringstream err;
    brokersim::cli::Streams streams{out, err};
    int const code = brokersim::cli::main_with_arguments(words, streams);
    texts[name + " exit"] = std::to_string(code);
    texts[name + " stdout"] = out.str();
    texts[name + " stderr"] = err.str();
  };
  for (std::size_t i = 0; i < scenarios.size(); ++i) {
    std::string const out = dir + "/run-" + std::to_string(i);
    command("run " + scenarios[i], {"run", source_path(scenarios[i]), "--seed", "3", "--out", out});
    for (char const* file : {"report.json", "report.md", "report.html", "junit.xml"}) {
      texts[scenarios[i] + " " + file] = read_file(out + "/" + file);
    }
  }
  std::vector<std::string> batch = {"batch", "--seeds", "2", "--jobs", "2", "--out", dir + "/batch"};
  for (std::string const& scenario : scenarios) batch.push_back(source_path(scenario));
  command("batch", batch);
  for (auto const& entry : fs::recursive_directory_iterator(dir + "/batch")) {
    if (entry.is_regular_file() && entry.path().filename() != "timing.json") {
      texts["batch " + fs::relative(entry.path(), dir + "/batch").string()] = read_file(entry.path().string());
    }
  }
  // Error messages quote fractional milliseconds.
  for (char const* bad : {"duration-overflow", "backoff-multiplier-below-one", "probability-above-one", "fractional-partitions"}) {
    command(std::string("validate ") + bad, {"validate", source_path(std::string("tests/scenarios/bad/") + bad + ".json")});
  }
  fs::remove_all(dir);
  return texts;
}

// Sets LC_NUMERIC to a locale with a decimal comma; "" when there is none. Tries the installed
// locales, then compiles de_DE into a temporary directory (glibc reads LOCPATH) when localedef and the
// locale sources are there (Debian's libc-bin and locales packages).
std::string set_comma_c_locale(std::string const& scratch) {
  auto try_names = [] {
    for (char const* name : {"de_DE.UTF-8", "de_DE.utf8", "de_DE", "fr_FR.UTF-8", "fr_FR.utf8", "nl_NL.UTF-8", "es_ES.UTF-8",
                             "it_IT.UTF-8", "pt_BR.UTF-8", "ru_RU.UTF-8"}) {
      if (std::setlocale(LC_NUMERIC, name) != nullptr && std::localeconv()->decimal_point[0] == ',') return std::string(name);
    }
    std::setlocale(LC_NUMERIC, "C");
    return std::string();
  };
  std::string name = try_names();
  if (!name.empty()) return name;
  if (fs::exists("/usr/bin/localedef") && fs::exists("/usr/share/i18n/locales/de_DE")) {
    std::string const command = "/usr/bin/localedef -i de_DE -f UTF-8 '" + scratch + "/de_DE.UTF-8' >/dev/null 2>&1";
    if (std::system(command.c_str()) == 0) {
      ::setenv("LOCPATH", scratch.c_str(), 1);
      name = try_names();
    }
  }
  return name;
}

}  // namespace

TEST_CASE("cli: outputs are the same bytes under a locale with a decimal comma", "[cli][locale]") {
  std::string const dir = make_temp_dir("locale");  // The same paths both times: stdout names them.
  std::map<std::string, std::string> const reference = outputs(dir);
  REQUIRE(reference.size() > 20);

  std::string const scratch = make_temp_dir("locale-def");
  std::locale const previous = std::locale::global(std::locale(std::locale::classic(), new CommaNumpunct));
  std::string const c_locale = set_comma_c_locale(scratch);
  // The locale is hostile indeed: a new stream and (when a C locale was found) printf write commas.
  std::ostringstream probe;
  probe << 1234.5 << " " << 1234567;
  CHECK(probe.str() == "1.234,5 1.234.567");
  if (c_locale.empty()) {
    WARN("no locale with a decimal comma is installed and none could be built with localedef: printf, std::to_string "
         "and strtod are not checked, only C++ streams");
  } else {
    INFO("LC_NUMERIC=" << c_locale);
    CHECK(std::to_string(1.5) == "1,500000");
  }
  std::map<std::string, std::string> const localized = outputs(dir);

  std::locale::global(previous);
  std::setlocale(LC_NUMERIC, "C");
  ::unsetenv("LOCPATH");
  fs::remove_all(scratch);

  REQUIRE(localized.size() == reference.size());
  for (auto const& [name, text] : reference) {
    INFO(name);
    CHECK(localized.at(name) == text);
  }
}
