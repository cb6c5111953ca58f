// What Kafka's nodes send each other over the simulated network: requests and responses of the Kafka
// protocol, much reduced.
#pragma once

#include <cstdint>
#include <vector>

#include "model/core/envelope.h"

namespace brokersim::model {

// One record in a partition log: which send it holds and the leader epoch it was appended in (what
// Kafka's truncation on leader change compares).
struct LogEntry {
  std::uint32_t message = 0;  // Index into GroundTruth::messages.
  std::uint32_t epoch = 0;
};

// Which idempotent producer wrote a log's records, and in which producer epoch: Kafka keeps it in each
// RecordBatch header so that a broker can rebuild its producer state from the log. Here a log tags each
// record with its producer (2 bytes) and lists where each producer's epoch starts; the sequence of a
// record is its position among its producer's records since that start (a leader appends a producer's
// epoch from sequence 0 without gaps, so the count is the sequence).
inline constexpr std::uint16_t kNoProducer = UINT16_MAX;  // An untagged record (not idempotent).
struct ProducerEpochStart {
  std::uint32_t offset = 0;  // The first record of the producer in this epoch (a log holds < 2^31 records).
  std::uint16_t producer = 0;
  std::uint16_t producer_epoch = 0;
};
static_assert(sizeof(ProducerEpochStart) == 8, "kept per producer epoch and replica: keep it compact");

// The reduced Kafka protocol, one request per partition (real clients batch partitions per broker), but
// for followers, which fetch every partition they follow from one leader in one request, as Kafka's
// replica fetcher does:
//   produce_request   producer -> leader broker. partition, correlation, value = producer instance (its
//                     producer id), acks, idempotent, producer_epoch and base_sequence (the sequence of
//                     the first record), entries = the batch (message ids).
//   produce_response  broker -> producer. correlation, error, offset = base offset (-1 for a duplicate).
//   fetch_request     consumer -> leader. partition, correlation, offset = fetch offset, last_epoch = the
//                     epoch of the consumer's last consumed record (KIP-320), value = max records.
//                     Follower broker -> leader: correlation, partitions = what it fetches of each.
//   fetch_response    leader -> consumer. correlation, partition, error, offset = the fetch offset (or, with
//                     error diverging_epoch, the offset to go back to), high_watermark, entries = records
//                     from the fetch offset below the high watermark. Leader -> follower: correlation,
//                     partitions = each one's answer, entries = their records in order (up to the log
//                     end), record_producers = those records' producer tags (empty when none is
//                     idempotent) and producer_epochs = the producer epochs that start among them.
//   join_group        consumer -> group coordinator's broker. value = member id (model::member_id: the
//                     instance number, and its process incarnation in the high 32 bits), epoch = the
//                     member's last generation, correlation.
//   join_response     coordinator -> member. epoch = new generation, error, correlation echoed,
//                     entries[i].message = an assigned global partition.
//   heartbeat         member -> coordinator. value = member id, epoch = generation.
//   heartbeat_response  value, epoch echoed; error = rebalance_in_progress / illegal_generation /
//                     unknown_member when the member must rejoin.
//   leave_group       member -> coordinator. value = member id: a consumer closing cleanly leaves at once
//                     rather than by session timeout (no response is modelled: the sender has stopped).
//   commit_offsets    member -> coordinator. value = member id, epoch = generation, correlation,
//                     partition, offset, last_epoch = the leader epoch of the record before offset
//                     (one partition per request).
//   commit_response   correlation, partition, offset echoed; error = illegal_generation / unknown_member
//                     when the commit was refused. Any group request reaching a broker that is not the
//                     group's coordinator is answered coordinator_not_available (Kafka's NOT_COORDINATOR).
//                     The World routes group requests to a group's coordinator by their sender's group.
// A request that reaches a dead process comes back to its sender with `reset` set (EnvelopeHeader), its
// type and fields (correlation, partition) kept.
enum class MessageType : std::uint8_t {
  produce_request,
  produce_response,
  fetch_request,   // From a follower replica or a consumer.
  fetch_response,
  join_group,
  join_response,
  heartbeat,
  heartbeat_response,
  leave_group,
  commit_offsets,
  commit_response,
};

enum class ErrorCode : std::uint8_t {
  none,
  not_leader,             // NOT_LEADER_OR_FOLLOWER: the producer or consumer refreshes its metadata.
  not_enough_replicas,    // NOT_ENOUGH_REPLICAS: the ISR is smaller than min.insync.replicas.
  out_of_order_sequence,  // OUT_OF_ORDER_SEQUENCE_NUMBER: an idempotent batch arrived ahead of a gap.
  diverging_epoch,        // The follower's log diverges from the leader's: truncate to `offset` (KIP-320).
  offset_out_of_range,    // OFFSET_OUT_OF_RANGE: the fetch offset is past the log end (after truncation).
  request_timed_out,      // REQUEST_TIMED_OUT: an acks=all produce waited too long for the ISR.
  rebalance_in_progress,
  unknown_member,
  illegal_generation,
  coordinator_not_available,
};

// One partition of a follower's fetch: what the follower asks for, then what the leader answers for it.
struct PartitionFetch {
  std::uint32_t partition = 0;
  std::uint32_t last_epoch = 0;     // Request: the epoch of the follower's last record (KIP-320).
  std::uint32_t leader_epoch = 0;   // The leader epoch the follower knew when it asked, echoed back.
  ErrorCode error = ErrorCode::none;  // Response.
  std::int64_t offset = 0;          // The fetch offset; answered diverging_epoch: the offset to truncate to.
  std::int64_t high_watermark = 0;  // Response.
  std::uint32_t records = 0;        // Response: how many of the envelope's entries, in order, are this partition's.
  std::uint32_t epoch_starts = 0;   // Response: how many of its producer_epochs are this partition's.
};

// One Kafka message in flight. A fat, reusable value: the network keeps a pool of them, so the vectors
// keep their capacity and steady-state traffic allocates nothing.
struct Envelope : EnvelopeHeader {
  static constexpr Protocol kProtocol = Protocol::kafka;
  using Type = MessageType;
  static bool is_request(MessageType type) {
    switch (type) {
      case MessageType::produce_request:
      case MessageType::fetch_request:
      case MessageType::join_group:
      case MessageType::heartbeat:
      case MessageType::commit_offsets:
        return true;
      default:
        return false;  // Responses, and leave_group: its sender has stopped and awaits nothing.
    }
  }
  static bool is_publish(MessageType type) { return type == MessageType::produce_request; }

  MessageType type = MessageType::produce_request;
  ErrorCode error = ErrorCode::none;
  std::uint32_t partition = 0;       // Global partition index (see World::partition_name).
  std::uint32_t epoch = 0;           // Leader epoch, or group generation.
  std::int64_t offset = 0;           // Produce response: base offset; fetch: the fetch offset.
  std::int64_t high_watermark = 0;
  std::uint64_t value = 0;           // Message-specific: member id, producer instance, ...
  std::uint16_t producer_epoch = 0;  // Produce: bumped when an idempotent producer resets its sequences.
  std::uint32_t base_sequence = 0;   // Produce, idempotent: the sequence of entries.front().
  // KIP-320: the leader epoch of the record just before `offset`, -1 when unknown (consumer fetches and
  // commits; a fetch answered diverging_epoch carries the epoch whose end is `offset`).
  std::int32_t last_epoch = -1;
  std::uint8_t acks = 0;             // Produce: 0, 1, or 2 for "all".
  bool idempotent = false;           // Produce.
  std::vector<LogEntry> entries;     // Produce request: the batch; fetch response: the records.
  std::vector<PartitionFetch> partitions;  // A follower's fetch request and its response.
  // Fetch response to a follower: the producer of each of entries' records (or none of them when no record
  // is tagged), and the producer epochs that start among them.
  std::vector<std::uint16_t> record_producers;
  std::vector<ProducerEpochStart> producer_epochs;

  // Back to a fresh envelope (the pool resets the header).
  void clear() {
    error = ErrorCode::none;
    partition = epoch = 0;
    value = 0;
    producer_epoch = 0;
    base_sequence = 0;
    last_epoch = -1;
    acks = 0;
    idempotent = false;
    offset = high_watermark = 0;
    entries.clear();
    partitions.clear();
    record_producers.clear();
    producer_epochs.clear();
  }
};

template <>
struct EnvelopeOf<MessageType> {
  using type = Envelope;
};

// The Kafka envelope a Kafka node received.
inline Envelope const& as_kafka(EnvelopeHeader const& header) {
  BROKERSIM_ASSERT(header.protocol == Protocol::kafka);
  return static_cast<Envelope const&>(header);
}

}  // namespace brokersim::model
