/* Recursive directory walks. Each level holds its entries sorted by byte order of the names, so
 * the walk order is the same on every machine and locale. Symbolic links are followed, but a
 * directory that is already on the current path (a loop) is skipped and counted. */
#include "internal.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_names(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* list_dir reads and sorts a directory's entry names. Returns 0, or an errno value. */
static int list_dir(const char *path, char ***out_names, size_t *out_num)
{
	DIR *d = opendir(path);
	struct dirent *e;
	char **names = NULL, **n;
	size_t num = 0, cap = 0;
	int rc = 0;

	*out_names = NULL;
	*out_num = 0;
	if (!d)
		return errno;
	while ((errno = 0, e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (num == cap) {
			cap = cap ? cap * 2 : 16;
			n = realloc(names, cap * sizeof *names);
			if (!n) {
				rc = ENOMEM;
				goto out;
			}
			names = n;
		}
		names[num] = strdup(e->d_name);
		if (!names[num]) {
			rc = ENOMEM;
			goto out;
		}
		num++;
	}
	rc = errno;
out:
	closedir(d);
	if (rc) {
		free_names(names, num);
		return rc;
	}
	if (num)
		qsort(names, num, sizeof *names, cmp_names);
	*out_names = names;
	*out_num = num;
	return 0;
}

static char *join(const char *dir, const char *name)
{
	size_t a = strlen(dir), b = strlen(name);
	char *p = malloc(a + b + 2);

	if (!p)
		return NULL;
	memcpy(p, dir, a);
	if (a == 0 || dir[a - 1] != '/')
		p[a++] = '/';
	memcpy(p + a, name, b + 1);
	return p;
}

int ch_pem__walk_push(ch_pem *r, ch_pem_item *out, const char *path, const void *stp)
{
	const struct stat *st = stp;
	pem_dir *d;
	int rc;

	for (size_t i = 0; i < r->num_dirs; i++) {
		if (r->dirs[i].dev == st->st_dev && r->dirs[i].ino == st->st_ino) {
			r->stats.loops++;
			return 0;
		}
	}
	if (r->num_dirs >= PEM_DIR_DEPTH_MAX)
		return ch_pem__error(r, out, CH_ERR_LIMIT, CH_PEM_FMT_NONE, 0, 0, 0,
				     "directories nested more than %u deep; not entered",
				     PEM_DIR_DEPTH_MAX);
	if (r->num_dirs == r->cap_dirs) {
		size_t cap = r->cap_dirs ? r->cap_dirs * 2 : 8;
		pem_dir *n = realloc(r->dirs, cap * sizeof *n);
		if (!n)
			return ch_error_set(CH_ERR_NOMEM, "out of memory walking %s", path);
		r->dirs = n;
		r->cap_dirs = cap;
	}
	d = &r->dirs[r->num_dirs];
	memset(d, 0, sizeof *d);
	rc = list_dir(path, &d->names, &d->num_names);
	if (rc == ENOMEM)
		return ch_error_set(CH_ERR_NOMEM, "out of memory listing %s", path);
	if (rc)
		return ch_pem__error(r, out, CH_ERR_IO, CH_PEM_FMT_NONE, 0, 0, 0,
				     "cannot read directory: %s", strerror(rc));
	d->path = strdup(path);
	if (!d->path) {
		free_names(d->names, d->num_names);
		return ch_error_set(CH_ERR_NOMEM, "out of memory walking %s", path);
	}
	d->dev = st->st_dev;
	d->ino = st->st_ino;
	r->num_dirs++;
	return 0;
}

static void pop_dir(ch_pem *r)
{
	pem_dir *d = &r->dirs[--r->num_dirs];

	free_names(d->names, d->num_names);
	free(d->path);
}

void ch_pem__walk_clear(ch_pem *r)
{
	while (r->num_dirs)
		pop_dir(r);
}

/* entry handles one walked path: a file is opened, a directory pushed, the rest counted. */
static int entry(ch_pem *r, ch_pem_item *out, const char *path)
{
	struct stat st, lst;

	if (ch_pem__set_name(r, path) != CH_OK)
		return CH_ERR_NOMEM;
	if (stat(path, &st) != 0) {
		int e = errno;
		if (lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode))
			return ch_pem__error(r, out, CH_ERR_IO, CH_PEM_FMT_NONE, 0, 0, 0,
					     "broken symbolic link: %s", strerror(e));
		return ch_pem__error(r, out, CH_ERR_IO, CH_PEM_FMT_NONE, 0, 0, 0, "cannot stat: %s",
				     strerror(e));
	}
	if (S_ISDIR(st.st_mode))
		return ch_pem__walk_push(r, out, path, &st);
	if (!S_ISREG(st.st_mode)) {
		r->stats.special++;
		return 0;
	}
	return ch_pem__open_path(r, out, path, true);
}

int ch_pem__walk_next(ch_pem *r, ch_pem_item *out)
{
	while (r->num_dirs) {
		pem_dir *d = &r->dirs[r->num_dirs - 1];
		char *path;
		int got;

		if (d->pos >= d->num_names) {
			pop_dir(r);
			continue;
		}
		path = join(d->path, d->names[d->pos++]);
		if (!path)
			return ch_error_set(CH_ERR_NOMEM, "out of memory walking %s", d->path);
		got = entry(r, out, path);
		free(path);
		if (got != 0 || r->in.open)
			return got;
	}
	return 2;
}

/* size_rec adds the sizes of the regular files under path; `chain` holds the directories on the
 * current path for loop detection. */
struct chain {
	dev_t dev;
	ino_t ino;
	const struct chain *up;
	unsigned depth;
};

static uint64_t size_rec(const char *path, const struct chain *up)
{
	struct stat st;
	struct chain me;
	char **names;
	size_t num;
	uint64_t total = 0;

	if (stat(path, &st) != 0)
		return 0;
	if (S_ISREG(st.st_mode))
		return (uint64_t)st.st_size;
	if (!S_ISDIR(st.st_mode))
		return 0;
	for (const struct chain *c = up; c; c = c->up)
		if (c->dev == st.st_dev && c->ino == st.st_ino)
			return 0;
	me.dev = st.st_dev;
	me.ino = st.st_ino;
	me.up = up;
	me.depth = up ? up->depth + 1 : 0;
	if (me.depth >= PEM_DIR_DEPTH_MAX || list_dir(path, &names, &num) != 0)
		return 0;
	for (size_t i = 0; i < num; i++) {
		char *p = join(path, names[i]);
		if (p)
			total += size_rec(p, &me);
		free(p);
	}
	free_names(names, num);
	return total;
}

uint64_t ch_pem__walk_size(const char *path)
{
	return size_rec(path, NULL);
}
