// Markdown rendering: GitHub extensions, safety in safe and unsafe mode,
// heading ids and anchors, plain text, RenderInline, concurrency.
#include <catch2/catch.hpp>

#include <cctype>
#include <string>
#include <thread>
#include <vector>

#include "markdown/markdown.h"

using casebook::markdown::Heading;
using casebook::markdown::Options;
using casebook::markdown::Render;
using casebook::markdown::RenderInline;

namespace {

std::string Html(const std::string& md, bool unsafe = false) {
  casebook::markdown::Init();
  Options o;
  o.unsafe = unsafe;
  return Render(md, o).html;
}

bool Has(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// Every href="..." and src="..." value, lowercased.
std::vector<std::string> UrlAttributes(const std::string& html) {
  std::vector<std::string> urls;
  for (const char* attr : {"href=\"", "src=\""}) {
    const std::string key(attr);
    for (size_t pos = html.find(key); pos != std::string::npos; pos = html.find(key, pos + 1)) {
      size_t begin = pos + key.size();
      std::string value = html.substr(begin, html.find('"', begin) - begin);
      for (char& c : value) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      urls.push_back(value);
    }
  }
  return urls;
}

}  // namespace

TEST_CASE("tables render with style alignment", "[markdown]") {
  std::string html = Html("| Service | Errors |\n|:--|--:|\n| checkout | 503 |\n");
  CHECK(Has(html, "<div class=\"table-wrap\" role=\"region\" aria-label=\"Table: Service, Errors\" tabindex=\"0\">\n<table>"));
  CHECK(Has(html, "</table>\n</div>"));
  CHECK(Has(html, "<th style=\"text-align: left\">Service</th>"));
  CHECK(Has(html, "<td style=\"text-align: right\">503</td>"));
  CHECK_FALSE(Has(html, "align=\""));
}

TEST_CASE("task lists, strikethrough, autolinks, footnotes", "[markdown]") {
  std::string html = Html(
      "- [ ] add alert\n- [x] roll back\n\n~~blame~~ learn, see www.example.com\n\n"
      "Pool exhausted[^pool].\n\n[^pool]: 100 connections.\n");
  CHECK(Has(html, "<input type=\"checkbox\" disabled=\"\" /> add alert"));
  CHECK(Has(html, "<input type=\"checkbox\" checked=\"\" disabled=\"\" /> roll back"));
  CHECK(Has(html, "<del>blame</del>"));
  CHECK(Has(html, "<a href=\"http://www.example.com\">www.example.com</a>"));
  CHECK(Has(html, "<sup class=\"footnote-ref\"><a href=\"#fn-pool\""));
  CHECK(Has(html, "<section class=\"footnotes\""));
  CHECK(Has(html, "100 connections."));
}

TEST_CASE("fenced code keeps its language and escapes", "[markdown]") {
  std::string html = Html("```sql\nSELECT 1 < 2;\n```\n");
  CHECK(Has(html, "<pre tabindex=\"0\"><code class=\"language-sql\">SELECT 1 &lt; 2;\n</code></pre>"));
}

// Wide code and tables scroll sideways: a keyboard reaches them, and each
// table's region has a name of its own (landmark names must be unique).
TEST_CASE("code blocks and tables are focusable scroll regions with unique names", "[markdown]") {
  std::string html = Html(
      "    indented <code>\n\n"
      "| A & B | `<x>` |\n|--|--|\n| 1 | 2 |\n\n"
      "| A & B | `<x>` |\n|--|--|\n| 3 | 4 |\n\n"
      "|   |\n|--|\n| 5 |\n\n"
      "- item\n\n  ```\n  nested\n  ```\n");
  CHECK(Has(html, "<pre tabindex=\"0\"><code>indented &lt;code&gt;\n</code></pre>"));
  CHECK(Has(html, "<pre tabindex=\"0\"><code>nested\n</code></pre>"));
  CHECK(Has(html, "aria-label=\"Table: A &amp; B, &lt;x&gt;\" tabindex=\"0\">"));
  CHECK(Has(html, "aria-label=\"Table: A &amp; B, &lt;x&gt; (2)\" tabindex=\"0\">"));
  CHECK(Has(html, "aria-label=\"Table\" tabindex=\"0\">"));
  CHECK_FALSE(Has(html, "<pre><code>"));
}

TEST_CASE("safe mode omits raw HTML", "[markdown][safety]") {
  std::string html = Html("<script>alert(1)</script>\n\nok <img src=x onerror=alert(1)> ok\n");
  CHECK_FALSE(Has(html, "<script"));
  CHECK_FALSE(Has(html, "onerror"));
  CHECK(Has(html, "raw HTML omitted"));
}

TEST_CASE("unsafe mode keeps raw HTML but filters script tags", "[markdown][safety]") {
  std::string html = Html("<div class=\"note\">kept</div>\n\n<script>alert(1)</script>\n", true);
  CHECK(Has(html, "<div class=\"note\">kept</div>"));
  CHECK_FALSE(Has(html, "<script>"));
  CHECK(Has(html, "&lt;script>"));
}

TEST_CASE("dangerous URLs are never emitted", "[markdown][safety]") {
  const std::string md =
      "[a](javascript:alert(1)) [b](<  JaVaScRiPt:alert(2)>) [c](vbscript:msgbox)\n"
      "[d](data:text/html;base64,PHNjcmlwdD4=) ![e](data:image/svg+xml;base64,AAAA)\n"
      "<javascript:alert(3)> [f](java&#x09;script:alert(4)) [g](&#x20;javascript:alert(5))\n"
      "![ok](data:image/png;base64,iVBORw0KGgo=) [fine](https://example.com/a?b=c)\n";
  for (bool unsafe : {false, true}) {
    INFO("unsafe=" << unsafe);
    std::string html = Html(md, unsafe);
    std::vector<std::string> urls = UrlAttributes(html);
    CHECK(urls.size() == 10);
    for (const std::string& url : urls) {
      INFO(url);
      CHECK_FALSE(Has(url, "script:"));
      CHECK_FALSE(Has(url, "script%3a"));
      CHECK((url.rfind("data:", 0) != 0 || url.rfind("data:image/png", 0) == 0));
    }
    CHECK(Has(html, "<a href=\"\">a</a>"));
    CHECK(Has(html, "src=\"data:image/png;base64,iVBORw0KGgo=\""));
    CHECK(Has(html, "<a href=\"https://example.com/a?b=c\">fine</a>"));
  }
}

TEST_CASE("headings get unique ids and self-links", "[markdown][headings]") {
  casebook::markdown::Init();
  Options o;
  o.line_offset = 10;
  auto r = Render("# Pool exhaustion\n\n## Impact\n\ntext\n\n## Impact\n\n### Zürich DC: failover!\n\n"
                  "## ***\n\nSetext\n------\n",
                  o);
  CHECK(Has(r.html, "<h1 id=\"pool-exhaustion\">Pool exhaustion<a class=\"anchor\" "
                    "href=\"#pool-exhaustion\" aria-label=\"Link to this section\">#</a></h1>"));
  CHECK(Has(r.html, "<h2 id=\"impact\">Impact<a class=\"anchor\" href=\"#impact\""));
  CHECK(Has(r.html, "<h2 id=\"impact-1\">Impact<a class=\"anchor\" href=\"#impact-1\""));
  CHECK(Has(r.html, "<h3 id=\"zürich-dc-failover\">Zürich DC: failover!"));
  REQUIRE(r.headings.size() == 6);
  const Heading& h0 = r.headings[0];
  CHECK(h0.level == 1);
  CHECK(h0.text == "Pool exhaustion");
  CHECK(h0.anchor == "pool-exhaustion");
  CHECK(h0.line == 11);
  CHECK(r.headings[1].anchor == "impact");
  CHECK(r.headings[1].line == 13);
  CHECK(r.headings[2].anchor == "impact-1");
  CHECK(r.headings[2].line == 17);
  CHECK(r.headings[3].level == 3);
  CHECK(r.headings[3].anchor == "zürich-dc-failover");
  CHECK(r.headings[3].line == 19);
  CHECK(r.headings[4].text == "***");
  CHECK(r.headings[4].anchor == "section");
  CHECK(r.headings[5].text == "Setext");
  CHECK(r.headings[5].level == 2);
  CHECK(r.headings[5].line == 23);
}

TEST_CASE("heading markup, fallback slug and escaping", "[markdown][headings]") {
  casebook::markdown::Init();
  auto r = Render("## The `max_conns` *limit*\n\n## !!!\n\n## !!!\n\n## a \"quoted\" <b>x</b>\n", {});
  REQUIRE(r.headings.size() == 4);
  CHECK(r.headings[0].text == "The max_conns limit");
  CHECK(r.headings[0].anchor == "the-max-conns-limit");
  CHECK(Has(r.html, "<h2 id=\"" + r.headings[0].anchor +
                        "\">The <code>max_conns</code> <em>limit</em><a class=\"anchor\""));
  CHECK(r.headings[1].anchor == "section");
  CHECK(r.headings[2].anchor == "section-1");
  CHECK(r.headings[3].text == "a \"quoted\" x");
  CHECK_FALSE(Has(r.html, "<b>x</b>"));
  CHECK_FALSE(Has(r.html, "id=\"a \"quoted"));
}

TEST_CASE("footnote reference inside a heading", "[markdown][headings]") {
  auto html = Html("## Cause[^db]\n\nText.\n\n[^db]: The database.\n");
  CHECK(Has(html, "<h2 id=\"cause\">Cause<sup class=\"footnote-ref\"><a href=\"#fn-db\""));
  CHECK(Has(html, "<li id=\"fn-db\">"));
}

TEST_CASE("headings inside lists and quotes get ids too", "[markdown][headings]") {
  auto html = Html("> ## Quoted\n\n- ## Listed\n");
  CHECK(Has(html, "<blockquote>\n<h2 id=\"quoted\">Quoted"));
  CHECK(Has(html, "<li>\n<h2 id=\"listed\">Listed"));
}

TEST_CASE("plain text has no markup", "[markdown][plain]") {
  casebook::markdown::Init();
  auto r = Render(
      "# Title\n\nThe **pool** was _full_ at `100` conns.\nSecond line.\n\n"
      "| a | b |\n|---|---|\n| 1 | 2 |\n\n```\nSELECT 1;\n```\n\n<div>\nraw block\n</div>\n\n"
      "[link text](https://example.com)\n",
      {});
  CHECK(r.plain_text ==
        "Title\nThe pool was full at 100 conns. Second line.\na b\n1 2\nSELECT 1;\nlink text");
  CHECK_FALSE(Has(r.plain_text, "<"));
  CHECK_FALSE(Has(r.plain_text, "*"));
}

TEST_CASE("RenderInline strips the single paragraph", "[markdown][inline]") {
  casebook::markdown::Init();
  CHECK(RenderInline("Pool **exhausted** at 09:14", {}) == "Pool <strong>exhausted</strong> at 09:14");
  CHECK(RenderInline("", {}) == "");
  CHECK(RenderInline("one\n\ntwo", {}) == "<p>one</p>\n<p>two</p>\n");
  CHECK(RenderInline("- item", {}) == "<ul>\n<li>item</li>\n</ul>\n");
  CHECK(RenderInline("a <img src=x onerror=y> [b](javascript:x)", {}) ==
        "a <!-- raw HTML omitted --> <a href=\"\">b</a>");
}

TEST_CASE("malformed and large input does not crash", "[markdown][safety]") {
  casebook::markdown::Init();
  std::string nested(5000, '>');
  nested += " deep\n";
  std::string brackets(20000, '[');
  std::string emphasis;
  for (int i = 0; i < 5000; ++i) emphasis += "*a _b ";
  // The length from the literal itself (a NUL inside): a count written by
  // hand read past its end (found by the ASan build).
  static const char kBinary[] = "nul\0byte \xff\xfe bad utf8 \xe2\x82 [[\xff]] [[";
  std::string binary(kBinary, sizeof kBinary - 1);
  std::string big;
  // Distinct headings: util::SlugDeduper probes linearly per duplicate.
  for (int i = 0; i < 20000; ++i) {
    big += "## Part " + std::to_string(i) + "\n\nSome [[id-" + std::to_string(i % 7) + "]] text.\n\n";
  }
  Options o;
  o.resolver = [](const std::string& t, bool) -> std::optional<std::string> { return "/" + t; };
  for (const std::string* md : {&nested, &brackets, &emphasis, &binary, &big}) {
    auto r = Render(*md, o);
    CHECK_FALSE(r.html.empty());
  }
  auto r = Render(big, o);
  CHECK(r.headings.size() == 20000);
  CHECK(r.headings.back().anchor == "part-19999");
  CHECK(r.headings.back().line == 79997);
  CHECK(r.links.size() == 20000);
  auto bad = Render(binary, o);
  CHECK(Has(bad.html, "\xEF\xBF\xBD"));  // replacement character
}

TEST_CASE("concurrent renders give identical output", "[markdown][threads]") {
  casebook::markdown::Init();
  std::string md;
  for (int i = 0; i < 40; ++i) md += "## Part " + std::to_string(i) + "\n\n~~gone~~ www.example.com [x](y.md)\n\n";
  Options o;
  o.resolver = [](const std::string&, bool) -> std::optional<std::string> { return "/p/"; };
  const std::string want = Render(md, o).html;
  REQUIRE(Has(want, "<del>gone</del>"));
  std::vector<int> mismatches(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 150; ++i) {
        if (Render(md, o).html != want) ++mismatches[t];
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int m : mismatches) CHECK(m == 0);
}

namespace {

// Documents of every kind: some only a "plain" parser reads (no ~, @, ://
// or www.), some that need strikethrough and autolinks (parsed one at a time).
std::vector<std::string> MixedDocuments() {
  std::vector<std::string> docs;
  for (int i = 0; i < 120; ++i) {
    const std::string n = std::to_string(i);
    std::string md = "# Title " + n + "\n\n## Summary\n\nThe *pool* of db-" + n +
                     " was **exhausted** at 09:" + std::to_string(10 + i % 50) +
                     "; see [[pm-" + std::to_string(i % 7) + "]] and [the other](../2023/x-" + n +
                     ".md#part).\n\n| Service | Errors |\n|:--|--:|\n| api-" + n + " | " +
                     std::to_string(i * 3) + " |\n\n- [ ] add alert " + n + "\n- [x] roll back\n\n" +
                     "> quoted `code " + n + "` and a footnote[^f].\n\n[^f]: Note " + n + ".\n\n" +
                     "```\nkubectl get pods -n x" + n + "\n```\n\n### Tom & Jerry's \"show\" " + n + "\n\n" +
                     "Text with 'quotes', 50% = {x} | y, caf\xC3\xA9 " + n + ".\n";
    switch (i % 6) {
      case 1: md += "\n~~struck " + n + "~~ and a~~b~~c, *a*~b~ ~~*x*~~\n"; break;
      case 2: md += "\nSee www.example.com/" + n + " and https://status.example.com/x?a=" + n + ".\n"; break;
      case 3: md += "\nMail oncall-" + n + "@example.com or ops@example.org.\n"; break;
      case 4: md += "\n**bold**~~strike~~*em* __~~z~~__ and WWW.EXAMPLE.COM\n"; break;
      default: break;  // plain
    }
    docs.push_back(std::move(md));
  }
  return docs;
}

Options LinkingOptions() {
  Options o;
  o.line_offset = 3;
  o.resolver = [](const std::string& target, bool wiki) -> std::optional<std::string> {
    if (target.find('3') != std::string::npos) return std::nullopt;  // some are broken
    return std::string(wiki ? "/pm/" : "/path/") + target + "/";
  };
  return o;
}

// "<p>...</p>\n" and nothing else.
bool OneParagraph(const std::string& html) {
  return html.rfind("<p>", 0) == 0 && html.find("<p>", 1) == std::string::npos &&
         html.size() >= 8 && html.compare(html.size() - 5, 5, "</p>\n") == 0;
}

bool SameRendering(const casebook::markdown::Rendered& a, const casebook::markdown::Rendered& b) {
  if (a.html != b.html || a.plain_text != b.plain_text) return false;
  if (a.headings.size() != b.headings.size() || a.links.size() != b.links.size()) return false;
  for (size_t i = 0; i < a.headings.size(); ++i) {
    const auto &x = a.headings[i], &y = b.headings[i];
    if (x.level != y.level || x.text != y.text || x.anchor != y.anchor || x.line != y.line)
      return false;
  }
  for (size_t i = 0; i < a.links.size(); ++i) {
    const auto &x = a.links[i], &y = b.links[i];
    if (x.target != y.target || x.wiki != y.wiki || x.line != y.line || x.column != y.column ||
        x.resolved != y.resolved)
      return false;
  }
  return true;
}

}  // namespace

TEST_CASE("many documents on many threads render exactly as on one", "[markdown][threads]") {
  casebook::markdown::Init();
  const std::vector<std::string> docs = MixedDocuments();
  const Options o = LinkingOptions();
  std::vector<casebook::markdown::Rendered> want;
  std::vector<std::string> want_inline;
  for (const auto& md : docs) {
    want.push_back(Render(md, o));
    want_inline.push_back(RenderInline(md.substr(md.find("The *pool*"), 60), o));
  }
  // Sanity: the extensions really ran in the single-threaded reference.
  REQUIRE(Has(want[1].html, "<del>struck 1</del>"));
  REQUIRE(Has(want[2].html, "<a href=\"http://www.example.com/2\">"));
  REQUIRE(Has(want[2].html, "<a href=\"https://status.example.com/x?a=2\">"));
  REQUIRE(Has(want[3].html, "<a href=\"mailto:oncall-3@example.com\">"));
  REQUIRE(Has(want[0].html, "<td style=\"text-align: right\">0</td>"));
  REQUIRE(Has(want[0].html, "checked=\"\""));

  constexpr int kThreads = 8;
  std::vector<int> mismatches(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 3; ++round) {
        for (size_t k = 0; k < docs.size(); ++k) {
          size_t i = (k * (t + 1) + round * 17) % docs.size();  // a different order per thread
          if (!SameRendering(Render(docs[i], o), want[i])) ++mismatches[t];
          if (RenderInline(docs[i].substr(docs[i].find("The *pool*"), 60), o) != want_inline[i])
            ++mismatches[t];
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int m : mismatches) CHECK(m == 0);
}

TEST_CASE("text without strikethrough or autolinks renders as with every extension", "[markdown]") {
  // A "~" paragraph at the end makes Render use the parser with every
  // extension; the rest of the document must come out the same.
  casebook::markdown::Init();
  const Options o = LinkingOptions();
  for (const std::string& md : MixedDocuments()) {
    if (md.find_first_of("~@") != std::string::npos || md.find("://") != std::string::npos ||
        md.find("www.") != std::string::npos || md.find("WWW.") != std::string::npos)
      continue;
    auto plain = Render(md, o);
    auto full = Render(md + "\n~\n", o);
    INFO(md);
    // The "~" paragraph comes before the footnotes; otherwise all is equal.
    size_t at = full.html.find("<p>~</p>\n");
    REQUIRE(at != std::string::npos);
    full.html.erase(at, 9);
    at = full.plain_text.find("\n~");
    REQUIRE(at != std::string::npos);
    full.plain_text.erase(at, 2);
    CHECK(full.html == plain.html);
    CHECK(full.plain_text == plain.plain_text);
    CHECK(SameRendering(plain, full));
  }
}

TEST_CASE("RenderInline's plain-text shortcut gives what cmark gives", "[markdown][inline]") {
  casebook::markdown::Init();
  const Options o = LinkingOptions();
  for (const std::string s :
       {"Alert on consumer lag pages the team-merchant on-call.",
        "Incident declared; team-search joins the call.", "a  b", "It's \"quoted\" (really)",
        "Fix: x/y 50% +1 = {z} | w # $ ^", "Caf\xC3\xA9 \xE2\x80\x94 ok", "Ends with a colon:",
        "x:/y and a:b", "Q?", "see www.example.com", "see http://x.y", "mail a@b.c", "a ~~b~~",
        "1. item", "- item", "# heading", "    code", "A line  ", "Two\nlines", "Tab\there",
        "a *b* c", "[[pm-1]] x", "link [x](y.md)", "a & b", "a < b", "Entity &amp;", "Back\\slash",
        "Bang! yes", "`code`", "www.x.org", "Www.x.org", "A|B\n-|-\n1|2", "Bad \xff byte", "",
        "Z", "a_b_c"}) {
    INFO(s);
    std::string html = Render(s, o).html;
    std::string inline_html = RenderInline(s, o);
    if (OneParagraph(html)) {
      CHECK(html == "<p>" + inline_html + "</p>\n");
    } else {
      CHECK(inline_html == html);
    }
  }
}

TEST_CASE("a heading of plain text is rendered like the same text in a paragraph", "[markdown]") {
  casebook::markdown::Init();
  for (const std::string text : {"Tom & Jerry's \"show\"", "a > b < c", "Caf\xC3\xA9 / 50%"}) {
    INFO(text);
    auto heading = Render("## " + text + "\n", {});
    std::string para = Render(text + "\n", {}).html;  // "<p>...</p>\n"
    std::string inner = para.substr(3, para.size() - 3 - 5);
    REQUIRE(heading.headings.size() == 1);
    CHECK(Has(heading.html, "\">" + inner + "<a class=\"anchor\""));
  }
}
