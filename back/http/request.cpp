#include "back/http/request.hpp"

namespace reship::http {
namespace {

char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

bool equals_ignore_case(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

bool header_has_token(std::string_view value, std::string_view token) noexcept {
  while (!value.empty()) {
    const size_t comma = value.find(',');
    if (equals_ignore_case(trim(value.substr(0, comma)), token)) return true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

std::optional<std::string_view> Request::query(std::string_view name) const {
  for (const Span& s : query_) {
    if (std::string_view(query_bytes_).substr(s.name_offset, s.name_length) == name) {
      return std::string_view(query_bytes_).substr(s.value_offset, s.value_length);
    }
  }
  return std::nullopt;
}

Field Request::query_at(size_t i) const {
  const Span& s = query_.at(i);
  const std::string_view bytes(query_bytes_);
  return {bytes.substr(s.name_offset, s.name_length), bytes.substr(s.value_offset, s.value_length)};
}

std::optional<std::string_view> Request::header(std::string_view name) const {
  const std::string_view bytes(header_bytes_);
  for (const Span& s : headers_) {
    if (s.name_length == name.size() && equals_ignore_case(bytes.substr(s.name_offset, s.name_length), name)) {
      return bytes.substr(s.value_offset, s.value_length);
    }
  }
  return std::nullopt;
}

Field Request::header_at(size_t i) const {
  const Span& s = headers_.at(i);
  const std::string_view bytes(header_bytes_);
  return {bytes.substr(s.name_offset, s.name_length), bytes.substr(s.value_offset, s.value_length)};
}

bool Request::is_websocket_upgrade() const {
  if (!upgrade_ || method_ != "GET") return false;
  const auto upgrade = header("upgrade");
  return upgrade && header_has_token(*upgrade, "websocket");
}

void Request::reset() {
  method_ = {};
  target_.clear();
  path_.clear();
  query_string_ = {};
  header_bytes_.clear();
  headers_.clear();
  query_bytes_.clear();
  query_.clear();
  body_.clear();
  // A connection keeps its buffers between requests, but not the memory of
  // one unusually large request: 1024 idle connections must stay cheap.
  constexpr size_t kKeep = 16 * 1024;
  if (body_.capacity() > kKeep) std::string().swap(body_);
  if (header_bytes_.capacity() > kKeep) std::string().swap(header_bytes_);
  if (target_.capacity() > kKeep) std::string().swap(target_);
  http_major_ = 1;
  http_minor_ = 1;
  keep_alive_ = true;
  upgrade_ = false;
}

}  // namespace reship::http
