// Writing a command's output files all or nothing: a failed run never leaves half-written reports.
#pragma once

#include <functional>
#include <mutex>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace brokersim::cli {

// A file name (within the output directory) and its full content.
using OutputFile = std::pair<std::string, std::string>;

// Output files written one by one as they are ready (so their contents need not all be held at once),
// each under a temporary name beside its final one; commit() renames them all into place. Until then no
// file is under its final name, and files not committed are removed when the StagedOutput goes. write()
// may be called from several threads at once. Failures throw std::runtime_error with the path and the
// system's reason.
class StagedOutput {
 public:
  // Creates `directory` (and its parents) if needed.
  explicit StagedOutput(std::string directory);
  ~StagedOutput();
  StagedOutput(StagedOutput const&) = delete;
  StagedOutput& operator=(StagedOutput const&) = delete;

  // `name` may hold subfolders (batch: runs/...).
  void write(std::string const& name, std::string const& content);
  // The content as `write_content` streams it, never whole in memory.
  void write(std::string const& name, std::function<void(std::ostream&)> const& write_content);
  void commit();

 private:
  std::string temporary_of(std::string const& name) const;

  std::string directory_;
  std::string suffix_;
  std::mutex mutex_;
  std::vector<std::string> staged_;  // Names written under their temporary names, in the order written.
};

// Creates `directory` (and its parents) if needed, writes every file under a temporary name, and only
// when all were written renames them into place. On failure removes what it wrote and throws
// std::runtime_error with the path and the system's reason.
void write_output_files(std::string const& directory, std::vector<OutputFile> const& files);

}  // namespace brokersim::cli
