#include "model/app/keys.h"

#include <algorithm>
#include <cmath>

#include "sim/assert.h"

namespace brokersim::model {

namespace {

// Zipf tables above this many keys would cost more memory than the run; keys are then drawn uniformly
// from the tail. The loader keeps zipf key counts below it.
constexpr std::uint64_t kZipfKeysMax = 10'000'000;

}  // namespace

KeyChooser::KeyChooser(KeysConfig const& keys) : count_(keys.count) {
  if (keys.count == 0 || keys.dist != KeyDist::zipf) return;
  BROKERSIM_ASSERT(keys.count <= kZipfKeysMax);
  zipf_cdf_.resize(keys.count);
  double total = 0.0;
  for (std::uint64_t rank = 0; rank < keys.count; ++rank) {
    total += 1.0 / std::pow(static_cast<double>(rank + 1), keys.zipf_s);
    zipf_cdf_[rank] = total;
  }
  for (double& cumulative : zipf_cdf_) cumulative /= total;
}

std::uint32_t KeyChooser::next(sim::RandomStream& random) const {
  if (zipf_cdf_.empty()) return static_cast<std::uint32_t>(random.below(count_));
  double const u = random.uniform01();
  auto const found = std::upper_bound(zipf_cdf_.begin(), zipf_cdf_.end(), u);
  auto const rank = static_cast<std::uint64_t>(found - zipf_cdf_.begin());
  return static_cast<std::uint32_t>(std::min(rank, count_ - 1));
}

}  // namespace brokersim::model
