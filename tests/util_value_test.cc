// Value: copy-on-write lists and maps, Freeze, and the tree hash the page
// cache keys pages by.
#include <catch2/catch.hpp>

#include "util/hash.h"
#include "util/value.h"

using casebook::util::StreamHash;
using casebook::util::Value;

namespace {

std::string HashOf(const Value& v) {
  StreamHash h;
  v.AddHash(&h);
  return h.Hex();
}

Value Item(const std::string& title) {
  Value v = Value::MakeMap();
  v["title"] = title;
  v["tags"] = Value::Strings({"db", "network"});
  return v;
}

}  // namespace

TEST_CASE("StreamHash does not depend on how the bytes are split") {
  const std::string text = "The replica fell behind while the primary was failing over.";
  StreamHash whole;
  whole.AddBytes(text.data(), text.size());
  for (size_t cut = 0; cut <= text.size(); ++cut) {
    StreamHash parts;
    parts.AddBytes(text.data(), cut);
    parts.AddBytes(text.data() + cut, text.size() - cut);
    CHECK(parts.Hex() == whole.Hex());
  }
  StreamHash ab_c, a_bc;
  ab_c.AddString("ab");
  ab_c.AddString("c");
  a_bc.AddString("a");
  a_bc.AddString("bc");
  CHECK(ab_c.Hex() != a_bc.Hex());
}

TEST_CASE("Value copies are independent: writing one leaves the other as it was") {
  Value a = Item("Checkout outage");
  Value b = a;
  b["title"] = "Login outage";
  b["tags"].Push("auth");
  CHECK(a.Find("title")->as_string() == "Checkout outage");
  CHECK(a.Find("tags")->as_list().size() == 2);
  CHECK(b.Find("tags")->as_list().size() == 3);
  CHECK(a.ToJson() == R"({"tags":["db","network"],"title":"Checkout outage"})");
}

TEST_CASE("A frozen tree hashes like the same tree unfrozen, and stays frozen when copied") {
  Value page = Value::MakeMap();
  page["items"] = Value::MakeList();
  Value frozen_item = Item("Checkout outage");
  frozen_item.Freeze();
  page["items"].Push(frozen_item);

  Value plain_page = Value::MakeMap();
  plain_page["items"] = Value::MakeList();
  plain_page["items"].Push(Item("Checkout outage"));
  CHECK(HashOf(page) == HashOf(plain_page));
  CHECK(page.ToJson() == plain_page.ToJson());

  // Writing through a copy of a frozen value copies it first: the frozen
  // original and its hash are untouched, and the copy hashes differently.
  Value edited = frozen_item;
  edited["title"] = "Checkout outage (updated)";
  CHECK(frozen_item.Find("title")->as_string() == "Checkout outage");
  CHECK(HashOf(frozen_item) == HashOf(Item("Checkout outage")));
  CHECK(HashOf(edited) != HashOf(frozen_item));
  CHECK(HashOf(Item("a")) != HashOf(Item("b")));
  // Kinds are part of the hash: "1" is not 1, [] is not {}.
  CHECK(HashOf(Value("1")) != HashOf(Value(1)));
  CHECK(HashOf(Value::MakeList()) != HashOf(Value::MakeMap()));
}

TEST_CASE("An empty map or list (made without a payload) acts as one: kind, JSON, hash, copies") {
  Value::Map none;
  Value built_empty = Value(Value::Map(none));
  Value map = Value::MakeMap();
  CHECK(map.is_map());
  CHECK(map.as_map().empty());
  CHECK(map.Find("x") == nullptr);
  CHECK(map.ToJson() == "{}");
  CHECK(HashOf(map) == HashOf(built_empty));
  Value frozen = Value::MakeMap();
  frozen.Freeze();
  CHECK(HashOf(frozen) == HashOf(map));
  // Copies of an empty one are independent once written to.
  Value copy = map;
  copy["title"] = "Checkout outage";
  CHECK(map.as_map().empty());
  CHECK(copy.ToJson() == R"({"title":"Checkout outage"})");
  CHECK(map.ToJson() == "{}");
  Value list = Value::MakeList();
  CHECK(list.is_list());
  CHECK(list.ToJson() == "[]");
  Value grown = list;
  grown.Push(Value("a"));
  CHECK(list.as_list().empty());
  CHECK(grown.ToJson() == R"(["a"])");
  CHECK(HashOf(Value::MakeList()) != HashOf(map));
}
