/*
 * fuzz_migctl.c: migctl's global functions (option parsing, dispatch,
 * store opening), which mctl_pool.c calls, without migctl's main(): the
 * fuzzer (or fuzz_replay.c) has the process's main().
 */
int migctl_main_unused(int argc, char **argv);
#define main migctl_main_unused
#include "../../src/migctl/migctl.c"
