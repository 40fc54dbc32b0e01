/*
 * test_hss_subs.c: the subscribers of the test HSS, read from JSON, and
 * the little state each keeps at run time (SQN_HE, last Server-Name).
 *
 * Parsing is strict on purpose: a typo in a test's JSON ("opc " or a key
 * one hex digit short) would otherwise surface much later as a 403 from
 * Kamailio or an abort of sipp.  Every error names the file, the
 * subscriber and the key.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "milenage.h"
#include "test_hss.h"

int thss_json_load(const char *path, json_t **root)
{
	json_error_t err;

	*root = json_load_file(path, JSON_REJECT_DUPLICATES, &err);
	if (!*root) {
		if (err.line > 0)
			LOG_E("test_hss: %s:%d:%d: %s", path, err.line, err.column, err.text);
		else
			LOG_E("test_hss: %s: %s", path, err.text);
		return EINVAL;
	}
	if (!json_is_object(*root)) {
		LOG_E("test_hss: %s: the top level must be a JSON object", path);
		json_decref(*root);
		*root = NULL;
		return EINVAL;
	}
	return 0;
}

int thss_json_keys_check(json_t *obj, const char *const allowed[], const char *path,
                         const char *where)
{
	const char *key;
	json_t *val;

	json_object_foreach(obj, key, val) {
		size_t i;

		for (i = 0; allowed[i] && strcmp(allowed[i], key); i++)
			;
		if (!allowed[i]) {
			LOG_E("test_hss: %s: %s: unknown key \"%s\"", path, where, key);
			return EINVAL;
		}
	}
	return 0;
}

/* ------------------------------------------------------------------ parsing */

/* Where we are, for the error messages. */
struct where {
	const char *path;
	size_t index;
	const char *impi; /* NULL until known */
};

static int bad(const struct where *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int bad(const struct where *w, const char *fmt, ...)
{
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	LOG_E("test_hss: %s: subscribers[%zu]%s%s%s: %s", w->path, w->index,
	      w->impi ? " (" : "", w->impi ? w->impi : "", w->impi ? ")" : "", why);
	return EINVAL;
}

/* An optional string member: NULL when absent, EINVAL when not a string. */
static int opt_str(json_t *o, const char *key, const struct where *w, const char **out)
{
	json_t *v = json_object_get(o, key);

	*out = NULL;
	if (!v)
		return 0;
	if (!json_is_string(v))
		return bad(w, "\"%s\" must be a string", key);
	*out = json_string_value(v);
	return 0;
}

/* A non-empty identity-like string of at most THSS_ID_MAX bytes. */
static int id_ok(const char *s, size_t len)
{
	return len > 0 && len <= THSS_ID_MAX && strlen(s) == len;
}

/*
 * A 16-byte key given either as "<key>" (32 hex digits) or as
 * "<key>_ascii" (the 16 bytes of the string, as sipp takes aka_K=).  Sets
 * *given to whether one of the two was there.
 */
static int key16(json_t *o, const char *key, const struct where *w, uint8_t out[16],
                 int *given)
{
	char ascii_key[32];
	const char *hex, *ascii;

	snprintf(ascii_key, sizeof(ascii_key), "%s_ascii", key);
	if (opt_str(o, key, w, &hex) || opt_str(o, ascii_key, w, &ascii))
		return EINVAL;
	*given = hex || ascii;
	if (hex && ascii)
		return bad(w, "give \"%s\" or \"%s\", not both", key, ascii_key);
	if (hex && aka_hex_to_bytes(hex, out, 16))
		return bad(w, "\"%s\" must be 32 hex digits", key);
	if (ascii) {
		if (json_string_length(json_object_get(o, ascii_key)) != 16 || strlen(ascii) != 16)
			return bad(w, "\"%s\" must be exactly 16 bytes", ascii_key);
		memcpy(out, ascii, 16);
	}
	return 0;
}

/* An optional fixed-size hex member with a default. */
static int hex_opt(json_t *o, const char *key, const struct where *w, uint8_t *out,
                   size_t len, const char *dflt)
{
	const char *hex;

	if (opt_str(o, key, w, &hex))
		return EINVAL;
	if (aka_hex_to_bytes(hex ? hex : dflt, out, len))
		return bad(w, "\"%s\" must be %zu hex digits", key, 2 * len);
	return 0;
}

/* K, OP/OPc, AMF and SQN; has_aka stays 0 when no key was given.  (The
 * key check has already refused "opc_ascii": OPc is never typed by hand.) */
static int parse_aka(json_t *o, const struct where *w, struct thss_sub *s)
{
	uint8_t op[16], sqn[AKA_SQN_LEN];
	int has_k, has_op, has_opc;

	if (key16(o, "k", w, s->k, &has_k) || key16(o, "op", w, op, &has_op) ||
	    key16(o, "opc", w, s->opc, &has_opc))
		return EINVAL;
	if (!has_k) {
		if (has_op || has_opc || json_object_get(o, "amf") || json_object_get(o, "sqn"))
			return bad(w, "AKA parameters without \"k\" or \"k_ascii\"");
		return 0;
	}
	if (has_op == has_opc)
		return bad(w, "AKA needs exactly one of \"op\", \"op_ascii\" or \"opc\"");
	if (has_op && mil_opc(s->k, op, s->opc))
		return bad(w, "cannot derive OPc (AES failed)");
	if (hex_opt(o, "amf", w, s->amf, AKA_AMF_LEN, "8000") ||
	    hex_opt(o, "sqn", w, sqn, AKA_SQN_LEN, "000000000000"))
		return EINVAL;
	s->sqn = aka_sqn_from_bytes(sqn);
	s->has_aka = 1;
	return 0;
}

static int parse_impus(json_t *o, const struct where *w, struct thss_sub *s)
{
	json_t *arr = json_object_get(o, "impus"), *v;
	size_t i;

	if (!json_is_array(arr) || json_array_size(arr) == 0)
		return bad(w, "\"impus\" must be a non-empty array of strings");
	s->impus = calloc(json_array_size(arr), sizeof(*s->impus));
	if (!s->impus)
		return ENOMEM;
	json_array_foreach(arr, i, v) {
		if (!json_is_string(v) || !id_ok(json_string_value(v), json_string_length(v)))
			return bad(w, "impus[%zu] must be a non-empty string of at most %d bytes", i,
			           THSS_ID_MAX);
		s->impus[i] = strdup(json_string_value(v));
		if (!s->impus[i])
			return ENOMEM;
		s->n_impus++;
	}
	return 0;
}

/* The password and realm of SIP Digest; the realm defaults to the IMPI's
 * domain. */
static int parse_digest(json_t *o, const struct where *w, struct thss_sub *s)
{
	const char *pw, *realm, *at;

	if (opt_str(o, "password", w, &pw) || opt_str(o, "realm", w, &realm))
		return EINVAL;
	if (!pw) {
		if (realm)
			return bad(w, "\"realm\" without \"password\"");
		return 0;
	}
	at = strchr(s->impi, '@');
	if (!realm && (!at || !at[1]))
		return bad(w, "no \"realm\" and no domain in the IMPI to take it from");
	realm = realm ? realm : at + 1;
	if (!id_ok(realm, strlen(realm)))
		return bad(w, "\"realm\" must be a non-empty string of at most %d bytes", THSS_ID_MAX);
	s->password = strdup(pw);
	s->realm = strdup(realm);
	return s->password && s->realm ? 0 : ENOMEM;
}

static int parse_sub(json_t *o, struct where *w, struct thss_sub *s)
{
	static const char *const keys[] = { "impi", "impus", "k", "k_ascii", "op", "op_ascii",
		                            "opc", "amf", "sqn", "password", "realm",
		                            "user_data", NULL };
	char where[THSS_ID_MAX + 64];
	const char *impi, *user_data;

	if (!json_is_object(o))
		return bad(w, "must be an object");
	if (opt_str(o, "impi", w, &impi))
		return EINVAL;
	if (!impi || !id_ok(impi, json_string_length(json_object_get(o, "impi"))))
		return bad(w, "\"impi\" must be a non-empty string of at most %d bytes", THSS_ID_MAX);
	w->impi = impi;
	snprintf(where, sizeof(where), "subscribers[%zu] (%s)", w->index, impi);
	if (thss_json_keys_check(o, keys, w->path, where))
		return EINVAL;
	s->impi = strdup(impi);
	if (!s->impi)
		return ENOMEM;
	CHECK_FCT(parse_impus(o, w, s));
	CHECK_FCT(parse_aka(o, w, s));
	CHECK_FCT(parse_digest(o, w, s));
	if (!s->has_aka && !s->password)
		return bad(w, "neither AKA keys (\"k\") nor a \"password\"");
	if (opt_str(o, "user_data", w, &user_data))
		return EINVAL;
	if (user_data && !(s->user_data = strdup(user_data)))
		return ENOMEM;
	return 0;
}

/* Order of the IMPI index: case-insensitive, then position in the file. */
static int subs_cmp(const void *a, const void *b)
{
	const struct thss_sub *x = *(struct thss_sub *const *)a, *y = *(struct thss_sub *const *)b;
	int c = strcasecmp(x->impi, y->impi);

	return c ? c : (x > y) - (x < y);
}

/*
 * Sort the subscribers by IMPI, so that a look-up is a binary search: the
 * MAR benchmark gives the HSS thousands of subscribers, and a linear scan
 * would make the HSS, not the path under test, the cost.  An IMPI listed
 * twice is an error naming its second entry.
 */
static int subs_index(struct thss_subs *subs, const char *path)
{
	struct where w = { path, 0, NULL };
	size_t i, dup = subs->n;

	subs->by_impi = malloc(subs->n * sizeof(*subs->by_impi));
	if (!subs->by_impi) {
		thss_subs_free(subs);
		return ENOMEM;
	}
	for (i = 0; i < subs->n; i++)
		subs->by_impi[i] = &subs->v[i];
	qsort(subs->by_impi, subs->n, sizeof(*subs->by_impi), subs_cmp);
	for (i = 1; i < subs->n; i++) {
		size_t later = (size_t)(subs->by_impi[i] - subs->v);

		if (!strcasecmp(subs->by_impi[i - 1]->impi, subs->by_impi[i]->impi) && later < dup)
			dup = later;
	}
	if (dup == subs->n)
		return 0;
	w.index = dup;
	w.impi = subs->v[dup].impi;
	bad(&w, "IMPI listed twice");
	thss_subs_free(subs);
	return EINVAL;
}

int thss_subs_parse(json_t *root, const char *path, struct thss_subs *subs)
{
	json_t *arr = json_object_get(root, "subscribers");
	struct where w = { path, 0, NULL };
	size_t i;

	memset(subs, 0, sizeof(*subs));
	if (!json_is_array(arr) || json_array_size(arr) == 0) {
		LOG_E("test_hss: %s: \"subscribers\" must be a non-empty array", path);
		return EINVAL;
	}
	subs->v = calloc(json_array_size(arr), sizeof(*subs->v));
	if (!subs->v)
		return ENOMEM;
	for (i = 0; i < json_array_size(arr); i++) {
		struct thss_sub *s = &subs->v[i];
		int rc;

		w.index = i;
		w.impi = NULL;
		pthread_mutex_init(&s->lock, NULL);
		subs->n++;
		rc = parse_sub(json_array_get(arr, i), &w, s);
		if (rc) {
			thss_subs_free(subs);
			return rc;
		}
	}
	return subs_index(subs, path);
}

void thss_subs_free(struct thss_subs *subs)
{
	size_t i, j;

	for (i = 0; i < subs->n; i++) {
		struct thss_sub *s = &subs->v[i];

		for (j = 0; j < s->n_impus; j++)
			free(s->impus[j]);
		free(s->impus);
		free(s->impi);
		free(s->password);
		free(s->realm);
		free(s->server_name);
		free(s->user_data);
		free(s->scscf_host);
		free(s->scscf_realm);
		pthread_mutex_destroy(&s->lock);
	}
	free(subs->v);
	free(subs->by_impi);
	memset(subs, 0, sizeof(*subs));
}

/* ---------------------------------------------------------------- run time */

struct thss_sub *thss_subs_find(const struct thss_subs *subs, const char *impi)
{
	size_t lo = 0, hi = subs->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcasecmp(subs->by_impi[mid]->impi, impi);

		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < subs->n && !strcasecmp(subs->by_impi[lo]->impi, impi) ? subs->by_impi[lo]
	                                                                     : NULL;
}

struct thss_sub *thss_subs_find_impu(const struct thss_subs *subs, const char *impu)
{
	size_t i;

	for (i = 0; i < subs->n; i++)
		if (thss_sub_has_impu(&subs->v[i], impu))
			return &subs->v[i];
	return NULL;
}

int thss_sub_has_impu(const struct thss_sub *s, const char *impu)
{
	size_t i;

	for (i = 0; i < s->n_impus; i++)
		if (!strcasecmp(s->impus[i], impu))
			return 1;
	return 0;
}

uint64_t thss_sub_sqn_take(struct thss_sub *s, unsigned n, const uint64_t *sqn_ms)
{
	uint64_t first;
	unsigned i;

	pthread_mutex_lock(&s->lock);
	if (sqn_ms)
		s->sqn = *sqn_ms & AKA_SQN_MAX;
	first = aka_sqn_next(s->sqn);
	for (i = 0; i < n; i++)
		s->sqn = aka_sqn_next(s->sqn);
	pthread_mutex_unlock(&s->lock);
	return first;
}

int thss_sub_server_set(struct thss_sub *s, const char *server_name)
{
	char *copy = strdup(server_name), *old;

	if (!copy)
		return ENOMEM;
	pthread_mutex_lock(&s->lock);
	old = s->server_name;
	s->server_name = copy;
	pthread_mutex_unlock(&s->lock);
	free(old);
	return 0;
}

void thss_sub_server_get(struct thss_sub *s, char *buf, size_t size)
{
	pthread_mutex_lock(&s->lock);
	snprintf(buf, size, "%s", s->server_name ? s->server_name : "");
	pthread_mutex_unlock(&s->lock);
}

int thss_sub_scscf_set(struct thss_sub *s, const char *host, const char *realm)
{
	char *h = strdup(host), *r = strdup(realm);

	if (!h || !r) {
		free(h);
		free(r);
		return ENOMEM;
	}
	pthread_mutex_lock(&s->lock);
	free(s->scscf_host);
	free(s->scscf_realm);
	s->scscf_host = h;
	s->scscf_realm = r;
	pthread_mutex_unlock(&s->lock);
	return 0;
}

void thss_sub_scscf_get(struct thss_sub *s, char *host, char *realm)
{
	pthread_mutex_lock(&s->lock);
	snprintf(host, THSS_ID_MAX + 1, "%s", s->scscf_host ? s->scscf_host : "");
	snprintf(realm, THSS_ID_MAX + 1, "%s", s->scscf_realm ? s->scscf_realm : "");
	pthread_mutex_unlock(&s->lock);
}
