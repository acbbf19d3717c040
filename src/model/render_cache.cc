// The model's build cache (see render_cache.h).
#include "model/render_cache.h"

#include "content/binary_io.h"
#include "content/load_cache.h"
#include "util/fs.h"
#include "util/hash.h"
#include "util/parallel.h"


namespace casebook::model::internal {

namespace {

using content::BinaryReader;
using content::BinaryWriter;

constexpr char kMagic[] = "casebook render cache\n";
// Bump whenever markdown rendering, RenderOne or this format changes.
// 3: file lookups (attachments); 4: focusable <pre> and table regions;
// 5: body HTML and plain text in the text file (body_store.h), lessons;
// 6: binary_io's PartSum checksums; 7: the fragments' digest.
constexpr uint32_t kFormat = 7;
constexpr uint32_t kEndMarker = 0x0c0ffee1;
// The records are written in two halves that two threads read at once.
constexpr size_t kParts = 2;

// The shared header, then what rendering depends on besides the source.
void WriteHeader(BinaryWriter& out, const config::SiteConfig& cfg,
                 const std::string& generation) {
  content::internal::WriteCacheHeader(out, kMagic, kFormat, cfg);
  out.U8(cfg.markdown_unsafe ? 1 : 0);
  out.Str(cfg.BasePath());
  out.Str(generation);
}

bool ReadHeader(BinaryReader& in, const config::SiteConfig& cfg, std::string* generation) {
  std::string base;
  bool unsafe;
  return content::internal::ReadCacheHeader(in, kMagic, kFormat, cfg) && in.Bool(&unsafe) &&
         unsafe == cfg.markdown_unsafe && in.Str(&base) && base == cfg.BasePath() &&
         in.Str(generation);
}

void WriteRecord(BinaryWriter& out, const RecordRef& r) {
  out.Str(*r.relative);
  out.Str(*r.source_hash);
  out.U32(static_cast<uint32_t>(r.answers->size()));
  for (const auto& a : *r.answers) {
    out.Str(a.target);
    out.U8(static_cast<uint8_t>((a.wiki ? 1 : 0) | (a.found ? 2 : 0) | (a.file ? 4 : 0)));
    out.Str(a.url);
  }
  out.Str(*r.body_hash);
  out.I64(static_cast<int64_t>(r.stored->offset));
  out.U32(r.stored->html_size);
  out.U32(r.stored->text_size);
  out.U32(static_cast<uint32_t>(r.body->headings.size()));
  for (const auto& h : r.body->headings) {
    out.I64(h.level);
    out.Str(h.text);
    out.Str(h.anchor);
    out.I64(h.line);
  }
  out.U32(static_cast<uint32_t>(r.body->links.size()));
  for (const auto& l : r.body->links) {
    out.Str(l.target);
    out.U8(static_cast<uint8_t>((l.wiki ? 1 : 0) | (l.resolved ? 2 : 0) | (l.file ? 4 : 0)));
    out.I64(l.line);
    out.I64(l.column);
  }
  out.Str(*r.summary_html);
  out.Strs(*r.timeline_html);
  out.Strs(*r.action_html);
  out.Str(*r.lessons);
  out.Str(*r.lessons_heading);
  for (uint64_t v : *r.fragments_digest) out.I64(static_cast<int64_t>(v));
}

bool ReadRecord(BinaryReader& in, RenderRecord* r) {
  uint32_t n;
  uint8_t flags;
  if (!in.Str(&r->relative) || !in.Str(&r->source_hash) || !in.Count(&n, 9)) return false;
  r->answers.resize(n);
  for (auto& a : r->answers) {
    if (!in.Str(&a.target) || !in.U8(&flags) || flags > 7 || !in.Str(&a.url)) return false;
    a.wiki = flags & 1;
    a.found = flags & 2;
    a.file = flags & 4;
  }
  int64_t offset;
  if (!in.Str(&r->body_hash) || !in.I64(&offset) || offset < 0 ||
      !in.U32(&r->stored.html_size) || !in.U32(&r->stored.text_size) || !in.Count(&n, 24))
    return false;
  r->stored.offset = static_cast<uint64_t>(offset);
  r->body.headings.resize(n);
  for (auto& h : r->body.headings)
    if (!in.Int(&h.level) || !in.Str(&h.text) || !in.Str(&h.anchor) || !in.Int(&h.line))
      return false;
  if (!in.Count(&n, 21)) return false;
  r->body.links.resize(n);
  for (auto& l : r->body.links) {
    if (!in.Str(&l.target) || !in.U8(&flags) || flags > 7 || !in.Int(&l.line) ||
        !in.Int(&l.column))
      return false;
    l.wiki = flags & 1;
    l.resolved = flags & 2;
    l.file = flags & 4;
  }
  int64_t digest[2];
  if (!in.Str(&r->summary_html) || !in.Strs(&r->timeline_html) ||
      !in.Strs(&r->action_html) || !in.Str(&r->lessons) || !in.Str(&r->lessons_heading) ||
      !in.I64(&digest[0]) || !in.I64(&digest[1]))
    return false;
  r->fragments_digest = {static_cast<uint64_t>(digest[0]), static_cast<uint64_t>(digest[1])};
  return true;
}

}  // namespace

std::string RenderCachePath(const std::string& cache_dir, const config::SiteConfig& cfg) {
  return util::JoinPath(cache_dir, "bodies-" + util::Fingerprint(cfg.SourceDir()).substr(0, 16));
}

std::string BodyTextPath(const std::string& cache_dir, const config::SiteConfig& cfg) {
  return util::JoinPath(cache_dir,
                        "bodytext-" + util::Fingerprint(cfg.SourceDir()).substr(0, 16));
}

std::vector<RenderRecord> ReadRenderCache(const std::string& path,
                                          const config::SiteConfig& cfg, int jobs,
                                          std::string* generation) {
  std::vector<RenderRecord> records;  // stays empty when the file is unusable
  generation->clear();
  if (!content::ReadRecordParts(
          path, kParts, jobs, /*min_record_bytes=*/76, kEndMarker,
          [&](BinaryReader& in) { return ReadHeader(in, cfg, generation); }, ReadRecord,
          &records))
    generation->clear();
  return records;
}

bool WriteRenderCache(const std::string& path, const config::SiteConfig& cfg,
                      const std::string& generation, const std::vector<RecordRef>& records) {
  BinaryWriter out(path);
  WriteHeader(out, cfg, generation);
  for (size_t part = 0; part < kParts; ++part) {
    if (part > 0) out.NewPart();
    size_t begin = records.size() * part / kParts, end = records.size() * (part + 1) / kParts;
    out.U32(static_cast<uint32_t>(end - begin));
    for (size_t i = begin; i < end; ++i) WriteRecord(out, records[i]);
    out.U32(kEndMarker);
  }
  return out.Commit();
}

}  // namespace casebook::model::internal
