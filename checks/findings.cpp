#include "checks/findings.h"

#include <cstring>

namespace brokersim::checks {

std::array<char const*, 8> const& ExampleCandidates::kinds() {
  static std::array<char const*, 8> const names = {"lost",    "skipped",   "unprocessed", "dead_lettered", "dropped",
                                                   "duplicate", "reordered", "timestamp_inversion"};
  return names;
}

void ExampleCandidates::add(char const* kind, std::uint32_t message, std::size_t group) {
  for (std::size_t i = 0; i < kinds().size(); ++i) {
    if (std::strcmp(kinds()[i], kind) != 0) continue;
    if (chosen_[i].size() < kPerKind) chosen_[i].push_back({message, group});
    return;
  }
}

std::vector<ExampleCandidates::Candidate> const& ExampleCandidates::of(std::string const& kind) const {
  for (std::size_t i = 0; i < kinds().size(); ++i) {
    if (kind == kinds()[i]) return chosen_[i];
  }
  static std::vector<Candidate> const none;
  return none;
}

}  // namespace brokersim::checks
