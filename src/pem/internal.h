/* pem module internals: the reader's state, shared by reader.c (sources and the item loop),
 * text.c (the PEM line machine), frame.c (DER framing) and walk.c (directory walks). */
#ifndef CH_PEM_INTERNAL_H
#define CH_PEM_INTERNAL_H

#include <certhound/buf.h>
#include <certhound/pem.h>
#include <certhound/x509.h>

#include <sys/types.h>

#define PEM_CHUNK 65536u                 /* bytes read per read() */
#define PEM_HEAD_MAX 256u                /* bytes of a line kept to classify it */
#define PEM_LABEL_MAX 64u                /* longest PEM label accepted */
#define PEM_B64_MAX (4u * ((CH_CERT_MAX_DER + 2u) / 3u) + 4u) /* base64 chars in one block */
#define PEM_DIR_DEPTH_MAX 256u           /* nested directories in a walk */
#define PEM_MSG_MAX 512u                 /* one block's error message */

typedef enum pem_src_kind {
	PEM_SRC_PATH,
	PEM_SRC_FILE,
	PEM_SRC_FD,
	PEM_SRC_MEM,
} pem_src_kind;

/* A queued source, as the caller added it. */
typedef struct pem_src {
	pem_src_kind kind;
	char *name;
	FILE *f;
	int fd;
	const uint8_t *mem;
	size_t mem_len;
} pem_src;

/* One level of a directory walk: the sorted entries of one directory. */
typedef struct pem_dir {
	char *path;
	char **names;
	size_t num_names;
	size_t pos;
	dev_t dev;
	ino_t ino;
} pem_dir;

enum { PEM_LINE_HEAD, PEM_LINE_B64, PEM_LINE_SKIP };
enum { PEM_BLOCK_NONE, PEM_BLOCK_CERT, PEM_BLOCK_OTHER };
enum { PEM_DER_HDR, PEM_DER_BODY, PEM_DER_SKIP, PEM_DER_TRAIL };

/* The PEM line machine's state for the current file. */
typedef struct pem_text {
	char head[PEM_HEAD_MAX];
	size_t head_len;
	int line_mode;
	uint64_t line_no;       /* 1-based number of the current line */
	uint64_t line_off;      /* offset of the current line's first byte */
	int block;
	char label[PEM_LABEL_MAX + 1];
	const char *cert_label; /* static string for certificate blocks */
	bool trusted;
	uint64_t blk_line, blk_off;
	size_t blk_index;
	bool has_data, in_headers, over;
	ch_err blk_err;
	char blk_msg[PEM_MSG_MAX];
} pem_text;

/* The DER framer's state for the current file. */
typedef struct pem_frame {
	int state;
	uint8_t hdr[6];
	size_t hdr_len, hdr_need;
	size_t body_need;
	uint64_t skip_left;
	uint64_t elem_off;
	size_t elem_index;
} pem_frame;

/* The file being read. */
typedef struct pem_in {
	bool open;
	bool walked;            /* found by a directory walk */
	int fd;                 /* -1 when reading FILE* or memory */
	bool own_fd;
	FILE *f;
	const uint8_t *mem;
	size_t mem_len;
	const uint8_t *chunk;
	size_t chunk_len, pos;
	uint64_t base;          /* file offset of chunk[0] */
	bool eof;
	bool started;           /* format decided */
	ch_pem_format fmt;
	size_t num_certs;       /* certificate blocks/elements seen: the next index */
	int fin_stage;          /* end-of-file steps done */
	pem_text text;
	pem_frame frame;
} pem_in;

struct ch_pem {
	pem_src *srcs;
	size_t num_srcs, next_src;
	pem_dir *dirs;          /* the walk stack */
	size_t num_dirs, cap_dirs;
	pem_in in;
	char *name;             /* the current file's name, owned; items point into it */
	uint8_t *chunkbuf;      /* PEM_CHUNK bytes */
	ch_buf b64;             /* base64 text of the current block (whitespace removed) */
	ch_buf der;             /* the DER of the current item */
	ch_buf msg;             /* the current item's error message */
	ch_pem_stats stats;
	bool total_known;
	uint64_t total;
};

/* ch_pem__error fills *out with an error item for the current file and copies the message to
 * ch_error_last(). `line` 0 means "use the offset". Returns 1 (an item was produced) or a
 * negative ch_err on allocation failure. */
int ch_pem__error(ch_pem *r, ch_pem_item *out, ch_err code, ch_pem_format fmt, size_t index,
		  uint64_t offset, uint64_t line, const char *fmt_msg, ...) CH_PRINTF(8, 9);

/* ch_pem__cert fills *out with the certificate now in r->der (length der_len). Returns 1. */
int ch_pem__cert(ch_pem *r, ch_pem_item *out, ch_pem_format fmt, size_t index, uint64_t offset,
		 uint64_t line, const char *label, size_t der_len);

/* Text (PEM) machine: feed consumes r->in.chunk from pos and returns 1 when an item is ready,
 * 0 when the chunk is used up, <0 on a fatal error. finish runs the end-of-file steps, one item
 * per call (1), or 0 when the file is done. */
void ch_pem__text_reset(pem_text *t);
int ch_pem__text_feed(ch_pem *r, ch_pem_item *out);
int ch_pem__text_finish(ch_pem *r, ch_pem_item *out);

/* DER framer: the same contract as the text machine. */
void ch_pem__frame_reset(pem_frame *f);
int ch_pem__frame_feed(ch_pem *r, ch_pem_item *out);
int ch_pem__frame_finish(ch_pem *r, ch_pem_item *out);

/* ch_pem__der_header reads a DER SEQUENCE header at p[0..n): on success stores the header
 * length and the content length and returns true (definite lengths up to 4 octets only). */
bool ch_pem__der_header(const uint8_t *p, size_t n, size_t *out_hdr, uint64_t *out_len);

/* Walk: ch_pem__walk_push starts walking a directory (st describes it); returns 1 with an error
 * item when it cannot be read, 0 when pushed or skipped, <0 on fatal errors.
 * ch_pem__walk_next opens the next regular file of the walk into r->in: returns 1 with an
 * error item, 0 with r->in.open set, 2 when the walk is finished, <0 fatal. */
int ch_pem__walk_push(ch_pem *r, ch_pem_item *out, const char *path, const void *st);
int ch_pem__walk_next(ch_pem *r, ch_pem_item *out);
void ch_pem__walk_clear(ch_pem *r);
uint64_t ch_pem__walk_size(const char *path);

/* ch_pem__open_path opens a regular file (or "-") as the current input; returns 1 with an error
 * item when it cannot be opened, 0 on success, <0 fatal. */
int ch_pem__open_path(ch_pem *r, ch_pem_item *out, const char *path, bool walked);

/* ch_pem__set_name replaces the current file name. */
ch_err ch_pem__set_name(ch_pem *r, const char *name);

#endif
