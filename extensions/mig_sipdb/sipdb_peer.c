/*
 * sipdb_peer.c: is the peer a partner's request came from really that
 * partner, and may we send a partner what is meant for it?
 *
 * freeDiameter decides who may connect: a partner configured with
 * ConnectPeer and without No_TLS must use TLS (a clear CER from it is
 * refused with DIAMETER_NO_COMMON_SECURITY), and its certificate must
 * chain to TLS_CA.  But freeDiameter 1.2.1 checks that the certificate
 * names the peer only when it connects out itself
 * (gnutls_x509_crt_check_hostname against the ConnectPeer identity); a
 * peer that connects in may present any certificate of the CA and then
 * claim any Diameter identity in its CER.  We close that gap here: at each
 * successful connection (the hook runs before the peer is OPEN, while its
 * credentials are current) we record whether the peer uses TLS and whether
 * its certificate names its Diameter identity; requests of a partner that
 * requires TLS are taken only from such a peer, and nothing is sent to
 * that partner's SIP database unless it is one.  A record describes the
 * peer's latest connection: no request can come from a peer before it
 * connects again, and the next connection rewrites it.  When we connected
 * out, freeDiameter checked the name itself (and 1.2.1 forgets the peer's
 * certificates when it reads its CEA: pir_cert_list is NULL on such
 * connections).  (HOOK_PEER_CONNECT_FAILED is not used: 1.2.1 also calls
 * it for the losing connection of an election, after the winner
 * succeeded.)  Partners must use TLS on the secure port, not the old
 * in-band TLS (TLS_old_method), whose handshake comes after the hook.
 */
#include <pthread.h>
#include <strings.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "sipdb.h"

struct peer_trust {
	struct fd_list chain;
	char diamid[MIG_IDENT_MAX + 1];
	int tls;      /* the connection is TLS */
	int named;    /* ... and the certificate names diamid */
};

static pthread_mutex_t peer_lock = PTHREAD_MUTEX_INITIALIZER;
static struct fd_list peer_list = FD_LIST_INITIALIZER(peer_list);
static struct fd_hook_hdl *peer_hook_hdl;

/* Under the lock: the record of diamid, or NULL. */
static struct peer_trust *peer_find(const char *diamid, size_t len)
{
	struct fd_list *li;

	for (li = peer_list.next; li != &peer_list; li = li->next) {
		struct peer_trust *t = li->o;

		if (strlen(t->diamid) == len && !strncasecmp(t->diamid, diamid, len))
			return t;
	}
	return NULL;
}

/* Does the first certificate of the chain name diamid (CN or dNSName)? */
static int peer_cert_names(const struct peer_info *info)
{
	gnutls_x509_crt_t cert;
	int named = 0;

	if (!info->runtime.pir_cert_list || !info->runtime.pir_cert_list_size)
		return 0;
	if (gnutls_x509_crt_init(&cert) < 0)
		return 0;
	if (gnutls_x509_crt_import(cert, &info->runtime.pir_cert_list[0], GNUTLS_X509_FMT_DER) >= 0)
		named = gnutls_x509_crt_check_hostname(cert, info->pi_diamid) != 0;
	gnutls_x509_crt_deinit(cert);
	return named;
}

/* Record what we know of the peer's new connection. */
static void peer_record(struct peer_hdr *peer)
{
	const struct peer_info *info = &peer->info;
	const struct mig_partner_conf *p = NULL;
	struct peer_trust *t;
	char proto[128] = "";
	int tls, named;

	fd_peer_cnx_proto_info(peer, proto, sizeof(proto));
	tls = strstr(proto, ",TLS,") != NULL;
	/* Without a certificate list on a TLS connection, we connected out:
	 * freeDiameter checked that the certificate names the peer (and 1.2.1
	 * then loses the list when it reads the CEA). */
	named = tls && (!info->runtime.pir_cert_list || peer_cert_names(info));

	pthread_mutex_lock(&peer_lock);
	t = peer_find(info->pi_diamid, info->pi_diamidlen);
	if (!t && (t = calloc(1, sizeof(*t)))) {
		fd_list_init(&t->chain, t);
		snprintf(t->diamid, sizeof(t->diamid), "%.*s", (int)info->pi_diamidlen,
		         info->pi_diamid);
		fd_list_insert_before(&peer_list, &t->chain);
	}
	if (t) {
		t->tls = tls;
		t->named = named;
	}
	pthread_mutex_unlock(&peer_lock);
	if (info->runtime.pir_realm)
		p = mig_config_partner(sipdb_conf, info->runtime.pir_realm);
	if (p && p->tls && !named)
		fd_log_error("mig_sipdb: peer '%s' of partner '%s' connected %s: nothing will be "
		             "taken from it or sent to it", info->pi_diamid, p->realm,
		             tls ? "with a certificate that does not name it" : "without TLS");
	else if (p)
		fd_log_notice("mig_sipdb: peer '%s' of partner '%s' connected%s", info->pi_diamid,
		              p->realm, tls ? " over TLS, certificate names it" : " without TLS");
}

static void peer_hook(enum fd_hook_type type, struct msg *msg, struct peer_hdr *peer,
                      void *other, struct fd_hook_permsgdata *pmd, void *regdata)
{
	(void)msg;
	(void)other;
	(void)pmd;
	(void)regdata;
	if (peer && type == HOOK_PEER_CONNECT_SUCCESS)
		peer_record(peer);
}

/* 0 when the peer diamid is connected over TLS with a certificate that
 * names it; otherwise *why says what is wrong. */
static int peer_trusted(const char *diamid, size_t len, const char **why)
{
	struct peer_trust *t;
	int ok;

	pthread_mutex_lock(&peer_lock);
	t = peer_find(diamid, len);
	ok = t && t->tls && t->named;
	*why = !t || !t->tls ? "the partner's peer is not connected over TLS"
	                     : "the partner's certificate does not name its peer";
	pthread_mutex_unlock(&peer_lock);
	return ok;
}

int sipdb_peer_source_ok(struct msg *m, const struct mig_partner_conf *p, const char **why)
{
	struct peer_hdr *peer = NULL;
	DiamId_t src = NULL;
	size_t len = 0;

	*why = "request did not come from the partner's peer";
	if (fd_msg_source_get(m, &src, &len) || !src)
		return 0;
	if (p->sipdb[0]) {
		if (strlen(p->sipdb) != len || strncasecmp(p->sipdb, (char *)src, len))
			return 0;
	} else if (fd_peer_getbyid(src, len, 1, &peer) || !peer ||
	           !peer->info.runtime.pir_realm ||
	           strcasecmp(peer->info.runtime.pir_realm, p->realm)) {
		return 0;
	}
	return !p->tls || peer_trusted((char *)src, len, why);
}

/* Is diamid (len bytes) the SIP database of a configured partner? */
static int peer_is_partner_sipdb(const char *diamid, size_t len)
{
	size_t i;

	for (i = 0; i < sipdb_conf->n_partners; i++) {
		const char *s = sipdb_conf->partners[i].sipdb;

		if (s[0] && strlen(s) == len && !strncasecmp(s, diamid, len))
			return 1;
	}
	return 0;
}

/* Our realm in its CER and no partner's SIP database: a peer inside our
 * system (sipdb.h says why this matters). */
int sipdb_peer_local(struct msg *m, const char **why)
{
	static __thread char buf[2 * MIG_IDENT_MAX + 80];
	struct peer_hdr *peer = NULL;
	const char *realm;
	DiamId_t src = NULL;
	size_t len = 0;

	*why = NULL;
	if (fd_msg_source_get(m, &src, &len) || !src)
		return 1; /* made by this daemon */
	realm = fd_peer_getbyid(src, len, 1, &peer) == 0 && peer ? peer->info.runtime.pir_realm
	                                                         : NULL;
	if (!peer_is_partner_sipdb((const char *)src, len) && realm &&
	    !strcasecmp(realm, sipdb_conf->realm))
		return 1;
	snprintf(buf, sizeof(buf), "Origin-Realm is ours but the request came from peer '%.*s' "
	         "(realm '%s')", (int)len, (const char *)src, realm ? realm : "?");
	*why = buf;
	return 0;
}

int sipdb_peer_dest_ok(const struct mig_partner_conf *p, const char **why)
{
	*why = NULL;
	if (!p->tls || !p->sipdb[0])
		return 1;
	return peer_trusted(p->sipdb, strlen(p->sipdb), why);
}

int sipdb_peer_init(void)
{
	CHECK_FCT(fd_hook_register(HOOK_MASK(HOOK_PEER_CONNECT_SUCCESS),
	                           peer_hook, NULL, NULL, &peer_hook_hdl));
	return 0;
}

void sipdb_peer_fini(void)
{
	if (peer_hook_hdl)
		fd_hook_unregister(peer_hook_hdl);
	peer_hook_hdl = NULL;
	pthread_mutex_lock(&peer_lock);
	while (!FD_IS_LIST_EMPTY(&peer_list)) {
		struct peer_trust *t = peer_list.next->o;

		fd_list_unlink(&t->chain);
		free(t);
	}
	pthread_mutex_unlock(&peer_lock);
}
