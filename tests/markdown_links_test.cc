// Links to other postmortems: relative .md paths and [[id]] wiki links.
#include <catch2/catch.hpp>

#include <map>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "markdown/markdown.h"

using casebook::markdown::DocLink;
using casebook::markdown::Options;
using casebook::markdown::Render;

namespace {

bool Has(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// Knows two postmortems; records every call.
struct FakeSite {
  std::vector<std::pair<std::string, bool>> calls;
  Options options(int line_offset = 0) {
    Options o;
    o.line_offset = line_offset;
    o.resolver = [this](const std::string& target, bool wiki) -> std::optional<std::string> {
      calls.emplace_back(target, wiki);
      static const std::map<std::string, std::string> by_id = {
          {"2023-11-02-primary-failover", "/postmortems/2023-11-02-primary-failover/"},
          {"2024-03-12-checkout-pool", "/postmortems/2024-03-12-checkout-pool/"}};
      std::string id = target;
      if (!wiki) {
        id = id.substr(0, id.find('#'));
        id = id.substr(id.rfind('/') == std::string::npos ? 0 : id.rfind('/') + 1);
        id = id.substr(0, id.size() - 3);
      }
      auto it = by_id.find(id);
      if (it == by_id.end()) return std::nullopt;
      return it->second;
    };
    return o;
  }
};

}  // namespace

TEST_CASE(".md link resolved, fragment kept", "[markdown][links]") {
  casebook::markdown::Init();
  FakeSite site;
  auto r = Render("See [the failover](../2023/2023-11-02-primary-failover.md#timeline).\n",
                  site.options(7));
  CHECK(Has(r.html, "<a href=\"/postmortems/2023-11-02-primary-failover/#timeline\">the failover</a>"));
  REQUIRE(site.calls.size() == 1);
  CHECK(site.calls[0] == std::make_pair(std::string("../2023/2023-11-02-primary-failover.md#timeline"), false));
  REQUIRE(r.links.size() == 1);
  const DocLink& l = r.links[0];
  CHECK(l.target == "../2023/2023-11-02-primary-failover.md#timeline");
  CHECK_FALSE(l.wiki);
  CHECK(l.resolved);
  CHECK(l.line == 8);
  CHECK(l.column == 5);
}

TEST_CASE("unresolved .md link becomes plain text and is reported", "[markdown][links]") {
  casebook::markdown::Init();
  FakeSite site;
  auto r = Render("# T\n\nIntro.\nAs in [the **old** outage](gone.md), again.\n", site.options(4));
  CHECK(Has(r.html, "As in the <strong>old</strong> outage, again."));
  CHECK_FALSE(Has(r.html, "gone.md"));
  REQUIRE(r.links.size() == 1);
  CHECK(r.links[0].target == "gone.md");
  CHECK_FALSE(r.links[0].resolved);
  CHECK(r.links[0].line == 8);
  CHECK(r.links[0].column == 7);
}

TEST_CASE("only relative .md links go to the resolver", "[markdown][links]") {
  casebook::markdown::Init();
  FakeSite site;
  auto r = Render(
      "[a](https://example.com/x.md) [b](/abs/x.md) [c](notes.txt) [d](#impact) "
      "[e](mailto:x@y.md) [f](2024-03-12-checkout-pool.MD?raw=1)\n",
      site.options());
  REQUIRE(site.calls.size() == 1);
  CHECK(site.calls[0].first == "2024-03-12-checkout-pool.MD?raw=1");
  CHECK(Has(r.html, "<a href=\"https://example.com/x.md\">a</a>"));
  CHECK(Has(r.html, "<a href=\"/abs/x.md\">b</a>"));
  CHECK(Has(r.html, "<a href=\"#impact\">d</a>"));
  REQUIRE(r.links.size() == 1);
}

TEST_CASE("wiki links resolved and unresolved", "[markdown][links][wiki]") {
  casebook::markdown::Init();
  FakeSite site;
  auto r = Render(
      "Intro line\nsee [[2023-11-02-primary-failover]] and [[ 2024-03-12-checkout-pool | the pool outage ]]\n"
      "but [[no-such-incident]] nor [[nope|Label]].\n",
      site.options(2));
  CHECK(Has(r.html,
            "see <a href=\"/postmortems/2023-11-02-primary-failover/\">2023-11-02-primary-failover</a> and "
            "<a href=\"/postmortems/2024-03-12-checkout-pool/\">the pool outage</a>"));
  CHECK(Has(r.html, "but no-such-incident nor Label."));
  CHECK_FALSE(Has(r.html, "[["));
  REQUIRE(r.links.size() == 4);
  CHECK(r.links[0].target == "2023-11-02-primary-failover");
  CHECK(r.links[0].wiki);
  CHECK(r.links[0].resolved);
  CHECK(r.links[0].line == 4);
  CHECK(r.links[0].column == 5);
  CHECK(r.links[1].target == "2024-03-12-checkout-pool");
  CHECK(r.links[1].resolved);
  CHECK(r.links[2].target == "no-such-incident");
  CHECK_FALSE(r.links[2].resolved);
  CHECK(r.links[2].line == 5);
  CHECK(r.links[2].column == 5);
  CHECK(r.links[3].target == "nope");
  CHECK_FALSE(r.links[3].resolved);
  CHECK(r.plain_text == "Intro line see 2023-11-02-primary-failover and the pool outage but no-such-incident nor Label.");
}

TEST_CASE("wiki links inside code are left alone", "[markdown][links][wiki]") {
  casebook::markdown::Init();
  FakeSite site;
  auto r = Render("Use `[[2023-11-02-primary-failover]]` to link.\n\n```\n[[2024-03-12-checkout-pool]]\n```\n",
                  site.options());
  CHECK(Has(r.html, "<code>[[2023-11-02-primary-failover]]</code>"));
  CHECK(Has(r.html, "<pre tabindex=\"0\"><code>[[2024-03-12-checkout-pool]]\n</code></pre>"));
  CHECK(r.links.empty());
  CHECK(site.calls.empty());
}

TEST_CASE("malformed wiki syntax stays text", "[markdown][links][wiki]") {
  casebook::markdown::Init();
  FakeSite site;
  auto r = Render("[[ ]] and [[open and ]] close]] and [[a\nb]] x [[a [[2024-03-12-checkout-pool]]\n",
                  site.options());
  CHECK(Has(r.html, "[[ ]] and"));
  CHECK(Has(r.html, "[[a <a href=\"/postmortems/2024-03-12-checkout-pool/\">"));
  REQUIRE(r.links.size() == 2);
  CHECK(r.links[0].target == "open and");
  CHECK_FALSE(r.links[0].resolved);
  CHECK(r.links[1].target == "2024-03-12-checkout-pool");
}

TEST_CASE("wiki links in headings and link text", "[markdown][links][wiki]") {
  casebook::markdown::Init();
  FakeSite site;
  auto r = Render("## After [[2024-03-12-checkout-pool]]\n\n[see [[2023-11-02-primary-failover]]](https://x.test)\n",
                  site.options());
  CHECK(Has(r.html, "<h2 id=\"after-2024-03-12-checkout-pool\">After <a href=\"/postmortems/2024-03-12-checkout-pool/\">"));
  CHECK(Has(r.html, "<a href=\"https://x.test\">see [[2023-11-02-primary-failover]]</a>"));
  REQUIRE(r.headings.size() == 1);
  CHECK(r.headings[0].text == "After 2024-03-12-checkout-pool");
  REQUIRE(r.links.size() == 1);
}

TEST_CASE("without a resolver nothing is rewritten", "[markdown][links]") {
  casebook::markdown::Init();
  auto r = Render("[a](x.md) [[y]]\n", {});
  CHECK(Has(r.html, "<a href=\"x.md\">a</a> [[y]]"));
  CHECK(r.links.empty());
}

TEST_CASE("resolved URLs are still checked for safety", "[markdown][links][safety]") {
  casebook::markdown::Init();
  Options o;
  o.resolver = [](const std::string&, bool) -> std::optional<std::string> { return "javascript:alert(1)"; };
  auto r = Render("[[x]] [y](y.md)\n", o);
  CHECK_FALSE(Has(r.html, "javascript"));
}

TEST_CASE("a throwing resolver propagates without leaking", "[markdown][links]") {
  casebook::markdown::Init();
  Options o;
  o.resolver = [](const std::string&, bool) -> std::optional<std::string> {
    throw std::runtime_error("resolver failed");
  };
  CHECK_THROWS_AS(Render("a [[x]] b\n", o), std::runtime_error);
  CHECK_THROWS_AS(Render("[y](y.md)\n", o), std::runtime_error);
}
