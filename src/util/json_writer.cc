#include "util/json_writer.h"

#include <cmath>
#include <cstdio>

namespace casebook::util {

void AppendJsonQuoted(std::string& out, std::string_view s) {
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
  out.append(s.substr(run));
  out += '"';
}

void JsonWriter::Indent(int depth) {
  if (!pretty_) return;
  out_ += '\n';
  out_.append(static_cast<size_t>(depth) * 2, ' ');
}

// Before a value: nothing after a key; in a list, a comma after the first
// item and a new line.
void JsonWriter::Before() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (empty_.empty()) return;  // the top-level value
  if (!empty_.back()) out_ += ',';
  empty_.back() = false;
  Indent(depth_);
}

void JsonWriter::Key(std::string_view key) {
  if (!empty_.back()) out_ += ',';
  empty_.back() = false;
  Indent(depth_);
  AppendJsonQuoted(out_, key);
  out_ += pretty_ ? ": " : ":";
  after_key_ = true;
}

void JsonWriter::Open(char c) {
  Before();
  out_ += c;
  empty_.push_back(true);
  ++depth_;
}

void JsonWriter::Close(char c) {
  --depth_;
  if (!empty_.back()) Indent(depth_);
  empty_.pop_back();
  out_ += c;
}

void JsonWriter::Int(int64_t v) {
  Before();
  char buf[24];
  int n = std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(v));
  out_.append(buf, static_cast<size_t>(n));
}

void JsonWriter::Float(double v) {
  Before();
  if (!std::isfinite(v)) {
    out_ += "null";
    return;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  out_ += buf;
}

}  // namespace casebook::util
