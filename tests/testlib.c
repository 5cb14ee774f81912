#include "testlib.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

int ch_test_failures;
int ch_test_checks;

int ch_test_done(const char *name)
{
	if (ch_test_failures) {
		fprintf(stderr, "%s: %d of %d checks failed\n", name, ch_test_failures, ch_test_checks);
		return 1;
	}
	printf("%s: all %d checks passed\n", name, ch_test_checks);
	return 0;
}

int ch_test_skip(const char *why)
{
	printf("SKIP: %s\n", why);
	return 77;
}

static const char *env_or(const char *name, const char *dflt)
{
	const char *v = getenv(name);
	return v && *v ? v : dflt;
}

const char *ch_test_source_dir(void)
{
	return env_or("CH_SOURCE_DIR", ".");
}

const char *ch_test_build_dir(void)
{
	return env_or("CH_BUILD_DIR", ".");
}

const char *ch_test_cli(void)
{
	return env_or("CH_CLI", "certhound");
}

const char *ch_test_shared_dir(void)
{
	static char path[4096];
	struct stat st;
	const char *d = env_or("CH_SHARED_DIR", NULL);

	if (!d) {
		snprintf(path, sizeof path, "%s/../shared", ch_test_source_dir());
		d = path;
	}
	if (stat(d, &st) != 0 || !S_ISDIR(st.st_mode))
		return NULL;
	return d;
}

uint8_t *ch_test_read_file(const char *path, size_t *out_len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *p = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		p = malloc((size_t)n + 1);
		if (p && fread(p, 1, (size_t)n, f) != (size_t)n) {
			free(p);
			p = NULL;
		} else if (p) {
			p[n] = 0;
			*out_len = (size_t)n;
		}
	}
	fclose(f);
	return p;
}

bool ch_test_write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	bool ok;

	if (!f)
		return false;
	ok = fwrite(data, 1, len, f) == len;
	return fclose(f) == 0 && ok;
}

const char *ch_test_tmpdir(void)
{
	static char tmpl[64];

	snprintf(tmpl, sizeof tmpl, "/tmp/chtest.XXXXXX");
	return mkdtemp(tmpl);
}
