// How an application picks the keys of the messages it sends.
#pragma once

#include <cstdint>
#include <vector>

#include "model/app/config.h"
#include "sim/random.h"

namespace brokersim::model {

// Picks key numbers: uniformly or Zipf-distributed over `count` keys (a precomputed CDF, searched).
class KeyChooser {
 public:
  explicit KeyChooser(KeysConfig const& keys);
  std::uint32_t next(sim::RandomStream& random) const;
  bool keyed() const { return count_ > 0; }

 private:
  std::uint64_t count_ = 0;
  std::vector<double> zipf_cdf_;  // Empty for uniform keys.
};

}  // namespace brokersim::model
