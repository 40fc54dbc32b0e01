/*
 * tls_peer: a Diameter peer over TLS that claims whatever identity it is
 * told to, for the broker's TLS test (integration/broker_tls.sh).
 *
 * freeDiameter refuses to start with a certificate that does not name its
 * own Identity, so an impostor -- a holder of a certificate for another
 * host, issued by the same CA, that claims a partner's Diameter identity
 * -- cannot be played with freeDiameter.  This tool plays it: it connects
 * with TLS (gnutls) using the certificate it is given, sends a CER as
 * ORIGIN-HOST of ORIGIN-REALM (advertising Cx), and, if the CEA is a
 * success, one Cx MAR for IMPI/IMPU; it prints what came back:
 *
 *   tls_peer HOST PORT CERT KEY CA ORIGIN-HOST ORIGIN-REALM DEST-HOST DEST-REALM IMPI IMPU
 *   -> "handshake ok" | "handshake failed: ...", "CEA 2001", "MAA result 5003"
 *      (or "MAA experimental 5001", "MAA none")
 *
 * Exit 0 when the exchange ran its course (whatever the codes), 1 on a
 * local failure, 2 on bad usage.  Messages are encoded by hand (diam_raw.c,
 * RFC 6733 clauses 3 and 4): a test tool must not depend on the code it
 * tests.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diam_raw.h"

/* Read messages until an answer with that command code (requests such as
 * DWR and other answers are skipped). */
static int tp_answer(struct dr_conn *c, struct dr_buf *b, uint32_t code)
{
	do
		if (dr_read(c, b))
			return -1;
	while (dr_is_request(b) || dr_code(b) != code);
	return 0;
}

static void tp_mar(struct dr_buf *b, char **a)
{
	char sid[256];
	size_t g;

	snprintf(sid, sizeof(sid), "%s;1;1;tls_peer", a[6]);
	dr_header(b, 303, DR_APP_CX, 2);
	dr_str(b, 263, 0, sid);
	dr_vsai(b, DR_VENDOR_3GPP, DR_APP_CX);
	dr_u32(b, 277, 0, 1);
	dr_str(b, 264, 0, a[6]);
	dr_str(b, 296, 0, a[7]);
	dr_str(b, 293, 0, a[8]);
	dr_str(b, 283, 0, a[9]);
	dr_str(b, 1, 0, a[10]);
	dr_str(b, 601, DR_VENDOR_3GPP, a[11]);
	dr_u32(b, 607, DR_VENDOR_3GPP, 1);
	g = dr_group_open(b, 612, DR_VENDOR_3GPP);
	dr_str(b, 608, DR_VENDOR_3GPP, "Digest-AKAv1-MD5");
	dr_group_close(b, g);
	dr_str(b, 602, DR_VENDOR_3GPP, "sip:impostor");
	dr_finish(b);
}

int main(int argc, char **argv)
{
	struct dr_conn c;
	struct dr_buf b;
	struct dr_result r;

	if (argc != 12) {
		fputs("usage: tls_peer HOST PORT CERT KEY CA ORIGIN-HOST ORIGIN-REALM DEST-HOST "
		      "DEST-REALM IMPI IMPU\n", stderr);
		return 2;
	}
	/* With TLS 1.3 the client's handshake can end before the server
	 * rejects its certificate: writing the CER then must not kill us
	 * (SIGPIPE) with "handshake ok" still in stdout's buffer. */
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (dr_connect(&c, argv[1], argv[2], argv[3], argv[4], argv[5], 5000))
		return 0; /* no connection, or "handshake failed" said */
	dr_buf_init(&b);
	dr_cer(&b, argv[6], argv[7]);
	if (dr_send(&c, &b) || tp_answer(&c, &b, 257)) {
		printf("CEA none\n");
		return 0;
	}
	dr_result(&b, 0, &r);
	printf("CEA %u\n", r.code);
	if (r.code != 2001)
		return 0;
	tp_mar(&b, argv);
	if (dr_send(&c, &b) || tp_answer(&c, &b, 303)) {
		printf("MAA none\n");
	} else {
		dr_result(&b, 0, &r);
		printf("MAA %s %u\n", r.kind, r.code);
	}
	dr_close(&c);
	free(b.d);
	return 0;
}
