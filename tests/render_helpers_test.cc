// URL and colour helpers: base paths, safe hrefs, ticket / source links,
// badge colours and their contrast; the anchor of a body heading.
#include <catch2/catch.hpp>

#include "render/color.h"
#include "render/urls.h"
#include "render/view.h"

using namespace casebook::render;

TEST_CASE("BasePath takes the path part of base_url") {
  CHECK(BasePath("https://x.com/pm/") == "/pm/");
  CHECK(BasePath("https://x.com/pm") == "/pm/");
  CHECK(BasePath("https://x.com") == "/");
  CHECK(BasePath("/") == "/");
  CHECK(BasePath("") == "/");
  CHECK(BasePath("/docs/pm/") == "/docs/pm/");
}

TEST_CASE("EncodePath encodes each segment, keeping slashes") {
  CHECK(EncodePath("postmortems/a b/") == "postmortems/a%20b/");
  CHECK(EncodePath("tags/zürich/") == "tags/z%C3%BCrich/");
  CHECK(EncodePath("") == "");
}

TEST_CASE("Only http(s), mailto and scheme-less hrefs are safe") {
  CHECK(IsSafeHref("https://a.b/c"));
  CHECK(IsSafeHref("/pm/x/"));
  CHECK(IsSafeHref("../x.html#y"));
  CHECK(IsSafeHref("mailto:a@b.c"));
  CHECK_FALSE(IsSafeHref("javascript:alert(1)"));
  CHECK_FALSE(IsSafeHref(" JavaScript:alert(1)"));
  CHECK_FALSE(IsSafeHref("java\tscript:alert(1)"));
  CHECK_FALSE(IsSafeHref("data:text/html,x"));
  CHECK_FALSE(IsSafeHref(""));
}

TEST_CASE("Ticket and source links") {
  CHECK(TicketUrl("https://jira/browse/{ticket}", "PAY 1432") == "https://jira/browse/PAY%201432");
  CHECK(TicketUrl("https://jira/browse/{ticket}", "a&b") == "https://jira/browse/a%26b");
  CHECK(TicketUrl("", "PAY-1").empty());
  CHECK(TicketUrl("https://jira/{ticket}", "").empty());
  CHECK(TicketUrl("javascript:go('{ticket}')", "X").empty());
  CHECK(SourceUrl("https://git/blob/main/{path}", "content/2024/a b.md") ==
        "https://git/blob/main/content/2024/a%20b.md");
  CHECK(SourceUrl("", "content/x.md").empty());
  CHECK(RepositoryPath("content", "2024/x.md") == "content/2024/x.md");
  CHECK(RepositoryPath("./content/", "x.md") == "content/x.md");
  CHECK(RepositoryPath(".", "x.md") == "x.md");
}

TEST_CASE("Badge colours are validated and get a readable text colour") {
  CHECK(SanitizeColor("#B91C1C") == "#b91c1c");
  CHECK(SanitizeColor("#abc") == "#aabbcc");
  CHECK(SanitizeColor("red") == "#52606d");
  CHECK(SanitizeColor("#fff;background:url(x)") == "#52606d");
  CHECK(SanitizeColor("") == "#52606d");
  CHECK(TextColorOn("#b91c1c") == "#ffffff");
  CHECK(TextColorOn("#facc15") == "#111111");
  for (const char* bg : {"#b91c1c", "#c2410c", "#facc15", "#52606d", "#15803d", "#1d4ed8"}) {
    INFO(bg);
    CHECK(ContrastRatio(bg, TextColorOn(bg)) >= 4.5);
  }
}

TEST_CASE("HeadingAnchor finds a body heading ignoring ASCII case, spaces and a trailing colon") {
  casebook::model::Postmortem pm;
  pm.body.headings = {{2, "Summary", "summary", 1},
                      {2, "  Lessons Learned:  ", "lessons-learned", 5},
                      {2, "WHAT WENT WELL", "what-went-well", 9}};
  using casebook::render::HeadingAnchor;
  CHECK(HeadingAnchor(pm, "lessons learned") == "lessons-learned");
  CHECK(HeadingAnchor(pm, "LESSONS LEARNED") == "lessons-learned");
  CHECK(HeadingAnchor(pm, "What went well") == "what-went-well");
  CHECK(HeadingAnchor(pm, "summary") == "summary");
  CHECK(HeadingAnchor(pm, "lessons learned:").empty());  // only the heading loses its colon
  CHECK(HeadingAnchor(pm, "lessons").empty());
  CHECK(HeadingAnchor(pm, "").empty());
}
