// Document helpers: taxonomy values and front matter key lines.
#include "content/document.h"

#include <algorithm>

#include "util/text.h"

namespace casebook::content {

namespace {

void AddUnique(std::vector<std::string>* out, const std::string& s) {
  if (!s.empty() && std::find(out->begin(), out->end(), s) == out->end()) out->push_back(s);
}

}  // namespace

std::vector<std::string> Document::Taxonomy(const std::string& key) const {
  if (key == "tags") return tags;
  if (key == "services") return services;
  if (key == "authors") return authors;
  std::vector<std::string> out;
  if (key == "severity") {
    AddUnique(&out, severity);
    return out;
  }
  if (key == "status") {
    AddUnique(&out, status);
    return out;
  }
  if (key == "facilitator") {
    AddUnique(&out, facilitator);
    return out;
  }
  if (key == "contact") {
    AddUnique(&out, contact);
    return out;
  }
  const util::Value* v = extra.Find(key);
  if (!v) return out;
  if (v->is_string()) {
    AddUnique(&out, v->as_string());
  } else if (v->is_list()) {
    for (const auto& item : v->as_list())
      if (item.is_string()) AddUnique(&out, item.as_string());
  }
  return out;
}

int Document::LineOf(const std::string& key) const {
  auto it = key_lines.find(key);
  return it == key_lines.end() ? 1 : it->second;
}

bool ShownFieldsHaveControls(const Document& doc) {
  bool any = false;
  ForEachShownField(doc, [&any](std::string_view, const std::string& s) {
    any = any || util::HasControls(s);
  });
  return any;
}

std::string PageBundleDir(const std::string& relative_path) {
  // Only in a sub-folder: an index.md at the top would make the whole
  // source folder one bundle.
  size_t slash = relative_path.rfind('/');
  if (slash == std::string::npos || slash == 0) return "";
  std::string name = relative_path.substr(slash + 1);
  for (char& c : name) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return name == "index.md" ? relative_path.substr(0, slash) : "";
}

}  // namespace casebook::content
