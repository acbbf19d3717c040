// The loader's build cache (content/load_cache.h): a second load from the
// cache gives exactly the documents and diagnostics of a fresh load; changed,
// added and removed files are noticed; a corrupt cache is ignored.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "content/load_cache.h"
#include "content/loader.h"
#include "test_support.h"

using namespace casebook;
namespace fs = std::filesystem;

namespace {

std::string Time(const std::optional<util::DateTime>& t) {
  if (!t) return "-";
  return std::to_string(t->utc_seconds) + "/" + std::to_string(t->offset_minutes) + "/" +
         std::to_string(t->has_time) + std::to_string(t->approximate) +
         std::to_string(t->time_unknown);
}

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += s + "|";
  return out;
}

// Every field of a Document, as text.
std::string Dump(const content::Document& d) {
  std::string out = d.path + "\n" + d.relative_path + "\n" +
                    std::to_string(static_cast<int>(d.front_matter)) + "\n" + d.id + "\n" +
                    std::to_string(d.id_from_file_name) + "\n" + d.title + "\n" +
                    std::to_string(static_cast<int>(d.title_source)) + "\n" +
                    std::to_string(d.title_line) + "\n" + Time(d.date) + "\n" + d.severity +
                    "\n" + d.status + "\n" + d.summary + "\n" + Join(d.tags) + "\n" +
                    Join(d.services) + "\n" + Join(d.authors) + "\n" + Join(d.related) + "\n" +
                    d.facilitator + "\n" + d.contact + "\n";
  const auto& t = d.incident;
  for (const auto* time : {&t.started, &t.detected, &t.first_user_impact, &t.first_user_report,
                           &t.mitigated, &t.resolved})
    out += Time(*time) + " ";
  out += "\n";
  for (const auto& e : d.timeline) out += Time(e.at) + " " + e.text + " " + std::to_string(e.line) + "\n";
  out += std::to_string(d.timeline_from_body) + "\n";
  for (const auto& a : d.actions)
    out += a.text + "/" + a.owner + "/" + Time(a.due) + "/" + a.ticket + "/" + a.status + "/" +
           std::to_string(a.line) + "\n";
  out += Join(d.check_ignore) + "\n" + d.extra.ToJson() + "\n";
  for (const auto& [k, v] : d.key_lines) out += std::string(k) + "=" + std::to_string(v) + " ";
  out += "\n" + d.body + "\n" + std::to_string(d.body_line) + "\n";
  for (const auto& f : d.figures) out += f.label + "/" + f.value + "/" + std::to_string(f.line) + "\n";
  out += d.source_hash + "\n" + std::to_string(d.shown_fields_clean) + "\n";
  out += d.digest_without_body + "\n";
  return out;
}

std::string DumpAll(const content::LoadResult& r, const util::Diagnostics& diags) {
  std::string out;
  for (const auto& d : r.documents) out += Dump(d) + "----\n";
  for (const auto& s : r.drafts) out += "draft " + s + "\n";
  for (const auto& d : diags.items()) out += d.Format() + " / " + d.hint + "\n";
  return out;
}

config::SiteConfig SiteAt(const std::string& root) {
  util::Diagnostics d;
  return config::Parse("timezone = \"CET\"\n", root + "/site.toml", &d);
}

void WriteArchive(const test::TempDir& dir) {
  fs::copy(fs::path(CASEBOOK_FIXTURES) / "site" / "content", fs::path(dir.path()) / "content",
           fs::copy_options::recursive);
  dir.Write("content/2022/yaml.md",
            "---\ntitle: YAML one\ndate: 2022-02-02\nseverity: SEV2\ncategories: [a, b]\n"
            "custom: {nested: [1, 2.5, true, null, \"x\"]}\ncheck_ignore: [style/x]\n---\n\n"
            "## Summary\n\n- Time to detection: 8 minutes\n");
  dir.Write("content/2022/plain.md",
            "# Plain title\n\nAll times in CET.\n\n## Timeline\n\n- 2022-03-01 10:02 Pages fire\n"
            "- ~2022-03-01 10:30 Fixed\n");
  dir.Write("content/2022/bad-field.md", "+++\ntitle = \"Bad\"\ndate = \"yesterday\"\n+++\nBody\n");
  dir.Write("content/2022/broken.md", "+++\ntitle = \"Unclosed\n");
}

content::LoadResult Load(const config::SiteConfig& cfg, const std::string& cache,
                         util::Diagnostics* diags) {
  content::LoadOptions o;
  o.jobs = 2;
  o.cache_dir = cache;
  return content::LoadAll(cfg, o, diags);
}

std::string CacheFile(const std::string& cache) {
  for (const auto& e : fs::directory_iterator(cache))
    if (e.path().filename().string().rfind("content-", 0) == 0) return e.path().string();
  return {};
}

/// The test archive loaded once without a cache (`fresh`: what every load
/// must give) and once with one, which wrote `file`.
struct CachedArchive {
  config::SiteConfig cfg;
  std::string cache, fresh, file;
};

CachedArchive MakeCachedArchive(test::TempDir& dir) {
  WriteArchive(dir);
  CachedArchive a{SiteAt(dir.path()), dir.path() + "/.casebook", "", ""};
  util::Diagnostics fd, d0;
  a.fresh = DumpAll(Load(a.cfg, "", &fd), fd);
  Load(a.cfg, a.cache, &d0);
  a.file = CacheFile(a.cache);
  REQUIRE_FALSE(a.file.empty());
  return a;
}

}  // namespace

TEST_CASE("a load from the cache equals a fresh load, diagnostics included", "[loader][cache]") {
  test::TempDir dir;
  WriteArchive(dir);
  const auto cfg = SiteAt(dir.path());
  const std::string cache = dir.path() + "/.casebook";

  util::Diagnostics fresh_diags;
  const std::string fresh = DumpAll(Load(cfg, "", &fresh_diags), fresh_diags);
  REQUIRE(fresh_diags.ErrorCount() >= 2);  // bad-field.md and broken.md

  util::Diagnostics d1, d2;
  CHECK(DumpAll(Load(cfg, cache, &d1), d1) == fresh);  // writes the cache
  REQUIRE_FALSE(CacheFile(cache).empty());
  CHECK(DumpAll(Load(cfg, cache, &d2), d2) == fresh);  // reads it

  // Edits (same size too), additions, removals and touches are all noticed.
  std::string pool = dir.Read("content/2024/2024-03-12-checkout-pool.md");
  size_t at = pool.find("Checkout");
  REQUIRE(at != std::string::npos);
  pool[at] = 'K';  // same size, same second
  dir.Write("content/2024/2024-03-12-checkout-pool.md", pool);
  dir.Write("content/2022/new.md", "+++\ntitle = \"New\"\n+++\nHello\n");
  fs::remove(dir.path() + "/content/2022/plain.md");
  fs::last_write_time(dir.path() + "/content/2023/2023-06-14-dns-outage.md",
                      fs::file_time_type::clock::now());
  util::Diagnostics f2, d3;
  const std::string fresh2 = DumpAll(Load(cfg, "", &f2), f2);
  CHECK(fresh2.find("Kheckout") != std::string::npos);
  CHECK(DumpAll(Load(cfg, cache, &d3), d3) == fresh2);

  // Another timezone or source folder is another cache.
  util::Diagnostics pd;
  auto utc = config::Parse("", dir.path() + "/site.toml", &pd);
  util::Diagnostics u1, u2;
  CHECK(DumpAll(Load(utc, cache, &u1), u1) == DumpAll(Load(utc, "", &u2), u2));
}

TEST_CASE("a truncated or corrupt load cache is ignored", "[loader][cache]") {
  test::TempDir dir;
  const auto [cfg, cache, fresh, file] = MakeCachedArchive(dir);
  const std::string good = dir.Read(".casebook/" + fs::path(file).filename().string());

  std::vector<std::string> bad;
  for (size_t cut : {size_t{0}, size_t{10}, good.size() / 3, good.size() / 2, good.size() - 1})
    bad.push_back(good.substr(0, cut));
  std::string flipped = good;
  for (size_t i = 40; i < flipped.size(); i += 97) flipped[i] = static_cast<char>(flipped[i] ^ 0x5a);
  bad.push_back(flipped);
  std::string one = good;  // one byte in the middle (inside a body)
  one[one.size() / 2] = static_cast<char>(one[one.size() / 2] ^ 0x01);
  bad.push_back(one);
  std::string huge = good.substr(0, 60) + std::string(8, '\xff') + good.substr(68);
  bad.push_back(huge);
  bad.push_back(good + "trailing");
  for (size_t i = 0; i < bad.size(); ++i) {
    INFO(i);
    std::ofstream(file, std::ios::binary | std::ios::trunc) << bad[i];
    util::Diagnostics d;
    CHECK(DumpAll(Load(cfg, cache, &d), d) == fresh);
  }
}

TEST_CASE("a load cache whose records are out of path order is not used", "[loader][cache]") {
  test::TempDir dir;
  const auto [cfg, cache, fresh, file] = MakeCachedArchive(dir);
  std::vector<content::internal::CachedFile> records;
  REQUIRE(content::internal::ReadLoadCache(file, cfg, 2, &records));
  REQUIRE(records.size() >= 4);
  size_t calls = 0;
  CHECK(content::internal::ReadLoadCacheEach(
      file, cfg, 2, [&](size_t, content::internal::CachedFile&&) { ++calls; }));
  CHECK(calls == records.size());

  // Rewritten with two records swapped (in one half, then across the two):
  // well-formed files whose records could land in the wrong slots.
  for (size_t swap_at : {size_t{0}, records.size() / 2 - 1}) {
    INFO(swap_at);
    std::vector<content::internal::CachedFile> shuffled = records;
    std::swap(shuffled[swap_at], shuffled[swap_at + 1]);
    {
      content::internal::LoadCacheWriter writer(file, cfg, static_cast<uint32_t>(shuffled.size()));
      for (const auto& r : shuffled) writer.Add(r, r.ok ? &r.doc : nullptr, r.diags);
      REQUIRE(writer.Commit());
    }
    CHECK_FALSE(content::internal::ReadLoadCacheEach(
        file, cfg, 2, [](size_t, content::internal::CachedFile&&) {}));
    util::Diagnostics d;
    CHECK(DumpAll(Load(cfg, cache, &d), d) == fresh);
  }
}

TEST_CASE("a cached digest without body is the digest of the cached fields, and only for clean ones",
          "[loader][cache]") {
  test::TempDir dir;
  WriteArchive(dir);
  dir.Write("content/2022/dirty.md", "+++\ntitle = \"Bell \\u0007 in the title\"\n+++\nBody\n");
  const auto cfg = SiteAt(dir.path());
  const std::string cache = dir.path() + "/.casebook";
  auto check = [](const content::LoadResult& r) {
    size_t clean = 0, dirty = 0;
    for (const auto& d : r.documents) {
      INFO(d.relative_path);
      if (d.shown_fields_clean) {
        ++clean;
        // The proof must hold: the stored value is what the fields give now.
        CHECK(d.digest_without_body.size() == 32);
        CHECK(d.digest_without_body == content::ComputeDigestWithoutBody(d));
      } else {
        ++dirty;
        CHECK(d.digest_without_body.empty());  // the model may still change its fields
      }
      CHECK(content::DigestWithoutBody(d) == content::ComputeDigestWithoutBody(d));
    }
    CHECK(clean >= 3);
    CHECK(dirty == 1);
  };
  util::Diagnostics d1, d2, d3;
  check(Load(cfg, cache, &d1));  // parsed, cache written
  check(Load(cfg, cache, &d2));  // from the cache
  // A title edit (same size): the digest read back is the new fields'.
  const std::string path = "content/2024/2024-03-12-checkout-pool.md";
  std::string pool = dir.Read(path);
  const size_t at = pool.find("title");
  REQUIRE(at != std::string::npos);
  const size_t quote = pool.find('"', at);
  pool[quote + 1] = pool[quote + 1] == 'Q' ? 'R' : 'Q';
  dir.Write(path, pool);
  auto edited = Load(cfg, cache, &d3);
  check(edited);
  util::Diagnostics d4;
  check(Load(cfg, cache, &d4));
}

TEST_CASE("a part's checksum does not depend on how its bytes are split", "[loader][cache]") {
  std::string bytes(100003, '\0');
  uint64_t x = 88172645463325252ULL;
  for (char& c : bytes) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    c = static_cast<char>(x);
  }
  content::PartSum whole;
  whole.Add(bytes.data(), bytes.size());
  for (size_t step : {size_t{1}, size_t{3}, size_t{31}, size_t{32}, size_t{33}, size_t{4097}}) {
    INFO(step);
    content::PartSum pieces;
    for (size_t i = 0; i < bytes.size(); i += step)
      pieces.Add(bytes.data() + i, std::min(step, bytes.size() - i));
    CHECK(pieces.Finish() == whole.Finish());
  }
  // Any one byte changed, anywhere (a whole block, the tail), or one byte
  // fewer: another checksum.
  for (size_t at : {size_t{0}, size_t{31}, size_t{50000}, bytes.size() - 1}) {
    INFO(at);
    std::string changed = bytes;
    changed[at] = static_cast<char>(changed[at] ^ 0x10);
    content::PartSum sum;
    sum.Add(changed.data(), changed.size());
    CHECK(sum.Finish() != whole.Finish());
  }
  content::PartSum shorter;
  shorter.Add(bytes.data(), bytes.size() - 1);
  CHECK(shorter.Finish() != whole.Finish());
}

TEST_CASE("a cache file of several buffers reads back, and a flipped bit deep in it is caught",
          "[loader][cache]") {
  // Over the 1 MB read buffer: reads refill it at other offsets than the
  // writer flushed at, so the checksum is summed over other splits.
  test::TempDir dir;
  const std::string path = dir.path() + "/big";
  std::vector<std::string> strings;
  for (int i = 0; i < 3000; ++i) strings.push_back(std::string(1000 + i % 97, static_cast<char>('a' + i % 26)));
  {
    content::BinaryWriter out(path);
    for (size_t part = 0; part < 2; ++part) {
      if (part > 0) out.NewPart();
      out.U32(static_cast<uint32_t>(strings.size()));
      for (const auto& s : strings) out.Str(s);
    }
    REQUIRE(out.Commit());
  }
  auto read_all = [&] {
    for (size_t part = 0; part < 2; ++part) {
      content::BinaryReader in(path, part);
      uint32_t n;
      if (!in.Count(&n, 4) || n != strings.size()) return false;
      std::string s;
      for (const auto& want : strings)
        if (!in.Str(&s) || s != want) return false;
      if (!in.VerifyEnd()) return false;
    }
    return true;
  };
  REQUIRE(fs::file_size(path) > 2 * (1u << 20));
  CHECK(read_all());
  for (size_t at : {size_t{(1u << 20) + 12345}, size_t{(5u << 20) / 2 + 7}}) {
    INFO(at);
    std::string good;
    {
      std::ifstream f(path, std::ios::binary);
      good.assign(std::istreambuf_iterator<char>(f), {});
    }
    std::string bad = good;
    bad[at] = static_cast<char>(bad[at] ^ 0x04);
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bad;
    CHECK_FALSE(read_all());
    std::ofstream(path, std::ios::binary | std::ios::trunc) << good;
    CHECK(read_all());
  }
}
