#include "back/engine/deploy_log.hpp"

#include "common/text/escape.hpp"
#include "common/time.hpp"

namespace reship::back {

void DeployLog::begin_read(LogStream stream, int64_t at_ms) {
  writer_->begin(stream, at_ms);
  run_ = LogRun{deploy_id_, stream_name(stream), at_ms, writer_->bytes(), 0, 0};
}

void DeployLog::line(std::string_view text) {
  writer_->add(text);
  ++run_.lines;
}

void DeployLog::end_read() {
  writer_->end();
  // Lines the log could not take (a full disk) are not announced either.
  if (writer_->error()) return;
  run_.bytes = static_cast<uint64_t>(writer_->bytes() - run_.offset);
  events_.log(std::move(run_));
}

void DeployLog::note(const std::string& text) {
  begin_read(LogStream::reship, common::unix_ms());
  // One line, whatever a request field in it held.
  line("[reship] " + common::escape_controls(text));
  end_read();
}

}  // namespace reship::back
