#include "util/value.h"

#include <cmath>
#include <cstdio>

namespace casebook::util {

Value Value::Strings(const std::vector<std::string>& items) {
  List l;
  l.reserve(items.size());
  for (const auto& s : items) l.emplace_back(s);
  return Value(std::move(l));
}

Value& Value::operator[](const std::string& key) {
  if (kind_ != Kind::kMap) {
    *this = MakeMap();
  }
  return map_[key];
}

const Value* Value::Find(const std::string& key) const {
  if (kind_ != Kind::kMap) return nullptr;
  auto it = map_.find(key);
  return it == map_.end() ? nullptr : &it->second;
}

void Value::Push(Value v) {
  if (kind_ != Kind::kList) *this = MakeList();
  list_.push_back(std::move(v));
}

std::string JsonQuote(const std::string& s) {
  std::string out;
  out.reserve(s.size() + 2);
  out += '"';
  size_t run = 0;  // start of the current run of characters copied as they are
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    const char* esc = nullptr;
    char buf[8];
    switch (c) {
      case '"': esc = "\\\""; break;
      case '\\': esc = "\\\\"; break;
      case '\n': esc = "\\n"; break;
      case '\r': esc = "\\r"; break;
      case '\t': esc = "\\t"; break;
      case '<': esc = "\\u003c"; break;  // safe inside <script> blocks
      case '>': esc = "\\u003e"; break;
      case '&': esc = "\\u0026"; break;
      default:
        if (c < 0x20) {
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          esc = buf;
        }
    }
    if (!esc) continue;
    out.append(s, run, i - run);
    out += esc;
    run = i + 1;
  }
  out.append(s, run, std::string::npos);
  out += '"';
  return out;
}

static void Indent(std::string& out, bool pretty, int depth) {
  if (!pretty) return;
  out += '\n';
  out.append(static_cast<size_t>(depth) * 2, ' ');
}

void Value::WriteJson(std::string& out, bool pretty, int depth) const {
  switch (kind_) {
    case Kind::kNull: out += "null"; break;
    case Kind::kBool: out += bool_ ? "true" : "false"; break;
    case Kind::kInt: out += std::to_string(int_); break;
    case Kind::kFloat: {
      if (!std::isfinite(float_)) { out += "null"; break; }
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.17g", float_);
      out += buf;
      break;
    }
    case Kind::kString: out += JsonQuote(string_); break;
    case Kind::kList: {
      out += '[';
      bool first = true;
      for (const auto& v : list_) {
        if (!first) out += ',';
        first = false;
        Indent(out, pretty, depth + 1);
        v.WriteJson(out, pretty, depth + 1);
      }
      if (!list_.empty()) Indent(out, pretty, depth);
      out += ']';
      break;
    }
    case Kind::kMap: {
      out += '{';
      bool first = true;
      for (const auto& [k, v] : map_) {
        if (!first) out += ',';
        first = false;
        Indent(out, pretty, depth + 1);
        out += JsonQuote(k);
        out += pretty ? ": " : ":";
        v.WriteJson(out, pretty, depth + 1);
      }
      if (!map_.empty()) Indent(out, pretty, depth);
      out += '}';
      break;
    }
  }
}

std::string Value::ToJson(bool pretty) const {
  std::string out;
  WriteJson(out, pretty, 0);
  return out;
}

std::string Value::ToText() const {
  switch (kind_) {
    case Kind::kNull: return "";
    case Kind::kBool: return bool_ ? "true" : "false";
    case Kind::kInt: return std::to_string(int_);
    case Kind::kFloat: {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%g", float_);
      return buf;
    }
    case Kind::kString: return string_;
    case Kind::kList: {
      std::string out;
      for (const auto& v : list_) {
        if (!out.empty()) out += ", ";
        out += v.ToText();
      }
      return out;
    }
    case Kind::kMap: return ToJson();
  }
  return "";
}

}  // namespace casebook::util
