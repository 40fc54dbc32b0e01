/*
 * fuzz_ident.c: the parsers of untrusted short text.  The first byte picks
 * one, the rest is its input (as a C string, cut at the first NUL):
 *   0-4  mig_ident_check_impi/impu/realm/server/prefix (mig_ident.c)
 *   5    mig_ident_random: "PREFIX|REALM", the second byte the length
 *   6    mig_dir_parse, mig_state_parse (mig_binding.c)
 *   7    migctl's --option values: bool, integer, duration, time
 *   8    migctl pool import --pattern (and formatting a value with it)
 *   9    migctl pool import --range
 *   10   migctl pool import, a line of an identity file
 * The migctl parsers are static in mctl_pool.c, which is included here;
 * fuzz_migctl.c supplies the rest of migctl without its main().
 */
#include "../../src/migctl/mctl_pool.c"
#include "fuzz.h"

#define FZ_CASES 11

/* One import context, its (large) batch reused by every input. */
static struct pool_import *fz_import(void)
{
	static struct pool_import im;
	static struct pool_batch *batch;

	if (!batch && !(batch = malloc(sizeof(*batch))))
		abort();
	memset(&im, 0, sizeof(im));
	im.pool = "fuzz";
	im.file = "fuzz.txt";
	im.lineno = 1;
	im.batch = batch;
	batch->n = batch->used = 0;
	return &im;
}

/* "PREFIX|REALM": whatever mig_ident_random accepts must pass our checks. */
static void fz_random(const char *s, unsigned nchars)
{
	char prefix[MIG_IDENT_MAX + 1], impi[MIG_IDENT_MAX + 1], impu[MIG_IDENT_MAX + 1];
	const char *bar = strchr(s, '|');

	if (!bar || (size_t)(bar - s) >= sizeof(prefix))
		return;
	snprintf(prefix, sizeof(prefix), "%.*s", (int)(bar - s), s);
	if (!mig_ident_random(impi, impu, prefix, nchars, bar + 1) &&
	    (mig_ident_check_impi(impi) || mig_ident_check_impu(impu)))
		abort(); /* what we generate must pass our own checks */
}

/* One string through every kind of migctl option value. */
static void fz_migctl_values(const char *s)
{
	int64_t v;
	int b;

	(void)mctl_parse_bool("--fuzz", s, &b);
	(void)mctl_parse_int("--fuzz", s, -5, INT64_MAX / 2, &v);
	(void)mctl_parse_duration("--fuzz", s, &v);
	(void)mctl_parse_time("--fuzz", s, 1700000000, &v);
}

/* A --pattern, and the identities it makes for a few values. */
static void fz_pattern(const char *s, uint8_t seed)
{
	struct pool_pattern p;
	char out[POOL_SLOT];

	if (pool_pattern_parse("--pattern", s, &p) == 0) {
		(void)pool_pattern_make(&p, 0, out);
		(void)pool_pattern_make(&p, (int64_t)seed * 1000003, out);
		(void)pool_pattern_make(&p, INT64_MAX / 4, out);
	}
}

/* The first byte picks the parser (see the top), the rest is its text. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum mig_dir d;
	enum mig_state st;
	int64_t first, last;
	char *s;

	if (size < 2)
		return 0;
	if (!(s = malloc(size)))
		abort();
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	switch (data[0] % FZ_CASES) {
	case 0: (void)mig_ident_check_impi(s); break;
	case 1: (void)mig_ident_check_impu(s); break;
	case 2: (void)mig_ident_check_realm(s); break;
	case 3: (void)mig_ident_check_server(s); break;
	case 4: (void)mig_ident_check_prefix(s); break;
	case 5: fz_random(s + 1, (unsigned char)s[0]); break;
	case 6: (void)mig_dir_parse(s, &d); (void)mig_state_parse(s, &st); break;
	case 7: fz_migctl_values(s); break;
	case 8: fz_pattern(s, data[0]); break;
	case 9: (void)pool_range_parse(s, &first, &last); break;
	case 10: (void)pool_line(fz_import(), s); break;
	}
	free(s);
	return 0;
}
