#include "back/http/response.hpp"

#include <ctime>

#include <fmt/format.h>

#include "common/text/json_writer.hpp"

namespace reship::http {
namespace {

// The Date header (RFC 9110 section 6.6.1), formatted once per second.
std::string_view http_date() {
  thread_local time_t cached_second = 0;
  thread_local char cached[40] = {};
  const time_t now = ::time(nullptr);
  if (now != cached_second) {
    cached_second = now;
    tm utc{};
    ::gmtime_r(&now, &utc);
    ::strftime(cached, sizeof cached, "%a, %d %b %Y %H:%M:%S GMT", &utc);
  }
  return cached;
}

bool is_managed_header(std::string_view name) {
  return equals_ignore_case(name, "content-length") || equals_ignore_case(name, "transfer-encoding") ||
         equals_ignore_case(name, "connection") || equals_ignore_case(name, "date");
}

}  // namespace

std::string_view status_text(int status) {
  // One status a line reads better as a table.
  // clang-format off
  switch (status) {
    case 100: return "Continue";
    case 101: return "Switching Protocols";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 411: return "Length Required";
    case 412: return "Precondition Failed";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 416: return "Range Not Satisfiable";
    case 417: return "Expectation Failed";
    case 422: return "Unprocessable Content";
    case 426: return "Upgrade Required";
    case 428: return "Precondition Required";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
  }
  // clang-format on
}

std::string error_json(std::string_view code, std::string_view message) {
  common::JsonWriter w(64 + code.size() + message.size());
  w.begin_object().key("error").begin_object().field("code", code).field("message", message).end_object().end_object();
  return std::move(w).str();
}

bool is_token(std::string_view name) noexcept {
  if (name.empty()) return false;
  for (const char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 32 || u >= 127) return false;
    switch (c) {
      case '(':
      case ')':
      case ',':
      case '/':
      case ':':
      case ';':
      case '<':
      case '=':
      case '>':
      case '?':
      case '@':
      case '[':
      case '\\':
      case ']':
      case '{':
      case '}':
      case '"':
        return false;
      default:
        break;
    }
  }
  return true;
}

bool is_safe_header_value(std::string_view value) noexcept {
  for (const char c : value) {
    if (c == '\r' || c == '\n' || c == '\0') return false;
  }
  return true;
}

void append_response_head(std::string& out, const ResponseHead& head) {
  out.append("HTTP/1.1 ");
  fmt::format_to(std::back_inserter(out), "{} ", head.status);
  out.append(status_text(head.status));
  out.append("\r\nDate: ");
  out.append(http_date());
  out.append("\r\n");
  if (!head.content_type.empty() && is_safe_header_value(head.content_type)) {
    out.append("Content-Type: ");
    out.append(head.content_type);
    out.append("\r\n");
  }
  switch (head.framing) {
    case Framing::length:
      fmt::format_to(std::back_inserter(out), "Content-Length: {}\r\n", head.content_length);
      break;
    case Framing::chunked:
      out.append("Transfer-Encoding: chunked\r\n");
      break;
    case Framing::close:
    case Framing::none:
      break;
  }
  if (head.close) {
    out.append("Connection: close\r\n");
  } else if (head.keep_alive) {
    out.append("Connection: keep-alive\r\n");
  }
  if (head.headers != nullptr) {
    for (const Field& h : *head.headers) {
      if (!is_token(h.name) || !is_safe_header_value(h.value) || is_managed_header(h.name)) continue;
      out.append(h.name);
      out.append(": ");
      out.append(h.value);
      out.append("\r\n");
    }
  }
  out.append("\r\n");
}

}  // namespace reship::http
