// The source folder -> Documents (see loader.h).
#include "content/loader.h"

#include <fnmatch.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <ctime>
#include <memory>
#include <unordered_map>

#include "content/front_matter.h"
#include "content/limits.h"
#include "content/load_cache.h"
#include "content/plain_facts.h"
#include "content/plain_markdown.h"
#include "util/confine.h"
#include "util/fs.h"
#include "util/hash.h"
#include "util/parallel.h"
#include "util/slug.h"
#include "util/text.h"

namespace casebook::content {

namespace {

// The name a postmortem's id and date come from: the file's name without
// ".md", or a page bundle's folder name ("2024/db-outage/index.md").
std::string Stem(const std::string& relative_path) {
  const std::string bundle = PageBundleDir(relative_path);
  if (!bundle.empty()) return util::BaseName(bundle);
  std::string name = util::BaseName(relative_path);
  if (name.size() > 3 && util::EndsWith(util::ToLowerAscii(name), ".md"))
    name.resize(name.size() - 3);
  return name;
}

// The day of `t` as written (at its own offset), as a date at UTC midnight.
util::DateTime DayOf(const util::DateTime& t) {
  int64_t local = t.utc_seconds + static_cast<int64_t>(t.offset_minutes) * 60;
  int64_t days = local >= 0 ? local / 86400 : (local - 86399) / 86400;
  util::DateTime d;
  d.utc_seconds = days * 86400;
  d.has_time = false;
  return d;
}

const char* FenceName(FrontMatterKind kind) {
  return kind == FrontMatterKind::kToml ? "+++" : "---";
}

bool Included(const config::SiteConfig& cfg, const std::string& relative) {
  std::string name = util::BaseName(relative);
  for (const auto& glob : cfg.include)
    if (fnmatch(glob.c_str(), name.c_str(), 0) == 0 || fnmatch(glob.c_str(), relative.c_str(), 0) == 0)
      return true;
  return false;
}

std::optional<std::string> IgnoredBy(const config::SiteConfig& cfg, const std::string& relative) {
  std::string name = util::BaseName(relative);
  for (const auto& glob : cfg.ignore) {
    if (fnmatch(glob.c_str(), name.c_str(), 0) == 0 ||
        fnmatch(glob.c_str(), relative.c_str(), 0) == 0)
      return glob;
  }
  return std::nullopt;
}

constexpr int64_t kRacyNs = 2'000'000'000;
constexpr size_t kRewriteAfter = 32;

int64_t NowNs() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// Size and mtime (ns) of a file; size -1 when it cannot be stat'ed.
void StatFile(const std::string& path, int64_t* size, int64_t* mtime_ns) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return;
  *size = static_cast<int64_t>(st.st_size);
  *mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
}

// Reads the load cache into the slots of the files it has records for (a
// merge: records and files are both in path order), each record moved
// straight into its slot by the thread reading it. Returns how many records
// name files no longer wanted, or -1 when the cache was absent, stale or
// unreadable (then no slot holds anything from it).
template <typename Slot>
long ReadCache(const std::string& path, const config::SiteConfig& cfg, int jobs,
               const std::vector<const util::WalkEntry*>& wanted, std::vector<Slot>* slots,
               std::vector<Document>* docs) {
  constexpr size_t kParts = 2;
  // Per part: where its merge is in `wanted`, records read, records used.
  struct Cursor {
    bool started = false;
    size_t next = 0, read = 0, taken = 0;
  };
  std::vector<Cursor> cursors(kParts);
  // A slot is filled once even from a damaged file (which is then refused).
  std::unique_ptr<std::atomic<bool>[]> claimed(new std::atomic<bool>[slots->size()]());
  auto by_relative = [](const util::WalkEntry* entry, const std::string& relative) {
    return entry->relative < relative;
  };
  const bool read = internal::ReadLoadCacheEach(
      path, cfg, jobs, [&](size_t part, internal::CachedFile&& record) {
        if (part >= kParts) return;
        Cursor& c = cursors[part];
        ++c.read;
        if (!c.started) {  // the second part starts mid-way
          c.next = static_cast<size_t>(
              std::lower_bound(wanted.begin(), wanted.end(), record.relative, by_relative) -
              wanted.begin());
          c.started = true;
        }
        while (c.next < wanted.size() && wanted[c.next]->relative < record.relative) ++c.next;
        if (c.next == wanted.size() || wanted[c.next]->relative != record.relative) return;
        const size_t i = c.next++;
        if (claimed[i].exchange(true)) return;
        Slot& slot = (*slots)[i];
        (*docs)[i] = std::move(record.doc);
        slot.ok = record.ok;
        slot.diags = std::move(record.diags);
        slot.cached = std::move(static_cast<internal::CachedStat&>(record));
        slot.from_cache = true;
        ++c.taken;
      });
  if (!read) {
    for (Slot& slot : *slots) slot = Slot{};
    for (Document& doc : *docs) doc = Document{};
    return -1;
  }
  long unused = 0;
  for (const Cursor& c : cursors) unused += static_cast<long>(c.read - c.taken);
  return unused;
}

void SetLine(Document* doc, const std::string& key, int line) {
  if (line > 0) doc->key_lines.emplace(key, line);
}

// A metadata value as a date-time: "2024-04-10 09:12 UTC", "09:12" (on the
// incident day), "October 21, 2015 14:54".
std::optional<util::DateTime> FactTime(const std::string& value, int zone,
                                       const std::optional<util::DateTime>& day) {
  size_t used = 0;
  if (auto at = util::ParseLeadingDateTime(value, zone, &used)) {
    if (at->has_time) return at;
    // "2024-04-10, 09:12"
    std::string_view rest = util::Trim(std::string_view(value).substr(used));
    if (!rest.empty() && (rest.front() == ',' || rest.front() == 'T')) rest = util::Trim(rest.substr(1));
    if (auto t = internal::ParseLeadingTime(rest)) {
      util::DateTime d = *at;
      d.utc_seconds += t->seconds - static_cast<int64_t>(t->offset.value_or(zone)) * 60;
      d.offset_minutes = t->offset.value_or(zone);
      d.has_time = true;
      return d;
    }
    return at;
  }
  if (auto d = internal::ParseLooseDate(value, &used)) {
    std::string_view rest = util::Trim(std::string_view(value).substr(used));
    while (!rest.empty() && (rest.front() == ',' || rest.front() == '@')) rest = util::Trim(rest.substr(1));
    if (util::IStartsWith(rest, "at ")) rest = util::Trim(rest.substr(3));
    if (auto t = internal::ParseLeadingTime(rest)) {
      d->utc_seconds += t->seconds - static_cast<int64_t>(t->offset.value_or(zone)) * 60;
      d->offset_minutes = t->offset.value_or(zone);
      d->has_time = true;
    }
    return d;
  }
  if (day) {
    if (auto t = internal::ParseLeadingTime(value)) {
      util::DateTime at = *day;
      at.utc_seconds += t->seconds - static_cast<int64_t>(t->offset.value_or(zone)) * 60;
      at.offset_minutes = t->offset.value_or(zone);
      at.has_time = true;
      at.approximate = t->approximate;
      return at;
    }
  }
  return std::nullopt;
}

// Metadata and summary from the body fill the fields front matter left empty.
void ApplyBodyFacts(const internal::PlainFacts& facts, const config::SiteConfig& cfg,
                    Document* doc) {
  const int zone = cfg.timezone_offset_minutes;
  auto fact = [&](const char* field) { return facts.Find(field); };
  if (const auto* f = fact("date"); f && !doc->date) {
    if (auto at = FactTime(f->value, zone, std::nullopt)) {
      doc->date = at->has_time ? DayOf(*at) : *at;
      SetLine(doc, "date", f->line);
      if (at->has_time && !doc->incident.started) {
        // "Incident date: 2024-04-10 09:12 UTC" is when it started.
        doc->incident.started = at;
        SetLine(doc, "incident.started", f->line);
      }
    }
  }
  if (const auto* f = fact("severity"); f && doc->severity.empty()) {
    doc->severity = f->value;
    SetLine(doc, "severity", f->line);
  }
  if (const auto* f = fact("status"); f && !doc->key_lines.count("status")) {
    if (auto st = internal::NormalizeStatus(f->value)) {
      doc->status = *st;
      SetLine(doc, "status", f->line);
    }
  }
  if (const auto* f = fact("summary"); f && doc->summary.empty()) {
    doc->summary = f->value;
    SetLine(doc, "summary", f->line);
  }
  if (const auto* f = fact("facilitator"); f && doc->facilitator.empty()) {
    auto names = internal::SplitNames(f->value);
    if (!names.empty()) {
      doc->facilitator = util::Join(names, ", ");
      SetLine(doc, "facilitator", f->line);
    }
  }
  const std::pair<const char*, std::vector<std::string>*> kLists[] = {
      {"authors", &doc->authors}, {"services", &doc->services}, {"tags", &doc->tags}};
  for (const auto& [field, list] : kLists) {
    const auto* f = fact(field);
    if (!f || !list->empty()) continue;
    *list = internal::SplitNames(f->value);
    SetLine(doc, field, f->line);
  }
  // Incident times. A date-only day ("Date: 2015-10-21") anchors "09:12".
  std::optional<util::DateTime> day = doc->date;
  if (day && day->has_time) day = DayOf(*day);
  const std::pair<const char*, std::optional<util::DateTime>*> kTimes[] = {
      {"started", &doc->incident.started},
      {"detected", &doc->incident.detected},
      {"mitigated", &doc->incident.mitigated},
      {"resolved", &doc->incident.resolved},
      // "Detection: 2024-04-10 09:20" / "Resolution: ..." when they are times.
      {"detection", &doc->incident.detected},
      {"resolution", &doc->incident.resolved},
  };
  for (const auto& [field, slot] : kTimes) {
    const auto* f = fact(field);
    if (!f || *slot) continue;
    if (auto at = FactTime(f->value, zone, day); at && at->has_time) {
      *slot = at;
      SetLine(doc, std::string("incident.") + (std::string(field) == "detection" ? "detected"
                                               : std::string(field) == "resolution" ? "resolved"
                                                                                    : field),
              f->line);
    }
  }
}

// Timeline marker words fill incident times that nothing else gave.
void ApplyTimelineMarkers(Document* doc) {
  IncidentTimes& t = doc->incident;
  for (const auto& e : doc->timeline) {
    if (e.at.time_unknown) continue;
    std::string m = internal::TimelineMarker(e.text);
    std::optional<util::DateTime>* slot = m == "started"     ? &t.started
                                          : m == "detected"  ? &t.detected
                                          : m == "mitigated" ? &t.mitigated
                                          : m == "resolved"  ? &t.resolved
                                                             : nullptr;
    if (!slot || *slot) continue;
    if (m != "started" && t.started && e.at < *t.started) continue;
    *slot = e.at;
    SetLine(doc, "incident." + m, e.line);
  }
}

}  // namespace

namespace {

// Path order by components ("a" < "a/z.md" < "a-b.md"): depth first, each
// folder's entries by name, which is how util::WalkFiles visits a tree.
bool ComponentLess(std::string_view a, std::string_view b) {
  const size_t n = std::min(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    if (a[i] == b[i]) continue;
    const unsigned ca = a[i] == '/' ? 0 : static_cast<unsigned char>(a[i]) + 1u;
    const unsigned cb = b[i] == '/' ? 0 : static_cast<unsigned char>(b[i]) + 1u;
    return ca < cb;
  }
  return a.size() < b.size();
}

}  // namespace

util::WalkResult WalkFromListing(const SourceListing& listing, const std::string& extension,
                                 std::vector<const SourceListing::Entry*>* stats) {
  using Entry = SourceListing::Entry;
  // The rules of util::WalkFiles (fs.cc), for a tree without links: each
  // folder's entries in name order, depth first; dot-names skipped (and not
  // entered); files by extension. The stamp's walk lists in that order
  // already; any other listing is sorted first.
  std::vector<const Entry*> order;
  order.reserve(listing.entries.size());
  for (const Entry& e : listing.entries) order.push_back(&e);
  auto less = [](const Entry* a, const Entry* b) { return ComponentLess(a->relative, b->relative); };
  if (!std::is_sorted(order.begin(), order.end(), less))
    std::sort(order.begin(), order.end(), less);
  const std::string& root = listing.root;
  const std::string prefix = root.empty() ? std::string() : root.back() == '/' ? root : root + "/";
  util::WalkResult result;
  std::string hidden;  // "<folder>/" of a hidden folder: what follows under it is not entered
  stats->clear();
  for (const Entry* entry : order) {
    const Entry& e = *entry;
    if (!hidden.empty() && e.relative.compare(0, hidden.size(), hidden) == 0) continue;
    hidden.clear();
    const size_t slash = e.relative.rfind('/');
    const std::string_view name =
        std::string_view(e.relative).substr(slash == std::string::npos ? 0 : slash + 1);
    if (!name.empty() && name[0] == '.') {
      result.skipped.push_back(e.relative + ": hidden");
      if (e.kind == Entry::Kind::kFolder) hidden = e.relative + "/";
    } else if (e.kind == Entry::Kind::kFolder) {
      // its entries follow
    } else if (e.kind == Entry::Kind::kFile) {
      if (name.size() > extension.size() &&
          name.compare(name.size() - extension.size(), extension.size(), extension) == 0) {
        result.files.push_back({prefix + e.relative, e.relative});
        stats->push_back(&e);
      } else {
        result.skipped.push_back(e.relative + ": not a " + extension + " file");
      }
    } else {
      result.skipped.push_back(e.relative + ": not a regular file");
    }
  }
  // WalkFiles gives the files by relative path ("a-b.md" before "a/z.md"),
  // which is their walk order unless a name holds a byte below '/'.
  auto by_relative = [](const util::WalkEntry& a, const util::WalkEntry& b) {
    return a.relative < b.relative;
  };
  if (!std::is_sorted(result.files.begin(), result.files.end(), by_relative)) {
    std::vector<size_t> idx(result.files.size());
    for (size_t i = 0; i < idx.size(); ++i) idx[i] = i;
    std::sort(idx.begin(), idx.end(), [&](size_t a, size_t b) {
      return result.files[a].relative < result.files[b].relative;
    });
    std::vector<util::WalkEntry> files;
    std::vector<const Entry*> sorted_stats;
    for (size_t i : idx) {
      files.push_back(std::move(result.files[i]));
      sorted_stats.push_back((*stats)[i]);
    }
    result.files = std::move(files);
    *stats = std::move(sorted_stats);
  }
  return result;
}

void ReportOutsideLink(const std::string& link, const std::string& target,
                       const config::SiteConfig& cfg, util::Diagnostics* diags) {
  const std::string root = util::RealPath(cfg.root);
  diags->Error(link, 0, "content/outside-link",
               "is a symbolic link to " + target + ", outside the site folder " + root +
                   ": it is not read (a link may only point inside the site)",
               "replace the link with a copy of what it should publish, or move the target "
               "into the site folder");
}

bool ReadBody(const Document& doc, std::string* body, std::string* error) {
  const std::string& file = doc.path.empty() ? doc.relative_path : doc.path;
  auto text = util::ReadFile(file, error);
  if (!text) return false;
  if (doc.source_hash.empty() || util::Fingerprint(*text) != doc.source_hash) {
    *error = "the file changed while casebook was reading it";
    return false;
  }
  *body = std::string(internal::SplitFrontMatter(*text).body);
  return true;
}

bool ParseDocument(const std::string& text, const std::string& path,
                   const std::string& relative_path, const config::SiteConfig& cfg,
                   Document* doc, util::Diagnostics* diags) {
  *doc = Document{};
  doc->path = path;
  doc->relative_path = relative_path;
  const std::string& file = path.empty() ? relative_path : path;
  const std::string stem = Stem(relative_path.empty() ? path : relative_path);

  size_t bad = util::InvalidUtf8Offset(text);
  if (bad != std::string::npos) {
    int line = util::LineOfOffset(text, bad);
    size_t nl = bad == 0 ? std::string::npos : text.rfind('\n', bad - 1);
    int column = static_cast<int>(bad - (nl == std::string::npos ? 0 : nl + 1)) + 1;
    diags->Error(file, line, "schema/encoding",
                 "the file is not valid UTF-8 (invalid byte at line " + std::to_string(line) +
                     "); it is left out",
                 "save the file as UTF-8", column);
    return false;
  }

  // Bounded work: nothing reaches a parser that could stall or crash on it.
  if (!internal::WithinFileSize(static_cast<long long>(text.size()), cfg.limits, file, diags) ||
      !internal::MarkdownWithinLimits(text, 1, cfg.limits, file, diags))
    return false;

  internal::SplitResult split = internal::SplitFrontMatter(text);
  doc->front_matter = split.kind;
  if (split.unterminated) {
    std::string fence = FenceName(split.kind);
    diags->Error(file, 1, "schema/front-matter",
                 "front matter opened with " + fence + " is never closed",
                 "add a line with " + fence + " alone after the front matter", 1);
    return false;
  }
  doc->body = std::string(split.body);
  doc->body_line = split.body_line;

  const int zone = cfg.timezone_offset_minutes;
  bool timeline_key = false;
  if (split.kind != FrontMatterKind::kNone) {
    internal::FmNode root;
    if (split.kind == FrontMatterKind::kToml &&
        !internal::TomlWithinLimits(split.block, split.block_line, cfg.limits, file, diags))
      return false;
    bool ok = split.kind == FrontMatterKind::kToml
                  ? internal::ParseTomlBlock(split.block, split.block_line, file, &root, diags)
                  : internal::ParseYamlBlock(split.block, split.block_line, file, &root, diags);
    if (!ok) return false;
    internal::ApplyFrontMatter(root, zone, file, doc, diags, &cfg.fields, &cfg.taxonomies);
    timeline_key = root.Find("timeline") != nullptr;
  }

  // Id: explicit when URL-safe, else the slug of the file name.
  if (!doc->id_from_file_name && !util::IsUrlSafeId(doc->id)) {
    diags->Error(file, doc->LineOf("id"), "schema/id",
                 "id \"" + doc->id + "\" cannot be one URL path segment (no spaces, \"/\", "
                 "\"..\" or leading \".\"); using the file name instead",
                 "use letters, digits and \"-\", e.g. id = \"2024-03-12-checkout-pool\"");
    doc->id.clear();
    doc->id_from_file_name = true;
  }
  if (doc->id.empty()) {
    // A file name with no letter or digit ("🔥.md") gets a stable
    // hash-based id; a very long one is shortened (util::SafeSlug).
    util::SlugFix fix = util::SlugFix::kNone;
    doc->id = util::SafeSlug(stem, "_id-", &fix);
    if (fix == util::SlugFix::kFallback)
      diags->Warning(file, 1, "names/fallback-slug",
                     "the file name has no letter or digit to make an id of; using \"" + doc->id + "\"",
                     "rename the file or set `id = ...` in the front matter");
    doc->id_from_file_name = true;
  }

  if (doc->title_source != Document::TitleSource::kFrontMatter) {
    int heading_line = 0;
    if (auto heading = internal::FirstHeading(doc->body, &heading_line)) {
      doc->title = *heading;
      doc->title_source = Document::TitleSource::kHeading;
      doc->title_line = doc->body_line + heading_line - 1;
    } else {
      doc->title = stem;
      doc->title_source = Document::TitleSource::kFileName;
    }
  }

  const bool actions_key = doc->key_lines.count("actions") > 0;
  internal::PlainFacts facts = internal::ExtractPlainFacts(doc->body, doc->body_line);
  ApplyBodyFacts(facts, cfg, doc);

  const std::string bundle = PageBundleDir(relative_path);
  const auto file_date = util::DateInFileName(
      !bundle.empty() ? util::BaseName(bundle)
                      : util::BaseName(relative_path.empty() ? path : relative_path));
  if (doc->timeline.empty() && !timeline_key) {
    // Time-only entries ("- 14:51 ...") fall on the incident day when no
    // date line in the timeline names it.
    std::optional<util::DateTime> day = doc->date ? doc->date : file_date;
    if (day && day->has_time) day = DayOf(*day);
    doc->timeline = internal::ExtractTimeline(doc->body, doc->body_line, zone, day);
    doc->timeline_from_body = !doc->timeline.empty();
  }
  ApplyTimelineMarkers(doc);
  if (const auto* f = facts.Find("duration");
      f && doc->incident.started && !doc->incident.resolved) {
    if (auto seconds = util::ParseDuration(f->value); seconds && *seconds > 0) {
      util::DateTime end = *doc->incident.started;
      end.utc_seconds += *seconds;
      doc->incident.resolved = end;
      SetLine(doc, "incident.resolved", f->line);
    }
  }
  if (doc->actions.empty() && !actions_key && !facts.actions.empty()) {
    doc->actions = facts.actions;
    SetLine(doc, "actions", facts.actions_line);
  }
  if (!doc->severity.empty()) {
    std::vector<std::string> names, labels;
    for (const auto& level : cfg.severities) {
      names.push_back(level.name);
      labels.push_back(level.label);
    }
    doc->severity = internal::NormalizeSeverity(doc->severity, names, labels);
  }
  doc->figures = internal::ExtractFigures(doc->body, doc->body_line);

  // The incident date, never the date of writing: front matter, the body's
  // metadata, the file name, the start of the incident, the timeline.
  if (!doc->date) {
    if (file_date)
      doc->date = *file_date;
    else if (doc->incident.started)
      doc->date = DayOf(*doc->incident.started);
    else if (!doc->timeline.empty())
      doc->date = DayOf(doc->timeline.front().at);
  }
  return true;
}

LoadResult LoadAll(const config::SiteConfig& cfg, const LoadOptions& options,
                   util::Diagnostics* diags, const GitHistory* /*history*/) {
  LoadResult result;
  const std::string source = cfg.SourceDir();
  if (!util::IsDirectory(source)) {
    diags->Error(source, 0, "content/source",
                 "source folder \"" + source + "\" not found",
                 "create it, or set `source` in site.toml (or pass --source DIR)");
    return result;
  }
  // Links that leave the site are never read (util/confine.h).
  const std::vector<std::string> roots = util::AllowedRoots(cfg.root, source);
  // The build stamp's walk, when it was made of this folder (it met no
  // link, so WalkFiles would follow none): no second walk, no second stat.
  const bool from_listing = options.listing && options.listing->root == source &&
                            !util::ResolvesOutside(source, roots);
  std::vector<const SourceListing::Entry*> listed;  // walk.files[i]'s entry
  util::WalkResult walk = from_listing ? WalkFromListing(*options.listing, ".md", &listed)
                                       : util::WalkFiles(source, ".md", &roots);
  result.skipped = std::move(walk.skipped);
  for (size_t i = 0; i < walk.outside.size(); ++i)
    ReportOutsideLink(walk.outside[i].path, walk.outside_targets[i], cfg, diags);
  std::vector<const util::WalkEntry*> wanted;
  std::vector<const SourceListing::Entry*> wanted_listed;  // with a listing
  for (size_t f = 0; f < walk.files.size(); ++f) {
    const util::WalkEntry& entry = walk.files[f];
    if (auto glob = IgnoredBy(cfg, entry.relative)) {
      result.skipped.push_back(entry.relative + ": ignored (matches \"" + *glob + "\")");
      continue;
    }
    wanted.push_back(&entry);
    if (from_listing) wanted_listed.push_back(listed[f]);
  }
  // Files are read and parsed in parallel into per-file slots, then merged
  // in path order, so documents and findings do not depend on scheduling.
  // Each document is read or parsed straight into its place in `docs`,
  // which becomes the result once the documents left out are squeezed out
  // in place: not a second vector of them (at 100,000 postmortems, ~85 MB
  // of fresh memory and its page faults, and a move of every document).
  struct Slot {
    bool ok = false;
    util::Diagnostics diags;
    internal::CachedStat cached;  // stat and hash; the record read, if any
    bool from_cache = false;      // a record for this path was read
    bool changed = true;          // the record must be written again
    bool looks_like_template = false;  // internal::LooksLikeTemplate, worked out in parallel
  };
  std::vector<Slot> slots(wanted.size());
  std::vector<Document> docs(wanted.size());
  const bool use_cache = !options.cache_dir.empty();
  const std::string cache_path =
      use_cache ? internal::LoadCachePath(options.cache_dir, cfg) : std::string();
  long unused_records =
      use_cache ? ReadCache(cache_path, cfg, options.jobs, wanted, &slots, &docs) : -1;

  // A file changed this recently may change again within the same mtime
  // tick: its record keeps mtime 0 so that it is re-hashed next time.
  // (With a listing, its stats are older than now: racy from its start.)
  const int64_t racy_after = (from_listing ? options.listing->started_ns : NowNs()) - kRacyNs;
  util::ParallelFor(wanted.size(), options.jobs, [&](size_t i) {
    const util::WalkEntry& entry = *wanted[i];
    Slot& slot = slots[i];
    Document& doc = docs[i];
    int64_t size = -1, mtime = 0;
    if (from_listing) {
      size = wanted_listed[i]->size;
      mtime = wanted_listed[i]->mtime_ns;
    } else {
      StatFile(entry.path, &size, &mtime);  // the size limit needs it too
    }
    const int64_t stored_mtime = mtime >= racy_after ? 0 : mtime;
    if (!options.bodies && slot.from_cache && size == slot.cached.size &&
        slot.cached.mtime_ns != 0 && mtime == slot.cached.mtime_ns) {
      slot.changed = false;  // unchanged: taken as is
    } else if (size > cfg.limits.max_file_bytes) {
      // Not read at all: a file too large is refused by its size on disk.
      slot = Slot{};
      doc = Document{};
      internal::WithinFileSize(size, cfg.limits, entry.path, &slot.diags);
      slot.changed = false;  // never cached
      slot.cached.relative.clear();
      return;
    } else {
      std::string error;
      auto text = util::ReadFile(entry.path, &error);
      if (!text) {
        slot = Slot{};
        doc = Document{};
        slot.diags.Error(entry.path, 0, "content/unreadable", error,
                         "check the file's permissions");
        slot.changed = false;  // never cached
        slot.cached.relative.clear();
        return;
      }
      std::string hash = util::Fingerprint(*text);
      if (slot.from_cache && hash == slot.cached.hash) {
        // Same bytes (touched, or racy last time): the parse still holds.
        // The cache has no bodies: the body is the file's, past its front matter.
        slot.changed = size != slot.cached.size || stored_mtime != slot.cached.mtime_ns;
        if (options.bodies) doc.body = std::string(internal::SplitFrontMatter(*text).body);
      } else {
        doc = Document{};
        slot.diags = util::Diagnostics{};
        slot.ok = ParseDocument(*text, entry.path, entry.relative, cfg, &doc, &slot.diags);
        doc.shown_fields_clean = slot.ok && !ShownFieldsHaveControls(doc);
        // Hashed once per parse, kept in the cache with it (document.h).
        if (doc.shown_fields_clean) doc.digest_without_body = ComputeDigestWithoutBody(doc);
        // Without bodies, none is held (all of them at once would be the
        // bulk of a first build's memory): ReadBody reads it when needed.
        if (!options.bodies) std::string().swap(doc.body);
        slot.cached.hash = std::move(hash);
        slot.changed = true;
      }
      if (size < 0) size = static_cast<int64_t>(text->size());
    }
    slot.cached.relative = entry.relative;
    slot.cached.size = size;
    slot.cached.mtime_ns = stored_mtime;
    doc.path = entry.path;
    // relative_path and source_hash are moved from slot.cached once the
    // cache is written (below): not a second copy of each per document.
    const Document& d = doc;
    slot.looks_like_template =
        slot.ok && internal::LooksLikeTemplate(
                       util::BaseName(entry.relative),
                       d.title_source == Document::TitleSource::kFileName ? "" : d.title);
  });

  if (use_cache) {
    // A few stale records cost little (those files are parsed again next
    // time: every record is checked before use), rewriting the whole cache
    // costs more: it is rewritten when it could not be read or when more
    // than kRewriteAfter (or 1%) of the files changed, were added or removed
    // since it was written. Best effort: without it everything is parsed.
    size_t stale = unused_records < 0 ? 0 : static_cast<size_t>(unused_records);
    for (const Slot& slot : slots) stale += slot.changed ? 1 : 0;
    if (unused_records < 0 || stale > std::max(kRewriteAfter, slots.size() / 100)) {
      uint32_t count = 0;
      for (const Slot& slot : slots) count += slot.cached.relative.empty() ? 0 : 1;
      internal::LoadCacheWriter writer(cache_path, cfg, count);
      for (size_t i = 0; i < slots.size(); ++i) {
        const Slot& slot = slots[i];
        if (slot.cached.relative.empty()) continue;
        writer.Add(slot.cached, slot.ok ? &docs[i] : nullptr, slot.diags);
      }
      writer.Commit();
    }
  }
  size_t kept = 0;  // docs[0, kept) are the documents kept so far
  for (size_t i = 0; i < slots.size(); ++i) {
    Slot& slot = slots[i];
    diags->Append(slot.diags);
    if (!slot.ok) continue;
    Document& doc = docs[i];
    doc.relative_path = std::move(slot.cached.relative);  // == wanted[i]->relative
    doc.source_hash = std::move(slot.cached.hash);
    const Document& d = doc;
    if (slot.looks_like_template && !Included(cfg, d.relative_path)) {
      result.skipped.push_back(d.relative_path +
                               ": skipped as a template (its name or title says so); list it in "
                               "`include` in site.toml to publish it");
      continue;
    }
    if (doc.status == "draft" && !options.include_drafts) {
      result.drafts.push_back(wanted[i]->relative);
      continue;
    }
    if (kept != i) docs[kept] = std::move(doc);
    ++kept;
  }
  docs.erase(docs.begin() + static_cast<std::ptrdiff_t>(kept), docs.end());
  result.documents = std::move(docs);

  return result;
}

}  // namespace casebook::content
