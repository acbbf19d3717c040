// Publishing: brings a staging folder beside the output (".<output>.staging")
// up to date with the new site while it is rendered, then swaps the two
// folders with one atomic rename (renameat2 RENAME_EXCHANGE), so readers and
// web servers never see a half-written site and a failed build changes
// nothing in the output.
//
// The staging folder is the previous generation, kept after each swap and
// updated in place next time: files whose bytes are unchanged are hard links
// to the published ones (same inode, so they keep their mtimes and rsync or a
// CDN uploads only what changed), changed files are written anew (never into
// a shared inode), and files no longer in the site are removed. Deleting
// folders is slow on file systems mounted with `discard`, so none is
// recreated on a rebuild.
//
// Two manifests in the cache folder (one for the output, one for staging)
// record each file's key (what it was made from), content hash, size, mtime
// and inode. A file is trusted to be what the manifest says only while its
// size, mtime and inode still match, so a hand-edited or deleted output file
// is noticed and rewritten; a file restored from a copy (same size, new mtime
// and inode) is trusted again once its bytes hash to the recorded content.
// With them a rebuild needs no reading of the old output: when nothing
// changed, nothing on disk is touched at all. A missing
// or unreadable manifest only costs time (files are then compared by bytes).
// Open lstats each listed file once; the build trusts that look (a file
// edited by hand later is noticed by the next build, whose lstat no longer
// matches). After a swap, the output's manifest is moved to be staging's
// rather than written again, and staging's is read only when staging is
// first written to.
//
// A manifest is trusted only for the folder it names and only while that
// folder is the one it described: it carries a checksum of its text, the
// folder's absolute path and device, and the identity (inode, mtime) of the
// folder's marker file (kOutputMarker), which is written anew into staging
// on every build that changes it. A manifest from another folder, from an
// older generation (a restored CI cache, a swapped file) or damaged in any
// way is therefore never taken as the list of what a folder holds: the
// output's files are then verified one by one (and the folder walked for
// files it does not list), and a staging folder nobody can vouch for is
// emptied before it is written into, so a build that failed half way (disk
// full, kill -9) never leaves anything the next build would publish or
// trip over.
//
// Files arrive from the render threads as they are made (Put / Keep), so the
// whole site is never held in memory. A lock file keeps two builds from
// publishing at once.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "site/manifest.h"
#include "util/hash.h"

namespace casebook::site {

struct PublishStats {
  int written = 0;    // new or changed files
  int unchanged = 0;  // kept from the previous output
  int removed = 0;    // in the previous output, no longer in the site
};

/// Static files to copy into the output: relative path -> file. Later
/// folders override earlier ones (theme static/, then the site's static/).
using StaticFiles = std::map<std::string, std::string>;
StaticFiles ListStaticFiles(const std::vector<std::string>& dirs);

class Publisher {
 public:
  /// Locks the output folder (waiting for another build to finish) and reads
  /// the manifests from `cache_dir`. nullptr with `error` when the lock or
  /// the staging folder cannot be had.
  static std::unique_ptr<Publisher> Open(const std::string& output_dir,
                                         const std::string& cache_dir, std::string* error);
  ~Publisher();
  /// Ends `publisher` as its destructor would (staging cleaned up after a
  /// failed publish, the output folder unlocked), but leaves its manifests
  /// (134,500 entries each at 100,000 postmortems) to the process's end
  /// (util::LeaveToExit) rather than freeing them entry by entry: for a
  /// process that ends right after the build (BuildOptions::free_memory).
  static void LeaveToExit(std::unique_ptr<Publisher> publisher);
  /// True when this publisher was opened for `output_dir` and `cache_dir`.
  bool OpenedFor(const std::string& output_dir, const std::string& cache_dir) const;

  /// The key the file at `path` (relative) was made from, if the published
  /// file is still exactly that file; "" otherwise. Thread-safe. A view of
  /// the published entry's key (valid while the publisher is, until
  /// Commit), not a copy: a build asks it for every file, ~134,500 at
  /// 100,000 postmortems.
  std::string_view PublishedKey(const std::string& path) const;

  /// The key of everything the last published site was made from (see
  /// Commit; opaque here: a build keeps its site and lists keys in it), ""
  /// when unknown.
  const std::string& PublishedSiteKey() const { return published_site_key_; }
  /// Keeps every published file as it is, when each one is still intact
  /// (else false, and nothing is kept). For a build whose inputs are all
  /// unchanged.
  /// `as_opened`: trust what Open found (every file as listed) without a
  /// second lstat of each; for a build that decides right after Open.
  bool KeepAll(bool as_opened = false);
  /// True when every published file is still intact, as KeepAll checks it,
  /// but nothing is kept: for a build that ends here (the no-change
  /// rebuild), which need not copy the manifest into the new site's.
  bool AllIntact(bool as_opened = false) const;
  /// True when the output folder is exactly what the manifest lists, as it
  /// was written (no file restored with new mtimes, none unlisted): a build
  /// that changes nothing need not touch the manifest or the folder.
  bool Exact() const { return !revalidated_ && !output_unlisted_; }

  /// The published file at `path` is still right (its key was unchanged).
  /// Thread-safe.
  void Keep(const std::string& path, const std::string& key);
  /// Keep with the published key, when the published file at `path` is
  /// still exactly that file (PublishedKey is not "") and, unless `key` is
  /// "", that key is `key`: one lookup, no key copied. False, and nothing
  /// kept, otherwise. Thread-safe.
  bool KeepPublished(const std::string& path, std::string_view key = {});
  /// New content for `path`, made from `key` ("" = key it by its content).
  /// Written to staging at once unless the published bytes are the same.
  /// Thread-safe.
  bool Put(const std::string& path, const std::string& key, const std::string& content,
           std::string* error);

  /// A file written into staging a piece at a time (for the large ones),
  /// never held whole: its content hash is made as it is written. Without
  /// a successful Close the partial file is removed and nothing is recorded.
  class Stream {
   public:
    ~Stream();
    /// False with `error` when the bytes could not be written (then every
    /// later call fails too).
    bool Write(std::string_view bytes, std::string* error);
    /// The file is complete, made from `key` ("" = key it by its content);
    /// recorded as Put records a file (kept as published when its bytes
    /// are the published file's).
    bool Close(const std::string& key, std::string* error);

   private:
    friend class Publisher;
    Stream(Publisher* pub, std::string path, std::string full)
        : pub_(pub), path_(std::move(path)), full_(std::move(full)) {}
    Publisher* pub_;
    std::string path_, full_;
    int fd_ = -1;
    util::StreamHash hash_;
  };
  /// Opens `path` in staging for a Stream. nullptr with `error` when it
  /// cannot be created. Thread-safe (one Stream per path).
  std::unique_ptr<Stream> OpenStream(const std::string& path, std::string* error);

  /// Adds the static files (a rendered file of the same path wins), makes
  /// staging exactly the new site
  /// and swaps it in, then saves the manifests with `site_key` (what the
  /// whole site was made from; "" = unknown). Does nothing on disk when no
  /// file changed. Call once, after every Put / Keep.
  bool Commit(const StaticFiles& statics, const std::string& site_key,
              PublishStats* stats, std::string* error);

 private:
  Publisher() = default;
  bool Stage(const std::string& path, const std::string& content, PublishedFile* file,
             std::string* error);
  bool PublishedSame(const std::string& path, PublishedFile* f) const;
  void Record(const std::string& path, PublishedFile f, bool written);
  void LoadStagingManifest();
  void TouchStaging();
  void EmptyStaging();
  void Revalidate();
  bool SyncStaging(std::string* error);

  void FindUnlisted();
  void LinkStagingCopy();
  void MergeKept();
  /// The published entry of `path` (nullptr: none), by a hash index of
  /// published_ made on the first call: the render asks for every file's
  /// entry twice (its key, then Keep; KeepPublished once), ~270,000 lookups at 100,000
  /// postmortems, each a walk down a tree of string comparisons in the map.
  PublishedFile* FindPublished(const std::string& path) const;
  /// FindPublished's entry when the published file is still exactly as
  /// listed (PublishedKey, KeepPublished); nullptr otherwise.
  PublishedFile* IntactPublished(const std::string& path) const;

  std::string output_, staging_, output_manifest_path_, staging_manifest_path_;
  std::string output_name_, staging_name_;  // as the manifests name them (FolderName)
  int lock_fd_ = -1;
  Manifest published_;       // the output folder, as the last build left it
  std::string published_site_key_;
  Manifest staged_;          // the staging folder (valid only if staging_known_),
                             // read by TouchStaging
  bool staging_known_ = false;
  bool output_exists_ = false;
  uint64_t output_device_ = 0;  // st_dev of the output folder (when it exists)
  bool revalidated_ = false;  // Revalidate trusted a file again
  bool intact_ = false;       // Revalidate found every listed file as listed
  bool output_unlisted_ = false;  // the output holds files the manifest does not list
  PublishedFile staged_marker_;   // the marker TouchStaging wrote
  std::vector<std::string> pruned_dirs_;  // folders TouchStaging may have left empty

  mutable std::once_flag published_index_once_;
  mutable std::unordered_map<std::string_view, PublishedFile*> published_index_;

  mutable std::mutex mu_;
  Manifest next_;            // the new site (files Keep marks join it at Commit)
  std::map<std::string, bool> written_;  // path -> written into staging (Put's files)
  std::set<std::string> restaged_;  // paths this build wrote into staging (Stage, OpenStream)
  bool staging_touched_ = false;
  bool committed_ = false;  // Commit published (or found nothing to publish)
};

}  // namespace casebook::site
