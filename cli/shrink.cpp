#include "cli/shrink.h"

#include <algorithm>
#include <cmath>

#include "cli/runner.h"
#include "scenarios/loader.h"
#include "scenarios/writer.h"
#include "sim/format.h"

namespace brokersim::cli {

namespace {

using nlohmann::ordered_json;

char const* const kKinds[] = {"lost", "skipped", "unprocessed", "dead_lettered", "dropped", "duplicate", "reordered", "timestamp_inversion"};

// The search state: the candidate as JSON (easy to edit), its seed, and the budget.
class Shrinker {
 public:
  Shrinker(scenarios::Scenario const& scenario, std::uint64_t seed, FailureSignature signature, std::uint64_t seeds_tried,
           std::uint64_t runs_max)
      : current_(scenarios::scenario_to_json(scenario)), seed_(seed), signature_(std::move(signature)),
        seeds_tried_(seeds_tried), runs_max_(runs_max), file_(scenario.file) {}

  // Keeps `candidate` if it is valid and still fails the same way; true when kept.
  bool attempt(ordered_json const& candidate, std::string const& step) {
    if (runs_ >= runs_max_ || candidate == current_) return false;
    scenarios::Scenario parsed;
    try {
      parsed = scenarios::load_scenario_text(candidate.dump(), file_);
    } catch (scenarios::ScenarioError const&) {
      return false;  // A reduction that breaks a cross-reference is not a scenario.
    }
    for (std::uint64_t offset = 0; offset < seeds_tried_ && runs_ < runs_max_; ++offset) {
      ++runs_;
      std::uint64_t const seed = offset == 0 ? seed_ : seed_ + offset;
      if (signature_.matches(run_scenario(parsed, seed))) {
        current_ = candidate;
        seed_ = seed;
        steps_.push_back(step);
        return true;
      }
    }
    return false;
  }

  void remove_faults() {
    // Halves first (most faults are irrelevant), then one at a time.
    for (std::size_t chunk = current_["faults"].size() / 2; chunk >= 1; chunk /= 2) {
      for (std::size_t start = 0; start < current_["faults"].size();) {
        ordered_json candidate = current_;
        auto& faults = candidate["faults"];
        std::size_t const end = std::min(start + chunk, faults.size());
        std::string description;
        for (std::size_t i = start; i < end; ++i) description += (description.empty() ? "" : ", ") + describe_fault(faults[i]);
        faults.erase(faults.begin() + static_cast<std::ptrdiff_t>(start), faults.begin() + static_cast<std::ptrdiff_t>(end));
        if (!attempt(candidate, "removed fault(s): " + description)) start += chunk;
      }
      if (chunk == 1) break;
    }
  }

  // Halves a positive number at `pointer` while the failure stays (down to `floor`).
  void halve(ordered_json::json_pointer const& pointer, double floor, bool integer, std::string const& what) {
    for (int round = 0; round < 12; ++round) {
      if (!current_.contains(pointer) || !current_[pointer].is_number()) return;
      double const value = current_[pointer].get<double>();
      double next = value / 2;
      if (integer) next = std::floor(next);
      if (next < floor || next == value) return;
      ordered_json candidate = current_;
      if (integer) candidate[pointer] = static_cast<std::int64_t>(next);
      else candidate[pointer] = next;
      if (!attempt(candidate, what + " " + format(value) + " -> " + format(next))) return;
    }
  }

  void reduce_system() {
    for (std::size_t i = 0; i < current_["producers"].size(); ++i) {
      std::string const base = "/producers/" + std::to_string(i);
      halve(ordered_json::json_pointer(base + "/instances"), 1, true, current_["producers"][i]["name"].get<std::string>() + " instances");
      halve(ordered_json::json_pointer(base + "/rate_per_s"), 1, false, current_["producers"][i]["name"].get<std::string>() + " rate_per_s");
      halve(ordered_json::json_pointer(base + "/messages"), 1, true, current_["producers"][i]["name"].get<std::string>() + " messages");
    }
    for (std::size_t i = 0; i < current_["consumer_groups"].size(); ++i) {
      halve(ordered_json::json_pointer("/consumer_groups/" + std::to_string(i) + "/instances"), 1, true,
            current_["consumer_groups"][i]["name"].get<std::string>() + " instances");
    }
    // RabbitMQ nodes: a candidate that leaves a queue's node, its replicas or a fault's rabbit-N target
    // behind does not load, and is not kept.
    halve(ordered_json::json_pointer("/rabbitmq/nodes"), 1, true, "rabbitmq nodes");
    for (std::size_t i = 0; i < current_["topics"].size(); ++i) {
      halve(ordered_json::json_pointer("/topics/" + std::to_string(i) + "/partitions"), 1, true,
            current_["topics"][i]["name"].get<std::string>() + " partitions");
    }
    // Time enough for the system to settle stays: a drain cut to nothing would turn any failure into
    // unprocessed messages.
    halve(ordered_json::json_pointer("/duration_ms"), 100, false, "duration_ms");
    halve(ordered_json::json_pointer("/drain_ms"), std::min(5000.0, current_["drain_ms"].get<double>()), false, "drain_ms");
    for (std::size_t i = 0; i < current_["faults"].size(); ++i) {
      halve(ordered_json::json_pointer("/faults/" + std::to_string(i) + "/duration_ms"), 1, false,
            "fault " + describe_fault(current_["faults"][i]) + " duration_ms");
    }
  }

  ShrinkResult result() const {
    ShrinkResult out;
    out.scenario = scenarios::load_scenario_text(current_.dump(), file_);
    out.seed = seed_;
    out.steps = steps_;
    out.runs = runs_;
    return out;
  }

 private:
  static std::string format(double value) { return sim::format_trimmed(value, 6); }
  static std::string describe_fault(ordered_json const& fault) {
    std::string text = fault.value("kind", "?");
    if (fault.contains("target")) text += " " + fault["target"].dump();
    if (fault.contains("at_ms")) text += " at " + format(fault["at_ms"].get<double>()) + " ms";
    return text;
  }

  ordered_json current_;
  std::uint64_t seed_;
  FailureSignature signature_;
  std::uint64_t seeds_tried_;
  std::uint64_t runs_max_;
  std::uint64_t runs_ = 0;
  std::string file_;
  std::vector<std::string> steps_;
};

}  // namespace

FailureSignature FailureSignature::of(reports::Report const& report) {
  FailureSignature signature;
  for (char const* kind : kKinds) {
    if (reports::violation_count(report.violations, kind) > 0) signature.violations.emplace_back(kind);
  }
  signature.broken = report.broken;
  return signature;
}

bool FailureSignature::matches(reports::Report const& report) const {
  if (report.passed()) return false;
  for (std::string const& kind : violations) {
    if (reports::violation_count(report.violations, kind) > 0) return true;
  }
  if (!violations.empty()) return false;
  return std::any_of(broken.begin(), broken.end(), [&](std::string const& name) {
    return std::find(report.broken.begin(), report.broken.end(), name) != report.broken.end();
  });
}

std::string FailureSignature::describe() const {
  std::string text;
  for (std::string const& kind : violations.empty() ? broken : violations) text += (text.empty() ? "" : ", ") + kind;
  return text;
}

ShrinkResult shrink(scenarios::Scenario const& scenario, std::uint64_t seed, FailureSignature const& signature,
                    std::uint64_t seeds_tried, std::uint64_t runs_max) {
  Shrinker shrinker(scenario, seed, signature, seeds_tried, runs_max);
  shrinker.remove_faults();
  shrinker.reduce_system();
  shrinker.remove_faults();  // Smaller systems sometimes need fewer faults.
  return shrinker.result();
}

}  // namespace brokersim::cli
