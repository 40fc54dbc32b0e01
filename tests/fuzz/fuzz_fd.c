/*
 * fuzz_fd.c: the broker inside a fuzz harness (see fuzz.h).
 *
 * Set-up, once: a temporary directory with a freeDiameter configuration
 * (dict_cx from the build tree, alone, as doc/configuration.md recommends)
 * and a broker configuration; libfdcore
 * initialised and configured (which loads the dictionaries; no peer, no
 * thread of the core runs); mig_sipdb's own entry point run as freeDiameter
 * would run it; then a few bindings allocated in its store.
 *
 * The fixture, system a.test (sipdb.a.test), local HSS hss.a.test:
 *   partners b.test (obfuscated, profile "primary"), c.test (not
 *   obfuscated, profile "template"), d.test (visitors only, profile
 *   "merge"), e.test (TLS required: never trusted, no peer connects),
 *   f.test (no SIP database configured: any peer of its realm)
 *   out: alice@a.test -> b.test registered there; bob@a.test -> c.test
 *   in:  carol@b.test registered at our S-CSCF; dave@c.test allocated;
 *        erin@d.test registered; frank@b.test revoked
 * Migration identities come from pool "fuzz" (mig-0001@a.test, ...) in
 * that order, so that seeds can name them.  Before each input the
 * registrations are put back as listed (fz_restore); allocations that
 * inputs make (GOR, GIR) stay.
 *
 * What the broker would send is encoded (fd_msg_bufferize: the message
 * must be one a peer could get) and dropped.  A forwarded request is
 * answered at once, from the bytes after the request (fz_fd_dispatch), so
 * that the answer path runs too.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sipdb.h"
#include "fuzz.h"

#ifndef FUZZ_DICT_CX
#define FUZZ_DICT_CX "extensions/dict_cx/.libs/dict_cx.fdx"
#endif

unsigned long fz_sent;

/* mig_sipdb's entry point (EXTENSION_ENTRY in sipdb.c). */
int fd_ext_init(int major, int minor, char *conffile);

static char fz_dir[] = "/tmp/migfuzz.XXXXXX";
static pthread_t fz_thread;          /* the thread that dispatches */
static const uint8_t *fz_ans;        /* the next hop's answer, for that thread */
static size_t fz_ans_len;

/* ---- what freeDiameter's dispatch would call ----------------------------- */

typedef int (*fz_cb)(struct msg **, struct avp *, struct session *, void *, enum disp_action *);

static struct fz_route {
	fz_cb cb;
	struct dict_object *app, *cmd;
	void *opaque;
} fz_routes[32];
static int fz_nroutes;

/* Replaces libfdproto's: remember the callback instead of registering it. */
int fd_disp_register(fz_cb cb, enum disp_how how, struct disp_when *when, void *opaque,
                     struct disp_hdl **handle)
{
	struct fz_route *r;

	if (how != DISP_HOW_CC || !when || fz_nroutes == (int)(sizeof(fz_routes) / sizeof(*r)))
		return EINVAL;
	r = &fz_routes[fz_nroutes++];
	r->cb = cb;
	r->app = when->app;
	r->cmd = when->command;
	r->opaque = opaque;
	if (handle)
		*handle = (struct disp_hdl *)r;
	return 0;
}

/* Replaces libfdproto's: nothing was registered there. */
int fd_disp_unregister(struct disp_hdl **handle, void **opaque)
{
	if (opaque)
		*opaque = NULL;
	*handle = NULL;
	return 0;
}

/* ---- what the broker would send ----------------------------------------- */

/* Encode and drop: a message that cannot be encoded is a bug of ours. */
static void fz_capture(struct msg **pmsg)
{
	uint8_t *buf = NULL;
	size_t len = 0;

	if (fd_msg_bufferize(*pmsg, &buf, &len)) {
		fprintf(stderr, "fuzz: the broker sent a message that cannot be encoded\n");
		abort();
	}
	free(buf);
	fd_msg_free(*pmsg);
	*pmsg = NULL;
	fz_sent++;
}

/* Replaces libfdcore's. */
int fd_msg_send(struct msg **pmsg, void (*anscb)(void *, struct msg **), void *data)
{
	(void)anscb;
	(void)data;
	fz_capture(pmsg);
	return 0;
}

/* The next hop's answer to f: fz_ans, parsed as freeDiameter parses what it
 * receives (no dictionary: sipdb_fwd_answer_route parses what it reads), or
 * a plain success; NULL when fz_ans does not parse. */
static struct msg *fz_answer_to(struct msg *f)
{
	struct dictionary *dict = fd_g_config->cnf_dict;
	struct msg_hdr *fh, *uh;
	struct msg *u = NULL;
	uint8_t *buf;

	if (!fz_ans_len) {
		if (fd_msg_new_answer_from_req(dict, &f, 0) ||
		    fd_msg_rescode_set(f, "DIAMETER_SUCCESS", NULL, NULL, 1))
			abort();
		return f;
	}
	if (fz_ans_len < 20)
		return NULL; /* not even a header */
	if (!(buf = malloc(fz_ans_len)))
		abort();
	memcpy(buf, fz_ans, fz_ans_len);
	buf[4] &= 0x7f; /* an answer, whatever the bytes say */
	if (fd_msg_parse_buffer(&buf, fz_ans_len, &u)) {
		free(buf);
		return NULL;
	}
	if (fd_msg_hdr(f, &fh) || fd_msg_hdr(u, &uh)) {
		fd_msg_free(u);
		return NULL;
	}
	uh->msg_hbhid = fh->msg_hbhid;
	uh->msg_eteid = fh->msg_eteid;
	if (fd_msg_answ_associate(u, f))
		abort();
	return u;
}

/* Replaces libfdcore's: the request f goes nowhere; its answer (or the
 * deadline) comes back at once, through the broker's routing callback as in
 * the daemon (sipdb_fwd.c's fwd_mark_relayed: next hop open). */
int fd_msg_send_timeout(struct msg **pmsg, void (*anscb)(void *, struct msg **), void *data,
                        void (*expirecb)(void *, DiamId_t, size_t, struct msg **),
                        const struct timespec *timeout)
{
	struct msg *f = *pmsg, *u;
	uint8_t *buf = NULL;
	size_t len;

	(void)timeout;
	*pmsg = NULL;
	if (fd_msg_bufferize(f, &buf, &len)) {
		fprintf(stderr, "fuzz: the broker forwarded a message that cannot be encoded\n");
		abort();
	}
	free(buf);
	fz_sent++;
	u = pthread_equal(pthread_self(), fz_thread) ? fz_answer_to(f) : NULL;
	if (!u) {
		expirecb(data, (DiamId_t) "fuzz", 4, &f);
		if (f)
			fd_msg_free(f);
		return 0;
	}
	if (fd_msg_anscb_associate(f, anscb, data, expirecb, NULL))
		abort();
	sipdb_fwd_answer_route(NULL, &u);
	if (u)
		fd_msg_free(u);
	return 0;
}

/* ---- dispatch ------------------------------------------------------------ */

static void fz_restore(void);

/* The handler registered for m's application and command, or NULL. */
static struct fz_route *fz_route_of(struct msg *m)
{
	struct dict_object *model = NULL;
	struct dict_application_data app;
	struct msg_hdr *h;
	int i;

	if (fd_msg_hdr(m, &h) || !(h->msg_flags & CMD_FLAG_REQUEST) || fd_msg_model(m, &model))
		return NULL;
	for (i = 0; i < fz_nroutes; i++)
		if (fz_routes[i].cmd == model && fd_dict_getval(fz_routes[i].app, &app) == 0 &&
		    app.application_id == h->msg_appl)
			return &fz_routes[i];
	return NULL;
}

/* The source freeDiameter records for a request from a direct peer: its
 * Origin-Host. */
static void fz_set_source(struct msg *m)
{
	char host[MIG_IDENT_MAX + 1];

	if (sipdb_avp_ident(m, sipdb_dict.origin_host, host, NULL) == 0)
		fd_msg_source_set(m, (DiamId_t)host, strlen(host));
}

/* See fuzz.h; the steps are freeDiameter's for a received request. */
void fz_fd_dispatch(const uint8_t *data, size_t size)
{
	struct dictionary *dict = fd_g_config->cnf_dict;
	enum disp_action act = DISP_ACT_CONT;
	struct fz_route *r;
	struct msg *m = NULL;
	uint8_t *buf;
	size_t len;

	if (size < 20)
		return;
	len = (size_t)data[1] << 16 | (size_t)data[2] << 8 | data[3];
	if (len < 20 || len > size)
		return;
	if (!(buf = malloc(len)))
		abort();
	memcpy(buf, data, len);
	if (fd_msg_parse_buffer(&buf, len, &m)) {
		free(buf);
		return;
	}
	fz_restore();
	fz_thread = pthread_self();
	fz_ans = data + len;
	fz_ans_len = size - len;
	if (fd_msg_parse_dict(m, dict, NULL) == 0 && fd_msg_parse_rules(m, dict, NULL) == 0 &&
	    (r = fz_route_of(m))) {
		fz_set_source(m);
		r->cb(&m, NULL, NULL, r->opaque, &act);
	}
	if (m)
		fd_msg_free(m);
}

/* ---- set-up -------------------------------------------------------------- */

/* Set-up cannot fail quietly: a harness without its fixture tests nothing. */
static void fz_die(const char *what)
{
	fprintf(stderr, "fuzz: set-up failed: %s\n", what);
	exit(1);
}

/* Write a generated file into the temporary directory; its path in path. */
static void fz_write(const char *name, const char *text, char *path, size_t size)
{
	FILE *f;

	snprintf(path, size, "%s/%s", fz_dir, name);
	if (!(f = fopen(path, "w")) || fputs(text, f) < 0 || fclose(f))
		fz_die(path);
}

/* At exit: the temporary directory and the store in it go. */
static void fz_cleanup(void)
{
	char cmd[64];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fz_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "fuzz: could not remove %s\n", fz_dir);
}

/* libfdcore configured with our dictionary (it loads the .fdx). */
static void fz_core(void)
{
	const char *cx = getenv("MIG_FUZZ_DICT_CX");
	char conf[2048], path[512];

	snprintf(conf, sizeof(conf),
	         "Identity = \"" FZ_IDENTITY "\";\nRealm = \"" FZ_REALM "\";\n"
	         "Port = 0;\nSecPort = 0;\nNo_SCTP;\n"
	         "LoadExtension = \"%s\";\n", cx ? cx : FUZZ_DICT_CX);
	fz_write("fd.conf", conf, path, sizeof(path));
	if (fd_core_initialize())
		fz_die("fd_core_initialize");
	if (!getenv("MIG_FUZZ_VERBOSE"))
		fd_g_debug_lvl = FD_LOG_FATAL;
	if (fd_core_parseconf(path))
		fz_die("fd_core_parseconf (is MIG_FUZZ_DICT_CX the built dict_cx.fdx?)");
}

/* mig_sipdb's entry point, as freeDiameter calls it after dlopen. */
static void fz_broker(void)
{
	char json[4096], path[512];

	snprintf(json, sizeof(json),
	         "{ \"system\": { \"realm\": \"a.test\", \"sipdb\": \"sipdb.a.test\" },\n"
	         "  \"database\": \"%s/broker.db\",\n"
	         "  \"hss\": { \"host\": \"hss.a.test\" },\n"
	         "  \"border_server_name\": \"sip:border.a.test\",\n"
	         "  \"scscf\": { \"name\": \"sip:scscf.a.test:6060\",\n"
	         "    \"capabilities\": { \"mandatory\": [1, 2], \"optional\": [3] } },\n"
	         "  \"partners\": [\n"
	         "    { \"realm\": \"b.test\", \"sipdb\": \"sipdb.b.test\", \"obfuscate\": true,\n"
	         "      \"migrate_in\": true, \"migrate_out\": true, \"tls\": false },\n"
	         "    { \"realm\": \"c.test\", \"sipdb\": \"sipdb.c.test\", \"tls\": false,\n"
	         "      \"migrate_in\": true, \"migrate_out\": true,\n"
	         "      \"profile_mode\": \"template\", \"profile_template\": \"<IMSSubscription>"
	         "<PrivateID>${impi}</PrivateID><ServiceProfile><PublicIdentity><Identity>${impu}"
	         "</Identity></PublicIdentity><InitialFilterCriteria><Priority>0</Priority>"
	         "</InitialFilterCriteria></ServiceProfile></IMSSubscription>\" },\n"
	         "    { \"realm\": \"d.test\", \"sipdb\": \"sipdb.d.test\", \"migrate_in\": true,\n"
	         "      \"tls\": false, \"migrate_out\": false,\n"
	         "      \"profile_mode\": \"merge\", \"profile_template\": \"<IMSSubscription>"
	         "<PrivateID>x</PrivateID><ServiceProfile><PublicIdentity><Identity>sip:x@d.test"
	         "</Identity></PublicIdentity><CoreNetworkServicesAuthorization>"
	         "<SubscribedMediaProfileId>${impu}</SubscribedMediaProfileId>"
	         "</CoreNetworkServicesAuthorization></ServiceProfile></IMSSubscription>\" },\n"
	         "    { \"realm\": \"e.test\", \"sipdb\": \"sipdb.e.test\", \"migrate_in\": true,\n"
	         "      \"migrate_out\": true },\n"
	         "    { \"realm\": \"f.test\", \"tls\": false, \"migrate_in\": true,\n"
	         "      \"migrate_out\": true } ] }\n", fz_dir);
	fz_write("broker.json", json, path, sizeof(path));
	if (fd_ext_init(FD_PROJECT_VERSION_MAJOR, FD_PROJECT_VERSION_MINOR, path))
		fz_die("mig_sipdb's entry point");
}

/* The fixture's bindings and the registration each must have. */
static struct fz_binding {
	int64_t id;
	const char *server, *host; /* NULL: allocated, not registered */
	int revoked;
} fz_bindings[6];
static size_t fz_nbindings;

/* One binding of the fixture: allocated, then registered or revoked. */
static void fz_bind(mig_store_t *st, enum mig_dir dir, const char *user, const char *realm,
                    const char *server, const char *host, int revoke)
{
	char impi[64], impu[80], sipdb[64];
	struct mig_alloc_req q = { dir, impi, impu, realm, NULL, "fuzz", 0, 0 };
	struct fz_binding *f = &fz_bindings[fz_nbindings++];
	struct mig_binding b;

	snprintf(impi, sizeof(impi), "%s@%s", user, dir == MIG_DIR_OUT ? FZ_REALM : realm);
	snprintf(impu, sizeof(impu), "sip:%s", impi);
	snprintf(sipdb, sizeof(sipdb), "sipdb.%s", realm);
	q.peer_sipdb = dir == MIG_DIR_IN ? sipdb : NULL;
	if (mig_binding_allocate(st, &q, &b) != MIG_OK ||
	    (server && mig_binding_register_host(st, b.id, server, host) != MIG_OK) ||
	    (revoke && mig_binding_revoke(st, b.id, "fuzz fixture", NULL) != MIG_OK))
		fz_die(mig_store_errmsg(st));
	f->id = b.id;
	f->server = server;
	f->host = host;
	f->revoked = revoke;
}

/*
 * Put the fixture's registrations back as they were: the answers to
 * earlier inputs registered or unregistered bindings (through the writer
 * thread of sipdb_db.c), and an input should meet the same store as its
 * seed did.  Reads only, unless something changed.  (A note of the
 * previous input that the writer applies only now can still slip in.)
 */
static void fz_restore(void)
{
	mig_store_t *st = sipdb_db();
	struct mig_binding b;
	size_t i;

	for (i = 0; st && i < fz_nbindings; i++) {
		const struct fz_binding *f = &fz_bindings[i];

		if (f->revoked || mig_binding_get(st, f->id, &b) != MIG_OK)
			continue;
		if (f->server && (b.state != MIG_STATE_REGISTERED || strcmp(b.server, f->server)))
			(void)mig_binding_register_host(st, f->id, f->server, f->host);
		else if (!f->server && b.state == MIG_STATE_REGISTERED)
			(void)mig_binding_unregister(st, f->id);
	}
}

/* The pool the fixture's identities come from, then its bindings. */
static void fz_store(void)
{
	mig_store_t *st = sipdb_db();
	struct mig_pool_entry e[12];
	char ids[12][2][40];
	size_t i;

	if (!st || mig_pool_create(st, "fuzz") != MIG_OK)
		fz_die("the store");
	for (i = 0; i < 12; i++) {
		snprintf(ids[i][0], sizeof(ids[i][0]), "mig-%04zu@" FZ_REALM, i + 1);
		snprintf(ids[i][1], sizeof(ids[i][1]), "sip:mig-%04zu@" FZ_REALM, i + 1);
		e[i].impi = ids[i][0];
		e[i].impu = ids[i][1];
	}
	if (mig_pool_add(st, "fuzz", e, 12, NULL) != MIG_OK)
		fz_die(mig_store_errmsg(st));
	fz_bind(st, MIG_DIR_OUT, "alice", "b.test", "sip:sipdb.b.test", "sipdb.b.test", 0);
	fz_bind(st, MIG_DIR_OUT, "bob", "c.test", NULL, NULL, 0);
	fz_bind(st, MIG_DIR_IN, "carol", "b.test", "sip:scscf.a.test:6060", "scscf.a.test", 0);
	fz_bind(st, MIG_DIR_IN, "dave", "c.test", NULL, NULL, 0);
	fz_bind(st, MIG_DIR_IN, "erin", "d.test", "sip:scscf.a.test:6060", "scscf.a.test", 0);
	fz_bind(st, MIG_DIR_IN, "frank", "b.test", NULL, NULL, 1);
}

/* Once per process (libFuzzer calls LLVMFuzzerInitialize once). */
void fz_fd_init(void)
{
	static int done;

	if (done++)
		return;
	if (!mkdtemp(fz_dir))
		fz_die("mkdtemp");
	atexit(fz_cleanup);
	fz_core();
	fz_broker();
	fz_store();
}
