// Rendering bodies and linking incidents to each other.
#include <algorithm>
#include <set>
#include <string_view>
#include <unordered_map>

#include "content/loader.h"
#include "model/attachments.h"
#include "model/body_store.h"
#include "model/render_cache.h"
#include "model/steps.h"
#include "util/fs.h"
#include "util/parallel.h"
#include "util/slug.h"

namespace casebook::model {
namespace {

constexpr size_t kRewriteAfter = 32;

// Resolves a link written in `from` to a postmortem index. `target` is an id
// (wiki) or a path to a .md file relative to `from` ("/x.md" is relative to
// the source folder). The "#fragment" is returned separately.
std::optional<int> ResolveTarget(const SiteModel& site, const Postmortem& from,
                                 const std::string& target, bool wiki,
                                 std::string* fragment) {
  std::string path = target;
  size_t hash = path.find('#');
  if (hash != std::string::npos) {
    if (fragment) *fragment = path.substr(hash);
    path.resize(hash);
  }
  if (wiki) {
    auto it = site.by_id.find(path);
    if (it == site.by_id.end()) it = site.by_id.find(util::Slugify(path));
    if (it == site.by_id.end()) return std::nullopt;
    return it->second;
  }
  std::string relative = !path.empty() && path.front() == '/'
                             ? path.substr(1)
                             : util::JoinPath(util::DirName(from.doc.relative_path), path);
  auto it = site.by_path.find(util::NormalizePath(relative));
  if (it == site.by_path.end() && relative.find('%') != std::string::npos)
    it = site.by_path.find(util::NormalizePath(internal::PercentDecoded(relative)));
  if (it == site.by_path.end()) return std::nullopt;
  return it->second;
}

// A title taken from the body's "# " heading is shown in the page header, so
// the heading is blanked (keeping line numbers) rather than shown twice.
std::string BodyWithoutTitle(const content::Document& doc, const std::string& markdown) {
  if (doc.title_source != content::Document::TitleSource::kHeading || doc.title_line <= 0)
    return markdown;
  std::string body = markdown;
  size_t start = 0;
  for (int line = doc.body_line; line < doc.title_line && start != std::string::npos; ++line) {
    start = body.find('\n', start);
    if (start != std::string::npos) ++start;
  }
  if (start == std::string::npos) return body;
  size_t end = body.find('\n', start);
  body.erase(start, end == std::string::npos ? std::string::npos : end - start);
  return body;
}

// The resolver RenderOne uses: the URL of the postmortem `target` names
// (plus its #fragment), or nullopt.
std::optional<std::string> Resolve(const std::string& base, const SiteModel& site,
                                   const Postmortem& pm, const std::string& target, bool wiki) {
  std::string fragment;
  auto index = ResolveTarget(site, pm, target, wiki, &fragment);
  if (!index) return std::nullopt;
  return base + site.postmortems[*index].url + fragment;
}

// The file resolver RenderOne uses: the URL a linked local file is
// published at, or nullopt (attachments.h).
std::optional<std::string> ResolveFile(const std::string& base, const internal::FileLocator& files,
                                       const Postmortem& pm, const std::string& target) {
  internal::FileTarget t = files.Locate(pm, target);
  if (t.status != internal::FileStatus::kPublished) return std::nullopt;
  return base + t.output;
}

// The lessons-learned section as plain text and the heading it was under
// (Postmortem::lessons), from the Markdown.
void FindLessons(const std::string& markdown, Postmortem* pm) {
  pm->lessons_heading.clear();
  pm->lessons = markdown::MarkdownToPlain(markdown::LessonsMarkdown(markdown, &pm->lessons_heading));
}

// The Markdown of `pm`'s body: in memory, or read again from its file when
// the loader left it out (content::LoadOptions::bodies).
bool MarkdownOf(const Postmortem& pm, std::string* body, std::string* error) {
  if (!pm.doc.body.empty() || pm.doc.source_hash.empty()) {
    *body = pm.doc.body;
    return true;
  }
  return content::ReadBody(pm.doc, body, error);
}

// Renders one postmortem's Markdown, recording every question asked of the
// resolvers and its answer in `answers` (what the render cache checks).
// `markdown` is its body (MarkdownOf).
void RenderOne(const config::SiteConfig& cfg, const std::string& base,
               const SiteModel& site, const internal::FileLocator& files,
               const std::string& markdown, Postmortem* pm,
               std::vector<internal::ResolverAnswer>* answers) {
  markdown::Options options;
  options.unsafe = cfg.markdown_unsafe;
  options.line_offset = pm->doc.body_line - 1;
  options.resolver = [&](const std::string& target,
                         bool wiki) -> std::optional<std::string> {
    std::optional<std::string> url = Resolve(base, site, *pm, target, wiki);
    answers->push_back({target, wiki, false, url.has_value(), url.value_or(std::string())});
    return url;
  };
  options.file_resolver = [&](const std::string& target) -> std::optional<std::string> {
    std::optional<std::string> url = ResolveFile(base, files, *pm, target);
    answers->push_back({target, false, true, url.has_value(), url.value_or(std::string())});
    return url;
  };
  pm->body = markdown::Render(BodyWithoutTitle(pm->doc, markdown), options);
  pm->body_hash = BodyHash(pm->body.html, pm->body.plain_text);
  pm->stored = StoredBody{};
  FindLessons(markdown, pm);
  // Short fragments: same rules, links resolved, but no line numbers needed.
  markdown::Options inline_options = options;
  inline_options.line_offset = 0;
  pm->summary_html = markdown::RenderInline(pm->doc.summary, inline_options);
  pm->timeline_html.clear();
  for (const auto& entry : pm->doc.timeline)
    pm->timeline_html.push_back(markdown::RenderInline(entry.text, inline_options));
  pm->action_html.clear();
  for (const auto& action : pm->doc.actions)
    pm->action_html.push_back(markdown::RenderInline(action.text, inline_options));
  pm->fragments_digest = ComputeFragmentsDigest(*pm);
}

void ReportBrokenLinks(const Postmortem& pm, util::Diagnostics* diags) {
  for (const auto& link : pm.body.links) {
    if (link.resolved || link.file) continue;
    diags->Warning(pm.doc.SourceName(), link.line, "links/broken",
                   (link.wiki ? "[[" + link.target + "]]" : link.target) +
                       " does not name a postmortem in this archive",
                   link.wiki ? "use the id of an existing postmortem"
                             : "use a path relative to this file, e.g. ../2023/other.md",
                   link.column);
  }
}

// True when `record` was rendered from this document's bytes and every
// question its rendering asked gets the same answer from today's archive:
// then rendering again would give exactly what it holds.
bool StillValid(const internal::RenderRecord& record, const std::string& base,
                const SiteModel& site, const internal::FileLocator& files,
                const Postmortem& pm) {
  if (pm.doc.source_hash.empty() || record.source_hash != pm.doc.source_hash) return false;
  for (const auto& a : record.answers) {
    std::optional<std::string> url = a.file ? ResolveFile(base, files, pm, a.target)
                                            : Resolve(base, site, pm, a.target, a.wiki);
    if (url.has_value() != a.found || (url && *url != a.url)) return false;
  }
  return true;
}

}  // namespace

namespace {

// Keeps a rendered body in the text file (when there is one) instead of
// memory. Kept in memory when it cannot be written.
void StoreBody(BodyStore* store, Postmortem* pm) {
  if (!store || !store->Append(pm->body.html, pm->body.plain_text, &pm->stored)) return;
  std::string().swap(pm->body.html);
  std::string().swap(pm->body.plain_text);
}

// Rewrites the text file with only the bodies records point at, when more
// than half of it is garbage (bodies rendered again since it was written).
// Returns the store the postmortems now point into.
std::shared_ptr<BodyStore> CompactIfWasteful(const std::string& path, const config::SiteConfig& cfg,
                                             std::shared_ptr<BodyStore> store, SiteModel* site) {
  uint64_t live = 0;
  for (const auto& pm : site->postmortems)
    if (pm.stored.store) live += uint64_t{pm.stored.html_size} + pm.stored.text_size;
  if (store->size() <= 2 * live + (1 << 20)) return store;
  std::shared_ptr<BodyStore> fresh = BodyStore::Create(path, cfg.markdown_unsafe);
  if (!fresh) return store;
  std::vector<StoredBody> moved(site->postmortems.size());
  for (size_t i = 0; i < moved.size(); ++i) {
    const Postmortem& pm = site->postmortems[i];
    if (!pm.stored.store) continue;
    // A body that cannot be read back (or written) leaves every body where
    // it is: the old file is kept.
    std::string html, text;
    if (!store->Read(pm.stored, pm.body_hash, &html, &text) ||
        !fresh->Append(html, text, &moved[i]))
      return store;
  }
  for (size_t i = 0; i < moved.size(); ++i)
    if (site->postmortems[i].stored.store) site->postmortems[i].stored = moved[i];
  return fresh;
}

}  // namespace

struct RenderCacheReadAhead::Read {
  std::vector<internal::RenderRecord> records;
  std::string generation;
};

RenderCacheReadAhead::RenderCacheReadAhead(const config::SiteConfig& cfg,
                                           const std::string& cache_dir, int jobs)
    : cfg_(&cfg), cache_dir_(cache_dir), read_(new Read) {
  if (cache_dir.empty()) return;
  thread_ = std::make_unique<std::thread>([this, jobs] {
    read_->records = internal::ReadRenderCache(internal::RenderCachePath(cache_dir_, *cfg_), *cfg_,
                                               jobs, &read_->generation);
  });
}

RenderCacheReadAhead::~RenderCacheReadAhead() {
  if (thread_) thread_->join();
}

void RenderCacheReadAhead::FreeRead::operator()(Read* read) const { delete read; }

RenderCacheReadAhead::ReadPtr RenderCacheReadAhead::Take(
    const config::SiteConfig& cfg, const std::string& cache_dir) {
  if (thread_) {
    thread_->join();
    thread_.reset();
  }
  if (&cfg != cfg_ || cache_dir != cache_dir_ || cache_dir.empty()) return nullptr;
  return std::move(read_);
}

void RenderBodies(const config::SiteConfig& cfg, SiteModel* site, int jobs,
                  const std::string& cache_dir, bool keep_markdown,
                  RenderCacheReadAhead* read_ahead, const std::vector<size_t>* path_order,
                  util::Diagnostics* diags) {
  const std::string base = cfg.BasePath();
  const size_t n = site->postmortems.size();
  const bool use_cache = !cache_dir.empty();
  const std::string cache_path =
      use_cache ? internal::RenderCachePath(cache_dir, cfg) : std::string();
  const std::string text_path =
      use_cache ? internal::BodyTextPath(cache_dir, cfg) : std::string();
  std::vector<internal::RenderRecord> records;
  std::unordered_map<std::string_view, size_t> by_relative;
  std::shared_ptr<BodyStore> store;
  if (use_cache) {
    std::string generation;
    RenderCacheReadAhead::ReadPtr read =
        read_ahead ? read_ahead->Take(cfg, cache_dir) : nullptr;
    if (read) {
      records = std::move(read->records);
      generation = std::move(read->generation);
    } else {
      records = internal::ReadRenderCache(cache_path, cfg, jobs, &generation);
    }
    if (!records.empty())
      store = BodyStore::OpenExisting(text_path, generation, cfg.markdown_unsafe);
    if (!store) {
      // No records, or no text file of theirs: everything is rendered into
      // a new file.
      records.clear();
      std::string error;
      if (util::MakeDirs(cache_dir, &error)) store = BodyStore::Create(text_path, cfg.markdown_unsafe);
    }
  }
  // Each postmortem's record (or none): the records are in path order as
  // written, so with the postmortems' path order one merge finds them;
  // otherwise (a file written differently) a map of the paths does.
  constexpr size_t kNone = static_cast<size_t>(-1);
  std::vector<size_t> record_of(n, kNone);
  auto by_relative_path = [](const internal::RenderRecord& a, const internal::RenderRecord& b) {
    return a.relative < b.relative;
  };
  if (records.empty()) {
  } else if (path_order && path_order->size() == n &&
             std::is_sorted(records.begin(), records.end(), by_relative_path)) {
    size_t r = 0;
    for (size_t i : *path_order) {
      const std::string& relative = site->postmortems[i].doc.relative_path;
      while (r < records.size() && records[r].relative < relative) ++r;
      if (r < records.size() && records[r].relative == relative) record_of[i] = r++;
    }
  } else {
    by_relative.reserve(records.size());
    for (size_t r = 0; r < records.size(); ++r) by_relative.emplace(records[r].relative, r);
    for (size_t i = 0; i < n; ++i) {
      auto it = by_relative.find(site->postmortems[i].doc.relative_path);
      if (it != by_relative.end()) record_of[i] = it->second;
    }
  }
  const internal::FileLocator files(cfg, *site);
  std::vector<std::vector<internal::ResolverAnswer>> answers(n);
  std::vector<char> rendered(n, 0);  // 1: rendered now, 0: taken from the cache
  // Each postmortem's findings go to its own list, merged in model order, so
  // the report does not depend on thread scheduling.
  std::vector<util::Diagnostics> found(n);
  util::ParallelFor(n, jobs, [&](size_t i) {
    Postmortem& pm = site->postmortems[i];
    const size_t r = record_of[i];
    if (r != kNone && store->Contains(records[r].stored) &&
        StillValid(records[r], base, *site, files, pm)) {
      internal::RenderRecord& record = records[r];
      pm.body = std::move(record.body);
      pm.body_hash = std::move(record.body_hash);
      pm.stored = record.stored;
      pm.stored.store = store.get();
      pm.summary_html = std::move(record.summary_html);
      pm.timeline_html = std::move(record.timeline_html);
      pm.action_html = std::move(record.action_html);
      pm.lessons = std::move(record.lessons);
      pm.lessons_heading = std::move(record.lessons_heading);
      pm.fragments_digest = record.fragments_digest;
      answers[i] = std::move(record.answers);
    } else {
      std::string markdown, error;
      const bool have_markdown = MarkdownOf(pm, &markdown, &error);
      if (!have_markdown)
        found[i].Error(pm.doc.SourceName(), 0, "content/unreadable",
                       "could not be read again to render it: " + error,
                       "run the build again once the file is saved");
      RenderOne(cfg, base, *site, files, markdown, &pm, &answers[i]);
      if (have_markdown) StoreBody(store.get(), &pm);  // else never cached
      rendered[i] = 1;
    }
    if (!keep_markdown) std::string().swap(pm.doc.body);
    ReportBrokenLinks(pm, &found[i]);
    internal::ReportFileLinks(cfg, files, pm, &found[i]);
  });
  for (const auto& d : found) diags->Append(d);
  internal::CollectAttachments(cfg, files, answers, site, diags);
  if (use_cache) {
    // A few stale records cost little (those pages are rendered again next
    // time: every record is checked before use), rewriting the whole cache
    // costs more: it is rewritten when it could not be read or when more
    // than kRewriteAfter (or 1%) of the postmortems were rendered or went
    // unused.
    size_t reused = 0, stale = 0;
    for (size_t i = 0; i < n; ++i) {
      reused += rendered[i] ? 0 : 1;
      stale += rendered[i] ? 1 : 0;
    }
    stale += records.size() - reused;  // records no postmortem used
    const bool dirty = records.empty() || stale > std::max(kRewriteAfter, n / 100);
    by_relative.clear();
    records.clear();
    records.shrink_to_fit();
    if (dirty && store) {
      store = CompactIfWasteful(text_path, cfg, std::move(store), site);
      std::vector<internal::RecordRef> refs;
      refs.reserve(n);
      for (size_t i = 0; i < n; ++i) {
        const Postmortem& pm = site->postmortems[i];
        // Not from a file, or its body could not be stored: not cached.
        if (pm.doc.source_hash.empty() || !pm.stored.store) continue;
        refs.push_back({&pm.doc.relative_path, &pm.doc.source_hash, &answers[i], &pm.body,
                        &pm.body_hash, &pm.stored, &pm.summary_html, &pm.timeline_html,
                        &pm.action_html, &pm.lessons, &pm.lessons_heading,
                        &pm.fragments_digest});
      }
      // Path order, so the file does not depend on the model's order.
      std::sort(refs.begin(), refs.end(), [](const auto& a, const auto& b) {
        return *a.relative < *b.relative;
      });
      if (store->Publish())  // the records go with this file
        internal::WriteRenderCache(cache_path, cfg, store->generation(), refs);  // best effort
    }
  }
  // A stored body keeps what rendering it asked, to render it again if the
  // text file turns out damaged (BodyHtml).
  for (size_t i = 0; i < n; ++i)
    if (site->postmortems[i].stored.store) site->postmortems[i].answers = std::move(answers[i]);
  site->body_store = std::move(store);
}

namespace internal {

bool RenderAgain(const Postmortem& pm, bool markdown_unsafe, std::string* html,
                 std::string* plain_text, std::string* error) {
  std::string markdown;
  if (!MarkdownOf(pm, &markdown, error)) return false;
  // The answers the archive gave when it was rendered (and still gives:
  // the record was only used because they held).
  auto answer = [&pm](const std::string& target, bool wiki,
                      bool file) -> std::optional<std::string> {
    for (const auto& a : pm.answers)
      if (a.target == target && a.wiki == wiki && a.file == file && a.found) return a.url;
    return std::nullopt;
  };
  markdown::Options options;
  options.unsafe = markdown_unsafe;
  options.line_offset = pm.doc.body_line - 1;
  options.resolver = [&](const std::string& target, bool wiki) {
    return answer(target, wiki, false);
  };
  options.file_resolver = [&](const std::string& target) { return answer(target, false, true); };
  markdown::Rendered body = markdown::Render(BodyWithoutTitle(pm.doc, markdown), options);
  *html = std::move(body.html);
  *plain_text = std::move(body.plain_text);
  return true;
}

}  // namespace internal

void LinkIncidents(SiteModel* site, util::Diagnostics* diags) {
  auto& pms = site->postmortems;
  // Pairs (target, source), sorted and made unique once at the end.
  std::vector<std::pair<int, int>> referenced_by;
  for (size_t i = 0; i < pms.size(); ++i) {
    Postmortem& pm = pms[i];
    std::vector<int> related_seen;
    for (const auto& id : pm.doc.related) {
      auto it = site->by_id.find(id);
      if (it == site->by_id.end()) {
        diags->Warning(pm.doc.SourceName(), pm.doc.LineOf("related"), "links/related",
                       "related id \"" + id + "\" does not name a postmortem in this archive",
                       "use the id of an existing postmortem (its file name without .md, "
                       "or its `id`)");
        continue;
      }
      if (it->second == static_cast<int>(i) ||
          std::find(related_seen.begin(), related_seen.end(), it->second) != related_seen.end())
        continue;
      related_seen.push_back(it->second);
      pm.related.push_back(it->second);
      referenced_by.emplace_back(it->second, static_cast<int>(i));
    }
    for (const auto& link : pm.body.links) {
      if (!link.resolved || link.file) continue;
      auto index = ResolveTarget(*site, pm, link.target, link.wiki, nullptr);
      if (index && *index != static_cast<int>(i)) referenced_by.emplace_back(*index, static_cast<int>(i));
    }
  }
  std::sort(referenced_by.begin(), referenced_by.end());
  referenced_by.erase(std::unique(referenced_by.begin(), referenced_by.end()), referenced_by.end());
  for (auto& pm : pms) pm.referenced_by.clear();
  for (const auto& [target, source] : referenced_by) pms[target].referenced_by.push_back(source);

  // Previous/next by incident date among dated postmortems (list is newest
  // first, so the previous incident is the next dated one down the list).
  int newer = -1;
  for (size_t i = 0; i < pms.size(); ++i) {
    if (!pms[i].incident_date) continue;
    if (newer >= 0) {
      pms[i].next = newer;
      pms[newer].previous = static_cast<int>(i);
    }
    newer = static_cast<int>(i);
  }
}

}  // namespace casebook::model
