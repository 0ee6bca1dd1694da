// The little Dockerfile reader the image checks rely on.

#include "tests/packaging/dockerfile.hpp"

#include <catch2/catch.hpp>

using namespace reship::test;

TEST_CASE("dockerfile reader: joins continuations, drops comments, splits stages", "[unit]") {
  const auto instructions = parse_dockerfile(R"(# a comment
FROM debian:bookworm AS build
run apt-get update \
 && apt-get install -y --no-install-recommends \
      # comment lines inside an instruction are dropped, as Docker does
      libuv1 libfmt9 \

      ${EXTRA} \
 && rm -rf /var/lib/apt/lists/*
FROM debian:bookworm-slim AS runtime
COPY --from=build /out/ /usr/local/bin/
COPY docker/entrypoint.sh docker/healthcheck.sh /usr/local/bin/
COPY ["docker/reship.toml", "/etc/reship/"]
)");
  REQUIRE(instructions.size() == 6);
  CHECK(instructions[1].keyword == "RUN");
  CHECK(instructions[1].line == 3);
  CHECK(instructions[1].args ==
        "apt-get update && apt-get install -y --no-install-recommends libuv1 libfmt9 ${EXTRA} && rm -rf "
        "/var/lib/apt/lists/*");
  const auto stages = dockerfile_stages(instructions);
  REQUIRE(stages.size() == 2);
  CHECK(stages[0].from == "debian:bookworm AS build");
  CHECK(stages[1].from == "debian:bookworm-slim AS runtime");
  CHECK(stages[1].instructions.size() == 3);
  CHECK(apt_installed_packages(instructions[1].args) == std::vector<std::string>{"libuv1", "libfmt9"});
  CHECK(copy_sources(stages[1].instructions[0].args).empty());
  CHECK(copy_sources(stages[1].instructions[1].args) ==
        std::vector<std::string>{"docker/entrypoint.sh", "docker/healthcheck.sh"});
  CHECK(copy_sources(stages[1].instructions[2].args) == std::vector<std::string>{"docker/reship.toml"});
}

TEST_CASE("dockerfile reader: apt-get install ends at the end of its shell command", "[unit]") {
  CHECK(apt_installed_packages("apt-get -q install -y curl; echo done") == std::vector<std::string>{"curl"});
  CHECK(apt_installed_packages("apt-get update && apt-get install libssl3 | tee log") ==
        std::vector<std::string>{"libssl3"});
  CHECK(apt_installed_packages("apt-get update").empty());
}
