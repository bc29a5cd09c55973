#include <catch2/catch.hpp>

#include "actors/inspect/access.hpp"

using namespace shelfwire;

TEST_CASE("view access: the read token or the admin token") {
  inspect_options o;
  o.read_token = "reader";
  o.token = "admin";
  for (bool loopback : {true, false}) {
    CHECK(check_view_access(o, loopback, "reader") == view_access::granted);
    CHECK(check_view_access(o, loopback, "admin") == view_access::granted);
    CHECK(check_view_access(o, loopback, "") == view_access::wrong_token);
    CHECK(check_view_access(o, loopback, "reade") == view_access::wrong_token);
    CHECK(check_view_access(o, loopback, "readerx") == view_access::wrong_token);
  }
}

TEST_CASE("view access: without a read token, open on loopback only") {
  inspect_options o;
  CHECK(check_view_access(o, true, "") == view_access::granted);
  CHECK(check_view_access(o, true, "anything") == view_access::granted);
  CHECK(check_view_access(o, false, "") == view_access::no_read_token);
  CHECK(check_view_access(o, false, "anything") == view_access::no_read_token);
  // The admin token still opens the views beyond loopback; nothing else does.
  o.token = "admin";
  CHECK(check_view_access(o, false, "admin") == view_access::granted);
  CHECK(check_view_access(o, false, "") == view_access::no_read_token);
}

TEST_CASE("view access: the refusal names the node and never a token") {
  inspect_options o;
  o.read_token = "s3cret";
  auto why = view_refusal(check_view_access(o, false, "guess"), "store-17-a");
  CHECK(why.find("store-17-a") != std::string::npos);
  CHECK(why.find("refused") == 0);
  CHECK(why.find("s3cret") == std::string::npos);
  CHECK(why.find("guess") == std::string::npos);
  CHECK(view_refusal(view_access::granted, "x").empty());
}
