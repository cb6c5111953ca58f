#include "model/kafka/partitioner.h"

namespace brokersim::model {

std::int32_t kafka_murmur2(std::string_view bytes) {
  // Java's int arithmetic wraps; unsigned arithmetic gives the same bits without undefined behaviour.
  std::uint32_t const seed = 0x9747b28cU;
  std::uint32_t const m = 0x5bd1e995U;
  std::uint32_t const length = static_cast<std::uint32_t>(bytes.size());
  std::uint32_t h = seed ^ length;
  auto byte = [&](std::size_t i) { return static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])); };
  std::size_t const words = length / 4;
  for (std::size_t i = 0; i < words; ++i) {
    std::size_t const at = i * 4;
    std::uint32_t k = byte(at) | (byte(at + 1) << 8) | (byte(at + 2) << 16) | (byte(at + 3) << 24);
    k *= m;
    k ^= k >> 24;
    k *= m;
    h *= m;
    h ^= k;
  }
  std::size_t const tail = length & ~3U;
  switch (length % 4) {
    case 3:
      h ^= byte(tail + 2) << 16;
      [[fallthrough]];
    case 2:
      h ^= byte(tail + 1) << 8;
      [[fallthrough]];
    case 1:
      h ^= byte(tail);
      h *= m;
      break;
    default:
      break;
  }
  h ^= h >> 13;
  h *= m;
  h ^= h >> 15;
  return static_cast<std::int32_t>(h);
}

int kafka_partition_for_key(std::string_view key, int partitions) {
  std::uint32_t const positive = static_cast<std::uint32_t>(kafka_murmur2(key)) & 0x7fffffffU;
  return static_cast<int>(positive % static_cast<std::uint32_t>(partitions));
}

}  // namespace brokersim::model
