// The validated configuration of the simulated system: what a scenario file's system part turns into.
#pragma once

#include <vector>

#include "model/app/config.h"
#include "model/core/config.h"
#include "model/kafka/config.h"
#include "model/rabbitmq/config.h"

namespace brokersim::model {

// Everything that exists in the simulated world before any fault.
struct WorldConfig {
  NetworkConfig network;
  BrokersConfig brokers;
  ControllersConfig controllers;
  std::vector<TopicConfig> topics;
  std::vector<ProducerConfig> producers;
  std::vector<ConsumerGroupConfig> consumer_groups;
  std::vector<ServiceConfig> services;
  rabbitmq::RabbitConfig rabbitmq;
};

}  // namespace brokersim::model
