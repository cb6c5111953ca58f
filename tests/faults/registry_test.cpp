// The fault kinds' registry: one descriptor per kind, complete and consistent.
#include <catch2/catch.hpp>

#include <set>
#include <string>

#include "faults/registry.h"

using brokersim::faults::FaultKind;
using brokersim::faults::fault_kinds;

TEST_CASE("faults: registry: every kind is complete, named once and found by its name, in the format's order", "[faults]") {
  std::vector<std::string> names;
  for (FaultKind const* kind : fault_kinds()) {
    INFO(kind->name);
    CHECK(kind->targets != nullptr);
    CHECK(kind->read);
    CHECK(kind->write);
    CHECK(kind->schema);
    CHECK(kind->begin);
    CHECK(brokersim::faults::find_kind(kind->name) == kind);
    names.push_back(kind->name);
  }
  // The order "expected one of" messages and the schema's enum list them in.
  CHECK(names == std::vector<std::string>{"crash", "partition", "link", "clock", "pause", "poison", "outage", "slowdown",
                                          "dlq_replay", "schema_change", "scale"});
  CHECK(brokersim::faults::fault_kind_names() == names);
  CHECK(brokersim::faults::find_kind("reboot") == nullptr);
}

TEST_CASE("faults: registry: follow-up event kinds are distinct and leave the injector's own alone", "[faults]") {
  std::set<std::uint32_t> events;
  for (FaultKind const* kind : fault_kinds()) {
    if (kind->follow_up_event == 0) continue;
    INFO(kind->name);
    CHECK(kind->follow_up_event != 2);  // The injector's heal.
    CHECK(events.insert(kind->follow_up_event).second);
  }
}

TEST_CASE("faults: registry: a kind's keys never repeat \"kind\" or \"at_ms\", nor one another", "[faults]") {
  for (FaultKind const* kind : fault_kinds()) {
    INFO(kind->name);
    std::set<std::string> keys(kind->keys.begin(), kind->keys.end());
    CHECK(keys.size() == kind->keys.size());
    CHECK(keys.count("kind") == 0);
    CHECK(keys.count("at_ms") == 0);
  }
}
