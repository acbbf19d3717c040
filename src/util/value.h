// Value: a small JSON-like tree for data whose shape we do not know ahead of
// time: unknown front matter keys (kept and handed to templates as they are),
// and the machine-readable outputs (postmortems.json, --json) built from it.
// Maps keep keys sorted so that serialisation is deterministic.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace casebook::util {

class Value {
 public:
  enum class Kind { kNull, kBool, kInt, kFloat, kString, kList, kMap };
  using List = std::vector<Value>;
  using Map = std::map<std::string, Value>;

  Value() = default;
  Value(bool b) : kind_(Kind::kBool), bool_(b) {}
  Value(int i) : kind_(Kind::kInt), int_(i) {}
  Value(int64_t i) : kind_(Kind::kInt), int_(i) {}
  Value(double d) : kind_(Kind::kFloat), float_(d) {}
  Value(const char* s) : kind_(Kind::kString), string_(s) {}
  Value(std::string s) : kind_(Kind::kString), string_(std::move(s)) {}
  Value(List l) : kind_(Kind::kList), list_(std::move(l)) {}
  Value(Map m) : kind_(Kind::kMap), map_(std::move(m)) {}
  static Value MakeList() { return Value(List{}); }
  static Value MakeMap() { return Value(Map{}); }
  /// A list of strings, the common case for taxonomies and people.
  static Value Strings(const std::vector<std::string>& items);

  Kind kind() const { return kind_; }
  bool is_null() const { return kind_ == Kind::kNull; }
  bool is_string() const { return kind_ == Kind::kString; }
  bool is_list() const { return kind_ == Kind::kList; }
  bool is_map() const { return kind_ == Kind::kMap; }
  bool as_bool() const { return bool_; }
  int64_t as_int() const { return int_; }
  double as_float() const { return float_; }
  const std::string& as_string() const { return string_; }
  const List& as_list() const { return list_; }
  List& as_list() { return list_; }
  const Map& as_map() const { return map_; }
  Map& as_map() { return map_; }

  /// Map access; inserts (turning a null into a map) when missing.
  Value& operator[](const std::string& key);
  /// Map lookup; nullptr when absent or not a map.
  const Value* Find(const std::string& key) const;
  /// Appends to a list (turning a null into a list).
  void Push(Value v);

  /// Compact JSON, or indented by two spaces when `pretty`.
  std::string ToJson(bool pretty = false) const;
  /// A human rendering of scalars ("true", "3", "text"); lists joined by ", ".
  std::string ToText() const;

 private:
  void WriteJson(std::string& out, bool pretty, int depth) const;

  Kind kind_ = Kind::kNull;
  bool bool_ = false;
  int64_t int_ = 0;
  double float_ = 0;
  std::string string_;
  List list_;
  Map map_;
};

/// Escapes a string as a JSON string literal, quotes included.
std::string JsonQuote(const std::string& s);

}  // namespace casebook::util
