// Progressive enhancement for the zoo's static pages: copy buttons, on the browse page
// full-text search with facet filters through Pagefind, and on model pages the loader of
// "Try it". Every page works without this file.
// Search state lives in the URL (?q=&sort=&type=&tag=...), so a search can be shared.
"use strict";

(function () {
  // URL parameters naming facets (the facet table, pipeline/site/facets.py, has their labels)
  const FACETS = ["type", "tag", "license", "tool", "status", "weights"];
  const MAX_VALUES = 15;
  const PAGE = 24;
  const FIRST = 4;  // one row of cards: what a 1280x900 screen shows under the search box

  function setupCopyButtons() {
    for (const button of document.querySelectorAll("button.copy[data-copy]")) {
      const source = document.getElementById(button.dataset.copy);
      if (!source || !navigator.clipboard) continue;
      button.hidden = false;
      const label = button.textContent;
      button.addEventListener("click", async () => {
        try {
          await navigator.clipboard.writeText(source.textContent.trim());
          button.textContent = "Copied";
        } catch (e) {
          button.textContent = "Copy failed";
        }
        setTimeout(() => { button.textContent = label; }, 1500);
      });
    }
  }

  function readState() {
    const params = new URLSearchParams(location.search);
    const state = { q: params.get("q") || "", sort: params.get("sort") || "", filters: {} };
    for (const name of FACETS) {
      const values = params.getAll(name).filter(Boolean);
      if (values.length) state.filters[name] = values;
    }
    return state;
  }

  function writeState(state) {
    const params = new URLSearchParams();
    if (state.q) params.set("q", state.q);
    if (state.sort) params.set("sort", state.sort);
    for (const name of FACETS) for (const v of state.filters[name] || []) params.append(name, v);
    const query = params.toString();
    history.replaceState(null, "", location.pathname + (query ? "?" + query : ""));
  }

  // A static grid page already shows its type tab in its sort order: being there is not a search.
  function isActive(state, pageTab, pageSort) {
    const names = Object.keys(state.filters);
    const baseline = pageTab === "all" ? names.length === 0
      : names.length === 1 && state.filters.type && state.filters.type.length === 1 && state.filters.type[0] === pageTab;
    return Boolean(state.q || state.sort !== pageSort || !baseline);
  }

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function statusLabel(state) {
    return { skipped: "not applicable", "valid-format": "format valid, not run" }[state] || state;
  }

  function makeCard(template, data, base) {
    const meta = data.meta || {};
    const node = template.content.firstElementChild.cloneNode(true);
    node.dataset.type = meta.type || "";
    const img = node.querySelector("img.cover");
    const placeholder = node.querySelector(".cover.placeholder");
    if (meta.cover) {
      img.src = new URL(meta.cover, base).href;
      img.alt = "Cover image of " + (meta.title || "");
      placeholder.remove();
    } else {
      img.remove();
      placeholder.textContent = meta.type || "";
    }
    const link = node.querySelector(".card-title a");
    link.href = data.url;
    link.textContent = meta.title || data.url;
    if (meta.nickname) {
      node.querySelector(".nickname .icon").textContent = meta.icon || "";
      node.querySelector(".nickname .nick").textContent = meta.nickname;
    } else {
      node.querySelector(".nickname").remove();
    }
    node.querySelector(".desc").textContent = meta.description || "";
    const tags = node.querySelector(".tags");
    for (const tag of (meta.tags || "").split("|").filter(Boolean)) {
      const li = el("li");
      li.append(el("a", { href: new URL("tags/" + slug(tag) + ".html", base).href }, tag));
      tags.append(li);
    }
    if (!tags.children.length) tags.remove();
    node.querySelector(".f-type").textContent = meta.type || "";
    node.querySelector(".f-license").textContent = meta.license || "";
    node.querySelector(".f-doi").textContent = meta.doi || "";
    if (meta.downloads) node.querySelector(".f-downloads").textContent = meta.downloads;
    else for (const n of node.querySelectorAll(".f-downloads, .f-downloads-label")) n.remove();
    const badges = node.querySelector(".badges");
    for (const badge of (meta.badges || "").split("|").filter(Boolean)) {
      const [, label, state] = badge.split("~");
      badges.append(el("li", { class: "badge " + state }, label + ": " + statusLabel(state)));
    }
    if (!badges.children.length) badges.remove();
    return node;
  }

  function slug(tag) {
    return tag.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "") || "tag";
  }

  // The search engine: Pagefind finds the pages that match the words typed; the facet table
  // (written next to the index at build time, one row per resource in the recommended order)
  // answers filters, facet counts and sort orders, which Pagefind would answer far more slowly.
  async function openEngine(base) {
    const opening = (async () => {
      const pf = await import(new URL("pagefind/pagefind.js", base).href);
      // Pagefind's web worker keeps every result it returned until this page's garbage collector
      // lets go of it; in a session of broad queries its searches slowed from 40 ms to over a
      // second. On this thread they stay at 10-70 ms at 10,000 resources.
      await pf.options({ baseUrl: base.pathname, noWorker: true });
      await pf.init();
      return pf;
    })();
    const reading = fetch(new URL("pagefind/zoo-facets.json.gz", base).href, { cache: "no-cache" }).then((r) => {
      if (!r.ok) throw new Error("facet table: HTTP " + r.status);
      return r.arrayBuffer();
    }).then((bytes) => unpack(bytes)).then(JSON.parse);
    const [pf, table] = await Promise.all([opening, reading]);
    const facets = table.facets.map((f) => Object.assign({}, f, {
      index: new Map(f.values.map(([value], i) => [value, i])),
    }));
    return {
      pf: pf, ids: table.ids, rowOf: new Map(table.ids.map((id, row) => [id, row])), facets: facets,
      sorts: null, sortsLoading: null, size: table.ids.length, records: new Map(),
    };
  }

  // The sort orders live in a file of their own, read when a sort is first chosen: most
  // searches never need them, and they are a fifth of what a first search would load.
  async function loadSorts(engine, base) {
    if (!engine.sortsLoading) {
      engine.sortsLoading = fetch(new URL("pagefind/zoo-sorts.json.gz", base).href, { cache: "no-cache" }).then((r) => {
        if (!r.ok) throw new Error("sort orders: HTTP " + r.status);
        return r.arrayBuffer();
      }).then((bytes) => unpack(bytes)).then((text) => JSON.parse(text).sorts);
      engine.sortsLoading.catch(() => { engine.sortsLoading = null; });  // a later search tries again
    }
    return engine.sortsLoading;
  }

  const SIGNATURE = "pagefind_dcd";

  // The text of a gzip file, or of a file a server already decompressed.
  async function unpack(bytes) {
    const head = new Uint8Array(bytes, 0, Math.min(2, bytes.byteLength));
    if (head[0] !== 0x1f || head[1] !== 0x8b) return new TextDecoder().decode(bytes);
    return new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"))).text();
  }

  // A card's fields: the record Pagefind wrote for the page (gzip of a signature and JSON), the
  // same file its own result.data() reads; any row can be drawn this way, with or without a query.
  function record(engine, base, row) {
    if (!engine.records.has(row)) {
      const loading = (async () => {
        const response = await fetch(new URL("pagefind/fragment/" + engine.ids[row] + ".pf_fragment", base).href);
        if (!response.ok) throw new Error("HTTP " + response.status);
        const text = await unpack(await response.arrayBuffer());
        const data = JSON.parse(text.startsWith(SIGNATURE) ? text.slice(SIGNATURE.length) : text);
        data.url = new URL(String(data.url || "").replace(/^\/+/, ""), base).href;
        return data;
      })();
      engine.records.set(row, loading);
      loading.catch(() => engine.records.delete(row));  // a later view tries again
    }
    return engine.records.get(row);
  }

  // Pagefind's results as facet-table rows, best first: its score (the keys naming a resource
  // exactly weigh most, its documentation least), times a small preference for models, so a
  // model ranks above a notebook or dataset that matches as well.
  const TYPE_FACTOR = { model: 1, notebook: 0.85, dataset: 0.85, application: 0.8 };

  function rank(engine, results) {
    const types = engine.facets.find((f) => f.name === "type");
    const scored = [];
    for (const r of results) {
      const row = engine.rowOf.get(r.id);
      if (row === undefined) continue;
      const type = types && types.rows[row].length ? types.values[types.rows[row][0]][0] : "";
      scored.push([row, (r.score || 0) * (TYPE_FACTOR[type] || 0.8)]);
    }
    scored.sort((a, b) => b[1] - a[1]);  // stable: equal scores keep Pagefind's order
    return scored.map(([row]) => row);
  }

  // Rows that pass every chosen facet, in order, and per facet the counts a person would get by
  // also ticking each value: rows passing every *other* facet count towards it.
  function select(engine, state, hits) {
    const chosen = engine.facets.map((f) => {
      const values = (state.filters[f.name] || []).map((v) => f.index.get(v)).filter((i) => i !== undefined);
      return (state.filters[f.name] || []).length ? new Set(values) : null;
    });
    const counts = engine.facets.map((f) => new Uint32Array(f.values.length));
    const rows = hits || Array.from({ length: engine.size }, (_, i) => i);
    const results = [];
    for (const row of rows) {
      let failing = -1;
      let fails = 0;
      for (let k = 0; k < chosen.length && fails < 2; k++) {
        if (chosen[k] && !engine.facets[k].rows[row].some((v) => chosen[k].has(v))) { fails++; failing = k; }
      }
      if (fails === 0) {
        results.push(row);
        engine.facets.forEach((f, k) => { for (const v of f.rows[row]) counts[k][v]++; });
      } else if (fails === 1) {
        for (const v of engine.facets[failing].rows[row]) counts[failing][v]++;
      }
    }
    const order = state.sort && engine.sorts ? engine.sorts[state.sort] : null;
    if (order) results.sort((a, b) => order[a] - order[b]);
    return { results: results, counts: counts };
  }

  function setupSearch(section) {
    const base = new URL(section.dataset.root || "./", location.href);
    const input = document.getElementById("q");
    const sort = document.getElementById("sort");
    const grid = document.getElementById("grid");
    const staticCards = Array.from(grid.children);
    const pager = document.getElementById("pager");
    const status = document.getElementById("search-status");
    const more = document.getElementById("more");
    const groups = document.getElementById("facet-groups");
    const template = document.getElementById("card-template");
    const pageTab = section.dataset.pageTab || "all";
    const pageSort = section.dataset.pageSort || "";
    const state = readState();
    if (!location.search) {
      if (pageTab !== "all") state.filters.type = [pageTab];
      state.sort = pageSort;
    }
    let opening = null;
    let engine = null;
    let sequence = 0;
    let results = [];
    let shown = 0;
    section.hidden = false;
    const sortLinks = document.getElementById("sort-links");
    if (sortLinks) sortLinks.hidden = true;  // the sort menu of the search replaces them
    input.value = state.q;
    sort.value = state.sort;

    function load() {
      if (!opening) {
        opening = openEngine(base).then((e) => { engine = e; buildFacets(); return e; });
        opening.catch(() => { opening = null; });  // a later search tries again
      }
      return opening;
    }

    function buildFacets() {
      groups.replaceChildren();
      for (const facet of engine.facets) {
        const chosen = state.filters[facet.name] || [];
        const visible = facet.values.filter(([v], i) => i < MAX_VALUES || chosen.includes(v));
        if (!visible.length) continue;
        const fieldset = el("fieldset", { "data-facet": facet.name });
        fieldset.append(el("legend", {}, facet.label));
        for (const [value, label] of visible) {
          const id = "f-" + facet.name + "-" + slug(value) + "-" + fieldset.children.length;
          const box = el("input", { type: "checkbox", id: id, value: value });
          box.checked = chosen.includes(value);
          box.addEventListener("change", () => toggle(facet.name, value, box.checked));
          const lab = el("label", { for: id }, label + " ");
          lab.append(el("span", { class: "count", "data-value": value }, ""));
          const row = el("div", { class: "facet-value" });
          row.append(box, lab);
          fieldset.append(row);
        }
        groups.append(fieldset);
      }
      if (Object.keys(state.filters).length) document.getElementById("facets").open = true;
    }

    function updateCounts(counts) {
      engine.facets.forEach((facet, k) => {
        const fieldset = groups.querySelector('fieldset[data-facet="' + facet.name + '"]');
        if (!fieldset) return;
        for (const span of fieldset.querySelectorAll("span.count")) {
          span.textContent = "(" + (counts[k][facet.index.get(span.dataset.value)] || 0) + ")";
        }
      });
    }

    // The tab of the one type chosen, "All" when none is, no tab for several.
    function syncTabs() {
      const types = state.filters.type || [];
      const tab = types.length === 0 ? "all" : types.length === 1 ? types[0] : null;
      for (const link of document.querySelectorAll(".tabs [data-tab]")) {
        if (link.dataset.tab === tab) link.setAttribute("aria-current", "page");
        else link.removeAttribute("aria-current");
      }
      for (const box of groups.querySelectorAll('fieldset[data-facet="type"] input')) box.checked = types.includes(box.value);
    }

    function toggle(name, value, on) {
      const current = new Set(state.filters[name] || []);
      if (on) current.add(value); else current.delete(value);
      if (current.size) state.filters[name] = Array.from(current); else delete state.filters[name];
      run();
    }

    function selectTab(tab) {
      if (tab === "all") delete state.filters.type; else state.filters.type = [tab];
      if (!isActive(state, tab, pageSort) && tab !== pageTab) {
        location.href = document.querySelector('[data-tab="' + tab + '"]').href;
        return;
      }
      run();
    }

    // Results arrive in two steps: the first screenful as fast as possible, then the rest of
    // the page, so the time from typing to seeing results stays short at 10,000 resources.
    async function showMore(count, mine) {
      const rows = results.slice(shown, shown + count);
      shown += rows.length;
      const datas = await Promise.all(rows.map((row) => record(engine, base, row).catch(() => null)));
      if (mine !== sequence) return;
      for (const data of datas) if (data) grid.append(makeCard(template, data, base));
      more.hidden = shown >= results.length;
    }

    async function run() {
      writeState(state);
      syncTabs();
      const mine = ++sequence;
      if (!isActive(state, pageTab, pageSort)) {
        grid.replaceChildren(...staticCards);
        if (pager) pager.hidden = false;
        more.hidden = true;
        status.textContent = "";
        if (engine) updateCounts(select(engine, state, null).counts);
        return;
      }
      await load();
      if (state.sort) engine.sorts = await loadSorts(engine, base);
      if (mine !== sequence) return;
      let hits = null;
      if (state.q) {
        const search = await engine.pf.search(state.q);
        if (mine !== sequence || !search) return;
        hits = rank(engine, search.results);
      }
      if (mine !== sequence) return;
      const found = select(engine, state, hits);
      results = found.results;
      shown = 0;
      grid.replaceChildren();
      if (pager) pager.hidden = true;
      await showMore(FIRST, mine);
      if (mine !== sequence) return;
      updateCounts(found.counts);
      status.textContent = results.length + (results.length === 1 ? " result" : " results");
      grid.dataset.results = String(results.length);
      // The rest of the page waits a moment: while someone is still typing, it would only
      // compete with the next query's requests.
      setTimeout(() => { if (mine === sequence) showMore(PAGE - FIRST, mine); }, 250);
    }

    function failed(e) { status.textContent = "Search is unavailable: " + e.message; }

    input.addEventListener("input", () => { state.q = input.value.trim(); run().catch(failed); });
    input.addEventListener("focus", () => { load().catch(() => {}); }, { once: true });
    sort.addEventListener("change", () => { state.sort = sort.value; run().catch(failed); });
    document.getElementById("search-form").addEventListener("submit", (e) => { e.preventDefault(); run().catch(failed); });
    document.getElementById("facets").addEventListener("toggle", () => {
      load().then(() => { if (!isActive(state, pageTab, pageSort)) updateCounts(select(engine, state, null).counts); }).catch(() => {});
    });
    document.getElementById("more-button").addEventListener("click", () => showMore(PAGE, sequence));
    for (const link of document.querySelectorAll(".tabs [data-tab]")) {
      link.addEventListener("click", (e) => { e.preventDefault(); selectTab(link.dataset.tab); });
    }
    if (isActive(state, pageTab, pageSort)) run().catch(failed);
  }

  // "Try it" on a model page: its controls show once this script runs, and the first click
  // loads the module that runs the model (static/tryit/), with its runtime, only then.
  function setupTryIt(section) {
    section.querySelector(".try-controls").hidden = false;
    let loading = null;
    const ui = () => {
      loading = loading || import(new URL(section.dataset.module, location.href).href).then((m) => m.start(section));
      loading.catch((e) => {
        loading = null;
        section.querySelector("#try-message").textContent = "Try it could not load: " + e.message;
      });
      return loading;
    };
    section.querySelector("#try-test").addEventListener("click", () => {
      if (!section.tryIt) ui().then((t) => t.run({ type: "test" }));
    });
    section.querySelector("#try-form").addEventListener("submit", (e) => {
      e.preventDefault();
      if (!section.tryIt) ui().then((t) => t.runFiles());
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    setupCopyButtons();
    const tryIt = document.getElementById("try");
    if (tryIt) setupTryIt(tryIt);
    const section = document.getElementById("search");
    if (section) setupSearch(section);
  });
})();
