#include "checks/latency.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <vector>

#include "sim/assert.h"

namespace brokersim::checks {

namespace {

using model::GroupTruth;
using model::MessageRecord;

// Rounds to microsecond precision in milliseconds, so reports print short, stable numbers.
double round_ms(double ms) { return std::round(ms * 1000.0) / 1000.0; }

// Calls visit(latency) for the first effect of every acknowledged send that took effect in a group
// (what the latency figures describe), in (group, message) order. The checker passes over the truth a few
// times rather than holding a copy of every latency: 8 bytes a message saved at the run's peak.
template <typename Visit>
void for_each_effect_latency(Inputs const& inputs, Visit&& visit) {
  model::GroundTruth const& truth = inputs.truth;
  for (GroupTruth const& group : truth.groups) {
    for (std::uint32_t id = 0; id < truth.messages.size(); ++id) {
      MessageRecord const& message = truth.messages[id];
      if (!inputs.expected_by(group, id)) continue;
      if (message.poison || message.republished || !message.acked()) continue;
      if (group.effects_of(id) == 0) continue;
      visit(group.first_effect_at(id, message.sent_at()) - message.sent_at());
    }
  }
}

// The ranks[i]-th smallest (from 1) visited latencies, by radix selection: one pass per 16-bit digit from
// the highest that `max` has, each counting, for every rank at once, the values that share the digits
// chosen so far for it.
template <std::size_t kRanks>
std::array<sim::Time, kRanks> select_latencies(Inputs const& inputs, std::array<std::uint64_t, kRanks> ranks, sim::Time max) {
  constexpr int kDigitBits = 16;
  constexpr std::size_t kDigits = std::size_t{1} << kDigitBits;
  auto const above = [](std::uint64_t value, int shift) { return shift >= 64 ? 0 : value >> shift; };
  int const width = std::max(1, static_cast<int>(std::bit_width(static_cast<std::uint64_t>(max))));
  std::array<std::uint64_t, kRanks> prefix{};  // The digits chosen so far, per rank.
  std::vector<std::uint64_t> counts(kRanks * kDigits);
  for (int shift = (width - 1) / kDigitBits * kDigitBits; shift >= 0; shift -= kDigitBits) {
    std::fill(counts.begin(), counts.end(), 0);
    for_each_effect_latency(inputs, [&](sim::Time latency) {
      auto const value = static_cast<std::uint64_t>(latency);
      std::uint64_t const high = above(value, shift + kDigitBits);
      std::size_t const digit = (value >> shift) & (kDigits - 1);
      for (std::size_t r = 0; r < kRanks; ++r) {
        if (high == prefix[r]) ++counts[r * kDigits + digit];
      }
    });
    for (std::size_t r = 0; r < kRanks; ++r) {
      BROKERSIM_ASSERT(ranks[r] >= 1);
      std::size_t digit = 0;
      while (digit < kDigits && ranks[r] > counts[r * kDigits + digit]) ranks[r] -= counts[r * kDigits + digit++];
      BROKERSIM_ASSERT(digit < kDigits);
      prefix[r] = (prefix[r] << kDigitBits) | digit;
    }
  }
  std::array<sim::Time, kRanks> selected{};
  for (std::size_t r = 0; r < kRanks; ++r) selected[r] = static_cast<sim::Time>(prefix[r]);
  return selected;
}

}  // namespace

void measure_latency(Inputs const& inputs, Findings& findings) {
  LatencySummary& summary = findings.metrics.latency;
  std::uint64_t count = 0;
  sim::Time total = 0;
  sim::Time max = 0;
  for_each_effect_latency(inputs, [&](sim::Time latency) {
    BROKERSIM_ASSERT(latency >= 0);
    ++count;
    total += latency;
    max = std::max(max, latency);
  });
  if (count == 0) return;
  auto const nearest_rank = [&](double fraction) {
    auto const rank = static_cast<std::uint64_t>(std::ceil(fraction * static_cast<double>(count)));
    return std::clamp<std::uint64_t>(rank, 1, count);
  };
  auto const [p50, p99] = select_latencies<2>(inputs, {nearest_rank(0.50), nearest_rank(0.99)}, max);
  summary.mean_ms = round_ms(sim::time_to_ms(total) / static_cast<double>(count));
  summary.p50_ms = round_ms(sim::time_to_ms(p50));
  summary.p99_ms = round_ms(sim::time_to_ms(p99));
  summary.max_ms = round_ms(sim::time_to_ms(max));
}

}  // namespace brokersim::checks
