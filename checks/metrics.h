// The run's other measures, each against a threshold an expectation may set or only reported: sends,
// consumer groups' activity (attempts, retry amplification, lag, rebalances) and downstream load.
#pragma once

#include "checks/check.h"

namespace brokersim::checks {

// produced, acked, send_failed, poison and poison_dead_lettered.
void count_sends(Inputs const& inputs, Findings& findings);

// Per group, summed or the highest of any group: attempts, redeliveries, rebalances, members_left,
// deduplicated, truncation_resets, max_consumer_lag and retry_amplification (attempts per message attempted).
void count_group_activity(Inputs const& inputs, Findings& findings);

// RabbitMQ scenarios: publish_nacks and publish_retries.
void count_publishes(Inputs const& inputs, Findings& findings);
// max_queue_depth: the highest ready + unacked of any RabbitMQ queue, and the highest lag of any Kafka
// group (a topic's depth); reported when the scenario has queues.
void measure_queue_depth(Inputs const& inputs, Findings& findings);

// downstream_peak_load: the highest calls / capacity of any service in any 1-second window.
void measure_downstream_load(Inputs const& inputs, Findings& findings);

}  // namespace brokersim::checks
