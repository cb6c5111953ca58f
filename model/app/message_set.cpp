#include "model/app/message_set.h"

#include <algorithm>

namespace brokersim::model {

bool MessageSet::insert(std::uint32_t message) {
  std::size_t const word = message >> 6;
  if (word >= words_.size()) words_.resize(std::max(word + 1, words_.size() * 2), 0);
  std::uint64_t const bit = std::uint64_t{1} << (message & 63U);
  if ((words_[word] & bit) != 0) return false;
  words_[word] |= bit;
  return true;
}

void MessageSet::clear() { std::fill(words_.begin(), words_.end(), 0); }

}  // namespace brokersim::model
