// bench-http: times HTTP requests over one keep-alive connection.
//
//   bench-http URL [-X METHOD] [-d BODY] [-H 'Name: value']... [-n N]
//              [--expect STATUS] [--save-body FILE] [--contains TEXT]
//
// Sends N requests one after the other (reconnecting only when the server
// closes), reads each whole response (Content-Length, chunked or up to the
// close), and prints per request "MICROSECONDS STATUS BODY_BYTES". The time
// runs from the first byte written to the last byte of the body read: what a
// caller waits for its answer. With --expect, another status is an error
// (exit 1); --contains checks the last body holds TEXT; --save-body writes
// the last body to FILE. Used for reship-back's synchronous deploy and for
// webhook alike.

#include <fcntl.h>

#include <string>
#include <vector>

#include "tests/bench/bench_common.hpp"

int main(int argc, char** argv) {
  std::string url_text;
  std::string method = "GET";
  std::string body;
  std::vector<std::string> headers;
  int count = 1;
  int expect = 0;
  std::string save;
  std::string contains;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "-X" && i + 1 < argc) {
      method = argv[++i];
    } else if (a == "-d" && i + 1 < argc) {
      body = argv[++i];
    } else if (a == "-H" && i + 1 < argc) {
      headers.push_back(argv[++i]);
    } else if (a == "-n" && i + 1 < argc) {
      count = std::atoi(argv[++i]);
    } else if (a == "--expect" && i + 1 < argc) {
      expect = std::atoi(argv[++i]);
    } else if (a == "--save-body" && i + 1 < argc) {
      save = argv[++i];
    } else if (a == "--contains" && i + 1 < argc) {
      contains = argv[++i];
    } else if (url_text.empty() && a.rfind("http://", 0) == 0) {
      url_text = a;
    } else {
      std::fprintf(stderr,
                   "usage: bench-http URL [-X METHOD] [-d BODY] [-H 'Name: value']... [-n N] [--expect STATUS] "
                   "[--save-body FILE] [--contains TEXT]\n");
      return 2;
    }
  }
  if (url_text.empty()) bench::die("bench-http: a URL is required");
  const bench::Url url = bench::parse_url(url_text);

  std::string request = method + " " + url.target + " HTTP/1.1\r\nHost: " + url.host + ":" +
                        std::to_string(url.port) + "\r\nUser-Agent: bench-http\r\nAccept: */*\r\n";
  for (const auto& h : headers) request += h + "\r\n";
  if (!body.empty() || method == "POST" || method == "PUT") {
    request += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  request += "\r\n" + body;

  const bool keep_body = !save.empty() || !contains.empty();
  std::string last_body;
  bench::ResponseReader reader([&](std::string_view data) {
    if (keep_body) last_body.append(data);
  });
  int fd = -1;
  std::vector<char> buf(256 * 1024);
  int failures = 0;
  for (int n = 0; n < count; ++n) {
    reader.reset();
    last_body.clear();
    const int64_t t0 = bench::now_ns();
    if (fd < 0) {
      fd = bench::connect_tcp(url.host, url.port);
      if (fd < 0) bench::die(bench::errno_text("bench-http: connect " + url_text));
    }
    if (!bench::write_all(fd, request.data(), request.size())) {
      // The server closed the idle connection: once more on a new one.
      ::close(fd);
      fd = bench::connect_tcp(url.host, url.port);
      if (fd < 0 || !bench::write_all(fd, request.data(), request.size())) {
        bench::die(bench::errno_text("bench-http: write " + url_text));
      }
    }
    while (!reader.done()) {
      const ssize_t r = ::read(fd, buf.data(), buf.size());
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) {
        reader.end_of_input();
        break;
      }
      reader.feed(buf.data(), static_cast<size_t>(r));
      if (reader.failed()) break;
    }
    const int64_t t1 = bench::now_ns();
    if (!reader.done()) bench::die("bench-http: an incomplete or malformed response from " + url_text);
    std::printf("%.1f %d %llu\n", static_cast<double>(t1 - t0) / 1000.0, reader.status(),
                static_cast<unsigned long long>(reader.body_bytes()));
    std::fflush(stdout);
    if (expect != 0 && reader.status() != expect) {
      std::fprintf(stderr, "bench-http: status %d, expected %d\n", reader.status(), expect);
      ++failures;
    }
    if (!reader.keep_alive()) {
      ::close(fd);
      fd = -1;
    }
  }
  if (fd >= 0) ::close(fd);
  if (!contains.empty() && last_body.find(contains) == std::string::npos) {
    std::fprintf(stderr, "bench-http: the last body lacks \"%s\": %s\n", contains.c_str(),
                 last_body.substr(0, 400).c_str());
    ++failures;
  }
  if (!save.empty()) {
    const int out = ::open(save.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (out < 0 || !bench::write_all(out, last_body.data(), last_body.size())) {
      bench::die(bench::errno_text("bench-http: write " + save));
    }
    ::close(out);
  }
  if (failures > 0 && expect != 0) {
    std::fprintf(stderr, "bench-http: %d of %d requests failed\n", failures, count);
  }
  return failures > 0 ? 1 : 0;
}
