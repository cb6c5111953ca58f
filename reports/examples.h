// Examples of violations: which messages to show, their timelines and a one-sentence cause.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "model/world.h"
#include "reports/report.h"

namespace brokersim::reports {

// Where every message ended up: its offset in its partition's authoritative log (the leader's, or
// while the partition is offline the longest live replica's), or -1 when no such log holds it.
struct FinalLogs {
  std::vector<std::int32_t> offset_of;  // Per message (a log holds < 2^31 records: 8 GiB of ids alone).
  std::vector<int> authority;           // Per partition: the broker whose log counts, or -1.
  std::uint64_t log_duplicates = 0;     // Records that repeat an earlier record of the same send.
};

FinalLogs index_final_logs(model::World const& world);

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

std::vector<Example> build_examples(model::World const& world, FinalLogs const& logs, ExampleCandidates const& candidates);

}  // namespace brokersim::reports
