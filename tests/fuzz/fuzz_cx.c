/*
 * fuzz_cx.c: every Diameter request the broker handles, from the bytes a
 * peer sends: MAR, SAR, UAR, LIR, RTR, PPR (Cx) and GOR, GIR (allocation),
 * each parsed with our dictionary and dispatched to mig_sipdb's handler over
 * the fixture of fuzz_fd.c; whatever the handler forwards is answered from
 * the bytes after the request, so that the answer's rewriting runs too.
 */
#include "fuzz.h"

/* The broker and its fixture, once (fuzz_fd.c). */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_fd_init();
	return 0;
}

/* One request (and the next hop's answer) through the broker. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fz_fd_dispatch(data, size);
	return 0;
}

/* The corpus is only worth replaying if it reaches the handlers. */
const char *fz_replay_verdict(void)
{
	return fz_sent ? NULL : "the broker sent nothing: no input reached a handler";
}
