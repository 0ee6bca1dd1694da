// Who may run when, across lanes: slots first come first served, and an
// exclusive deploy alone.

#include <catch2/catch.hpp>

#include "back/engine/build_slots.hpp"

using reship::back::BuildSlots;
using V = std::vector<std::string>;

TEST_CASE("build slots: up to max at once, the rest in the order they asked", "[unit]") {
  BuildSlots slots(2);
  slots.request("a", false);
  slots.request("b", false);
  slots.request("c", false);
  CHECK(slots.admit() == V{"a", "b"});
  CHECK(slots.waiting_for("c") == std::optional<std::string>("build slot"));
  CHECK_FALSE(slots.waiting_for("a"));
  slots.request("d", false);
  CHECK(slots.admit().empty());
  slots.release("b");
  CHECK(slots.admit() == V{"c"});
  slots.release("a");
  CHECK(slots.admit() == V{"d"});
  CHECK(slots.running() == V{"c", "d"});
}

TEST_CASE("build slots: one at a time serialises lanes, first come first served", "[unit]") {
  BuildSlots slots(1);
  for (const char* id : {"x", "y", "z"}) slots.request(id, false);
  CHECK(slots.admit() == V{"x"});
  slots.release("x");
  CHECK(slots.admit() == V{"y"});
  slots.release("z");  // z left the queue (cancelled) before its turn
  slots.release("y");
  CHECK(slots.admit().empty());
}

TEST_CASE("build slots: an exclusive deploy waits for the others and holds new ones back", "[unit]") {
  BuildSlots slots(3);
  slots.request("a", false);
  CHECK(slots.admit() == V{"a"});
  slots.request("self", true);
  slots.request("b", false);
  // b could take a free slot, but the exclusive deploy asked first.
  CHECK(slots.admit().empty());
  CHECK(slots.waiting_for("self") == std::optional<std::string>("other lanes"));
  CHECK(slots.waiting_for("b") == std::optional<std::string>("exclusive deploy self"));
  slots.release("a");
  CHECK(slots.admit() == V{"self"});
  slots.request("c", false);
  CHECK(slots.admit().empty());
  CHECK(slots.waiting_for("c") == std::optional<std::string>("exclusive deploy self"));
  slots.release("self");
  CHECK(slots.admit() == V{"b", "c"});
}

TEST_CASE("build slots: asking twice is asking once, and releasing the unknown is harmless", "[unit]") {
  BuildSlots slots(1);
  slots.request("a", false);
  slots.request("a", false);
  CHECK(slots.admit() == V{"a"});
  slots.request("a", false);
  CHECK(slots.admit().empty());
  slots.release("nobody");
  CHECK(slots.running() == V{"a"});
}
