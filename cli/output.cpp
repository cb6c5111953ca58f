#include "cli/output.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace brokersim::cli {

namespace fs = std::filesystem;

StagedOutput::StagedOutput(std::string directory)
    : directory_(std::move(directory)), suffix_(".tmp-" + std::to_string(::getpid())) {
  std::error_code error;
  fs::create_directories(directory_, error);
  if (error || !fs::is_directory(directory_)) {
    throw std::runtime_error(directory_ + ": cannot create the output directory: " +
                             (error ? error.message() : std::string("not a directory")));
  }
}

StagedOutput::~StagedOutput() {
  for (std::string const& name : staged_) {
    std::error_code ignored;
    fs::remove(temporary_of(name), ignored);
  }
}

std::string StagedOutput::temporary_of(std::string const& name) const {
  fs::path const target = fs::path(directory_) / name;
  return (target.parent_path() / ("." + target.filename().string() + suffix_)).string();
}

void StagedOutput::write(std::string const& name, std::string const& content) {
  write(name, [&](std::ostream& out) { out.write(content.data(), static_cast<std::streamsize>(content.size())); });
}

void StagedOutput::write(std::string const& name, std::function<void(std::ostream&)> const& write_content) {
  fs::path const target = fs::path(directory_) / name;
  std::error_code ignored;  // A folder that cannot be made shows as a file that cannot be written.
  fs::create_directories(target.parent_path(), ignored);
  std::string const temporary = temporary_of(name);
  std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
  try {
    write_content(out);
  } catch (...) {
    out.close();  // A content that failed to make leaves no temporary either.
    fs::remove(temporary, ignored);
    throw;
  }
  out.close();
  if (!out) {
    int const saved = errno;
    fs::remove(temporary, ignored);
    throw std::runtime_error(target.string() + ": cannot write: " + std::strerror(saved));
  }
  std::lock_guard<std::mutex> lock(mutex_);
  staged_.push_back(name);
}

void StagedOutput::commit() {
  std::lock_guard<std::mutex> lock(mutex_);
  for (std::string const& name : staged_) {
    std::error_code error;
    fs::rename(temporary_of(name), fs::path(directory_) / name, error);
    if (error) throw std::runtime_error((fs::path(directory_) / name).string() + ": cannot write: " + error.message());
  }
  staged_.clear();
}

void write_output_files(std::string const& directory, std::vector<OutputFile> const& files) {
  StagedOutput output(directory);
  for (auto const& [name, content] : files) output.write(name, content);
  output.commit();
}

}  // namespace brokersim::cli
