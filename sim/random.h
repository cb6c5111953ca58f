// Seeded random streams: one independent Boost.Random engine per component, derived from the run's seed.
#pragma once

#include <cstdint>
#include <string_view>

#include <boost/random/mersenne_twister.hpp>
#include <boost/random/uniform_int_distribution.hpp>
#include <boost/random/uniform_real_distribution.hpp>

namespace brokersim::sim {

// SplitMix64's finaliser: spreads nearby seeds over the whole 64-bit space.
constexpr std::uint64_t mix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

// FNV-1a over the bytes of a name: stable on every platform, unlike std::hash.
constexpr std::uint64_t hash_name(std::string_view name) {
  std::uint64_t hash = 0xCBF29CE484222325ULL;
  for (char const c : name) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001B3ULL;
  }
  return hash;
}

// The seed of the stream named `component` in a run seeded with `root_seed`. A stream's seed depends on
// its own name only, so adding a component (a consumer, a fault) leaves every other stream unchanged.
constexpr std::uint64_t stream_seed(std::uint64_t root_seed, std::string_view component) {
  return mix64(mix64(root_seed) ^ hash_name(component));
}

// One component's source of randomness. Boost.Random's engines and distributions are specified down to
// the bit, so a seed gives the same draws with every compiler and standard library (std:: ones do not).
class RandomStream {
 public:
  using Engine = boost::random::mt19937_64;

  explicit RandomStream(std::uint64_t seed) : engine_(seed) {}
  RandomStream(std::uint64_t root_seed, std::string_view component) : engine_(stream_seed(root_seed, component)) {}

  // Uniform in [0, 1).
  double uniform01() { return boost::random::uniform_real_distribution<double>(0.0, 1.0)(engine_); }

  // Uniform integer in [0, bound); bound > 0.
  std::uint64_t below(std::uint64_t bound) {
    return boost::random::uniform_int_distribution<std::uint64_t>(0, bound - 1)(engine_);
  }

  // True with probability `p`. Never draws when p is 0 or 1, so a knob left at 0 costs nothing and
  // does not shift the stream.
  bool chance(double p) {
    if (p <= 0.0) return false;
    if (p >= 1.0) return true;
    return uniform01() < p;
  }

  Engine& engine() { return engine_; }

 private:
  Engine engine_;
};

}  // namespace brokersim::sim
