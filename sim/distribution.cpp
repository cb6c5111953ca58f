#include "sim/distribution.h"

#include <cmath>
#include <limits>
#include <sstream>

#include <boost/random/exponential_distribution.hpp>
#include <boost/random/lognormal_distribution.hpp>
#include <boost/random/normal_distribution.hpp>

#include "sim/assert.h"
#include "sim/format.h"

namespace brokersim::sim {

namespace {

// z such that P(Z <= z) = 0.99 for a standard normal Z.
constexpr double kNormalQuantile99 = 2.3263478740408408;

// Resampling a normal truncated at 0 stops after this many tries (only reachable when the mean is many
// standard deviations below 0, which the loader forbids) and answers 0.
constexpr int kNormalResamplesMax = 64;

Time to_time(double micros) {
  if (!(micros > 0.0)) return 0;  // Also maps NaN to 0.
  if (micros >= static_cast<double>(kTimeMax)) return kTimeMax;
  return static_cast<Time>(std::llround(micros));
}

}  // namespace

Distribution Distribution::lognormal_from_quantiles(double median_micros, double p99_micros) {
  BROKERSIM_ASSERT(median_micros > 0.0 && p99_micros >= median_micros);
  double const mu = std::log(median_micros);
  return {Kind::lognormal, mu, (std::log(p99_micros) - mu) / kNormalQuantile99};
}

Time Distribution::sample(RandomStream& random) const {
  switch (kind) {
    case Kind::constant:
      return to_time(first);
    case Kind::uniform:
      if (second <= first) return to_time(first);
      return to_time(first + (second - first) * random.uniform01());
    case Kind::exponential:
      if (first <= 0.0) return 0;
      return to_time(boost::random::exponential_distribution<double>(1.0 / first)(random.engine()));
    case Kind::normal: {
      if (second <= 0.0) return to_time(first);
      boost::random::normal_distribution<double> normal(first, second);
      for (int attempt = 0; attempt < kNormalResamplesMax; ++attempt) {
        double const value = normal(random.engine());
        if (value >= 0.0) return to_time(value);
      }
      return 0;
    }
    case Kind::lognormal:
      if (second <= 0.0) return to_time(std::exp(first));
      return to_time(boost::random::lognormal_distribution<double>(first, second)(random.engine()));
    case Kind::pareto:
      // Inverse transform: scale / U^(1/shape) with U in (0, 1].
      return to_time(first / std::pow(1.0 - random.uniform01(), 1.0 / second));
  }
  BROKERSIM_ASSERT(false);
  return 0;
}

double Distribution::mean_micros() const {
  switch (kind) {
    case Kind::constant:
      return first;
    case Kind::uniform:
      return (first + second) / 2.0;
    case Kind::exponential:
    case Kind::normal:
      return first;
    case Kind::lognormal:
      return std::exp(first + second * second / 2.0);
    case Kind::pareto:
      return second > 1.0 ? second * first / (second - 1.0) : std::numeric_limits<double>::infinity();
  }
  return 0.0;
}

std::string Distribution::describe() const {
  sim::TextStream out;
  auto ms = [](double micros) { return micros / static_cast<double>(kMicrosPerMilli); };
  switch (kind) {
    case Kind::constant:
      out << ms(first) << " ms";
      break;
    case Kind::uniform:
      out << "uniform(" << ms(first) << ".." << ms(second) << " ms)";
      break;
    case Kind::exponential:
      out << "exponential(mean " << ms(first) << " ms)";
      break;
    case Kind::normal:
      out << "normal(mean " << ms(first) << " ms, stddev " << ms(second) << " ms)";
      break;
    case Kind::lognormal:
      out << "lognormal(median " << ms(std::exp(first)) << " ms, p99 "
          << ms(std::exp(first + kNormalQuantile99 * second)) << " ms)";
      break;
    case Kind::pareto:
      out << "pareto(scale " << ms(first) << " ms, shape " << second << ")";
      break;
  }
  return out.str();
}

}  // namespace brokersim::sim
