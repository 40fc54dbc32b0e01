/*
 * cx_client_opts.c: the command line.
 *
 * One getopt_long pass over everything (GNU getopt permutes, so options
 * may come before or after the subcommand), then checks that each option
 * given belongs to the subcommand and that the required ones are there.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aka.h"
#include "cx_client.h"

#define CXC_DEFAULT_TIMEOUT_MS  5000u
#define CXC_DEFAULT_CONNECT_MS  10000u
#define CXC_MAX_COUNT           10000000u

static const char *const cxc_cmd_names[CXC_NCMDS] = { "mar", "gor", "gir", "sar", "uar",
						      "lir" };

const char *cxc_cmd_name(enum cxc_cmd cmd)
{
	return cxc_cmd_names[cmd];
}

const char *cxc_request_name(enum cxc_cmd cmd)
{
	static const char *const names[CXC_NCMDS] = { "MAR", "GOR", "GIR", "SAR", "UAR", "LIR" };

	return names[cmd];
}

static void cxc_usage(FILE *out)
{
	fputs(
"usage: cx_client -c CONF [global options] COMMAND [command options]\n"
"\n"
"Starts an embedded freeDiameter core from CONF (a freeDiameter\n"
"configuration that loads dict_cx, alone or after dict_dcca_3gpp),\n"
"waits until the peer is OPEN, sends the\n"
"request, prints the answer as JSON on stdout and exits.\n"
"\n"
"Global options:\n"
"  -c, --config CONF        freeDiameter configuration (required)\n"
"  --peer DIAMID            wait for this peer (default: the first that is OPEN)\n"
"  --timeout MS             deadline for each answer (default 5000)\n"
"  --connect-timeout MS     deadline for the peer to be OPEN (default 10000)\n"
"  --dest-realm R           Destination-Realm (default: the peer's realm;\n"
"                           another realm needs rt_default rules in CONF)\n"
"  --dest-host H            Destination-Host (default: none)\n"
"  --doic                   RFC 7683 overload control: every request carries\n"
"                           OC-Supported-Features (loss algorithm), and the\n"
"                           share of requests the answers' overload reports\n"
"                           ask to abate is not sent (summary: \"abated\")\n"
"  --origin-host H          Origin-Host of the request (default: our identity;\n"
"                           as a proxy forwards an S-CSCF's request)\n"
"  --count N                send N requests and print a summary instead; a\n"
"                           %u in --impi and --impu becomes the request's\n"
"                           number, 0 to N-1 (one user per request)\n"
"  --inflight K             keep at most K requests in flight (default 1)\n"
"  --answer-log FILE        append each answer to FILE as it arrives, one\n"
"                           JSON line (the answer's fields without \"avps\",\n"
"                           and \"request\": its number), flushed at once\n"
"  --rate R                 with --count: start R requests per second (open\n"
"                           loop; --inflight still caps what is outstanding);\n"
"                           the summary then has sent_per_s and, with every\n"
"                           run, latency_ms_by_code\n"
"  --duration S             with --count: stop starting requests after S\n"
"                           seconds (N is then only the cap), wait for the\n"
"                           answers; the summary's count is what was sent\n"
"  --ids FILE               with --count: request i is for the identities on\n"
"                           line i of FILE (\"IMPI IMPU\", cyclic), instead\n"
"                           of --impi/--impu\n"
"  --log FILE               core logs to FILE (default: stderr)\n"
"  -d, --debug              more core logs;  -q, --quiet: errors only\n"
"  -h, --help               this text\n"
"\n"
"Commands:\n"
"  mar --impi I --impu U [--scheme S] [--items N] [--server-name SN]\n"
"      [--auts HEX] [--omit user-name|public-identity]\n"
"      Cx Multimedia-Auth-Request.  Defaults: scheme Digest-AKAv1-MD5,\n"
"      1 item, server name sip:scscf.<own realm>.  --auts takes\n"
"      RAND(16)||AUTS(14) as 60 hex digits, sent in SIP-Authorization.\n"
"  sar [--impi I] --impu U [--impu U2 ...] [--server-name SN] [--type N]\n"
"      [--data-available 0|1]\n"
"      Cx Server-Assignment-Request.  Defaults: Server-Assignment-Type 1\n"
"      (REGISTRATION), User-Data-Already-Available 0, server name as mar.\n"
"      The JSON has user_data (the profile XML).\n"
"  uar --impi I --impu U [--type N] [--visited-network V]\n"
"      Cx User-Authorization-Request (--type: User-Authorization-Type;\n"
"      Visited-Network-Identifier defaults to our realm).\n"
"  lir --impu U [--type N]\n"
"      Cx Location-Info-Request.  UAA and LIA JSON have server_name and\n"
"      server_capabilities.\n"
"  gor --impi I --impu U --partner REALM [--lifetime S] [--pool P]\n"
"      Get-Outbound-Migration-Identities-Request\n"
"  gir --impi I --impu U --primary REALM [--primary-sipdb ID]\n"
"      [--lifetime S] [--pool P]\n"
"      Get-Inbound-Migration-Identities-Request\n"
"  (--omit user-name|public-identity works for every command: it leaves\n"
"  that AVP out, to provoke DIAMETER_MISSING_AVP)\n"
"\n"
"Exit status: 0 an answer was received (whatever its result code: the\n"
"JSON says it; with --count: every request was answered), 1 other\n"
"errors, 2 bad usage, 3 no connection to the peer in time, 4 no answer in\n"
"time.\n", out);
}

enum cxc_optid {
	O_PEER = 256, O_TIMEOUT, O_CONNECT, O_DREALM, O_DHOST, O_COUNT, O_INFLIGHT, O_RATE,
	O_DURATION, O_LOG, O_OHOST, O_IDS, O_IMPI, O_IMPU, O_SCHEME, O_ITEMS, O_SNAME, O_AUTS, O_OMIT,
	O_PARTNER, O_PRIMARY, O_SIPDB, O_LIFETIME, O_POOL, O_TYPE, O_DATA, O_VISITED, O_ANSLOG,
	O_DOIC,
	O_END
};

#define M_MAR (1u << CXC_MAR)
#define M_GOR (1u << CXC_GOR)
#define M_GIR (1u << CXC_GIR)
#define M_SAR (1u << CXC_SAR)
#define M_UAR (1u << CXC_UAR)
#define M_LIR (1u << CXC_LIR)
#define M_ALL (M_MAR | M_GOR | M_GIR | M_SAR | M_UAR | M_LIR)

/* Which commands each subcommand option belongs to (0: global). */
static unsigned cxc_opt_cmds(int id)
{
	switch (id) {
	case O_SCHEME: case O_ITEMS: case O_AUTS:
		return M_MAR;
	case O_SNAME:
		return M_MAR | M_SAR;
	case O_TYPE:
		return M_SAR | M_UAR | M_LIR;
	case O_DATA:
		return M_SAR;
	case O_VISITED:
		return M_UAR;
	case O_PARTNER:
		return M_GOR;
	case O_PRIMARY: case O_SIPDB:
		return M_GIR;
	case O_LIFETIME: case O_POOL:
		return M_GOR | M_GIR;
	case O_IMPI: case O_IMPU: case O_OMIT:
		return M_ALL;
	default:
		return 0;
	}
}

static const struct option cxc_longopts[] = {
	{ "config",          required_argument, NULL, 'c' },
	{ "help",            no_argument,       NULL, 'h' },
	{ "debug",           no_argument,       NULL, 'd' },
	{ "quiet",           no_argument,       NULL, 'q' },
	{ "peer",            required_argument, NULL, O_PEER },
	{ "timeout",         required_argument, NULL, O_TIMEOUT },
	{ "connect-timeout", required_argument, NULL, O_CONNECT },
	{ "dest-realm",      required_argument, NULL, O_DREALM },
	{ "dest-host",       required_argument, NULL, O_DHOST },
	{ "count",           required_argument, NULL, O_COUNT },
	{ "inflight",        required_argument, NULL, O_INFLIGHT },
	{ "rate",            required_argument, NULL, O_RATE },
	{ "duration",        required_argument, NULL, O_DURATION },
	{ "log",             required_argument, NULL, O_LOG },
	{ "ids",             required_argument, NULL, O_IDS },
	{ "origin-host",     required_argument, NULL, O_OHOST },
	{ "impi",            required_argument, NULL, O_IMPI },
	{ "impu",            required_argument, NULL, O_IMPU },
	{ "scheme",          required_argument, NULL, O_SCHEME },
	{ "items",           required_argument, NULL, O_ITEMS },
	{ "server-name",     required_argument, NULL, O_SNAME },
	{ "auts",            required_argument, NULL, O_AUTS },
	{ "omit",            required_argument, NULL, O_OMIT },
	{ "partner",         required_argument, NULL, O_PARTNER },
	{ "primary",         required_argument, NULL, O_PRIMARY },
	{ "primary-sipdb",   required_argument, NULL, O_SIPDB },
	{ "lifetime",        required_argument, NULL, O_LIFETIME },
	{ "pool",            required_argument, NULL, O_POOL },
	{ "type",            required_argument, NULL, O_TYPE },
	{ "data-available",  required_argument, NULL, O_DATA },
	{ "visited-network", required_argument, NULL, O_VISITED },
	{ "answer-log",      required_argument, NULL, O_ANSLOG },
	{ "doic",            no_argument,       NULL, O_DOIC },
	{ NULL, 0, NULL, 0 }
};

static int cxc_bad(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int cxc_bad(const char *fmt, ...)
{
	va_list ap;

	fputs("cx_client: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (cx_client --help)\n", stderr);
	return CXC_EXIT_USAGE;
}

/* A decimal number in [lo, hi]. */
static int cxc_num(const char *name, const char *s, unsigned long lo, unsigned long hi,
		   uint32_t *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || v < lo || v > hi)
		return cxc_bad("bad number for --%s", name);
	*out = (uint32_t)v;
	return 0;
}

/* RAND(16) || AUTS(14) as 60 hex digits (the test tools' shared hex helper). */
static int cxc_parse_auts(const char *s, struct cxc_opts *o)
{
	if (aka_hex_to_bytes(s, o->auts, CXC_AUTS_LEN))
		return cxc_bad("--auts needs 60 hex digits (RAND||AUTS), got '%s'", s);
	o->has_auts = 1;
	return 0;
}

static int cxc_parse_omit(const char *s, struct cxc_opts *o)
{
	if (!strcmp(s, "user-name"))
		o->omit_user_name = 1;
	else if (!strcmp(s, "public-identity"))
		o->omit_public_identity = 1;
	else
		return cxc_bad("--omit takes user-name or public-identity, not '%s'", s);
	return 0;
}

static int cxc_set_global(int id, const char *arg, struct cxc_opts *o)
{
	uint32_t v;
	int rc = 0;

	switch (id) {
	case 'c': o->conf = arg; break;
	case 'd': o->log_level = FD_LOG_DEBUG; break;
	case 'q': o->log_level = FD_LOG_ERROR; break;
	case O_PEER: o->peer = arg; break;
	case O_DREALM: o->dest_realm = arg; break;
	case O_DHOST: o->dest_host = arg; break;
	case O_LOG: o->log_file = arg; break;
	case O_ANSLOG: o->answer_log = arg; break;
	case O_DOIC: o->doic = 1; break;
	case O_OHOST: o->origin_host = arg; break;
	case O_IDS: o->ids_file = arg; break;
	case O_TIMEOUT: rc = cxc_num("timeout", arg, 1, 3600000, &o->timeout_ms); break;
	case O_CONNECT: rc = cxc_num("connect-timeout", arg, 1, 3600000, &o->connect_ms); break;
	case O_COUNT:
		rc = cxc_num("count", arg, 1, CXC_MAX_COUNT, &v);
		o->count = v;
		o->summary = 1;
		break;
	case O_INFLIGHT: rc = cxc_num("inflight", arg, 1, 100000, &v); o->inflight = v; break;
	case O_RATE: rc = cxc_num("rate", arg, 1, 1000000, &o->rate); break;
	case O_DURATION: rc = cxc_num("duration", arg, 1, 86400, &o->duration_s); break;
	default: return -1;
	}
	return rc;
}

static int cxc_set_command_opt(int id, const char *arg, struct cxc_opts *o)
{
	switch (id) {
	case O_IMPI: o->impi = arg; return 0;
	case O_IMPU:
		if (o->n_impus == CXC_MAX_IMPUS)
			return cxc_bad("at most %d --impu", CXC_MAX_IMPUS);
		o->impus[o->n_impus++] = arg;
		o->impu = o->impus[0];
		return 0;
	case O_VISITED: o->visited = arg; return 0;
	case O_TYPE:
		o->has_type = 1;
		return cxc_num("type", arg, 0, 0xffffffffUL, &o->type);
	case O_DATA: return cxc_num("data-available", arg, 0, 1, &o->data_available);
	case O_SCHEME: o->scheme = arg; return 0;
	case O_SNAME: o->server_name = arg; return 0;
	case O_PARTNER: case O_PRIMARY: o->realm = arg; return 0;
	case O_SIPDB: o->primary_sipdb = arg; return 0;
	case O_POOL: o->pool = arg; return 0;
	case O_ITEMS: return cxc_num("items", arg, 1, 0xffffffffUL, &o->items);
	case O_AUTS: return cxc_parse_auts(arg, o);
	case O_OMIT: return cxc_parse_omit(arg, o);
	case O_LIFETIME:
		o->has_lifetime = 1;
		return cxc_num("lifetime", arg, 0, 0xffffffffUL, &o->lifetime);
	default: return cxc_bad("internal error: option %d", id);
	}
}

static void cxc_opts_defaults(struct cxc_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->log_level = FD_LOG_NOTICE;
	o->timeout_ms = CXC_DEFAULT_TIMEOUT_MS;
	o->connect_ms = CXC_DEFAULT_CONNECT_MS;
	o->count = 1;
	o->inflight = 1;
	o->scheme = "Digest-AKAv1-MD5";
	o->items = 1;
	o->cmd = CXC_NCMDS;
}

static int cxc_find_cmd(const char *name, struct cxc_opts *o)
{
	int i;

	for (i = 0; i < CXC_NCMDS; i++) {
		if (!strcmp(name, cxc_cmd_names[i])) {
			o->cmd = (enum cxc_cmd)i;
			return 0;
		}
	}
	return cxc_bad("unknown command '%s' (mar, sar, uar, lir, gor or gir)", name);
}

/* The long name of an option, for messages. */
static const char *cxc_opt_name(int id)
{
	const struct option *lo;

	for (lo = cxc_longopts; lo->name; lo++)
		if (lo->val == id)
			return lo->name;
	return "?";
}

/* Each command option given must belong to the command. */
static int cxc_opts_check_seen(const struct cxc_opts *o, const unsigned char *seen)
{
	int id;

	for (id = O_PEER; id < O_END; id++) {
		unsigned cmds = cxc_opt_cmds(id);

		if (seen[id - O_PEER] && cmds && !(cmds & (1u << o->cmd)))
			return cxc_bad("--%s does not belong to '%s'", cxc_opt_name(id),
				       cxc_cmd_name(o->cmd));
	}
	return 0;
}

/* The subcommand's own rules, once everything is read. */
static int cxc_opts_check(const struct cxc_opts *o, const unsigned char *seen)
{
	int rc;

	if (!o->conf)
		return cxc_bad("-c CONF is required");
	if (o->cmd == CXC_NCMDS)
		return cxc_bad("a command is required (mar, sar, uar, lir, gor or gir)");
	if ((rc = cxc_opts_check_seen(o, seen)))
		return rc;
	if (o->cmd == CXC_LIR && o->impi)
		return cxc_bad("lir takes no --impi (a LIR has no User-Name)");
	if (o->ids_file && (o->cmd != CXC_MAR || !o->summary))
		return cxc_bad("--ids is for mar with --count");
	if (!o->impi && !o->ids_file && !o->omit_user_name && o->cmd != CXC_LIR &&
	    o->cmd != CXC_SAR)
		return cxc_bad("--impi is required");
	if (o->n_impus > 1 && o->cmd != CXC_SAR)
		return cxc_bad("--impu is repeatable for sar only");
	if (!o->impu && !o->ids_file && !o->omit_public_identity)
		return cxc_bad("--impu is required");
	if (o->cmd == CXC_GOR && !o->realm)
		return cxc_bad("gor needs --partner REALM");
	if (o->cmd == CXC_GIR && !o->realm)
		return cxc_bad("gir needs --primary REALM");
	if (o->inflight > o->count && o->summary)
		return cxc_bad("--inflight larger than --count");
	if (o->duration_s && !o->summary)
		return cxc_bad("--duration is for --count");
	return 0;
}

int cxc_opts_parse(int argc, char **argv, struct cxc_opts *o)
{
	unsigned char seen[O_END - O_PEER] = { 0 };
	int id, rc;

	cxc_opts_defaults(o);
	opterr = 0;
	while ((id = getopt_long(argc, argv, ":c:hdq", cxc_longopts, NULL)) != -1) {
		if (id == 'h') {
			cxc_usage(stdout);
			return -1;
		}
		if (id == '?')
			return cxc_bad("unknown option '%s'", argv[optind - 1]);
		if (id == ':')
			return cxc_bad("option '%s' needs a value", argv[optind - 1]);
		rc = cxc_set_global(id, optarg, o);
		if (rc < 0 && (id < O_PEER || id >= O_END))
			return cxc_bad("internal error: option %d", id);
		if (rc < 0) {
			seen[id - O_PEER] = 1;
			rc = cxc_set_command_opt(id, optarg, o);
		}
		if (rc)
			return rc;
	}
	if (optind < argc && (rc = cxc_find_cmd(argv[optind++], o)))
		return rc;
	if (optind < argc)
		return cxc_bad("unexpected argument '%s'", argv[optind]);
	return cxc_opts_check(o, seen);
}

/*
 * Read the --ids file: one "IMPI IMPU" per line, so that a load run can
 * spread its requests over many bindings (the MAR benchmark draws them
 * from the whole store).  Loaded once, before the first request.
 */
int cxc_ids_load(const char *path, struct cxc_ids *ids)
{
	char impi[512], impu[512];
	size_t cap = 0;
	FILE *f = fopen(path, "r");

	memset(ids, 0, sizeof(*ids));
	if (!f)
		return cxc_bad("--ids %s: %s", path, strerror(errno));
	while (fscanf(f, "%511s %511s", impi, impu) == 2) {
		if (ids->n == cap) {
			cap = cap ? 2 * cap : 1024;
			ids->impi = realloc(ids->impi, cap * sizeof(char *));
			ids->impu = realloc(ids->impu, cap * sizeof(char *));
			if (!ids->impi || !ids->impu) {
				fclose(f);
				return cxc_bad("--ids %s: out of memory", path);
			}
		}
		ids->impi[ids->n] = strdup(impi);
		ids->impu[ids->n++] = strdup(impu);
	}
	fclose(f);
	return ids->n ? 0 : cxc_bad("--ids %s: no \"IMPI IMPU\" line", path);
}
