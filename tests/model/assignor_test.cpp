// The assignors: exact assignments of range and round-robin for a few shapes, the stickiness of sticky,
// and properties every assignor must have (each partition assigned exactly once, balance within one).
#include "model/kafka/assignor.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <rapidcheck/catch.h>

using brokersim::model::Assignor;
using brokersim::model::PartitionOwners;
using namespace brokersim::model;

namespace {

std::vector<int> counts(PartitionOwners const& owners, int members) {
  std::vector<int> result(static_cast<std::size_t>(members), 0);
  for (int const owner : owners) ++result[static_cast<std::size_t>(owner)];
  return result;
}

int kept(PartitionOwners const& previous, PartitionOwners const& next) {
  int result = 0;
  for (std::size_t p = 0; p < next.size(); ++p) result += previous[p] == next[p] ? 1 : 0;
  return result;
}

}  // namespace

TEST_CASE("model: assignor: range gives contiguous ranges, the first members one more") {
  CHECK(assign_range(3, 7) == PartitionOwners{0, 0, 0, 1, 1, 2, 2});
  CHECK(assign_range(2, 6) == PartitionOwners{0, 0, 0, 1, 1, 1});
  CHECK(assign_range(3, 6) == PartitionOwners{0, 0, 1, 1, 2, 2});
  CHECK(assign_range(4, 2) == PartitionOwners{0, 1});
  CHECK(assign_range(1, 3) == PartitionOwners{0, 0, 0});
  CHECK(assign_range(2, 0).empty());
}

TEST_CASE("model: assignor: round-robin deals partitions in turn") {
  CHECK(assign_round_robin(3, 7) == PartitionOwners{0, 1, 2, 0, 1, 2, 0});
  CHECK(assign_round_robin(2, 4) == PartitionOwners{0, 1, 0, 1});
  CHECK(assign_round_robin(4, 2) == PartitionOwners{0, 1});
}

TEST_CASE("model: assignor: sticky without history is balanced like range") {
  CHECK(assign_sticky(3, 7, {}) == assign_range(3, 7));
  CHECK(assign_sticky(3, 7, PartitionOwners(7, kNoOwner)) == assign_range(3, 7));
}

TEST_CASE("model: assignor: sticky moves only what a new member needs") {
  // Two members own 0-2 and 3-5; a third joins and takes one partition from each.
  PartitionOwners const previous{0, 0, 0, 1, 1, 1};
  PartitionOwners const next = assign_sticky(3, 6, previous);
  CHECK(next == PartitionOwners{0, 0, 2, 1, 1, 2});
  CHECK(kept(previous, next) == 4);
  // Range would have moved three partitions.
  CHECK(kept(previous, assign_range(3, 6)) == 3);
}

TEST_CASE("model: assignor: sticky keeps every survivor's partitions when a member leaves") {
  // Members 0, 1, 2 owned two partitions each; member 1 left, so the survivors are renumbered 0 and 1
  // and partitions 2 and 3 have no previous owner.
  PartitionOwners const previous{0, 0, kNoOwner, kNoOwner, 1, 1};
  PartitionOwners const next = assign_sticky(2, 6, previous);
  CHECK(next == PartitionOwners{0, 0, 0, 1, 1, 1});
  CHECK(kept(previous, next) == 4);
}

TEST_CASE("model: assignor: sticky gives the extra partition to the member that owned more") {
  // 5 partitions over 2 members: the one that owned 4 keeps 3, not 2.
  PartitionOwners const previous{1, 1, 1, 1, 0};
  PartitionOwners const next = assign_sticky(2, 5, previous);
  CHECK(counts(next, 2) == std::vector<int>{2, 3});
  CHECK(kept(previous, next) == 4);
}

TEST_CASE("model: assignor: every assignor assigns each partition once, balanced within one") {
  rc::prop("for random shapes and histories", [] {
    int const members = *rc::gen::inRange(1, 20);
    int const partitions = *rc::gen::inRange(0, 64);
    auto const previous = *rc::gen::container<PartitionOwners>(static_cast<std::size_t>(partitions),
                                                               rc::gen::inRange(-1, members + 2));
    for (Assignor const assignor : {Assignor::range, Assignor::round_robin, Assignor::sticky}) {
      PartitionOwners const owners = assign_partitions(assignor, members, partitions, previous);
      RC_ASSERT(owners.size() == static_cast<std::size_t>(partitions));
      for (int const owner : owners) RC_ASSERT(owner >= 0 && owner < members);
      std::vector<int> const per_member = counts(owners, members);
      auto const [least, most] = std::minmax_element(per_member.begin(), per_member.end());
      RC_ASSERT(*most - *least <= 1);
    }
  });
}

TEST_CASE("model: assignor: sticky keeps as many previous owners as any balanced assignment can") {
  rc::prop("kept equals the optimum", [] {
    int const members = *rc::gen::inRange(1, 12);
    int const partitions = *rc::gen::inRange(0, 40);
    auto const previous = *rc::gen::container<PartitionOwners>(static_cast<std::size_t>(partitions),
                                                               rc::gen::inRange(-1, members + 2));
    // The optimum, counted independently: each member keeps up to partitions/members of what it owned,
    // and (partitions % members) members that owned more keep one more.
    int const base = partitions / members;
    int const extra = partitions % members;
    std::vector<int> owned(static_cast<std::size_t>(members), 0);
    for (int const owner : previous) {
      if (owner >= 0 && owner < members) ++owned[static_cast<std::size_t>(owner)];
    }
    int optimum = 0;
    int above = 0;
    for (int const count : owned) {
      optimum += std::min(count, base);
      above += count > base ? 1 : 0;
    }
    optimum += std::min(extra, above);
    RC_ASSERT(kept(previous, assign_sticky(members, partitions, previous)) == optimum);
  });
}
