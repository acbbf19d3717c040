#!/usr/bin/env python3
"""The measuring half of scripts/relevance (the bash entry point installs the
peers and builds casebook, then runs this). See docs/benchmarks.md.

    relevance.py --casebook BIN --work DIR [--judgments FILE] [--corpus DIR]
                 [--skip-omega] [--skip-pagefind] [--details]

1. Writes one archive into WORK/site: the DFDS postmortems (plain Markdown,
   copied as they are; the one without ".md" gets it), the repository's
   example content/ and 200 synthetic postmortems (gen_archive.py, seed 7).
2. `casebook build`; the postmortem pages are copied to WORK/pages/<id>.html
   so that every engine indexes exactly the same pages and nothing else.
3. Runs every judged query through casebook (`casebook search --json`),
   Xapian Omega (omindex over WORK/pages, then quest: BM25, default OR, the
   English stemmer) and Pagefind (the CLI indexes WORK/pages, a node script
   runs its search API over the files), and prints hit@1, hit@3, MRR@10 and
   the zero-result rate, overall and per category, as Markdown tables.

Deterministic for a given casebook binary and peer versions: no clock, no
network (once installed), no randomness but the seeded generator.
"""

import argparse
import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
CATEGORIES = ["paraphrase", "detail", "name", "cause", "typo", "compound", "unused", "title"]
CATEGORY_NAMES = {
    "paraphrase": "paraphrase",
    "detail": "half-remembered detail",
    "name": "names",
    "cause": "causes",
    "typo": "typos",
    "compound": "compounds",
    "unused": "a word the report doesn't use",
    "title": "exact titles",
}
DEPTH = 10


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def read_judgments(path):
    out = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            parts = line.split("\t")
            if len(parts) != 3 or parts[0] not in CATEGORIES or not parts[2].split():
                sys.exit(f"{path}:{n}: expected category<TAB>query<TAB>ids, category one of "
                         f"{', '.join(CATEGORIES)}")
            out.append({"category": parts[0], "query": parts[1], "relevant": parts[2].split()})
    return out


def is_relevant(doc_id, patterns):
    return any(fnmatch.fnmatchcase(doc_id, p) for p in patterns)


def make_archive(work, corpus, casebook):
    site = os.path.join(work, "site")
    if os.path.isdir(site):
        shutil.rmtree(site)
    subprocess.run([sys.executable, os.path.join(REPO, "scripts/benchdata/gen_archive.py"), site,
                    "200", "--seed", "7"], check=True, stdout=subprocess.DEVNULL)
    dfds = os.path.join(site, "content", "dfds")
    os.makedirs(dfds)
    copied = 0
    for name in sorted(os.listdir(corpus)):
        src = os.path.join(corpus, name)
        if not name.startswith("PM2") or not os.path.isfile(src):
            continue  # README, LICENSE and the PMyyyy-nnn template are not postmortems
        shutil.copyfile(src, os.path.join(dfds, name if name.endswith(".md") else name + ".md"))
        copied += 1
    shutil.copytree(os.path.join(REPO, "content"), os.path.join(site, "content", "example"))
    log(f"archive: {copied} DFDS postmortems, the example content/ and 200 synthetic ones "
        f"in {site}")
    r = subprocess.run([casebook, "build"], cwd=site, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"casebook build failed in {site}:\n{r.stderr[-3000:]}")
    return site


def collect_pages(work, site, casebook):
    """WORK/pages/<id>.html: the postmortem pages casebook built."""
    ids = []
    offset = 0
    while True:
        r = subprocess.run([casebook, "search", "--json", "--limit", "100", "--offset",
                            str(offset), "--sort", "date", ""], cwd=site,
                           capture_output=True, text=True)
        hits = json.loads(r.stdout)["hits"] if r.stdout.strip() else []
        if not hits:
            break
        ids += [(h["id"], h["url"]) for h in hits]
        offset += len(hits)
    pages = os.path.join(work, "pages")
    if os.path.isdir(pages):
        shutil.rmtree(pages)
    os.makedirs(pages)
    public = os.path.join(site, "public")
    for doc_id, url in ids:
        path = os.path.join(public, url.strip("/"), "index.html")
        if not os.path.isfile(path):
            path = os.path.join(public, url.strip("/"))
        shutil.copyfile(path, os.path.join(pages, doc_id + ".html"))
    log(f"pages: {len(ids)} postmortem pages in {pages}")
    return pages, len(ids)


def run_casebook(casebook, site, query):
    r = subprocess.run([casebook, "search", "--json", "--limit", str(DEPTH), "--", query],
                       cwd=site, capture_output=True, text=True)
    if r.returncode not in (0, 1) or not r.stdout.strip():
        log(f"casebook search failed for {query!r}: {r.stderr.strip()}")
        return []
    return [h["id"] for h in json.loads(r.stdout)["hits"]]


def omega_index(work, pages):
    db = os.path.join(work, "omega", "db")
    if os.path.isdir(os.path.dirname(db)):
        shutil.rmtree(os.path.dirname(db))
    os.makedirs(os.path.dirname(db))
    subprocess.run(["omindex", "--db", db, "--url", "/", pages], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return db


def run_omega(db, query):
    r = subprocess.run(["quest", "-d", db, "-m", str(DEPTH), "-o", "or", "-w", "bm25",
                        "-f", "default", query], capture_output=True, text=True)
    ids = []
    for m in re.finditer(r"^url=/?(.*?)\.html$", r.stdout, re.M):
        ids.append(os.path.basename(m.group(1)))
    return ids


PAGEFIND_JS = r"""
// Runs Pagefind's own search API (pagefind.js, as a browser would load it)
// over the generated files: fetch() is given the files from disk.
const fs = require('fs'), path = require('path'), url = require('url');
const dir = process.argv[2];
const realFetch = globalThis.fetch;
globalThis.fetch = async (u) => {
  const p = u.toString().startsWith('file:') ? url.fileURLToPath(u.toString()) : path.join(dir, u.toString());
  const body = fs.readFileSync(p.split('?')[0]);
  return new Response(body, {status: 200});
};
globalThis.window = globalThis;
globalThis.location = {href: url.pathToFileURL(dir + '/').href};
(async () => {
  const pf = await import(url.pathToFileURL(path.join(dir, 'pagefind.js')).href);
  await pf.options({basePath: url.pathToFileURL(dir + '/').href});
  await pf.init();
  const queries = JSON.parse(fs.readFileSync(0, 'utf8'));
  const out = [];
  for (const q of queries) {
    const r = await pf.search(q);
    const ids = [];
    for (const res of (r ? r.results : []).slice(0, %DEPTH%)) {
      const d = await res.data();
      ids.push(path.basename(d.url).replace(/\.html$/, ''));
    }
    out.push(ids);
  }
  process.stdout.write(JSON.stringify(out));
})().catch(e => { console.error(String(e && e.stack || e)); process.exit(1); });
"""


def pagefind_run(work, pages, pagefind_bin, queries):
    out_dir = os.path.join(pages, "pagefind")
    if os.path.isdir(out_dir):
        shutil.rmtree(out_dir)
    r = subprocess.run([pagefind_bin, "--site", pages, "--output-path", out_dir],
                       capture_output=True, text=True)
    if r.returncode != 0:
        return None, "pagefind could not index the pages: " + (r.stderr or r.stdout)[-500:]
    script = os.path.join(work, "pagefind_search.cjs")
    with open(script, "w", encoding="utf-8") as f:
        f.write(PAGEFIND_JS.replace("%DEPTH%", str(DEPTH)))
    r = subprocess.run(["node", script, out_dir], input=json.dumps(queries), capture_output=True,
                       text=True)
    if r.returncode != 0:
        return None, "pagefind's search API failed under node: " + r.stderr.strip()[-800:]
    return json.loads(r.stdout), None


def score(judged, results):
    """Per query: rank of the first relevant hit (1-based) or None, zero-result flag."""
    rows = []
    for j, ids in zip(judged, results):
        rank = next((i + 1 for i, d in enumerate(ids[:DEPTH]) if is_relevant(d, j["relevant"])),
                    None)
        rows.append({"category": j["category"], "rank": rank, "empty": not ids})
    return rows


def summarise(rows):
    n = len(rows)
    if n == 0:
        return None
    return {
        "n": n,
        "hit1": sum(1 for r in rows if r["rank"] == 1) / n,
        "hit3": sum(1 for r in rows if r["rank"] and r["rank"] <= 3) / n,
        "mrr": sum(1.0 / r["rank"] for r in rows if r["rank"]) / n,
        "zero": sum(1 for r in rows if r["empty"]) / n,
        "zero_n": sum(1 for r in rows if r["empty"]),
    }


def table(engines, judged):
    lines = ["| engine | hit@1 | hit@3 | MRR@10 | queries with no result |",
             "| --- | --- | --- | --- | --- |"]
    for name, rows in engines:
        s = summarise(rows)
        lines.append(f"| {name} | {s['hit1']:.2f} | {s['hit3']:.2f} | {s['mrr']:.3f} | "
                     f"{s['zero']:.0%} ({s['zero_n']}) |")
    lines.append("")
    header = "| category (queries) | " + " | ".join(
        f"{name} hit@3 / MRR / empty" for name, _ in engines) + " |"
    lines.append(header)
    lines.append("| --- |" + " --- |" * len(engines))
    for c in CATEGORIES:
        n = sum(1 for j in judged if j["category"] == c)
        if not n:
            continue
        cells = []
        for _, rows in engines:
            s = summarise([r for r in rows if r["category"] == c])
            cells.append(f"{s['hit3']:.2f} / {s['mrr']:.2f} / {s['zero_n']}")
        lines.append(f"| {CATEGORY_NAMES[c]} ({n}) | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--casebook", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--judgments", default=os.path.join(HERE, "judgments.tsv"))
    # ../shared/corpora next to the repository (or next to its worktree folder).
    candidates = [os.path.normpath(os.path.join(REPO, up, "shared", "corpora", "dfds-postmortems"))
                  for up in ("..", os.path.join("..", ".."))]
    ap.add_argument("--corpus", default=next((c for c in candidates if os.path.isdir(c)),
                                             candidates[0]))
    ap.add_argument("--pagefind", default="")
    ap.add_argument("--skip-omega", action="store_true")
    ap.add_argument("--skip-pagefind", action="store_true")
    ap.add_argument("--details", action="store_true", help="print every query's ranks")
    a = ap.parse_args()
    casebook = os.path.abspath(a.casebook)
    work = os.path.abspath(a.work)
    os.makedirs(work, exist_ok=True)
    if not os.path.isdir(a.corpus):
        sys.exit(f"scripts/relevance: no DFDS corpus at {a.corpus} (give --corpus DIR: a clone "
                 "of github.com/dfds/postmortems)")
    judged = read_judgments(a.judgments)
    site = make_archive(work, a.corpus, casebook)
    pages, npages = collect_pages(work, site, casebook)
    queries = [j["query"] for j in judged]

    engines = []
    log(f"casebook: {len(queries)} queries")
    cb = [run_casebook(casebook, site, q) for q in queries]
    engines.append(("casebook", score(judged, cb)))
    all_results = {"casebook": cb}
    if not a.skip_omega:
        if shutil.which("omindex") and shutil.which("quest"):
            db = omega_index(work, pages)
            om = [run_omega(db, q) for q in queries]
            engines.append(("Omega (BM25, OR)", score(judged, om)))
            all_results["omega"] = om
        else:
            log("skipping Omega: omindex / quest not installed (Debian xapian-omega, xapian-tools)")
    if not a.skip_pagefind:
        if a.pagefind and shutil.which("node"):
            pf, err = pagefind_run(work, pages, a.pagefind, queries)
            if pf is None:
                log("skipping Pagefind: " + err)
            else:
                engines.append(("Pagefind", score(judged, pf)))
                all_results["pagefind"] = pf
        else:
            log("skipping Pagefind: no pagefind binary or no node")

    print(f"{len(judged)} judged queries over {npages} postmortems "
          f"(scripts/relevancedata/judgments.tsv)\n")
    print(table(engines, judged))
    if a.details:
        print("\n| category | query | " + " | ".join(n for n, _ in engines) + " |")
        print("| --- | --- |" + " --- |" * len(engines))
        for i, j in enumerate(judged):
            cells = []
            for _, rows in engines:
                r = rows[i]
                cells.append("empty" if r["empty"] else (str(r["rank"]) if r["rank"] else "-"))
            print(f"| {j['category']} | {j['query']} | " + " | ".join(cells) + " |")
    with open(os.path.join(work, "results.json"), "w", encoding="utf-8") as f:
        json.dump({"queries": queries, "results": all_results}, f, indent=1)


if __name__ == "__main__":
    main()
