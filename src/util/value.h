// Value: a small JSON-like tree for data whose shape we do not know ahead of
// time: unknown front matter keys (kept and handed to templates as they are),
// and the machine-readable outputs (postmortems.json, --json) built from it.
// Maps keep keys sorted so that serialisation is deterministic.
//
// Lists and maps are shared copy-on-write, so copying a Value is cheap (the
// template views copy the same list items into many pages). Freeze() marks a
// tree immutable and caches its content hash, so hashing a page view that
// holds frozen sub-trees (AddHash, for the page cache) does not walk them
// again. Concurrent reads of one Value are safe; writes need one owner.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "util/hash.h"
#include "util/sorted_map.h"

namespace casebook::util {

class JsonWriter;

class Value {
 public:
  enum class Kind : uint8_t { kNull, kBool, kInt, kFloat, kString, kList, kMap };
  using List = std::vector<Value>;
  using Map = SortedMap<Value>;  // keys in byte order, like std::map

  Value() {}
  Value(bool b) : kind_(Kind::kBool) { bool_ = b; }
  Value(int i) : kind_(Kind::kInt) { int_ = i; }
  Value(int64_t i) : kind_(Kind::kInt) { int_ = i; }
  Value(double d) : kind_(Kind::kFloat) { float_ = d; }
  Value(const char* s) : kind_(Kind::kString) { new (&string_) std::string(s); }
  Value(std::string s) : kind_(Kind::kString) { new (&string_) std::string(std::move(s)); }
  Value(List l);
  Value(Map m);
  Value(const Value& other) { CopyFrom(other); }
  Value(Value&& other) noexcept { MoveFrom(std::move(other)); }
  Value& operator=(const Value& other);
  Value& operator=(Value&& other) noexcept;
  ~Value() { Reset(); }
  static Value MakeList() { return Value(List{}); }
  static Value MakeMap() { return Value(Map{}); }
  /// A list of strings, the common case for taxonomies and people.
  static Value Strings(const std::vector<std::string>& items);

  Kind kind() const { return kind_; }
  bool is_null() const { return kind_ == Kind::kNull; }
  bool is_string() const { return kind_ == Kind::kString; }
  bool is_list() const { return kind_ == Kind::kList; }
  bool is_map() const { return kind_ == Kind::kMap; }
  bool as_bool() const { return kind_ == Kind::kBool && bool_; }
  int64_t as_int() const { return kind_ == Kind::kInt ? int_ : 0; }
  double as_float() const { return kind_ == Kind::kFloat ? float_ : 0; }
  /// The string; "" for any other kind.
  const std::string& as_string() const;
  const List& as_list() const;
  List& as_list();  // copies a shared or frozen list first
  const Map& as_map() const;
  Map& as_map();    // copies a shared or frozen map first

  /// Map access; inserts (turning a null into a map) when missing.
  Value& operator[](const std::string& key);
  /// Map lookup; nullptr when absent or not a map.
  const Value* Find(const std::string& key) const;
  /// Appends to a list (turning a null into a list).
  void Push(Value v);

  /// Compact JSON, or indented by two spaces when `pretty`.
  std::string ToJson(bool pretty = false) const;
  /// Appends the JSON as if nested `depth` levels deep (for indentation).
  void AppendJson(std::string& out, bool pretty, int depth) const { WriteJson(out, pretty, depth); }
  /// A human rendering of scalars ("true", "3", "text"); lists joined by ", ".
  std::string ToText() const;

  /// Makes this tree immutable and caches its hash (see AddHash). Later
  /// writes through a copy copy the frozen parts first. Not thread-safe:
  /// freeze before sharing.
  void Freeze();
  /// Feeds the whole tree (kinds, keys, values) to `hash`: equal hashes mean
  /// equal trees, frozen or not. Frozen sub-trees add their cached digest.
  void AddHash(StreamHash* hash) const;

 private:
  struct Payload;
  void WriteJson(std::string& out, bool pretty, int depth) const;
  void Write(JsonWriter& w) const;
  Payload& Own();  // the payload, unshared and unfrozen
  void Digest(uint64_t out[2]) const;  // of a list or map

  bool has_payload() const { return kind_ == Kind::kList || kind_ == Kind::kMap; }
  void Reset();  // destroys the member in use; kind_ becomes kNull
  void CopyFrom(const Value& other);     // into a Reset value
  void MoveFrom(Value&& other) noexcept;  // into a Reset value; other becomes null
  template <typename V>
  void Construct(V&& other);  // CopyFrom and MoveFrom

  // One member in use at a time, by kind_ (40 bytes in all: template views
  // hold millions of Values).
  Kind kind_ = Kind::kNull;
  union {
    bool bool_;
    int64_t int_;
    double float_;
    std::string string_;                // kString
    std::shared_ptr<Payload> payload_;  // kList, kMap: the list or map
  };
};

/// Escapes a string as a JSON string literal, quotes included.
std::string JsonQuote(const std::string& s);

}  // namespace casebook::util
