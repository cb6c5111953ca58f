#include "cli/output.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace brokersim::cli {

namespace fs = std::filesystem;

namespace {

void remove_quietly(std::vector<fs::path> const& paths) {
  for (fs::path const& path : paths) {
    std::error_code ignored;
    fs::remove(path, ignored);
  }
}

}  // namespace

void write_output_files(std::string const& directory, std::vector<OutputFile> const& files) {
  std::error_code error;
  fs::create_directories(directory, error);
  if (error || !fs::is_directory(directory)) {
    throw std::runtime_error(directory + ": cannot create the output directory: " +
                             (error ? error.message() : std::string("not a directory")));
  }
  std::string const suffix = ".tmp-" + std::to_string(::getpid());
  std::vector<fs::path> written;
  for (auto const& [name, content] : files) {
    fs::path const target = fs::path(directory) / name;  // `name` may hold subfolders (batch: runs/...).
    fs::create_directories(target.parent_path(), error);
    fs::path const temporary = target.parent_path() / ("." + target.filename().string() + suffix);
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (out) written.push_back(temporary);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    out.close();
    if (!out) {
      int const saved = errno;
      remove_quietly(written);
      throw std::runtime_error((fs::path(directory) / name).string() + ": cannot write: " + std::strerror(saved));
    }
  }
  for (std::size_t i = 0; i < files.size(); ++i) {
    fs::rename(written[i], fs::path(directory) / files[i].first, error);
    if (error) {
      remove_quietly(written);
      throw std::runtime_error((fs::path(directory) / files[i].first).string() + ": cannot write: " + error.message());
    }
  }
}

}  // namespace brokersim::cli
