/*
 * fuzz.h: what the fuzz harnesses of tests/fuzz/ share (doc/RELIABILITY.md,
 * "Fuzzing").
 *
 * Each harness is one file with the libFuzzer entry points
 * LLVMFuzzerTestOneInput (and, when it needs set-up, LLVMFuzzerInitialize).
 * fuzz.mk links it with libFuzzer (clang, `make fuzz'); tests/Makefile.am
 * links the same file with fuzz_replay.c, a main() that feeds it the
 * committed corpus and regression inputs, so that `make check' replays
 * them with the normal compiler.
 *
 * fuzz_fd.c is the broker inside a harness: libfdcore with the dictionary
 * chain loaded, mig_sipdb's real entry point run on a generated
 * configuration over a temporary SQLite store holding a few partners and
 * bindings.  Nothing is sent: fuzz_fd.c defines fd_disp_register,
 * fd_msg_send and fd_msg_send_timeout itself (the executable's definitions
 * take precedence over libfdcore's), so the harness gets the handler
 * callbacks the broker registers and captures what it would send.
 */
#ifndef FUZZ_H
#define FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* The entry points libFuzzer calls (and fuzz_replay.c). */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* fuzz_replay.c: NULL when the inputs replayed reached what the harness
 * tests, else why not (a harness may define it). */
const char *fz_replay_verdict(void);

/* The fixture's names: our system, partners and bindings (fuzz_fd.c). */
#define FZ_REALM "a.test"
#define FZ_IDENTITY "sipdb.a.test"

/* Start freeDiameter and the broker once; exits the process on failure. */
void fz_fd_init(void);

/*
 * Dispatch one received message as freeDiameter would: parse the buffer,
 * resolve it with the dictionary, check the ABNF rules, then call the
 * broker's handler registered for its application and command.  Bytes
 * after the first message (its length from its header) are the answer
 * the next hop gives to whatever the handler forwards: none, a success
 * answer; unparsable ones, no answer before the deadline.
 */
void fz_fd_dispatch(const uint8_t *data, size_t size);

/* Messages the broker handed to fd_msg_send* since the start. */
extern unsigned long fz_sent;

#endif /* FUZZ_H */
