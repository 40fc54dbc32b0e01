/*
 * fuzz_udata.c: the User-Data rewriting (sipdb_udata.c, libxml2) on any
 * bytes.  The first byte picks whose visitor profile applies: none (the
 * primary side), b.test ("primary"), c.test ("template") or d.test
 * ("merge"); the rest is the User-Data of a Push-Profile-Request for
 * carol@b.test, mapped to mig-0003@a.test as the broker maps it.
 */
#include "sipdb.h"
#include "fuzz.h"

/* The broker's dictionary and visitor profiles, once (fuzz_fd.c). */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_fd_init();
	return 0;
}

/* A PPR carrying the bytes as its User-Data. */
static struct msg *fz_ppr(const uint8_t *data, size_t size)
{
	union avp_value v = { .os = { (uint8_t *)data, size } };
	struct msg *m = NULL;
	struct avp *a = NULL;

	if (fd_msg_new(sipdb_dict.cmd[SIPDB_PPR], MSGFL_ALLOC_ETEID, &m) ||
	    fd_msg_avp_new(sipdb_dict.user_data, 0, &a) || fd_msg_avp_setvalue(a, &v) ||
	    fd_msg_avp_add(m, MSG_BRW_LAST_CHILD, a))
		abort();
	return m;
}

/* A rewritten User-Data must still be a message freeDiameter can encode. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const visitor[] = { NULL, "b.test", "c.test", "d.test" };
	struct sipdb_umap map = { { "carol@b.test", "sip:carol@b.test" },
	                          { "mig-0003@a.test", "sip:mig-0003@a.test" }, NULL };
	struct msg *m;
	uint8_t *buf = NULL;
	size_t len;

	if (size < 1)
		return 0;
	if (visitor[data[0] % 4])
		map.visitor = mig_config_partner(sipdb_conf, visitor[data[0] % 4]);
	m = fz_ppr(data + 1, size - 1);
	if (sipdb_udata_rewrite(m, &map) == 0) {
		if (fd_msg_bufferize(m, &buf, &len))
			abort();
		free(buf);
	}
	fd_msg_free(m);
	return 0;
}
