/*
 * mig_ident.c: syntax checks of IMPIs, IMPUs, realms and Diameter
 * identities, and random migration identities.
 *
 * Deliberately stricter than the RFCs (no quoted strings, no URI
 * parameters, no IP literals): these identities are generated or
 * provisioned by operators, and a strict rule keeps odd bytes out of
 * Diameter messages, logs and the database.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "mig_ident.h"

const char mig_ident_rng_failed[] = "random generator failed";

/* The lowercase RFC 4648 base32 alphabet. */
static const char mig_b32[] = "abcdefghijklmnopqrstuvwxyz234567";

static int mig_is_alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/*
 * Rules every identity shares: present, 1..MIG_IDENT_MAX bytes, printable
 * ASCII only (no space, no control character, nothing above 0x7e).
 */
static const char *mig_check_common(const char *s)
{
	size_t i;

	if (s == NULL || *s == '\0')
		return "empty";
	for (i = 0; s[i]; i++) {
		if (i == MIG_IDENT_MAX)
			return "longer than 255 bytes";
		if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f)
			return "contains whitespace or a control character";
		if ((unsigned char)s[i] > 0x7e)
			return "contains a non-ASCII byte";
	}
	return NULL;
}

/* One DNS label of n bytes at s. */
static const char *mig_check_label(const char *s, size_t n)
{
	size_t i;

	if (n == 0)
		return "empty label (leading, trailing or double '.')";
	if (n > 63)
		return "label longer than 63 characters";
	if (s[0] == '-' || s[n - 1] == '-')
		return "label starts or ends with '-'";
	for (i = 0; i < n; i++)
		if (!mig_is_alnum((unsigned char)s[i]) && s[i] != '-')
			return "only letters, digits, '-' and '.' are allowed in a name";
	return NULL;
}

/* Realms and Diameter identities: dot-separated DNS labels. */
const char *mig_ident_check_realm(const char *s)
{
	const char *why = mig_check_common(s), *dot;

	while (why == NULL) {
		dot = strchr(s, '.');
		why = mig_check_label(s, dot ? (size_t)(dot - s) : strlen(s));
		if (dot == NULL)
			break;
		s = dot + 1;
	}
	return why;
}

/* "user@host" with exactly one '@', a non-empty user and a valid host. */
static const char *mig_check_user_at(const char *s)
{
	const char *at = strchr(s, '@');

	if (at == NULL)
		return "missing '@'";
	if (strchr(at + 1, '@'))
		return "more than one '@'";
	if (at == s)
		return "empty user part before '@'";
	if (at[1] == '\0')
		return "empty realm after '@'";
	return mig_ident_check_realm(at + 1);
}

const char *mig_ident_check_impi(const char *s)
{
	const char *why = mig_check_common(s);

	return why ? why : mig_check_user_at(s);
}

/* "tel:+" and 1 to 15 digits (E.164). */
static const char *mig_check_tel(const char *num)
{
	size_t n;

	if (num[0] != '+')
		return "tel URI must be 'tel:+' followed by digits";
	n = strspn(num + 1, "0123456789");
	if (n == 0 || num[1 + n] != '\0')
		return "tel URI must be 'tel:+' followed by digits";
	if (n > 15)
		return "tel number longer than 15 digits";
	return NULL;
}

const char *mig_ident_check_impu(const char *s)
{
	const char *why = mig_check_common(s);

	if (why)
		return why;
	if (strncasecmp(s, "sip:", 4) == 0)
		return mig_check_user_at(s + 4);
	if (strncasecmp(s, "sips:", 5) == 0)
		return mig_check_user_at(s + 5);
	if (strncasecmp(s, "tel:", 4) == 0)
		return mig_check_tel(s + 4);
	return "must start with 'sip:', 'sips:' or 'tel:'";
}

/* A SIP URI as Cx carries it: its syntax is the S-CSCF's business, we only
 * keep odd bytes out of the database and the logs. */
const char *mig_ident_check_server(const char *s)
{
	return mig_check_common(s);
}

const char *mig_ident_check_prefix(const char *s)
{
	size_t i;

	if (s == NULL)
		return "missing";
	for (i = 0; s[i]; i++) {
		if (i == MIG_GEN_PREFIX_MAX)
			return "longer than 32 bytes";
		if (!mig_is_alnum((unsigned char)s[i]) && !strchr("-_.", s[i]))
			return "only letters, digits, '-', '_' and '.' are allowed";
	}
	return NULL;
}

/*
 * Random identity pair.  One random byte per character: the low 5 bits of
 * a uniform byte are uniform.  The result is checked like any input, so a
 * bad realm or an over-long result is refused rather than handed out.
 */
const char *mig_ident_random(char *impi, char *impu, const char *prefix,
                             unsigned nchars, const char *realm)
{
	unsigned char rnd[MIG_GEN_CHARS_MAX];
	char part[MIG_GEN_CHARS_MAX + 1];
	const char *why = mig_ident_check_prefix(prefix);
	unsigned i;
	int n;

	if (why)
		return why;
	if (nchars < MIG_GEN_CHARS_MIN || nchars > MIG_GEN_CHARS_MAX)
		return "number of random characters out of range";
	if (gnutls_rnd(GNUTLS_RND_RANDOM, rnd, nchars) < 0)
		return mig_ident_rng_failed;
	for (i = 0; i < nchars; i++)
		part[i] = mig_b32[rnd[i] & 31];
	part[nchars] = '\0';
	n = snprintf(impi, MIG_IDENT_MAX + 1, "%s%s@%s", prefix, part, realm ? realm : "");
	if (n < 0 || n > MIG_IDENT_MAX - 4)
		return "generated identity longer than 255 bytes";
	snprintf(impu, MIG_IDENT_MAX + 1, "sip:%s", impi);
	why = mig_ident_check_impi(impi);
	return why ? why : mig_ident_check_impu(impu);
}
