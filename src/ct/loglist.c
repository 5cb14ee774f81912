/* The CT log list v3 (Chrome's / Apple's schema): operators, logs, tiled_logs, states. */
#include <certhound/ct.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

/* The list keeps the parsed JSON alive: its strings are borrowed from it. */
typedef struct priv {
	json_t *root;
} priv;

static const struct {
	const char *name;
	ch_ct_log_state state;
} state_names[] = {
	{"pending", CH_CT_STATE_PENDING},   {"qualified", CH_CT_STATE_QUALIFIED},
	{"usable", CH_CT_STATE_USABLE},     {"readonly", CH_CT_STATE_READONLY},
	{"retired", CH_CT_STATE_RETIRED},   {"rejected", CH_CT_STATE_REJECTED},
};

const char *ch_ct_log_state_name(ch_ct_log_state s)
{
	for (size_t i = 0; i < sizeof state_names / sizeof state_names[0]; i++)
		if (state_names[i].state == s)
			return state_names[i].name;
	return "unknown";
}

/* parse_time reads an RFC 3339 time, ignoring fractional seconds ("...:18.33Z"). */
static int64_t parse_time(json_t *v)
{
	const char *s = json_string_value(v);
	char tmp[32];
	int64_t t;

	if (!s || strlen(s) < 19)
		return 0;
	memcpy(tmp, s, 19);
	memcpy(tmp + 19, "Z", 2);
	return ch_time_parse(&t, tmp) ? t : 0;
}

static void read_state(ch_ct_log_info *log, json_t *state)
{
	const char *key;
	json_t *v;

	json_object_foreach(state, key, v) {
		json_t *fth;

		for (size_t i = 0; i < sizeof state_names / sizeof state_names[0]; i++)
			if (!strcmp(key, state_names[i].name))
				log->state = state_names[i].state;
		log->state_time = parse_time(json_object_get(v, "timestamp"));
		fth = json_object_get(v, "final_tree_head");
		if (json_is_object(fth) &&
		    json_is_integer(json_object_get(fth, "tree_size")) &&
		    json_string_value(json_object_get(fth, "sha256_root_hash"))) {
			const char *r = json_string_value(json_object_get(fth, "sha256_root_hash"));
			uint8_t root[40];
			if (ch_base64_decode(root, sizeof root, r, strlen(r)) == 32) {
				memcpy(log->final_root, root, 32);
				log->final_tree_size =
					(uint64_t)json_integer_value(json_object_get(fth, "tree_size"));
				log->has_final_tree_head = true;
			}
		}
	}
}

/* read_log fills one entry from a "logs" or "tiled_logs" member. */
static ch_err read_log(ch_ct_log_info *log, json_t *o, const char *operator_name, bool tiled)
{
	const char *key_b64 = json_string_value(json_object_get(o, "key"));
	const char *id_b64 = json_string_value(json_object_get(o, "log_id"));
	json_t *ti = json_object_get(o, "temporal_interval");
	ch_ct_key *key = NULL;
	uint8_t id[40];
	long n;

	memset(log, 0, sizeof *log);
	log->operator_name = operator_name;
	log->tiled = tiled;
	log->description = json_string_value(json_object_get(o, "description"));
	if (!log->description)
		log->description = "";
	log->url = json_string_value(json_object_get(o, tiled ? "monitoring_url" : "url"));
	log->submission_url = tiled ? json_string_value(json_object_get(o, "submission_url")) : NULL;
	if (!key_b64 || !id_b64 || !log->url)
		return ch_error_set(CH_ERR_PARSE, "log list: log \"%s\" lacks key, log_id or url",
				    log->description);
	n = ch_base64_decode(id, sizeof id, id_b64, strlen(id_b64));
	if (n != 32)
		return ch_error_set(CH_ERR_PARSE, "log list: log \"%s\": log_id is not 32 bytes",
				    log->description);
	memcpy(log->log_id, id, 32);
	ch_base64_encode(log->log_id_b64, log->log_id, 32);
	log->key_len = strlen(key_b64) / 4 * 3 + 3;
	if (!(log->key = malloc(log->key_len)))
		return ch_error_set(CH_ERR_NOMEM, "out of memory");
	n = ch_base64_decode(log->key, log->key_len, key_b64, strlen(key_b64));
	log->key_len = n > 0 ? (size_t)n : 0;
	/* A key that does not parse, or does not hash to the log ID, leaves the log unusable. */
	if (n > 0 && ch_ct_key_parse(&key, log->key, log->key_len) == CH_OK)
		log->key_ok = memcmp(ch_ct_key_log_id(key), log->log_id, 32) == 0;
	ch_ct_key_free(key);
	log->mmd = (int)json_integer_value(json_object_get(o, "mmd"));
	if (json_is_object(json_object_get(o, "state")))
		read_state(log, json_object_get(o, "state"));
	if (json_is_object(ti)) {
		log->interval_start = parse_time(json_object_get(ti, "start_inclusive"));
		log->interval_end = parse_time(json_object_get(ti, "end_exclusive"));
		log->has_interval = log->interval_start || log->interval_end;
	}
	return CH_OK;
}

void ch_ct_log_list_free(ch_ct_log_list *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->num_logs; i++)
		free(l->logs[i].key);
	free(l->logs);
	if (l->priv_)
		json_decref(((priv *)l->priv_)->root);
	free(l->priv_);
	free(l);
}

ch_err ch_ct_log_list_parse(ch_ct_log_list **out, const char *json, size_t len)
{
	static const char *const kinds[2] = {"logs", "tiled_logs"};
	ch_ct_log_list *l = NULL;
	json_error_t jerr;
	json_t *ops, *op;
	size_t i, total = 0;
	ch_err err = CH_OK;

	*out = NULL;
	if (len > CH_CT_MAX_LOG_LIST)
		return ch_error_set(CH_ERR_LIMIT, "log list: %zu bytes exceeds %u", len,
				    CH_CT_MAX_LOG_LIST);
	if (!(l = calloc(1, sizeof *l)) || !(l->priv_ = calloc(1, sizeof(priv)))) {
		err = ch_error_set(CH_ERR_NOMEM, "out of memory");
		goto out;
	}
	priv *p = l->priv_;
	if (!(p->root = json_loadb(json, len, 0, &jerr))) {
		err = ch_error_set(CH_ERR_PARSE, "log list: bad JSON at line %d: %s", jerr.line,
				   jerr.text);
		goto out;
	}
	ops = json_object_get(p->root, "operators");
	if (!json_is_array(ops)) {
		err = ch_error_set(CH_ERR_PARSE, "log list: no \"operators\" array");
		goto out;
	}
	l->version = json_string_value(json_object_get(p->root, "version"));
	l->timestamp = parse_time(json_object_get(p->root, "log_list_timestamp"));
	json_array_foreach(ops, i, op)
		for (int k = 0; k < 2; k++)
			total += json_array_size(json_object_get(op, kinds[k]));
	if (total > CH_CT_MAX_LOGS) {
		err = ch_error_set(CH_ERR_LIMIT, "log list: %zu logs exceeds %u", total, CH_CT_MAX_LOGS);
		goto out;
	}
	if (!(l->logs = calloc(total + 1, sizeof *l->logs))) {
		err = ch_error_set(CH_ERR_NOMEM, "out of memory");
		goto out;
	}
	json_array_foreach(ops, i, op) {
		const char *opname = json_string_value(json_object_get(op, "name"));
		for (int k = 0; k < 2; k++) {
			json_t *logs = json_object_get(op, kinds[k]), *lg;
			size_t j;
			json_array_foreach(logs, j, lg) {
				err = read_log(&l->logs[l->num_logs], lg, opname ? opname : "", k == 1);
				l->num_logs++; /* counted even on failure so that free() sees its key */
				if (err)
					goto out;
			}
		}
	}
	*out = l;
	l = NULL;
out:
	ch_ct_log_list_free(l);
	return err;
}

ch_err ch_ct_log_list_load(ch_ct_log_list **out, const char *path)
{
	ch_buf b;
	char chunk[65536];
	size_t n;
	FILE *f = fopen(path, "rb");
	ch_err err = CH_OK;

	*out = NULL;
	if (!f)
		return ch_error_set(CH_ERR_IO, "log list %s: cannot open", path);
	ch_buf_init(&b, CH_CT_MAX_LOG_LIST);
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		CH_TRY(ch_buf_append(&b, chunk, n));
	if (ferror(f)) {
		err = ch_error_set(CH_ERR_IO, "log list %s: read error", path);
		goto out;
	}
	err = ch_ct_log_list_parse(out, b.data ? b.data : "", b.len);
out:
	if (err)
		ch_error_prefix(err, "%s", path);
	fclose(f);
	ch_buf_free(&b);
	return err;
}

/* same_url compares URLs ignoring the scheme and trailing slashes. */
static bool same_url(const char *a, const char *b)
{
	size_t la, lb;

	if (strstr(a, "://"))
		a = strstr(a, "://") + 3;
	if (strstr(b, "://"))
		b = strstr(b, "://") + 3;
	la = strlen(a);
	lb = strlen(b);
	while (la && a[la - 1] == '/')
		la--;
	while (lb && b[lb - 1] == '/')
		lb--;
	return la == lb && strncasecmp(a, b, la) == 0;
}

const ch_ct_log_info *ch_ct_log_list_find(const ch_ct_log_list *l, const char *what)
{
	const ch_ct_log_info *found = NULL;

	for (size_t i = 0; i < l->num_logs; i++) {
		const ch_ct_log_info *g = &l->logs[i];
		if (!strcmp(g->log_id_b64, what) || same_url(g->url, what) ||
		    (g->submission_url && same_url(g->submission_url, what)))
			return g;
	}
	for (size_t i = 0; i < l->num_logs; i++) {
		if (strcasecmp(l->logs[i].description, what) != 0)
			continue;
		if (found)
			return NULL;
		found = &l->logs[i];
	}
	return found;
}
