// Local clocks: offset and drift over true time.
#include <catch2/catch.hpp>

#include "model/core/clock.h"

using brokersim::model::LocalClock;
using brokersim::sim::kMicrosPerSecond;

TEST_CASE("model: clock: a fresh clock reads true time", "[model]") {
  LocalClock clock;
  CHECK(clock.read(0) == 0);
  CHECK(clock.read(123456789) == 123456789);
}

TEST_CASE("model: clock: a jump offsets every later reading", "[model]") {
  LocalClock clock;
  clock.jump(30 * kMicrosPerSecond);
  CHECK(clock.read(1000) == 30 * kMicrosPerSecond + 1000);
  clock.jump(-45 * kMicrosPerSecond);
  CHECK(clock.read(1000) == -15 * kMicrosPerSecond + 1000);
}

TEST_CASE("model: clock: drift accumulates from when it starts and never jumps when it changes", "[model]") {
  LocalClock clock;
  clock.set_drift(10 * kMicrosPerSecond, 100.0);  // 100 ppm fast from t = 10 s.
  CHECK(clock.read(10 * kMicrosPerSecond) == 10 * kMicrosPerSecond);
  CHECK(clock.read(20 * kMicrosPerSecond) == 20 * kMicrosPerSecond + 1000);  // 10 s * 100 ppm = 1 ms.
  clock.set_drift(20 * kMicrosPerSecond, 0.0);
  CHECK(clock.read(20 * kMicrosPerSecond) == 20 * kMicrosPerSecond + 1000);
  CHECK(clock.read(100 * kMicrosPerSecond) == 100 * kMicrosPerSecond + 1000);
}
