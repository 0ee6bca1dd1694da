// bench-run: times commands from posix_spawn() to the end of waitpid().
//
//   bench-run [-n N] [--stdout FILE] [--cwd DIR] -- CMD [ARGS...] [';;' CMD2 [ARGS...] ...]
//
// Runs the command (or the sequence of commands separated by ';;', one after
// the other, as one sample) N times and prints the wall time of each sample
// in microseconds, one per line. stdin is /dev/null; stdout and stderr go to
// /dev/null, or stdout to FILE (truncated before each sample) with
// --stdout. Exits 1 when a command fails (saying how on stderr), after
// printing the samples so far. With CMD = true this is the physical limit of
// starting a process; with a peer's CLI it is that CLI's round trip.

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "tests/bench/bench_common.hpp"

extern char** environ;

namespace {

int run_one(const std::vector<std::string>& args, const std::string& stdout_file, const std::string& cwd) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  if (stdout_file.empty()) {
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  } else {
    posix_spawn_file_actions_addopen(&actions, 1, stdout_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  }
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 29))
  if (!cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());
#endif
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    std::fprintf(stderr, "bench-run: cannot run %s: %s\n", argv[0], std::strerror(rc));
    return -1;
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return 0;
  std::string cmd;
  for (const auto& a : args) cmd += (cmd.empty() ? "" : " ") + a;
  if (WIFEXITED(status)) {
    std::fprintf(stderr, "bench-run: %s exited with %d\n", cmd.c_str(), WEXITSTATUS(status));
  } else {
    std::fprintf(stderr, "bench-run: %s killed by signal %d\n", cmd.c_str(), WTERMSIG(status));
  }
  return -1;
}

}  // namespace

int main(int argc, char** argv) {
  int count = 1;
  std::string stdout_file;
  std::string cwd;
  int i = 1;
  for (; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "-n" && i + 1 < argc) {
      count = std::atoi(argv[++i]);
    } else if (a == "--stdout" && i + 1 < argc) {
      stdout_file = argv[++i];
    } else if (a == "--cwd" && i + 1 < argc) {
      cwd = argv[++i];
    } else if (a == "--") {
      ++i;
      break;
    } else {
      std::fprintf(stderr, "usage: bench-run [-n N] [--stdout FILE] [--cwd DIR] -- CMD [ARGS...] [';;' CMD...]\n");
      return 2;
    }
  }
  std::vector<std::vector<std::string>> commands(1);
  for (; i < argc; ++i) {
    if (std::string(argv[i]) == ";;") {
      commands.emplace_back();
    } else {
      commands.back().push_back(argv[i]);
    }
  }
  for (const auto& c : commands) {
    if (c.empty()) {
      std::fprintf(stderr, "bench-run: an empty command\n");
      return 2;
    }
  }
  for (int n = 0; n < count; ++n) {
    const int64_t t0 = bench::now_ns();
    for (const auto& c : commands) {
      if (run_one(c, stdout_file, cwd) != 0) return 1;
    }
    const int64_t t1 = bench::now_ns();
    std::printf("%.1f\n", static_cast<double>(t1 - t0) / 1000.0);
    std::fflush(stdout);
  }
  return 0;
}
