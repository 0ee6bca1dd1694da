// A Python traceback, as a script, a service crashing at start or a test
// prints it: the exception, placed at the innermost frame in the project
// (not the standard library's, not site-packages').

#include "back/diagnostics/recognizers.hpp"
#include "back/diagnostics/recognizers/python_frames.hpp"

namespace reship::back::diagnostics {
namespace {

class PythonTracebackRecognizer final : public Recognizer {
 public:
  void line(const OutputLine& l, DiagnosticSink& out) override {
    if (!reader_.line(l)) return;
    if (auto d = reader_.finished("python")) out.add(std::move(*d));
  }

  void pending(DiagnosticSink& out) const override {
    if (auto d = reader_.so_far("python")) out.add(std::move(*d));
  }

 private:
  TracebackReader reader_;
};

}  // namespace

std::unique_ptr<Recognizer> make_python_traceback_recognizer() {
  return std::make_unique<PythonTracebackRecognizer>();
}

}  // namespace reship::back::diagnostics
