/*
 * raw_peer: a hostile or broken Diameter partner, for
 * integration/broker_hostile.sh.  It connects to a broker (in clear, or
 * over TLS with --tls), exchanges CER/CEA as ORIGIN-HOST of ORIGIN-REALM,
 * then plays one CASE with messages built byte by byte (diam_raw.c), so
 * that it can say what freeDiameter would never send:
 *
 *   raw_peer [options] HOST PORT ORIGIN-HOST ORIGIN-REALM DEST-HOST DEST-REALM CASE [N [K]]
 *
 *   mar          a well-formed MAR (the baseline)
 *   items N      a MAR with N SIP-Auth-Data-Items (the command allows one)
 *   no-item      a MAR without its mandatory SIP-Auth-Data-Item
 *   unknown-m    a MAR with an AVP nobody defines, M bit set
 *   bad-u32      a MAR whose SIP-Number-Auth-Items has 2 bytes of data
 *   avp-short    a MAR whose User-Name says it is 4 bytes long (< header)
 *   avp-overrun  a MAR whose last AVP runs past the end of the message
 *   hdr-short    a message whose header says it is 12 bytes long
 *   gor          an allocation request (GOR) for IMPI/IMPU to ORIGIN-REALM
 *   flood N      N MARs (flood-gor N: GORs) sent back to back, answers
 *                read at the same time
 *   serve N K    play a primary system: answer up to K MARs that arrive
 *                with an MAA of N SIP-Auth-Data-Items (result 2001)
 *
 * Options: --tls CERT KEY CA, --impi I, --impu U, --origin-realm R (the
 * Origin-Realm of the requests, to spoof one; default ORIGIN-REALM),
 * --timeout MS (waiting for an answer; default 5000).
 *
 * Output, one fact a line: "CEA 2001"; for one request "answer result
 * 5009" (or "answer experimental 5001", "answer none"), "failed-avp 612"
 * when a Failed-AVP names an AVP, "items 0" (SIP-Auth-Data-Items in the
 * answer), then "alive yes|no" (does the peer still answer a DWR on this
 * connection); for a flood "flood sent N answered M in T ms", "code C
 * COUNT" per result code and "items I"; for serve "served K".
 * Exit 0 when the case ran its course (whatever the codes), 1 on a local
 * failure, 2 on bad usage.
 */
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "diam_raw.h"

#define RP_SAD 612 /* SIP-Auth-Data-Item */

struct rp {
	struct dr_conn c;
	const char *ohost, *orealm, *req_realm, *dhost, *drealm, *impi, *impu;
	unsigned timeout_ms;
	uint32_t next_id;
};

/* ---- requests ---------------------------------------------------------- */

/* Header and the AVPs every request of ours carries (Session-Id, the
 * application, origin, destination); a new hop-by-hop id each time. */
static void rp_common(struct rp *p, struct dr_buf *b, uint32_t code, uint32_t app,
                      uint32_t vendor)
{
	char sid[300];
	uint32_t id = p->next_id++;

	snprintf(sid, sizeof(sid), "%s;raw;%u", p->ohost, id);
	dr_header(b, code, app, id);
	dr_str(b, 263, 0, sid);
	if (vendor)
		dr_vsai(b, vendor, app);
	else
		dr_u32(b, 258, 0, app);
	dr_u32(b, 277, 0, 1);
	dr_str(b, 264, 0, p->ohost);
	dr_str(b, 296, 0, p->req_realm);
	dr_str(b, 293, 0, p->dhost);
	dr_str(b, 283, 0, p->drealm);
}

/* One SIP-Auth-Data-Item: the request's (n 0: scheme only) or a vector
 * with made-up keys (n: its SIP-Item-Number). */
static void rp_item(struct dr_buf *b, uint32_t n)
{
	static const uint8_t k16[16] = { 0x11, 0x22, 0x33, 0x44 }, k32[32] = { 0x55, 0x66 };
	size_t g = dr_group_open(b, RP_SAD, DR_VENDOR_3GPP);

	dr_u32(b, 613, DR_VENDOR_3GPP, n);
	dr_str(b, 608, DR_VENDOR_3GPP, "Digest-AKAv1-MD5");
	if (n) { /* a vector, not a request's empty item */
		dr_avp(b, 609, DR_VENDOR_3GPP, DR_FLAG_M, k32, sizeof(k32));
		dr_avp(b, 610, DR_VENDOR_3GPP, DR_FLAG_M, k16, sizeof(k16));
		dr_avp(b, 625, DR_VENDOR_3GPP, DR_FLAG_M, k16, sizeof(k16));
		dr_avp(b, 626, DR_VENDOR_3GPP, DR_FLAG_M, k16, sizeof(k16));
	}
	dr_group_close(b, g);
}

/* A MAR with `items` SIP-Auth-Data-Items (and what the case breaks). */
static void rp_mar(struct rp *p, struct dr_buf *b, unsigned items, const char *breakage)
{
	size_t at;
	unsigned i;

	rp_common(p, b, 303, DR_APP_CX, DR_VENDOR_3GPP);
	at = b->n;
	dr_str(b, 1, 0, p->impi);
	if (!strcmp(breakage, "avp-short"))
		dr_put32(b->d + at + 4, (DR_FLAG_M << 24) | 4);
	dr_str(b, 601, DR_VENDOR_3GPP, p->impu);
	at = b->n;
	dr_u32(b, 607, DR_VENDOR_3GPP, 1);
	if (!strcmp(breakage, "bad-u32")) { /* 2 bytes of data, then padding */
		dr_put32(b->d + at + 4, ((uint32_t)(DR_FLAG_M | DR_FLAG_V) << 24) | 14);
		memset(b->d + at + 14, 0, 2);
	}
	for (i = 0; i < items; i++)
		rp_item(b, 0);
	dr_str(b, 602, DR_VENDOR_3GPP, "sip:raw-peer");
	if (!strcmp(breakage, "unknown-m"))
		dr_avp(b, 9999, DR_VENDOR_3GPP, DR_FLAG_M, "boom", 4);
	if (!strcmp(breakage, "avp-overrun")) {
		at = b->n;
		dr_avp(b, 2, 0, DR_FLAG_M, "overrun", 7);
		dr_put32(b->d + at + 4, (DR_FLAG_M << 24) | 4000);
	}
	dr_finish(b);
	if (!strcmp(breakage, "hdr-short"))
		dr_put32(b->d, (1u << 24) | 12);
}

/* GOR: the partner asks A for identities of A's user, for itself. */
static void rp_gor(struct rp *p, struct dr_buf *b)
{
	rp_common(p, b, 16777214, DR_APP_MIG, 0);
	dr_str(b, 1, 0, p->impi);
	dr_str(b, 601, DR_VENDOR_3GPP, p->impu);
	dr_str(b, 1, DR_VENDOR_MIG, p->orealm);
	dr_finish(b);
}

/* ---- answers ----------------------------------------------------------- */

/* Read until an answer with that command code (answering DWRs); -1 when
 * the connection closed or nothing came in time. */
static int rp_answer(struct rp *p, struct dr_buf *b, uint32_t code)
{
	for (;;) {
		if (dr_read(&p->c, b))
			return -1;
		if (dr_is_request(b)) {
			if (dr_code(b) == 280)
				dr_answer_dwr(&p->c, b, p->ohost, p->orealm);
			continue;
		}
		if (dr_code(b) == code)
			return 0;
	}
}

/* The facts of one answer, one a line. */
static void rp_print(const struct dr_buf *b)
{
	struct dr_result r;

	dr_result(b, RP_SAD, &r);
	printf("answer %s %u\n", r.kind, r.code);
	if (r.failed)
		printf("failed-avp %u\n", r.failed);
	printf("items %u\n", r.count);
}

/* Does the connection still carry a DWR/DWA? */
static void rp_alive(struct rp *p, struct dr_buf *b)
{
	dr_header(b, 280, 0, p->next_id++);
	dr_str(b, 264, 0, p->ohost);
	dr_str(b, 296, 0, p->orealm);
	dr_finish(b);
	printf("alive %s\n", dr_send(&p->c, b) == 0 && rp_answer(p, b, 280) == 0 ? "yes" : "no");
}

/* One request of the case, its answer, then whether the link survived. */
static int rp_one(struct rp *p, const char *kase, unsigned n)
{
	struct dr_buf b;
	uint32_t code = strcmp(kase, "gor") ? 303 : 16777214;

	dr_buf_init(&b);
	if (code == 303)
		rp_mar(p, &b, !strcmp(kase, "items") ? n : !strcmp(kase, "no-item") ? 0 : 1, kase);
	else
		rp_gor(p, &b);
	if (dr_send(&p->c, &b) || rp_answer(p, &b, code))
		printf("answer none\n");
	else
		rp_print(&b);
	rp_alive(p, &b);
	free(b.d);
	return 0;
}

/* ---- flood ------------------------------------------------------------- */

struct rp_flood {
	struct rp *p;
	unsigned n, sent;
	int gor;
};

/* The flood's writer thread: every request back to back, no waiting. */
static void *rp_flood_writer(void *arg)
{
	struct rp_flood *f = arg;
	struct dr_buf b;

	dr_buf_init(&b);
	for (f->sent = 0; f->sent < f->n; f->sent++) {
		if (f->gor)
			rp_gor(f->p, &b);
		else
			rp_mar(f->p, &b, 1, "");
		if (dr_send(&f->p->c, &b))
			break;
	}
	free(b.d);
	return NULL;
}

/* Monotonic milliseconds, for the flood's duration. */
static long rp_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

#define RP_CODES 16

/* Send n requests from a thread while this one reads the answers;
 * count them per result code. */
static int rp_flood(struct rp *p, unsigned n, int gor)
{
	struct rp_flood f = { p, n, 0, gor };
	uint32_t codes[RP_CODES] = { 0 };
	unsigned counts[RP_CODES] = { 0 }, got = 0, items = 0, i;
	long t0 = rp_ms();
	struct dr_buf b;
	pthread_t thr;

	dr_buf_init(&b);
	if (pthread_create(&thr, NULL, rp_flood_writer, &f))
		return 1;
	while (got < n && rp_answer(p, &b, gor ? 16777214 : 303) == 0) {
		struct dr_result r;

		dr_result(&b, RP_SAD, &r);
		items += r.count;
		for (i = 0; i < RP_CODES && codes[i] && codes[i] != r.code; i++)
			;
		if (i < RP_CODES) {
			codes[i] = r.code;
			counts[i]++;
		}
		got++;
	}
	pthread_join(thr, NULL);
	printf("flood sent %u answered %u in %ld ms\n", f.sent, got, rp_ms() - t0);
	for (i = 0; i < RP_CODES && codes[i]; i++)
		printf("code %u %u\n", codes[i], counts[i]);
	printf("items %u\n", items);
	free(b.d);
	return 0;
}

/* ---- serve: a hostile primary ------------------------------------------ */

/* The MAA to the MAR in b, with n vectors. */
static void rp_maa(struct rp *p, const struct dr_buf *req, struct dr_buf *b, unsigned n)
{
	static const uint32_t copy[] = { 263, 1, 601 }; /* Session-Id, User-Name, Public-Identity */
	const uint8_t *v;
	size_t len, i;

	dr_header(b, 303, DR_APP_CX, 0);
	b->d[4] = 0x40; /* answer, P */
	memcpy(b->d + 12, req->d + 12, 8);
	for (i = 0; i < sizeof(copy) / sizeof(copy[0]); i++)
		if ((v = dr_find(req, copy[i], &len)))
			dr_avp(b, copy[i], copy[i] == 601 ? DR_VENDOR_3GPP : 0, DR_FLAG_M, v, len);
	dr_vsai(b, DR_VENDOR_3GPP, DR_APP_CX);
	dr_u32(b, 277, 0, 1);
	dr_u32(b, 268, 0, 2001);
	dr_str(b, 264, 0, p->ohost);
	dr_str(b, 296, 0, p->orealm);
	dr_u32(b, 607, DR_VENDOR_3GPP, n);
	for (i = 0; i < n; i++)
		rp_item(b, (uint32_t)i + 1);
	dr_finish(b);
}

/* Play the primary: answer each MAR that comes with n vectors, k times;
 * DWRs are answered so that the link stays up meanwhile. */
static int rp_serve(struct rp *p, unsigned n, unsigned k)
{
	struct dr_buf b, a;
	unsigned served = 0;

	dr_buf_init(&b);
	dr_buf_init(&a);
	while (served < k && dr_read(&p->c, &b) == 0) {
		if (!dr_is_request(&b))
			continue;
		if (dr_code(&b) == 280) {
			dr_answer_dwr(&p->c, &b, p->ohost, p->orealm);
			continue;
		}
		if (dr_code(&b) != 303)
			continue;
		rp_maa(p, &b, &a, n);
		if (dr_send(&p->c, &a))
			break;
		served++;
		printf("served MAR %u with %u items, %zu bytes\n", served, n, a.n);
		fflush(stdout);
	}
	printf("served %u\n", served);
	free(b.d);
	free(a.d);
	return 0;
}

/* DPR/DPA (RFC 6733 5.4), so that the broker sees an orderly end before
 * the next connection of the same identity. */
static void rp_bye(struct rp *p)
{
	struct dr_buf b;

	dr_buf_init(&b);
	dr_header(&b, 282, 0, p->next_id++);
	dr_str(&b, 264, 0, p->ohost);
	dr_str(&b, 296, 0, p->orealm);
	dr_u32(&b, 273, 0, 0); /* REBOOTING */
	dr_finish(&b);
	if (dr_send(&p->c, &b) == 0)
		rp_answer(p, &b, 282);
	free(b.d);
}

/* ---- main -------------------------------------------------------------- */

/* Bad usage: say how, exit status 2. */
static int rp_usage(void)
{
	fputs("usage: raw_peer [--tls CERT KEY CA] [--impi I] [--impu U] [--origin-realm R]\n"
	      "       [--timeout MS] HOST PORT ORIGIN-HOST ORIGIN-REALM DEST-HOST DEST-REALM\n"
	      "       mar|items N|no-item|unknown-m|bad-u32|avp-short|avp-overrun|hdr-short|\n"
	      "       gor|flood N|flood-gor N|serve N K\n", stderr);
	return 2;
}

/* CER/CEA; 0 when the peer accepted us. */
static int rp_hello(struct rp *p)
{
	struct dr_buf b;
	struct dr_result r;
	int ok;

	dr_buf_init(&b);
	dr_cer(&b, p->ohost, p->orealm);
	ok = dr_send(&p->c, &b) == 0 && rp_answer(p, &b, 257) == 0;
	if (ok)
		dr_result(&b, 0, &r);
	printf("CEA %s\n", ok ? (r.code == 2001 ? "2001" : "refused") : "none");
	free(b.d);
	return ok && r.code == 2001 ? 0 : -1;
}

/* Dispatch CASE [N [K]]. */
static int rp_case(struct rp *p, int argc, char **argv)
{
	const char *kase = argv[0];
	unsigned n = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 0;
	unsigned k = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 1;

	if (!strcmp(kase, "flood") || !strcmp(kase, "flood-gor"))
		return n ? rp_flood(p, n, kase[5] == '-') : rp_usage();
	if (!strcmp(kase, "serve"))
		return rp_serve(p, n, k);
	if (!strcmp(kase, "items") && !n)
		return rp_usage();
	return rp_one(p, kase, n);
}

/* Options, connection, CER, the case, DPR. */
int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "tls", required_argument, NULL, 't' },  { "impi", required_argument, NULL, 'i' },
		{ "impu", required_argument, NULL, 'u' }, { "origin-realm", required_argument, NULL, 'r' },
		{ "timeout", required_argument, NULL, 'w' }, { NULL, 0, NULL, 0 }
	};
	const char *cert = NULL, *key = NULL, *ca = NULL;
	struct rp p = { .impi = "alice@a.test", .impu = "sip:alice@a.test", .timeout_ms = 5000,
	                .next_id = 100 };
	int o, rc;

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 't':
			if (optind + 1 >= argc)
				return rp_usage();
			cert = optarg;
			key = argv[optind++];
			ca = argv[optind++];
			break;
		case 'i': p.impi = optarg; break;
		case 'u': p.impu = optarg; break;
		case 'r': p.req_realm = optarg; break;
		case 'w': p.timeout_ms = (unsigned)strtoul(optarg, NULL, 10); break;
		default: return rp_usage();
		}
	}
	if (argc - optind < 7)
		return rp_usage();
	argv += optind;
	p.ohost = argv[2];
	p.orealm = argv[3];
	p.dhost = argv[4];
	p.drealm = argv[5];
	if (!p.req_realm)
		p.req_realm = p.orealm;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (dr_connect(&p.c, argv[0], argv[1], cert, key, ca, p.timeout_ms))
		return 0;
	rc = rp_hello(&p) ? 0 : rp_case(&p, argc - optind - 6, argv + 6);
	rp_bye(&p);
	dr_close(&p.c);
	return rc;
}
