/*
 * diam_raw.c: Diameter by hand for the test peers (diam_raw.h).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "diam_raw.h"

/* ---- encoding ---------------------------------------------------------- */

void dr_put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

uint32_t dr_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

void dr_buf_init(struct dr_buf *b)
{
	b->d = malloc(DR_MAX);
	b->n = 0;
	if (!b->d) {
		fputs("diam_raw: out of memory\n", stderr);
		exit(1);
	}
}

size_t dr_avp(struct dr_buf *b, uint32_t code, uint32_t vendor, uint8_t flags,
              const void *data, size_t len)
{
	size_t at = b->n, hdr = vendor ? 12 : 8, total = hdr + len;

	if (b->n + total + 3 > DR_MAX) {
		fputs("diam_raw: message too long\n", stderr);
		exit(1);
	}
	dr_put32(b->d + at, code);
	dr_put32(b->d + at + 4, (uint32_t)total);
	b->d[at + 4] = flags | (vendor ? DR_FLAG_V : 0);
	if (vendor)
		dr_put32(b->d + at + 8, vendor);
	if (len)
		memcpy(b->d + at + hdr, data, len);
	b->n += total;
	while (b->n % 4)
		b->d[b->n++] = 0;
	return at;
}

void dr_str(struct dr_buf *b, uint32_t code, uint32_t vendor, const char *s)
{
	dr_avp(b, code, vendor, DR_FLAG_M, s, strlen(s));
}

void dr_u32(struct dr_buf *b, uint32_t code, uint32_t vendor, uint32_t v)
{
	uint8_t d[4];

	dr_put32(d, v);
	dr_avp(b, code, vendor, DR_FLAG_M, d, 4);
}

size_t dr_group_open(struct dr_buf *b, uint32_t code, uint32_t vendor)
{
	return dr_avp(b, code, vendor, DR_FLAG_M, "", 0);
}

void dr_group_close(struct dr_buf *b, size_t at)
{
	uint8_t flags = b->d[at + 4];

	dr_put32(b->d + at + 4, (uint32_t)(b->n - at));
	b->d[at + 4] = flags;
}

void dr_header(struct dr_buf *b, uint32_t code, uint32_t app, uint32_t id)
{
	memset(b->d, 0, 20);
	b->d[0] = 1;
	dr_put32(b->d + 4, code);
	b->d[4] = 0x80 | (app ? 0x40 : 0); /* R, and P for applications */
	dr_put32(b->d + 8, app);
	dr_put32(b->d + 12, id);
	dr_put32(b->d + 16, id);
	b->n = 20;
}

void dr_finish(struct dr_buf *b)
{
	uint8_t version = b->d[0];

	dr_put32(b->d, (uint32_t)b->n);
	b->d[0] = version;
}

void dr_vsai(struct dr_buf *b, uint32_t vendor, uint32_t app)
{
	size_t g = dr_group_open(b, 260, 0);

	dr_u32(b, 266, 0, vendor);
	dr_u32(b, 258, 0, app);
	dr_group_close(b, g);
}

void dr_cer(struct dr_buf *b, const char *host, const char *realm)
{
	uint8_t ip[6] = { 0, 1, 127, 0, 0, 1 };

	dr_header(b, 257, 0, 1);
	dr_str(b, 264, 0, host);
	dr_str(b, 296, 0, realm);
	dr_avp(b, 257, 0, DR_FLAG_M, ip, sizeof(ip));
	dr_u32(b, 266, 0, 0);
	dr_avp(b, 269, 0, 0, "diam_raw", 8);
	dr_vsai(b, DR_VENDOR_3GPP, DR_APP_CX);
	dr_vsai(b, DR_VENDOR_MIG, DR_APP_MIG);
	dr_finish(b);
}

/* ---- reading ----------------------------------------------------------- */

uint32_t dr_code(const struct dr_buf *b)
{
	return dr_get32(b->d + 4) & 0xffffff;
}

int dr_is_request(const struct dr_buf *b)
{
	return (b->d[4] & 0x80) != 0;
}

uint32_t dr_hbh(const struct dr_buf *b)
{
	return dr_get32(b->d + 12);
}

const uint8_t *dr_find(const struct dr_buf *b, uint32_t code, size_t *len)
{
	size_t at;

	for (at = 20; at + 8 <= b->n;) {
		uint32_t c = dr_get32(b->d + at), l = dr_get32(b->d + at + 4) & 0xffffff;
		size_t hdr = (b->d[at + 4] & DR_FLAG_V) ? 12 : 8;

		if (l < hdr || at + l > b->n)
			break;
		if (c == code) {
			*len = l - hdr;
			return b->d + at + hdr;
		}
		at += (l + 3) & ~3u;
	}
	return NULL;
}

/* The code of the first AVP inside the grouped AVP at `at`, or of the
 * Experimental-Result-Code (298) inside when want is 298. */
static uint32_t dr_inner(const struct dr_buf *b, size_t at, size_t end, uint32_t want)
{
	size_t in = at + 8;

	while (in + 8 <= end) {
		uint32_t ic = dr_get32(b->d + in), il = dr_get32(b->d + in + 4) & 0xffffff;

		if (il < 8)
			break;
		if (!want)
			return ic;
		if (ic == want && il >= 12)
			return dr_get32(b->d + in + 8);
		in += (il + 3) & ~3u;
	}
	return 0;
}

void dr_result(const struct dr_buf *b, uint32_t count, struct dr_result *r)
{
	size_t at, len = b->n;

	r->kind = "none";
	r->code = r->failed = 0;
	r->count = 0;
	for (at = 20; at + 8 <= len;) {
		uint32_t c = dr_get32(b->d + at), l = dr_get32(b->d + at + 4) & 0xffffff;

		if (l < 8 || at + l > len)
			break;
		if (c == 268 && l >= 12) {
			r->kind = "result";
			r->code = dr_get32(b->d + at + 8);
		} else if (c == 297 && (r->code = dr_inner(b, at, at + l, 298))) {
			r->kind = "experimental";
		} else if (c == 279) {
			r->failed = dr_inner(b, at, at + l, 0);
		}
		if (c == count)
			r->count++;
		at += (l + 3) & ~3u;
	}
}

/* ---- transport --------------------------------------------------------- */

/* A TCP connection with receive and send timeouts, or -1 (said). */
static int dr_tcp(const char *host, const char *port, unsigned timeout_ms)
{
	struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)atoi(port));
	if (fd < 0 || inet_pton(AF_INET, host, &sa.sin_addr) != 1 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		perror("diam_raw: connect");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return fd;
}

int dr_connect(struct dr_conn *c, const char *host, const char *port, const char *cert,
               const char *key, const char *ca, unsigned timeout_ms)
{
	int rc;

	memset(c, 0, sizeof(*c));
	if ((c->fd = dr_tcp(host, port, timeout_ms)) < 0)
		return -1;
	if (!cert)
		return 0;
	if (gnutls_global_init() < 0 || gnutls_certificate_allocate_credentials(&c->cred) < 0 ||
	    gnutls_certificate_set_x509_key_file(c->cred, cert, key, GNUTLS_X509_FMT_PEM) < 0 ||
	    gnutls_certificate_set_x509_trust_file(c->cred, ca, GNUTLS_X509_FMT_PEM) < 0 ||
	    gnutls_init(&c->tls, GNUTLS_CLIENT) < 0 || gnutls_set_default_priority(c->tls) < 0 ||
	    gnutls_credentials_set(c->tls, GNUTLS_CRD_CERTIFICATE, c->cred) < 0) {
		fputs("diam_raw: TLS set-up failed\n", stderr);
		exit(1);
	}
	gnutls_transport_set_int(c->tls, c->fd);
	gnutls_handshake_set_timeout(c->tls, 5000);
	do
		rc = gnutls_handshake(c->tls);
	while (rc < 0 && !gnutls_error_is_fatal(rc));
	if (rc < 0) {
		printf("handshake failed: %s\n", gnutls_strerror(rc));
		return -1;
	}
	printf("handshake ok\n");
	return 0;
}

void dr_close(struct dr_conn *c)
{
	if (c->tls) {
		gnutls_bye(c->tls, GNUTLS_SHUT_WR);
		gnutls_deinit(c->tls);
		gnutls_certificate_free_credentials(c->cred);
	}
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->tls = NULL;
}

/* One read or write, over TLS or not. */
static ssize_t dr_io(struct dr_conn *c, void *p, size_t n, int out)
{
	if (c->tls)
		return out ? gnutls_record_send(c->tls, p, n) : gnutls_record_recv(c->tls, p, n);
	return out ? send(c->fd, p, n, MSG_NOSIGNAL) : recv(c->fd, p, n, 0);
}

int dr_send(struct dr_conn *c, const struct dr_buf *b)
{
	size_t off = 0;

	while (off < b->n) {
		ssize_t w = dr_io(c, b->d + off, b->n - off, 1);

		if (w <= 0)
			return -1;
		off += (size_t)w;
	}
	return 0;
}

/* Exactly n bytes, or -1. */
static int dr_read_full(struct dr_conn *c, uint8_t *p, size_t n)
{
	while (n) {
		ssize_t r = dr_io(c, p, n, 0);

		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

int dr_read(struct dr_conn *c, struct dr_buf *b)
{
	size_t len;

	b->n = 0;
	if (dr_read_full(c, b->d, 4))
		return -1;
	len = dr_get32(b->d) & 0xffffff;
	if (len < 20 || len > DR_MAX || dr_read_full(c, b->d + 4, len - 4))
		return -1;
	b->n = len;
	return 0;
}

int dr_answer_dwr(struct dr_conn *c, const struct dr_buf *b, const char *host,
                  const char *realm)
{
	struct dr_buf a;
	int rc;

	dr_buf_init(&a);
	dr_header(&a, 280, 0, 0);
	memcpy(a.d + 12, b->d + 12, 8); /* hop-by-hop and end-to-end of the DWR */
	a.d[4] = 0;                     /* an answer */
	dr_u32(&a, 268, 0, 2001);
	dr_str(&a, 264, 0, host);
	dr_str(&a, 296, 0, realm);
	dr_finish(&a);
	rc = dr_send(c, &a);
	free(a.d);
	return rc;
}
