// Sluice console: small progressive scripts. Listings are server-rendered; this file sends the data-api forms to the
// admin API (through /console/api with the session's CSRF token), asks before destructive actions, copies secrets,
// refreshes live sections and draws the overview charts with uPlot (served by Sluice itself).
(function () {
  "use strict";
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content;
  var org = (document.querySelector('meta[name="organization"]') || {}).content;

  function fieldValue(input) {
    var v = input.value.trim();
    var type = input.getAttribute("data-type");
    if (v === "") return input.hasAttribute("data-null-empty") ? null : undefined;
    if (type === "int") return /^-?\d+$/.test(v) ? parseInt(v, 10) : v;
    if (type === "number") return isNaN(Number(v)) ? v : Number(v);
    if (type === "list") return v.split(",").map(function (s) { return s.trim(); }).filter(Boolean);
    return v;
  }

  function showSecret(form, secret) {
    var box = document.createElement("div");
    box.className = "secret";
    box.setAttribute("role", "status");
    var p = document.createElement("p");
    p.textContent = "Copy this key now: it is shown once and cannot be shown again.";
    var code = document.createElement("code");
    code.id = "new-secret";
    code.textContent = secret;
    var copy = document.createElement("button");
    copy.type = "button";
    copy.id = "copy-secret";
    copy.textContent = "Copy";
    copy.addEventListener("click", function () {
      var done = function () { copy.textContent = "Copied"; };
      if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(secret).then(done, done);
      else {
        var r = document.createRange(); r.selectNodeContents(code);
        var sel = window.getSelection(); sel.removeAllRanges(); sel.addRange(r);
        try { document.execCommand("copy"); } catch (e) { /* selected for a manual copy */ }
        done();
      }
    });
    box.appendChild(p); box.appendChild(code); box.appendChild(copy);
    form.parentNode.insertBefore(box, form.nextSibling);
    copy.focus();
  }

  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    var confirmText = form.getAttribute("data-confirm");
    if (confirmText && !window.confirm(confirmText)) { ev.preventDefault(); return; }
    var api = form.getAttribute("data-api");
    if (!api) return; // an ordinary form (sign-out, batch cancel, filters)
    ev.preventDefault();
    var method = form.getAttribute("data-method") || "POST";
    var body = {};
    var inputs = Array.prototype.slice.call(form.elements).concat(
      form.id ? Array.prototype.slice.call(document.querySelectorAll('[form="' + form.id + '"]')) : []);
    inputs.forEach(function (el) {
      if (!el.name || el.type === "submit") return;
      var v = fieldValue(el);
      if (v !== undefined) body[el.name] = v;
    });
    var out = form.querySelector("output");
    if (out) out.textContent = "";
    var headers = { "x-csrf-token": csrf };
    if (org) headers["openai-organization"] = org;
    var init = { method: method, headers: headers, credentials: "same-origin" };
    if (method !== "DELETE" && method !== "GET") {
      headers["content-type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    fetch("/console/api" + api, init).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (json) {
        if (!res.ok) {
          var msg = json && json.error ? json.error.message : "The gateway answered " + res.status + ".";
          if (out) out.textContent = msg; else window.alert(msg);
          return;
        }
        if (json && typeof json.value === "string") { showSecret(form, json.value); form.reset(); return; }
        if (out) out.textContent = "Saved.";
        window.location.reload();
      });
    }, function () { if (out) out.textContent = "The gateway did not answer."; });
  });

  // Live sections: re-fetch this page and swap the element with the same id.
  Array.prototype.forEach.call(document.querySelectorAll("[data-poll]"), function (el) {
    var every = parseInt(el.getAttribute("data-poll"), 10) || 5000;
    setInterval(function () {
      if (document.hidden) return;
      fetch(window.location.href, { credentials: "same-origin" }).then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) {
          if (!html) return;
          var fresh = new DOMParser().parseFromString(html, "text/html").getElementById(el.id);
          if (fresh && !el.contains(document.activeElement)) el.innerHTML = fresh.innerHTML;
        });
    }, every);
  });

  // Overview charts.
  var charts = document.getElementById("charts");
  if (!charts || !window.uPlot) return;
  var palette = ["#8c564b", "#d62728", "#7f7f7f", "#ff7f0e", "#bcbd22", "#9467bd", "#1f77b4", "#e377c2", "#17becf"];
  window.sluiceCharts = {};

  function width(el) { return Math.max(280, el.clientWidth || 600); }

  function draw(id, data, series, stacked) {
    var el = document.getElementById(id);
    if (!el) return;
    el.innerHTML = "";
    var rows = [data.t];
    var opts = { width: width(el), height: 220, series: [{}], scales: { x: { time: true } },
      axes: [{}, { size: 60 }] };
    var acc = data.t.map(function () { return 0; });
    series.forEach(function (s, i) {
      var values = s.values;
      if (stacked) { acc = acc.map(function (a, k) { return a + (values[k] || 0); }); values = acc.slice(); }
      rows.push(values);
      opts.series.push({ label: s.label, stroke: palette[i % palette.length],
        fill: stacked ? palette[i % palette.length] + "55" : undefined, width: 1.5 });
    });
    if (stacked) { // draw the top of the stack first so every band stays visible
      opts.series = [opts.series[0]].concat(opts.series.slice(1).reverse());
      rows = [rows[0]].concat(rows.slice(1).reverse());
    }
    window.sluiceCharts[id] = new window.uPlot(opts, rows, el);
  }

  function load() {
    fetch("/console/data/overview?range=" + encodeURIComponent(charts.getAttribute("data-range")),
      { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (d) {
      window.sluiceOverview = d;
      draw("chart-requests", d, [{ label: "requests/s", values: d.requests_per_second }], false);
      draw("chart-errors", d, d.classes.map(function (c) { return { label: c.label, values: c.per_second }; }), true);
      draw("chart-latency", d, [{ label: "p50", values: d.latency_p50_ms }, { label: "p99", values: d.latency_p99_ms },
        { label: "TTFT p50", values: d.ttft_p50_ms }, { label: "TTFT p99", values: d.ttft_p99_ms }], false);
      draw("chart-tokens", d, [{ label: "in", values: d.tokens_in_per_minute },
        { label: "out", values: d.tokens_out_per_minute }], false);
    });
  }
  load();
  setInterval(function () { if (!document.hidden) load(); }, 15000);
})();
