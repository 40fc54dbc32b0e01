/*
 * mig_ident.h: syntax of the identities migbroker handles, and random
 * migration identities.
 *
 * Every check returns NULL when the string is acceptable, or a short
 * constant reason ("missing '@'") that the caller puts after its own
 * context: "home IMPI 'alice': missing '@'".  No allocation, no locale.
 */
#ifndef MIG_IDENT_H
#define MIG_IDENT_H

#include <stddef.h>

/* Longest identity, realm or Diameter identity, in bytes (without the NUL).
 * Buffers that hold one are MIG_IDENT_MAX + 1 bytes. */
#define MIG_IDENT_MAX 255

/* Longest prefix of generated identities, and the range of their random part
 * (base32 characters, 5 bits each: 16 characters = 80 bits). */
#define MIG_GEN_PREFIX_MAX 32
#define MIG_GEN_CHARS_MIN 1
#define MIG_GEN_CHARS_MAX 64
#define MIG_GEN_CHARS_DEFAULT 16
#define MIG_GEN_PREFIX_DEFAULT "mig-"

/* IMPI: a NAI "user@realm": printable ASCII without spaces, exactly one '@',
 * a non-empty user part and a realm that passes mig_ident_check_realm(). */
const char *mig_ident_check_impi(const char *s);

/* IMPU: "sip:user@host" or "sips:user@host" (scheme in any case; host as a
 * realm) or "tel:+" followed by 1 to 15 digits. */
const char *mig_ident_check_impu(const char *s);

/* Realm or Diameter identity: a DNS-like name, dot-separated labels of 1 to
 * 63 letters, digits and '-', no label starting or ending with '-'. */
const char *mig_ident_check_realm(const char *s);

/* Server-Name of an S-CSCF (a SIP URI such as "sip:scscf1.example:6060"):
 * printable ASCII without spaces, 1 to MIG_IDENT_MAX bytes. */
const char *mig_ident_check_server(const char *s);

/* Prefix of generated identities: 0 to MIG_GEN_PREFIX_MAX letters, digits,
 * '-', '_' or '.'. */
const char *mig_ident_check_prefix(const char *s);

/*
 * Make a random migration identity pair:
 *   impi = "<prefix><nchars base32>@<realm>", impu = "sip:" impi.
 * The base32 part uses the lowercase RFC 4648 alphabet, one character per
 * byte of gnutls_rnd(GNUTLS_RND_RANDOM) output (256 is a multiple of 32, so
 * every character is uniform).  Both buffers are MIG_IDENT_MAX + 1 bytes.
 * Returns NULL on success or a reason: bad prefix, nchars out of range, bad
 * realm, result too long, or the random generator failed.
 */
const char *mig_ident_random(char *impi, char *impu, const char *prefix,
                             unsigned nchars, const char *realm);

/* mig_ident_random()'s reason when the random generator itself failed, so a
 * caller can tell a system failure from bad input by comparing pointers. */
extern const char mig_ident_rng_failed[];

#endif /* MIG_IDENT_H */
