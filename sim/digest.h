// Cheap, platform-independent 64-bit hashes: of the event trace (report.json's `digest`) and of bytes
// (the scenario files a batch ran, so that merge can tell shards of different batches apart).
#pragma once

#include <array>
#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

#include "sim/time.h"

namespace brokersim::sim {

// A running hash of every dispatched event's time and kind, in dispatch order: two runs with equal
// digests went through the same trace (FoundationDB's unseed check). One xor and one multiply per word
// on a register, no allocation: the kernel loop folds in tens of millions of events per second.
class TraceDigest {
 public:
  void add(Time at, std::uint32_t kind) {
    // Multiplying after each xor makes the state depend on the order of the words, not only their set.
    state_ = (state_ ^ static_cast<std::uint64_t>(at)) * kMultiplier;
    state_ = (state_ ^ kind) * kMultiplier;
  }

  // The state with its bits mixed (MurmurHash3's finalizer), so that nearby traces give distant values.
  std::uint64_t value() const {
    std::uint64_t h = state_;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
  }

 private:
  static constexpr std::uint64_t kMultiplier = 0x100000001b3ULL;  // FNV-1a's 64-bit prime.
  std::uint64_t state_ = 0xcbf29ce484222325ULL;                    // FNV-1a's 64-bit offset basis.
};

// FNV-1a over bytes: the same value on every platform (no std::hash, whose results are unspecified).
inline std::uint64_t content_hash(std::string_view bytes) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (char const c : bytes) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
  return h;
}

// Sixteen lowercase hex digits, zero-padded: a fixed-width text form of a 64-bit hash.
inline std::string hex64(std::uint64_t value) {
  std::array<char, 16> digits{};
  auto const [end, error] = std::to_chars(digits.data(), digits.data() + digits.size(), value, 16);
  (void)error;  // Sixteen digits always hold a 64-bit value.
  auto const written = static_cast<std::size_t>(end - digits.data());
  return std::string(16 - written, '0') + std::string(digits.data(), written);
}

}  // namespace brokersim::sim
