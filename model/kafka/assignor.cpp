#include "model/kafka/assignor.h"

#include <algorithm>
#include <cstddef>

#include "sim/assert.h"

namespace brokersim::model {

namespace {

void check_shape(int members, int partitions) {
  BROKERSIM_ASSERT(members > 0);
  BROKERSIM_ASSERT(partitions >= 0);
}

}  // namespace

PartitionOwners assign_range(int members, int partitions) {
  check_shape(members, partitions);
  PartitionOwners owners(static_cast<std::size_t>(partitions), kNoOwner);
  int const base = partitions / members;
  int const extra = partitions % members;
  int next = 0;
  for (int member = 0; member < members; ++member) {
    int const count = base + (member < extra ? 1 : 0);
    for (int i = 0; i < count; ++i) owners[static_cast<std::size_t>(next++)] = member;
  }
  BROKERSIM_ASSERT(next == partitions);
  return owners;
}

PartitionOwners assign_round_robin(int members, int partitions) {
  check_shape(members, partitions);
  PartitionOwners owners(static_cast<std::size_t>(partitions), kNoOwner);
  for (int p = 0; p < partitions; ++p) owners[static_cast<std::size_t>(p)] = p % members;
  return owners;
}

// Balance decides how many partitions each member gets: partitions / members, and one more for
// (partitions % members) of them. Giving the larger quotas to the members that owned the most keeps the
// most partitions in place (a member gains from the larger quota only if it owned more than the
// smaller one), so the result keeps as many previous owners as any balanced assignment can.
PartitionOwners assign_sticky(int members, int partitions, PartitionOwners const& previous) {
  check_shape(members, partitions);
  BROKERSIM_ASSERT(previous.empty() || previous.size() == static_cast<std::size_t>(partitions));
  auto const member_count = static_cast<std::size_t>(members);
  std::vector<int> owned(member_count, 0);
  for (int const owner : previous) {
    if (owner >= 0 && owner < members) ++owned[static_cast<std::size_t>(owner)];
  }
  std::vector<int> order(member_count);
  for (std::size_t m = 0; m < member_count; ++m) order[m] = static_cast<int>(m);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
    return owned[static_cast<std::size_t>(a)] > owned[static_cast<std::size_t>(b)];
  });
  int const base = partitions / members;
  int const extra = partitions % members;
  std::vector<int> quota(member_count, base);
  for (int rank = 0; rank < extra; ++rank) ++quota[static_cast<std::size_t>(order[static_cast<std::size_t>(rank)])];

  // Keep: each member keeps its lowest-numbered previous partitions up to its quota.
  PartitionOwners owners(static_cast<std::size_t>(partitions), kNoOwner);
  std::vector<int> count(member_count, 0);
  for (std::size_t p = 0; p < owners.size() && !previous.empty(); ++p) {
    int const owner = previous[p];
    if (owner < 0 || owner >= members) continue;
    auto const m = static_cast<std::size_t>(owner);
    if (count[m] >= quota[m]) continue;
    owners[p] = owner;
    ++count[m];
  }
  // Move: the rest go, in partition order, to the members below quota, in member order.
  std::size_t member = 0;
  for (int& owner : owners) {
    if (owner != kNoOwner) continue;
    while (count[member] >= quota[member]) ++member;
    BROKERSIM_ASSERT(member < member_count);
    owner = static_cast<int>(member);
    ++count[member];
  }
  for (std::size_t m = 0; m < member_count; ++m) BROKERSIM_ASSERT(count[m] == quota[m]);
  return owners;
}

PartitionOwners assign_partitions(Assignor assignor, int members, int partitions, PartitionOwners const& previous) {
  switch (assignor) {
    case Assignor::range:
      return assign_range(members, partitions);
    case Assignor::round_robin:
      return assign_round_robin(members, partitions);
    case Assignor::sticky:
      return assign_sticky(members, partitions, previous);
  }
  BROKERSIM_ASSERT(false);
  return {};
}

}  // namespace brokersim::model
