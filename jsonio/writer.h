// Writing values back in the scenario format: durations in milliseconds, distributions as objects.
#pragma once

#include <optional>

#include <nlohmann/json.hpp>

#include "sim/distribution.h"
#include "sim/time.h"

namespace brokersim::jsonio {

nlohmann::ordered_json ms(sim::Time micros);
nlohmann::ordered_json distribution(sim::Distribution const& d);

template <typename T>
nlohmann::ordered_json optional(std::optional<T> const& value) {
  return value ? nlohmann::ordered_json(*value) : nlohmann::ordered_json(nullptr);
}

}  // namespace brokersim::jsonio
