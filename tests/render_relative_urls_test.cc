// RelativizeHtml: the rewrite behind relative_urls (site.toml).
#include <catch2/catch.hpp>

#include "render/urls.h"

using casebook::render::RelativizeHtml;

TEST_CASE("RelativizeHtml: links under the base path become relative to the page", "[render][urls]") {
  CHECK(RelativizeHtml(R"(<a href="/">x</a>)", "index.html", "/") == R"(<a href="index.html">x</a>)");
  CHECK(RelativizeHtml(R"(<a href="/tags/dns/">x</a>)", "index.html", "/") ==
        R"(<a href="tags/dns/index.html">x</a>)");
  CHECK(RelativizeHtml(R"(<link rel="stylesheet" href="/pm/css/style.css">)",
                       "postmortems/a/index.html", "/pm/") ==
        R"(<link rel="stylesheet" href="../../css/style.css">)");
  CHECK(RelativizeHtml(R"(<img alt="g" src="/pm/img/a%20b.png">)", "tags/x/index.html", "/pm/") ==
        R"(<img alt="g" src="../../img/a%20b.png">)");
  CHECK(RelativizeHtml(R"(<form action="/search/" method="get">)", "stats/index.html", "/") ==
        R"(<form action="../search/index.html" method="get">)");
}

TEST_CASE("RelativizeHtml: queries and fragments are kept after index.html", "[render][urls]") {
  CHECK(RelativizeHtml(R"(<a href="/pm/?q=1&amp;x=2#top">)", "a/index.html", "/pm/") ==
        R"(<a href="../index.html?q=1&amp;x=2#top">)");
  CHECK(RelativizeHtml(R"(<a href="/pm/p/x/#action-1">)", "index.html", "/pm/") ==
        R"(<a href="p/x/index.html#action-1">)");
}

TEST_CASE("RelativizeHtml: everything else is left as it is", "[render][urls]") {
  const char* kept[] = {
      R"(<a href="/other/">outside the base path</a>)",
      R"(<a href="//cdn.example.com/x.js">protocol-relative</a>)",
      R"(<a href="https://example.com/pm/">other host</a>)",
      R"(<a href="#main">fragment</a>)",
      R"(<a href="../x/">already relative</a>)",
      R"(<div data-json="/pm/postmortems.json">not a link attribute</div>)",
      R"(<a xhref="/pm/x/">not href</a>)",
      R"(<p>href=&quot;/pm/x/&quot; is escaped text</p>)",
  };
  for (const char* html : kept) {
    INFO(html);
    CHECK(RelativizeHtml(html, "a/b/index.html", "/pm/") == html);
  }
  CHECK(RelativizeHtml("", "index.html", "/") == "");
  CHECK(RelativizeHtml(R"(<a href="/pm/x/)", "index.html", "/pm/") == R"(<a href="/pm/x/)");  // unclosed
}
