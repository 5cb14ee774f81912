/* report: what the STIX 2.1 writers share — the bundle frame, the certhound identity, and the
 * deterministic identifiers that make objects of different commands line up.
 *
 * Identifiers are UUIDv5. Observables (SCOs) use the STIX 2.1 namespace over their
 * ID-contributing properties (STIX 2.1 section 2.9), so the same domain gets the same id in
 * every tool. Every other object uses certhound's own namespace over what it states: an
 * indicator's id is derived from its pattern alone, so `pivot --format stix` and
 * `corroborate --format stix` name the same lead with the same indicator id, and a sighting
 * written by corroborate points at the indicator pivot wrote (docs/corroborate.md). */
#ifndef CH_REPORT_STIX_H
#define CH_REPORT_STIX_H

#include <certhound/hash.h>
#include <certhound/report.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CH_STIX_ID_MAX 96

/* What an observable stands for. */
typedef enum ch_stix_obs {
	CH_STIX_DOMAIN = 1,  /* domain-name (registrable domains and host names alike) */
	CH_STIX_IP,          /* ipv4-addr or ipv6-addr, from the text */
	CH_STIX_SHA256,      /* x509-certificate by hashes.'SHA-256' */
	CH_STIX_SHA1,        /* x509-certificate by hashes.'SHA-1' */
} ch_stix_obs;

/* One bundle being written. */
typedef struct ch_stix {
	ch_json j;
	ch_hash *h;
	char now[32];                    /* created/modified: RFC 3339 with milliseconds */
	char identity[CH_STIX_ID_MAX];   /* the certhound identity, created_by_ref of every SDO */
	ch_err err;
	uint64_t *seen;                  /* 64-bit hashes of the ids written (each object once) */
	size_t num_seen, cap_seen;
} ch_stix;

/* ch_report__stix_begin opens a bundle whose id is derived from `bundle_name`, writes the
 * certhound identity object and leaves the "objects" array open. `created` is the time every
 * SDO carries as created/modified. */
ch_err ch_report__stix_begin(ch_stix *s, ch_buf *out, int64_t created,
			     const char *bundle_name) CH_WARN_UNUSED;

/* ch_report__stix_end closes the bundle, adds the final newline and frees s; it returns the
 * first error met while writing. ch_report__stix_free frees s after a failure. */
ch_err ch_report__stix_end(ch_stix *s, ch_buf *out) CH_WARN_UNUSED;
void ch_report__stix_free(ch_stix *s);

/* ch_report__stix_first returns true the first time an id is offered (false after that, and
 * when out of memory, which is then s->err). */
bool ch_report__stix_first(ch_stix *s, const char *id);

/* ch_report__stix_id writes "TYPE--UUIDv5(certhound namespace, name)". */
void ch_report__stix_id(ch_stix *s, char out[CH_STIX_ID_MAX], const char *type, const char *name);

/* ch_report__stix_plain is true for text that can stand in a pattern or an SCO id without
 * escaping (host names, IP literals, hex); other values are left out of STIX. */
bool ch_report__stix_plain(const char *v);

/* The SCO type of an observable ("domain-name", "ipv4-addr", "ipv6-addr", "x509-certificate"),
 * its id, and the indicator pattern and id for it. */
const char *ch_report__stix_sco_type(ch_stix_obs k, const char *value);
void ch_report__stix_sco_id(ch_stix *s, char out[CH_STIX_ID_MAX], ch_stix_obs k, const char *value);
void ch_report__stix_pattern(char *out, size_t cap, ch_stix_obs k, const char *value);
void ch_report__stix_indicator_id(ch_stix *s, char out[CH_STIX_ID_MAX], ch_stix_obs k,
				  const char *value);

/* ch_report__stix_sco writes the observable (type, id, value or hashes) once per bundle; `more`
 * (may be NULL) adds properties inside the object before it is closed. */
void ch_report__stix_sco(ch_stix *s, ch_stix_obs k, const char *value,
			 void (*more)(ch_stix *s, const void *arg), const void *arg);

/* ch_report__stix_common writes type, spec_version and id; ch_report__stix_sdo adds
 * created_by_ref, created and modified. The caller has opened the object. */
void ch_report__stix_common(ch_stix *s, const char *type, const char *id);
void ch_report__stix_sdo(ch_stix *s, const char *type, const char *id);

/* ch_report__stix_indicator_head writes an indicator's SDO properties, name, description
 * (NULL: none), indicator_types and pattern for the observable (k, value); the caller has opened
 * the object and adds valid_from and the rest. ch_report__stix_based_on writes the `based-on`
 * relationship from the indicator to that observable. */
void ch_report__stix_indicator_head(ch_stix *s, const char *id, const char *name,
				    const char *description, ch_stix_obs k, const char *value);
void ch_report__stix_based_on(ch_stix *s, const char *indicator_id, ch_stix_obs k, const char *value);

/* ch_report__stix_ms writes an RFC 3339 timestamp with milliseconds ("...T..:..:...000Z"). */
void ch_report__stix_ms(char out[32], int64_t t);

#endif
