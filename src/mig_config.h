/*
 * mig_config.h: the broker's JSON configuration (doc/configuration.md).
 *
 * The file names our own system, the local HSS, how migration identities
 * are made, and the partner systems with their Solution 1 settings (TR 23.781
 * clause 6.1).  It is read once, at start; every field is checked there, so
 * that a bad file stops the daemon with a message naming the field instead of
 * half-starting.  Nothing here depends on freeDiameter: migctl reads the same
 * file for its default database path.
 */
#ifndef MIG_CONFIG_H
#define MIG_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "mig_ident.h"

#define MIG_CONFIG_DEFAULT_TIMEOUT_MS 3000
#define MIG_CONFIG_DEFAULT_LIFETIME 86400
#define MIG_CONFIG_ERR_MAX 512
#define MIG_CONFIG_DEFAULT_RTR_RETRY_FOR 86400
#define MIG_CONFIG_DEFAULT_ALLOC_BATCH 64  /* allocations per transaction, at most */
#define MIG_CONFIG_MAX_ALLOC_BATCH 4096
#define MIG_CONFIG_UINTS_MAX 16
#define MIG_CONFIG_DEFAULT_MAX_INFLIGHT 1000
#define MIG_CONFIG_MAX_INFLIGHT_MAX 1000000
#define MIG_CONFIG_DEFAULT_MAX_QUEUE_MS 200
#define MIG_CONFIG_DEFAULT_MAX_BACKLOG_KB 4096
#define MIG_CONFIG_MAX_BACKLOG_KB_MAX 1048576
#define MIG_CONFIG_LIMIT_MAX 100000000 /* bindings, requests per second, burst */

/* A short list of numbers (Server-Capabilities). */
struct mig_uints {
	uint32_t v[MIG_CONFIG_UINTS_MAX];
	size_t n;
};

struct mig_partner_conf {
	char realm[MIG_IDENT_MAX + 1];
	char sipdb[MIG_IDENT_MAX + 1]; /* their SIP database identity, "" unknown */
	int migrate_in;                /* their users may migrate to us */
	int migrate_out;               /* our users may migrate to them */
	int obfuscate;                 /* our users hide behind outbound identities */
	int tls;                       /* its requests must come over TLS from a peer whose
	                                  certificate names sipdb (default 1) */
	/* The user profile visitors from there get (TR 23.781 5.2.1):
	 * "primary" (the primary's, identities mapped; default), "template"
	 * (ours, from profile_template) or "merge" (the primary's, with the
	 * template's service data added).  profile_template: a file name, or
	 * the XML itself when it starts with '<'; NULL when not given. */
	char profile_mode[16];
	char *profile_template;
	/* Limits on what this partner may cost us (doc/configuration.md,
	 * "limits"); 0 = none.  Past one the broker answers DIAMETER_TOO_BUSY
	 * for this partner only. */
	uint32_t max_bindings; /* live bindings with this peer realm */
	uint32_t max_rps;      /* its requests, and allocations for it, per second */
	uint32_t burst;        /* ... taken at once after a quiet spell (0: max_rps) */
};

struct mig_config {
	char realm[MIG_IDENT_MAX + 1];    /* our system (Origin-Realm) */
	char sipdb[MIG_IDENT_MAX + 1];    /* our SIP database identity */
	char database[4096];              /* path of the SQLite binding store */
	unsigned database_mmap_mib;       /* its memory map (mig_store_opts.mmap_mib); 0: none */
	char hss_host[MIG_IDENT_MAX + 1]; /* the local HSS behind the broker */
	char hss_realm[MIG_IDENT_MAX + 1];
	/* Server-Name put in requests that leave our system, instead of the
	 * S-CSCF's: it must reveal nothing of our network. */
	char border_server_name[MIG_IDENT_MAX + 1];

	/* Migration identities: random ones, or from a pool when pool != "". */
	char id_prefix[MIG_GEN_PREFIX_MAX + 1];
	unsigned id_chars;
	char id_realm[MIG_IDENT_MAX + 1];
	char id_pool[MIG_IDENT_MAX + 1];
	uint32_t lifetime; /* default binding lifetime, seconds; 0 = none */

	unsigned timeout_ms; /* deadline of a brokered request */
	/* Requests forwarded and not yet answered, at most: past it the
	 * broker answers DIAMETER_TOO_BUSY at once (overload). */
	unsigned max_inflight;
	/* A request that waited longer than this in freeDiameter's queues
	 * before reaching the broker is answered DIAMETER_TOO_BUSY at once
	 * (the broker cannot keep up); 0 = never. */
	unsigned max_queue_ms;
	/* RFC 7683 overload control (DOIC) with the next hops and askers that
	 * support it: our overload reported in answers, theirs heeded by
	 * throttling what we send them. */
	int doic;
	/* What one connection may have read and not yet handed to the
	 * daemon, in KiB: past it the broker stops reading from that peer
	 * (TCP flow control) until it has caught up; 0 = no bound. */
	unsigned max_backlog_kb;

	/* Allocations (GOR, GIR) committed together in one store transaction
	 * at most (group commit); 1: one transaction per allocation. */
	unsigned alloc_batch;

	/* Our S-CSCF, for UAR/LIR about visitors (answered by us, not the HSS):
	 * its Server-Name ("" when not configured) and Server-Capabilities. */
	char scscf_name[MIG_IDENT_MAX + 1];
	struct mig_uints scscf_mandatory;
	struct mig_uints scscf_optional;

	/* How long a registration termination is retried, seconds. */
	uint32_t rtr_retry_for;

	struct mig_partner_conf *partners;
	size_t n_partners;
};

/*
 * Read and check the file at path.  On success *out is a new configuration
 * (free it with mig_config_free) and 0 is returned.  On failure -1 is
 * returned, *out is NULL and err (errlen bytes, MIG_CONFIG_ERR_MAX is
 * enough) says what and where: "partners[1].realm: missing".
 */
int mig_config_load(const char *path, struct mig_config **out, char *err, size_t errlen);

/* The same from a string, for tests and fuzzing. */
int mig_config_parse(const char *text, size_t len, struct mig_config **out, char *err,
                     size_t errlen);

void mig_config_free(struct mig_config *c);

/* The partner entry for realm (case-insensitive), or NULL. */
const struct mig_partner_conf *mig_config_partner(const struct mig_config *c,
                                                  const char *realm);

#endif /* MIG_CONFIG_H */
