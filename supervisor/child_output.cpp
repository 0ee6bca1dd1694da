#include "supervisor/child_output.hpp"

#include <unistd.h>

namespace reship::supervisor {

ChildOutput::ChildOutput(uv_loop_t* loop, int read_fd, const std::string& name, OutputWriter& writer,
                         OutputTail& tail, uint64_t generation, std::function<void()> on_eof)
    : prefix_("[" + name + "] "), writer_(writer), tail_(tail), generation_(generation), on_eof_(std::move(on_eof)) {
  auto stream = common::uv::Stream::open_fd(loop, read_fd);
  if (!stream) return;
  stream_ = std::move(*stream);
  stream_.read_start([this](std::string_view data) { on_data(data); },
                     [this](int) {
                       if (!partial_.empty()) {
                         std::string batch;
                         emit(partial_, batch);
                         partial_.clear();
                         writer_.write(std::move(batch));
                       }
                       stream_.close();
                       auto fn = std::move(on_eof_);
                       if (fn) fn();  // may destroy this object: nothing after it
                     });
}

void ChildOutput::on_data(std::string_view data) {
  // One write per chunk read, however many lines it holds.
  std::string batch;
  while (!data.empty()) {
    const size_t nl = data.find('\n');
    if (nl == std::string_view::npos) {
      partial_.append(data);
      if (partial_.size() >= kMaxLine) {
        emit(partial_, batch);
        partial_.clear();
      }
      break;
    }
    if (partial_.empty()) {
      emit(data.substr(0, nl), batch);
    } else {
      partial_.append(data.substr(0, nl));
      emit(partial_, batch);
      partial_.clear();
    }
    data.remove_prefix(nl + 1);
  }
  writer_.write(std::move(batch));
}

void ChildOutput::emit(std::string_view line, std::string& batch) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  tail_.add(generation_, line);
  batch += prefix_;
  batch += line;
  batch += '\n';
}

}  // namespace reship::supervisor
