// Runs axe-core over one page of every page type of a casebook site served
// by `casebook serve`, at a desktop and a phone width, and measures each
// page's HTML size, element count and time to ready under a 4x CPU slowdown.
// Started by scripts/a11y, which installs puppeteer-core and axe-core and
// starts the server; see docs/accessibility.md.
//
//   node axe.js --base http://127.0.0.1:PORT/ --public DIR [--screenshots DIR]
//               [--chromium /usr/bin/chromium] [--runs 3] [--json FILE]
//
// Exit status: 0 no violations, 1 violations (or a page failed to load),
// 2 bad usage.
'use strict';
const fs = require('fs');
const path = require('path');

const modules = process.env.A11Y_MODULES;
if (!modules) { console.error('axe.js: A11Y_MODULES (the node_modules folder) is not set'); process.exit(2); }
const puppeteer = require(path.join(modules, 'puppeteer-core'));
const axeSource = fs.readFileSync(path.join(modules, 'axe-core', 'axe.min.js'), 'utf8');

function parseArgs(argv) {
  const args = { chromium: '/usr/bin/chromium', runs: 3, screenshots: '', json: '' };
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i].replace(/^--/, '');
    if (!(key in args) && key !== 'base' && key !== 'public') { console.error(`axe.js: unknown argument ${argv[i]}`); process.exit(2); }
    args[key] = argv[++i];
  }
  if (!args.base || !args.public) { console.error('axe.js: --base and --public are required'); process.exit(2); }
  args.runs = Number(args.runs) || 3;
  return args;
}

// Every page type, found in the built site: for a list type the page with
// the most pages (its first page and page 2), for the postmortem the
// largest one (the longest page, so the table of contents matters).
function findPages(pub) {
  const exists = (rel) => fs.existsSync(path.join(pub, rel));
  const dirs = (rel) => exists(rel)
    ? fs.readdirSync(path.join(pub, rel), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort()
    : [];
  const size = (rel) => (exists(rel) ? fs.statSync(path.join(pub, rel)).size : 0);
  const pageCount = (rel) => {
    const pages = dirs(rel + 'page').filter((n) => /^\d+$/.test(n)).map(Number);
    return pages.length ? Math.max(...pages) : 1;
  };
  // The entry of `parent` with the most pages, ties broken by HTML size.
  const biggest = (parent, skip = []) => {
    let best = null;
    for (const name of dirs(parent)) {
      if (skip.includes(name) || !exists(`${parent}${name}/index.html`)) continue;
      const rel = `${parent}${name}/`;
      const score = [pageCount(rel), size(rel + 'index.html')];
      if (!best || score[0] > best.score[0] || (score[0] === best.score[0] && score[1] > best.score[1])) best = { rel, score };
    }
    return best && best.rel;
  };
  const pages = [];
  const add = (type, rel) => { if (rel !== null && rel !== undefined) pages.push({ type, url: rel }); };
  const withPage2 = (type, rel) => {
    if (!rel) return;
    add(type, rel);
    if (exists(rel + 'page/2/index.html')) add(type + ' page 2', rel + 'page/2/');
  };

  add('home', '');
  const pm = biggest('postmortems/');
  add('postmortem', pm);
  const reserved = new Set(['actions', 'archive', 'css', 'js', 'postmortems', 'search', 'search-index', 'stats']);
  for (const key of dirs('')) {
    if (reserved.has(key) || !exists(`${key}/index.html`)) continue;
    add(`taxonomy ${key}`, `${key}/`);
    withPage2(`term ${key}`, biggest(`${key}/`, ['page']));
  }
  add('archive', 'archive/');
  withPage2('archive year', biggest('archive/', ['undated', 'page']));
  if (exists('archive/undated/index.html')) withPage2('archive undated', 'archive/undated/');
  withPage2('actions', 'actions/');
  for (const status of ['overdue', 'done']) withPage2(`actions ${status}`, exists(`actions/status/${status}/index.html`) ? `actions/status/${status}/` : null);
  withPage2('actions owner', biggest('actions/owner/'));
  withPage2('actions service', biggest('actions/service/'));
  add('stats', exists('stats/index.html') ? 'stats/' : null);
  add('search (static)', 'search/');
  // Search results come from the server; a word from the postmortem's title
  // finds some.
  let word = 'database';
  if (pm) {
    const html = fs.readFileSync(path.join(pub, pm, 'index.html'), 'utf8');
    const m = /<h1[^>]*>([^<]*)<\/h1>/.exec(html);
    const words = m ? m[1].toLowerCase().split(/[^a-z]+/).filter((w) => w.length > 4) : [];
    if (words.length) word = words[0];
  }
  add('search results', `search/?q=${encodeURIComponent(word)}`);
  add('search results page 2', `search/?q=${encodeURIComponent(word)}&offset=10`);
  add('404', 'no-such-page/');
  add('postmortem (print)', pm);
  return pages;
}

const VIEWPORTS = [
  { name: 'desktop', width: 1280, height: 800, isMobile: false, hasTouch: false, deviceScaleFactor: 1 },
  { name: 'phone', width: 375, height: 812, isMobile: true, hasTouch: true, deviceScaleFactor: 1 },
];

// Ready: the first frame painted after the load event, in ms since the
// navigation started: the page is parsed, styled and laid out by then. The
// page is loaded in a tab that already shows a page of the same site (so no
// new renderer process is counted), with the cache off and the CPU slowed
// down 4x (CDP Emulation.setCPUThrottlingRate). Wall-clock time: on a busy
// machine it is an upper bound.
async function openTimingTab(browser, base, viewport) {
  const page = await browser.newPage();
  await page.setViewport(viewport);
  await page.setCacheEnabled(false);
  const cdp = await page.createCDPSession();
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
  await page.goto(base, { waitUntil: 'load', timeout: 120000 });
  return { page, cdp };
}

async function timeToReady(tab, url) {
  await tab.page.bringToFront();  // a background tab paints no frames
  await tab.page.goto(url, { waitUntil: 'load', timeout: 120000 });
  const t = await tab.page.evaluate(() => new Promise((resolve) => {
    requestAnimationFrame(() => setTimeout(() => {
      const nav = performance.getEntriesByType('navigation')[0];
      resolve({ ready: performance.now(), dcl: nav.domContentLoadedEventEnd, load: nav.loadEventEnd });
    }, 0));
  }));
  return t;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const pages = findPages(args.public);
  const browser = await puppeteer.launch({
    executablePath: args.chromium,
    headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--font-render-hinting=none'],
  });
  if (args.screenshots) fs.mkdirSync(args.screenshots, { recursive: true });
  const rows = [];
  const violations = [];
  const timingTabs = {};
  for (const vp of VIEWPORTS) timingTabs[vp.name] = await openTimingTab(browser, args.base, vp);
  let failed = 0;
  for (const p of pages) {
    const url = new URL(p.url, args.base).href;
    const print = p.type.endsWith('(print)');
    const row = { type: p.type, url: '/' + p.url, bytes: 0, elements: 0, ready: {}, violations: 0 };
    for (const vp of VIEWPORTS) {
      if (print && vp.name === 'phone') continue;
      const page = await browser.newPage();
      await page.setViewport(vp);
      if (print) await page.emulateMediaType('print');
      let response;
      try {
        response = await page.goto(url, { waitUntil: 'load', timeout: 120000 });
      } catch (e) {
        console.error(`axe.js: ${url}: ${e.message}`);
        failed++;
        await page.close();
        continue;
      }
      const status = response.status();
      const wantStatus = p.type === '404' ? 404 : 200;
      if (status !== wantStatus) { console.error(`axe.js: ${url}: HTTP ${status}, expected ${wantStatus}`); failed++; }
      const body = await response.buffer();
      row.bytes = body.length;
      row.elements = await page.evaluate(() => document.getElementsByTagName('*').length);
      await page.evaluate(axeSource);
      const result = await page.evaluate(() => axe.run(document, { resultTypes: ['violations'] }));
      for (const v of result.violations) {
        row.violations += v.nodes.length;
        violations.push({ page: p.type, url: row.url, width: vp.name, rule: v.id, impact: v.impact, nodes: v.nodes.length,
          help: v.help, targets: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) });
      }
      if (args.screenshots) {
        const name = `${p.type.replace(/[^a-z0-9]+/gi, '-').replace(/-+$/, '')}-${vp.name}.png`;
        const height = await page.evaluate(() => document.documentElement.scrollHeight);
        await page.screenshot({ path: path.join(args.screenshots, name),
          clip: { x: 0, y: 0, width: vp.width, height: Math.min(height, 2400) }, captureBeyondViewport: true });
        // The phone's folded menus, opened as a tap would.
        const menu = { home: '.site-menu', postmortem: '.toc-menu' }[p.type];
        if (vp.name === 'phone' && menu && await page.$(`${menu} > summary`)) {
          await page.click(`${menu} > summary`);
          await page.screenshot({ path: path.join(args.screenshots, `${p.type}-phone-${menu.slice(1)}-open.png`),
            clip: { x: 0, y: 0, width: vp.width, height: 900 }, captureBeyondViewport: true });
        }
      }
      await page.close();
      if (!print) {
        const runs = [];
        for (let i = 0; i < args.runs; i++) runs.push(await timeToReady(timingTabs[vp.name], url));
        runs.sort((a, b) => a.ready - b.ready);
        row.ready[vp.name] = runs[Math.floor(runs.length / 2)];
      }
    }
    rows.push(row);
    process.stderr.write(`  ${p.type}: ${row.url}\n`);
  }
  await browser.close();

  const ms = (t) => (t ? String(Math.round(t.ready)) : '-');
  console.log(`\nPages: ready = first frame after load in ms, median of ${args.runs} runs at 4x CPU slowdown, cache off`);
  console.log(['page type', 'url', 'HTML KB', 'elements', 'ready desktop', 'ready phone', 'violations'].join(' | '));
  for (const r of rows) {
    console.log([r.type, r.url, (r.bytes / 1024).toFixed(1), r.elements, ms(r.ready.desktop), ms(r.ready.phone), r.violations].join(' | '));
  }
  const slowest = rows.flatMap((r) => Object.entries(r.ready).map(([w, t]) => ({ r, w, t: t.ready }))).sort((a, b) => b.t - a.t)[0];
  const largest = rows.slice().sort((a, b) => b.bytes - a.bytes)[0];
  if (slowest) console.log(`\nslowest ready: ${Math.round(slowest.t)} ms (${slowest.r.type} ${slowest.r.url}, ${slowest.w})`);
  if (largest) console.log(`largest page visited: ${(largest.bytes / 1024).toFixed(1)} KB (${largest.type} ${largest.url})`);

  console.log(`\naxe-core ${JSON.parse(fs.readFileSync(path.join(modules, 'axe-core', 'package.json'))).version}: ${violations.length} violation(s)`);
  if (violations.length) {
    console.log(['rule', 'impact', 'page', 'width', 'nodes', 'first targets'].join(' | '));
    for (const v of violations) console.log([v.rule, v.impact, `${v.page} ${v.url}`, v.width, v.nodes, v.targets.join(' ; ')].join(' | '));
  }
  if (args.json) fs.writeFileSync(args.json, JSON.stringify({ rows, violations }, null, 1));
  process.exit(violations.length || failed ? 1 : 0);
}

main().catch((e) => { console.error(`axe.js: ${e.stack || e}`); process.exit(1); });
