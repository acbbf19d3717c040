// A peer for scripts/bench, not part of casebook: the least work any full
// build that writes a Xapian index with phrase search must do on an archive.
//
//   xapian_floor CONTENT_DIR OUT_DIR THREADS
//
// Reads every *.md under CONTENT_DIR, drops the front matter (+++ or ---
// fenced) and indexes the Markdown bodies only (no titles, summaries,
// values, document data or spelling, all of which casebook also writes),
// the way casebook's index does: English stems with a Z prefix
// (STEM_ALL_Z), memoized as casebook memoizes them, with positions, shards
// of 500 documents written unsynced on THREADS threads, then compacted into
// OUT_DIR/final. No pages, no
// similar incidents. Its time, in the same run as Hugo's, bounds from below
// what casebook's full build (pages and index) can take.
#include <xapian.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

namespace fs = std::filesystem;

namespace {

constexpr size_t kShardDocs = 500;

/// Xapian::Stem("en") with a memo, as casebook's index uses it.
class MemoStem : public Xapian::StemImplementation {
 public:
  std::string operator()(const std::string& word) override {
    auto it = memo_.find(word);
    if (it != memo_.end()) return it->second;
    return memo_.emplace(word, stem_(word)).first->second;
  }
  std::string get_description() const override { return "memoized Xapian::Stem(en)"; }

 private:
  Xapian::Stem stem_{"en"};
  std::unordered_map<std::string, std::string> memo_;
};

std::string Body(const std::string& text) {
  for (const char* fence : {"+++", "---"}) {
    std::string open = std::string(fence) + "\n";
    if (text.compare(0, open.size(), open) != 0) continue;
    size_t end = text.find("\n" + open, open.size() - 1);
    if (end == std::string::npos) return text;
    return text.substr(end + open.size() + 1);
  }
  return text;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: xapian_floor CONTENT_DIR OUT_DIR THREADS\n";
    return 2;
  }
  const fs::path content = argv[1], out = argv[2];
  const size_t threads = std::max(1, std::atoi(argv[3]));
  try {
    std::vector<fs::path> files;
    for (const auto& e : fs::recursive_directory_iterator(content))
      if (e.is_regular_file() && e.path().extension() == ".md") files.push_back(e.path());
    std::sort(files.begin(), files.end());

    fs::remove_all(out);
    fs::create_directories(out);
    const size_t shards = (files.size() + kShardDocs - 1) / kShardDocs;
    std::vector<std::string> paths(shards);
    std::atomic<size_t> next{0};
    auto work = [&] {
      Xapian::TermGenerator tg;
      tg.set_stemmer(Xapian::Stem(new MemoStem));
      tg.set_stemming_strategy(Xapian::TermGenerator::STEM_ALL_Z);
      for (size_t s; (s = next++) < shards;) {
        paths[s] = (out / ("s" + std::to_string(s))).string();
        Xapian::WritableDatabase db(paths[s], Xapian::DB_CREATE | Xapian::DB_NO_SYNC);
        for (size_t i = s * kShardDocs; i < std::min(files.size(), (s + 1) * kShardDocs); ++i) {
          std::ifstream in(files[i], std::ios::binary);
          std::stringstream text;
          text << in.rdbuf();
          Xapian::Document doc;
          tg.set_document(doc);
          tg.index_text(Body(text.str()));
          doc.add_boolean_term("Q" + std::to_string(i));
          db.add_document(doc);
        }
        db.commit();
      }
    };
    std::vector<std::thread> pool;
    for (size_t t = 1; t < threads; ++t) pool.emplace_back(work);
    work();
    for (auto& t : pool) t.join();

    Xapian::Database all;
    for (const auto& p : paths) all.add_database(Xapian::Database(p));
    all.compact((out / "final").string());
    std::cout << files.size() << " documents, " << all.get_doccount() << " indexed\n";
  } catch (const Xapian::Error& e) {
    std::cerr << "xapian_floor: " << e.get_description() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "xapian_floor: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
