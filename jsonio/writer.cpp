#include "jsonio/writer.h"

#include <cmath>

namespace brokersim::jsonio {

using nlohmann::ordered_json;
using sim::Distribution;

namespace {

ordered_json ms_double(double micros) { return micros / 1000.0; }

}  // namespace

ordered_json ms(sim::Time micros) { return static_cast<double>(micros) / 1000.0; }

ordered_json distribution(Distribution const& d) {
  switch (d.kind) {
    case Distribution::Kind::constant:
      return ordered_json{{"dist", "constant"}, {"value", ms_double(d.first)}};
    case Distribution::Kind::uniform:
      return ordered_json{{"dist", "uniform"}, {"min", ms_double(d.first)}, {"max", ms_double(d.second)}};
    case Distribution::Kind::exponential:
      return ordered_json{{"dist", "exponential"}, {"mean", ms_double(d.first)}};
    case Distribution::Kind::normal:
      return ordered_json{{"dist", "normal"}, {"mean", ms_double(d.first)}, {"stddev", ms_double(d.second)}};
    case Distribution::Kind::lognormal:
      // mu and sigma of ln(milliseconds).
      return ordered_json{{"dist", "lognormal"}, {"mu", d.first - std::log(1000.0)}, {"sigma", d.second}};
    case Distribution::Kind::pareto:
      return ordered_json{{"dist", "pareto"}, {"scale", ms_double(d.first)}, {"shape", d.second}};
  }
  return nullptr;
}

}  // namespace brokersim::jsonio
