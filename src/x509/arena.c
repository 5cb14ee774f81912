/* The x509 context's chunked arena. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#ifdef CH_ARENA_ASAN
#include <sanitizer/asan_interface.h>
#define REDZONE 16 /* under ASan each allocation is followed by poisoned bytes */
#else
#define ASAN_POISON_MEMORY_REGION(p, n) ((void)(p), (void)(n))
#define ASAN_UNPOISON_MEMORY_REGION(p, n) ((void)(p), (void)(n))
#define REDZONE 0
#endif

#define BLOCK_MIN 16384u

static ch_arena_block *new_block(ch_arena *a, size_t n)
{
	size_t cap = n > BLOCK_MIN ? n : BLOCK_MIN;
	ch_arena_block *b;

	if (a->total + cap > CH_ARENA_MAX)
		return NULL;
	b = malloc(sizeof *b + cap);
	if (!b)
		return NULL;
	b->cap = cap;
	b->used = 0;
	b->next = NULL;
	a->total += cap;
	return b;
}

void *ch_x509__alloc_slow(ch_arena *a, size_t n)
{
	ch_arena_block *b = a->head;
	unsigned char *p;
	size_t want = n;

	n = ((n + 15) & ~(size_t)15) + REDZONE;
	if (n == 0)
		n = 16;
	while (b && b->cap - b->used < n)
		b = b->next; /* reuse a later block kept from an earlier parse */
	if (!b) {
		b = new_block(a, n);
		if (!b)
			return NULL;
		/* append after head so that the kept list stays in order */
		if (a->head) {
			b->next = a->head->next;
			a->head->next = b;
		} else {
			a->blocks = b;
		}
	}
	a->head = b;
	p = b->mem + b->used;
	b->used += n;
	ASAN_POISON_MEMORY_REGION(p + want, n - want);
	return p;
}

void ch_x509__arena_reset(ch_arena *a)
{
	for (ch_arena_block *b = a->blocks; b; b = b->next) {
		b->used = 0;
		ASAN_UNPOISON_MEMORY_REGION(b->mem, b->cap);
	}
	a->head = a->blocks;
}

void ch_x509__arena_free(ch_arena *a)
{
	ch_arena_block *b = a->blocks;

	while (b) {
		ch_arena_block *n = b->next;
		ASAN_UNPOISON_MEMORY_REGION(b->mem, b->cap);
		free(b);
		b = n;
	}
	memset(a, 0, sizeof *a);
}

char *ch_x509__strndup(ch_arena *a, const char *s, size_t n)
{
	char *d = ch_x509__alloc(a, n + 1);

	if (!d)
		return NULL;
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}
