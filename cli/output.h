// Writing a command's output files all or nothing: a failed run never leaves half-written reports.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace brokersim::cli {

// A file name (within the output directory) and its full content.
using OutputFile = std::pair<std::string, std::string>;

// Creates `directory` (and its parents) if needed, writes every file under a temporary name, and only
// when all were written renames them into place. On failure removes what it wrote and throws
// std::runtime_error with the path and the system's reason.
void write_output_files(std::string const& directory, std::vector<OutputFile> const& files);

}  // namespace brokersim::cli
