// SectionMarkdown: a body section by heading text.
#include <catch2/catch.hpp>

#include <string>

#include "markdown/markdown.h"

using casebook::markdown::SectionMarkdown;

namespace {
const std::string kBody =
    "# Checkout outage\n"
    "\n"
    "## Summary\n"
    "Pool exhausted.\n"
    "\n"
    "## Lessons learned:\n"
    "\n"
    "### What went well\n"
    "- Rollback was fast.\n"
    "\n"
    "```md\n"
    "## Not a heading\n"
    "```\n"
    "#hashtag is not a heading\n"
    "### What went badly\n"
    "- Alerts were late.\n"
    "\n"
    "## Action items ##\n"
    "- [ ] Alert on pool use\n";
}  // namespace

TEST_CASE("section by heading text, up to the next same-level heading", "[markdown][section]") {
  CHECK(SectionMarkdown(kBody, "Summary") == "Pool exhausted.");
  CHECK(SectionMarkdown(kBody, "lessons LEARNED") ==
        "### What went well\n- Rollback was fast.\n\n```md\n## Not a heading\n```\n"
        "#hashtag is not a heading\n### What went badly\n- Alerts were late.");
  CHECK(SectionMarkdown(kBody, "  Lessons learned: ") == SectionMarkdown(kBody, "Lessons learned"));
  CHECK(SectionMarkdown(kBody, "What went well") == "- Rollback was fast.\n\n```md\n## Not a heading\n```\n#hashtag is not a heading");
  CHECK(SectionMarkdown(kBody, "Action items") == "- [ ] Alert on pool use");
}

TEST_CASE("section: absent, fenced, higher level ends it", "[markdown][section]") {
  CHECK(SectionMarkdown(kBody, "Timeline").empty());
  CHECK(SectionMarkdown(kBody, "Not a heading").empty());
  CHECK(SectionMarkdown(kBody, "").empty());
  CHECK(SectionMarkdown("", "Summary").empty());
  CHECK(SectionMarkdown("### Deep\nx\n# Top\ny\n", "Deep") == "x");
  CHECK(SectionMarkdown("## Impact\r\n\r\nUsers saw 503s.\r\n## Next\r\n", "impact") == "Users saw 503s.");
  CHECK(SectionMarkdown("## Empty\n\n## Next\ntext\n", "Empty").empty());
  CHECK(SectionMarkdown("~~~\n## Fake\n~~~\n## Real\nbody\n", "Fake").empty());
  CHECK(SectionMarkdown("~~~\n## Fake\n~~~\n## Real\nbody\n", "Real") == "body");
  CHECK(SectionMarkdown("    ## Indented code\nx\n", "Indented code").empty());
  CHECK(SectionMarkdown("## Timeline\n\n    indented\n", "Timeline") == "    indented");
}
