/*
 * fuzz_replay.c: main() for a harness built with the normal compiler: run
 * each file named (each file of each directory named) once through
 * LLVMFuzzerTestOneInput, as libFuzzer runs a corpus.  `make check' uses
 * it on tests/fuzz/corpus/<harness> and tests/fuzz/regress/<harness>, so
 * that every input that once crashed a harness keeps being tried without
 * clang.  A crash fails the test; 77 (skipped) is never returned: no input
 * at all is a failure.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

/* Harnesses without set-up do not define it. */
__attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

/* Harnesses that can tell whether the inputs reached what they test
 * define it: NULL when they did, else why not. */
__attribute__((weak)) const char *fz_replay_verdict(void)
{
	return NULL;
}

/* One input file; 0, or -1 when it cannot be read. */
static int fz_replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long len;
	int rc = -1;

	if (f && fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)len + 1)) &&
	    fread(buf, 1, (size_t)len, f) == (size_t)len) {
		fprintf(stderr, "fuzz_replay: %s\n", path); /* the last one, on a crash */
		LLVMFuzzerTestOneInput(buf, (size_t)len);
		rc = 0;
	}
	if (rc)
		fprintf(stderr, "fuzz_replay: cannot read %s\n", path);
	free(buf);
	if (f)
		fclose(f);
	return rc;
}

/* A file, or every regular file of a directory; *n counts the inputs. */
static int fz_replay_path(const char *path, unsigned *n)
{
	struct dirent *e;
	struct stat sb;
	char sub[4096];
	DIR *d;
	int rc = 0;

	if (stat(path, &sb)) {
		fprintf(stderr, "fuzz_replay: no such file or directory: %s\n", path);
		return -1;
	}
	if (!S_ISDIR(sb.st_mode)) {
		++*n;
		return fz_replay_file(path);
	}
	if (!(d = opendir(path)))
		return -1;
	while (rc == 0 && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
		if (stat(sub, &sb) == 0 && S_ISREG(sb.st_mode)) {
			++*n;
			rc = fz_replay_file(sub);
		}
	}
	closedir(d);
	return rc;
}

/* fuzz_replay PATH...: as libFuzzer runs a corpus, without the fuzzing. */
int main(int argc, char **argv)
{
	unsigned n = 0;
	int i;

	LLVMFuzzerInitialize(&argc, &argv);
	for (i = 1; i < argc; i++)
		if (fz_replay_path(argv[i], &n))
			return 1;
	if (!n) {
		fprintf(stderr, "fuzz_replay: no input\n");
		return 1;
	}
	if (fz_replay_verdict()) {
		fprintf(stderr, "fuzz_replay: %u input(s) replayed, but %s\n", n,
		        fz_replay_verdict());
		return 1;
	}
	printf("fuzz_replay: %u input(s) replayed\n", n);
	return 0;
}
