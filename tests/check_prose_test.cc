// casebook check: prose extraction for the blameless rules (what is left out,
// where each character came from).
#include <catch2/catch.hpp>

#include "check/prose.h"

using casebook::check::BodyProse;
using casebook::check::IsWholeWord;
using casebook::check::Prose;
using casebook::check::ValueProse;

namespace {

std::string Texts(const std::vector<Prose>& ps) {
  std::string out;
  for (const auto& p : ps) out += p.text + "|";
  return out;
}

}  // namespace

TEST_CASE("paragraphs join lines with one space", "[check][prose]") {
  auto ps = BodyProse("one\n  two   three\n\nfour\n", 10);
  REQUIRE(ps.size() == 2);
  CHECK(ps[0].text == "one two three");
  CHECK(ps[0].line[4] == 11);   // "two"
  CHECK(ps[0].byte[4] == 2);
  CHECK(ps[1].line[0] == 13);
}

TEST_CASE("headings, list items and table rows are their own paragraphs", "[check][prose]") {
  CHECK(Texts(BodyProse("# Title\ntext\n- a\n- b\n| x | y |\n", 1)) ==
        "# Title|text|- a|- b|| x | y ||");
}

TEST_CASE("code, quotes, comments and links are masked", "[check][prose]") {
  CHECK(Texts(BodyProse("a `b` c\n", 1)) == "a \x01 c|");
  CHECK(Texts(BodyProse("a ``b ` c`` d\n", 1)) == "a \x01 d|");
  CHECK(Texts(BodyProse("```sh\nx\n```\nafter\n", 1)) == "after|");
  CHECK(Texts(BodyProse("~~~~\n```\nx\n~~~~\nafter\n", 1)) == "after|");
  CHECK(Texts(BodyProse("> quoted\nlazy\n\nfree\n", 1)) == "free|");
  CHECK(Texts(BodyProse("<!--\nhidden\n-->\nshown\n", 1)) == "shown|");
  CHECK(Texts(BodyProse("x [text](url) y ![alt](i.png) z\n", 1)) == "x \x01 y \x01 z|");
  CHECK(Texts(BodyProse("x [text][ref] [[id]] <b>y</b>\n", 1)) == "x \x01 \x01 \x01y\x01|");
  CHECK(Texts(BodyProse("say \"a b\" and \xE2\x80\x9C" "c\xE2\x80\x9D ok\n", 1)) ==
        "say \x01 and \x01 ok|");
  CHECK(Texts(BodyProse("a 12\" pipe\n", 1)) == "a 12\" pipe|");  // unclosed: kept
  CHECK(Texts(BodyProse("go https://x.y/z now\n", 1)) == "go \x01 now|");
}

TEST_CASE("emphasis markers are dropped, apostrophes normalised", "[check][prose]") {
  CHECK(Texts(BodyProse("*should* _have_ **x** snake_case ~~y~~\n", 1)) ==
        "should have x snake_case y|");
  CHECK(Texts(BodyProse("Dana\xE2\x80\x99s\n", 1)) == "Dana's|");
}

TEST_CASE("indented code needs a blank line and no list", "[check][prose]") {
  CHECK(Texts(BodyProse("para\n    continued\n", 1)) == "para continued|");
  CHECK(Texts(BodyProse("para\n\n    code\n", 1)) == "para|");
  CHECK(Texts(BodyProse("- item\n\n    more\n", 1)) == "- item|more|");
}

TEST_CASE("values keep byte offsets", "[check][prose]") {
  Prose p = ValueProse("a  `x` b", 7);
  CHECK(p.text == "a \x01 b");
  CHECK(p.line[4] == 7);
  CHECK(p.byte[4] == 7);
}

TEST_CASE("whole words", "[check][prose]") {
  std::string s = "no-fault fault faults blame's 'simply' x";
  CHECK_FALSE(IsWholeWord(s, 3, 8));    // no-fault
  CHECK(IsWholeWord(s, 9, 14));         // fault
  CHECK_FALSE(IsWholeWord(s, 15, 20));  // faults
  CHECK_FALSE(IsWholeWord(s, 22, 27));  // blame's
  CHECK(IsWholeWord(s, 31, 37));        // 'simply'
}
