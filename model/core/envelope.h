// A message in flight between two nodes: the header every protocol shares, and the pools the network
// keeps envelopes in. Each protocol (Kafka's wire protocol, AMQP, service calls) defines its own
// envelope type deriving from EnvelopeHeader, with its own message types, error codes and fields; the
// network reads only the header.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

#include "model/core/node_id.h"
#include "sim/assert.h"

namespace brokersim::model {

// Which protocol's envelope type an envelope is. A new protocol adds its name here and defines
//   struct XEnvelope : EnvelopeHeader {
//     static constexpr Protocol kProtocol = Protocol::x;
//     using Type = XMessageType;                    // its message types
//     static bool is_request(Type);                 // answered: a dead receiver resets the connection
//     static bool is_publish(Type);                 // carries messages into a broker (see Network)
//     Type type; ...its fields...; void clear();    // clear(): back to a fresh envelope, but the header
//   };
//   template <> struct EnvelopeOf<XMessageType> { using type = XEnvelope; };
enum class Protocol : std::uint8_t { service, kafka, amqp };
inline constexpr std::size_t kProtocolCount = 3;

struct EnvelopeHeader {
  NodeId from = 0;
  NodeId to = 0;
  std::uint64_t correlation = 0;  // Request id, echoed in the response.
  Protocol protocol = Protocol::service;
  bool request = false;   // Its sender awaits an answer: a dead receiver's host resets the connection.
  bool publish = false;   // It carries messages into a broker (Network::publishes_in_flight).
  // The network's answer to a request that reached a dead process (the host's TCP stack resets the
  // connection): the request's own envelope returned to its sender, its type and fields kept.
  bool reset = false;
  bool counted = false;   // Network bookkeeping: a publish on its way.
};

// Maps a protocol's message type enum to its envelope type, so that Network::acquire(type, ...) knows
// which pool to draw from.
template <class MessageTypeEnum>
struct EnvelopeOf;

// An envelope's handle: the protocol in the top 3 bits, the index in that protocol's pool below.
using EnvelopeId = std::uint32_t;
inline constexpr unsigned kEnvelopeIndexBits = 29;
inline constexpr EnvelopeId make_envelope_id(Protocol protocol, std::uint32_t index) {
  return (static_cast<EnvelopeId>(protocol) << kEnvelopeIndexBits) | index;
}
inline constexpr Protocol protocol_of(EnvelopeId id) { return static_cast<Protocol>(id >> kEnvelopeIndexBits); }
inline constexpr std::uint32_t index_of(EnvelopeId id) { return id & ((EnvelopeId{1} << kEnvelopeIndexBits) - 1); }
static_assert(kProtocolCount <= 8, "the protocol takes 3 bits of an EnvelopeId");

// One protocol's envelopes, reused: fat values whose vectors keep their capacity, so steady-state
// traffic allocates nothing. The network reaches the header of any envelope without knowing its type.
class EnvelopePool {
 public:
  virtual ~EnvelopePool() = default;
  EnvelopeHeader& header(std::uint32_t index) { return *headers_[index]; }
  // A new envelope holding a copy of envelope `index` (a duplicating link).
  virtual std::uint32_t copy(std::uint32_t index) = 0;
  void release(std::uint32_t index) {
    BROKERSIM_ASSERT(index < headers_.size());
    free_.push_back(index);
  }

 protected:
  std::vector<EnvelopeHeader*> headers_;  // Into the derived pool's deque: stable addresses.
  std::vector<std::uint32_t> free_;
};

template <class TypedEnvelope>
class TypedEnvelopePool final : public EnvelopePool {
 public:
  // A fresh envelope: a new one, or a released one cleared.
  std::uint32_t acquire() {
    if (free_.empty()) {
      items_.emplace_back();
      headers_.push_back(&items_.back());
      BROKERSIM_ASSERT(items_.size() < (std::size_t{1} << kEnvelopeIndexBits));
      return static_cast<std::uint32_t>(items_.size() - 1);
    }
    std::uint32_t const index = free_.back();
    free_.pop_back();
    TypedEnvelope& envelope = items_[index];
    static_cast<EnvelopeHeader&>(envelope) = EnvelopeHeader{};
    envelope.clear();
    return index;
  }
  TypedEnvelope& operator[](std::uint32_t index) { return items_[index]; }
  std::uint32_t copy(std::uint32_t index) override {
    std::uint32_t const duplicate = acquire();
    items_[duplicate] = items_[index];
    return duplicate;
  }

 private:
  std::deque<TypedEnvelope> items_;  // A deque: references stay valid while handlers acquire more.
};

}  // namespace brokersim::model
