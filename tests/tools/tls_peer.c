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
 * local failure, 2 on bad usage.  Messages are encoded by hand (RFC 6733
 * clause 3 and 4): a test tool must not depend on the code it tests.
 */
#include <arpa/inet.h>
#include <signal.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>

#define TP_VENDOR_3GPP 10415
#define TP_APP_CX 16777216
#define TP_FLAG_V 0x80
#define TP_FLAG_M 0x40
#define TP_MAX 8192

struct tp_buf {
	uint8_t d[TP_MAX];
	size_t n;
};

/* ---- encoding ---------------------------------------------------------- */

static void tp_put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static uint32_t tp_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Append an AVP (code, vendor 0 or 3GPP) with data; returns its offset. */
static size_t tp_avp(struct tp_buf *b, uint32_t code, uint32_t vendor, uint8_t flags,
                     const void *data, size_t len)
{
	size_t at = b->n, hdr = vendor ? 12 : 8, total = hdr + len;

	if (b->n + total + 3 > TP_MAX) {
		fprintf(stderr, "tls_peer: message too long\n");
		exit(1);
	}
	tp_put32(b->d + at, code);
	tp_put32(b->d + at + 4, (uint32_t)total);
	b->d[at + 4] = flags | (vendor ? TP_FLAG_V : 0);
	if (vendor)
		tp_put32(b->d + at + 8, vendor);
	memcpy(b->d + at + hdr, data, len);
	b->n += total;
	while (b->n % 4)
		b->d[b->n++] = 0;
	return at;
}

static void tp_str(struct tp_buf *b, uint32_t code, uint32_t vendor, const char *s)
{
	tp_avp(b, code, vendor, TP_FLAG_M, s, strlen(s));
}

static void tp_u32(struct tp_buf *b, uint32_t code, uint32_t vendor, uint32_t v)
{
	uint8_t d[4];

	tp_put32(d, v);
	tp_avp(b, code, vendor, TP_FLAG_M, d, 4);
}

/* A grouped AVP: open it, append children, close it (fix its length). */
static size_t tp_group_open(struct tp_buf *b, uint32_t code, uint32_t vendor)
{
	return tp_avp(b, code, vendor, TP_FLAG_M, "", 0);
}

static void tp_group_close(struct tp_buf *b, size_t at)
{
	uint8_t flags = b->d[at + 4];

	tp_put32(b->d + at + 4, (uint32_t)(b->n - at));
	b->d[at + 4] = flags;
}

static void tp_header(struct tp_buf *b, uint32_t code, uint32_t app, uint32_t id)
{
	memset(b->d, 0, 20);
	b->d[0] = 1;
	tp_put32(b->d + 4, code);
	b->d[4] = 0x80 | (app ? 0x40 : 0); /* R, and P for Cx */
	tp_put32(b->d + 8, app);
	tp_put32(b->d + 12, id);
	tp_put32(b->d + 16, id);
	b->n = 20;
}

static void tp_finish(struct tp_buf *b)
{
	uint8_t version = b->d[0];

	tp_put32(b->d, (uint32_t)b->n);
	b->d[0] = version;
}

/* ---- the exchange ------------------------------------------------------ */

static int tp_send(gnutls_session_t s, const struct tp_buf *b)
{
	size_t off = 0;

	while (off < b->n) {
		ssize_t w = gnutls_record_send(s, b->d + off, b->n - off);

		if (w < 0)
			return -1;
		off += (size_t)w;
	}
	return 0;
}

static int tp_read_full(gnutls_session_t s, uint8_t *p, size_t n)
{
	while (n) {
		ssize_t r = gnutls_record_recv(s, p, n);

		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* Read messages until an answer with that command code; its result. */
static int tp_answer(gnutls_session_t s, uint32_t code, const char **kind, uint32_t *val)
{
	struct tp_buf b;

	for (;;) {
		size_t len, at;

		if (tp_read_full(s, b.d, 4))
			return -1;
		len = tp_get32(b.d) & 0xffffff;
		if (len < 20 || len > TP_MAX || tp_read_full(s, b.d + 4, len - 4))
			return -1;
		if ((b.d[4] & 0x80) || (tp_get32(b.d + 4) & 0xffffff) != code)
			continue; /* a request (DWR...) or another answer */
		*kind = "none";
		for (at = 20; at + 8 <= len;) {
			uint32_t c = tp_get32(b.d + at), l = tp_get32(b.d + at + 4) & 0xffffff;

			if (l < 8 || at + l > len)
				break;
			if (c == 268 && l >= 12) {
				*kind = "result";
				*val = tp_get32(b.d + at + 8);
			} else if (c == 297 && l > 8) {
				size_t in = at + 8;

				while (in + 12 <= at + l) {
					uint32_t ic = tp_get32(b.d + in);
					uint32_t il = tp_get32(b.d + in + 4) & 0xffffff;

					if (ic == 298 && il >= 12) {
						*kind = "experimental";
						*val = tp_get32(b.d + in + 8);
					}
					if (il < 8)
						break;
					in += (il + 3) & ~3u;
				}
			}
			at += (l + 3) & ~3u;
		}
		return 0;
	}
}

static void tp_cer(struct tp_buf *b, const char *host, const char *realm)
{
	uint8_t ip[6] = { 0, 1, 127, 0, 0, 1 };
	size_t g;

	tp_header(b, 257, 0, 1);
	tp_str(b, 264, 0, host);
	tp_str(b, 296, 0, realm);
	tp_avp(b, 257, 0, TP_FLAG_M, ip, sizeof(ip));
	tp_u32(b, 266, 0, 0);
	tp_avp(b, 269, 0, 0, "tls_peer", 8);
	g = tp_group_open(b, 260, 0);
	tp_u32(b, 266, 0, TP_VENDOR_3GPP);
	tp_u32(b, 258, 0, TP_APP_CX);
	tp_group_close(b, g);
	tp_finish(b);
}

static void tp_mar(struct tp_buf *b, char **a)
{
	char sid[256];
	size_t g;

	snprintf(sid, sizeof(sid), "%s;1;1;tls_peer", a[6]);
	tp_header(b, 303, TP_APP_CX, 2);
	tp_str(b, 263, 0, sid);
	g = tp_group_open(b, 260, 0);
	tp_u32(b, 266, 0, TP_VENDOR_3GPP);
	tp_u32(b, 258, 0, TP_APP_CX);
	tp_group_close(b, g);
	tp_u32(b, 277, 0, 1);
	tp_str(b, 264, 0, a[6]);
	tp_str(b, 296, 0, a[7]);
	tp_str(b, 293, 0, a[8]);
	tp_str(b, 283, 0, a[9]);
	tp_str(b, 1, 0, a[10]);
	tp_str(b, 601, TP_VENDOR_3GPP, a[11]);
	tp_u32(b, 607, TP_VENDOR_3GPP, 1);
	g = tp_group_open(b, 612, TP_VENDOR_3GPP);
	tp_str(b, 608, TP_VENDOR_3GPP, "Digest-AKAv1-MD5");
	tp_group_close(b, g);
	tp_str(b, 602, TP_VENDOR_3GPP, "sip:impostor");
	tp_finish(b);
}

static int tp_connect(const char *host, const char *port)
{
	struct timeval tv = { 5, 0 }; /* no answer in 5 s: "none" */
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)atoi(port));
	if (fd < 0 || inet_pton(AF_INET, host, &sa.sin_addr) != 1 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		perror("tls_peer: connect");
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

int main(int argc, char **argv)
{
	gnutls_certificate_credentials_t cred;
	gnutls_session_t s;
	struct tp_buf b;
	const char *kind = "none";
	uint32_t val = 0;
	int fd, rc;

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
	if (gnutls_global_init() < 0 || gnutls_certificate_allocate_credentials(&cred) < 0 ||
	    gnutls_certificate_set_x509_key_file(cred, argv[3], argv[4], GNUTLS_X509_FMT_PEM) < 0 ||
	    gnutls_certificate_set_x509_trust_file(cred, argv[5], GNUTLS_X509_FMT_PEM) < 0 ||
	    gnutls_init(&s, GNUTLS_CLIENT) < 0 || gnutls_set_default_priority(s) < 0 ||
	    gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cred) < 0) {
		fputs("tls_peer: TLS set-up failed\n", stderr);
		return 1;
	}
	if ((fd = tp_connect(argv[1], argv[2])) < 0)
		return 1;
	gnutls_transport_set_int(s, fd);
	gnutls_handshake_set_timeout(s, 5000);
	do
		rc = gnutls_handshake(s);
	while (rc < 0 && !gnutls_error_is_fatal(rc));
	if (rc < 0) {
		printf("handshake failed: %s\n", gnutls_strerror(rc));
		return 0;
	}
	printf("handshake ok\n");
	tp_cer(&b, argv[6], argv[7]);
	if (tp_send(s, &b) || tp_answer(s, 257, &kind, &val)) {
		printf("CEA none\n");
		return 0;
	}
	printf("CEA %u\n", val);
	if (val != 2001)
		return 0;
	tp_mar(&b, argv);
	if (tp_send(s, &b) || tp_answer(s, 303, &kind, &val))
		printf("MAA none\n");
	else
		printf("MAA %s %u\n", kind, val);
	fflush(stdout);
	gnutls_bye(s, GNUTLS_SHUT_WR);
	close(fd);
	gnutls_deinit(s);
	gnutls_certificate_free_credentials(cred);
	return 0;
}
