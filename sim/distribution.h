// Distributions of durations (latency, processing time), sampled in integer microseconds.
#pragma once

#include <cstdint>
#include <string>

#include "sim/random.h"
#include "sim/time.h"

namespace brokersim::sim {

// One of the duration distributions a scenario may name. Parameters are kept in microseconds (for
// lognormal: mu and sigma of the natural log of microseconds), so sampling needs no unit conversion.
struct Distribution {
  enum class Kind : std::uint8_t { constant, uniform, exponential, normal, lognormal, pareto };

  Kind kind = Kind::constant;
  double first = 0.0;   // constant: value; uniform: min; exponential: mean; normal: mean; lognormal: mu; pareto: scale.
  double second = 0.0;  // uniform: max; normal: stddev; lognormal: sigma; pareto: shape.

  static Distribution constant(double micros) { return {Kind::constant, micros, 0.0}; }
  static Distribution uniform(double min_micros, double max_micros) { return {Kind::uniform, min_micros, max_micros}; }
  static Distribution exponential(double mean_micros) { return {Kind::exponential, mean_micros, 0.0}; }
  static Distribution normal(double mean_micros, double stddev_micros) { return {Kind::normal, mean_micros, stddev_micros}; }
  static Distribution lognormal(double mu, double sigma) { return {Kind::lognormal, mu, sigma}; }
  // Lognormal with the given median and 99th percentile (microseconds; p99 >= median > 0).
  static Distribution lognormal_from_quantiles(double median_micros, double p99_micros);
  static Distribution pareto(double scale_micros, double shape) { return {Kind::pareto, scale_micros, shape}; }

  // A sample, rounded to the nearest microsecond and never negative (normal is truncated at 0 by
  // resampling).
  Time sample(RandomStream& random) const;

  // The mean in microseconds (infinite for pareto with shape <= 1); used for routing and for reports.
  double mean_micros() const;

  // A short human description in milliseconds, e.g. "exponential(mean 2 ms)".
  std::string describe() const;

  friend bool operator==(Distribution const&, Distribution const&) = default;
};

}  // namespace brokersim::sim
