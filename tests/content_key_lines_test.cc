// KeyLines (content/key_lines.h): front matter key lines kept in one
// string behave like the sorted map they replace, and only well-formed
// bytes are taken back from the load cache.
#include <catch2/catch.hpp>

#include <string>

#include "content/key_lines.h"

using casebook::content::KeyLines;

namespace {

std::string Listed(const KeyLines& lines) {
  std::string out;
  for (const auto& [key, line] : lines) out += std::string(key) + "=" + std::to_string(line) + " ";
  return out;
}

}  // namespace

TEST_CASE("key lines: keys in byte order whatever the order they were added in") {
  KeyLines lines;
  CHECK(lines.empty());
  CHECK(lines.emplace("title", 2));
  CHECK(lines.emplace("incident.first_user_report", 19));
  CHECK(lines.emplace("id", 3));
  CHECK(lines.emplace("", 1));  // an empty key is a key
  CHECK_FALSE(lines.emplace("title", 40));  // the first line stays
  CHECK(lines.size() == 4);
  CHECK(Listed(lines) == "=1 id=3 incident.first_user_report=19 title=2 ");
  CHECK(lines.find("title")->second == 2);
  CHECK(lines.find("titl") == lines.end());
  CHECK(lines.count("id") == 1);
  CHECK(lines.count("zzz") == 0);
}

TEST_CASE("key lines: Set overwrites a key's line or adds the key") {
  KeyLines lines;
  lines.Set("severity", 5);
  lines.Set("authors", 9);
  lines.Set("severity", 7);
  CHECK(lines.size() == 2);
  CHECK(Listed(lines) == "authors=9 severity=7 ");
  lines.Release();
  CHECK(lines.empty());
  CHECK(lines.begin() == lines.end());
  CHECK(lines.Bytes().capacity() < 16);  // the memory is given back
  CHECK(lines.emplace("id", 3));
  CHECK(Listed(lines) == "id=3 ");
}

TEST_CASE("key lines: bytes round trip, and malformed bytes are refused") {
  KeyLines lines;
  lines.Set("summary", 12);
  lines.Set("tags", 8);
  lines.Set("a", -1);
  KeyLines back;
  REQUIRE(KeyLines::FromBytes(lines.Bytes(), &back));
  CHECK(Listed(back) == Listed(lines));
  CHECK(back.size() == 3);
  CHECK(back.Bytes() == lines.Bytes());

  REQUIRE(KeyLines::FromBytes("", &back));
  CHECK(back.empty());

  const std::string good = lines.Bytes();
  // Cut short anywhere inside an entry.
  for (size_t n = 1; n < good.size(); ++n) {
    KeyLines cut;
    const bool whole = KeyLines::FromBytes(good.substr(0, n), &cut);
    // Only a cut at an entry's end is well-formed (a shorter map).
    if (whole) CHECK(Listed(lines).rfind(Listed(cut), 0) == 0);
    else CHECK(cut.empty());
  }
  // A length past the end.
  std::string longer = good;
  longer[0] = static_cast<char>(0x7f);
  CHECK_FALSE(KeyLines::FromBytes(longer, &back));
  CHECK(back.empty());
  // Keys out of order, or one twice.
  KeyLines first, second;
  first.Set("b", 1);
  second.Set("a", 2);
  CHECK_FALSE(KeyLines::FromBytes(first.Bytes() + second.Bytes(), &back));
  CHECK_FALSE(KeyLines::FromBytes(first.Bytes() + first.Bytes(), &back));
  CHECK(KeyLines::FromBytes(second.Bytes() + first.Bytes(), &back));
  CHECK(Listed(back) == "a=2 b=1 ");
}
