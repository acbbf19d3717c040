// The source folder -> Documents (see loader.h).
#include "content/loader.h"

#include "util/parallel.h"

#include <fnmatch.h>

#include "content/front_matter.h"
#include "content/plain_markdown.h"
#include "util/fs.h"
#include "util/parallel.h"
#include "util/slug.h"
#include "util/text.h"

namespace casebook::content {

namespace {

std::string Stem(const std::string& relative_path) {
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

std::optional<std::string> IgnoredBy(const config::SiteConfig& cfg, const std::string& relative) {
  std::string name = util::BaseName(relative);
  for (const auto& glob : cfg.ignore) {
    if (fnmatch(glob.c_str(), name.c_str(), 0) == 0 ||
        fnmatch(glob.c_str(), relative.c_str(), 0) == 0)
      return glob;
  }
  return std::nullopt;
}

}  // namespace

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
    bool ok = split.kind == FrontMatterKind::kToml
                  ? internal::ParseTomlBlock(split.block, split.block_line, file, &root, diags)
                  : internal::ParseYamlBlock(split.block, split.block_line, file, &root, diags);
    if (!ok) return false;
    internal::ApplyFrontMatter(root, zone, file, doc, diags);
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
    doc->id = util::Slugify(stem);
    if (doc->id.empty()) doc->id = "untitled";
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

  if (doc->timeline.empty() && !timeline_key) {
    doc->timeline = internal::ExtractTimeline(doc->body, doc->body_line, zone);
    doc->timeline_from_body = !doc->timeline.empty();
  }
  doc->figures = internal::ExtractFigures(doc->body, doc->body_line);

  if (!doc->date) {
    if (auto d = util::DateInFileName(util::BaseName(relative_path.empty() ? path : relative_path)))
      doc->date = *d;
    else if (!doc->timeline.empty())
      doc->date = DayOf(doc->timeline.front().at);
  }
  return true;
}

LoadResult LoadAll(const config::SiteConfig& cfg, const LoadOptions& options,
                   util::Diagnostics* diags, const GitHistory* history) {
  LoadResult result;
  const std::string source = cfg.SourceDir();
  if (!util::IsDirectory(source)) {
    diags->Error(source, 0, "content/source",
                 "source folder \"" + source + "\" not found",
                 "create it, or set `source` in site.toml (or pass --source DIR)");
    return result;
  }
  util::WalkResult walk = util::WalkFiles(source, ".md");
  result.skipped = std::move(walk.skipped);
  std::vector<const util::WalkEntry*> wanted;
  for (const auto& entry : walk.files) {
    if (auto glob = IgnoredBy(cfg, entry.relative)) {
      result.skipped.push_back(entry.relative + ": ignored (matches \"" + *glob + "\")");
      continue;
    }
    wanted.push_back(&entry);
  }
  // Files are read and parsed in parallel into per-file slots, then merged
  // in path order, so documents and findings do not depend on scheduling.
  struct Slot {
    Document doc;
    bool ok = false;
    util::Diagnostics diags;
  };
  std::vector<Slot> slots(wanted.size());
  util::ParallelFor(wanted.size(), options.jobs, [&](size_t i) {
    const util::WalkEntry& entry = *wanted[i];
    Slot& slot = slots[i];
    std::string error;
    auto text = util::ReadFile(entry.path, &error);
    if (!text) {
      slot.diags.Error(entry.path, 0, "content/unreadable", error,
                       "check the file's permissions");
      return;
    }
    slot.ok = ParseDocument(*text, entry.path, entry.relative, cfg, &slot.doc, &slot.diags);
  });
  for (size_t i = 0; i < slots.size(); ++i) {
    Slot& slot = slots[i];
    diags->Append(slot.diags);
    if (!slot.ok) continue;
    if (slot.doc.status == "draft" && !options.include_drafts) {
      result.drafts.push_back(wanted[i]->relative);
      continue;
    }
    result.documents.push_back(std::move(slot.doc));
  }

  // Last resort for the date: the file's last commit. git runs once, and
  // only when some document needs it.
  GitHistory own;
  for (auto& doc : result.documents) {
    if (doc.date) continue;
    if (!history) {
      own = GitHistory::Read(source);
      history = &own;
    }
    if (const FileHistory* h = history->Find(doc.relative_path))
      doc.date = DayOf(h->last_changed);
  }
  return result;
}

}  // namespace casebook::content
