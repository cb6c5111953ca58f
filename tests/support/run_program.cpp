#include "support/run_program.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace brokersim::testing {

ProgramResult run_brokersim(std::vector<std::string> const& arguments) {
  // Output goes to temporary files rather than pipes so that a chatty child never blocks on a full pipe.
  std::string const dir = make_temp_dir("run");
  std::string const out_path = dir + "/stdout";
  std::string const err_path = dir + "/stderr";
  pid_t const pid = ::fork();
  if (pid == 0) {
    int const out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int const err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int const in = ::open("/dev/null", O_RDONLY);
    ::dup2(out, 1);
    ::dup2(err, 2);
    ::dup2(in, 0);
    std::vector<char*> argv;
    std::string program = BROKERSIM_PROGRAM;
    argv.push_back(program.data());
    std::vector<std::string> copies = arguments;
    for (auto& argument : copies) argv.push_back(argument.data());
    argv.push_back(nullptr);
    ::execv(program.c_str(), argv.data());
    ::_exit(127);
  }
  ProgramResult result;
  int status = 0;
  ::waitpid(pid, &status, 0);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.out = read_file(out_path);
  result.err = read_file(err_path);
  std::filesystem::remove_all(dir);
  return result;
}

std::string source_path(std::string const& relative) { return std::string(BROKERSIM_SOURCE_DIR) + "/" + relative; }

std::string make_temp_dir(std::string const& label) {
  std::string pattern = (std::filesystem::temp_directory_path() / ("brokersim-test-" + label + "-XXXXXX")).string();
  char* made = ::mkdtemp(pattern.data());
  return made ? std::string(made) : std::string();
}

std::string read_file(std::string const& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace brokersim::testing
