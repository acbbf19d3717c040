// TemplateSet: loading, partial inlining (parsed once), data conversion,
// escaping, errors naming the template file, thread-safety.
#include <catch2/catch.hpp>

#include <thread>

#include "render/templates.h"
#include "util/value.h"

using casebook::render::TemplateSet;
using casebook::util::Diagnostics;
using casebook::util::Value;

namespace {

std::unique_ptr<TemplateSet> Make(std::vector<TemplateSet::Source> sources, Diagnostics* d) {
  bool has_base = false;
  for (const auto& s : sources) has_base = has_base || s.name == "base";
  if (!has_base) sources.push_back({"base", "base.mustache", "<body>{{{content}}}</body>"});
  return TemplateSet::FromSources(sources, d);
}

}  // namespace

TEST_CASE("Render wraps the page in the layout and escapes values") {
  Diagnostics d;
  auto t = Make({{"page", "page.mustache", "<h1>{{title}}</h1>{{{html}}}"}}, &d);
  REQUIRE(t);
  Value data = Value::MakeMap();
  data["title"] = "<script>x</script> & 'q'";
  data["html"] = "<em>ok</em>";
  std::string out = t->Render("page", data, &d);
  CHECK(out == "<body><h1>&lt;script&gt;x&lt;/script&gt; &amp; &apos;q&apos;</h1><em>ok</em></body>");
  CHECK(t->RenderRaw("page", data) == "<h1>&lt;script&gt;x&lt;/script&gt; &amp; &apos;q&apos;</h1><em>ok</em>");
  CHECK(d.items().empty());
}

TEST_CASE("{{x}} escapes the five HTML characters wherever they stand, in every render") {
  Diagnostics d;
  auto t = Make({{"page", "page.mustache", "[{{a}}|{{b}}|{{c}}|{{d}}]"}}, &d);
  REQUIRE(t);
  Value data = Value::MakeMap();
  data["a"] = "\"quoted\" & 'single'";
  data["b"] = "<<>>&&";
  data["c"] = "plain text, nothing to escape";
  data["d"] = "caf\xC3\xA9 a>b";
  const std::string want =
      "[&quot;quoted&quot; &amp; &apos;single&apos;|&lt;&lt;&gt;&gt;&amp;&amp;|"
      "plain text, nothing to escape|caf\xC3\xA9 a&gt;b]";
  // The second render uses a pooled copy of the parsed template.
  for (int i = 0; i < 2; ++i) CHECK(t->RenderRaw("page", data) == want);
  CHECK(t->Render("page", data, &d) == "<body>" + want + "</body>");
  CHECK(d.items().empty());
}

TEST_CASE("The page goes into the layout however the layout uses {{content}}") {
  // The usual layout places the content once, raw; the others must give
  // exactly what Mustache gives: escaped, twice, or inside a section.
  const std::string page = "<p>{{title}} & more</p>";
  Value data = Value::MakeMap();
  data["title"] = "T<1>";
  const std::string content = "<p>T&lt;1&gt; & more</p>";
  const std::string escaped = "&lt;p&gt;T&amp;lt;1&amp;gt; &amp; more&lt;/p&gt;";
  const std::vector<std::pair<std::string, std::string>> layouts = {
      {"<main>{{{content}}}</main><footer>{{title}}</footer>",
       "<main>" + content + "</main><footer>T&lt;1&gt;</footer>"},
      {"<main>{{content}}</main>", "<main>" + escaped + "</main>"},
      {"{{{content}}}|{{{content}}}", content + "|" + content},
      {"{{#content}}[{{{content}}}]{{/content}}", "[" + content + "]"},
      {"no content", "no content"},
  };
  for (const auto& [layout, expected] : layouts) {
    Diagnostics d;
    auto t = Make({{"page", "page.mustache", page}, {"base", "base.mustache", layout}}, &d);
    REQUIRE(t);
    CHECK(t->Render("page", data, &d) == expected);
    CHECK(d.items().empty());
  }
  // An empty page: content is a string to the layout (true even when
  // empty, as kainjow has strings), with or without the splice.
  Diagnostics d;
  auto t = Make({{"page", "page.mustache", "{{#none}}x{{/none}}"},
                 {"base", "base.mustache", "{{^content}}(empty){{/content}}[{{{content}}}]"}},
                &d);
  REQUIRE(t);
  CHECK(t->Render("page", data, &d) == "[]");
  CHECK(d.items().empty());
}

TEST_CASE("Value conversion: ints as text, empty strings and null are false") {
  Diagnostics d;
  auto t = Make({{"p", "p.mustache",
                  "{{n}}|{{zero}}|{{#empty}}E{{/empty}}{{^empty}}not-set{{/empty}}|"
                  "{{#nothing}}N{{/nothing}}|{{#list}}[{{.}}]{{/list}}|{{#flag}}F{{/flag}}|{{map.k}}"}},
                &d);
  REQUIRE(t);
  Value v = Value::MakeMap();
  v["n"] = 42;
  v["zero"] = 0;
  v["empty"] = "";
  v["nothing"] = Value();
  v["list"] = Value::Strings({"a", "b"});
  v["flag"] = true;
  v["map"]["k"] = "deep";
  CHECK(t->RenderRaw("p", v) == "42|0|not-set||[a][b]|F|deep");
}

TEST_CASE("Partials are inlined at load, nested, and never parsed from data") {
  Diagnostics d;
  auto t = Make({{"page", "page.mustache", "A{{> inner}}D{{>missing}}"},
                 {"inner", "inner.mustache", "B{{x}}{{> leaf }}"},
                 {"leaf", "leaf.mustache", "C"}},
                &d);
  REQUIRE(t);
  Value v = Value::MakeMap();
  v["x"] = "x";
  // A data key named like a partial must not be parsed as a template.
  v["missing"] = "{{x}}EVIL";
  CHECK(t->RenderRaw("page", v) == "ABxCD");
  REQUIRE(d.items().size() == 1);  // the missing partial, reported once
  CHECK(d.items()[0].level == casebook::util::Level::kWarning);
  CHECK(d.items()[0].file == "page.mustache");
  CHECK(d.items()[0].message.find("missing") != std::string::npos);
}

TEST_CASE("Partials respect changed delimiters on both sides") {
  Diagnostics d;
  auto t = Make({{"page", "page.mustache", "{{=<% %>=}}<%x%>[<%> p%>]<%x%>"},
                 {"p", "p.mustache", "{{x}}{{=| |=}}|x|"}},
                &d);
  REQUIRE(t);
  Value v = Value::MakeMap();
  v["x"] = "1";
  CHECK(t->RenderRaw("page", v) == "1[11]1");
}

TEST_CASE("A partial cycle is an error, not a hang") {
  Diagnostics d;
  auto t = Make({{"a", "a.mustache", "{{> b}}"}, {"b", "b.mustache", "{{> a}}"}}, &d);
  CHECK_FALSE(t);
  REQUIRE(d.HasErrors());
  CHECK(d.items()[0].message.find("without end") != std::string::npos);
}

TEST_CASE("An invalid template is an error naming its file and line") {
  Diagnostics d;
  auto t = Make({{"bad", "themes/x/templates/bad.mustache", "line one\nline two {{#open}}\nthree"}}, &d);
  CHECK_FALSE(t);
  REQUIRE(d.ErrorCount() == 1);
  CHECK(d.items()[0].file == "themes/x/templates/bad.mustache");
  CHECK(d.items()[0].line == 2);
  CHECK(d.items()[0].message.find("open") != std::string::npos);
}

TEST_CASE("A theme without a layout is an error, an unknown page is reported") {
  Diagnostics d;
  CHECK_FALSE(TemplateSet::FromSources({{"page", "page.mustache", "x"}}, &d));
  CHECK(d.HasErrors());
  Diagnostics d2;
  auto t = Make({}, &d2);
  REQUIRE(t);
  CHECK(t->Render("nope", Value::MakeMap(), &d2).empty());
  CHECK(d2.HasErrors());
}

TEST_CASE("Later sources override earlier ones of the same name") {
  Diagnostics d;
  auto t = Make({{"footer", "theme/footer.mustache", "theme"},
                 {"page", "page.mustache", "[{{> footer}}]"},
                 {"footer", "layouts/footer.mustache", "site"}},
                &d);
  REQUIRE(t);
  CHECK(t->RenderRaw("page", Value::MakeMap()) == "[site]");
  CHECK(t->FileOf("footer") == "layouts/footer.mustache");
}

TEST_CASE("Render is safe from several threads at once") {
  Diagnostics d;
  auto t = Make({{"p", "p.mustache", "{{#items}}<{{name}}>{{/items}}"}}, &d);
  REQUIRE(t);
  std::vector<std::string> outputs(4);
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      Value v = Value::MakeMap();
      for (int k = 0; k < 200; ++k) {
        Value item = Value::MakeMap();
        item["name"] = std::to_string(i);
        v["items"].Push(item);
      }
      for (int r = 0; r < 50; ++r) outputs[i] = t->Render("p", v, nullptr);
    });
  }
  for (auto& th : threads) th.join();
  for (int i = 0; i < 4; ++i) {
    std::string expected = "<body>";
    for (int k = 0; k < 200; ++k) expected += "<" + std::to_string(i) + ">";
    CHECK(outputs[i] == expected + "</body>");
  }
}
