/* report: a pivot result as a GraphViz DOT digraph (seeds -> certificates -> values), for
 * `dot -Tsvg` and any other GraphViz layout. */
#include "pivot_graph.h"

#include <stdio.h>
#include <string.h>

/* dot_str appends a DOT double-quoted string: each line of s made terminal-safe, lines
 * joined with DOT's \n, '"' and '\' escaped. */
static ch_err dot_str(ch_buf *b, const char *s)
{
	ch_buf tmp;
	ch_err err = CH_OK;

	ch_buf_init(&tmp, 1u << 16);
	for (const char *p = s ? s : ""; !err;) {
		size_t n = strcspn(p, "\n");
		err = ch_report_text_safe(&tmp, p, n, NULL);
		if (!p[n])
			break;
		if (!err)
			err = ch_buf_putc(&tmp, '\n');
		p += n + 1;
	}
	CH_TRY(err);
	CH_TRY(ch_buf_putc(b, '"'));
	for (size_t i = 0; i < tmp.len; i++) {
		char c = tmp.data[i];
		if (c == '\n') {
			CH_TRY(ch_buf_puts(b, "\\n"));
			continue;
		}
		if (c == '"' || c == '\\')
			CH_TRY(ch_buf_putc(b, '\\'));
		CH_TRY(ch_buf_putc(b, c));
	}
	CH_TRY(ch_buf_putc(b, '"'));
out:
	ch_buf_free(&tmp);
	return err;
}

static const char *const STYLE[] = {
	[PG_SEED] = "shape=doubleoctagon, style=filled, fillcolor=\"#ffd166\"",
	[PG_CERT] = "shape=box, style=\"rounded,filled\", fillcolor=\"#cfe2ff\"",
	[PG_DOMAIN] = "shape=ellipse, style=filled, fillcolor=\"#b7e4c7\"",
	[PG_NAME] = "shape=ellipse, style=filled, fillcolor=\"#e9f5db\"",
	[PG_IP] = "shape=hexagon, style=filled, fillcolor=\"#ffd8a8\"",
	[PG_SHARED] = "shape=box, style=\"dashed,filled\", fillcolor=\"#eeeeee\", fontcolor=\"#666666\"",
};

static ch_err node_label(ch_buf *b, const pg_node *n)
{
	char text[600];
	const char *v = n->value;

	if (n->kind == PG_CERT || n->kind == PG_SHARED) {
		if (n->kind == PG_SHARED)
			snprintf(text, sizeof text, "%.16s\xe2\x80\xa6\nnot followed: %s", v, n->reason);
		else if (n->lead)
			snprintf(text, sizeof text, "%.16s\xe2\x80\xa6\n%.60s\n%.3f", v,
				 n->label ? n->label : "", n->score);
		else
			snprintf(text, sizeof text, "%.16s\xe2\x80\xa6\nseed certificate", v);
	} else if (n->lead) {
		snprintf(text, sizeof text, "%.200s\n%.3f", v, n->score);
	} else {
		snprintf(text, sizeof text, "%.200s", v);
	}
	return dot_str(b, text);
}

ch_err ch_report_pivot_dot(ch_buf *b, const ch_pivot_result *r)
{
	pg_graph g;
	char text[400];
	ch_err err;

	if ((err = ch_report__pivot_graph(&g, r, 0)) != CH_OK)
		return err;
	CH_TRY(ch_buf_puts(b, "digraph certhound_pivot {\n"
			   "  graph [rankdir=LR, fontname=\"Helvetica\", fontsize=10, nodesep=0.15];\n"
			   "  node [fontname=\"Helvetica\", fontsize=9];\n"
			   "  edge [fontname=\"Helvetica\", fontsize=8, color=\"#555555\"];\n"));
	for (size_t i = 0; i < g.num_nodes; i++) {
		const pg_node *n = &g.nodes[i];
		CH_TRY(ch_buf_printf(b, "  n%zu [label=", i));
		CH_TRY(node_label(b, n));
		CH_TRY(ch_buf_printf(b, ", tooltip="));
		CH_TRY(dot_str(b, n->value));
		CH_TRY(ch_buf_printf(b, ", %s];\n", STYLE[n->kind]));
	}
	for (size_t i = 0; i < g.num_edges; i++) {
		const pg_edge *e = &g.edges[i];
		ch_report__pivot_edge_text(text, sizeof text, e);
		CH_TRY(ch_buf_printf(b, "  n%zu -> n%zu [label=", e->from, e->to));
		CH_TRY(dot_str(b, text));
		if (e->suppressed)
			CH_TRY(ch_buf_puts(b, ", style=dashed, color=\"#999999\"];\n"));
		else
			CH_TRY(ch_buf_printf(b, ", penwidth=%.2f];\n", 0.5 + 2.5 * e->weight));
	}
	CH_TRY(ch_buf_puts(b, "}\n"));
out:
	ch_report__pivot_graph_free(&g);
	return err;
}
