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
  CHECK(Has(html, "<table>"));
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
  CHECK(Has(html, "<pre><code class=\"language-sql\">SELECT 1 &lt; 2;\n</code></pre>"));
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
  std::string binary("nul\0byte \xff\xfe bad utf8 \xe2\x82 [[\xff]] [[", 40);
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
