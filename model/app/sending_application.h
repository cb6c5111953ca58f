// An application instance that sends messages of its own (a producer, on any system): what the faults
// that change its messages act on.
#pragma once

#include <cstdint>
#include <optional>

#include "model/core/node_id.h"

namespace brokersim::model {

class SendingApplication {
 public:
  virtual ~SendingApplication() = default;
  virtual NodeId sender_node() const = 0;
  // Poison fault: from now on, the next `count` sends are malformed, or every `every`-th one.
  virtual void make_poison(std::optional<std::uint64_t> count, std::optional<std::uint64_t> every) = 0;
  // schema_change fault: from now on its messages are written with schema `version`.
  virtual void set_schema(int version) = 0;
};

}  // namespace brokersim::model
