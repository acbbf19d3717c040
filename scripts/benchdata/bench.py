#!/usr/bin/env python3
"""The measuring half of scripts/bench (the bash entry point installs what is
missing, builds casebook and then runs this). See docs/benchmarks.md.

Everything runs in one process, one measurement at a time, so casebook and
Hugo see the same machine state and the ratios between them are meaningful
on a shared, noisy machine.
"""

import argparse
import datetime as dt
import hashlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
GEN = os.path.join(HERE, "gen_archive.py")
HUGO_THEME = os.path.join(HERE, "hugo")
QUERIES = os.path.join(HERE, "queries.txt")
TODAY = "2026-01-01"
SEED = 20260101
BUILD_TIMEOUT = 3600  # seconds; a hung build must not hang the benchmark
# What a clean build leaves in the archive dir: the input and the stamp.
KEEP = {"site.toml", "content", ".gen-stamp", "themes"}


def log(msg):
    print(f"bench: {msg}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------ archives

def gen_stamp():
    h = hashlib.sha256()
    with open(GEN, "rb") as f:
        h.update(f.read())
    return f"{h.hexdigest()} seed={SEED}"


def link_themes(d):
    # No themes/ link: casebook falls back to the themes it was built with
    # (the repository's themes/), and a link out of the archive is refused
    # (docs/security.md). Archives made before still hold one.
    link = os.path.join(d, "themes")
    if os.path.islink(link):
        os.remove(link)


def pregenerated(src, n):
    """True when `src` holds gen_archive.py's archive of `n` postmortems with
    the bench's seed (its site.toml says so in its first lines)."""
    try:
        with open(os.path.join(src, "site.toml"), encoding="utf-8") as f:
            head = f.read(400)
    except OSError:
        return False
    return (f"N = {n}, seed = {SEED}." in head
            and os.path.isdir(os.path.join(src, "content")))


def ensure_archive(work, n, archives=""):
    d = os.path.join(work, str(n))
    stamp_path = os.path.join(d, ".gen-stamp")
    stamp = f"{gen_stamp()} n={n}"
    try:
        with open(stamp_path) as f:
            if f.read().strip() == stamp:
                log(f"archive {n}: cached in {d}")
                link_themes(d)
                return d
    except OSError:
        pass
    if os.path.exists(d):
        shutil.rmtree(d)
    src = os.path.join(archives, f"a{n}") if archives else ""
    if src and pregenerated(src, n):
        # Generating 100,000 postmortems takes ~10 minutes: a copy of an
        # archive gen_archive.py already wrote for this N and seed is used.
        log(f"archive {n}: copying {src} to {d}")
        os.makedirs(d)
        shutil.copy2(os.path.join(src, "site.toml"), d)
        shutil.copytree(os.path.join(src, "content"), os.path.join(d, "content"))
    else:
        log(f"archive {n}: generating in {d}")
        os.makedirs(d)
        subprocess.run([sys.executable, GEN, d, str(n), "--seed", str(SEED)], check=True)
    with open(stamp_path, "w") as f:
        f.write(stamp + "\n")
    link_themes(d)
    return d


class Trash:
    """Where a full build's previous output goes instead of being deleted.

    On ext4 without a journal (as on these machines), creating an inode skips,
    one by one, every inode of its group freed in the last minutes (the
    kernel's `recently_deleted`), so a build started right after deleting the
    previous one's 20,000 files and folders pays for that deletion, and more
    with every run: Hugo's own full builds at 10,000 took 11.7, 13.4, 14.2 and
    16.6 s in a row, and the tool measured second paid for the first one's
    deletions too. Moving the output aside is a rename; the trash is deleted
    once every timing is done. With delete=True (--delete-between-runs),
    outputs are deleted at once, as before.
    """

    def __init__(self, work, delete=False):
        self.dir = os.path.join(work, "trash")
        self.delete = delete
        self.count = 0

    def discard(self, path):
        if self.delete:
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path)
            else:
                os.remove(path)
            return
        os.makedirs(self.dir, exist_ok=True)
        self.count += 1
        os.rename(path, os.path.join(self.dir, f"{os.getpid()}-{self.count}-{os.path.basename(path)}"))

    def empty(self):
        if os.path.isdir(self.dir):
            log(f"deleting the outputs of earlier runs ({self.dir})")
            shutil.rmtree(self.dir, ignore_errors=True)


TRASH = Trash("/tmp/casebook-bench", delete=True)  # main() sets the real one


def clean_archive(d):
    """Moves everything a build wrote (site, index, caches, temp dirs) to the trash."""
    for name in os.listdir(d):
        if name in KEEP:
            continue
        TRASH.discard(os.path.join(d, name))


def middle_file(d):
    files = []
    for root, _, names in os.walk(os.path.join(d, "content")):
        files.extend(os.path.join(root, n) for n in names if n.endswith(".md"))
    files.sort()
    return files[len(files) // 2]


# ----------------------------------------------------------------- measuring

class Run:
    def __init__(self, seconds, rss_kb, ok, err="", cpu=None):
        self.seconds, self.rss_kb, self.ok, self.err = seconds, rss_kb, ok, err
        self.cpu = cpu  # user + system seconds of the process and its children


def timed(cmd, cwd=None, timeout=BUILD_TIMEOUT):
    """Wall time (perf_counter around the process), peak RSS and CPU time
    (GNU time). CPU seconds are what other users of a shared machine do not
    change much, so they are reported beside the wall time."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tf:
        full = ["/usr/bin/time", "-f", "%M %U %S", "-o", tf.name] + cmd
        t0 = time.perf_counter()
        try:
            p = subprocess.run(full, cwd=cwd, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, timeout=timeout)
        except subprocess.TimeoutExpired:
            return Run(time.perf_counter() - t0, 0, False, f"timed out after {timeout} s")
        secs = time.perf_counter() - t0
        rss, cpu = 0, None
        for line in tf.read().splitlines():
            m = re.match(r"^\s*(\d+) ([\d.]+) ([\d.]+)\s*$", line)
            if m:
                rss, cpu = int(m.group(1)), float(m.group(2)) + float(m.group(3))
        err = p.stderr.decode("utf-8", "replace")
        return Run(secs, rss, p.returncode == 0, "" if p.returncode == 0 else
                   f"exit {p.returncode}: " + err[-2000:], cpu)


class Result:
    def __init__(self, size, tool, scenario, runs, note=""):
        self.size, self.tool, self.scenario, self.runs, self.note = size, tool, scenario, runs, note

    @property
    def ok(self):
        return bool(self.runs) and all(r.ok for r in self.runs)

    @property
    def median(self):
        return statistics.median(r.seconds for r in self.runs)

    @property
    def cpu(self):
        vals = [r.cpu for r in self.runs if r.cpu is not None]
        return statistics.median(vals) if vals else None

    @property
    def rss_mb(self):
        vals = [r.rss_kb for r in self.runs if r.rss_kb]
        return statistics.median(vals) / 1024 if vals else None


def settle():
    """Flushes earlier writes to disk before a timed run.

    A full build at 10,000 leaves ~600 MB of dirty pages; the kernel writes
    them back over the next half minute on the same two cores, so without
    this the runs after a full build (a rebuild, or the other tool's turn)
    paid for it: casebook's one-file rebuild took 0.83-0.92 s in the bench
    and 0.62-0.72 s by hand on the same archive.
    """
    os.sync()


def measure(label, runs, prepare, cmd, cwd=None):
    """One untimed warm-up, then `runs` timed runs; prepare(i) before each."""
    out = []
    for i in range(runs + 1):
        if prepare:
            prepare(i)
        settle()
        r = timed(cmd, cwd=cwd)
        what = "warm-up" if i == 0 else f"run {i}/{runs}"
        log(f"  {label}: {what} {r.seconds:.3f} s"
            + (f" ({r.cpu:.1f} cpu-s)" if r.cpu is not None else "")
            + f", {r.rss_kb / 1024:.0f} MB"
            + ("" if r.ok else "  FAILED"))
        if not r.ok:
            log("    " + r.err.strip().replace("\n", "\n    "))
            return [r]
        if i > 0:
            out.append(r)
    return out


# ------------------------------------------------------------------ casebook

def casebook_build_cmd(cb, d, jobs, quiet=True):
    cmd = [cb, "build", "--config", os.path.join(d, "site.toml"), "--today", TODAY]
    if jobs:
        cmd += ["--jobs", str(jobs)]
    cmd.append("--quiet" if quiet else "--verbose")
    return cmd


def bench_casebook(cb, d, n, runs, jobs, logdir):
    results = []
    build = casebook_build_cmd(cb, d, jobs)

    # Pages alone, beside Hugo's pages: which part of the full build is the
    # index (issue 18, deliverable 4). First, so the full build's own clean
    # start leaves the archive as the later scenarios expect.
    log(f"casebook pages only (--no-index), {n}")
    rs = measure("pages only", runs, lambda i: clean_archive(d), build + ["--no-index"], cwd=d)
    results.append(Result(n, "casebook", "pages only (--no-index)", rs))

    log(f"casebook full build, {n}")
    rs = measure("full", runs, lambda i: clean_archive(d), build, cwd=d)
    results.append(Result(n, "casebook", "full build", rs))
    if not results[-1].ok:
        return results, False

    log(f"casebook no-change rebuild, {n}")
    rs = measure("no-change", runs, None, build, cwd=d)
    results.append(Result(n, "casebook", "no-change rebuild", rs))

    log(f"casebook one-file-changed rebuild, {n}")
    path = middle_file(d)
    with open(path, "rb") as f:
        original = f.read()

    def edit(i):
        with open(path, "wb") as f:
            f.write(original + f"\nEdited by scripts/bench, edit {i}.\n".encode())

    def restore():
        with open(path, "wb") as f:
            f.write(original)

    try:
        rs = measure("one-file", runs, edit, build, cwd=d)
        results.append(Result(n, "casebook", "one file changed", rs,
                              note=os.path.relpath(path, d)))
        # Per-step timings for the lead: one verbose run of each scenario.
        verbose = casebook_build_cmd(cb, d, jobs, quiet=False)
        for name, prep in (("full", lambda: (restore(), clean_archive(d))),
                           ("no-change", None),
                           ("one-file", lambda: edit(runs + 1))):
            if prep:
                prep()
            p = subprocess.run(verbose, cwd=d, capture_output=True, text=True,
                               timeout=BUILD_TIMEOUT)
            with open(os.path.join(logdir, f"verbose-{name}-{n}.txt"), "w") as f:
                f.write(f"$ {' '.join(verbose)}   # {name}\n{p.stdout}{p.stderr}")
    finally:
        with open(path, "wb") as f:
            f.write(original)
    # Leave a build that matches the pristine archive (serve and search use it).
    subprocess.run(build, cwd=d, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   timeout=BUILD_TIMEOUT)
    return results, True


# ---------------------------------------------------------------------- hugo

def hugo_cmd(d, dest, sub="build"):
    base = ["hugo", "-s", d, "--config", os.path.join(HUGO_THEME, "config.toml"),
            "--themesDir", HERE, "--theme", "hugo"]
    if sub == "build":
        return base + ["--quiet", "-d", dest]
    return ["hugo", "server"] + base[1:]


def bench_hugo(d, n, runs, work):
    dest = os.path.join(work, "hugo-public", str(n))
    log(f"hugo full build, {n}")

    def prep(i):
        if os.path.exists(dest):
            TRASH.discard(dest)

    rs = measure("hugo full", runs, prep, hugo_cmd(d, dest))
    if os.path.exists(dest):
        TRASH.discard(dest)
    return Result(n, "hugo", "full build", rs)


# ------------------------------------------------------------- xapian alone

FLOOR_SRC = os.path.join(HERE, "xapian_floor.cc")


def build_floor(work):
    """Compiles xapian_floor.cc (a peer of the bench's own, not casebook's)
    into <work>; None, with the reason logged, when it cannot be built."""
    out = os.path.join(work, "xapian_floor")
    with open(FLOOR_SRC, "rb") as f:
        stamp = hashlib.sha256(f.read()).hexdigest()[:16]
    stamp_path = out + ".stamp"
    if os.path.exists(out) and os.path.exists(stamp_path) and open(stamp_path).read() == stamp:
        return out
    flags = subprocess.run(["pkg-config", "--cflags", "--libs", "xapian-core"],
                           capture_output=True, text=True)
    if flags.returncode != 0:
        log("xapian alone: skipped (pkg-config finds no xapian-core)")
        return None
    p = subprocess.run(["g++", "-O2", "-std=c++17", FLOOR_SRC, "-o", out, "-pthread"]
                       + flags.stdout.split(), capture_output=True, text=True)
    if p.returncode != 0:
        log("xapian alone: skipped, it did not compile:\n" + p.stderr[-2000:])
        return None
    with open(stamp_path, "w") as f:
        f.write(stamp)
    return out


def bench_floor(floor, d, n, runs, jobs, work):
    """Xapian alone: the postmortems' bodies into a positional index, no pages
    (xapian_floor.cc). The least a full build with phrase search must do."""
    dest = os.path.join(work, "xapian-floor", str(n))
    threads = jobs or os.cpu_count() or 2
    log(f"xapian alone, index of the bodies, {n}")

    def prep(i):
        if os.path.exists(dest):
            TRASH.discard(dest)

    rs = measure("xapian alone", runs, prep,
                 [floor, os.path.join(d, "content"), dest, str(threads)])
    if os.path.exists(dest):
        TRASH.discard(dest)
    return Result(n, "xapian alone", "index of the bodies", rs)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def stop(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def peak_rss_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def bench_hugo_server(d, n, runs, fast_render):
    """Hugo's own rebuild after one file changes, inside `hugo server --watch`
    (everything in memory): the "Total in N ms" it prints for each change."""
    label = "server rebuild, one file" + ("" if fast_render else " (--disableFastRender)")
    log(f"hugo {label}, {n}")
    port = free_port()
    cmd = hugo_cmd(d, None, "server") + ["--bind", "127.0.0.1", "--port", str(port),
                                          "--disableLiveReload", "--watch"]
    if not fast_render:
        cmd.append("--disableFastRender")
    path = middle_file(d)
    with open(path, "rb") as f:
        original = f.read()
    lines = []
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    cond = threading.Condition()

    def reader():
        for line in proc.stdout:
            with cond:
                lines.append(line)
                cond.notify_all()
        with cond:
            cond.notify_all()

    threading.Thread(target=reader, daemon=True).start()

    def wait_for(pattern, start, timeout):
        deadline = time.monotonic() + timeout
        with cond:
            while True:
                for j in range(start, len(lines)):
                    m = re.search(pattern, lines[j])
                    if m:
                        return j, m
                left = deadline - time.monotonic()
                if left <= 0 or proc.poll() is not None and start >= len(lines):
                    return None, None
                cond.wait(min(left, 1.0))

    out, rss = [], 0
    try:
        j, m = wait_for(r"Web Server is available", 0, BUILD_TIMEOUT)
        if m is None:
            return Result(n, "hugo", label, [Run(0, 0, False, "server did not start")])
        pos = j + 1
        for i in range(runs + 1):
            settle()
            time.sleep(1.0)  # let the watcher settle; changes closer together are batched
            with open(path, "wb") as f:
                f.write(original + f"\nEdited by scripts/bench, edit {i}.\n".encode())
            j, m = wait_for(r"Total in (\d+) ms", pos, 300)
            if m is None:
                return Result(n, "hugo", label, [Run(0, 0, False, "no rebuild seen")])
            pos = j + 1
            secs = int(m.group(1)) / 1000
            log(f"  hugo server: {'warm-up' if i == 0 else f'run {i}/{runs}'} {secs:.3f} s")
            if i > 0:
                out.append(Run(secs, 0, True))
        rss = peak_rss_kb(proc.pid)
    finally:
        stop(proc)
        with open(path, "wb") as f:
            f.write(original)
    for r in out:
        r.rss_kb = rss
    return Result(n, "hugo", label, out, note="Hugo's own figure, in memory")


# -------------------------------------------------------------------- search

def percentile(xs, p):
    xs = sorted(xs)
    k = max(0, min(len(xs) - 1, int(round(p / 100 * len(xs) + 0.5)) - 1))
    return xs[k]


def load_queries():
    with open(QUERIES, encoding="utf-8") as f:
        return [l.rstrip("\n") for l in f if l.strip() and not l.startswith("#")]


def search_help(cb):
    p = subprocess.run([cb, "search", "--help"], capture_output=True, text=True)
    return p.stdout + p.stderr


def bench_search(cb, d, n):
    site = os.path.join(d, "site.toml")
    queries = load_queries()
    res = {"size": n, "queries": len(queries)}
    log(f"search: {len(queries)} queries as whole commands, {n}")
    for q in queries[:20]:  # warm-up: page cache, binary
        subprocess.run([cb, "search", "--config", site, "--json", q], capture_output=True)
    times, hits, failures, errors = [], 0, 0, []
    for q in queries:
        t0 = time.perf_counter()
        p = subprocess.run([cb, "search", "--config", site, "--json", q], capture_output=True,
                           text=True, cwd=d, timeout=60)
        times.append(time.perf_counter() - t0)
        if p.returncode not in (0, 1):
            failures += 1
            if len(errors) < 3:
                errors.append(f"{q!r}: exit {p.returncode}: {p.stderr.strip()[:300]}")
            continue
        try:
            if json.loads(p.stdout).get("total", 0) > 0:
                hits += 1
        except ValueError:
            failures += 1
            if len(errors) < 3:
                errors.append(f"{q!r}: output is not JSON")
    res.update(p50=percentile(times, 50), p90=percentile(times, 90),
               p99=percentile(times, 99), max=max(times), with_hits=hits,
               failures=failures, errors=errors)

    # In-process latency, when casebook offers it.
    help_text = search_help(cb)
    res["inprocess"] = None
    if "--bench" in help_text:
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as tf:
            tf.write("\n".join(queries) + "\n")
            qfile = tf.name
        try:
            p = subprocess.run([cb, "search", "--config", site, "--bench", qfile, "--json"],
                               capture_output=True, text=True, cwd=d, timeout=600)
            res["inprocess_raw"] = (p.stdout + p.stderr).strip()[:4000]
            try:
                res["inprocess"] = json.loads(p.stdout)
            except ValueError:
                res["inprocess"] = None
        finally:
            os.unlink(qfile)
    else:
        res["inprocess_note"] = "casebook search has no --bench option; whole-command latency only"
    return res


# --------------------------------------------------------------------- serve

def wrk(url, seconds, threads=2, conns=16, close=False):
    cmd = ["wrk", "-t", str(threads), "-c", str(conns), "-d", f"{seconds}s", "--latency"]
    if close:
        cmd += ["-H", "Connection: close"]
    p = subprocess.run(cmd + [url], capture_output=True, text=True, timeout=seconds + 60)
    out = p.stdout
    r = {"url": url, "close": close, "raw": out.strip()}
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    r["rps"] = float(m.group(1)) if m else None
    for pct in ("50", "99"):
        m = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if m:
            v = float(m.group(1)) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[m.group(2)]
            r[f"p{pct}_ms"] = v
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    r["non2xx"] = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors:(.*)", out)
    r["socket_errors"] = ""
    if m and any(int(x) for x in re.findall(r"\d+", m.group(1))):
        r["socket_errors"] = m.group(1).strip()
    return r


def first_page(d):
    """A postmortem page of the built site, as a URL path."""
    public = os.path.join(d, "public")
    content = os.path.join(d, "content")
    stem = os.path.splitext(os.path.basename(middle_file(d)))[0]
    for root, dirs, names in os.walk(public):
        dirs.sort()
        if os.path.basename(root) == stem and "index.html" in names:
            return "/" + os.path.relpath(root, public).replace(os.sep, "/") + "/"
        for nm in names:
            if nm == stem + ".html":
                return "/" + os.path.relpath(os.path.join(root, nm), public).replace(os.sep, "/")
    return "/"


def bench_serve(cb, d, n, seconds):
    port = free_port()
    site = os.path.join(d, "site.toml")
    cmd = [cb, "serve", "--config", site, "--port", str(port), "--bind", "127.0.0.1"]
    log(f"serve: {' '.join(cmd)}")
    errf = tempfile.TemporaryFile()
    proc = subprocess.Popen(cmd, cwd=d, stdout=subprocess.DEVNULL, stderr=errf)
    res = {"size": n, "cmd": cmd, "runs": []}
    try:
        deadline = time.monotonic() + 60
        up = False
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as r:
                    up = r.status == 200
                    break
            except Exception:
                time.sleep(0.2)
        if not up:
            errf.seek(0)
            res["error"] = ("casebook serve did not answer on 127.0.0.1 within 60 s: "
                            + errf.read().decode("utf-8", "replace").strip()[-500:])
            return res
        # Search latency inside a long-running process: the query list, one
        # request at a time, each on a new loopback connection (so TCP
        # keep-alive effects such as Nagle's algorithm do not count).
        queries = load_queries()
        times, bad = [], 0
        for k, q in enumerate(queries[:20] + queries):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            t0 = time.perf_counter()
            conn.request("GET", "/api/search?q=" + urllib.parse.quote(q),
                         headers={"Connection": "close"})
            resp = conn.getresponse()
            resp.read()
            elapsed = time.perf_counter() - t0
            conn.close()
            if k >= 20:
                times.append(elapsed)
                bad += resp.status != 200
        res["api_latency"] = {"queries": len(times), "p50": percentile(times, 50),
                              "p90": percentile(times, 90), "p99": percentile(times, 99),
                              "max": max(times), "non200": bad}
        for path in (first_page(d), "/api/search?q=database"):
            url = f"http://127.0.0.1:{port}{path}"
            for close in (False, True):
                if proc.poll() is not None:
                    break
                log(f"  wrk {seconds} s {url}" + (" (Connection: close)" if close else ""))
                r = wrk(url, seconds, close=close)
                res["runs"].append(r)
                time.sleep(0.5)
                if proc.poll() is not None:
                    errf.seek(0)
                    tail = errf.read().decode("utf-8", "replace").strip().splitlines()[-3:]
                    code = proc.returncode
                    what = f"signal {-code}" if code < 0 else f"exit code {code}"
                    r["crash"] = (f"casebook serve died ({what}) during this run; "
                                  f"last lines: {' | '.join(tail)}")
                    log("  " + r["crash"])
        res["rss_mb"] = peak_rss_kb(proc.pid) / 1024 if proc.poll() is None else None
    finally:
        stop(proc)
        errf.close()
    return res


# -------------------------------------------------------------------- report

def machine():
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = "?"
    try:
        with open("/proc/meminfo") as f:
            kb = int(f.readline().split()[1])
            mem = f"{kb / 1024 / 1024:.1f} GB"
    except OSError:
        pass
    hugo = subprocess.run(["hugo", "version"], capture_output=True, text=True).stdout.strip()
    m = re.search(r"v[\d.]+\S*", hugo)
    rev = subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"],
                         capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "-C", REPO, "status", "--porcelain", "--", "src"],
                           capture_output=True, text=True).stdout.strip()
    return {"nproc": os.cpu_count(), "cpu": cpu, "ram": mem,
            "hugo": m.group(0) if m else hugo, "git": rev + (" + uncommitted src changes" if dirty else ""),
            "load": " ".join(f"{x:.2f}" for x in os.getloadavg())}


def fmt_s(x):
    return f"{x:.3f}" if x < 10 else f"{x:.2f}" if x < 100 else f"{x:.1f}"


def table(results):
    hugo_full = {r.size: r for r in results if r.tool == "hugo" and r.scenario == "full build" and r.ok}
    rows = [("size", "tool", "scenario", "median s", "min–max s", "× Hugo full",
             "cpu s", "× Hugo cpu", "peak RSS MB", "× Hugo RSS")]
    for r in results:
        if not r.ok:
            rows.append((f"{r.size:,}", r.tool, r.scenario, "FAILED", "", "", "", "", "", ""))
            continue
        h = hugo_full.get(r.size)
        secs = [x.seconds for x in r.runs]
        ratio = f"{r.median / h.median:.3f}" if h else "–"
        cpu = r.cpu
        cpu_ratio = f"{cpu / h.cpu:.3f}" if h and cpu is not None and h.cpu else "–"
        rss = r.rss_mb
        rss_ratio = f"{rss / h.rss_mb:.3f}" if h and rss and h.rss_mb else "–"
        rows.append((f"{r.size:,}", r.tool, r.scenario, fmt_s(r.median),
                     f"{fmt_s(min(secs))}–{fmt_s(max(secs))}", ratio,
                     fmt_s(cpu) if cpu is not None else "–", cpu_ratio,
                     f"{rss:.0f}" if rss else "–", rss_ratio))
    return rows


RIGHT = (0, 3, 4, 5, 6, 7, 8, 9)


def render_text(rows, right=RIGHT):
    w = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for k, row in enumerate(rows):
        lines.append("  ".join(str(c).rjust(w[i]) if i in right else str(c).ljust(w[i])
                               for i, c in enumerate(row)).rstrip())
        if k == 0:
            lines.append("  ".join("-" * x for x in w))
    return "\n".join(lines)


def render_md(rows, right=RIGHT):
    out = ["| " + " | ".join(rows[0]) + " |",
           "|" + "|".join("---:" if i in right else "---" for i in range(len(rows[0]))) + "|"]
    for row in rows[1:]:
        out.append("| " + " | ".join(str(c) for c in row) + " |")
    return "\n".join(out)


def memory_rows(results):
    """Peak RSS of casebook's full build per size, split into a fixed part and
    a growth per 1,000 postmortems: between two sizes a and b, growth =
    (RSS(b) - RSS(a)) / (b - a) * 1000 and fixed = RSS(a) - growth * a / 1000."""
    full = sorted((r.size, r.rss_mb) for r in results
                  if r.ok and r.tool == "casebook" and r.scenario == "full build" and r.rss_mb)
    rows = [("size", "peak RSS MB", "MB per 1,000 (RSS / size)",
             "growth per 1,000 from the size before", "fixed part")]
    prev = None
    for n, rss in full:
        growth = fixed = "–"
        if prev:
            g = (rss - prev[1]) / (n - prev[0]) * 1000
            growth, fixed = f"{g:.1f}", f"{prev[1] - g * prev[0] / 1000:.0f}"
        rows.append((f"{n:,}", f"{rss:.0f}", f"{rss / n * 1000:.1f}", growth, fixed))
        prev = (n, rss)
    return rows if len(rows) > 1 else None


def targets(results, search_res, serve_res):
    """The issue 18 targets, checked against this run's numbers (None: shown,
    not judged)."""
    out = []
    by = {(r.size, r.tool, r.scenario): r for r in results if r.ok}
    for n in sorted({r.size for r in results}):
        full = by.get((n, "casebook", "full build"))
        hugo = by.get((n, "hugo", "full build"))
        nochange = by.get((n, "casebook", "no-change rebuild"))
        one = by.get((n, "casebook", "one file changed"))
        floor = by.get((n, "xapian alone", "index of the bodies"))
        if full and hugo:
            cpu = (f", cpu {full.cpu / hugo.cpu:.3f} ({full.cpu:.1f} vs {hugo.cpu:.1f} cpu-s)"
                   if full.cpu and hugo.cpu else "")
            out.append((n, "clean full build ≤ ×0.5 of Hugo's (pages only)",
                        f"{full.median / hugo.median:.3f} ({fmt_s(full.median)} s vs "
                        f"{fmt_s(hugo.median)} s){cpu}", full.median <= 0.5 * hugo.median))
        pages = by.get((n, "casebook", "pages only (--no-index)"))
        if pages and hugo:
            out.append((n, "casebook pages only (--no-index), vs Hugo's pages",
                        f"{pages.median / hugo.median:.3f} ({fmt_s(pages.median)} s vs "
                        f"{fmt_s(hugo.median)} s)", None))
        if full and pages and floor:
            index = full.median - pages.median
            out.append((n, "the index's share of the full build (full − pages only) vs Xapian alone",
                        f"×{index / floor.median:.2f} ({fmt_s(index)} s vs {fmt_s(floor.median)} s)",
                        None))
        if floor and hugo:
            out.append((n, "Xapian alone, bodies with positions, no pages (the floor)",
                        f"{floor.median / hugo.median:.3f} of Hugo's", None))
        if full and floor:
            out.append((n, "clean full build ≤ 1.5 × Xapian alone",
                        f"×{full.median / floor.median:.2f} ({fmt_s(full.median)} s vs "
                        f"{fmt_s(floor.median)} s)", full.median <= 1.5 * floor.median))
        if nochange:
            out.append((n, "no-change rebuild ≤ 1 s", f"{nochange.median:.3f} s"
                        + (f" ({nochange.median / full.median:.3f} of the full build)" if full else ""),
                        nochange.median <= 1.0 if n >= 100000 else None))
        if one:
            out.append((n, "one postmortem edited, fresh process ≤ 2 s", f"{one.median:.3f} s",
                        one.median <= 2.0 if n >= 100000 else None))
        if full and full.rss_mb:
            out.append((n, "peak RSS of a clean build ≤ 1,536 MiB",
                        f"{full.rss_mb:.0f} MiB" + (f" ({full.rss_mb / hugo.rss_mb:.3f} of Hugo's)"
                                                    if hugo and hugo.rss_mb else ""),
                        full.rss_mb <= 1536 if n >= 100000 else None))
    # Near-linear: a clean build of a 10× larger archive takes ≤ 11× as long
    # (the same bound, scaled, for other size ratios), and as much memory.
    sizes = sorted(n for (n, t, s) in by if t == "casebook" and s == "full build")
    for a, b in zip(sizes, sizes[1:]):
        fa, fb = by[(a, "casebook", "full build")], by[(b, "casebook", "full build")]
        bound = 1.1 * b / a
        cpu = f", cpu ×{fb.cpu / fa.cpu:.1f}" if fa.cpu and fb.cpu else ""
        rss = f", peak RSS ×{fb.rss_mb / fa.rss_mb:.1f}" if fa.rss_mb and fb.rss_mb else ""
        out.append((f"{b:,}/{a:,}", f"clean full build time ≤ ×{bound:.1f} (near-linear)",
                    f"×{fb.median / fa.median:.1f} ({fmt_s(fa.median)} s -> {fmt_s(fb.median)} s)"
                    f"{cpu}{rss}", fb.median / fa.median <= bound))
    if search_res:
        out.append((search_res["size"], "search p99 whole command < 50 ms",
                    f"{search_res['p99'] * 1000:.1f} ms", search_res["p99"] < 0.05))
    p99, how = None, ""
    ip = (search_res or {}).get("inprocess")
    if isinstance(ip, dict) and "p99_ms" in ip:
        p99, how = float(ip["p99_ms"]), "casebook search --bench"
    elif serve_res and serve_res.get("api_latency"):
        p99, how = serve_res["api_latency"]["p99"] * 1000, "via serve /api/search, sequential"
    if p99 is not None:
        size = (search_res or serve_res)["size"]
        out.append((size, "search p99 in process", f"{p99:.2f} ms ({how})", None))
    return out


# "  step   wall s   cpu s   peak MB" (older builds print the wall time only)
STEP_RE = re.compile(r"^\s+(\S.*?)\s+([\d.]+) s(?:\s+[\d.]+ s\s+\d+ MB)?\s*$")


def step_table(logdir, n):
    """The per-step timings `casebook build --verbose` printed, side by side."""
    cols, order, written = {}, [], {}
    for scen in ("full", "no-change", "one-file"):
        try:
            with open(os.path.join(logdir, f"verbose-{scen}-{n}.txt")) as f:
                text = f.read()
        except OSError:
            continue
        cols[scen] = {}
        m = re.search(r"\((\d+) files, (\d+) changed\)", text)
        if m:
            written[scen] = m.group(2)
        for line in text.splitlines():
            m = STEP_RE.match(line)
            if m:
                cols[scen][m.group(1)] = float(m.group(2))
                if m.group(1) not in order:
                    order.append(m.group(1))
    if not order:
        return None
    rows = [("step",) + tuple(cols)]
    for step in order:
        rows.append((step,) + tuple(f"{cols[c][step]:.3f}" if step in cols[c] else "–" for c in cols))
    rows.append(("total of steps",) + tuple(
        f"{sum(v for v in cols[c].values() if v is not None):.3f}" for c in cols))
    if written:
        rows.append(("files changed",) + tuple(written.get(c, "?") for c in cols))
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--casebook", required=True)
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=0)
    ap.add_argument("--skip-hugo", action="store_true")
    ap.add_argument("--skip-serve", action="store_true")
    ap.add_argument("--skip-search", action="store_true")
    ap.add_argument("--skip-floor", action="store_true")
    ap.add_argument("--serve-seconds", type=int, default=10)
    ap.add_argument("--search-size", type=int, default=0)
    ap.add_argument("--hugo-max-size", type=int, default=0)
    ap.add_argument("--archives", default="")
    ap.add_argument("--work", default="/tmp/casebook-bench")
    ap.add_argument("--command", default="")
    ap.add_argument("--delete-between-runs", action="store_true")
    a = ap.parse_args()
    global TRASH
    TRASH = Trash(a.work, delete=a.delete_between_runs)
    sizes = [int(s.replace("_", "").replace(",", "")) for s in a.sizes.split(",") if s.strip()]
    hugo_sizes = [n for n in sizes if not a.skip_hugo and (not a.hugo_max_size or n <= a.hugo_max_size)]
    cb = os.path.abspath(a.casebook)
    os.makedirs(a.work, exist_ok=True)
    logdir = os.path.join(a.work, "logs")
    os.makedirs(logdir, exist_ok=True)
    info = machine()
    started = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    log(f"machine: {info}")

    floor = None if a.skip_floor else build_floor(a.work)
    results, dirs, cb_ok = [], {}, {}
    for n in sizes:
        d = ensure_archive(a.work, n, a.archives)
        dirs[n] = d
        if n in hugo_sizes:
            clean_archive(d)  # Hugo reads only content/, but start both from the same state
            results.append(bench_hugo(d, n, a.runs, a.work))
        if floor:
            results.append(bench_floor(floor, d, n, a.runs, a.jobs, a.work))
        rs, ok = bench_casebook(cb, d, n, a.runs, a.jobs, logdir)
        results.extend(rs)
        cb_ok[n] = ok
        if n in hugo_sizes:
            results.append(bench_hugo_server(d, n, a.runs, True))

    search_res = serve_res = None
    sn = a.search_size if a.search_size in sizes else max(sizes)  # default: the largest
    if not a.skip_search and cb_ok.get(sn):
        search_res = bench_search(cb, dirs[sn], sn)
    if not a.skip_serve and cb_ok.get(sn):
        serve_res = bench_serve(cb, dirs[sn], sn, a.serve_seconds)

    TRASH.empty()
    rows = table(results)
    tg = targets(results, search_res, serve_res)
    info["load_end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())

    # ---- text report (also the body of latest.md)
    lines = []

    def say(text=""):
        print(text)
        lines.append(text)

    say()
    say(f"casebook benchmark, {started}: {info['nproc']} cores ({info['cpu']}), "
          f"{info['ram']} RAM, Hugo {info['hugo']}, casebook {info['git']}")
    say(f"load average at start {info['load']}, at end {info['load_end']}")
    say(f"command: {a.command or ' '.join(sys.argv)}")
    say()
    say(render_text(rows))
    after_table = len(lines)
    skipped = [n for n in sizes if n not in hugo_sizes]
    if skipped and not a.skip_hugo:
        say(f"  Hugo left out at {', '.join(f'{n:,}' for n in skipped)} (--hugo-max-size {a.hugo_max_size:,})")
    for r in results:
        if r.note:
            say(f"  {r.size:,} {r.tool} {r.scenario}: {r.note}")
    if search_res:
        s = search_res
        say()
        say(f"search at {s['size']:,}: {s['queries']} queries, each a whole "
              f"`casebook search --json` process: p50 {s['p50'] * 1000:.1f} ms, "
              f"p90 {s['p90'] * 1000:.1f} ms, p99 {s['p99'] * 1000:.1f} ms, max {s['max'] * 1000:.1f} ms; "
              f"{s['with_hits']} with hits, {s['failures']} failed")
        for e in s["errors"]:
            say(f"  failed: {e}")
        if s.get("inprocess") is not None or s.get("inprocess_raw"):
            say(f"in process: {json.dumps(s.get('inprocess')) if s.get('inprocess') else s.get('inprocess_raw')}")
        else:
            say(f"in process: {s.get('inprocess_note')}")
    if serve_res:
        say()
        if serve_res.get("error"):
            say(f"serve at {serve_res['size']:,}: skipped: {serve_res['error']}")
        else:
            for r in serve_res["runs"]:
                say(f"serve at {serve_res['size']:,}: wrk -t2 -c16 {a.serve_seconds}s {r['url']}"
                    + (" (Connection: close)" if r.get("close") else " (keep-alive)") + ": "
                      f"{r['rps'] or 0:.0f} req/s, p50 {r.get('p50_ms', 0):.2f} ms, "
                      f"p99 {r.get('p99_ms', 0):.2f} ms, non-2xx {r['non2xx']}"
                      + (f", socket errors {r['socket_errors']}" if r['socket_errors'] else ""))
                if r.get("crash"):
                    say(f"  {r['crash']}")
            al = serve_res.get("api_latency")
            if al:
                say(f"search inside `casebook serve` at {serve_res['size']:,}: the {al['queries']} queries one at a "
                      f"time, each on a new connection, to /api/search: p50 {al['p50'] * 1000:.2f} ms, "
                      f"p90 {al['p90'] * 1000:.2f} ms, p99 {al['p99'] * 1000:.2f} ms, "
                      f"max {al['max'] * 1000:.2f} ms, non-200 {al['non200']}")
            if serve_res.get("rss_mb"):
                say(f"serve peak RSS {serve_res['rss_mb']:.0f} MB")
    mem = memory_rows(results)
    if mem:
        say()
        say("peak RSS of casebook's clean full build:")
        say(render_text(mem, right=range(0, 5)))
    if tg:
        say()
        say("issue 18 targets (judged at 100,000 where the issue sets them there):")
        for n, what, val, ok in tg:
            mark = "n/a " if ok is None else "PASS" if ok else "FAIL"
            say(f"  {mark}  {n:>7}  {what}: {val}" if isinstance(n, int) else
                  f"  {mark}  {n}  {what}: {val}")
    for n in sizes:
        steps = step_table(logdir, n)
        if steps:
            say()
            say(f"casebook build --verbose steps at {n:,} (one run each; seconds):")
            say(render_text(steps, right=range(1, len(steps[0]))))
    if any(step_table(logdir, n) for n in sizes):
        say(f"full output: {logdir}/verbose-<scenario>-<size>.txt")

    # ---- machine-readable and markdown copies
    md = [f"Run {started} on {info['nproc']} cores ({info['cpu']}), {info['ram']} RAM; "
          f"Hugo {info['hugo']}; casebook {info['git']}; load average {info['load']} at start, "
          f"{info['load_end']} at end.", "", "```sh", a.command or " ".join(sys.argv), "```", "",
          render_md(rows), "", "```text"] + lines[after_table:] + ["```"]
    with open(os.path.join(a.work, "latest.md"), "w") as f:
        f.write("\n".join(md) + "\n")
    with open(os.path.join(a.work, "latest.json"), "w") as f:
        json.dump({"machine": info, "started": started, "command": a.command,
                   "results": [{"size": r.size, "tool": r.tool, "scenario": r.scenario,
                                "ok": r.ok, "seconds": [x.seconds for x in r.runs],
                                "rss_kb": [x.rss_kb for x in r.runs],
                                "error": next((x.err for x in r.runs if not x.ok), "")}
                               for r in results],
                   "search": search_res, "serve": serve_res,
                   "targets": [list(t) for t in tg]}, f, indent=1, default=str)
    log(f"wrote {a.work}/latest.md and latest.json")
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
