// A validated fault: one entry of the scenario's `faults` array. What it does is its kind's business
// (faults/kind.h; one file per kind under faults/kinds/, listed in faults/registry.cpp).
#pragma once

#include <any>

#include "faults/selector.h"
#include "sim/time.h"

namespace brokersim::faults {

using sim::Time;

struct FaultKind;

struct Fault {
  Time at = 0;
  FaultKind const* kind = nullptr;  // From the registry (faults/registry.h); never null once read.
  std::any spec;                    // The kind's own specification: only its file reads it.
};

}  // namespace brokersim::faults
