// TemplateSet implementation: loading, partial inlining, Value -> Mustache
// data, rendering. The only user of kainjow mustache.
#include "render/templates.h"

#include <kainjow/mustache.hpp>

#include <algorithm>
#include <cstdio>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <unordered_map>
#include <vector>

#include "util/confine.h"
#include "util/fs.h"
#include "util/hash.h"
#include "util/text.h"

namespace casebook::render {

namespace mus = kainjow::mustache;

namespace {

constexpr int kMaxPartialDepth = 16;
constexpr size_t kMaxExpandedSize = 16u << 20;  // a partial bomb is an error

struct Delims {
  std::string open = "{{", close = "}}";
  bool is_default() const { return open == "{{" && close == "}}"; }
  bool operator==(const Delims& o) const { return open == o.open && close == o.close; }
};

/// Parses "=<% %>=" (already trimmed); false when malformed.
bool ParseSetDelimiter(const std::string& tag, Delims* d) {
  if (tag.size() < 5 || tag.front() != '=' || tag.back() != '=') return false;
  std::string inner(util::Trim(std::string_view(tag).substr(1, tag.size() - 2)));
  size_t space = inner.find(' ');
  if (space == std::string::npos) return false;
  std::string open = inner.substr(0, space);
  std::string close(util::Trim(std::string_view(inner).substr(space + 1)));
  if (open.empty() || close.empty()) return false;
  d->open = open;
  d->close = close;
  return true;
}

/// 1-based line of the "at N" byte offset in a kainjow error message.
int LineFromError(const std::string& message, const std::string& text) {
  size_t at = message.rfind(" at ");
  if (at == std::string::npos) return 0;
  size_t offset = 0;
  bool any = false;
  for (size_t i = at + 4; i < message.size() && message[i] >= '0' && message[i] <= '9'; ++i) {
    offset = offset * 10 + static_cast<size_t>(message[i] - '0');
    any = true;
  }
  if (!any || offset > text.size()) return 0;
  return util::LineOfOffset(text, offset);
}

/// Inlines {{> partial}} tags, mirroring kainjow's tokenizer (tag type is the
/// first character of the trimmed contents; "{{{" only with default delims).
class Expander {
 public:
  Expander(const std::map<std::string, TemplateSet::Source>& sources,
           util::Diagnostics* diags)
      : sources_(sources), diags_(diags) {}

  /// Expands template `name` from the top (default delimiters).
  bool ExpandTemplate(const std::string& name, std::string* out) {
    stack_.clear();
    Delims delims;
    return Expand(name, out, &delims);
  }

 private:
  bool Expand(const std::string& name, std::string* out, Delims* delims) {
    if (std::find(stack_.begin(), stack_.end(), name) != stack_.end() ||
        stack_.size() >= static_cast<size_t>(kMaxPartialDepth)) {
      std::string chain = util::Join(stack_, " > ") + " > " + name;
      Error(sources_.at(stack_.front()), 0,
            "partials include each other without end: " + chain);
      return false;
    }
    stack_.push_back(name);
    const TemplateSet::Source& src = sources_.at(name);
    const std::string& text = src.text;
    size_t pos = 0;
    while (pos < text.size()) {
      size_t open = text.find(delims->open, pos);
      if (open == std::string::npos) {
        out->append(text, pos, std::string::npos);
        break;
      }
      out->append(text, pos, open - pos);
      size_t contents = open + delims->open.size();
      bool triple = delims->is_default() && contents < text.size() && text[contents] == '{';
      const std::string close = triple ? "}}}" : delims->close;
      if (triple) ++contents;
      size_t end = text.find(close, contents);
      if (end == std::string::npos) {  // unclosed: validation reported it
        out->append(text, open, std::string::npos);
        break;
      }
      std::string tag(util::Trim(std::string_view(text).substr(contents, end - contents)));
      size_t after = end + close.size();
      pos = after;
      if (!triple && !tag.empty() && tag[0] == '>') {
        std::string partial(util::Trim(std::string_view(tag).substr(1)));
        if (!sources_.count(partial)) {
          std::string key = src.file + ":" + std::to_string(open);
          if (diags_ && warned_.insert(key).second) {
            diags_->Warning(src.file, util::LineOfOffset(text, open), "theme/partial",
                            "partial \"" + partial + "\" does not exist; it renders nothing",
                            "add " + partial + ".mustache to the theme or to layouts/");
          }
          continue;
        }
        Delims saved = *delims;
        if (!saved.is_default()) *out += saved.open + "={{ }}=" + saved.close;
        Delims inner;
        if (!Expand(partial, out, &inner)) return false;
        if (!(inner == saved)) {
          *out += inner.open + "=" + saved.open + " " + saved.close + "=" + inner.close;
        }
        if (out->size() > kMaxExpandedSize) {
          Error(sources_.at(stack_.front()), 0, "template is too large once partials are included");
          return false;
        }
        continue;
      }
      if (!triple && !tag.empty() && tag[0] == '=') ParseSetDelimiter(tag, delims);
      out->append(text, open, after - open);
    }
    stack_.pop_back();
    return true;
  }

  void Error(const TemplateSet::Source& src, int line, const std::string& message) {
    if (diags_ && warned_.insert(message).second) {
      diags_->Error(src.file, line, "theme/template", message);
    }
  }

  const std::map<std::string, TemplateSet::Source>& sources_;
  util::Diagnostics* diags_;
  std::vector<std::string> stack_;
  std::set<std::string> warned_;  // each problem reported once
};

/// kainjow's html_escape, faster: the same five characters and entities,
/// but runs without any are copied whole instead of byte by byte into a
/// buffer of twice the size (every {{x}} of every page goes through it).
std::string EscapeHtml(const std::string& s) {
  auto entity = [](char c) -> const char* {
    switch (c) {
      case '&': return "&amp;";
      case '<': return "&lt;";
      case '>': return "&gt;";
      case '"': return "&quot;";
      case '\'': return "&apos;";
      default: return nullptr;
    }
  };
  size_t i = 0;
  while (i < s.size() && !entity(s[i])) ++i;
  if (i == s.size()) return s;
  std::string out;
  out.reserve(s.size() + s.size() / 8 + 8);
  size_t run = 0;
  for (; i < s.size(); ++i) {
    if (const char* e = entity(s[i])) {
      out.append(s, run, i - run);
      out.append(e);
      run = i + 1;
    }
  }
  out.append(s, run, std::string::npos);
  return out;
}

mus::data ToData(const util::Value& v) {
  using K = util::Value::Kind;
  switch (v.kind()) {
    case K::kNull: return mus::data(false);
    case K::kBool: return mus::data(v.as_bool());
    case K::kInt: return mus::data(std::to_string(v.as_int()));
    case K::kFloat: {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%g", v.as_float());
      return mus::data(std::string(buf));
    }
    case K::kString:
      return v.as_string().empty() ? mus::data(false) : mus::data(v.as_string());
    case K::kList: {
      // kainjow has no way to move into a list: each element is copied once.
      mus::data list(mus::data::type::list);
      for (const auto& item : v.as_list()) list.push_back(ToData(item));
      return list;
    }
    case K::kMap: {
      // operator[] + move assignment: no deep copy (set() would copy).
      mus::data obj(mus::data::type::object);
      for (const auto& [key, item] : v.as_map()) obj[key] = ToData(item);
      return obj;
    }
  }
  return mus::data(false);
}

// A Mustache context that looks names up in the util::Value tree itself and
// converts only what the template reads (ToData converts a whole page view
// up front, most of which a template never touches: a term page's thousands
// of list items each carry every list key). Maps stand in as empty objects
// that this context recognises by address; lists become lists of those. The
// lookup rules are kainjow's own context's (names are tried in each pushed
// item from the innermost out; "a.b" resolves fully within one item).
/// What kainjow renders into (its `stream << text`): chunks that grow to
/// at most 1 MB, joined once at the end. A string grown by appending
/// doubles, holding the old and the new buffer for a moment, and the
/// join frees each chunk as it goes: a large page is held about once.
class ChunkSink {
 public:
  ChunkSink& operator<<(const std::string& text) {
    if (chunks_.empty() || chunks_.back().capacity() - chunks_.back().size() < text.size()) {
      size_t next = chunks_.empty() ? kFirst : std::min(2 * chunks_.back().capacity(), kMost);
      chunks_.emplace_back();
      chunks_.back().reserve(std::max(next, text.size()));
    }
    chunks_.back().append(text);
    size_ += text.size();
    return *this;
  }
  size_t size() const { return size_; }

  /// Appends the text to `out`, freeing each chunk once it is copied.
  void MoveTo(std::string* out) {
    for (auto& chunk : chunks_) {
      out->append(chunk);
      std::string().swap(chunk);
    }
    chunks_.clear();
    size_ = 0;
  }
  std::string Take() {
    std::string out;
    if (chunks_.size() == 1) {
      out = std::move(chunks_.front());
    } else {
      out.reserve(size_);
      MoveTo(&out);
    }
    chunks_.clear();
    size_ = 0;
    return out;
  }

 private:
  static constexpr size_t kFirst = 16 * 1024;
  static constexpr size_t kMost = 1024 * 1024;
  std::vector<std::string> chunks_;
  size_t size_ = 0;
};

class ValueContext : public mus::basic_context<std::string> {
 public:
  explicit ValueContext(const util::Value& root, const std::string* content = nullptr) {
    frames_.emplace_back();  // the root's conversions
    push(Convert(&root));
    if (content) {
      extra_ = mus::data(mus::data::type::object);
      extra_.set("content", *content);
      push(&extra_);
    }
  }

  // Conversions made while an item is the innermost one are dropped when it
  // is popped (kainjow only holds what get() returned until then), so a
  // section over thousands of list items converts one item at a time.
  // A popped frame is emptied and kept for the next push at its depth (a
  // section pushes once per list item: thousands of times on a list page).
  void push(const mus::data* data) override {
    items_.push_back(data);
    if (++depth_ == frames_.size()) frames_.emplace_back();
  }
  void pop() override {
    items_.pop_back();
    Frame& f = frames_[depth_--];
    for (const util::Value* v : f.values) converted_.erase(v);
    for (const mus::data* d : f.maps) maps_.erase(d);
    f.values.clear();
    f.maps.clear();
    f.arena.clear();
  }

  const mus::data* get(const std::string& name) const override {
    if (name.size() == 1 && name[0] == '.') return items_.back();
    const size_t first_dot = name.find('.');
    for (auto it = items_.rbegin(); it != items_.rend(); ++it) {
      if (first_dot == std::string::npos) {  // the common case: one name
        if (const mus::data* var = Child(*it, name)) return var;
        continue;
      }
      const mus::data* var = *it;
      size_t start = 0;
      while (var) {
        size_t dot = name.find('.', start);
        var = Child(var, name.substr(start, dot == std::string::npos ? std::string::npos
                                                                    : dot - start));
        if (dot == std::string::npos) break;
        start = dot + 1;
      }
      if (var) return var;
    }
    return nullptr;
  }

  const mus::data* get_partial(const std::string&) const override {
    return nullptr;  // partials are inlined when the theme loads
  }

 private:
  const mus::data* Child(const mus::data* parent, const std::string& key) const {
    auto stand_in = maps_.find(parent);
    if (stand_in == maps_.end()) return parent->get(key);
    const util::Value* child = stand_in->second->Find(key);
    return child ? Convert(child) : nullptr;
  }

  const mus::data* Convert(const util::Value* v) const {
    auto done = converted_.find(v);
    if (done != converted_.end()) return done->second;
    Frame& f = frames_[depth_];
    const mus::data* out;
    auto stand_in = [&](const mus::data* d, const util::Value* map) {
      maps_[d] = map;
      f.maps.push_back(d);
    };
    if (v->is_map()) {
      out = &f.arena.emplace_back(mus::data::type::object);
      stand_in(out, v);
    } else if (v->is_list()) {
      mus::data list(mus::data::type::list);
      for (const auto& item : v->as_list())
        list.push_back(item.is_map() ? mus::data(mus::data::type::object) : ToData(item));
      out = &f.arena.emplace_back(std::move(list));
      const auto& items = out->list_value();
      for (size_t i = 0; i < items.size(); ++i)
        if (v->as_list()[i].is_map()) stand_in(&items[i], &v->as_list()[i]);
    } else {
      out = &f.arena.emplace_back(ToData(*v));
    }
    converted_[v] = out;
    f.values.push_back(v);
    return out;
  }

  /// What was converted while one pushed item was the innermost.
  struct Frame {
    std::deque<mus::data> arena;  // stable addresses
    std::vector<const util::Value*> values;  // keys into converted_
    std::vector<const mus::data*> maps;      // keys into maps_
  };

  std::vector<const mus::data*> items_;  // innermost last
  mus::data extra_;
  mutable std::deque<Frame> frames_;  // [depth_]: the innermost item's; never moved
  size_t depth_ = 0;                  // frames_[0]: the root's conversions
  mutable std::unordered_map<const mus::data*, const util::Value*> maps_;
  mutable std::unordered_map<const util::Value*, const mus::data*> converted_;
};

}  // namespace

struct TemplateSet::Impl {
  std::string fingerprint;  // of every template's name and text
  /// One parsed template. kainjow's render() is not const, so each call
  /// renders a private copy taken from a small pool (copied from `parsed`
  /// when the pool is empty) and returns it afterwards: copies are made
  /// once per concurrent caller, not once per page.
  struct Entry {
    std::string file;
    std::unique_ptr<mus::mustache> parsed;  // partials inlined; never rendered
    mutable std::mutex mutex;
    mutable std::vector<std::unique_ptr<mus::mustache>> pool;

    std::unique_ptr<mus::mustache> Take() const {
      {
        std::lock_guard<std::mutex> lock(mutex);
        if (!pool.empty()) {
          auto t = std::move(pool.back());
          pool.pop_back();
          return t;
        }
      }
      return std::make_unique<mus::mustache>(*parsed);
    }
    void Give(std::unique_ptr<mus::mustache> t) const {
      std::lock_guard<std::mutex> lock(mutex);
      pool.push_back(std::move(t));
    }
  };
  std::map<std::string, Entry> templates;  // Entry holds a mutex: never moved

  const Entry* Find(const std::string& name) const {
    auto it = templates.find(name);
    return it == templates.end() ? nullptr : &it->second;
  }

  template <typename Data>  // mus::data, or a ValueContext
  void RenderEntry(const Entry& e, Data& data, ChunkSink* out, util::Diagnostics* diags) const {
    std::unique_ptr<mus::mustache> t = e.Take();
    t->render(data, *out);
    if (!t->is_valid()) {
      // A failed render leaves an error in the object: do not reuse it.
      if (diags) diags->Error(e.file, 0, "theme/render", t->error_message());
      return;
    }
    e.Give(std::move(t));
  }
  template <typename Data>
  std::string RenderEntry(const Entry& e, Data& data, util::Diagnostics* diags) const {
    ChunkSink out;
    RenderEntry(e, data, &out, diags);
    return out.Take();
  }
};

TemplateSet::TemplateSet() : impl_(std::make_unique<Impl>()) {}

const std::string& TemplateSet::fingerprint() const { return impl_->fingerprint; }
TemplateSet::~TemplateSet() = default;

std::unique_ptr<TemplateSet> TemplateSet::Load(const config::SiteConfig& cfg,
                                               util::Diagnostics* diags) {
  util::Diagnostics local;
  if (!diags) diags = &local;
  std::vector<Source> sources;
  bool ok = true;
  // Links that leave the site are skipped here and reported by
  // content::ReportLinksOutside (build and check run it).
  auto read_dir = [&](const std::string& dir, const std::string& shown_dir,
                      const std::vector<std::string>& roots) {
    util::WalkResult walk = util::WalkFiles(dir, ".mustache", &roots);
    for (const auto& f : walk.files) {
      std::string error;
      auto text = util::ReadFile(f.path, &error);
      std::string shown = util::JoinPath(shown_dir, f.relative);
      if (!text) {
        diags->Error(shown, 0, "theme/read", error);
        ok = false;
        continue;
      }
      std::string name = f.relative.substr(0, f.relative.size() - std::string(".mustache").size());
      sources.push_back({name, shown, std::move(*text)});
    }
  };
  std::string theme_templates = util::JoinPath(cfg.ThemeDir(), "templates");
  if (!util::IsDirectory(theme_templates)) {
    diags->Error(cfg.config_path.empty() ? "site.toml" : cfg.config_path, 0, "theme/missing",
                 "theme \"" + cfg.theme + "\" has no templates folder: " + theme_templates + " not found",
                 "set `theme` in site.toml to a folder under themes/, or copy themes/default");
    return nullptr;
  }
  read_dir(theme_templates, theme_templates, util::AllowedRoots(cfg.root, cfg.ThemeDir()));
  std::string layouts = util::JoinPath(cfg.root, "layouts");
  if (util::IsDirectory(layouts)) read_dir(layouts, layouts, util::AllowedRoots(cfg.root, layouts));
  if (!ok) return nullptr;
  return FromSources(sources, diags);
}

std::unique_ptr<TemplateSet> TemplateSet::FromSources(const std::vector<Source>& sources,
                                                      util::Diagnostics* diags) {
  util::Diagnostics local;
  if (!diags) diags = &local;
  std::map<std::string, Source> by_name;
  for (const auto& s : sources) by_name[s.name] = s;  // later ones override

  bool ok = true;
  // Validate each file on its own first, so errors carry the right file and line.
  for (const auto& [name, src] : by_name) {
    mus::mustache alone(src.text);
    if (!alone.is_valid()) {
      diags->Error(src.file, LineFromError(alone.error_message(), src.text), "theme/template",
                   "template does not parse: " + alone.error_message());
      ok = false;
    }
  }
  if (!by_name.count(kLayout)) {
    diags->Error("templates/" + std::string(kLayout) + ".mustache", 0, "theme/missing",
                 "the theme has no layout template \"" + std::string(kLayout) + ".mustache\"");
    ok = false;
  }
  if (!ok) return nullptr;

  auto set = std::unique_ptr<TemplateSet>(new TemplateSet());
  std::string all;
  for (const auto& [name, src] : by_name) all += name + '\0' + src.text + '\0';
  set->impl_->fingerprint = util::Fingerprint(all);
  Expander expander(by_name, diags);
  for (const auto& [name, src] : by_name) {
    std::string expanded;
    if (!expander.ExpandTemplate(name, &expanded)) {
      ok = false;
      continue;
    }
    auto parsed = std::make_unique<mus::mustache>(expanded);
    parsed->set_custom_escape(EscapeHtml);  // kept by the copies rendering uses
    if (!parsed->is_valid()) {
      diags->Error(src.file, 0, "theme/template",
                   "template does not parse once its partials are included: " +
                       parsed->error_message());
      ok = false;
      continue;
    }
    Impl::Entry& entry = set->impl_->templates[name];
    entry.file = src.file;
    entry.parsed = std::move(parsed);
  }
  if (!ok) return nullptr;
  return set;
}

bool TemplateSet::Has(const std::string& name) const { return impl_->Find(name) != nullptr; }

std::vector<std::string> TemplateSet::Names() const {
  std::vector<std::string> names;
  for (const auto& [name, e] : impl_->templates) names.push_back(name);
  return names;
}

std::string TemplateSet::FileOf(const std::string& name) const {
  const Impl::Entry* e = impl_->Find(name);
  return e ? e->file : std::string();
}

std::string TemplateSet::RenderRaw(const std::string& name, const util::Value& data,
                                   util::Diagnostics* diags) const {
  const Impl::Entry* e = impl_->Find(name);
  if (!e) {
    if (diags) {
      diags->Error("templates/" + name + ".mustache", 0, "theme/missing",
                   "the theme has no template \"" + name + "\"");
    }
    return {};
  }
  mus::data d = ToData(data);
  return impl_->RenderEntry(*e, d, diags);
}

std::string TemplateSet::Render(const std::string& name, const util::Value& data,
                                util::Diagnostics* diags) const {
  const Impl::Entry* page = impl_->Find(name);
  if (!page) return RenderRaw(name, data, diags);  // reports the missing template
  static const util::Value kEmpty = util::Value::MakeMap();
  const util::Value& root = data.is_map() ? data : kEmpty;
  ValueContext page_context(root);
  ChunkSink content;
  impl_->RenderEntry(*page, page_context, &content, diags);
  const Impl::Entry* layout = impl_->Find(kLayout);
  if (!layout || name == kLayout) return content.Take();
  // The layout renders around a marker standing for the content, which is
  // then spliced in: given the content itself, kainjow copies it into its
  // data and again into the layout's output, so a 17 MB tracker page was
  // held three times over. The marker holds '<', so it survives only
  // unescaped ({{{content}}}); unless it is there exactly once, the layout
  // renders again with the real content.
  static const std::string kMarker = "<casebook-page-content \x01/>";
  util::Diagnostics layout_diags;
  ValueContext marker_context(root, &kMarker);
  std::string around = impl_->RenderEntry(*layout, marker_context, &layout_diags);
  const size_t at = around.find(kMarker);
  if (at != std::string::npos && around.find(kMarker, at + 1) == std::string::npos) {
    if (diags) diags->Append(layout_diags);
    std::string out;
    out.reserve(around.size() - kMarker.size() + content.size());
    out.append(around, 0, at);
    content.MoveTo(&out);
    out.append(around, at + kMarker.size());
    return out;
  }
  const std::string text = content.Take();
  ValueContext layout_context(root, &text);
  return impl_->RenderEntry(*layout, layout_context, diags);
}

}  // namespace casebook::render
