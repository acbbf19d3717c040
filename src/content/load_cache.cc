// The loader's build cache (see load_cache.h).
#include "content/load_cache.h"

#include "util/build_identity.h"
#include "util/fs.h"
#include "util/hash.h"
#include "util/parallel.h"
#include "util/text.h"

#ifndef CASEBOOK_VERSION
#define CASEBOOK_VERSION "dev"
#endif

namespace casebook::content::internal {

namespace {

constexpr char kMagic[] = "casebook content cache\n";
// Bump whenever Document, ParseDocument or this format changes.
// 5: no Markdown bodies; 6: shown_fields_clean; 7: digest_without_body;
// 8: key_lines as one string (key_lines.h)
constexpr uint32_t kFormat = 8;  // (and binary_io's PartSum checksums)
constexpr uint32_t kEndMarker = 0x0c0ffee0;

#if defined(__x86_64__) && defined(__GLIBCXX__)
// A tripwire: a field added to Document must be written and read below (and
// kFormat bumped). Update the size once that is done. (path and source_hash
// are not written: they come from the walk and the record; nor is
// digest_without_body, the record's hash of what WriteDocument writes.)
static_assert(sizeof(Document) == 872, "Document changed: update WriteDocument/ReadDocument");
#endif

void WriteOptionalTime(BinaryWriter& out, const std::optional<util::DateTime>& t) {
  out.U8(t ? 1 : 0);
  if (t) WriteDateTime(out, *t);
}

bool ReadOptionalTime(BinaryReader& in, std::optional<util::DateTime>* t) {
  bool has;
  if (!in.Bool(&has)) return false;
  if (!has) {
    t->reset();
    return true;
  }
  util::DateTime v;
  if (!ReadDateTime(in, &v)) return false;
  *t = v;
  return true;
}

void WriteValue(BinaryWriter& out, const util::Value& v) {
  out.U8(static_cast<uint8_t>(v.kind()));
  switch (v.kind()) {
    case util::Value::Kind::kNull: break;
    case util::Value::Kind::kBool: out.U8(v.as_bool() ? 1 : 0); break;
    case util::Value::Kind::kInt: out.I64(v.as_int()); break;
    case util::Value::Kind::kFloat: out.F64(v.as_float()); break;
    case util::Value::Kind::kString: out.Str(v.as_string()); break;
    case util::Value::Kind::kList:
      out.U32(static_cast<uint32_t>(v.as_list().size()));
      for (const auto& item : v.as_list()) WriteValue(out, item);
      break;
    case util::Value::Kind::kMap:
      out.U32(static_cast<uint32_t>(v.as_map().size()));
      for (const auto& [key, item] : v.as_map()) {
        out.Str(key);
        WriteValue(out, item);
      }
      break;
  }
}

bool ReadValue(BinaryReader& in, util::Value* v, int depth = 0) {
  if (depth > 200) return false;  // corrupt: front matter is never that deep
  uint8_t kind;
  if (!in.U8(&kind)) return false;
  switch (static_cast<util::Value::Kind>(kind)) {
    case util::Value::Kind::kNull: *v = util::Value(); return true;
    case util::Value::Kind::kBool: {
      bool b;
      if (!in.Bool(&b)) return false;
      *v = util::Value(b);
      return true;
    }
    case util::Value::Kind::kInt: {
      int64_t i;
      if (!in.I64(&i)) return false;
      *v = util::Value(i);
      return true;
    }
    case util::Value::Kind::kFloat: {
      double f;
      if (!in.F64(&f)) return false;
      *v = util::Value(f);
      return true;
    }
    case util::Value::Kind::kString: {
      std::string s;
      if (!in.Str(&s)) return false;
      *v = util::Value(std::move(s));
      return true;
    }
    case util::Value::Kind::kList: {
      uint32_t n;
      if (!in.Count(&n, 1)) return false;
      util::Value::List list(n);
      for (auto& item : list)
        if (!ReadValue(in, &item, depth + 1)) return false;
      *v = util::Value(std::move(list));
      return true;
    }
    case util::Value::Kind::kMap: {
      uint32_t n;
      if (!in.Count(&n, 5)) return false;
      util::Value::Map map;
      for (uint32_t i = 0; i < n; ++i) {
        std::string key;
        util::Value item;
        if (!in.Str(&key) || !ReadValue(in, &item, depth + 1)) return false;
        map.emplace(std::move(key), std::move(item));
      }
      *v = util::Value(std::move(map));
      return true;
    }
  }
  return false;
}

void WriteHeader(BinaryWriter& out, const config::SiteConfig& cfg) {
  WriteCacheHeader(out, kMagic, kFormat, cfg);
}

bool ReadHeader(BinaryReader& in, const config::SiteConfig& cfg) {
  return ReadCacheHeader(in, kMagic, kFormat, cfg);
}

}  // namespace

namespace {
// The settings besides the zone that change what a file parses to: [fields]
// and the severity names (severities are normalized to them).
std::string ParseSettings(const config::SiteConfig& cfg) {
  std::string s;
  for (const auto& [field, keys] : cfg.fields) s += field + "=" + util::Join(keys, ",") + ";";
  s += "|";
  for (const auto& level : cfg.severities) s += level.name + "/" + level.label + ";";
  return s;
}
}  // namespace

void WriteCacheHeader(BinaryWriter& out, std::string_view magic, uint32_t format,
                      const config::SiteConfig& cfg) {
  out.Bytes(magic.data(), magic.size());
  out.U32(format);
  out.Str(util::BuildIdentity());
  out.Str(cfg.SourceDir());
  out.I64(cfg.timezone_offset_minutes);
  // What a file may be and still load ([limits]): other limits, other results.
  out.I64(cfg.limits.max_file_bytes);
  out.I64(cfg.limits.max_nesting);
  out.I64(cfg.limits.max_table_cells);
  out.Str(ParseSettings(cfg));
}

bool ReadCacheHeader(BinaryReader& in, std::string_view magic, uint32_t format,
                     const config::SiteConfig& cfg) {
  std::string read_magic(magic.size(), '\0');
  uint32_t read_format;
  std::string version, source, settings;
  int64_t zone, file_bytes, nesting, cells;
  return in.Bytes(read_magic.data(), read_magic.size()) && read_magic == magic &&
         in.U32(&read_format) && read_format == format && in.Str(&version) &&
         version == util::BuildIdentity() && in.Str(&source) && source == cfg.SourceDir() &&
         in.I64(&zone) && zone == cfg.timezone_offset_minutes && in.I64(&file_bytes) &&
         file_bytes == cfg.limits.max_file_bytes && in.I64(&nesting) &&
         nesting == cfg.limits.max_nesting && in.I64(&cells) &&
         cells == cfg.limits.max_table_cells && in.Str(&settings) &&
         settings == ParseSettings(cfg);
}

void WriteDateTime(BinaryWriter& out, const util::DateTime& t) {
  out.I64(t.utc_seconds);
  out.I64(t.offset_minutes);
  out.U8(static_cast<uint8_t>((t.has_time ? 1 : 0) | (t.approximate ? 2 : 0) |
                              (t.time_unknown ? 4 : 0)));
}

bool ReadDateTime(BinaryReader& in, util::DateTime* t) {
  uint8_t flags;
  if (!in.I64(&t->utc_seconds) || !in.Int(&t->offset_minutes) || !in.U8(&flags) || flags > 7)
    return false;
  t->has_time = flags & 1;
  t->approximate = flags & 2;
  t->time_unknown = flags & 4;
  return true;
}

void WriteDiagnostics(BinaryWriter& out, const util::Diagnostics& diags) {
  out.U32(static_cast<uint32_t>(diags.items().size()));
  for (const auto& d : diags.items()) {
    out.U8(static_cast<uint8_t>(d.level));
    out.Str(d.file);
    out.I64(d.line);
    out.I64(d.column);
    out.Str(d.rule);
    out.Str(d.message);
    out.Str(d.hint);
  }
}

bool ReadDiagnostics(BinaryReader& in, util::Diagnostics* diags) {
  uint32_t n;
  if (!in.Count(&n, 33)) return false;
  for (uint32_t i = 0; i < n; ++i) {
    util::Diagnostic d;
    uint8_t level;
    if (!in.U8(&level) || level > static_cast<uint8_t>(util::Level::kError)) return false;
    d.level = static_cast<util::Level>(level);
    if (!in.Str(&d.file) || !in.Int(&d.line) || !in.Int(&d.column) || !in.Str(&d.rule) ||
        !in.Str(&d.message) || !in.Str(&d.hint))
      return false;
    diags->Add(std::move(d));
  }
  return true;
}

void WriteDocument(BinaryWriter& out, const Document& doc, bool with_key_lines) {
  out.U8(static_cast<uint8_t>(doc.front_matter));
  out.Str(doc.id);
  out.U8(doc.id_from_file_name ? 1 : 0);
  out.Str(doc.title);
  out.U8(static_cast<uint8_t>(doc.title_source));
  out.I64(doc.title_line);
  WriteOptionalTime(out, doc.date);
  out.Str(doc.severity);
  out.Str(doc.status);
  out.Str(doc.summary);
  out.Strs(doc.tags);
  out.Strs(doc.services);
  out.Strs(doc.authors);
  out.Strs(doc.related);
  out.Str(doc.facilitator);
  out.Str(doc.contact);
  const IncidentTimes& t = doc.incident;
  for (const auto* time : {&t.started, &t.detected, &t.first_user_impact, &t.first_user_report,
                           &t.mitigated, &t.resolved})
    WriteOptionalTime(out, *time);
  out.U32(static_cast<uint32_t>(doc.timeline.size()));
  for (const auto& e : doc.timeline) {
    WriteDateTime(out, e.at);
    out.Str(e.text);
    out.I64(e.line);
  }
  out.U8(doc.timeline_from_body ? 1 : 0);
  out.U32(static_cast<uint32_t>(doc.actions.size()));
  for (const auto& a : doc.actions) {
    out.Str(a.text);
    out.Str(a.owner);
    WriteOptionalTime(out, a.due);
    out.Str(a.ticket);
    out.Str(a.status);
    out.I64(a.line);
  }
  out.Strs(doc.check_ignore);
  WriteValue(out, doc.extra);
  if (with_key_lines) out.Str(doc.key_lines.Bytes());  // as held (key_lines.h)
  out.I64(doc.body_line);
  out.U8(doc.shown_fields_clean ? 1 : 0);
  out.U32(static_cast<uint32_t>(doc.figures.size()));
  for (const auto& f : doc.figures) {
    out.Str(f.label);
    out.Str(f.value);
    out.I64(f.line);
  }
}

bool ReadDocument(BinaryReader& in, Document* doc) {
  uint8_t kind, title_source;
  if (!in.U8(&kind) || kind > static_cast<uint8_t>(FrontMatterKind::kYaml)) return false;
  doc->front_matter = static_cast<FrontMatterKind>(kind);
  if (!in.Str(&doc->id) || !in.Bool(&doc->id_from_file_name) || !in.Str(&doc->title) ||
      !in.U8(&title_source) ||
      title_source > static_cast<uint8_t>(Document::TitleSource::kFileName))
    return false;
  doc->title_source = static_cast<Document::TitleSource>(title_source);
  if (!in.Int(&doc->title_line) || !ReadOptionalTime(in, &doc->date) ||
      !in.Str(&doc->severity) || !in.Str(&doc->status) || !in.Str(&doc->summary) ||
      !in.Strs(&doc->tags) || !in.Strs(&doc->services) ||
      !in.Strs(&doc->authors) || !in.Strs(&doc->related) ||
      !in.Str(&doc->facilitator) || !in.Str(&doc->contact))
    return false;
  IncidentTimes& t = doc->incident;
  for (auto* time : {&t.started, &t.detected, &t.first_user_impact, &t.first_user_report,
                     &t.mitigated, &t.resolved})
    if (!ReadOptionalTime(in, time)) return false;
  uint32_t n;
  if (!in.Count(&n, 29)) return false;
  doc->timeline.resize(n);
  for (auto& e : doc->timeline)
    if (!ReadDateTime(in, &e.at) || !in.Str(&e.text) || !in.Int(&e.line)) return false;
  if (!in.Bool(&doc->timeline_from_body) || !in.Count(&n, 25)) return false;
  doc->actions.resize(n);
  for (auto& a : doc->actions)
    if (!in.Str(&a.text) || !in.Str(&a.owner) || !ReadOptionalTime(in, &a.due) ||
        !in.Str(&a.ticket) || !in.Str(&a.status) || !in.Int(&a.line))
      return false;
  std::string key_lines;
  if (!in.Strs(&doc->check_ignore) || !ReadValue(in, &doc->extra) || !in.Str(&key_lines) ||
      !KeyLines::FromBytes(std::move(key_lines), &doc->key_lines))
    return false;
  doc->body.clear();  // never cached: ReadBody reads it from the file
  if (!in.Int(&doc->body_line) || !in.Bool(&doc->shown_fields_clean) || !in.Count(&n, 16))
    return false;
  doc->figures.resize(n);
  for (auto& f : doc->figures)
    if (!in.Str(&f.label) || !in.Str(&f.value) || !in.Int(&f.line)) return false;
  return true;
}

std::string LoadCachePath(const std::string& cache_dir, const config::SiteConfig& cfg) {
  return util::JoinPath(cache_dir, "content-" + util::Fingerprint(cfg.SourceDir()).substr(0, 16));
}

namespace {

// A record's digest_without_body: none, or 32 hex digits (util::StreamHash::Hex).
constexpr size_t kDigestSize = 32;

bool ReadRecord(BinaryReader& in, CachedFile* out) {
  if (!in.Str(&out->relative) || !in.I64(&out->size) || !in.I64(&out->mtime_ns) ||
      !in.Str(&out->hash) || !in.Bool(&out->ok) || !ReadDiagnostics(in, &out->diags))
    return false;
  if (!out->ok) {
    out->doc = Document{};  // none stored (a record may be reused: see ReadLoadCacheEach)
    return true;
  }
  std::string& digest = out->doc.digest_without_body;
  return ReadDocument(in, &out->doc) && in.Str(&digest) &&
         (digest.empty() || (digest.size() == kDigestSize && out->doc.shown_fields_clean));
}

}  // namespace

bool ReadLoadCache(const std::string& path, const config::SiteConfig& cfg, int jobs,
                   std::vector<CachedFile>* out) {
  out->clear();
  return ReadRecordParts(
      path, /*parts=*/2, jobs, /*min_record_bytes=*/29, kEndMarker,
      [&](BinaryReader& in) { return ReadHeader(in, cfg); }, ReadRecord, out);
}

bool ReadLoadCacheEach(const std::string& path, const config::SiteConfig& cfg, int jobs,
                       const std::function<void(size_t part, CachedFile&& record)>& take) {
  constexpr size_t kParts = 2;  // as LoadCacheWriter writes
  if (BinaryReader::Parts(path) != kParts) return false;
  std::vector<char> ok(kParts, 0);
  // Each part's first and last path: the parts must follow each other.
  std::vector<std::string> first(kParts), last(kParts);
  util::ParallelFor(kParts, jobs, [&](size_t part) {
    BinaryReader in(path, part);
    uint32_t count, marker;
    if (!in.ok() || (part == 0 && !ReadHeader(in, cfg)) || !in.Count(&count, 29)) return;
    // One record read into again and again: ReadRecord sets every field a
    // record stores (ReadDocument every field of the Document but those the
    // loader sets), so no Document is made (and its `extra` map allocated)
    // per record. `take` moves from it.
    CachedFile record;
    for (uint32_t i = 0; i < count; ++i) {
      record.diags = util::Diagnostics{};
      if (!ReadRecord(in, &record) || (i > 0 && !(last[part] < record.relative))) return;
      if (i == 0) first[part] = record.relative;
      last[part] = record.relative;
      take(part, std::move(record));
    }
    ok[part] = in.U32(&marker) && marker == kEndMarker && in.VerifyEnd();
  });
  for (size_t part = 0; part < kParts; ++part) {
    if (!ok[part]) return false;
    if (part > 0 && !last[part - 1].empty() && !first[part].empty() &&
        !(last[part - 1] < first[part]))
      return false;
  }
  return true;
}

LoadCacheWriter::LoadCacheWriter(const std::string& path, const config::SiteConfig& cfg,
                                 uint32_t count)
    : out_(path), count_(count), first_(count / 2) {
  WriteHeader(out_, cfg);
  out_.U32(first_);
  EndPartIfDue();
}

void LoadCacheWriter::EndPartIfDue() {
  if (added_ != first_) return;
  out_.U32(kEndMarker);
  out_.NewPart();
  out_.U32(count_ - first_);
}

void LoadCacheWriter::Add(const CachedStat& file, const Document* doc,
                          const util::Diagnostics& diags) {
  out_.Str(file.relative);
  out_.I64(file.size);
  out_.I64(file.mtime_ns);
  out_.Str(file.hash);
  out_.U8(doc ? 1 : 0);
  WriteDiagnostics(out_, diags);
  if (doc) {
    WriteDocument(out_, *doc);
    // Only a digest of these very fields (LoadAll's); else none is kept.
    out_.Str(doc->shown_fields_clean && doc->digest_without_body.size() == kDigestSize
                 ? std::string_view(doc->digest_without_body)
                 : std::string_view());
  }
  ++added_;
  EndPartIfDue();
}

bool LoadCacheWriter::Commit() {
  out_.U32(kEndMarker);
  return out_.Commit();
}

}  // namespace casebook::content::internal

namespace casebook::content {

std::string DigestWithoutBody(const Document& doc) {
  return doc.digest_without_body.empty() ? ComputeDigestWithoutBody(doc)
                                         : doc.digest_without_body;
}

std::string ComputeDigestWithoutBody(const Document& doc) {
  BinaryWriter out{BinaryWriter::DigestOnly{}};
  internal::WriteDocument(out, doc, /*with_key_lines=*/false);
  return out.Digest();
}

}  // namespace casebook::content
