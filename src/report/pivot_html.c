/* report: a pivot result as one self-contained HTML page — the graph as inline SVG (a layered
 * layout: seeds, then certificates and their values depth by depth), the ranked leads with
 * their paths, the suppressed values with their reasons and the bounds hit — with a few lines
 * of inline JavaScript (click a node to highlight its paths and row, filter the table). No
 * external file, font or script is referenced: the page works offline and can be attached to
 * a case. */
#include "pivot_graph.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HTML_MAX_GRAPH_LEADS 200 /* the graph shows the strongest; the table lists every lead */
#define COL_W 270
#define BOX_W 232
#define ROW_H 26
#define BOX_H 20

/* esc appends text made terminal-safe and HTML-escaped (also for attribute values). */
static ch_err esc(ch_buf *b, const char *s)
{
	ch_buf tmp;
	ch_err err = CH_OK;

	ch_buf_init(&tmp, 1u << 20);
	CH_TRY(ch_report_text_safe(&tmp, s ? s : "", s ? strlen(s) : 0, NULL));
	for (size_t i = 0; i < tmp.len; i++) {
		char c = tmp.data[i];
		const char *e = c == '&' ? "&amp;" : c == '<' ? "&lt;" : c == '>' ? "&gt;" :
				c == '"' ? "&quot;" : c == '\'' ? "&#39;" : NULL;
		CH_TRY(e ? ch_buf_puts(b, e) : ch_buf_putc(b, c));
	}
out:
	ch_buf_free(&tmp);
	return err;
}

static const char *const CSS =
	"body{font-family:system-ui,-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;margin:1.5em;"
	"color:#222}\n"
	"h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em}\n"
	"table{border-collapse:collapse;font-size:.85em}td,th{border-bottom:1px solid #ddd;"
	"padding:3px 8px;text-align:left;vertical-align:top}\n"
	"th{background:#f3f3f3}tr.hi td{background:#fff3bf}\n"
	"code{font-size:.95em}.muted{color:#777}.score{font-variant-numeric:tabular-nums}\n"
	"#graph{overflow:auto;border:1px solid #ddd;max-height:75vh}\n"
	"svg text{font-size:11px;font-family:inherit}\n"
	".node rect{stroke:#555;stroke-width:.8}.node{cursor:pointer}\n"
	".k0 rect{fill:#ffd166}.k1 rect{fill:#cfe2ff}.k2 rect{fill:#b7e4c7}.k3 rect{fill:#e9f5db}"
	".k4 rect{fill:#ffd8a8}.k5 rect{fill:#eee;stroke-dasharray:3 2}.k5 text{fill:#666}\n"
	".edge path{fill:none;stroke:#888;opacity:.6}.edge.sup path{stroke-dasharray:4 3;"
	"stroke:#bbb}.edge.hi path{stroke:#d9480f;opacity:1;stroke-width:2.5}\n"
	"input{font-size:1em;padding:3px 6px;margin:.4em 0}\n";

static const char *const JS =
	"document.querySelectorAll('.node').forEach(function(n){n.addEventListener('click',"
	"function(){var id=n.id;document.querySelectorAll('.edge').forEach(function(e){"
	"e.classList.toggle('hi',e.getAttribute('data-from')===id||e.getAttribute('data-to')===id);});"
	"document.querySelectorAll('tr[data-node]').forEach(function(r){"
	"r.classList.toggle('hi',r.getAttribute('data-node')===id);});});});\n"
	"document.getElementById('filter').addEventListener('input',function(ev){"
	"var q=ev.target.value.toLowerCase();document.querySelectorAll('#leads tbody tr')"
	".forEach(function(r){r.style.display=r.textContent.toLowerCase().indexOf(q)>=0?'':'none';});});\n";

static const char *const KIND_NAME[] = {"seed", "certificate", "domain", "host name", "IP",
					"not followed"};

/* short text for a node box */
static void box_text(char *out, size_t cap, const pg_node *n)
{
	if (n->kind == PG_CERT || n->kind == PG_SHARED)
		snprintf(out, cap, "%.10s\xe2\x80\xa6 %.21s", n->value,
			 n->kind == PG_SHARED ? n->reason : n->label ? n->label : "seed certificate");
	else if (strlen(n->value) > 34)
		snprintf(out, cap, "%.33s\xe2\x80\xa6", n->value);
	else
		snprintf(out, cap, "%s", n->value);
}

static ch_err svg(ch_buf *b, pg_graph *g)
{
	int rows, cols = ch_report__pivot_layout(g, &rows);
	char text[600];
	ch_err err = CH_OK;

	CH_TRY(ch_buf_printf(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
			     "role=\"img\" aria-label=\"pivot graph\">\n",
			     cols * COL_W + 20, rows * ROW_H + 20));
	for (size_t i = 0; i < g->num_edges; i++) {
		const pg_edge *e = &g->edges[i];
		const pg_node *f = &g->nodes[e->from], *t = &g->nodes[e->to];
		int x1 = 10 + f->col * COL_W + BOX_W, y1 = 10 + f->row * ROW_H + BOX_H / 2;
		int x2 = 10 + t->col * COL_W, y2 = 10 + t->row * ROW_H + BOX_H / 2;
		int mid = (COL_W - BOX_W) / 2 + 10;
		CH_TRY(ch_buf_printf(b, "<g class=\"edge%s\" data-from=\"n%zu\" data-to=\"n%zu\"><path d=\"M%d %d "
				     "C%d %d %d %d %d %d\" stroke-width=\"%.2f\"/><title>",
				     e->suppressed ? " sup" : "", e->from, e->to, x1, y1, x1 + mid, y1,
				     x2 - mid, y2, x2, y2, e->suppressed ? 1.0 : 0.6 + 2.4 * e->weight));
		ch_report__pivot_edge_text(text, sizeof text, e);
		CH_TRY(esc(b, text));
		CH_TRY(ch_buf_puts(b, "</title></g>\n"));
	}
	for (size_t i = 0; i < g->num_nodes; i++) {
		const pg_node *n = &g->nodes[i];
		int x = 10 + n->col * COL_W, y = 10 + n->row * ROW_H;
		CH_TRY(ch_buf_printf(b, "<g class=\"node k%d\" id=\"n%zu\"><rect x=\"%d\" y=\"%d\" width=\"%d\" "
				     "height=\"%d\" rx=\"4\"/><text x=\"%d\" y=\"%d\">", (int)n->kind, i, x, y,
				     BOX_W, BOX_H, x + 5, y + 14));
		box_text(text, sizeof text, n);
		CH_TRY(esc(b, text));
		CH_TRY(ch_buf_puts(b, "</text><title>"));
		CH_TRY(ch_buf_printf(b, "%s ", KIND_NAME[n->kind]));
		CH_TRY(esc(b, n->value));
		if (n->lead)
			CH_TRY(ch_buf_printf(b, " (score %.3f, depth %u)", n->score, n->lead->depth));
		if (n->kind == PG_SHARED) {
			CH_TRY(ch_buf_puts(b, ": "));
			CH_TRY(esc(b, n->label));
		}
		CH_TRY(ch_buf_puts(b, "</title></g>\n"));
	}
	CH_TRY(ch_buf_puts(b, "</svg>\n"));
out:
	return err;
}

static ch_err time_cell(ch_buf *b, int64_t t)
{
	char tmp[21];

	if (!t)
		return ch_buf_puts(b, "<td class=\"muted\">-</td>");
	ch_time_format(tmp, t);
	return ch_buf_printf(b, "<td>%.10s</td>", tmp);
}

static ch_err leads_table(ch_buf *b, const ch_pivot_result *r, const pg_graph *g)
{
	size_t *node_of = calloc(r->num_leads + 1, sizeof *node_of);
	ch_err err = CH_OK;
	char text[600];

	if (!node_of)
		return ch_error_set(CH_ERR_NOMEM, "out of memory");
	for (size_t n = 0; n < g->num_nodes; n++)
		if (g->nodes[n].lead)
			node_of[g->nodes[n].lead - r->leads] = n + 1;

	CH_TRY(ch_buf_printf(b, "<h2>Leads (%zu)</h2>\n<input id=\"filter\" type=\"search\" "
			     "placeholder=\"filter leads\" aria-label=\"filter leads\">\n"
			     "<table id=\"leads\"><thead><tr><th>score</th><th>depth</th><th>kind</th>"
			     "<th>lead</th><th>first seen</th><th>last seen</th><th>why</th></tr></thead>"
			     "<tbody>\n", r->num_leads));
	for (size_t i = 0; i < r->num_leads; i++) {
		const ch_pivot_lead *l = &r->leads[i];
		CH_TRY(node_of[i] ? ch_buf_printf(b, "<tr data-node=\"n%zu\">", node_of[i] - 1)
				  : ch_buf_puts(b, "<tr>"));
		CH_TRY(ch_buf_printf(b, "<td class=\"score\">%.3f</td><td>%u</td><td>%s</td><td><code>",
				     l->score, l->depth, ch_pivot_kind_name(l->kind)));
		CH_TRY(esc(b, l->value));
		CH_TRY(ch_buf_puts(b, "</code>"));
		if (l->cert_name) {
			CH_TRY(ch_buf_puts(b, "<br><span class=\"muted\">"));
			CH_TRY(esc(b, l->cert_name));
			CH_TRY(ch_buf_puts(b, "</span>"));
		}
		CH_TRY(ch_buf_puts(b, "</td>"));
		CH_TRY(time_cell(b, l->first_seen));
		CH_TRY(time_cell(b, l->last_seen));
		CH_TRY(ch_buf_puts(b, "<td>"));
		for (size_t k = 0; k < l->num_via && k < 3; k++) {
			const ch_pivot_via *v = &l->via[k];
			pg_edge e = {0, 0, v->attribute, v->value, v->shared_by, v->weight, false};
			ch_report__pivot_edge_text(text, sizeof text, &e);
			CH_TRY(ch_buf_puts(b, k ? "<br>" : ""));
			CH_TRY(esc(b, text));
			CH_TRY(ch_buf_puts(b, " <span class=\"muted\">from "));
			CH_TRY(esc(b, v->from));
			CH_TRY(ch_buf_printf(b, " (%.3f)</span>", v->weight));
		}
		if (l->num_via > 3)
			CH_TRY(ch_buf_printf(b, "<br><span class=\"muted\">+%zu more</span>", l->num_via - 3));
		CH_TRY(ch_buf_puts(b, "</td></tr>\n"));
	}
	CH_TRY(ch_buf_puts(b, "</tbody></table>\n"));
out:
	free(node_of);
	return err;
}

static ch_err rest(ch_buf *b, const ch_pivot_result *r)
{
	ch_err err = CH_OK;

	CH_TRY(ch_buf_printf(b, "<h2>Not followed (%zu)</h2>\n<p class=\"muted\">Values shared by "
			     "unrelated certificates (CDNs, shared hosting, managed certificates, "
			     "high-volume CAs, tool defaults) or too common to link anything.</p>\n"
			     "<table id=\"suppressed\"><thead><tr><th>reason</th><th>attribute</th>"
			     "<th>value</th><th>shared by</th><th>detail</th></tr></thead><tbody>\n",
			     r->num_suppressed));
	for (size_t i = 0; i < r->num_suppressed; i++) {
		const ch_pivot_suppressed *s = &r->suppressed[i];
		CH_TRY(ch_buf_puts(b, "<tr><td>"));
		CH_TRY(esc(b, s->reason));
		CH_TRY(ch_buf_puts(b, "</td><td>"));
		CH_TRY(esc(b, s->attribute));
		CH_TRY(ch_buf_puts(b, "</td><td><code>"));
		CH_TRY(esc(b, s->value));
		CH_TRY(ch_buf_printf(b, "</code></td><td>%llu</td><td>", (unsigned long long)s->shared_by));
		CH_TRY(esc(b, s->detail));
		CH_TRY(ch_buf_puts(b, "</td></tr>\n"));
	}
	CH_TRY(ch_buf_puts(b, "</tbody></table>\n"));
	CH_TRY(ch_buf_printf(b, "<h2>Bounds hit (%zu)</h2>\n<ul>\n", r->num_bounds_hit));
	for (size_t i = 0; i < r->num_bounds_hit; i++) {
		CH_TRY(ch_buf_puts(b, "<li><b>"));
		CH_TRY(esc(b, r->bounds_hit[i].bound));
		CH_TRY(ch_buf_puts(b, "</b>: "));
		CH_TRY(esc(b, r->bounds_hit[i].detail));
		CH_TRY(ch_buf_puts(b, "</li>\n"));
	}
	CH_TRY(ch_buf_puts(b, "</ul>\n"));
out:
	return err;
}

ch_err ch_report_pivot_html(ch_buf *b, const ch_pivot_result *r, int64_t created)
{
	pg_graph g;
	char when[21];
	ch_err err;

	if ((err = ch_report__pivot_graph(&g, r, HTML_MAX_GRAPH_LEADS)) != CH_OK)
		return err;
	ch_time_format(when, created);
	CH_TRY(ch_buf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
			   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
			   "<title>certhound pivot</title>\n<style>\n"));
	CH_TRY(ch_buf_puts(b, CSS));
	CH_TRY(ch_buf_puts(b, "</style>\n</head>\n<body>\n<h1>certhound pivot</h1>\n<p>Seeds:</p>\n<ul>\n"));
	for (size_t i = 0; i < r->num_seeds; i++) {
		const ch_pivot_seed *s = &r->seeds[i];
		CH_TRY(ch_buf_puts(b, "<li><code>"));
		CH_TRY(esc(b, s->text));
		CH_TRY(ch_buf_puts(b, "</code> <span class=\"muted\">("));
		CH_TRY(esc(b, s->kind));
		CH_TRY(ch_buf_printf(b, ", %llu certificate%s", (unsigned long long)s->certs,
				     s->certs == 1 ? "" : "s"));
		if (s->error) {
			CH_TRY(ch_buf_puts(b, ": "));
			CH_TRY(esc(b, s->error));
		}
		CH_TRY(ch_buf_puts(b, ")</span></li>\n"));
	}
	CH_TRY(ch_buf_printf(b, "</ul>\n<p class=\"muted\">%zu leads, %zu values not followed, %llu "
			     "certificates visited, %llu values followed; made %s. Leads are leads, not "
			     "verdicts: each says which shared value reached it and how many certificates "
			     "share that value.</p>\n", r->num_leads, r->num_suppressed,
			     (unsigned long long)r->certs_visited, (unsigned long long)r->values_followed,
			     when));
	CH_TRY(ch_buf_printf(b, "<h2>Graph</h2>\n<p class=\"muted\">%s Click a node to highlight its "
			     "paths; hover for details.</p>\n<div id=\"graph\">\n",
			     g.num_leads < r->num_leads ? "The strongest leads only." : ""));
	CH_TRY(svg(b, &g));
	CH_TRY(ch_buf_puts(b, "</div>\n"));
	CH_TRY(leads_table(b, r, &g));
	CH_TRY(rest(b, r));
	CH_TRY(ch_buf_puts(b, "<script>\n"));
	CH_TRY(ch_buf_puts(b, JS));
	CH_TRY(ch_buf_puts(b, "</script>\n</body>\n</html>\n"));
out:
	ch_report__pivot_graph_free(&g);
	return err;
}
