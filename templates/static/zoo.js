// Progressive enhancement for the zoo's static pages: copy buttons, and on the browse page
// full-text search with facet filters through Pagefind. Every page works without this file.
// Search state lives in the URL (?q=&sort=&type=&tag=...), so a search can be shared.
"use strict";

(function () {
  const FACETS = [
    ["type", "Type"], ["tag", "Tags"], ["license", "License"],
    ["tool", "Runs in (partner tool)"], ["status", "Test status"], ["weights", "Weight format"],
  ];
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
    for (const [name] of FACETS) {
      const values = params.getAll(name).filter(Boolean);
      if (values.length) state.filters[name] = values;
    }
    return state;
  }

  function writeState(state) {
    const params = new URLSearchParams();
    if (state.q) params.set("q", state.q);
    if (state.sort) params.set("sort", state.sort);
    for (const [name] of FACETS) for (const v of state.filters[name] || []) params.append(name, v);
    const query = params.toString();
    history.replaceState(null, "", location.pathname + (query ? "?" + query : ""));
  }

  // A type tab's static page already shows that type: being there is not a search.
  function isActive(state, pageTab) {
    const names = Object.keys(state.filters);
    const baseline = pageTab === "all" ? names.length === 0
      : names.length === 1 && state.filters.type && state.filters.type.length === 1 && state.filters.type[0] === pageTab;
    return Boolean(state.q || state.sort || !baseline);
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
    const state = readState();
    if (pageTab !== "all" && !location.search) state.filters.type = [pageTab];
    let pagefind = null;
    let sequence = 0;
    let results = [];
    let shown = 0;
    section.hidden = false;
    input.value = state.q;
    sort.value = state.sort;

    async function load() {
      if (!pagefind) {
        pagefind = await import(new URL("pagefind/pagefind.js", base).href);
        await pagefind.options({ baseUrl: base.pathname });
        await pagefind.init();
        buildFacets(await pagefind.filters());
      }
      return pagefind;
    }

    function buildFacets(counts) {
      groups.replaceChildren();
      for (const [name, label] of FACETS) {
        const values = Object.entries(counts[name] || {}).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
        const chosen = state.filters[name] || [];
        const visible = values.filter(([v], i) => i < MAX_VALUES || chosen.includes(v));
        if (!visible.length) continue;
        const fieldset = el("fieldset", { "data-facet": name });
        fieldset.append(el("legend", {}, label));
        for (const [value, count] of visible) {
          const id = "f-" + name + "-" + slug(value) + "-" + fieldset.children.length;
          const box = el("input", { type: "checkbox", id: id, value: value });
          box.checked = chosen.includes(value);
          box.addEventListener("change", () => toggle(name, value, box.checked));
          const lab = el("label", { for: id }, value + " ");
          lab.append(el("span", { class: "count", "data-value": value }, "(" + count + ")"));
          const row = el("div", { class: "facet-value" });
          row.append(box, lab);
          fieldset.append(row);
        }
        groups.append(fieldset);
      }
      if (Object.keys(state.filters).length) document.getElementById("facets").open = true;
    }

    function updateCounts(counts) {
      for (const fieldset of groups.querySelectorAll("fieldset[data-facet]")) {
        const values = counts[fieldset.dataset.facet] || {};
        for (const span of fieldset.querySelectorAll("span.count")) {
          span.textContent = "(" + (values[span.dataset.value] || 0) + ")";
        }
      }
    }

    function toggle(name, value, on) {
      const current = new Set(state.filters[name] || []);
      if (on) current.add(value); else current.delete(value);
      if (current.size) state.filters[name] = Array.from(current); else delete state.filters[name];
      run();
    }

    function selectTab(tab) {
      if (tab === "all") delete state.filters.type; else state.filters.type = [tab];
      if (!isActive(state, tab) && tab !== pageTab) {
        location.href = document.querySelector('[data-tab="' + tab + '"]').href;
        return;
      }
      for (const link of document.querySelectorAll(".tabs [data-tab]")) {
        if (link.dataset.tab === tab) link.setAttribute("aria-current", "page");
        else link.removeAttribute("aria-current");
      }
      const boxes = groups.querySelectorAll('fieldset[data-facet="type"] input');
      for (const box of boxes) box.checked = (state.filters.type || []).includes(box.value);
      run();
    }

    // Results arrive in two steps: the first screenful as fast as possible, then the rest of
    // the page, so the time from typing to seeing results stays short at 10,000 resources.
    async function showMore(count, mine) {
      const slice = results.slice(shown, shown + count);
      shown += slice.length;
      const datas = await Promise.all(slice.map((r) => r.data()));
      if (mine !== sequence) return;
      for (const data of datas) grid.append(makeCard(template, data, base));
      more.hidden = shown >= results.length;
    }

    async function run() {
      writeState(state);
      const mine = ++sequence;
      if (!isActive(state, pageTab)) {
        grid.replaceChildren(...staticCards);
        if (pager) pager.hidden = false;
        more.hidden = true;
        status.textContent = "";
        if (pagefind) updateCounts(await pagefind.filters());
        return;
      }
      const pf = await load();
      const filters = {};
      for (const [name, values] of Object.entries(state.filters)) filters[name] = { any: values };
      const options = { filters: filters };
      if (state.sort) options.sort = { [state.sort]: state.sort === "created" ? "desc" : "asc" };
      else if (!state.q) options.sort = { rank: "asc" };
      const search = await pf.search(state.q || null, options);
      if (mine !== sequence || !search) return;
      results = search.results;
      shown = 0;
      grid.replaceChildren();
      if (pager) pager.hidden = true;
      await showMore(FIRST, mine);
      if (mine !== sequence) return;
      updateCounts(search.filters || {});
      status.textContent = results.length + (results.length === 1 ? " result" : " results");
      grid.dataset.results = String(results.length);
      // The rest of the page waits a moment: while someone is still typing, it would only
      // compete with the next query's requests.
      setTimeout(() => { if (mine === sequence) showMore(PAGE - FIRST, mine); }, 250);
    }

    input.addEventListener("input", () => { state.q = input.value.trim(); run(); });
    input.addEventListener("focus", () => { load().catch(() => {}); }, { once: true });
    sort.addEventListener("change", () => { state.sort = sort.value; run(); });
    document.getElementById("search-form").addEventListener("submit", (e) => { e.preventDefault(); run(); });
    document.getElementById("facets").addEventListener("toggle", () => { load().catch(() => {}); });
    document.getElementById("more-button").addEventListener("click", () => showMore(PAGE, sequence));
    for (const link of document.querySelectorAll(".tabs [data-tab]")) {
      link.addEventListener("click", (e) => { e.preventDefault(); selectTab(link.dataset.tab); });
    }
    if (isActive(state, pageTab)) {
      run().catch((e) => { status.textContent = "Search failed: " + e.message; });
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    setupCopyButtons();
    const section = document.getElementById("search");
    if (section) setupSearch(section);
  });
})();
