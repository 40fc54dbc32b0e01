/*
 * san_preload.so: preloaded into the stock freeDiameterd in the sanitizer
 * build (tests/integration/lib.sh), after the ASan and UBSan runtimes.  It
 * changes two things of libc for that process only, both at its exit:
 *
 * dlclose: freeDiameterd unloads every extension before it exits, and
 *   LeakSanitizer looks for leaks only after that: the frames of an
 *   unloaded .fdx print as "<unknown module>", so a leak in our extensions
 *   could not be told from one in freeDiameter's, and a suppression could
 *   not name third-party frames only.  Keeping the modules mapped keeps
 *   their symbols.
 *
 * freelocale: with the ASan runtime preloaded, the stock freeDiameterd
 *   (Debian 12, no extension of ours needed: a start-up that fails is
 *   enough) hangs for ever in exit(): libp11-kit's destructor calls
 *   freelocale(), which waits on glibc's __libc_setlocale_lock, found with
 *   a reader count below zero.  Without the runtime it exits at once.  A
 *   locale not freed at exit costs nothing.
 */
#include <locale.h>

int dlclose(void *handle);

/* Leave the module loaded (see above); report success as dlclose would. */
int dlclose(void *handle)
{
	(void)handle;
	return 0;
}

/* Do not free the locale (see above): the process is exiting. */
void freelocale(locale_t locale)
{
	(void)locale;
}
