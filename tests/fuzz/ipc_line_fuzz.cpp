// Fuzz target: the supervisor's JSONL control protocol (ipc/).
//
// The input is a connection's byte stream. It goes through LineFramer all at
// once and in pieces of varying size, and each line through decode_request
// and decode_reply. Invariants:
// - framing in pieces gives exactly the lines and the status of framing all
//   at once, with the protocol's cap and with a small one;
// - a line is non-empty, has no '\n' and is at most the cap;
// - a refused request names a known error code and says why;
// - a decoded request, encoded again, decodes to the same request;
// - a decoded reply, encoded again, is one JSON line that decodes to the
//   same kind of reply, and encoding that gives the same line (a fixed point).

#include <string>
#include <string_view>
#include <vector>

#include "fuzz_support.hpp"
#include "ipc/line_framer.hpp"
#include "ipc/messages.hpp"

namespace {

using reship::fuzz::Chunker;
namespace ipc = reship::ipc;

struct Framed {
  std::vector<std::string> lines;
  ipc::LineFramer::Status status = ipc::LineFramer::Status::ok;
};

Framed frame_whole(std::string_view bytes, size_t cap) {
  Framed out;
  ipc::LineFramer framer(cap);
  out.status = framer.feed(bytes, [&](std::string_view line) {
    out.lines.emplace_back(line);
    return true;
  });
  return out;
}

Framed frame_in_pieces(std::string_view bytes, size_t cap, Chunker& chunker) {
  Framed out;
  ipc::LineFramer framer(cap);
  chunker.split(bytes, [&](std::string_view piece) {
    out.status = framer.feed(piece, [&](std::string_view line) {
      out.lines.emplace_back(line);
      return true;
    });
    FUZZ_CHECK(framer.pending() <= cap);
    return out.status == ipc::LineFramer::Status::ok;  // the caller closes after too_long
  });
  return out;
}

void check_framing(std::string_view bytes, size_t cap, Chunker& chunker) {
  const Framed whole = frame_whole(bytes, cap);
  const Framed pieces = frame_in_pieces(bytes, cap, chunker);
  FUZZ_CHECK(whole.status == pieces.status);
  FUZZ_CHECK(whole.lines == pieces.lines);
  for (const auto& line : whole.lines) {
    FUZZ_CHECK(!line.empty());
    FUZZ_CHECK(line.size() <= cap);
    FUZZ_CHECK(line.find('\n') == std::string::npos);
  }
}

bool is_known_code(std::string_view code) {
  for (const char* known : {ipc::code::bad_json, ipc::code::bad_request, ipc::code::unknown_op,
                            ipc::code::unknown_scope, ipc::code::unknown_service, ipc::code::line_too_long,
                            ipc::code::shutting_down, ipc::code::forbidden}) {
    if (code == known) return true;
  }
  return false;
}

// One JSON line: '\n' at the end and nowhere else (JSON escapes newlines).
void check_one_line(const std::string& line) {
  FUZZ_CHECK(!line.empty() && line.back() == '\n');
  FUZZ_CHECK(line.find('\n') == line.size() - 1);
}

std::string encode_request(const ipc::Request& r) {
  switch (r.op) {
    case ipc::Op::hello: return ipc::encode_hello_request(*r.id, r.client);
    case ipc::Op::status: return ipc::encode_status_request(*r.id);
    case ipc::Op::restart:
      return r.scope ? ipc::encode_restart_scope_request(*r.id, *r.scope) : ipc::encode_restart_request(*r.id, r.services);
    case ipc::Op::start:
    case ipc::Op::stop: return ipc::encode_start_stop_request(*r.id, r.op, r.services);
    case ipc::Op::subscribe: return ipc::encode_subscribe_request(*r.id);
    case ipc::Op::reload: return ipc::encode_reload_request(*r.id, r.defer_restarts);
  }
  reship::fuzz::fail("unknown op", __FILE__, __LINE__);
}

void check_request(simdjson::dom::parser& parser, std::string_view line) {
  const auto decoded = ipc::decode_request(parser, line);
  if (const auto* error = std::get_if<ipc::RequestError>(&decoded)) {
    FUZZ_CHECK(is_known_code(error->code));
    FUZZ_CHECK(!error->message.empty());
    return;
  }
  const auto& request = std::get<ipc::Request>(decoded);
  FUZZ_CHECK(request.id.has_value() && !request.id->empty());
  const std::string encoded = encode_request(request);
  check_one_line(encoded);

  const auto again = ipc::decode_request(parser, encoded);
  const auto* second = std::get_if<ipc::Request>(&again);
  FUZZ_CHECK(second != nullptr);
  FUZZ_CHECK(second->id == request.id);
  FUZZ_CHECK(second->op == request.op);
  switch (request.op) {
    case ipc::Op::hello: FUZZ_CHECK(second->client == request.client); break;
    case ipc::Op::restart:
      FUZZ_CHECK(second->scope == request.scope);
      FUZZ_CHECK(second->services == request.services);
      break;
    case ipc::Op::start:
    case ipc::Op::stop: FUZZ_CHECK(second->services == request.services); break;
    case ipc::Op::reload: FUZZ_CHECK(second->defer_restarts == request.defer_restarts); break;
    case ipc::Op::status:
    case ipc::Op::subscribe: break;
  }
}

void check_reply(simdjson::dom::parser& parser, std::string_view line) {
  const auto reply = ipc::decode_reply(parser, line);
  if (!reply) return;
  const std::string encoded = ipc::encode_reply(reply->id, reply->body);
  check_one_line(encoded);

  const auto again = ipc::decode_reply(parser, encoded);
  FUZZ_CHECK(again.has_value());
  FUZZ_CHECK(again->body.index() == reply->body.index());
  FUZZ_CHECK(again->id == reply->id);
  FUZZ_CHECK(again->is_final() == reply->is_final());
  FUZZ_CHECK(ipc::encode_reply(again->id, again->body) == encoded);

  if (const auto* status = reply->as<ipc::StatusReply>()) {
    const std::string json = ipc::encode_status_json(*status);
    FUZZ_CHECK(json.find('\n') == std::string::npos);
    simdjson::dom::element element;
    FUZZ_CHECK(!parser.parse(json).get(element));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes = reship::fuzz::as_text(data, size);
  Chunker chunker(bytes);

  // A small cap too, so that line_too_long is reached within libFuzzer's
  // input sizes.
  check_framing(bytes, ipc::kMaxLineBytes, chunker);
  check_framing(bytes, 1 + static_cast<size_t>(chunker.random() % 96), chunker);

  static simdjson::dom::parser parser;
  for (const auto& line : frame_whole(bytes, ipc::kMaxLineBytes).lines) {
    check_request(parser, line);
    check_reply(parser, line);
  }
  return 0;
}
