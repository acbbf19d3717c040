// casebook search page: progressive enhancement only. The page is a plain
// GET form (<base>search/?q=) and works without this file.
//
// - Under `casebook serve` the server renders the results into the page
//   (#search-results has data-rendered="true"): nothing to do here.
// - Otherwise (a static copy of the site) this asks the search API
//   (data-api, <base>api/search) in case a server answers there, and when
//   none does (404, network error, no index) searches the compact index
//   `casebook build` writes (data-index, <base>search-index/): titles,
//   summaries, ids and taxonomies, most words first, title matches first,
//   typos tolerated after the second letter. Older sites without it fall
//   back to postmortems.json (data-json), every word required. A note says
//   that full-text search needs `casebook serve`.
//
// Safe by construction: no inline script, no string evaluation, no HTML
// parsing (the CSP of `casebook serve` forbids the first two). Every
// string from the query, the API or the JSON goes into the page through
// textContent or an attribute set on a created element; links are checked.
(function () {
  "use strict";

  var MAX_QUERY = 1024;
  var PAGE = 20;
  var LOCAL_MAX = 50;

  var results = document.getElementById("search-results");
  var input = document.getElementById("search-q");
  if (!results) return;
  var params = new URLSearchParams(window.location.search);
  var query = (params.get("q") || "").trim();
  var offset = Math.max(0, parseInt(params.get("offset") || "0", 10) || 0);
  if (input && query && !input.value) input.value = query;
  if (!query || results.getAttribute("data-rendered") === "true") return;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  // Only same-site paths and http(s) URLs become links.
  function safeHref(url) {
    if (typeof url !== "string") return null;
    if (/^https?:\/\//i.test(url)) return url;
    if (url.charAt(0) === "/" && url.charAt(1) !== "/" && url.charAt(1) !== "\\") return url;
    return null;
  }

  function pageUrl(q, off) {
    var url = window.location.pathname + "?q=" + encodeURIComponent(q);
    return off > 0 ? url + "&offset=" + off : url;
  }

  function clear() {
    while (results.firstChild) results.removeChild(results.firstChild);
  }

  function notice(text) {
    results.appendChild(el("p", "notice", text));
  }

  function fetchJson(url, timeoutMs) {
    var controller = typeof AbortController === "function" ? new AbortController() : null;
    var timer = controller ? setTimeout(function () { controller.abort(); }, timeoutMs) : null;
    return fetch(url, {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
      signal: controller ? controller.signal : undefined
    }).then(function (response) {
      if (timer) clearTimeout(timer);
      var type = response.headers.get("Content-Type") || "";
      if (!response.ok || type.indexOf("json") < 0) throw new Error("HTTP " + response.status);
      return response.json();
    });
  }

  // The API's snippet as text with <mark> elements. Highlights are UTF-8
  // byte offsets into snippet_text.
  function snippetNode(text, highlights) {
    var p = el("p", "pm-item-summary");
    if (!text) return null;
    if (!Array.isArray(highlights) || !highlights.length || typeof TextEncoder !== "function") {
      p.textContent = text;
      return p;
    }
    var bytes = new TextEncoder().encode(text);
    var decoder = new TextDecoder();
    var pos = 0;
    highlights.slice().sort(function (a, b) { return a[0] - b[0]; }).forEach(function (h) {
      var start = Number(h[0]), end = start + Number(h[1]);
      if (!(start >= pos && end <= bytes.length && end > start)) return;
      p.appendChild(document.createTextNode(decoder.decode(bytes.subarray(pos, start))));
      p.appendChild(el("mark", "", decoder.decode(bytes.subarray(start, end))));
      pos = end;
    });
    p.appendChild(document.createTextNode(decoder.decode(bytes.subarray(pos))));
    return p;
  }

  function item(hit) {
    var li = el("li", "pm-item");
    var meta = el("p", "pm-item-meta");
    if (hit.date) meta.appendChild(el("span", "", hit.date));
    if (hit.severity_label) meta.appendChild(el("span", "status", hit.severity_label));
    if (meta.firstChild) li.appendChild(meta);
    var heading = el("h2", "pm-item-title");
    var href = safeHref(hit.href);
    var title = hit.title || hit.id || "(untitled)";
    if (href) {
      var a = el("a", "", title);
      a.setAttribute("href", href);
      heading.appendChild(a);
    } else {
      heading.textContent = title;
    }
    li.appendChild(heading);
    if (hit.snippet) li.appendChild(hit.snippet);
    if (hit.note) li.appendChild(el("p", "muted small", hit.note));
    if (hit.source_path) {
      var src = el("p", "muted small");
      src.appendChild(el("code", "", hit.source_path));
      li.appendChild(src);
    }
    return li;
  }

  function list(hits) {
    var ol = el("ol", "pm-list");
    hits.forEach(function (h) { ol.appendChild(item(h)); });
    return ol;
  }

  function count(n) {
    return n + (n === 1 ? " result" : " results") + " for \u201c" + query + "\u201d";
  }

  // Results from a search server (same shape as /api/search).
  function renderApi(data) {
    clear();
    if (data.message) notice(data.message);
    if (data.corrected_query) {
      var p = el("p", "", "Did you mean ");
      var a = el("a", "", data.corrected_query);
      a.setAttribute("href", pageUrl(data.corrected_query, 0));
      p.appendChild(a);
      p.appendChild(document.createTextNode("?"));
      results.appendChild(p);
    }
    var others = (data.suggestions || []).filter(function (s) { return s !== data.corrected_query; });
    if (others.length) {
      var more = el("p", "muted small", "Other spellings: ");
      others.forEach(function (s, i) {
        var link = el("a", "", s);
        link.setAttribute("href", pageUrl(s, 0));
        if (i) more.appendChild(document.createTextNode(" \u00b7 "));
        more.appendChild(link);
      });
      results.appendChild(more);
    }
    var total = Number(data.total) || 0;
    if (!data.hits.length) {
      results.appendChild(el("p", "", "No postmortems match \u201c" + query + "\u201d."));
      return;
    }
    if (data.relaxed && data.words) {
      results.appendChild(el("p", "notice", "No postmortem has all " + data.words.length +
                                            " words; showing those with most of them."));
    }
    results.appendChild(el("p", "term-meta", count(total)));
    results.appendChild(list(data.hits.map(function (h) {
      return {
        title: h.title, id: h.id, date: h.date, severity_label: h.severity_label,
        href: h.link, source_path: h.source_path, note: h.note || "",
        snippet: snippetNode(h.snippet_text || h.summary, h.snippet_text ? h.highlights : null)
      };
    })));
    var nav = el("p", "");
    if (offset > 0) {
      var prev = el("a", "", "Previous");
      prev.setAttribute("href", pageUrl(query, Math.max(0, offset - PAGE)));
      nav.appendChild(prev);
    }
    if (offset + data.hits.length < total) {
      if (nav.firstChild) nav.appendChild(document.createTextNode(" \u00b7 "));
      var next = el("a", "", "Next");
      next.setAttribute("href", pageUrl(query, offset + PAGE));
      nav.appendChild(next);
    }
    if (nav.firstChild) results.appendChild(nav);
  }

  // --- Client-side fallback over postmortems.json -------------------------

  function fold(s) {
    s = String(s || "").toLowerCase();
    return s.normalize ? s.normalize("NFKD").replace(/[\u0300-\u036f]/g, "") : s;
  }

  function slug(s) {
    return fold(s).replace(/[^a-z0-9\u00c0-\uffff]+/g, "-").replace(/^-+|-+$/g, "");
  }

  var PREFIXES = { tag: "tags", service: "services", category: "categories" };

  // Words (each must match somewhere) and key:value filters (each must match
  // a value of that taxonomy, compared as slugs). Operators are dropped.
  function parse(q, taxonomyKeys) {
    var words = [], filters = [];
    q.split(/\s+/).forEach(function (raw) {
      var t = raw.replace(/^[+("']+|[)"'*]+$/g, "");
      if (!t || t === "AND" || t === "OR" || t === "NOT" || t.charAt(0) === "-") return;
      var colon = t.indexOf(":");
      if (colon > 0) {
        var key = fold(t.slice(0, colon));
        key = PREFIXES[key] || key;
        var value = t.slice(colon + 1).replace(/^["']+|["']+$/g, "");
        if (value && (taxonomyKeys[key] || key === "title" || key === "id" || key === "year")) {
          filters.push({ key: key, value: value });
          return;
        }
      }
      words.push(fold(t));
    });
    return { words: words, filters: filters };
  }

  function localSearch(all, q) {
    if (!Array.isArray(all)) throw new Error("postmortems.json is not a list");
    var keys = {};
    all.forEach(function (pm) {
      Object.keys((pm && pm.taxonomies) || {}).forEach(function (k) { keys[k] = true; });
    });
    var parsed = parse(q, keys);
    var found = [];
    all.forEach(function (pm, order) {
      if (!pm || typeof pm !== "object") return;
      var tax = pm.taxonomies || {};
      var values = [];
      Object.keys(tax).forEach(function (k) {
        if (Array.isArray(tax[k])) values = values.concat(tax[k]);
      });
      var title = fold(pm.title);
      var rest = fold([pm.summary, pm.id, pm.severity, pm.severity_label].concat(values).join(" \u0001 "));
      var ok = parsed.filters.every(function (f) {
        if (f.key === "title") return title.indexOf(fold(f.value)) >= 0;
        if (f.key === "id") return slug(pm.id) === slug(f.value);
        if (f.key === "year") return String(pm.date || "").indexOf(f.value) === 0;
        var vals = Array.isArray(tax[f.key]) ? tax[f.key] : [];
        if (f.key === "severity" && pm.severity) vals = vals.concat([pm.severity]);
        return vals.some(function (v) { return slug(v) === slug(f.value); });
      });
      if (!ok) return;
      var inTitle = 0;
      for (var i = 0; i < parsed.words.length; i++) {
        var w = parsed.words[i];
        if (title.indexOf(w) >= 0) inTitle++;
        else if (rest.indexOf(w) < 0) return;
      }
      found.push({ pm: pm, inTitle: inTitle, order: order });
    });
    found.sort(function (a, b) { return (b.inTitle - a.inTitle) || (a.order - b.order); });
    return found;
  }

  function renderLocal(found) {
    clear();
    notice("Full-text search needs the archive's server (casebook serve). This static copy " +
           "searches titles, summaries and tags only.");
    if (!found.length) {
      results.appendChild(el("p", "", "No postmortems match \u201c" + query + "\u201d."));
      return;
    }
    results.appendChild(el("p", "term-meta", count(found.length)));
    results.appendChild(list(found.slice(0, LOCAL_MAX).map(function (f) {
      var pm = f.pm;
      return {
        title: pm.title, id: pm.id, date: pm.date, severity_label: pm.severity_label || pm.severity,
        href: pm.url, source_path: pm.source_path,
        snippet: pm.summary ? el("p", "pm-item-summary", pm.summary) : null
      };
    })));
    if (found.length > LOCAL_MAX)
      results.appendChild(el("p", "muted", "Showing the first " + LOCAL_MAX + "; add words to narrow the search."));
  }

  // --- Client-side search over the compact index (search-index/) ----------
  // Written by `casebook build` (src/render/static_search_index.cc): the
  // words of titles, summaries, ids and taxonomies, in files chosen by a
  // word's first two bytes, and the postmortems in shards of 50. A query
  // reads meta.json, one word file per word and the shards of the results
  // shown: a few hundred KB at 10,000 postmortems.

  var STOP = {};
  ("a an and are as at be by for from in is it of on or that the this to was were with")
    .split(" ").forEach(function (w) { STOP[w] = true; });
  var TAXONOMY_KEYS = { tag: "tags", service: "services", category: "categories" };

  // Words as the index has them: ASCII lower-cased, letters and digits (and
  // any non-ASCII character), 2 to 40 bytes, no stop words.
  function indexWords(text) {
    var out = [];
    String(text || "").replace(/[A-Z]/g, function (c) { return c.toLowerCase(); })
      .split(/[^a-z0-9\u0080-\uffff]+/).forEach(function (w) {
        var n = utf8(w).length;
        if (n >= 2 && n <= 40 && !STOP[w] && out.indexOf(w) < 0) out.push(w);
      });
    return out;
  }

  function utf8(s) { return new TextEncoder().encode(s); }

  // FNV-1a over the first two bytes, as StaticSearchBucket.
  function bucketOf(word, buckets) {
    var bytes = utf8(word), h = 2166136261;
    for (var i = 0; i < bytes.length && i < 2; i++) {
      h ^= bytes[i];
      h = Math.imul(h, 16777619) >>> 0;
    }
    return buckets > 0 ? h % buckets : 0;
  }

  // Edit distance with adjacent transpositions, capped at max + 1.
  function distance(a, b, max) {
    if (Math.abs(a.length - b.length) > max) return max + 1;
    var d = [];
    for (var i = 0; i <= a.length; i++) { d.push([i]); }
    for (var j = 1; j <= b.length; j++) d[0][j] = j;
    for (i = 1; i <= a.length; i++) {
      var best = max + 1;
      for (j = 1; j <= b.length; j++) {
        var cost = a.charAt(i - 1) === b.charAt(j - 1) ? 0 : 1;
        var v = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
        if (i > 1 && j > 1 && a.charAt(i - 1) === b.charAt(j - 2) && a.charAt(i - 2) === b.charAt(j - 1))
          v = Math.min(v, d[i - 2][j - 2] + 1);
        d[i][j] = v;
        if (v < best) best = v;
      }
      if (best > max) return max + 1;
    }
    return Math.min(d[a.length][b.length], max + 1);
  }

  // How well index word `x` answers query word `w`: 3 the same, 2 one
  // starts with the other and is at most 3 letters longer (certificate /
  // certificates), 1 a typo (1 edit, 2 from 7 letters on), 0 not.
  function closeness(w, x) {
    if (w === x) return 3;
    var shorter = w.length < x.length ? w : x, longer = shorter === w ? x : w;
    if (shorter.length >= 4 && longer.length - shorter.length <= 3 && longer.indexOf(shorter) === 0) return 2;
    if (w.length >= 4 && distance(w, x, w.length >= 7 ? 2 : 1) <= (w.length >= 7 ? 2 : 1)) return 1;
    return 0;
  }

  function indexSearch(base, q) {
    var words = [], filters = [];
    q.split(/\s+/).forEach(function (raw) {
      var t = raw.replace(/^[+("']+|[)"'*]+$/g, "");
      if (!t || t === "AND" || t === "OR" || t === "NOT" || t.charAt(0) === "-") return;
      var colon = t.indexOf(":");
      if (colon > 0) {
        var key = t.slice(0, colon).toLowerCase();
        var value = t.slice(colon + 1).replace(/^["']+|["']+$/g, "");
        if (key === "title" || key === "id") { indexWords(value).forEach(function (w) { words.push(w); }); return; }
        if (value) { filters.push((TAXONOMY_KEYS[key] || key) + ":" + (key === "year" ? value : slug(value))); return; }
      }
      indexWords(t).forEach(function (w) { if (words.indexOf(w) < 0) words.push(w); });
    });
    return fetchJson(base + "meta.json", 10000).then(function (meta) {
      var needed = {};
      words.concat(filters).forEach(function (w) { needed[bucketOf(w, meta.word_buckets)] = true; });
      var ids = Object.keys(needed);
      return Promise.all(ids.map(function (b) {
        return fetchJson(base + "words-" + b + ".json", 10000);
      })).then(function (files) {
        var byBucket = {};
        ids.forEach(function (b, i) { byBucket[b] = files[i]; });
        return rank(meta, byBucket, words, filters);
      });
    });
  }

  // A word's postings (doc * 2 + 1 when in the title), stored as gaps.
  function postings(gaps) {
    var out = [], p = 0;
    (Array.isArray(gaps) ? gaps : []).forEach(function (g) { p += g; out.push(p); });
    return out;
  }

  function rank(meta, byBucket, words, filters) {
    var allowed = null;  // doc -> true, when there are filters
    filters.forEach(function (f) {
      var list = postings((byBucket[bucketOf(f, meta.word_buckets)] || {})[f]);
      var set = {};
      list.forEach(function (p) { var d = p >> 1; if (!allowed || allowed[d]) set[d] = true; });
      allowed = set;
    });
    var docs = {};  // doc -> {matched: [per word weight], title}
    words.forEach(function (w, k) {
      var file = byBucket[bucketOf(w, meta.word_buckets)] || {};
      var found = [];
      var bestCloseness = 0;
      Object.keys(file).forEach(function (x) {
        if (x.indexOf(":") >= 0) return;
        var c = closeness(w, x);
        if (c) { found.push([x, c]); if (c > bestCloseness) bestCloseness = c; }
      });
      // Typos only count when the word itself is nowhere.
      found.forEach(function (pair) {
        if (pair[1] === 1 && bestCloseness === 3) return;
        postings(file[pair[0]]).forEach(function (p) {
          var d = p >> 1;
          if (allowed && !allowed[d]) return;
          var e = docs[d] || (docs[d] = { doc: d, weights: [], title: 0 });
          var weight = pair[1] + (p & 1 ? 1 : 0);
          if (!e.weights[k] || e.weights[k] < weight) e.weights[k] = weight;
        });
      });
    });
    var list = [];
    if (words.length) {
      Object.keys(docs).forEach(function (d) {
        var e = docs[d], matched = 0, score = 0, missing = [];
        for (var k = 0; k < words.length; k++) {
          if (e.weights[k]) { matched++; score += e.weights[k]; } else missing.push(words[k]);
        }
        list.push({ doc: e.doc, matched: matched, score: score, missing: missing });
      });
    } else if (allowed) {
      Object.keys(allowed).forEach(function (d) { list.push({ doc: Number(d), matched: 0, score: 0, missing: [] }); });
    }
    list.sort(function (a, b) { return (b.matched - a.matched) || (b.score - a.score) || (a.doc - b.doc); });
    return { meta: meta, list: list, words: words };
  }

  function renderIndex(base, found) {
    var page = found.list.slice(offset, offset + PAGE);
    var shards = {};
    page.forEach(function (f) { shards[Math.floor(f.doc / found.meta.doc_shard_size)] = true; });
    var keys = Object.keys(shards);
    return Promise.all(keys.map(function (s) {
      return fetchJson(base + "docs-" + s + ".json", 10000);
    })).then(function (files) {
      var byShard = {};
      keys.forEach(function (s, i) { byShard[s] = files[i]; });
      clear();
      notice("Full-text search needs the archive's server (casebook serve). This static copy " +
             "searches titles, summaries, ids and taxonomies.");
      if (!found.list.length) {
        results.appendChild(el("p", "", "No postmortems match \u201c" + query + "\u201d."));
        return;
      }
      var relaxed = found.words.length > 1 && found.list[0].matched < found.words.length;
      if (relaxed) {
        results.appendChild(el("p", "notice", "No postmortem has all " + found.words.length +
                                              " words; showing those with most of them."));
      }
      results.appendChild(el("p", "term-meta", count(found.list.length)));
      var root = base.replace(/search-index\/$/, "");
      results.appendChild(list(page.map(function (f) {
        var shard = byShard[Math.floor(f.doc / found.meta.doc_shard_size)] || [];
        var d = shard[f.doc % found.meta.doc_shard_size] || [];
        var note = f.missing.length && found.words.length > 1
            ? "matching " + f.matched + " of " + found.words.length + " words \u2014 missing: " + f.missing.join(", ")
            : "";
        return {
          title: d[2], id: d[0], date: d[3], severity_label: d[4], href: root + (d[1] || ""),
          snippet: d[5] ? el("p", "pm-item-summary", d[5]) : null, note: note
        };
      })));
      var nav = el("p", "");
      if (offset > 0) {
        var prev = el("a", "", "Previous");
        prev.setAttribute("href", pageUrl(query, Math.max(0, offset - PAGE)));
        nav.appendChild(prev);
      }
      if (offset + PAGE < found.list.length) {
        if (nav.firstChild) nav.appendChild(document.createTextNode(" \u00b7 "));
        var next = el("a", "", "Next");
        next.setAttribute("href", pageUrl(query, offset + PAGE));
        nav.appendChild(next);
      }
      if (nav.firstChild) results.appendChild(nav);
    });
  }

  if (query.length > MAX_QUERY) {
    clear();
    notice("The query is too long (at most " + MAX_QUERY + " characters).");
    return;
  }
  clear();
  results.appendChild(el("p", "muted", "Searching\u2026"));
  var api = results.getAttribute("data-api");
  var json = results.getAttribute("data-json");
  var first = api
      ? fetchJson(api + "?q=" + encodeURIComponent(query) + "&limit=" + PAGE + "&offset=" + offset, 5000)
      : Promise.reject(new Error("no api"));
  var index = results.getAttribute("data-index");
  first.then(function (data) {
    if (!data || !Array.isArray(data.hits)) throw new Error("not a search result");
    renderApi(data);
  }).catch(function () {
    if (!index) throw new Error("no search index");
    return indexSearch(index, query).then(function (found) { return renderIndex(index, found); });
  }).catch(function () {
    if (!json) throw new Error("no postmortems.json");
    return fetchJson(json, 15000).then(function (all) { renderLocal(localSearch(all, query)); });
  }).catch(function () {
    clear();
    notice("Search is not available here: full-text search needs the archive's server " +
           "(casebook serve), and postmortems.json could not be read.");
  });
})();
