/*
 * fuzz_config.c: the JSON configuration loader (mig_config.c, jansson) on
 * any text: either a configuration or an error naming the field, never a
 * crash or a leak.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mig_config.h"
#include "fuzz.h"

/* A configuration, or an error that says why: never both, never neither. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[MIG_CONFIG_ERR_MAX];
	struct mig_config *c = NULL;

	err[0] = '\0';
	if (mig_config_parse((const char *)data, size, &c, err, sizeof(err)) == 0) {
		if (!c)
			abort();
		if (c->n_partners)
			(void)mig_config_partner(c, c->partners[c->n_partners - 1].realm);
		mig_config_free(c);
	} else if (c || !err[0] || strlen(err) >= sizeof(err)) {
		fprintf(stderr, "fuzz: a refused configuration without an error (%s)\n", err);
		abort();
	}
	return 0;
}
