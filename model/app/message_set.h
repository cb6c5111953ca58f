// A set of message ids as a bitset that grows as ids do (one bit per message of the run): the idempotent
// consumer's store of the messages it has processed.
#pragma once

#include <cstdint>
#include <vector>

namespace brokersim::model {

class MessageSet {
 public:
  bool contains(std::uint32_t message) const {
    std::size_t const word = message >> 6;
    return word < words_.size() && ((words_[word] >> (message & 63U)) & 1U) != 0;
  }
  // Adds `message`; false when it was already there.
  bool insert(std::uint32_t message);
  // Forgets every id but keeps the memory (a crash loses an in-memory set).
  void clear();

 private:
  std::vector<std::uint64_t> words_;
};

}  // namespace brokersim::model
