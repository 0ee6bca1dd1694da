// pnpm, npm and yarn say which script of which workspace package failed,
// after the tool that failed has said why: those lines are follow-ons
// (ELIFECYCLE, ERR_PNPM_RECURSIVE_RUN_FIRST_FAIL, "npm error Lifecycle
// script", yarn's "error Command failed"), never the cause. Their own
// errors (a missing script, an outdated lockfile, a package not found) are
// causes.

#include "back/diagnostics/recognizers.hpp"
#include "back/diagnostics/recognizers/support.hpp"

namespace reship::back::diagnostics {
namespace {

class PackageManagerRecognizer final : public HoldingRecognizer {
 public:
  void line(const OutputLine& l, DiagnosticSink& out) override {
    const std::string_view text = trim(l.text);
    if (npm_line(l, text, out)) return;
    if (held_ && held_->tool == "pnpm" && text.starts_with("Exit status ")) {
      held_->message += " (exit status " + std::string(text.substr(12)) + ")";
      flush(out);
      return;
    }
    flush(out);
    if (const size_t at = text.find("ELIFECYCLE"); at != std::string_view::npos && at < 8) {
      Diagnostic d = begin_diagnostic(l, "pnpm");
      d.follow_on = true;
      d.message = std::string(trim(text.substr(at + 10)));
      out.add(std::move(d));
      return;
    }
    if (const size_t at = text.find("ERR_PNPM_"); at != std::string_view::npos && at < 8) {
      // " ERR_PNPM_RECURSIVE_RUN_FIRST_FAIL  @shop/web@1.0.0 build: `tsc`"
      const std::string_view rest = text.substr(at);
      size_t end = 0;
      while (end < rest.size() && ((rest[end] >= 'A' && rest[end] <= 'Z') || rest[end] == '_')) ++end;
      Diagnostic d = begin_diagnostic(l, "pnpm");
      d.code = std::string(rest.substr(0, end));
      d.message = end == rest.size() ? d.code : std::string(trim(rest.substr(end)));
      d.follow_on = d.code.starts_with("ERR_PNPM_RECURSIVE");
      if (d.follow_on) d.message += " failed";
      held_ = std::move(d);
      return;
    }
    if (text.starts_with("error Command failed")) {
      Diagnostic d = begin_diagnostic(l, "yarn");
      d.follow_on = true;
      d.message = std::string(text.substr(6));
      out.add(std::move(d));
      return;
    }
    if (text.starts_with("error ") && !text.starts_with("error TS") && yarn_seen_) {
      Diagnostic d = begin_diagnostic(l, "yarn");
      d.message = std::string(text.substr(6));
      out.add(std::move(d));
      return;
    }
    if (text.starts_with("yarn run v") || text.starts_with("yarn install v")) yarn_seen_ = true;
  }

  void pending(DiagnosticSink& out) const override {
    HoldingRecognizer::pending(out);
    if (npm_) out.add(npm_diagnostic());
  }

 private:
  // npm 7+ ("npm error ...", "npm ERR! ..."): a block of lines, read whole.
  bool npm_line(const OutputLine& l, std::string_view text, DiagnosticSink& out) {
    std::string_view rest;
    if (text.starts_with("npm error")) {
      rest = trim(text.substr(9));
    } else if (text.starts_with("npm ERR!")) {
      rest = trim(text.substr(8));
    } else {
      if (npm_) {
        out.add(npm_diagnostic());
        npm_.reset();
      }
      return false;
    }
    if (!npm_) {
      npm_ = begin_diagnostic(l, "npm");
      script_failed_ = false;
      exit_code_.clear();
      command_.clear();
      workspace_.clear();
    }
    if (rest.starts_with("Lifecycle script ")) {
      script_failed_ = true;
      const std::string_view name = rest.substr(17);
      script_ = std::string(name.substr(0, name.find(" failed")));
    } else if (rest.starts_with("code ")) {
      const std::string_view code = rest.substr(5);
      if (digit_run(code) == code.size()) {
        exit_code_ = std::string(code);
      } else {
        npm_->code = std::string(code);
      }
    } else if (rest.starts_with("workspace ")) {
      workspace_ = std::string(rest.substr(10));
    } else if (rest.starts_with("command ") && !rest.starts_with("command failed")) {
      command_ = std::string(rest.substr(8));
    } else if (npm_->message.empty() && !rest.empty() && !rest.starts_with("path ") &&
               !rest.starts_with("location ") && !rest.starts_with("errno ") && !rest.starts_with("syscall ") &&
               !rest.starts_with("A complete log") && !rest.starts_with("command failed") &&
               !rest.starts_with("signal ") && !rest.starts_with("/")) {
      npm_->message = std::string(rest);
    }
    return true;
  }

  Diagnostic npm_diagnostic() const {
    Diagnostic d = *npm_;
    if (script_failed_ || !exit_code_.empty()) {
      d.follow_on = true;
      d.message = (workspace_.empty() ? "" : workspace_ + ": ") + "script " + script_ + " failed" +
                  (command_.empty() ? "" : ": " + command_) + (exit_code_.empty() ? "" : " (exit code " + exit_code_ + ")");
    }
    if (d.message.empty()) d.message = d.code.empty() ? "npm failed" : d.code;
    return d;
  }

  std::optional<Diagnostic> npm_;
  bool script_failed_ = false;
  std::string script_;
  std::string exit_code_;
  std::string command_;
  std::string workspace_;
  bool yarn_seen_ = false;
};

}  // namespace

std::unique_ptr<Recognizer> make_package_manager_recognizer() {
  return std::make_unique<PackageManagerRecognizer>();
}

}  // namespace reship::back::diagnostics
