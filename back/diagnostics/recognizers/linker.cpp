// Linkers: GNU ld's "main.c:6: undefined reference to `f'" (after
// "/usr/bin/ld: main.o: in function `main':"), lld's "ld.lld: error:
// undefined symbol: f" with ">>> referenced by main.c:6 (/app/main.c:6)",
// and the drivers' follow-ons ("collect2: error: ld returned 1 exit status",
// "clang: error: linker command failed").

#include "back/diagnostics/recognizers.hpp"
#include "back/diagnostics/recognizers/support.hpp"

namespace reship::back::diagnostics {
namespace {

// "/usr/bin/ld: ", "ld: ", "/usr/bin/ld.gold: ", "mold: ": the linker's
// own prefix, as long as it is.
size_t linker_prefix(std::string_view s) {
  const size_t colon = s.find(": ");
  if (colon == std::string_view::npos || colon > 200) return 0;
  std::string_view program = s.substr(0, colon);
  if (const size_t slash = program.rfind('/'); slash != std::string_view::npos) program.remove_prefix(slash + 1);
  if (program == "ld" || program.starts_with("ld.") || program == "mold" || program == "gold") return colon + 2;
  return 0;
}

class LinkerRecognizer final : public HoldingRecognizer {
 public:
  void line(const OutputLine& l, DiagnosticSink& out) override {
    std::string_view text = l.text;
    if (text.starts_with(">>> ")) {
      // lld's detail lines: the first "referenced by"/"defined at" places it.
      if (held_ && held_->file.empty()) place_from_detail(trim(text.substr(4)));
      return;
    }
    flush(out);
    if (text.starts_with("collect2: error: ") || (contains(text, ": error: linker command failed"))) {
      Diagnostic d = begin_diagnostic(l, "ld");
      d.message = std::string(text.substr(text.find("error: ") + 7));
      d.follow_on = true;
      out.add(std::move(d));
      return;
    }
    const size_t prefix = linker_prefix(text);
    const std::string_view program = text.substr(0, prefix > 2 ? prefix - 2 : 0);
    const std::string tool = contains(program, "lld") ? "lld" : contains(program, "mold") ? "mold" : "ld";
    std::string_view rest = text.substr(prefix);
    if (prefix > 0 && rest.ends_with(":") && contains(rest, ": in function ")) {
      function_ = std::string(rest.substr(rest.find(": in function ") + 14));
      function_.pop_back();
      return;
    }
    if (prefix > 0 && rest.starts_with("error: ")) {
      // lld, mold: the location follows on ">>> " lines.
      Diagnostic d = begin_diagnostic(l, tool);
      d.message = std::string(rest.substr(7));
      held_ = std::move(d);
      return;
    }
    for (const std::string_view what : {"undefined reference to ", "multiple definition of "}) {
      const size_t at = rest.find(what);
      if (at == std::string_view::npos) continue;
      Diagnostic d = begin_diagnostic(l, tool);
      d.message = std::string(rest.substr(at));
      if (!function_.empty()) d.message += " (in function " + function_ + ")";
      // "main.c:6: ..." with debug information, "main.o:(.text+0x9): ..." without.
      if (auto where = colon_location(rest.substr(0, at))) {
        locate(d, *where);
      } else if (const size_t colon = rest.find(':'); colon != std::string_view::npos && colon < at) {
        const std::string_view file = rest.substr(0, colon);
        if (!file.ends_with(".o") && !file.ends_with(".a") && looks_like_path(file)) d.file = std::string(file);
      }
      out.add(std::move(d));
      return;
    }
    if (prefix > 0 && (rest.starts_with("cannot find ") || rest.starts_with("error: "))) {
      Diagnostic d = begin_diagnostic(l, tool);
      d.message = std::string(rest);
      out.add(std::move(d));
    }
  }

 private:
  void place_from_detail(std::string_view detail) {
    for (const std::string_view lead : {"referenced by ", "defined at "}) {
      if (!detail.starts_with(lead)) continue;
      detail.remove_prefix(lead.size());
      // "main.c:6 (/app/main.c:6)": the full path in parentheses, when given.
      std::string_view where = detail;
      const size_t open = detail.find(" (");
      if (open != std::string_view::npos && detail.ends_with(")")) {
        where = detail.substr(open + 2, detail.size() - open - 3);
      }
      if (auto at = colon_location(where)) {
        locate(*held_, *at);
      } else if (auto short_at = colon_location(detail.substr(0, open))) {
        locate(*held_, *short_at);
      }
      return;
    }
  }

  std::string function_;
};

}  // namespace

std::unique_ptr<Recognizer> make_linker_recognizer() { return std::make_unique<LinkerRecognizer>(); }

}  // namespace reship::back::diagnostics
