// Kafka's default partitioner, bit for bit: the test vectors of Kafka's own UtilsTest.testMurmur2.
#include <catch2/catch.hpp>

#include "model/kafka/partitioner.h"

using brokersim::model::kafka_murmur2;
using brokersim::model::kafka_partition_for_key;

TEST_CASE("model: partitioner: murmur2 gives Kafka's values", "[model]") {
  CHECK(kafka_murmur2("21") == -973932308);
  CHECK(kafka_murmur2("foobar") == -790332482);
  CHECK(kafka_murmur2("a-little-bit-long-string") == -985981536);
  CHECK(kafka_murmur2("a-little-bit-longer-string") == -1486304829);
  CHECK(kafka_murmur2("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8") == -58897971);
  CHECK(kafka_murmur2("abc") == 479470107);
}

TEST_CASE("model: partitioner: a key's partition is toPositive(murmur2) mod partitions", "[model]") {
  // toPositive clears the sign bit: -973932308 & 0x7fffffff = 1173551340.
  CHECK(kafka_partition_for_key("21", 4) == 1173551340 % 4);
  CHECK(kafka_partition_for_key("abc", 6) == 479470107 % 6);
  for (int partitions = 1; partitions <= 12; ++partitions) {
    int const partition = kafka_partition_for_key("k42", partitions);
    CHECK(partition >= 0);
    CHECK(partition < partitions);
  }
}
