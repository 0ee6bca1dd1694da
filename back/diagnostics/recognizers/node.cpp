// Node.js dying of an uncaught error, as a service crashing at start does:
// maybe "FILE:LINE", the code and a caret; then "TypeError: message" at the
// start of a line and its stack ("    at loadConfig (/app/dist/config.js:4:27)").
// The place is the first frame in the project; else the FILE:LINE above (a
// syntax error); else the first frame outside node's and the packages' own
// code; else the first module of "Require stack:".

#include <cctype>

#include "back/diagnostics/recognizers.hpp"
#include "back/diagnostics/recognizers/support.hpp"

namespace reship::back::diagnostics {
namespace {

// "TypeError: ...", "Error: ...", "Error [ERR_X]: ...", "SystemError [ERR_X]: ...",
// "json.JSONDecodeError: ..." is Python's; the stack tells them apart.
bool is_error_line(std::string_view s, std::string_view& code) {
  size_t i = 0;
  while (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '_' || s[i] == '$')) ++i;
  const std::string_view name = s.substr(0, i);
  if (!(name.ends_with("Error") || name.ends_with("Exception"))) return false;
  std::string_view rest = s.substr(i);
  if (rest.starts_with(" [")) {
    const size_t close = rest.find(']');
    if (close == std::string_view::npos) return false;
    code = rest.substr(2, close - 2);
    rest = rest.substr(close + 1);
  }
  return rest.starts_with(": ") || rest.empty();
}

class NodeRecognizer final : public HoldingRecognizer {
 public:
  void line(const OutputLine& l, DiagnosticSink& out) override {
    const std::string_view text = l.text;
    if (held_) {
      const std::string_view trimmed = trim(text);
      if (indent_of(text) >= 4 && trimmed.starts_with("at ")) {
        ++frames_;
        if (!framed_) {
          auto at = js_frame_location(trimmed);
          if (at && is_project_file(at->file, l)) {
            locate(*held_, *at);
            framed_ = true;
          } else if (at && !outside_ && !is_third_party(at->file)) {
            // A service whose code lives outside its working directory:
            // its own innermost frame still beats no place at all.
            outside_ = OwnedPlace{std::string(at->file), at->line, at->column};
          }
        }
        return;
      }
      if (trimmed == "Require stack:") return;
      if (trimmed.starts_with("- ") && frames_ == 0) {
        if (!required_) required_ = std::string(trimmed.substr(2));
        return;
      }
      finish(out);
      if (text.starts_with("Node.js v")) return;
    }
    std::string_view code;
    if (indent_of(text) == 0 && is_error_line(text, code)) {
      Diagnostic d = begin_diagnostic(l, "node");
      d.message = std::string(text);
      d.code = std::string(code);
      if (header_ && l.number - header_at_ <= 6) {
        d.file = header_->first;
        d.line = header_->second;
      }
      header_.reset();
      held_ = std::move(d);
      frames_ = 0;
      framed_ = false;
      outside_.reset();
      required_.reset();
      return;
    }
    // "/app/dist/config.js:4" above the code and caret of the error.
    if (auto at = colon_location(text); at && at->rest.empty() && at->column == 0 && indent_of(text) == 0) {
      header_ = std::make_pair(std::string(at->file), at->line);
      header_at_ = l.number;
    }
  }

  void pending(DiagnosticSink& out) const override {
    if (held_ && (frames_ > 0 || !held_->file.empty())) out.add(placed(*held_));
  }

 private:
  Diagnostic placed(Diagnostic d) const {
    // No frame in the project: the FILE:LINE header if it is the project's,
    // else the module that asked for the missing one.
    if (!framed_ && !d.file.empty() && is_third_party(d.file)) {
      d.file.clear();
      d.line = 0;
    }
    if (!framed_ && d.file.empty() && outside_) {
      d.file = outside_->file;
      d.line = outside_->line;
      d.column = outside_->column;
    }
    if (!framed_ && d.file.empty() && required_) d.file = *required_;
    return d;
  }

  void finish(DiagnosticSink& out) {
    // Without a stack or a header this was some other tool's line.
    if (held_ && (frames_ > 0 || !held_->file.empty())) out.add(placed(std::move(*held_)));
    held_.reset();
  }

  std::optional<std::pair<std::string, int>> header_;
  size_t header_at_ = 0;
  size_t frames_ = 0;
  bool framed_ = false;
  // The frame's text is gone by the time the diagnostic is placed.
  struct OwnedPlace {
    std::string file;
    int line = 0;
    int column = 0;
  };
  std::optional<OwnedPlace> outside_;
  std::optional<std::string> required_;
};

}  // namespace

std::unique_ptr<Recognizer> make_node_recognizer() { return std::make_unique<NodeRecognizer>(); }

}  // namespace reship::back::diagnostics
