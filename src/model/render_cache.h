// The model's build cache: each postmortem's rendered Markdown (headings,
// links, lessons; summary, timeline and action item HTML; where its body
// HTML and plain text are), so an unchanged document is not rendered again.
// Internal to links.cc.
//
// One binary file, <cache_dir>/bodies-<hash of the source folder>, in two
// checksummed halves read on two threads, written atomically (write, then
// rename) when anything changed. Its header holds a format version, the casebook version and every
// setting rendering reads (source folder, timezone, markdown.unsafe, the base
// path) and the generation of the text file (body_store.h) its records point
// into; when any differs, or the file is truncated or corrupt, it is ignored.
// The body HTML and plain text are not in it: each record has their hash and
// their span in the text file, read only when a page or the index needs them.
// Each record also keeps the digest of its summary, timeline, action and
// lessons fragments (Postmortem::fragments_digest), worked out once when
// they were rendered, so build keys need not hash those texts again.
//
// A record is keyed by the document's relative path and source_hash (the
// Fingerprint of its bytes: with the header, everything the Document was
// parsed from). Rendering also depends on the other postmortems, but only
// through the link resolver's answers, so a record keeps every question the
// renderer asked (target, wiki) and the answer (URL or none): it is reused
// only when the current archive gives the same answers, so a link target
// that appears, disappears or moves re-renders the linking page (and so
// does a linked local file that appears, disappears or grows over the limit). Broken-link
// warnings are derived from the links afterwards, cached or not.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "config/config.h"
#include "markdown/markdown.h"
#include "model/postmortem.h"

namespace casebook::model::internal {

using ResolverAnswer = model::ResolverAnswer;

struct RenderRecord {
  std::string relative;
  std::string source_hash;
  std::vector<ResolverAnswer> answers;
  markdown::Rendered body;  // headings and links (no html, no plain_text)
  std::string body_hash;
  StoredBody stored;  // offset and sizes in the text file
  std::string summary_html;
  std::vector<std::string> timeline_html;
  std::vector<std::string> action_html;
  std::string lessons, lessons_heading;
  std::array<uint64_t, 2> fragments_digest{};  // of the five above (FragmentsDigest)
};

/// <cache_dir>/bodies-<16 hex digits of the source folder's Fingerprint>.
std::string RenderCachePath(const std::string& cache_dir, const config::SiteConfig& cfg);

/// <cache_dir>/bodytext-<the same>: the bodies' text file (body_store.h).
std::string BodyTextPath(const std::string& cache_dir, const config::SiteConfig& cfg);

/// Every record of a cache written with the same settings (its two halves
/// read on up to `jobs` threads), and the generation of the text file they
/// point into; empty when the file is absent, stale, truncated or corrupt.
std::vector<RenderRecord> ReadRenderCache(const std::string& path,
                                          const config::SiteConfig& cfg, int jobs,
                                          std::string* generation);

/// A record to write, pointing into the model (so nothing is copied).
struct RecordRef {
  const std::string* relative;
  const std::string* source_hash;
  const std::vector<ResolverAnswer>* answers;
  const markdown::Rendered* body;
  const std::string* body_hash;
  const StoredBody* stored;
  const std::string* summary_html;
  const std::vector<std::string>* timeline_html;
  const std::vector<std::string>* action_html;
  const std::string* lessons;
  const std::string* lessons_heading;
  const std::array<uint64_t, 2>* fragments_digest;
};

/// Writes the records (whose bodies are in the text file of `generation`)
/// atomically; false on error (the cache is only an optimisation).
bool WriteRenderCache(const std::string& path, const config::SiteConfig& cfg,
                      const std::string& generation, const std::vector<RecordRef>& records);

}  // namespace casebook::model::internal
