#include "back/http/parser.hpp"

#include <algorithm>

#include "back/http/url.hpp"

namespace reship::http {

// llhttp calls these with the parser; each forwards to the RequestParser that
// owns it. Returning -1 stops parsing with an error (llhttp reports HPE_USER
// or HPE_CB_*), after fail() recorded the answer to give.
struct ParserCallbacks {
  static RequestParser& self(llhttp_t* p) { return *static_cast<RequestParser*>(p->data); }

  static int on_message_begin(llhttp_t* p) {
    RequestParser& s = self(p);
    s.phase_ = RequestParser::Phase::headers;
    return 0;
  }

  static int on_url(llhttp_t* p, const char* at, size_t length) {
    RequestParser& s = self(p);
    if (!s.count_header_bytes(length)) return -1;
    s.request_.target_.append(at, length);
    return 0;
  }

  // Trailer fields of a chunked body arrive through the same callbacks once
  // the body has begun. They count towards the limit but are dropped: a
  // proxy in front may check headers and not trailers, so a trailer must
  // never pass for a header.
  static bool in_trailer(const RequestParser& s) { return s.phase_ == RequestParser::Phase::body; }

  static int on_header_field(llhttp_t* p, const char* at, size_t length) {
    RequestParser& s = self(p);
    if (!s.count_header_bytes(length)) return -1;
    s.name_bytes_ += length;
    if (in_trailer(s)) return 0;
    std::string& bytes = s.request_.header_bytes_;
    if (!s.in_value_ && s.field_start_ == std::string::npos) {
      if (s.request_.headers_.size() >= s.limits_.max_headers) {
        return s.fail(431, "headers_too_large",
                      "the request has more than " + std::to_string(s.limits_.max_headers) + " headers");
      }
      s.field_start_ = bytes.size();
    }
    const size_t from = bytes.size();
    bytes.append(at, length);
    for (size_t i = from; i < bytes.size(); ++i) {
      if (bytes[i] >= 'A' && bytes[i] <= 'Z') bytes[i] = static_cast<char>(bytes[i] + ('a' - 'A'));
    }
    return 0;
  }

  static int on_header_field_complete(llhttp_t* p) {
    RequestParser& s = self(p);
    // Debian's llhttp 8.1 lets ": value" through (fixed upstream later). A
    // proxy may read such a line as the end of the headers: refuse it, or
    // requests could be smuggled past it.
    if (s.name_bytes_ == 0) return s.fail(400, "bad_request", "a header has an empty name");
    if (in_trailer(s)) return s.count_header_bytes(4) ? 0 : -1;
    s.name_length_ = s.request_.header_bytes_.size() - s.field_start_;
    s.in_value_ = true;
    // ": " and the line end count towards the limit too.
    return s.count_header_bytes(4) ? 0 : -1;
  }

  static int on_header_value(llhttp_t* p, const char* at, size_t length) {
    RequestParser& s = self(p);
    if (!s.count_header_bytes(length)) return -1;
    if (in_trailer(s)) return 0;
    s.request_.header_bytes_.append(at, length);
    return 0;
  }

  static int on_header_value_complete(llhttp_t* p) {
    RequestParser& s = self(p);
    s.name_bytes_ = 0;
    if (in_trailer(s)) return 0;
    std::string& bytes = s.request_.header_bytes_;
    const size_t value_start = s.field_start_ + s.name_length_;
    size_t end = bytes.size();
    while (end > value_start && (bytes[end - 1] == ' ' || bytes[end - 1] == '\t')) --end;
    bytes.resize(end);
    s.request_.headers_.push_back({static_cast<uint32_t>(s.field_start_), static_cast<uint32_t>(s.name_length_),
                                   static_cast<uint32_t>(value_start), static_cast<uint32_t>(end - value_start)});
    s.field_start_ = std::string::npos;
    s.in_value_ = false;
    return 0;
  }

  static int on_headers_complete(llhttp_t* p) { return self(p).headers_complete(); }

  static int on_body(llhttp_t* p, const char* at, size_t length) {
    RequestParser& s = self(p);
    s.expects_continue_ = false;
    if (s.request_.body_.size() + length > s.limits_.max_body_bytes) {
      return s.fail(413, "body_too_large",
                    "the request body is larger than " + std::to_string(s.limits_.max_body_bytes) + " bytes");
    }
    s.request_.body_.append(at, length);
    return 0;
  }

  static int on_message_complete(llhttp_t* p) {
    RequestParser& s = self(p);
    s.complete_ = true;
    s.expects_continue_ = false;
    // Stop here: the caller answers this request before parsing the next
    // (pipelined) one, and resumes with llhttp_resume().
    return HPE_PAUSED;
  }

  static const llhttp_settings_t& settings() {
    static const llhttp_settings_t instance = [] {
      llhttp_settings_t s;
      llhttp_settings_init(&s);
      s.on_message_begin = on_message_begin;
      s.on_url = on_url;
      s.on_header_field = on_header_field;
      s.on_header_field_complete = on_header_field_complete;
      s.on_header_value = on_header_value;
      s.on_header_value_complete = on_header_value_complete;
      s.on_headers_complete = on_headers_complete;
      s.on_body = on_body;
      s.on_message_complete = on_message_complete;
      return s;
    }();
    return instance;
  }
};

RequestParser::RequestParser(const ParserLimits& limits) : limits_(limits) {
  llhttp_init(&parser_, HTTP_REQUEST, &ParserCallbacks::settings());
  parser_.data = this;
  field_start_ = std::string::npos;
}

int RequestParser::fail(int status, std::string_view code, std::string message) {
  error_.status = status;
  error_.code = code;
  error_.message = std::move(message);
  return -1;
}

bool RequestParser::count_header_bytes(size_t n) {
  header_bytes_ += n;
  if (header_bytes_ <= limits_.max_header_bytes) return true;
  fail(431, "headers_too_large",
       "the request headers are larger than " + std::to_string(limits_.max_header_bytes) + " bytes");
  return false;
}

int RequestParser::headers_complete() {
  phase_ = Phase::body;
  Request& r = request_;
  r.http_major_ = parser_.http_major;
  r.http_minor_ = parser_.http_minor;
  if (r.http_major_ != 1) {
    return fail(505, "http_version_not_supported", "only HTTP/1.0 and HTTP/1.1 are supported");
  }
  r.method_ = llhttp_method_name(static_cast<llhttp_method_t>(parser_.method));
  r.keep_alive_ = llhttp_should_keep_alive(&parser_) != 0;
  r.upgrade_ = parser_.upgrade != 0;

  TargetParts parts;
  if (!split_target(r.target_, parts)) return fail(400, "bad_request", "the request target is not a path");
  if (!percent_decode(parts.path, r.path_, false)) {
    return fail(400, "bad_request", "the request path has a malformed percent-escape");
  }
  r.query_string_ = parts.query;
  bool query_ok = true;
  for_each_query_pair(parts.query, [&](std::string_view name, std::string_view value) {
    if (!query_ok) return;
    const size_t name_offset = r.query_bytes_.size();
    query_ok = percent_decode(name, r.query_bytes_, true);
    const size_t value_offset = r.query_bytes_.size();
    query_ok = query_ok && percent_decode(value, r.query_bytes_, true);
    r.query_.push_back({static_cast<uint32_t>(name_offset), static_cast<uint32_t>(value_offset - name_offset),
                        static_cast<uint32_t>(value_offset),
                        static_cast<uint32_t>(r.query_bytes_.size() - value_offset)});
  });
  if (!query_ok) return fail(400, "bad_request", "the query string has a malformed percent-escape");

  if ((parser_.flags & F_CONTENT_LENGTH) != 0 && parser_.content_length > limits_.max_body_bytes) {
    return fail(413, "body_too_large",
                "the request body is larger than " + std::to_string(limits_.max_body_bytes) + " bytes");
  }
  if (const auto expect = r.header("expect")) {
    if (!equals_ignore_case(*expect, "100-continue")) {
      return fail(417, "expectation_failed", "only \"Expect: 100-continue\" is supported");
    }
    const bool has_body = (parser_.flags & F_CHUNKED) != 0 || parser_.content_length > 0;
    expects_continue_ = has_body && r.http_minor_ >= 1;
  }
  return 0;
}

RequestParser::FeedResult RequestParser::feed(std::string_view data) {
  if (data.empty()) return {0, Status::need_more};
  const llhttp_errno_t err = llhttp_execute(&parser_, data.data(), data.size());
  if (err == HPE_OK) {
    if (phase_ == Phase::headers) {
      // Bytes llhttp skips without a callback (whitespace runs) count too,
      // with slack, so that no request line or header block grows unbounded.
      raw_header_bytes_ += data.size();
      if (raw_header_bytes_ > 2 * limits_.max_header_bytes + 1024) {
        fail(431, "headers_too_large",
             "the request headers are larger than " + std::to_string(limits_.max_header_bytes) + " bytes");
        return {data.size(), Status::error};
      }
    }
    return {data.size(), Status::need_more};
  }
  if (err == HPE_PAUSED && complete_) {
    const char* pos = llhttp_get_error_pos(&parser_);
    const size_t consumed = pos == nullptr ? data.size() : static_cast<size_t>(pos - data.data());
    return {std::min(consumed, data.size()), Status::request};
  }
  if (error_.status == 0) {
    const char* reason = llhttp_get_error_reason(&parser_);
    fail(400, "bad_request", std::string("malformed HTTP request: ") + (reason ? reason : llhttp_errno_name(err)));
  }
  return {data.size(), Status::error};
}

void RequestParser::next() {
  request_.reset();
  phase_ = Phase::idle;
  header_bytes_ = 0;
  raw_header_bytes_ = 0;
  field_start_ = std::string::npos;
  name_length_ = 0;
  in_value_ = false;
  expects_continue_ = false;
  if (complete_) {
    complete_ = false;
    llhttp_resume(&parser_);
  }
}

ParseSummary parse_requests(std::string_view bytes, const ParserLimits& limits, size_t chunk,
                            const std::function<void(const Request&)>& on_request) {
  ParseSummary summary;
  RequestParser parser(limits);
  if (chunk == 0) chunk = bytes.size();
  while (!bytes.empty()) {
    std::string_view piece = bytes.substr(0, chunk);
    bytes.remove_prefix(piece.size());
    while (!piece.empty()) {
      const auto r = parser.feed(piece);
      piece.remove_prefix(r.consumed);
      if (r.status == RequestParser::Status::error) {
        summary.error = parser.error();
        return summary;
      }
      if (r.status == RequestParser::Status::need_more) break;
      ++summary.requests;
      if (on_request) on_request(parser.request());
      if (parser.request().is_upgrade()) {
        summary.upgraded = true;
        return summary;
      }
      if (!parser.request().keep_alive()) return summary;
      parser.next();
    }
  }
  return summary;
}

}  // namespace reship::http
