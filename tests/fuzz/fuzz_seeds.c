/*
 * fuzz_seeds.c: writes the seed corpus of fuzz_cx (tests/fuzz/corpus/
 * fuzz_cx/): one file per case below, each a request as a peer would send
 * it (built with the dictionary, encoded by freeDiameter), followed for
 * the forwarded ones by the answer the next hop gives.  The cases follow
 * the fixture of fuzz_fd.c and the roles of doc/broker.md: our S-CSCF
 * asking about a visitor, a partner asking about one of our users, our HSS
 * or a primary system pushing, allocations.  Each seed is also dispatched
 * once, and the program fails when one does not reach a handler.
 *
 *   make -C tests fuzz/fuzz_seeds && tests/fuzz/fuzz_seeds tests/fuzz/corpus/fuzz_cx
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sipdb.h"
#include "fuzz.h"

struct sd_case {
	const char *name;
	const char *cmd;      /* request command, dictionary name */
	const char *host;     /* Origin-Host; the realm is what follows its first dot */
	const char *avps;     /* "Name=value|Group={|Name=value|}|..." */
	const char *ans_cmd;  /* the next hop's answer; NULL: a plain success,
	                         "": none by the deadline */
	const char *ans_avps;
};

#define UD(impi, impu) "User-Data=<?xml version=\"1.0\"?><IMSSubscription><PrivateID>" impi \
	"</PrivateID><ServiceProfile><PublicIdentity><Identity>" impu "</Identity>" \
	"</PublicIdentity><PublicIdentity><Identity>sip:other@x.test</Identity></PublicIdentity>" \
	"<InitialFilterCriteria><Priority>1</Priority><ApplicationServer><ServerName>" \
	"sip:as.x.test</ServerName></ApplicationServer></InitialFilterCriteria></ServiceProfile>" \
	"</IMSSubscription>"
#define AUTH "SIP-Number-Auth-Items=1|SIP-Auth-Data-Item={|" \
	"SIP-Authentication-Scheme=Digest-AKAv1-MD5|}"
#define AUTH_ANS "SIP-Number-Auth-Items=1|SIP-Auth-Data-Item={|SIP-Item-Number=1|" \
	"SIP-Authentication-Scheme=Digest-AKAv1-MD5|SIP-Authenticate=0123456789abcdef|" \
	"SIP-Authorization=fedcba9876543210|Confidentiality-Key=0123456789abcdef|" \
	"Integrity-Key=0123456789abcdef|}"
#define SCSCF "Server-Name=sip:scscf.a.test:6060"

static const struct sd_case sd_cases[] = {
	{ "mar-visitor", "Multimedia-Auth-Request", "scscf.a.test",
	  "User-Name=mig-0003@a.test|Public-Identity=sip:mig-0003@a.test|" AUTH "|" SCSCF,
	  "Multimedia-Auth-Answer", "Result-Code=2001|User-Name=carol@b.test|"
	  "Public-Identity=sip:carol@b.test|" AUTH_ANS "|Route-Record=hss.b.test" },
	{ "mar-local", "Multimedia-Auth-Request", "scscf.a.test",
	  "User-Name=zed@a.test|Public-Identity=sip:zed@a.test|" AUTH "|" SCSCF, NULL, NULL },
	{ "mar-revoked", "Multimedia-Auth-Request", "scscf.a.test",
	  "User-Name=mig-0006@a.test|Public-Identity=sip:mig-0006@a.test|" AUTH "|" SCSCF,
	  NULL, NULL },
	{ "mar-unknown", "Multimedia-Auth-Request", "scscf.a.test",
	  "User-Name=mig-0099@a.test|Public-Identity=sip:mig-0099@a.test|" AUTH "|" SCSCF,
	  NULL, NULL },
	{ "mar-partner-obfuscated", "Multimedia-Auth-Request", "sipdb.b.test",
	  "User-Name=mig-0001@a.test|Public-Identity=sip:mig-0001@a.test|" AUTH
	  "|Server-Name=sip:border.b.test",
	  "Multimedia-Auth-Answer", "Experimental-Result={|Vendor-Id=10415|"
	  "Experimental-Result-Code=5001|}|User-Name=alice@a.test" },
	{ "mar-partner-plain", "Multimedia-Auth-Request", "sipdb.c.test",
	  "User-Name=bob@a.test|Public-Identity=sip:bob@a.test|" AUTH
	  "|Server-Name=sip:border.c.test", NULL, NULL },
	{ "mar-partner-tls", "Multimedia-Auth-Request", "sipdb.e.test",
	  "User-Name=bob@a.test|Public-Identity=sip:bob@a.test|" AUTH "|" SCSCF, NULL, NULL },
	{ "mar-partner-no-sipdb", "Multimedia-Auth-Request", "peer.f.test",
	  "User-Name=bob@a.test|Public-Identity=sip:bob@a.test|" AUTH "|" SCSCF, NULL, NULL },
	{ "sar-visitor", "Server-Assignment-Request", "scscf.a.test",
	  "User-Name=mig-0003@a.test|Public-Identity=sip:mig-0003@a.test|" SCSCF
	  "|Server-Assignment-Type=1|User-Data-Already-Available=0|"
	  "SCSCF-Restoration-Info={|User-Name=mig-0003@a.test|Restoration-Info={|"
	  "Path=sip:pcscf.a.test|Contact=sip:ue@10.0.0.1|}|}",
	  "Server-Assignment-Answer", "Result-Code=2001|User-Name=carol@b.test|"
	  UD("carol@b.test", "sip:carol@b.test") "|Charging-Information={|"
	  "Primary-Event-Charging-Function-Name=aaa://ccf.b.test|}" },
	{ "sar-visitor-template", "Server-Assignment-Request", "scscf.a.test",
	  "User-Name=mig-0004@a.test|Public-Identity=sip:mig-0004@a.test|" SCSCF
	  "|Server-Assignment-Type=1|User-Data-Already-Available=0",
	  "Server-Assignment-Answer", "Result-Code=2001|"
	  UD("dave@c.test", "sip:dave@c.test") },
	{ "sar-visitor-merge", "Server-Assignment-Request", "scscf.a.test",
	  "User-Name=mig-0005@a.test|Public-Identity=sip:mig-0005@a.test|" SCSCF
	  "|Server-Assignment-Type=2|User-Data-Already-Available=0",
	  "Server-Assignment-Answer", "Result-Code=2001|" UD("erin@d.test", "sip:erin@d.test") },
	{ "sar-visitor-dereg", "Server-Assignment-Request", "scscf.a.test",
	  "Public-Identity=sip:mig-0003@a.test|" SCSCF
	  "|Server-Assignment-Type=5|User-Data-Already-Available=0",
	  "Server-Assignment-Answer", "Result-Code=2001" },
	{ "sar-wildcard", "Server-Assignment-Request", "scscf.a.test",
	  SCSCF "|Wildcarded-Public-Identity=sip:*@a.test|Server-Assignment-Type=3|"
	  "User-Data-Already-Available=0", NULL, NULL },
	{ "sar-partner", "Server-Assignment-Request", "sipdb.b.test",
	  "User-Name=mig-0001@a.test|Public-Identity=sip:mig-0001@a.test|"
	  "Server-Name=sip:border.b.test|Server-Assignment-Type=1|User-Data-Already-Available=0",
	  "Server-Assignment-Answer", "Result-Code=2001|"
	  UD("alice@a.test", "sip:alice@a.test") "|Associated-Identities={|User-Name=al2@a.test|}" },
	{ "sar-partner-no-user", "Server-Assignment-Request", "sipdb.b.test",
	  "Public-Identity=sip:mig-0001@a.test|Server-Name=sip:border.b.test|"
	  "Server-Assignment-Type=1|User-Data-Already-Available=0", NULL, NULL },
	{ "uar-registered", "User-Authorization-Request", "icscf.a.test",
	  "User-Name=mig-0003@a.test|Public-Identity=sip:mig-0003@a.test|"
	  "Visited-Network-Identifier=a.test|User-Authorization-Type=0", NULL, NULL },
	{ "uar-first", "User-Authorization-Request", "icscf.a.test",
	  "User-Name=mig-0004@a.test|Public-Identity=sip:mig-0004@a.test|"
	  "Visited-Network-Identifier=a.test", NULL, NULL },
	{ "uar-capabilities", "User-Authorization-Request", "icscf.a.test",
	  "User-Name=mig-0004@a.test|Public-Identity=sip:mig-0004@a.test|"
	  "Visited-Network-Identifier=a.test|User-Authorization-Type=2", NULL, NULL },
	{ "uar-dereg", "User-Authorization-Request", "icscf.a.test",
	  "User-Name=mig-0004@a.test|Public-Identity=sip:mig-0004@a.test|"
	  "Visited-Network-Identifier=a.test|User-Authorization-Type=1", NULL, NULL },
	{ "uar-partner", "User-Authorization-Request", "sipdb.b.test",
	  "User-Name=mig-0001@a.test|Public-Identity=sip:mig-0001@a.test|"
	  "Visited-Network-Identifier=b.test", NULL, NULL },
	{ "lir-registered", "Location-Info-Request", "icscf.a.test",
	  "Public-Identity=sip:mig-0005@a.test", NULL, NULL },
	{ "lir-local", "Location-Info-Request", "icscf.a.test",
	  "Public-Identity=tel:+4912345", NULL, NULL },
	{ "rtr-from-hss", "Registration-Termination-Request", "hss.a.test",
	  "Destination-Host=sipdb.a.test|User-Name=alice@a.test|Public-Identity=sip:alice@a.test|"
	  "Deregistration-Reason={|Reason-Code=0|Reason-Info=admin|}|"
	  "Associated-Identities={|User-Name=al2@a.test|}",
	  "Registration-Termination-Answer", "Result-Code=2001|"
	  "Associated-Identities={|User-Name=mig-0001@a.test|}" },
	{ "rtr-from-primary", "Registration-Termination-Request", "sipdb.b.test",
	  "Destination-Host=sipdb.a.test|User-Name=carol@b.test|"
	  "Deregistration-Reason={|Reason-Code=1|}", "Registration-Termination-Answer",
	  "Result-Code=2001" },
	{ "rtr-from-primary-silent", "Registration-Termination-Request", "sipdb.b.test",
	  "Destination-Host=sipdb.a.test|User-Name=carol@b.test|"
	  "Deregistration-Reason={|Reason-Code=1|}", "", NULL },
	{ "ppr-from-hss", "Push-Profile-Request", "hss.a.test",
	  "Destination-Host=sipdb.a.test|User-Name=alice@a.test|"
	  UD("alice@a.test", "sip:alice@a.test") "|Charging-Information={|"
	  "Primary-Charging-Collection-Function-Name=aaa://ccf.a.test|}",
	  "Push-Profile-Answer", "Result-Code=2001" },
	{ "ppr-from-primary", "Push-Profile-Request", "sipdb.b.test",
	  "Destination-Host=sipdb.a.test|User-Name=carol@b.test|"
	  UD("carol@b.test", "sip:carol@b.test"), "Push-Profile-Answer", "Result-Code=2001" },
	{ "ppr-from-primary-merge", "Push-Profile-Request", "sipdb.d.test",
	  "Destination-Host=sipdb.a.test|User-Name=erin@d.test|"
	  UD("erin@d.test", "sip:erin@d.test"), "Push-Profile-Answer", "Result-Code=2001" },
	{ "ppr-bad-user-data", "Push-Profile-Request", "sipdb.b.test",
	  "Destination-Host=sipdb.a.test|User-Name=carol@b.test|"
	  UD("dave@c.test", "sip:carol@b.test"), NULL, NULL },
	{ "gor", "Get-Outbound-Migration-Identities-Request", "cms.a.test",
	  "User-Name=zoe@a.test|Public-Identity=sip:zoe@a.test|"
	  "Migration-Partner-Realm=b.test|Migration-Lifetime=3600", NULL, NULL },
	{ "gor-denied", "Get-Outbound-Migration-Identities-Request", "cms.a.test",
	  "User-Name=zoe@a.test|Public-Identity=sip:zoe@a.test|Migration-Partner-Realm=d.test",
	  NULL, NULL },
	{ "gor-pool", "Get-Outbound-Migration-Identities-Request", "cms.a.test",
	  "User-Name=yve@a.test|Public-Identity=tel:+4912345|Migration-Partner-Realm=c.test|"
	  "Migration-Pool=fuzz", NULL, NULL },
	{ "gir", "Get-Inbound-Migration-Identities-Request", "cms.a.test",
	  "User-Name=yan@c.test|Public-Identity=sip:yan@c.test|Migration-Primary-Realm=c.test|"
	  "Migration-Primary-SIPDB=sipdb.c.test", NULL, NULL },
	{ "gir-bad-impi", "Get-Inbound-Migration-Identities-Request", "cms.a.test",
	  "User-Name=yan|Public-Identity=sip:yan@c.test|Migration-Primary-Realm=c.test",
	  NULL, NULL },
};

/* A seed that cannot be built is a bug in the table above: stop. */
static void sd_die(const char *what, const char *name)
{
	fprintf(stderr, "fuzz_seeds: %s: %s\n", name, what);
	exit(1);
}

/* The AVP of that name, whatever its vendor. */
static struct dict_object *sd_avp_model(const char *name, size_t len)
{
	struct dict_object *o = NULL;
	char buf[128];

	snprintf(buf, sizeof(buf), "%.*s", (int)len, name);
	if (fd_dict_search(fd_g_config->cnf_dict, DICT_AVP, AVP_BY_NAME_ALL_VENDORS, buf, &o,
	                   ENOENT))
		sd_die("no such AVP", buf);
	return o;
}

/* Add the AVPs of spec (up to its end or the "}" closing a group) to parent;
 * returns where it stopped. */
static const char *sd_avps(msg_or_avp *parent, const char *spec)
{
	while (*spec && *spec != '}') {
		const char *eq = strchr(spec, '='), *end;
		struct dict_avp_data d;
		struct dict_object *model;
		union avp_value v;
		struct avp *a;

		if (!eq)
			sd_die("no '='", spec);
		model = sd_avp_model(spec, (size_t)(eq - spec));
		if (fd_dict_getval(model, &d) || fd_msg_avp_new(model, 0, &a))
			sd_die("AVP", spec);
		if (eq[1] == '{') {
			end = sd_avps(a, eq + 3);
			end += *end == '}';
		} else {
			end = strchr(eq + 1, '|');
			end = end ? end : eq + strlen(eq);
			memset(&v, 0, sizeof(v));
			if (d.avp_basetype == AVP_TYPE_OCTETSTRING) {
				v.os.data = (uint8_t *)(eq + 1);
				v.os.len = (size_t)(end - eq - 1);
			} else {
				v.u32 = (uint32_t)strtoul(eq + 1, NULL, 10);
			}
			if (fd_msg_avp_setvalue(a, &v))
				sd_die("value", spec);
		}
		if (fd_msg_avp_add(parent, MSG_BRW_LAST_CHILD, a))
			sd_die("add", spec);
		spec = *end == '|' ? end + 1 : end;
	}
	return spec;
}

/* A message of command cmd from host, its common AVPs then spec's. */
static struct msg *sd_msg(const char *cmd, const char *host, const char *spec, int answer)
{
	const char *realm = strchr(host, '.') + 1;
	int alloc = !strncmp(cmd, "Get-", 4);
	struct dict_object *model = NULL;
	static uint32_t seq;
	struct msg *m = NULL;
	struct msg_hdr *h;
	char head[512];

	/* Fixed identifiers: the same seeds every time they are written. */
	if (fd_dict_search(fd_g_config->cnf_dict, DICT_COMMAND, CMD_BY_NAME, cmd, &model, ENOENT) ||
	    fd_msg_new(model, 0, &m) || fd_msg_hdr(m, &h))
		sd_die("no such command", cmd);
	h->msg_hbhid = h->msg_eteid = ++seq;
	snprintf(head, sizeof(head), "Session-Id=%s;1;seed|Origin-Host=%s|Origin-Realm=%s|%s%s",
	         host, host, realm,
	         alloc ? "Auth-Application-Id=4294901761|"
	               : "Vendor-Specific-Application-Id={|Vendor-Id=10415|"
	                 "Auth-Application-Id=16777216|}|",
	         answer ? "Auth-Session-State=1" : "Auth-Session-State=1|Destination-Realm=a.test");
	sd_avps(m, head);
	sd_avps(m, spec);
	return m;
}

/* Encode m (as a peer would receive it) onto the seed file, and free it. */
static void sd_append(struct msg *m, FILE *f, const char *name)
{
	uint8_t *buf = NULL;
	size_t len;

	if (fd_msg_bufferize(m, &buf, &len) || fwrite(buf, 1, len, f) != len)
		sd_die("cannot encode or write", name);
	free(buf);
	fd_msg_free(m);
}

/* Write one case and dispatch it; fails unless the broker sent something. */
static void sd_write(const char *dir, const struct sd_case *c)
{
	unsigned long before = fz_sent;
	char path[4096];
	uint8_t data[65536];
	size_t len;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, c->name);
	if (!(f = fopen(path, "wb")))
		sd_die("cannot create", path);
	sd_append(sd_msg(c->cmd, c->host, c->avps, 0), f, c->name);
	if (c->ans_cmd && c->ans_cmd[0])
		sd_append(sd_msg(c->ans_cmd, "hop.z.test", c->ans_avps, 1), f, c->name);
	else if (c->ans_cmd && fputs("none", f) < 0) /* no usable answer: the deadline */
		sd_die("cannot write", path);
	if (fclose(f) || !(f = fopen(path, "rb")))
		sd_die("cannot write", path);
	len = fread(data, 1, sizeof(data), f);
	fclose(f);
	fz_fd_dispatch(data, len);
	if (fz_sent == before)
		sd_die("the broker sent nothing: the request did not reach a handler", c->name);
}

/* fuzz_seeds DIR: every case of sd_cases into DIR. */
int main(int argc, char **argv)
{
	size_t i;

	if (argc != 2) {
		fprintf(stderr, "usage: fuzz_seeds DIR\n");
		return 2;
	}
	fz_fd_init();
	for (i = 0; i < sizeof(sd_cases) / sizeof(*sd_cases); i++)
		sd_write(argv[1], &sd_cases[i]);
	printf("fuzz_seeds: %zu seeds in %s\n", i, argv[1]);
	return 0;
}
