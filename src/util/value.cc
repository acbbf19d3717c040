#include "util/value.h"

#include "util/json_writer.h"

#include <cmath>
#include <cstdio>

namespace casebook::util {

struct Value::Payload {
  List list;
  Map map;
  bool frozen = false;
  uint64_t hash[2] = {0, 0};  // set by Freeze
};

namespace {
const Value::List kEmptyList;
const Value::Map kEmptyMap;
const std::string kEmptyString;
}  // namespace

// An empty list or map has no payload (as_list, as_map and Own already
// take a null one as empty): MakeMap() allocates nothing, and a default
// content::Document (whose `extra` is an empty map) neither. A build makes
// and drops hundreds of thousands of them at 100,000 postmortems.
Value::Value(List l) : kind_(Kind::kList) {
  new (&payload_) std::shared_ptr<Payload>();
  if (l.empty()) return;
  payload_ = std::make_shared<Payload>();
  payload_->list = std::move(l);
}

Value::Value(Map m) : kind_(Kind::kMap) {
  new (&payload_) std::shared_ptr<Payload>();
  if (m.empty()) return;
  payload_ = std::make_shared<Payload>();
  payload_->map = std::move(m);
}

void Value::Reset() {
  if (kind_ == Kind::kString) string_.~basic_string();
  if (has_payload()) payload_.~shared_ptr();
  kind_ = Kind::kNull;
}

// One body for copying and moving: std::forward moves the string or the
// payload out of an rvalue and copies it from an lvalue.
template <typename V>
void Value::Construct(V&& other) {
  kind_ = other.kind_;
  switch (kind_) {
    case Kind::kNull: break;
    case Kind::kBool: bool_ = other.bool_; break;
    case Kind::kInt: int_ = other.int_; break;
    case Kind::kFloat: float_ = other.float_; break;
    case Kind::kString: new (&string_) std::string(std::forward<V>(other).string_); break;
    case Kind::kList:
    case Kind::kMap: new (&payload_) std::shared_ptr<Payload>(std::forward<V>(other).payload_); break;
  }
}

void Value::CopyFrom(const Value& other) { Construct(other); }

void Value::MoveFrom(Value&& other) noexcept {
  Construct(std::move(other));
  other.Reset();
}

Value& Value::operator=(const Value& other) {
  if (this != &other) {
    Value copy(other);  // `other` may live inside this value
    Reset();
    MoveFrom(std::move(copy));
  }
  return *this;
}

Value& Value::operator=(Value&& other) noexcept {
  if (this != &other) {
    Value moved(std::move(other));  // `other` may live inside this value
    Reset();
    MoveFrom(std::move(moved));
  }
  return *this;
}

const std::string& Value::as_string() const {
  return kind_ == Kind::kString ? string_ : kEmptyString;
}

Value::Payload& Value::Own() {
  if (!has_payload()) {
    // Mutable list or map access on a scalar turns it into an empty one.
    Reset();
    kind_ = Kind::kList;
    new (&payload_) std::shared_ptr<Payload>(std::make_shared<Payload>());
  } else if (!payload_) {
    payload_ = std::make_shared<Payload>();
  } else if (payload_->frozen || payload_.use_count() > 1) {
    auto copy = std::make_shared<Payload>();
    copy->list = payload_->list;
    copy->map = payload_->map;
    payload_ = std::move(copy);
  }
  return *payload_;
}

const Value::List& Value::as_list() const {
  return has_payload() && payload_ ? payload_->list : kEmptyList;
}
Value::List& Value::as_list() { return Own().list; }
const Value::Map& Value::as_map() const {
  return has_payload() && payload_ ? payload_->map : kEmptyMap;
}
Value::Map& Value::as_map() {
  if (!has_payload()) *this = MakeMap();
  return Own().map;
}

void Value::Freeze() {
  if (!has_payload() || !payload_ || payload_->frozen) return;
  Payload& p = Own();
  for (auto& v : p.list) v.Freeze();
  for (auto& [k, v] : p.map) v.Freeze();
  // Frozen trees never grow again: give back what growth reserved.
  p.list.shrink_to_fit();
  p.map.shrink_to_fit();
  Digest(p.hash);
  p.frozen = true;
}

// A list or map adds its own digest (a Merkle tree), so a frozen sub-tree
// adds its cached digest and hashes exactly like the same tree unfrozen.
void Value::Digest(uint64_t out[2]) const {
  if (has_payload() && payload_ && payload_->frozen) {
    out[0] = payload_->hash[0];
    out[1] = payload_->hash[1];
    return;
  }
  StreamHash h;
  if (kind_ == Kind::kList) {
    const List& l = as_list();
    h.AddInt(static_cast<int64_t>(l.size()));
    for (const auto& v : l) v.AddHash(&h);
  } else {
    const Map& m = as_map();
    h.AddInt(static_cast<int64_t>(m.size()));
    for (const auto& [k, v] : m) {
      h.AddString(k);
      v.AddHash(&h);
    }
  }
  h.Finish(out);
}

void Value::AddHash(StreamHash* h) const {
  h->AddInt(static_cast<int64_t>(kind_));
  switch (kind_) {
    case Kind::kNull: break;
    case Kind::kBool: h->AddInt(bool_); break;
    case Kind::kInt: h->AddInt(int_); break;
    case Kind::kFloat: h->AddDouble(float_); break;
    case Kind::kString: h->AddString(string_); break;
    case Kind::kList:
    case Kind::kMap: {
      uint64_t d[2];
      Digest(d);
      h->AddInt(static_cast<int64_t>(d[0]));
      h->AddInt(static_cast<int64_t>(d[1]));
      break;
    }
  }
}

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
  return Own().map[key];
}

const Value* Value::Find(const std::string& key) const {
  if (kind_ != Kind::kMap) return nullptr;
  const Map& m = as_map();
  auto it = m.find(key);
  return it == m.end() ? nullptr : &it->second;
}

void Value::Push(Value v) {
  if (kind_ != Kind::kList) *this = MakeList();
  Own().list.push_back(std::move(v));
}

std::string JsonQuote(const std::string& s) {
  std::string out;
  out.reserve(s.size() + 2);
  AppendJsonQuoted(out, s);
  return out;
}

void Value::WriteJson(std::string& out, bool pretty, int depth) const {
  JsonWriter w(&out, pretty, depth);
  Write(w);
}

void Value::Write(JsonWriter& w) const {
  switch (kind_) {
    case Kind::kNull: w.Null(); break;
    case Kind::kBool: w.Bool(bool_); break;
    case Kind::kInt: w.Int(int_); break;
    case Kind::kFloat: w.Float(float_); break;
    case Kind::kString: w.String(string_); break;
    case Kind::kList:
      w.BeginList();
      for (const auto& v : as_list()) v.Write(w);
      w.EndList();
      break;
    case Kind::kMap:
      w.BeginObject();
      for (const auto& [k, v] : as_map()) {
        w.Key(k);
        v.Write(w);
      }
      w.EndObject();
      break;
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
      for (const auto& v : as_list()) {
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
