#include "faults/fault.h"

#include <type_traits>

namespace brokersim::faults {

char const* kind_name(FaultAction const& action) {
  return std::visit(
      [](auto const& fault) -> char const* {
        using T = std::decay_t<decltype(fault)>;
        if constexpr (std::is_same_v<T, Crash>) return "crash";
        if constexpr (std::is_same_v<T, Partition>) return "partition";
        if constexpr (std::is_same_v<T, LinkFault>) return "link";
        if constexpr (std::is_same_v<T, ClockFault>) return "clock";
        if constexpr (std::is_same_v<T, Pause>) return "pause";
        if constexpr (std::is_same_v<T, Poison>) return "poison";
        if constexpr (std::is_same_v<T, Outage>) return "outage";
        if constexpr (std::is_same_v<T, Slowdown>) return "slowdown";
        if constexpr (std::is_same_v<T, DlqReplay>) return "dlq_replay";
        if constexpr (std::is_same_v<T, SchemaChange>) return "schema_change";
        if constexpr (std::is_same_v<T, Scale>) return "scale";
      },
      action);
}

}  // namespace brokersim::faults
