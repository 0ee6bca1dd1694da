// Fuzz target: the HTTP/1.x request parser (back/http/parser.hpp) and the URL
// helpers (back/http/url.hpp).
//
// The input is one connection's bytes, parsed with small limits all at once
// and in pieces. Invariants:
// - pieces of any size give the same requests and the same refusal as all at
//   once (except a 431 from the raw header-byte count, which by design
//   depends on how the bytes arrive);
// - each request keeps its limits: at most max_headers headers, a body of at
//   most max_body_bytes, a target within max_header_bytes, HTTP/1.x;
// - header names are lower-case, values carry no trailing blanks, header()
//   and query() find the first field of that name;
// - the path starts with '/'; a WebSocket upgrade is a GET upgrade;
// - a refusal has a status the server answers with and a printable message;
// - percent_decode undoes percent-encoding; split_target gives a path that
//   starts with '/'; query pairs never contain '&'.

#include <string>
#include <string_view>
#include <vector>

#include "back/http/parser.hpp"
#include "back/http/request.hpp"
#include "back/http/url.hpp"
#include "fuzz_support.hpp"

namespace {

using reship::fuzz::Chunker;
namespace http = reship::http;

struct Seen {
  std::string method, target, path, body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::vector<std::pair<std::string, std::string>> query;
  bool keep_alive = false;
  bool upgrade = false;

  bool operator==(const Seen&) const = default;
};

bool is_blank(char c) { return c == ' ' || c == '\t'; }

void check_request(const http::Request& r, const http::ParserLimits& limits) {
  FUZZ_CHECK(!r.method().empty());
  FUZZ_CHECK(r.http_major() == 1);
  FUZZ_CHECK(r.target().size() <= limits.max_header_bytes);
  FUZZ_CHECK(!r.path().empty() && r.path().front() == '/');
  FUZZ_CHECK(r.header_count() <= limits.max_headers);
  FUZZ_CHECK(r.body().size() <= limits.max_body_bytes);
  FUZZ_CHECK(!r.is_websocket_upgrade() || (r.is_upgrade() && r.method() == "GET"));

  for (size_t i = 0; i < r.header_count(); ++i) {
    const http::Field f = r.header_at(i);
    FUZZ_CHECK(!f.name.empty());
    for (const char c : f.name) FUZZ_CHECK(!(c >= 'A' && c <= 'Z'));
    FUZZ_CHECK(f.value.empty() || !is_blank(f.value.back()));
    // header() answers with the first header of that name.
    size_t first = i;
    for (size_t j = 0; j < i; ++j) {
      if (http::equals_ignore_case(r.header_at(j).name, f.name)) {
        first = j;
        break;
      }
    }
    const auto found = r.header(f.name);
    FUZZ_CHECK(found.has_value() && *found == r.header_at(first).value);
  }
  for (size_t i = 0; i < r.query_count(); ++i) {
    const http::Field f = r.query_at(i);
    const auto found = r.query(f.name);
    FUZZ_CHECK(found.has_value());
    size_t first = i;
    for (size_t j = 0; j < i; ++j) {
      if (r.query_at(j).name == f.name) {
        first = j;
        break;
      }
    }
    FUZZ_CHECK(*found == r.query_at(first).value);
  }
}

Seen record(const http::Request& r) {
  Seen s;
  s.method = r.method();
  s.target = r.target();
  s.path = r.path();
  s.body = r.body();
  s.keep_alive = r.keep_alive();
  s.upgrade = r.is_upgrade();
  for (size_t i = 0; i < r.header_count(); ++i) s.headers.emplace_back(r.header_at(i).name, r.header_at(i).value);
  for (size_t i = 0; i < r.query_count(); ++i) s.query.emplace_back(r.query_at(i).name, r.query_at(i).value);
  return s;
}

void check_error(const http::ParseError& e) {
  FUZZ_CHECK(e.status == 400 || e.status == 413 || e.status == 417 || e.status == 431 || e.status == 505);
  FUZZ_CHECK(!e.code.empty());
  FUZZ_CHECK(!e.message.empty());
  // Never the request's bytes: a static, printable explanation.
  for (const char c : e.message) FUZZ_CHECK(c >= 0x20 && c < 0x7f);
}

struct Parsed {
  http::ParseSummary summary;
  std::vector<Seen> requests;
};

Parsed parse(std::string_view bytes, const http::ParserLimits& limits, size_t chunk) {
  Parsed out;
  out.summary = http::parse_requests(bytes, limits, chunk, [&](const http::Request& r) {
    check_request(r, limits);
    out.requests.push_back(record(r));
  });
  FUZZ_CHECK(out.summary.requests == out.requests.size());
  if (out.summary.error) check_error(*out.summary.error);
  FUZZ_CHECK(!(out.summary.error && out.summary.upgraded));
  return out;
}

void check_parser(std::string_view bytes, Chunker& chunker) {
  http::ParserLimits limits;
  limits.max_body_bytes = 1 + static_cast<size_t>(chunker.random() % 512);
  limits.max_header_bytes = 64 + static_cast<size_t>(chunker.random() % 1024);
  limits.max_headers = 1 + static_cast<size_t>(chunker.random() % 12);

  const Parsed whole = parse(bytes, limits, 0);
  const size_t chunk = chunker.next();
  const Parsed pieces = parse(bytes, limits, chunk);

  const bool whole_431 = whole.summary.error && whole.summary.error->status == 431;
  const bool pieces_431 = pieces.summary.error && pieces.summary.error->status == 431;
  if (whole_431 != pieces_431) return;  // the raw byte count's slack (parser.cpp, feed())
  FUZZ_CHECK(whole.summary.error.has_value() == pieces.summary.error.has_value());
  if (whole.summary.error) FUZZ_CHECK(whole.summary.error->status == pieces.summary.error->status);
  FUZZ_CHECK(whole.summary.upgraded == pieces.summary.upgraded);
  FUZZ_CHECK(whole.requests == pieces.requests);
}

// Escapes every byte but the unreserved ones (RFC 3986 section 2.3).
std::string percent_encode(std::string_view in) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char ch : in) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
        c == '_' || c == '~') {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    }
  }
  return out;
}

void check_url_helpers(std::string_view bytes) {
  // Decoding undoes encoding; an escaped NUL is refused.
  const bool has_nul = bytes.find('\0') != std::string_view::npos;
  for (const bool plus_is_space : {false, true}) {
    std::string decoded;
    const bool ok = http::percent_decode(percent_encode(bytes), decoded, plus_is_space);
    FUZZ_CHECK(ok == !has_nul);
    if (ok) FUZZ_CHECK(decoded == bytes);
  }
  // Decoding raw bytes never grows them, and leaves text without escapes alone.
  std::string decoded;
  if (http::percent_decode(bytes, decoded, false)) {
    FUZZ_CHECK(decoded.size() <= bytes.size());
    if (bytes.find('%') == std::string_view::npos) FUZZ_CHECK(decoded == bytes);
  }

  http::TargetParts parts;
  if (http::split_target(bytes, parts)) {
    FUZZ_CHECK(!parts.path.empty() && parts.path.front() == '/');
    FUZZ_CHECK(parts.path.find('?') == std::string_view::npos);
    FUZZ_CHECK(parts.path.find('#') == std::string_view::npos);
    FUZZ_CHECK(parts.query.find('#') == std::string_view::npos);
  }
  size_t pairs = 0;
  http::for_each_query_pair(bytes, [&](std::string_view name, std::string_view value) {
    ++pairs;
    FUZZ_CHECK(name.find('&') == std::string_view::npos && name.find('=') == std::string_view::npos);
    FUZZ_CHECK(value.find('&') == std::string_view::npos);
  });
  FUZZ_CHECK(pairs <= bytes.size());

  // Case-insensitive comparison is symmetric and ignores ASCII case only.
  const std::string_view half = bytes.substr(0, bytes.size() / 2);
  const std::string_view rest = bytes.substr(bytes.size() / 2);
  FUZZ_CHECK(http::equals_ignore_case(half, rest) == http::equals_ignore_case(rest, half));
  std::string upper(bytes);
  for (char& c : upper) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  FUZZ_CHECK(http::equals_ignore_case(bytes, upper));
  if (http::header_has_token(bytes, "websocket")) {
    FUZZ_CHECK(http::header_has_token(upper, "WebSocket"));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes = reship::fuzz::as_text(data, size);
  Chunker chunker(bytes);
  check_parser(bytes, chunker);
  check_url_helpers(bytes);
  return 0;
}
