// Schema helpers shared by the index builder and the searcher: see schema.h.
#include "search/schema.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iterator>
#include <string>

#include "util/fs.h"
#include "util/slug.h"
#include "util/text.h"
#include "util/value.h"

namespace casebook::search::schema {

std::string TaxonomyPrefix(std::string_view key) {
  std::string p = "X";
  for (char c : key) p += (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
  p += ':';
  return p;
}

std::string TermValue(std::string_view value) {
  std::string slug = util::Slugify(value);
  if (!slug.empty()) return slug;
  return util::ToLowerAscii(util::Trim(value));
}

std::string ClampTerm(std::string term) {
  if (term.size() <= kMaxTermBytes) return term;
  size_t n = kMaxTermBytes;
  // Do not cut a UTF-8 sequence in half.
  while (n > 0 && (static_cast<unsigned char>(term[n]) & 0xC0) == 0x80) --n;
  term.resize(n);
  return term;
}

void Hasher::Add(std::string_view s) {
  Add(static_cast<int64_t>(s.size()));
  const char* p = s.data();
  size_t n = s.size();
  for (; n >= 8; p += 8, n -= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    Word(w);
  }
  if (n) {
    uint64_t w = 0;
    std::memcpy(&w, p, n);  // the length was hashed, so no padding ambiguity
    Word(w);
  }
}

void Hasher::Add(int64_t v) { Word(static_cast<uint64_t>(v)); }

void Hasher::Word(uint64_t w) {
  h_ = (h_ ^ w) * 0xff51afd7ed558ccdull;
  h_ ^= h_ >> 32;
}

std::string Hasher::Hex() const {
  uint64_t h = h_;  // final avalanche (MurmurHash3's fmix64)
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 33;
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

// ---------------------------------------------------------------------------
// Document data.

std::string EncodeDocData(const DocData& d) {
  // Written directly (not through util::Value): this runs once per document
  // in a full build, and the text field is the bulk of it.
  std::string out;
  out.reserve(d.text.size() + d.summary.size() + 512);
  auto field = [&](const char* key, const std::string& value) {
    out += out.empty() ? "{\"" : ",\"";
    out += key;
    out += "\":";
    out += util::JsonQuote(value);
  };
  auto list = [&](const char* key, const std::vector<std::string>& values) {
    out += ",\"";
    out += key;
    out += "\":[";
    for (size_t i = 0; i < values.size(); ++i) {
      if (i) out += ',';
      out += util::JsonQuote(values[i]);
    }
    out += ']';
  };
  field("id", d.id);
  field("url", d.url);
  field("title", d.title);
  field("date", d.date);
  field("severity", d.severity);
  field("severity_label", d.severity_label);
  field("summary", d.summary);
  field("source_path", d.source_path);
  list("tags", d.tags);
  list("services", d.services);
  field("text", d.text);
  out += '}';
  return out;
}

namespace {

// A minimal reader for the flat objects EncodeDocData writes: string values,
// lists of strings, and (skipped) numbers, booleans and null.
class Reader {
 public:
  explicit Reader(std::string_view s) : s_(s) {}

  bool Object(DocData* d) {
    if (!Eat('{')) return false;
    if (Eat('}')) return true;
    do {
      std::string key;
      if (!String(&key) || !Eat(':')) return false;
      if (!Field(key, d)) return false;
    } while (Eat(','));
    return Eat('}');
  }

 private:
  bool Field(const std::string& key, DocData* d) {
    Space();
    if (Peek() == '[') {
      std::vector<std::string> items;
      if (!List(&items)) return false;
      if (key == "tags")
        d->tags = std::move(items);
      else if (key == "services")
        d->services = std::move(items);
      return true;
    }
    if (Peek() != '"') return Scalar();
    std::string v;
    if (!String(&v)) return false;
    if (key == "id")
      d->id = std::move(v);
    else if (key == "url")
      d->url = std::move(v);
    else if (key == "title")
      d->title = std::move(v);
    else if (key == "date")
      d->date = std::move(v);
    else if (key == "severity")
      d->severity = std::move(v);
    else if (key == "severity_label")
      d->severity_label = std::move(v);
    else if (key == "summary")
      d->summary = std::move(v);
    else if (key == "source_path")
      d->source_path = std::move(v);
    else if (key == "text")
      d->text = std::move(v);
    return true;
  }

  bool List(std::vector<std::string>* items) {
    if (!Eat('[')) return false;
    if (Eat(']')) return true;
    do {
      std::string v;
      if (!String(&v)) return false;
      items->push_back(std::move(v));
    } while (Eat(','));
    return Eat(']');
  }

  bool Scalar() {  // number, true, false, null: skipped
    size_t start = i_;
    while (i_ < s_.size() && std::strchr(",}] \n\t", s_[i_]) == nullptr) ++i_;
    return i_ > start;
  }

  bool String(std::string* out) {
    if (!Eat('"')) return false;
    while (i_ < s_.size()) {
      char c = s_[i_++];
      if (c == '"') return true;
      if (c != '\\') {
        *out += c;
        continue;
      }
      if (i_ >= s_.size()) return false;
      char e = s_[i_++];
      switch (e) {
        case 'n':
          *out += '\n';
          break;
        case 'r':
          *out += '\r';
          break;
        case 't':
          *out += '\t';
          break;
        case 'b':
          *out += '\b';
          break;
        case 'f':
          *out += '\f';
          break;
        case 'u': {
          uint32_t cp = 0;
          if (!Hex4(&cp)) return false;
          if (cp >= 0xD800 && cp < 0xDC00 && i_ + 1 < s_.size() && s_[i_] == '\\' &&
              s_[i_ + 1] == 'u') {
            i_ += 2;
            uint32_t lo = 0;
            if (!Hex4(&lo)) return false;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          }
          Utf8(cp, out);
          break;
        }
        default:
          *out += e;  // \" \\ \/
      }
    }
    return false;
  }

  bool Hex4(uint32_t* cp) {
    if (i_ + 4 > s_.size()) return false;
    for (int k = 0; k < 4; ++k) {
      char c = s_[i_++];
      int v = (c >= '0' && c <= '9')   ? c - '0'
              : (c >= 'a' && c <= 'f') ? c - 'a' + 10
              : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                       : -1;
      if (v < 0) return false;
      *cp = *cp * 16 + static_cast<uint32_t>(v);
    }
    return true;
  }

  static void Utf8(uint32_t cp, std::string* out) {
    if (cp < 0x80) {
      *out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      *out += static_cast<char>(0xC0 | (cp >> 6));
      *out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      *out += static_cast<char>(0xE0 | (cp >> 12));
      *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      *out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      *out += static_cast<char>(0xF0 | (cp >> 18));
      *out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      *out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  void Space() {
    while (i_ < s_.size() && std::strchr(" \n\t\r", s_[i_]) != nullptr) ++i_;
  }
  char Peek() { return i_ < s_.size() ? s_[i_] : '\0'; }
  bool Eat(char c) {
    Space();
    if (Peek() != c) return false;
    ++i_;
    return true;
  }

  std::string_view s_;
  size_t i_ = 0;
};

}  // namespace

bool DecodeDocData(std::string_view json, DocData* d) { return Reader(json).Object(d); }

bool IsStopword(std::string_view word) {
  // Sorted (binary search); constant data, so safe from any thread.
  static constexpr std::string_view kWords[] = {
      "a",       "about", "after",  "again",   "all",    "also",    "am",    "an",      "and",
      "any",     "are",   "as",     "at",      "be",     "because", "been",  "before",  "being",
      "between", "both",  "but",    "by",      "can",    "could",   "did",   "do",      "does",
      "doing",   "down",  "during", "each",    "few",    "for",     "from",  "further", "had",
      "has",     "have",  "having", "he",      "her",    "here",    "hers",  "him",     "his",
      "how",     "i",     "if",     "in",      "into",   "is",      "it",    "its",     "itself",
      "just",    "me",    "more",   "most",    "my",     "no",      "nor",   "not",     "now",
      "of",      "off",   "on",     "once",    "only",   "or",      "other", "our",     "ours",
      "out",     "over",  "own",    "same",    "she",    "should",  "so",    "some",    "such",
      "than",    "that",  "the",    "their",   "theirs", "them",    "then",  "there",   "these",
      "they",    "this",  "those",  "through", "to",     "too",     "under", "until",   "up",
      "very",    "was",   "we",     "were",    "what",   "when",    "where", "which",   "while",
      "who",     "whom",  "why",    "will",    "with",   "would",   "you",   "your",    "yours"};
  return std::binary_search(std::begin(kWords), std::end(kWords), word);
}

namespace {

bool IsCompoundHalf(std::string_view stem) {
  // Stems (Xapian's English stemmer: "only" -> "onli"); sorted.
  static constexpr std::string_view kHalves[] = {"back", "down", "in",  "off", "on",
                                                 "onli", "out",  "over", "up"};
  return std::binary_search(std::begin(kHalves), std::end(kHalves), stem);
}

bool CanPairWith(std::string_view stem) {
  if (stem.size() < 2 || stem.size() > 40 || IsStopword(stem) || stem == "onli") return false;
  return std::all_of(stem.begin(), stem.end(), [](char c) { return c >= 'a' && c <= 'z'; });
}

}  // namespace

std::string PairTerm(std::string_view first, std::string_view second) {
  const bool ok = (IsCompoundHalf(first) && CanPairWith(second)) ||
                  (IsCompoundHalf(second) && CanPairWith(first));
  if (!ok) return std::string();
  std::string term(kPairPrefix);
  term.append(first);
  term += ' ';
  term.append(second);
  return term;
}

// ---------------------------------------------------------------------------
// Index folder.

std::string StubPath(const std::string& index_dir) { return util::JoinPath(index_dir, "current"); }

std::string VersionDir(const std::string& index_dir, int version) {
  return util::JoinPath(index_dir, "v" + std::to_string(version));
}

static std::optional<int> ParseVersionName(std::string_view name) {
  if (name.size() < 2 || name[0] != 'v' || name.size() > 10) return std::nullopt;
  int v = 0;
  for (char c : name.substr(1)) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

std::optional<int> ReadCurrentVersion(const std::string& index_dir) {
  std::string error;
  auto text = util::ReadFile(StubPath(index_dir), &error);
  if (!text) return std::nullopt;
  std::string_view t = util::Trim(*text);
  if (!util::StartsWith(t, "auto ")) return std::nullopt;
  auto v = ParseVersionName(util::Trim(t.substr(5)));
  if (!v || !util::IsDirectory(VersionDir(index_dir, *v))) return std::nullopt;
  return v;
}

bool WriteStub(const std::string& index_dir, int version, std::string* error) {
  std::string path = StubPath(index_dir), tmp = path + ".tmp";
  std::string body = "auto v" + std::to_string(version) + "\n";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  bool ok = fd >= 0 && ::write(fd, body.data(), body.size()) == static_cast<ssize_t>(body.size()) &&
            ::fsync(fd) == 0;
  int saved = errno;
  if (fd >= 0) ::close(fd);
  if (ok && ::rename(tmp.c_str(), path.c_str()) == 0) return true;
  if (ok) saved = errno;
  ::unlink(tmp.c_str());
  if (error) *error = "cannot write " + path + ": " + std::strerror(saved);
  return false;
}

std::vector<int> ListVersions(const std::string& index_dir) {
  std::vector<int> out;
  DIR* dir = ::opendir(index_dir.c_str());
  if (!dir) return out;
  while (dirent* e = ::readdir(dir)) {
    if (auto v = ParseVersionName(e->d_name)) out.push_back(*v);
  }
  ::closedir(dir);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace casebook::search::schema
