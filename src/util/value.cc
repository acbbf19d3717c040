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
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '<': out += "\\u003c"; break;  // safe inside <script> blocks
      case '>': out += "\\u003e"; break;
      case '&': out += "\\u0026"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
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
