// Shells and the commands a build script runs: bash's "./build.sh: line 4:
// sasss: command not found" (and its other errors: syntax errors, unbound
// variables, "Killed" children), dash's "./deploy.sh: 3: envsubstt: not
// found", and the failure a `set -e` script stops at, such as "cp: cannot
// stat 'assets/logo.svg': No such file or directory".

#include "back/diagnostics/recognizers.hpp"
#include "back/diagnostics/recognizers/support.hpp"

namespace reship::back::diagnostics {
namespace {

bool is_shell(std::string_view program) {
  if (const size_t slash = program.rfind('/'); slash != std::string_view::npos) program.remove_prefix(slash + 1);
  return program == "sh" || program == "bash" || program == "dash" || program == "zsh" || program == "ksh";
}

bool is_script(std::string_view name) {
  return name.ends_with(".sh") || name.ends_with(".bash") || (contains(name, "/") && !is_shell(name));
}

// "PID Killed    CMD", "PID Segmentation fault (core dumped) CMD": bash's
// word on a child that died of a signal.
std::optional<std::string> job_status(std::string_view rest) {
  const size_t n = digit_run(rest);
  if (n == 0 || n >= rest.size() || rest[n] != ' ') return std::nullopt;
  const std::string_view status = trim(rest.substr(n));
  for (const std::string_view word : {"Killed", "Segmentation fault", "Aborted", "Bus error", "Terminated",
                                      "Illegal instruction", "Floating point exception"}) {
    if (!status.starts_with(word)) continue;
    std::string_view command = trim(status.substr(word.size()));
    if (command.starts_with("(core dumped)")) command = trim(command.substr(13));
    std::string out = std::string(command.empty() ? "a command" : command) + ": " + std::string(word);
    if (word == "Killed") out += " (SIGKILL: out of memory?)";
    return out;
  }
  return std::nullopt;
}

bool is_file_command(std::string_view command) {
  for (const std::string_view name : {"cp", "mv", "rm", "mkdir", "rmdir", "ln", "cat", "chmod", "chown", "touch",
                                      "tar", "cd", "ls", "install", "rsync", "sed", "find", "unzip", "gzip", "curl",
                                      "wget", "envsubst", "source", "."}) {
    if (command == name) return true;
  }
  return false;
}

bool says_failure(std::string_view s) {
  for (const std::string_view words : {"No such file or directory", "Permission denied", "cannot ", "Not a directory",
                                       "File exists", "Is a directory", "Could not resolve host", "returned error",
                                       "Failed to connect", "not found"}) {
    if (contains(s, words)) return true;
  }
  return false;
}

class ShellRecognizer final : public Recognizer {
 public:
  void line(const OutputLine& l, DiagnosticSink& out) override {
    const std::string_view text = l.text;
    const size_t colon = text.find(": ");
    if (colon == std::string_view::npos || colon == 0 || colon > 512) return;
    const std::string_view program = text.substr(0, colon);
    if (program.find(' ') != std::string_view::npos) return;
    std::string_view rest = text.substr(colon + 2);

    // bash: "X: line N: message"; dash: "X: N: message".
    int line = 0;
    if (rest.starts_with("line ")) {
      const size_t n = digit_run(rest.substr(5));
      if (n > 0 && rest.substr(5 + n).starts_with(": ")) {
        line = to_int(rest.substr(5, n)).value_or(0);
        rest = rest.substr(7 + n);
      }
    } else if (const size_t n = digit_run(rest); n > 0 && rest.substr(n).starts_with(": ")) {
      line = to_int(rest.substr(0, n)).value_or(0);
      rest = rest.substr(n + 2);
    }
    if (line > 0 && (is_shell(program) || is_script(program) || rest.ends_with("command not found") ||
                     rest.ends_with(": not found"))) {
      Diagnostic d = begin_diagnostic(l, "sh");
      if (is_script(program)) {
        d.file = std::string(program);
        d.line = line;
      }
      if (auto died = job_status(rest)) {
        d.message = *died;
      } else {
        d.message = std::string(rest);
      }
      out.add(std::move(d));
      return;
    }
    if (line == 0 && is_file_command(program) && says_failure(rest)) {
      Diagnostic d = begin_diagnostic(l, program);
      d.message = std::string(text);
      out.add(std::move(d));
    }
  }
};

}  // namespace

std::unique_ptr<Recognizer> make_shell_recognizer() { return std::make_unique<ShellRecognizer>(); }

}  // namespace reship::back::diagnostics
