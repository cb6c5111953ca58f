// A downstream service consumers call while processing (a database, an API): capacity per second,
// latency, outages and slowdowns.
#pragma once

#include <cstdint>
#include <vector>

#include "model/app/config.h"
#include "model/app/service_call.h"
#include "model/core/node.h"
#include "model/truth/truth.h"
#include "sim/random.h"

namespace brokersim::model {

// Answers each call after its latency. Calls beyond capacity_per_s within the current 1-second
// window of simulated time fail at once (overload), and every call fails during an outage. Calls and
// failures are counted per window for the report.
class ServiceNode : public Node {
 public:
  ServiceNode(NodeId id, ServiceConfig const& config, std::uint64_t seed, ServiceTruth& truth);

  void start_outage(Time until) { outage_until_ = std::max(outage_until_, until); }
  void set_slowdown(double factor, Time until) {
    slowdown_ = factor;
    slowdown_until_ = until;
  }
  // The healing at the drain: an outage or slowdown still going on ends now.
  void heal(Time now) {
    outage_until_ = std::min(outage_until_, now);
    slowdown_until_ = std::min(slowdown_until_, now);
  }

 protected:
  void handle(sim::Simulation& simulation, std::uint32_t type, std::uint64_t arg0, std::uint64_t arg1) override;
  void on_message(sim::Simulation& simulation, EnvelopeHeader const& envelope) override;
  void on_crash(sim::Simulation&) override { pending_.clear(); }
  void on_restart(sim::Simulation&) override {}

 private:
  static constexpr std::uint32_t kRespond = 1;  // arg0 = pending slot.

  struct Pending {
    NodeId to = 0;
    std::uint64_t correlation = 0;
    std::uint64_t value = 0;
    bool failed = false;
  };

  void respond(sim::Simulation& simulation, Pending const& pending);

  ServiceConfig const& config_;
  ServiceTruth& truth_;
  sim::RandomStream random_;
  std::vector<Pending> pending_;
  std::vector<std::uint32_t> free_;
  Time outage_until_ = 0;
  double slowdown_ = 1.0;
  Time slowdown_until_ = 0;
};

}  // namespace brokersim::model
