/* report: the graph of a pivot result, shared by the DOT, STIX and HTML writers.
 *
 * Nodes are the seeds, the leads (certificates, registrable domains, host names, IPs), the
 * seed certificates that paths start from, and the certificates the walk reached but did not
 * make leads (shared CDN / hosting certificates, confirm-only ones). Edges are the leads' paths
 * (`via`: from -> lead, with the shared attribute and value) and, for the suppressed
 * certificates, the step that reached them with the reason. Strings are borrowed from the
 * result, which must outlive the graph. */
#ifndef CH_REPORT_PIVOT_GRAPH_H
#define CH_REPORT_PIVOT_GRAPH_H

#include <certhound/pivot.h>
#include <certhound/report.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum pg_kind {
	PG_SEED = 0,  /* a seed's text (or a certificate file's label) */
	PG_CERT,      /* a certificate lead or a seed certificate */
	PG_DOMAIN,
	PG_NAME,
	PG_IP,
	PG_SHARED,    /* a certificate reached but not a lead (reason in `reason`) */
} pg_kind;

typedef struct pg_node {
	pg_kind kind;
	const char *value;          /* seed text, SHA-256 hex, domain, name or IP */
	const char *label;          /* a certificate's display name (may be NULL) */
	const char *reason;         /* PG_SHARED: why it is not a lead */
	const ch_pivot_lead *lead;  /* NULL for seeds, seed certificates and shared ones */
	const ch_pivot_seed *seed;  /* PG_SEED from the seed list (NULL for other labels) */
	double score;               /* 1 for seeds */
	int col, row;               /* HTML layout */
} pg_node;

typedef struct pg_edge {
	size_t from, to;
	const char *attr;           /* shared attribute, or the suppression reason */
	const char *value;
	uint64_t shared_by;
	double weight;
	bool suppressed;
} pg_edge;

typedef struct pg_graph {
	pg_node *nodes;
	size_t num_nodes, cap_nodes;
	pg_edge *edges;
	size_t num_edges, cap_edges;
	size_t *slots;              /* open addressing over nodes by (kind class, value) */
	size_t num_slots;
	size_t num_leads;           /* leads included (the strongest `max_leads`) */
} pg_graph;

/* ch_report__pivot_graph builds the graph of r with at most max_leads leads (strongest first;
 * 0 = all). Free with ch_report__pivot_graph_free. */
ch_err ch_report__pivot_graph(pg_graph *g, const ch_pivot_result *r, size_t max_leads) CH_WARN_UNUSED;
void ch_report__pivot_graph_free(pg_graph *g);

/* ch_report__pivot_layout assigns col/row to every node: seeds in column 0, certificates at
 * depth d in column 1+2d, their values in 2+2d, suppressed certificates beside what reached
 * them; rows by score. Returns the number of columns; *out_rows the tallest column. */
int ch_report__pivot_layout(pg_graph *g, int *out_rows);

/* ch_report__pivot_edge_text writes "spki 7207eb39... (8 certificates)" for an edge. */
void ch_report__pivot_edge_text(char *out, size_t cap, const pg_edge *e);

#endif
