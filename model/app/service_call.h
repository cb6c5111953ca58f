// The protocol of downstream service calls: a consumer calls a service while it processes a message,
// and the service answers after its latency, or at once with a failure.
#pragma once

#include <cstdint>

#include "model/core/envelope.h"

namespace brokersim::model {

enum class ServiceMessageType : std::uint8_t { call, response };

struct ServiceEnvelope : EnvelopeHeader {
  static constexpr Protocol kProtocol = Protocol::service;
  using Type = ServiceMessageType;
  static bool is_request(Type type) { return type == ServiceMessageType::call; }
  static bool is_publish(Type) { return false; }

  ServiceMessageType type = ServiceMessageType::call;
  bool failed = false;      // Response: the service refused or failed the call (outage or overload).
  std::uint64_t value = 0;  // Echoed: what the caller tagged the call with.

  void clear() {
    failed = false;
    value = 0;
  }
};

template <>
struct EnvelopeOf<ServiceMessageType> {
  using type = ServiceEnvelope;
};

}  // namespace brokersim::model
