// Kafka's default partitioner for keyed records: murmur2 of the key's bytes, made positive, mod partitions.
#pragma once

#include <cstdint>
#include <string_view>

namespace brokersim::model {

// Kafka's Utils.murmur2 (seed 0x9747b28c), bit for bit, so that key k42 lands on the partition a real
// producer would choose.
std::int32_t kafka_murmur2(std::string_view bytes);

// The partition of `key` among `partitions`: Utils.toPositive(murmur2(key)) % partitions.
int kafka_partition_for_key(std::string_view key, int partitions);

}  // namespace brokersim::model
