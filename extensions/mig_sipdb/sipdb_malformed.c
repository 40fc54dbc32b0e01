/*
 * sipdb_malformed.c: messages freeDiameter refuses before the broker sees
 * them, logged in one line and audited.
 *
 * freeDiameter 1.2.1 answers a request that breaks the dictionary or its
 * rules itself (5001 unknown M-bit AVP, 5005 missing, 5009 too many, 5014
 * bad length ...), closes a connection whose bytes cannot be parsed, and
 * drops an answer that breaks the rules.  None of these reach a handler,
 * so without this hook a partner that probes us with broken messages
 * would leave no audit row.  freeDiameter calls its own default (a dump of
 * the whole message) only when no extension hooks the event: this hook
 * replaces it with one line that names the peer and the error.
 */
#include "sipdb.h"

static struct fd_hook_hdl *malformed_hdl;

/* The Diameter identity of the sender, and its realm as its CER gave it. */
static void malformed_source(struct msg *msg, struct peer_hdr *peer, char *id, size_t idsz,
                             const char **realm)
{
	DiamId_t src = NULL;
	size_t len = 0;

	*realm = "";
	if (!peer && msg && fd_msg_source_get(msg, &src, &len) == 0 && src)
		fd_peer_getbyid(src, len, 1, &peer);
	if (!peer) {
		snprintf(id, idsz, "%.*s", (int)len, src ? (const char *)src : "?");
		return;
	}
	snprintf(id, idsz, "%.*s", (int)peer->info.pi_diamidlen, peer->info.pi_diamid);
	if (peer->info.runtime.pir_realm)
		*realm = peer->info.runtime.pir_realm;
}

/* One line and one audit row: who sent what, and what freeDiameter did. */
static void malformed_cb(enum fd_hook_type type, struct msg *msg, struct peer_hdr *peer,
                         void *other, struct fd_hook_permsgdata *pmd, void *regdata)
{
	char id[MIG_IDENT_MAX + 1], detail[512];
	const char *realm;
	struct msg_hdr *h = NULL;

	(void)type, (void)pmd, (void)regdata;
	malformed_source(msg, peer, id, sizeof(id), &realm);
	if (!msg) {
		const struct fd_cnx_rcvdata *d = other;

		snprintf(detail, sizeof(detail), "peer '%s' sent %zu bytes that are no Diameter "
		         "message: connection closed", id, d ? d->length : 0);
	} else {
		fd_msg_hdr(msg, &h);
		snprintf(detail, sizeof(detail), "peer '%s' sent a %s %u that breaks the dictionary: "
		         "%s", id, h && (h->msg_flags & CMD_FLAG_REQUEST) ? "request" : "answer",
		         h ? h->msg_code : 0, other ? (const char *)other : "?");
	}
	fd_log_notice("mig_sipdb: %s", detail);
	sipdb_db_audit("message-refused", NULL, realm, detail);
}

/* The hook takes the place of freeDiameter's default for that event. */
int sipdb_malformed_init(void)
{
	return fd_hook_register(HOOK_MASK(HOOK_MESSAGE_PARSING_ERROR), malformed_cb, NULL, NULL,
	                        &malformed_hdl);
}

void sipdb_malformed_fini(void)
{
	if (malformed_hdl)
		fd_hook_unregister(malformed_hdl);
	malformed_hdl = NULL;
}
