#include "site/build_stamp.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>

#include "content/binary_io.h"
#include "content/git_history.h"
#include "content/load_cache.h"
#include "site/build.h"
#include "site/manifest.h"
#include "site/step_timer.h"
#include "util/build_identity.h"
#include "util/fs.h"
#include "util/hash.h"
#include "util/parallel.h"


namespace casebook::site {
namespace {

constexpr char kMagic[] = "casebook build stamp\n";
constexpr uint32_t kFormat = 2;  // 2: binary_io's PartSum checksums
constexpr uint32_t kEndMarker = 0x57a3b0c1;
// A file changed this recently may change again within the same mtime tick
// (as the load cache's "racy" rule): no stamp is trusted or written then.
constexpr int64_t kRacyNs = 2'000'000'000;

struct Entry {
  std::string relative;
  int64_t size, mtime_ns;
  uint64_t inode;
};

int64_t MtimeNs(const struct stat& st) {
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
}

// Every file under `dir` (any depth) with its stat, depth first and each
// folder's entries in name order (the order util::WalkFiles lists them in,
// so the loader can take the listing as it is); false on a symbolic link
// (whose target could change unseen) or an unreadable folder. A missing
// `dir` is an empty tree. With `listing`, every entry (folders too) is also
// added to it, in the same order.
bool Walk(const std::string& dir, const std::string& prefix, std::vector<Entry>* out,
          int64_t* newest, content::SourceListing* listing = nullptr) {
  DIR* d = opendir(dir.c_str());
  if (!d) return errno == ENOENT && prefix.empty();
  const int fd = dirfd(d);
  struct Found {
    std::string name;
    struct stat st;
  };
  std::vector<Found> found;
  while (struct dirent* e = readdir(d)) {
    const char* name = e->d_name;
    if (name[0] == '.' && (name[1] == '\0' || (name[1] == '.' && name[2] == '\0'))) continue;
    Found f{name, {}};
    if (fstatat(fd, name, &f.st, AT_SYMLINK_NOFOLLOW) != 0 || S_ISLNK(f.st.st_mode)) {
      closedir(d);
      return false;
    }
    found.push_back(std::move(f));
  }
  closedir(d);
  std::sort(found.begin(), found.end(),
            [](const Found& a, const Found& b) { return a.name < b.name; });
  for (const Found& f : found) {
    const struct stat& st = f.st;
    *newest = std::max(*newest, MtimeNs(st));
    std::string relative = prefix + f.name;
    if (listing) {
      using Kind = content::SourceListing::Entry::Kind;
      listing->entries.push_back({relative, static_cast<int64_t>(st.st_size), MtimeNs(st),
                                  S_ISDIR(st.st_mode)   ? Kind::kFolder
                                  : S_ISREG(st.st_mode) ? Kind::kFile
                                                        : Kind::kOther});
    }
    if (S_ISDIR(st.st_mode)) {
      if (!Walk(util::JoinPath(dir, f.name), relative + "/", out, newest, listing)) return false;
    } else {
      out->push_back({std::move(relative), static_cast<int64_t>(st.st_size), MtimeNs(st),
                      static_cast<uint64_t>(st.st_ino)});
    }
  }
  return true;
}

// Walk, with the folders at the top of `dir` walked on up to `jobs` threads
// (one task each: the source folder's year folders), so the source walk
// takes both cores rather than one while the output is checked beside it.
// Gives exactly what Walk gives, in the same order.
bool ParallelWalk(const std::string& dir, int jobs, std::vector<Entry>* out, int64_t* newest,
                  content::SourceListing* listing) {
  DIR* d = opendir(dir.c_str());
  if (!d) return errno == ENOENT;
  struct Top {
    std::string name;
    struct stat st;
    std::vector<Entry> entries;  // a folder's walk
    content::SourceListing listing;
    int64_t newest = 0;
    bool ok = true;
  };
  std::vector<Top> top;
  const int fd = dirfd(d);
  while (struct dirent* e = readdir(d)) {
    const char* name = e->d_name;
    if (name[0] == '.' && (name[1] == '\0' || (name[1] == '.' && name[2] == '\0'))) continue;
    Top t;
    t.name = name;
    if (fstatat(fd, name, &t.st, AT_SYMLINK_NOFOLLOW) != 0 || S_ISLNK(t.st.st_mode)) {
      closedir(d);
      return false;
    }
    top.push_back(std::move(t));
  }
  closedir(d);
  std::sort(top.begin(), top.end(), [](const Top& a, const Top& b) { return a.name < b.name; });
  util::ParallelFor(top.size(), jobs, [&](size_t i) {
    Top& t = top[i];
    if (S_ISDIR(t.st.st_mode))
      t.ok = Walk(util::JoinPath(dir, t.name), t.name + "/", &t.entries, &t.newest,
                  listing ? &t.listing : nullptr);
  });
  for (Top& t : top) {
    if (!t.ok) return false;
    const struct stat& st = t.st;
    *newest = std::max({*newest, MtimeNs(st), t.newest});
    if (listing) {
      using Kind = content::SourceListing::Entry::Kind;
      listing->entries.push_back({t.name, static_cast<int64_t>(st.st_size), MtimeNs(st),
                                  S_ISDIR(st.st_mode)   ? Kind::kFolder
                                  : S_ISREG(st.st_mode) ? Kind::kFile
                                                        : Kind::kOther});
      for (auto& e : t.listing.entries) listing->entries.push_back(std::move(e));
    }
    if (S_ISDIR(st.st_mode)) {
      for (auto& e : t.entries) out->push_back(std::move(e));
    } else {
      out->push_back({std::move(t.name), static_cast<int64_t>(st.st_size), MtimeNs(st),
                      static_cast<uint64_t>(st.st_ino)});
    }
  }
  return true;
}

// Adds `entries` (the files under `dir`, in Walk's order) to `h`.
void AddEntries(const std::string& dir, const std::vector<Entry>& entries, util::StreamHash* h) {
  h->AddString(dir);
  h->AddInt(static_cast<int64_t>(entries.size()));
  for (const auto& e : entries) {
    h->AddString(e.relative);
    h->AddInt(e.size);
    h->AddInt(e.mtime_ns);
    h->AddInt(static_cast<int64_t>(e.inode));
  }
}

int64_t NowNs() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

}  // namespace

std::string BuildInputsStamp(const config::SiteConfig& cfg, const BuildOptions& options,
                             const std::string& today, content::SourceListing* listing) {
  const int64_t started = NowNs();
  if (listing) *listing = content::SourceListing{};
  util::StreamHash h;
  h.AddString(util::BuildIdentity());
  auto config_text = util::ReadFile(cfg.config_path, nullptr);
  if (!config_text) return "";
  h.AddString(cfg.config_path);
  h.AddString(*config_text);
  h.AddString(cfg.root);
  h.AddString(cfg.SourceDir());
  h.AddString(cfg.OutputDir());
  h.AddString(options.index ? cfg.IndexDir() : std::string());
  h.AddInt(options.drafts);
  h.AddInt(options.index);
  h.AddString(today);
  // Git history: when each postmortem last changed (shown on its page).
  const content::GitHistory history = content::GitHistory::Read(cfg.SourceDir());
  h.AddInt(static_cast<int64_t>(history.files().size()));
  for (const auto& [path, f] : history.files()) {
    h.AddString(path);
    h.AddString(util::FormatRfc3339(f.last_changed));
    h.AddInt(f.commits);
  }
  int64_t newest = 0;
  const std::string theme = cfg.ThemeDir();
  const std::string source = cfg.SourceDir();
  for (const std::string& dir :
       {source, theme, util::JoinPath(cfg.root, "layouts"),
        util::JoinPath(cfg.root, "static"), util::JoinPath(cfg.root, "archetypes")}) {
    std::vector<Entry> entries;
    content::SourceListing walked;
    const bool list = listing && dir == source;
    if (list) {
      walked.root = source;
      walked.started_ns = started;
    }
    if (!ParallelWalk(dir, JobsFor(options), &entries, &newest, list ? &walked : nullptr))
      return "";
    // A source folder that is missing is no listing (the loader reports it).
    if (list && util::IsDirectory(source)) *listing = std::move(walked);
    AddEntries(dir, entries, &h);
  }
  if (newest + kRacyNs > started) return "";
  return h.Hex();
}

std::string IndexStamp(const std::string& index_dir) {
  util::StreamHash h;
  int64_t newest = 0;
  std::vector<Entry> entries;
  if (!Walk(index_dir, "", &entries, &newest) || entries.empty()) return "";
  AddEntries(index_dir, entries, &h);
  return h.Hex();
}

std::string StampPath(const std::string& cache_dir, const std::string& output_dir) {
  return util::JoinPath(cache_dir, "build-" + util::Fingerprint(NormalFolder(output_dir)).substr(0, 16) +
                                       ".stamp");
}

void WriteBuildStamp(const std::string& path, const std::string& inputs, const std::string& index,
                     const std::string& site_key, const StampedReport& report) {
  content::BinaryWriter out(path);
  out.Bytes(kMagic, sizeof kMagic - 1);
  out.U32(kFormat);
  out.Str(util::BuildIdentity());
  out.Str(inputs);
  out.Str(index);
  out.Str(site_key);
  out.I64(report.postmortems);
  out.I64(report.drafts_left_out);
  out.I64(report.files_total);
  out.Strs(report.skipped);
  content::internal::WriteDiagnostics(out, report.diags);
  out.U32(kEndMarker);
  out.Commit();
}

bool ReadBuildStamp(const std::string& path, std::string* inputs, std::string* index,
                    std::string* site_key, StampedReport* report) {
  content::BinaryReader in(path);
  std::string magic(sizeof kMagic - 1, '\0'), version;
  uint32_t format = 0, marker = 0;
  if (!in.ok() || !in.Bytes(magic.data(), magic.size()) || magic != kMagic || !in.U32(&format) ||
      format != kFormat || !in.Str(&version) || version != util::BuildIdentity())
    return false;
  return in.Str(inputs) && in.Str(index) && in.Str(site_key) && in.Int(&report->postmortems) &&
         in.Int(&report->drafts_left_out) && in.Int(&report->files_total) &&
         in.Strs(&report->skipped) && content::internal::ReadDiagnostics(in, &report->diags) &&
         in.U32(&marker) && marker == kEndMarker && in.VerifyEnd();
}

}  // namespace casebook::site
