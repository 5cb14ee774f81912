/* certhound exposure report: draws the figures from the embedded JSON document (the same one
 * `certhound exposure --format json` prints). Text goes in through textContent only. */
(function () {
  "use strict";
  var NS = "http://www.w3.org/2000/svg";
  var D = JSON.parse(document.getElementById("exposure-data").textContent);
  var COLORS = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1",
                "#ff9da7", "#9c755f", "#bab0ac"];

  function el(tag, attrs, parent) {
    var e = document.createElementNS(NS, tag);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(e);
    return e;
  }
  function txt(tag, text, attrs, parent) {
    var e = el(tag, attrs || {}, parent);
    e.textContent = text;
    return e;
  }
  function title(parent, text) { txt("title", text, {}, parent); }
  function day(t) { return t ? t.slice(0, 10) : ""; }
  function epoch(t) { return Date.parse(t) / 1000; }
  function html(tag, text, parent) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (parent) parent.appendChild(e);
    return e;
  }

  /* Figure 1: issuances per month, stacked per CA. */
  function issuance() {
    var svg = document.getElementById("fig-issuance");
    var months = D.months, cas = D.cas, W = 900, H = 260, L = 40, B = 40, T = 10;
    var max = 1, bars = 0;
    for (var m = 0; m < months.length; m++) {
      var s = 0;
      for (var c = 0; c < cas.length; c++) s += cas[c].per_month[m];
      if (s > max) max = s;
    }
    svg.setAttribute("viewBox", "0 0 " + W + " " + (H + 20 * Math.ceil(cas.length / 3)));
    var bw = months.length ? (W - L - 10) / months.length : 0;
    el("line", {x1: L, y1: H - B, x2: W - 10, y2: H - B, class: "axis"}, svg);
    el("line", {x1: L, y1: T, x2: L, y2: H - B, class: "axis"}, svg);
    txt("text", String(max), {x: L - 4, y: T + 10, class: "tick", "text-anchor": "end"}, svg);
    txt("text", "0", {x: L - 4, y: H - B, class: "tick", "text-anchor": "end"}, svg);
    var step = Math.max(1, Math.ceil(months.length / 12));
    for (m = 0; m < months.length; m++) {
      var y0 = H - B;
      for (c = 0; c < cas.length; c++) {
        var n = cas[c].per_month[m];
        if (!n) continue;
        var h = (H - B - T) * n / max;
        var r = el("rect", {x: L + m * bw + 1, y: y0 - h, width: Math.max(1, bw - 2), height: h,
                            fill: COLORS[c % COLORS.length], class: "bar", "data-ca": c}, svg);
        title(r, months[m] + ": " + n + " from " + cas[c].name);
        y0 -= h;
        bars++;
      }
      if (m % step === 0)
        txt("text", months[m], {x: L + m * bw + bw / 2, y: H - B + 16, class: "tick",
                                "text-anchor": "middle"}, svg);
    }
    for (c = 0; c < cas.length; c++) {
      var g = el("g", {class: "legend", transform: "translate(" + (L + (c % 3) * 290) + "," +
                        (H + 20 * Math.floor(c / 3)) + ")"}, svg);
      el("rect", {x: 0, y: -10, width: 12, height: 12, fill: COLORS[c % COLORS.length]}, g);
      txt("text", cas[c].name + " (" + cas[c].count + ")" + (cas[c]["new"] ? " NEW" : ""),
          {x: 18, y: 0, class: cas[c]["new"] ? "new" : ""}, g);
    }
    svg.setAttribute("data-bars", String(bars));
  }

  /* Figure 2: the next 91 days, one square per day, coloured by certificates expiring. */
  function expiry() {
    var svg = document.getElementById("fig-expiry");
    var start = Math.floor(epoch(D.now) / 86400), S = 22, per = {}, due = {};
    for (var i = 0; i < D.expiring.length; i++) {
      var e = D.expiring[i], d = Math.floor(epoch(e.not_after) / 86400) - start;
      (per[d] = per[d] || []).push(e);
      if (e.successor === null) due[d] = true;
    }
    svg.setAttribute("viewBox", "0 0 " + (60 + 13 * S) + " " + (30 + 7 * S));
    var wd = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    var first = new Date(start * 86400000).getUTCDay(); /* 0 = Sunday */
    var off = (first + 6) % 7;
    for (var w = 0; w < 7; w++)
      txt("text", wd[w], {x: 0, y: 24 + w * S + 14, class: "tick"}, svg);
    for (d = 0; d < 91; d++) {
      var cell = d + off, col = Math.floor(cell / 7), row = cell % 7;
      var list = per[d] || [], n = list.length;
      var cls = "day" + (n ? " has" : "") + (due[d] ? " due" : "");
      var r = el("rect", {x: 40 + col * S, y: 24 + row * S, width: S - 3, height: S - 3,
                          class: cls, "data-count": n,
                          fill: n ? (n > 2 ? "#b30000" : n > 1 ? "#e34a33" : "#fc8d59") : "#eee"}, svg);
      var label = new Date((start + d) * 86400000).toISOString().slice(0, 10) + ": " + n +
                  " expiring";
      for (i = 0; i < list.length; i++)
        label += "\n" + (list[i].names[0] || list[i].sha256.slice(0, 16)) +
                 (list[i].successor === null ? " (no successor)" : "");
      title(r, label);
      if (d % 28 === 0)
        txt("text", new Date((start + d) * 86400000).toISOString().slice(5, 10),
            {x: 40 + col * S, y: 16, class: "tick"}, svg);
    }
  }

  /* Figure 3: names as a tree of labels under each subject domain (or registrable-looking
   * suffix), one row per node; leaked internal names in red. */
  function namesTree() {
    var svg = document.getElementById("fig-names");
    var root = {label: "", kids: {}, order: [], leak: null, full: ""}, nodes = 0;
    var leak = {};
    for (var i = 0; i < D.names_detail.length; i++)
      if (D.names_detail[i].internal) leak[D.names_detail[i].name] = D.names_detail[i].internal;
    function base(name) {
      for (var s = 0; s < D.subjects_detail.length; s++) {
        var v = D.subjects_detail[s].value;
        if (D.subjects_detail[s].kind === "domain" &&
            (name === v || name.slice(-(v.length + 1)) === "." + v)) return v;
      }
      var p = name.split(".");
      return p.length > 1 ? p.slice(-2).join(".") : name;
    }
    function child(n, label, full) {
      if (!n.kids[label]) {
        n.kids[label] = {label: label, kids: {}, order: [], leak: null, full: full};
        n.order.push(label);
      }
      return n.kids[label];
    }
    for (i = 0; i < D.names.length; i++) {
      var name = D.names[i], b = base(name), n = child(root, b, b);
      var rest = name === b ? [] : name.slice(0, name.length - b.length - 1).split(".");
      for (var k = rest.length - 1; k >= 0; k--)
        n = child(n, rest[k], rest.slice(k).join(".") + "." + b);
      if (leak[name]) n.leak = leak[name];
    }
    var rows = [];
    (function walk(n, depth, parentRow) {
      for (var j = 0; j < n.order.length; j++) {
        var c = n.kids[n.order[j]];
        rows.push({node: c, depth: depth, parent: parentRow});
        walk(c, depth + 1, rows.length - 1);
      }
    })(root, 0, -1);
    var R = 18, X = 20;
    svg.setAttribute("viewBox", "0 0 900 " + (rows.length * R + 10));
    for (i = 0; i < rows.length; i++) {
      var row = rows[i], x = 10 + row.depth * X, y = 10 + i * R;
      if (row.parent >= 0) {
        var px = 10 + rows[row.parent].depth * X, py = 10 + row.parent * R;
        el("path", {d: "M" + px + "," + py + "V" + y + "H" + x, class: "edge"}, svg);
      }
      var g = el("g", {class: "node" + (row.node.leak ? " leak" : ""),
                       transform: "translate(" + x + "," + y + ")"}, svg);
      el("circle", {r: 4}, g);
      txt("text", row.node.label + (row.node.leak ? "  [" + row.node.leak + "]" : ""),
          {x: 8, y: 4}, g);
      title(g, row.node.full);
      nodes++;
    }
    svg.setAttribute("data-nodes", String(nodes));
  }

  function table(id, head, rows) {
    var t = document.getElementById(id);
    var tr = html("tr", undefined, html("thead", undefined, t));
    for (var i = 0; i < head.length; i++) html("th", head[i], tr);
    var body = html("tbody", undefined, t);
    for (i = 0; i < rows.length; i++) {
      tr = html("tr", undefined, body);
      for (var k = 0; k < rows[i].length; k++) html("td", rows[i][k], tr);
    }
    if (!rows.length) html("td", "none", html("tr", undefined, body));
  }

  function tables() {
    table("t-leaks", ["name", "reason", "certificates"], D.leaked_internal.map(function (l) {
      return [l.name, l.reason, l.certs.length]; }));
    table("t-expiring", ["days left", "not after", "names", "successor"], D.expiring.map(function (e) {
      return [e.days_left, day(e.not_after), e.names.join(", "),
              e.successor === null ? "NONE" : e.successor.slice(0, 16)]; }));
    table("t-cas", ["issuer", "issuances", "first", "last", "new"], D.cas.map(function (c) {
      return [c.issuer, c.count, day(c.first_seen), day(c.last_seen), c["new"] ? "NEW" : ""]; }));
    table("t-weak", ["certificate", "reason"], D.weak.map(function (w) {
      return [w.sha256.slice(0, 16), w.reason]; }));
    table("t-gaps", ["name", "from", "to", "days"], D.renewal_gaps.map(function (g) {
      return [g.name, day(g.from), day(g.to), g.days]; }));
    table("t-certs", ["sha256", "not before", "not after", "issuer", "key", "hosts", "names"],
          D.inventory.slice(0, 2000).map(function (c) {
      return [c.sha256.slice(0, 16) + (c.precert ? " (pre)" : ""), day(c.not_before),
              day(c.not_after), c.issuer_name, c.key, c.hosts.join(", "), c.names.join(", ")]; }));
  }

  function summary() {
    document.getElementById("subjects").textContent = D.subjects.join(", ");
    document.getElementById("asof").textContent = day(D.now);
    var s = document.getElementById("summary");
    var items = [["certificates", D.certificates], ["names", D.names.length],
                 ["CAs", D.cas.length], ["leaked internal", D.leaked_internal.length],
                 ["expiring \u2264 90 d", D.expiring.length], ["weak", D.weak.length]];
    for (var i = 0; i < items.length; i++) {
      var d = html("div", undefined, s);
      d.className = "card";
      html("b", items[i][1], d);
      html("span", items[i][0], d);
    }
  }

  summary();
  issuance();
  expiry();
  namesTree();
  tables();
  document.body.setAttribute("data-rendered", "1");
})();
