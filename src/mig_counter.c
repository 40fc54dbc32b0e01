/*
 * mig_counter.c: running totals (schema 4), for what the broker counts in
 * memory and operators read with migctl stats.
 */
#include <string.h>

#include "mig_int.h"

/* Names are ours (code, not input), but a typo must not create junk rows. */
static int mig_counter_name(mig_store_t *st, const char *name)
{
	size_t n = name ? strlen(name) : 0;

	if (n == 0 || n > 32 || strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_.-") != n)
		return mig_badarg(st, "counter name", name ? name : "", "1 to 32 of [a-z0-9_.-]");
	return MIG_OK;
}

int mig_counter_add(mig_store_t *st, const char *name, int64_t delta)
{
	int rc = mig_counter_name(st, name);

	if (rc != MIG_OK)
		return rc;
	return mig_exec(st, MIG_Q_COUNTER_ADD, "tii", name, delta, mig_store_now(st));
}

int mig_counter_get(mig_store_t *st, const char *name, int64_t *value, int64_t *updated)
{
	int64_t v = 0, u = 0;
	int rc = mig_counter_name(st, name);

	if (rc == MIG_OK)
		rc = mig_fetch_ints(st, mig_query(st, MIG_Q_COUNTER_GET, "t", name), &v, &u, NULL);
	if (value)
		*value = v;
	if (updated)
		*updated = u;
	return rc;
}
