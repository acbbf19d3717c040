// JsonWriter: JSON text written straight into a string, compact or indented
// by two spaces. util::Value::ToJson formats through it, and large outputs
// (postmortems.json) are written with it directly rather than built as a
// Value tree first. The caller writes keys in the order it wants them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace casebook::util {

/// Appends `s` as a JSON string literal, quotes included. <, > and & are
/// \u escapes, so the text is safe inside an HTML <script> block.
void AppendJsonQuoted(std::string& out, std::string_view s);

class JsonWriter {
 public:
  /// Writes into `out` as if nested `depth` levels deep (for indentation).
  JsonWriter(std::string* out, bool pretty, int depth = 0)
      : out_(*out), pretty_(pretty), depth_(depth) {}

  void BeginObject() { Open('{'); }
  void EndObject() { Close('}'); }
  void BeginList() { Open('['); }
  void EndList() { Close(']'); }
  /// The next member's name (inside an object).
  void Key(std::string_view key);

  void String(std::string_view s) {
    Before();
    AppendJsonQuoted(out_, s);
  }
  void Int(int64_t v);
  void Bool(bool v) {
    Before();
    out_ += v ? "true" : "false";
  }
  void Null() {
    Before();
    out_ += "null";
  }
  /// %.17g; null when not finite.
  void Float(double v);

  /// The current nesting depth (for writing a nested part with another writer).
  int depth() const { return depth_; }

 private:
  void Before();
  void Open(char c);
  void Close(char c);
  void Indent(int depth);

  std::string& out_;
  bool pretty_;
  int depth_;
  std::vector<bool> empty_;  // per open container: nothing written in it yet
  bool after_key_ = false;
};

}  // namespace casebook::util
