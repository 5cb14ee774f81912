/* certhound/pem.h — a streaming certificate reader over files, directories, stdin and memory.
 *
 * A ch_pem reader walks a queue of sources (paths, "-" for stdin, directories walked
 * recursively, open FILE*s or fds, memory buffers) and yields one item per certificate: either a
 * DER certificate with its position, or an error that names the file and line (PEM) or byte
 * offset (DER). Errors are per item; the stream goes on with the next block or file.
 *
 * Format detection is per file: a file whose first byte is 0x30 (SEQUENCE) and whose second byte
 * is not printable ASCII text is DER (one or several concatenated certificates); anything else is
 * read as PEM text. A leading UTF-8 byte-order mark is skipped.
 *
 * PEM: blocks "-----BEGIN CERTIFICATE-----", "X509 CERTIFICATE" and "TRUSTED CERTIFICATE" (for
 * the latter only the leading Certificate element is yielded; OpenSSL's trust data follows it).
 * The BEGIN/END lines must start at the beginning of a line. Text before, between and after
 * blocks is ignored, as are CR before LF, whitespace inside the base64, and RFC 1421 header lines
 * ("Proc-Type: ...") before the base64. Blocks of other types (keys, CRLs, CSRs...) are skipped
 * and counted in ch_pem_stats.other_blocks.
 *
 * Memory is bounded: input is read in 64 KiB chunks; one block may decode to at most
 * CH_CERT_MAX_DER bytes (a larger one is an error item, CH_ERR_LIMIT). Directory walks hold one
 * sorted name list per directory level. A reader is not shared between threads. */
#ifndef CERTHOUND_PEM_H
#define CERTHOUND_PEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <certhound/err.h>

typedef struct ch_pem ch_pem;

typedef enum ch_pem_format {
	CH_PEM_FMT_NONE = 0, /* an error not tied to a block (e.g. a file that cannot be opened) */
	CH_PEM_FMT_PEM,
	CH_PEM_FMT_DER,
} ch_pem_format;

/* One item: a certificate (err == CH_OK) or a per-item error. Every pointer is owned by the
 * reader and valid until the next ch_pem_next or ch_pem_free. */
typedef struct ch_pem_item {
	ch_err err;             /* CH_OK, or CH_ERR_PARSE / CH_ERR_LIMIT / CH_ERR_IO for this item */
	const char *message;    /* errors: "FILE:LINE: why" or "FILE: offset N: why"; "" for certs */
	const char *reason;     /* errors: the "why" part of message alone; "" for certs */
	const uint8_t *der;     /* the certificate's DER (NULL for errors) */
	size_t der_len;
	const char *file;       /* the path as given or found by the walk; "-" for stdin */
	size_t index;           /* 0-based position among the certificate blocks/elements of the file,
	                         * counting erroneous ones too */
	uint64_t offset;        /* byte offset where the block (BEGIN line) or DER element starts */
	uint64_t line;          /* 1-based line of the BEGIN line; 0 for DER */
	ch_pem_format format;
	const char *label;      /* PEM label of a certificate ("CERTIFICATE", "X509 CERTIFICATE",
	                         * "TRUSTED CERTIFICATE"), a static string; NULL for DER and errors */
} ch_pem_item;

/* Counters over everything read so far. */
typedef struct ch_pem_stats {
	uint64_t files;         /* files opened and read */
	uint64_t certificates;  /* items yielded with err == CH_OK */
	uint64_t errors;        /* error items yielded */
	uint64_t other_blocks;  /* PEM blocks of other types skipped (PRIVATE KEY, X509 CRL, ...) */
	uint64_t empty_files;   /* files found by a directory walk that hold no certificate */
	uint64_t loops;         /* directories skipped because they lead back to an ancestor */
	uint64_t special;       /* FIFOs, sockets, devices skipped during directory walks */
	uint64_t bytes;         /* bytes read from every source */
} ch_pem_stats;

/* ch_pem_new returns an empty reader in *out; add sources, then call ch_pem_next. */
ch_err ch_pem_new(ch_pem **out) CH_WARN_UNUSED;

/* ch_pem_free closes whatever the reader opened (never FILE*s or fds it was given); NULL is a
 * no-op. */
void ch_pem_free(ch_pem *r);

/* ch_pem_add_path queues a file, a directory (walked recursively, entries in byte order of their
 * names, symlinks followed but loops skipped, special files skipped) or "-" for standard input.
 * The path is copied. Nothing is opened yet: a missing file becomes an error item in turn. A
 * named file with no certificate in it is an error item; a walked one only counts in
 * stats.empty_files. */
ch_err ch_pem_add_path(ch_pem *r, const char *path) CH_WARN_UNUSED;

/* ch_pem_add_file queues an open stream, read to its end; `name` (copied) labels its items.
 * The caller keeps ownership of f and must keep it open until the reader has finished it. */
ch_err ch_pem_add_file(ch_pem *r, FILE *f, const char *name) CH_WARN_UNUSED;

/* ch_pem_add_fd is ch_pem_add_file for a file descriptor (not closed by the reader). */
ch_err ch_pem_add_fd(ch_pem *r, int fd, const char *name) CH_WARN_UNUSED;

/* ch_pem_add_mem queues a memory buffer (borrowed: it must outlive the reader's use of it). */
ch_err ch_pem_add_mem(ch_pem *r, const void *data, size_t len, const char *name) CH_WARN_UNUSED;

/* ch_pem_next fills *out with the next item and returns CH_OK; returns CH_ERR_EOF when every
 * source is exhausted. Per-item problems come back as items (out->err != CH_OK, also copied to
 * ch_error_last()); any other return value (CH_ERR_NOMEM) is fatal for the reader. */
ch_err ch_pem_next(ch_pem *r, ch_pem_item *out) CH_WARN_UNUSED;

/* ch_pem_get_stats copies the counters. */
void ch_pem_get_stats(const ch_pem *r, ch_pem_stats *out);

/* ch_pem_total_bytes returns the total size of every queued source that has a known size
 * (regular files, also inside directories, and memory buffers), for progress display against
 * stats.bytes. The first call walks the queued directories with stat() only; later calls return
 * the cached figure. Sources of unknown size (pipes, terminals) count as 0. */
uint64_t ch_pem_total_bytes(ch_pem *r);

#endif
