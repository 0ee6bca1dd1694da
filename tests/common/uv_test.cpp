#include <catch2/catch.hpp>

#include <sys/socket.h>
#include <unistd.h>

#include "common/os/uv_handles.hpp"
#include "common/os/uv_stream.hpp"
#include "tests/support/temp_dir.hpp"

using namespace reship::common;
using namespace std::chrono_literals;

TEST_CASE("uv: a timer fires once and the loop closes cleanly", "[unit]") {
  uv::Loop loop;
  int fired = 0;
  {
    uv::Timer timer(loop);
    timer.start(1ms, [&] { ++fired; });
    loop.run();
  }
  CHECK(fired == 1);
  CHECK(loop.close() == 0);
}

TEST_CASE("uv: a timer may destroy itself from its own callback", "[unit]") {
  uv::Loop loop;
  auto timer = std::make_unique<uv::Timer>(loop);
  bool fired = false;
  timer->start(0ms, [&] {
    fired = true;
    timer.reset();
  });
  loop.run();
  CHECK(fired);
  CHECK(loop.close() == 0);
}

TEST_CASE("uv: streams carry data both ways and report the end once", "[unit]") {
  uv::Loop loop;
  int fds[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
  auto a = uv::Stream::open_fd(loop, fds[0]);
  auto b = uv::Stream::open_fd(loop, fds[1]);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  std::string got;
  int ends = 0;
  b->read_start([&](std::string_view data) { got.append(data); },
                [&](int status) {
                  ++ends;
                  CHECK(status == UV_EOF);
                  b->close();
                });
  a->write("hello ");
  a->write_shared(std::make_shared<const std::string>("world"));
  a->shutdown([&](int) { a->close(); });
  loop.run();
  CHECK(got == "hello world");
  CHECK(ends == 1);
  CHECK(loop.close() == 0);
}

TEST_CASE("uv: a unix listener accepts with the configured mode", "[unit]") {
  reship::test::TempDir dir;
  uv::Loop loop;
  const std::string path = (dir / "s.sock").string();
  std::vector<uv::Stream> accepted;
  auto listener = uv::Listener::unix_socket(loop, path, 0600, [&](uv::Stream conn) {
    CHECK(conn.peer_uid() == static_cast<int>(::getuid()));
    accepted.push_back(std::move(conn));
  });
  REQUIRE(listener.ok());
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  auto client = uv::Stream::unix_socket(loop);
  int connect_status = 1;
  client.connect_unix(path, [&](int status) {
    connect_status = status;
    listener->close();
    client.close();
  });
  loop.run();
  CHECK(connect_status == 0);
  CHECK(accepted.size() == 1);
  accepted.clear();
  CHECK(loop.close() == 0);
}

TEST_CASE("uv: listening on a path too long for a socket says so", "[unit]") {
  uv::Loop loop;
  auto listener = uv::Listener::unix_socket(loop, "/tmp/" + std::string(120, 'x'), 0600, [](uv::Stream) {});
  REQUIRE_FALSE(listener.ok());
  CHECK_THAT(listener.error().message, Catch::Contains("longer than a Unix socket allows"));
}
