// Peak resident memory of this process, as /proc/self/status reports it (VmHWM): what the benchmarks
// measure memory by, the same figure as `/usr/bin/time -v`'s "Maximum resident set size".
#pragma once

#include <fstream>
#include <string>

namespace brokersim::bench {

// KiB, or -1 where /proc is not mounted.
inline long peak_rss_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

}  // namespace brokersim::bench
