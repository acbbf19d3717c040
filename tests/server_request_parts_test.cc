// The pieces the connection layer and file responses are made of, without a
// server: where a request head ends, the fields taken out of it, byte range
// decisions, Accept-Encoding, gzip.
#include <catch2/catch.hpp>

#include "server/byte_ranges.h"
#include "server/gzip.h"
#include "server/request_head.h"

namespace server = casebook::server;
using server::RangeVerdict;

TEST_CASE("request heads: where they end", "[server]") {
  CHECK(server::RequestHeadLength("") == 0);
  CHECK(server::RequestHeadLength("GET / HTTP/1.1\r\nHost: x\r\n") == 0);
  const std::string one = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  CHECK(server::RequestHeadLength(one) == one.size());
  CHECK(server::RequestHeadLength(one + "GET /b HTTP/1.1\r\n") == one.size());
  CHECK(server::RequestHeadLength("GET / HTTP/1.1\nHost: x\n\nrest") == 24);
  // Blank lines before a request line belong to it; alone they are nothing.
  CHECK(server::RequestHeadLength("\r\n\r\n") == 0);
  CHECK(server::RequestHeadLength("\r\n" + one) == one.size() + 2);
  // Resuming after bytes already searched finds an end that straddles them.
  CHECK(server::RequestHeadLength(one, one.size() - 2) == one.size());
  CHECK(server::RequestHeadLength(one, one.size() - 1) == one.size());
}

TEST_CASE("request heads: casebook's fields are taken out, the rest kept", "[server]") {
  std::string buffer =
      "\r\nGET /a HTTP/1.1\r\nHost: x\r\nRange: bytes=0-1\r\naccept-encoding: gzip\r\n"
      "Accept-Encoding: br;q=0\r\nContent-Length: 5\r\nX-Other: y\r\n\r\nGET /b HTTP/1.1\r\n";
  size_t head = server::RequestHeadLength(buffer);
  server::HeadFields f = server::TakeHeadFields(&buffer, &head, 100);
  CHECK(f.range == "bytes=0-1");
  CHECK_FALSE(f.several_ranges);
  CHECK(f.accept_encoding == "gzip, br;q=0");
  CHECK(f.declares_body);
  CHECK_FALSE(f.content_length_too_big);
  CHECK(buffer == "GET /a HTTP/1.1\r\nHost: x\r\nX-Other: y\r\n\r\nGET /b HTTP/1.1\r\n");
  CHECK(head == buffer.find("GET /b"));

  std::string two = "GET / HTTP/1.1\r\nRange: bytes=0-1\r\nrange: bytes=2-3\r\nIf-Range: \"x\"\r\n"
                    "Transfer-Encoding: chunked\r\n\r\n";
  head = two.size();
  f = server::TakeHeadFields(&two, &head, 100);
  CHECK(f.several_ranges);
  CHECK(f.if_range == "\"x\"");
  CHECK(f.declares_body);
  CHECK(two == "GET / HTTP/1.1\r\n\r\n");

  for (const char* cl : {"101", "99999999999999999999"}) {
    std::string big = std::string("POST / HTTP/1.1\r\nContent-Length: ") + cl + "\r\n\r\n";
    head = big.size();
    INFO(cl);
    CHECK(server::TakeHeadFields(&big, &head, 100).content_length_too_big);
  }
  std::string zero = "GET / HTTP/1.1\r\nContent-Length: 0\r\n\r\n";
  head = zero.size();
  CHECK_FALSE(server::TakeHeadFields(&zero, &head, 100).declares_body);
}

TEST_CASE("byte ranges: 206, 416 or ignored", "[server]") {
  auto one = server::ParseRangeHeader("bytes=0-10", 100);
  REQUIRE(one.verdict == RangeVerdict::kPartial);
  REQUIRE(one.ranges.size() == 1);
  CHECK(one.ranges[0].first == 0);
  CHECK(one.ranges[0].last == 10);
  CHECK(server::ContentRangeValue(one.ranges[0], 100) == "bytes 0-10/100");

  auto suffix = server::ParseRangeHeader("bytes=-5", 100);
  REQUIRE(suffix.verdict == RangeVerdict::kPartial);
  CHECK(suffix.ranges[0].first == 95);
  CHECK(suffix.ranges[0].last == 99);
  auto open = server::ParseRangeHeader("bytes=90-", 100);
  CHECK(open.ranges[0].last == 99);
  auto clipped = server::ParseRangeHeader("bytes=50-5000", 100);
  CHECK(clipped.ranges[0].last == 99);
  CHECK(server::ParseRangeHeader("bytes=-500", 100).ranges[0].first == 0);

  // Overlapping and adjacent ranges merge; order does not matter.
  auto merged = server::ParseRangeHeader("bytes=20-30, 0-5, 3-8, 9-9", 100);
  REQUIRE(merged.ranges.size() == 2);
  CHECK(merged.ranges[0].first == 0);
  CHECK(merged.ranges[0].last == 9);
  CHECK(merged.ranges[1].first == 20);

  // Nothing satisfiable: 416.
  CHECK(server::ParseRangeHeader("bytes=100-", 100).verdict == RangeVerdict::kUnsatisfiable);
  CHECK(server::ParseRangeHeader("bytes=-0", 100).verdict == RangeVerdict::kUnsatisfiable);
  CHECK(server::ParseRangeHeader("bytes=0-", 0).verdict == RangeVerdict::kUnsatisfiable);
  // Only the satisfiable ones of several.
  CHECK(server::ParseRangeHeader("bytes=0-1, 200-300", 100).ranges.size() == 1);

  // Invalid or foreign: ignored (a 200 with everything).
  for (const char* h : {"", "items=0-1", "bytes=10-5", "bytes=x-", "bytes=1", "bytes=",
                        "bytes=0-1,2-3,4-5,6-7,8-9,10-11,12-13,14-15,16-17,18-19,20-21,22-23,"
                        "24-25,26-27,28-29,30-31,32-33"}) {
    INFO(h);
    CHECK(server::ParseRangeHeader(h, 100).verdict == RangeVerdict::kIgnore);
  }
}

TEST_CASE("byte ranges: multipart bodies", "[server]") {
  const std::string body = "0123456789";
  auto r = server::ParseRangeHeader("bytes=0-1,5-6", body.size());
  std::string multi = server::MultipartByteranges(
      r.ranges, body.size(), "text/plain", "B",
      [&](uint64_t first, uint64_t length) { return body.substr(first, length); });
  CHECK(multi ==
        "--B\r\nContent-Type: text/plain\r\nContent-Range: bytes 0-1/10\r\n\r\n01\r\n"
        "--B\r\nContent-Type: text/plain\r\nContent-Range: bytes 5-6/10\r\n\r\n56\r\n--B--\r\n");
}

TEST_CASE("gzip: Accept-Encoding, types, round trip, same bytes every time", "[server]") {
  CHECK(server::AcceptsGzip("gzip"));
  CHECK(server::AcceptsGzip("br, GZIP;q=0.5"));
  CHECK(server::AcceptsGzip("x-gzip"));
  CHECK(server::AcceptsGzip("*"));
  CHECK_FALSE(server::AcceptsGzip(""));
  CHECK_FALSE(server::AcceptsGzip("br"));
  CHECK_FALSE(server::AcceptsGzip("gzip;q=0"));
  CHECK_FALSE(server::AcceptsGzip("gzip;q=0, *"));
  CHECK_FALSE(server::AcceptsGzip("*;q=0"));
  CHECK_FALSE(server::AcceptsGzip("identity"));

  CHECK(server::IsCompressibleType("text/html; charset=utf-8"));
  CHECK(server::IsCompressibleType("application/json; charset=utf-8"));
  CHECK(server::IsCompressibleType("application/atom+xml; charset=utf-8"));
  CHECK(server::IsCompressibleType("image/svg+xml"));
  CHECK_FALSE(server::IsCompressibleType("image/png"));
  CHECK_FALSE(server::IsCompressibleType("application/octet-stream"));

  std::string text;
  for (int i = 0; i < 5000; ++i) text += "postmortem " + std::to_string(i) + " ";
  std::string z = server::GzipString(text);
  CHECK(z.size() < text.size() / 3);
  CHECK(z.compare(0, 2, "\x1f\x8b") == 0);
  CHECK(server::GzipString(text) == z);
  REQUIRE(server::Gunzip(z));
  CHECK(*server::Gunzip(z) == text);
  CHECK_FALSE(server::Gunzip(z.substr(0, z.size() / 2)));
  CHECK_FALSE(server::Gunzip("not gzip"));
  CHECK_FALSE(server::Gunzip(z, 100));  // inflates past the bound
}
