/*
 * sipdb.c: entry point of the mig_sipdb extension, the migration broker.
 *
 *   LoadExtension = "mig_sipdb.fdx" : "/etc/freeDiameter/mig_sipdb.json";
 *
 * Start-up either completes or stops the daemon: the configuration is
 * checked whole, the dictionary objects must all be there, the store must
 * open (and is created or upgraded), and only then are handlers registered.
 */
#include <strings.h>

#include "sipdb.h"

struct mig_config *sipdb_conf;
struct sipdb_stats sipdb_stats;

/* The configured partners are written into the store, so that allocation
 * (which checks partners in the store) and migctl see what the broker
 * enforces. */
static int sipdb_sync_partners(void)
{
	mig_store_t *st = sipdb_db();
	size_t i;

	if (!st)
		return EINVAL;
	mig_store_set_actor(st, "config");
	for (i = 0; i < sipdb_conf->n_partners; i++) {
		const struct mig_partner_conf *c = &sipdb_conf->partners[i];
		struct mig_partner p;

		memset(&p, 0, sizeof(p));
		snprintf(p.realm, sizeof(p.realm), "%s", c->realm);
		snprintf(p.sipdb, sizeof(p.sipdb), "%s", c->sipdb);
		p.allow_in = c->migrate_in;
		p.allow_out = c->migrate_out;
		p.obfuscate = c->obfuscate;
		if (mig_partner_put(st, &p) != MIG_OK) {
			fd_log_error("mig_sipdb: partner '%s': %s", c->realm, mig_store_errmsg(st));
			return EINVAL;
		}
	}
	mig_store_set_actor(st, "mig_sipdb");
	return 0;
}

static int sipdb_load_conf(char *path)
{
	char err[MIG_CONFIG_ERR_MAX];

	if (!path) {
		fd_log_error("mig_sipdb: no configuration file: LoadExtension = \"mig_sipdb.fdx\" : "
		             "\"FILE.json\";");
		return EINVAL;
	}
	if (mig_config_load(path, &sipdb_conf, err, sizeof(err))) {
		fd_log_error("mig_sipdb: bad configuration: %s", err);
		return EINVAL;
	}
	if (strcasecmp(sipdb_conf->realm, fd_g_config->cnf_diamrlm))
		fd_log_notice("mig_sipdb: system.realm '%s' differs from the daemon's realm '%s'",
		              sipdb_conf->realm, fd_g_config->cnf_diamrlm);
	return 0;
}

/* Which handler serves each Cx command. */
static struct sipdb_route {
	int (*handle)(struct msg **msg, enum sipdb_cmd cmd);
	struct disp_hdl *hdl;
} sipdb_routes[SIPDB_NCMDS] = {
	[SIPDB_UAR] = { sipdb_uar_handle, NULL },  [SIPDB_SAR] = { sipdb_sar_handle, NULL },
	[SIPDB_LIR] = { sipdb_uar_handle, NULL },  [SIPDB_MAR] = { sipdb_mar_handle, NULL },
	[SIPDB_RTR] = { sipdb_push_handle, NULL }, [SIPDB_PPR] = { sipdb_push_handle, NULL },
};

struct timespec sipdb_after_ms(unsigned ms)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	t.tv_sec += ms / 1000;
	t.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	return t;
}

/* freeDiameter's dispatch callback for every Cx command: admission first
 * (sipdb_limit.c), so that a refusal costs no parsing and no look-up. */
static int sipdb_disp_cb(struct msg **msg, struct avp *avp, struct session *sess, void *opaque,
                         enum disp_action *act)
{
	const struct sipdb_route *rt = opaque;
	enum sipdb_cmd cmd = (enum sipdb_cmd)(rt - sipdb_routes);
	int refused;

	(void)avp;
	(void)sess;
	*act = DISP_ACT_CONT;
	CHECK_FCT(sipdb_limit_admit(msg, cmd, &refused));
	return refused ? 0 : rt->handle(msg, cmd);
}

static int sipdb_disp_init(void)
{
	struct disp_when when = { 0 };
	int i;

	when.app = sipdb_dict.app_cx;
	for (i = 0; i < SIPDB_NCMDS; i++) {
		when.command = sipdb_dict.cmd[i];
		CHECK_FCT(fd_disp_register(sipdb_disp_cb, DISP_HOW_CC, &when, &sipdb_routes[i],
		                           &sipdb_routes[i].hdl));
	}
	return 0;
}

static void sipdb_disp_fini(void)
{
	int i;

	for (i = 0; i < SIPDB_NCMDS; i++)
		if (sipdb_routes[i].hdl)
			fd_disp_unregister(&sipdb_routes[i].hdl, NULL);
}

/*
 * freeDiameter 1.2.1 formats every message it receives or sends into text
 * when no extension has a hook for that event -- under one global mutex,
 * and even when the log level will not print the text.  The bench measured
 * this at a third of a broker's instructions per MAR (the routing events,
 * "FORWARDING" and "DISPATCHING", another 55,000 per MAR).  Unless the daemon
 * runs at debug level, where those lines are wanted, a hook that does
 * nothing takes the default's place.  Error events (parsing errors, dropped
 * messages, failed connections) keep their default log lines, and
 * dbg_msg_dumps.fdx still shows every message when it is loaded.
 */
static struct fd_hook_hdl *sipdb_quiet_hdl;

static void sipdb_quiet_cb(enum fd_hook_type type, struct msg *msg, struct peer_hdr *peer,
                           void *other, struct fd_hook_permsgdata *pmd, void *regdata)
{
	(void)type, (void)msg, (void)peer, (void)other, (void)pmd, (void)regdata;
}

static int sipdb_quiet_init(void)
{
	if (fd_g_debug_lvl <= FD_LOG_DEBUG)
		return 0;
	return fd_hook_register(HOOK_MASK(HOOK_DATA_RECEIVED, HOOK_MESSAGE_RECEIVED,
	                                  HOOK_MESSAGE_LOCAL, HOOK_MESSAGE_SENDING,
	                                  HOOK_MESSAGE_SENT, HOOK_MESSAGE_ROUTING_FORWARD,
	                                  HOOK_MESSAGE_ROUTING_LOCAL),
	                        sipdb_quiet_cb, NULL, NULL, &sipdb_quiet_hdl);
}

static int sipdb_entry(char *conffile)
{
	CHECK_FCT(sipdb_load_conf(conffile));
	CHECK_FCT(sipdb_dict_init());
	CHECK_FCT(sipdb_udata_init());
	CHECK_FCT(sipdb_limit_init()); /* before the writer thread, which flushes it */
	CHECK_FCT(sipdb_doic_init());
	CHECK_FCT(sipdb_backlog_init());
	CHECK_FCT(sipdb_db_init());
	CHECK_FCT(sipdb_sync_partners());
	CHECK_FCT(sipdb_peer_init());
	CHECK_FCT(sipdb_malformed_init());
	CHECK_FCT(sipdb_fwd_init());
	CHECK_FCT(sipdb_disp_init());
	CHECK_FCT(sipdb_alloc_init());
	CHECK_FCT(sipdb_rtr_init());
	CHECK_FCT(sipdb_quiet_init());
	CHECK_FCT(fd_disp_app_support(sipdb_dict.app_cx, sipdb_dict.vendor_3gpp, 1, 0));
	CHECK_FCT(fd_disp_app_support(sipdb_dict.app_alloc, sipdb_dict.vendor_mig, 1, 0));
	fd_log_notice("mig_sipdb: system '%s' (SIP database '%s'), store '%s', %zu partner(s), "
	              "local HSS '%s'", sipdb_conf->realm, sipdb_conf->sipdb, sipdb_conf->database,
	              sipdb_conf->n_partners, sipdb_conf->hss_host);
	return 0;
}

/* One line per command that was seen (MAR always), then the rest. */
static void sipdb_log_stats(void)
{
	int i;

	for (i = 0; i < SIPDB_NCMDS; i++) {
		const struct sipdb_cmd_stats *c = &sipdb_stats.cmd[i];

		if (i == SIPDB_MAR || atomic_load(&c->in))
			fd_log_notice("mig_sipdb: %s received %lu, brokered %lu, local %lu, answered "
			              "%lu, refused %lu", sipdb_cmd_name((enum sipdb_cmd)i),
			              atomic_load(&c->in), atomic_load(&c->brokered),
			              atomic_load(&c->local), atomic_load(&c->answered),
			              atomic_load(&c->refused));
	}
	fd_log_notice("mig_sipdb: timed out %lu; allocations %lu, refused %lu; RTRs sent %lu, "
	              "answered %lu, abandoned %lu", atomic_load(&sipdb_stats.fwd_timeout),
	              atomic_load(&sipdb_stats.alloc_ok), atomic_load(&sipdb_stats.alloc_refused),
	              atomic_load(&sipdb_stats.rtr_sent), atomic_load(&sipdb_stats.rtr_done),
	              atomic_load(&sipdb_stats.rtr_abandoned));
}

void fd_ext_fini(void);
void fd_ext_fini(void)
{
	if (sipdb_quiet_hdl)
		fd_hook_unregister(sipdb_quiet_hdl);
	sipdb_rtr_fini();
	sipdb_alloc_fini();
	sipdb_disp_fini();
	sipdb_fwd_fini();
	sipdb_malformed_fini();
	sipdb_peer_fini();
	sipdb_db_fini();
	sipdb_backlog_fini();
	sipdb_doic_fini();
	sipdb_limit_fini();
	sipdb_udata_fini();
	sipdb_log_stats();
	mig_config_free(sipdb_conf);
	sipdb_conf = NULL;
}

EXTENSION_ENTRY("mig_sipdb", sipdb_entry, "dict_cx");
