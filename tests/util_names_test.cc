// Names that become folders and text that reaches pages or terminals:
// slugs (NFC, Unicode lowercase, fallback, shortening), folding for
// collision checks, control characters.
#include <catch2/catch.hpp>

#include "util/slug.h"
#include "util/text.h"
#include "util/unicode.h"

using namespace casebook::util;

TEST_CASE("Slugify: NFC and NFD spellings and case variants give one slug", "[names]") {
  const std::string nfc = "Caf\xC3\xA9";    // "Café", é precomposed
  const std::string nfd = "Cafe\xCC\x81";   // "Café", e + combining acute
  CHECK(Slugify(nfc) == "caf\xC3\xA9");
  CHECK(Slugify(nfd) == Slugify(nfc));
  CHECK(Slugify("CaseId") == Slugify("caseid"));
  CHECK(Slugify("Checkout API (EU)") == "checkout-api-eu");
  // Capitals outside the scripts the old table knew are lowered too.
  CHECK(Slugify("\xD4\xB1") == "\xD5\xA1");  // Armenian Ա -> ա
}

TEST_CASE("FoldedName: one key for names a case-insensitive file system stores as one", "[names]") {
  CHECK(FoldedName("CaseId") == FoldedName("caseid"));
  CHECK(FoldedName("Caf\xC3\xA9") == FoldedName("cafe\xCC\x81"));
  CHECK(FoldedName("a") != FoldedName("b"));
  CHECK(Nfc("cafe\xCC\x81") == "caf\xC3\xA9");
}

TEST_CASE("SafeSlug: a stable fallback for names without letters, shortened long ones", "[names]") {
  SlugFix fix = SlugFix::kNone;
  const std::string fire = SafeSlug("\xF0\x9F\x94\xA5", "_term-", &fix);  // 🔥
  CHECK(fix == SlugFix::kFallback);
  REQUIRE(fire.size() == std::string("_term-").size() + 8);
  CHECK(fire.rfind("_term-", 0) == 0);
  CHECK(SafeSlug("\xF0\x9F\x94\xA5", "_term-") == fire);  // stable
  CHECK(SafeSlug("!!!", "_term-") != fire);
  CHECK(SafeSlug("???", "_term-") != SafeSlug("!!!", "_term-"));
  CHECK(IsUrlSafeId(fire));

  CHECK(SafeSlug("Database", "_term-", &fix) == "database");
  CHECK(fix == SlugFix::kNone);

  std::string long_name;
  for (int i = 0; i < 100; ++i) long_name += "\xC3\xA9t\xC3\xA9 ";  // 300+ bytes of "été"
  const std::string a = SafeSlug(long_name, "_term-", &fix);
  CHECK(fix == SlugFix::kShortened);
  CHECK(a.size() <= kMaxSlugBytes);
  CHECK(IsValidUtf8(a));
  CHECK(a == SafeSlug(long_name, "_term-"));
  CHECK(a != SafeSlug(long_name + "x", "_term-"));  // the hash keeps them apart
}

TEST_CASE("StripControls drops C0 (but tab, newline, return), DEL and C1", "[names]") {
  CHECK(StripControls(std::string("a\0b", 3)) == "ab");
  CHECK(StripControls("x\x1b]0;owned\x07y") == "x]0;ownedy");
  CHECK(StripControls("t\tn\nr\r") == "t\tn\nr\r");
  CHECK(StripControls("c1:\xC2\x9B" "1m, nbsp:\xC2\xA0") == "c1:1m, nbsp:\xC2\xA0");
  CHECK(StripControls("del\x7F") == "del");
  CHECK(HasControls("a\x1b"));
  CHECK_FALSE(HasControls("caf\xC3\xA9\t\n"));
}

TEST_CASE("HasControls finds a control anywhere in a long text, and nothing else", "[names]") {
  // Long texts are scanned in blocks of 64 bytes: every position, block
  // edges and a C1 control split across two blocks included.
  const std::string clean(300, 'x');
  CHECK_FALSE(HasControls(clean));
  std::string plain;
  for (int i = 0; i < 40; ++i) plain += "caf\xC3\xA9 \xC2\xA0\t\r\n";
  CHECK_FALSE(HasControls(plain));
  for (size_t at = 0; at < clean.size(); ++at) {
    for (const std::string control : {std::string(1, '\0'), std::string("\x1b"), std::string("\x7F")}) {
      std::string s = clean;
      s[at] = control[0];
      INFO("control at " << at);
      CHECK(HasControls(s));
    }
  }
  for (size_t at : {0u, 62u, 63u, 64u, 127u, 298u}) {
    std::string s = clean;
    s.replace(at, 2, "\xC2\x9B");
    INFO("C1 at " << at);
    CHECK(HasControls(s));
    s.replace(at, 2, "\xC2\xA0");  // no-break space: not a control
    CHECK_FALSE(HasControls(s));
  }
}

TEST_CASE("TerminalSafe shows escapes instead of sending them", "[names]") {
  CHECK(TerminalSafe("\x1b[31mred\x1b[0m") == "\\x1b[31mred\\x1b[0m");
  CHECK(TerminalSafe("\x1b]0;title\x07") == "\\x1b]0;title\\x07");
  CHECK(TerminalSafe("over\rwrite") == "over\\x0dwrite");
  CHECK(TerminalSafe("csi \xC2\x9B") == "csi \\x9b");
  CHECK(TerminalSafe("rlo \xE2\x80\xAE!") == "rlo \\u202e!");
  CHECK(TerminalSafe("isolate \xE2\x81\xA6") == "isolate \\u2066");
  CHECK(TerminalSafe("line\n\ttab caf\xC3\xA9") == "line\n\ttab caf\xC3\xA9");
}
