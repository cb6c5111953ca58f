// The speed limit of the pipeline workload: the same four steps per message as brokersim's
// bench/pipeline.json (and as the peers in ../shared/peers), with nothing but a 4-ary min-heap of 24-byte
// POD events, a switch for dispatch and plain arrays for the model. No allocation once the heap and the
// consumers' queues have grown. brokersim's time on bench/pipeline.json divided by this program's time is
// the ratio issue 10 tracks (bench/compare.sh measures both in one run).
//
// The workload, in simulated milliseconds (doubles): 4 producers, producer p sends ids p, p+4, p+8, ...
// below N with exponential gaps of mean 1; each message takes a hop of uniform 1-3 to the broker, which
// counts it in its partition (a Fibonacci hash of id % 1024, 8 partitions), and another hop to the consumer
// that owns the partition (partition / 2); each of the 4 consumers serves its FIFO queue one message at a
// time, exponential with mean 0.8, and commits (count, sum and sum of squares of the ids).
//
// The random numbers follow the peers' recipe exactly (32-bit MT19937; a double from two outputs as
// CPython's random.random(); the same draw order), so the simulated end time is theirs to the last bit:
// 250844.70921922446 ms for 1,000,000 messages and seed 12345, 25066.032327289009 for 100,000.
//
// Prints one line, `RESULT key=value ...` as the peers do; exits 1 when a message was lost or doubled.
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string_view>
#include <vector>

#include "bench/peak_rss.h"

namespace {

constexpr std::uint32_t kProducers = 4;
constexpr std::uint32_t kPartitions = 8;
constexpr std::uint32_t kConsumers = 4;
constexpr std::uint64_t kKeys = 1024;
constexpr double kMeanGap = 1.0;      // Per producer.
constexpr double kHopMin = 1.0;       // Each network hop: uniform.
constexpr double kHopMax = 3.0;
constexpr double kMeanService = 0.8;  // Per consumer.

enum Step : std::uint32_t { kSend = 0, kAtBroker = 1, kAtConsumer = 2, kServed = 3 };

// 24 bytes: the time, then the scheduling sequence with the step in its two low bits (one comparison
// of `order` breaks ties in scheduling order), the producer or consumer, and the message id.
struct Event {
  double at;
  std::uint64_t order;
  std::uint32_t who;
  std::uint32_t message;

  Step step() const { return static_cast<Step>(order & 3U); }
  bool precedes(Event const& other) const { return at < other.at || (at == other.at && order < other.order); }
};
static_assert(sizeof(Event) == 24);

// A 4-ary min-heap that moves a hole rather than swapping: each level costs one copy.
class QuaternaryHeap {
 public:
  bool empty() const { return events_.empty(); }

  void push(Event const& event) {
    std::size_t hole = events_.size();
    events_.push_back(event);
    while (hole > 0) {
      std::size_t const parent = (hole - 1) / 4;
      if (!event.precedes(events_[parent])) break;
      events_[hole] = events_[parent];
      hole = parent;
    }
    events_[hole] = event;
  }

  Event pop() {
    Event const top = events_.front();
    Event const last = events_.back();
    events_.pop_back();
    std::size_t const size = events_.size();
    if (size == 0) return top;
    std::size_t hole = 0;
    for (std::size_t first = 1; first < size; first = 4 * hole + 1) {
      std::size_t const end = first + 4 < size ? first + 4 : size;
      std::size_t least = first;
      for (std::size_t child = first + 1; child < end; ++child) {
        if (events_[child].precedes(events_[least])) least = child;
      }
      if (!events_[least].precedes(last)) break;
      events_[hole] = events_[least];
      hole = least;
    }
    events_[hole] = last;
    return top;
  }

 private:
  std::vector<Event> events_;
};

// The peers' generator: MT19937 and CPython's 53-bit double from two outputs.
class PeerRandom {
 public:
  explicit PeerRandom(std::uint32_t seed) : engine_(seed) {}

  double unit() {
    auto const high = static_cast<std::uint32_t>(engine_() >> 5);
    auto const low = static_cast<std::uint32_t>(engine_() >> 6);
    return (high * 67108864.0 + low) * (1.0 / 9007199254740992.0);
  }
  double exponential(double mean) { return -std::log(1.0 - unit()) * mean; }
  double uniform(double min, double max) { return min + (max - min) * unit(); }

 private:
  std::mt19937 engine_;
};

// A consumer's waiting messages: a vector read from the front, emptied whenever it has been read out
// (at utilisation 0.8 that is often, so it stays short).
struct Backlog {
  std::vector<std::uint32_t> ids;
  std::size_t next = 0;

  bool empty() const { return next == ids.size(); }
  std::uint32_t take() {
    std::uint32_t const id = ids[next++];
    if (empty()) {
      ids.clear();
      next = 0;
    }
    return id;
  }
};

std::uint32_t partition_of(std::uint64_t id) {
  auto const key = static_cast<std::uint32_t>(id % kKeys);
  return (key * 2654435761U) >> 29;  // The top 3 bits of a Fibonacci hash: 8 partitions.
}


struct Options {
  std::uint64_t messages = 1000000;
  std::uint32_t seed = 12345;
};

bool parse(int argc, char** argv, Options& options) {
  for (int i = 1; i < argc; ++i) {
    std::string_view const arg = argv[i];
    if (arg.rfind("--messages=", 0) == 0) {
      options.messages = std::strtoull(argv[i] + 11, nullptr, 10);
    } else if (arg.rfind("--seed=", 0) == 0) {
      options.seed = static_cast<std::uint32_t>(std::strtoul(argv[i] + 7, nullptr, 10));
    } else {
      std::fprintf(stderr, "usage: brokersim_raw_limit [--messages=N] [--seed=S]\n");
      return false;
    }
  }
  if (options.messages >= (std::uint64_t{1} << 32)) {
    std::fprintf(stderr, "brokersim_raw_limit: --messages must be below 2^32\n");
    return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (!parse(argc, argv, options)) return 2;
  std::uint64_t const n = options.messages;
  auto const start = std::chrono::steady_clock::now();

  PeerRandom random(options.seed);
  QuaternaryHeap heap;
  std::uint64_t sequence = 0;
  auto schedule = [&](double at, Step step, std::uint32_t who, std::uint32_t message) {
    heap.push(Event{at, (sequence++ << 2) | step, who, message});
  };

  std::uint64_t next_id[kProducers];  // The next id producer p sends: p, p + 4, ...
  std::uint64_t log_end[kPartitions] = {};
  bool serving[kConsumers] = {};
  Backlog backlog[kConsumers];
  std::uint64_t committed = 0, sum = 0, sum_of_squares = 0;  // Sums modulo 2^64.

  for (std::uint32_t p = 0; p < kProducers; ++p) {
    next_id[p] = p;
    if (p < n) schedule(random.exponential(kMeanGap), kSend, p, 0);
  }

  double now = 0.0;
  std::uint64_t events = 0;
  while (!heap.empty()) {
    Event const event = heap.pop();
    now = event.at;
    ++events;
    switch (event.step()) {
      case kSend: {
        auto const id = static_cast<std::uint32_t>(next_id[event.who]);
        next_id[event.who] += kProducers;
        schedule(now + random.uniform(kHopMin, kHopMax), kAtBroker, 0, id);
        if (next_id[event.who] < n) schedule(now + random.exponential(kMeanGap), kSend, event.who, 0);
        break;
      }
      case kAtBroker: {
        std::uint32_t const partition = partition_of(event.message);
        ++log_end[partition];
        schedule(now + random.uniform(kHopMin, kHopMax), kAtConsumer, partition / 2, event.message);
        break;
      }
      case kAtConsumer:
        if (serving[event.who]) {
          backlog[event.who].ids.push_back(event.message);
        } else {
          serving[event.who] = true;
          schedule(now + random.exponential(kMeanService), kServed, event.who, event.message);
        }
        break;
      case kServed: {
        std::uint64_t const id = event.message;
        ++committed;
        sum += id;
        sum_of_squares += id * id;
        if (backlog[event.who].empty()) {
          serving[event.who] = false;
        } else {
          schedule(now + random.exponential(kMeanService), kServed, event.who, backlog[event.who].take());
        }
        break;
      }
    }
  }
  double const wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  // Every id below n exactly once: the count, and both sums against their closed forms (mod 2^64;
  // computed in 128 bits, where the products of n < 2^32 cannot overflow before the division).
  __extension__ typedef unsigned __int128 Wide;
  Wide const wide_n = n;
  auto const expected_sum = static_cast<std::uint64_t>(wide_n * (wide_n - 1) / 2);
  auto const expected_squares = static_cast<std::uint64_t>((wide_n - 1) * wide_n * (2 * wide_n - 1) / 6);
  std::uint64_t appended = 0;
  for (std::uint64_t const end : log_end) appended += end;
  bool const ok = committed == n && appended == n && sum == expected_sum && sum_of_squares == expected_squares;

  std::printf("RESULT impl=brokersim_raw_limit messages=%" PRIu64 " events=%" PRIu64 " engine_events=%" PRIu64
              " sim_end_ms=%.17g wall_s=%.6f events_per_s=%.0f peak_rss_kib=%ld processed=%" PRIu64 " sum=%" PRIu64
              " sumsq=%" PRIu64 " verify=%s\n",
              n, events, events, now, wall, wall > 0 ? static_cast<double>(events) / wall : 0.0,
              brokersim::bench::peak_rss_kib(),
              committed, sum, sum_of_squares, ok ? "OK" : "FAIL");
  return ok ? 0 : 1;
}
