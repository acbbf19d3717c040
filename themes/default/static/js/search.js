// casebook search page: progressive enhancement only. The page is a plain
// GET form (<base>search/?q=) and works without this file.
//
// - Under `casebook serve` the server renders the results into the page
//   (#search-results has data-rendered="true"): nothing to do here.
// - Otherwise (a static copy of the site) this asks the search API
//   (data-api, <base>api/search) in case a server answers there, and when
//   none does (404, network error, no index) searches postmortems.json
//   (data-json) in the browser: titles, summaries, ids and taxonomies, every
//   word must match, title matches first. A note says that full-text search
//   needs `casebook serve`.
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
    var h3 = el("h3", "pm-item-title");
    var href = safeHref(hit.href);
    var title = hit.title || hit.id || "(untitled)";
    if (href) {
      var a = el("a", "", title);
      a.setAttribute("href", href);
      h3.appendChild(a);
    } else {
      h3.textContent = title;
    }
    li.appendChild(h3);
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
  first.then(function (data) {
    if (!data || !Array.isArray(data.hits)) throw new Error("not a search result");
    renderApi(data);
  }).catch(function () {
    if (!json) throw new Error("no postmortems.json");
    return fetchJson(json, 15000).then(function (all) { renderLocal(localSearch(all, query)); });
  }).catch(function () {
    clear();
    notice("Search is not available here: full-text search needs the archive's server " +
           "(casebook serve), and postmortems.json could not be read.");
  });
})();
