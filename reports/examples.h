// Examples of violations: which messages to show, their timelines and a one-sentence cause.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "model/world/world.h"
#include "reports/report.h"

namespace brokersim::reports {

// The first few messages (in send order, so the choice is deterministic) of each violation kind.
class ExampleCandidates {
 public:
  static constexpr std::size_t kPerKind = 3;
  static constexpr std::size_t kNoGroup = SIZE_MAX;
  struct Candidate {
    std::uint32_t message = 0;
    std::size_t group = kNoGroup;
  };

  void add(char const* kind, std::uint32_t message, std::size_t group);
  std::vector<Candidate> const& of(std::string const& kind) const;

  // Violation kinds in the contract's order.
  static std::array<char const*, 7> const& kinds();

 private:
  std::array<std::vector<Candidate>, 7> chosen_;
};

std::vector<Example> build_examples(model::World const& world, ExampleCandidates const& candidates);

}  // namespace brokersim::reports
