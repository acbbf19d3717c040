// Bounded work per file: what the pre-checks refuse (file:line, rule,
// limit) and what ordinary postmortems keep doing under the same limits.
#include <catch2/catch.hpp>

#include "content/loader.h"
#include "test_support.h"

using namespace casebook;

namespace {

std::string Repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

struct Parsed {
  bool ok = false;
  util::Diagnostics diags;
  content::Document doc;
};

Parsed ParseWith(const std::string& text, const config::Limits& limits = {}) {
  config::SiteConfig cfg;
  cfg.limits = limits;
  Parsed p;
  p.ok = content::ParseDocument(text, "", "pm.md", cfg, &p.doc, &p.diags);
  return p;
}

// The one error's "rule line" ("limits/nesting 3"), or "" when none.
std::string Finding(const Parsed& p) {
  for (const auto& d : p.diags.items())
    if (d.level == util::Level::kError) return d.rule + " " + std::to_string(d.line);
  return "";
}

}  // namespace

TEST_CASE("TOML: dotted keys, tables and inline nesting are bounded by max_nesting", "[limits]") {
  config::Limits limits;
  limits.max_nesting = 5;
  // Five parts pass, six do not; so do quoted parts and spaces around dots.
  CHECK(ParseWith("+++\na.b.c.d.e = 1\n+++\n", limits).ok);
  CHECK(Finding(ParseWith("+++\ntitle = \"x\"\na.b.c.d.e.f = 1\n+++\n", limits)) == "limits/nesting 3");
  CHECK(Finding(ParseWith("+++\na . \"b\" . 'c' .d.e.f = 1\n+++\n", limits)) == "limits/nesting 2");
  // A table header counts its [ and its parts; inline tables and lists nest.
  CHECK(Finding(ParseWith("+++\n[a.b.c.d.e]\nx = 1\n+++\n", limits)) == "limits/nesting 2");
  CHECK(Finding(ParseWith("+++\nx = {a = {b = [[[1]]]}}\n+++\n", limits)) == "limits/nesting 2");
  // Dots and braces in strings and comments are not structure (a "[" left
  // open counts anywhere: front matter text is rendered as Markdown too).
  auto text = ParseWith("+++\ntitle = \"a.b.c.d.e.f.g [[[ {{{{{{\"\n"
                        "summary = '''\n{{{{{{\na.b.c.d.e.f.g\n'''\n# a.b.c.d.e.f {{{{{{\n"
                        "ratio = 1.5\n+++\n", limits);
  INFO(Finding(text));
  CHECK(text.ok);
  CHECK(text.doc.title == "a.b.c.d.e.f.g [[[ {{{{{{");
}

TEST_CASE("YAML aliases expanding past 100,000 values are refused at the key", "[limits]") {
  std::string y = "---\ntitle: Laughs\na: &a [" + Repeat("lol, ", 9) + "lol]\n";
  std::string prev = "a";
  for (const char* name : {"b", "c", "d", "e", "f"}) {
    y += std::string(name) + ": &" + name + " [" + Repeat("*" + prev + ", ", 9) + "*" + prev + "]\n";
    prev = name;
  }
  // 10^5 strings under e (line 7), more than the budget leaves.
  Parsed p = ParseWith(y + "---\nBody\n");
  CHECK_FALSE(p.ok);
  CHECK(Finding(p) == "limits/front-matter 7");
  // Aliases used a few times are fine.
  Parsed small = ParseWith("---\ntitle: T\nbase: &b [x, y]\ntags: *b\nservices: *b\n---\n");
  CHECK(small.ok);
  CHECK(small.doc.tags == std::vector<std::string>{"x", "y"});
}

TEST_CASE("Markdown: quotes, lists, brackets and tables within the limits, and over", "[limits]") {
  config::Limits limits;
  limits.max_nesting = 4;
  limits.max_table_cells = 6;
  CHECK(ParseWith("# T\n\n> > - > x\n", limits).ok);
  CHECK(Finding(ParseWith("# T\n\n> > - > 1. x\n", limits)) == "limits/nesting 3");
  // A thematic break is not a list; escaped brackets open nothing.
  CHECK(ParseWith("# T\n\n- - - - - - -\n\n\\[\\[\\[\\[\\[ [a] [b]\n", limits).ok);
  CHECK(Finding(ParseWith("# T\n\n[[[[\n[x\n", limits)) == "limits/nesting 4");
  // A blank line ends the paragraph, and with it the open brackets.
  CHECK(ParseWith("# T\n\n[[[[\n\n[[[[\n", limits).ok);
  // Code is counted like text (see limits.h): a fence does not hide it.
  CHECK(Finding(ParseWith("# T\n\n```\n[[[[[\n```\n", limits)) == "limits/nesting 4");
  // 3 columns x 2 rows pass; a third row does not. Rows end at a blank line.
  CHECK(ParseWith("# T\n\n| a | b | c |\n|---|:-:|---|\n| 1 | 2 | 3 |\n\ntext\n", limits).ok);
  CHECK(Finding(ParseWith("# T\n\n| a | b | c |\n|---|:-:|---|\n| 1 | 2 | 3 |\nx\n", limits)) ==
        "limits/table-cells 3");
  // A header without "|" still makes a table of the delimiter row's columns.
  CHECK(Finding(ParseWith("# T\n\nx\n-|-|-\nx\nx\n", limits)) == "limits/table-cells 3");
}

TEST_CASE("max_file_bytes refuses a larger text before parsing it", "[limits]") {
  config::Limits limits;
  limits.max_file_bytes = 100;
  CHECK(ParseWith("# Small\n", limits).ok);
  Parsed big = ParseWith("# Big\n\n" + std::string(200, 'x') + "\n", limits);
  CHECK(Finding(big) == "limits/file-size 1");
  CHECK(big.diags.items()[0].message.find("the file is 208 bytes, over the limit of 100") == 0);
}
