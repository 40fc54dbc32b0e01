/*
 * diam_raw.h: Diameter messages built and read byte by byte, over TCP or
 * TLS, for the test peers that must say what freeDiameter would refuse to
 * (tls_peer: an impostor; raw_peer: a hostile or broken partner).
 *
 * Encoding follows RFC 6733 clauses 3 and 4 by hand: a test tool must not
 * depend on the code it tests.  Nothing here checks what it is asked to
 * write: lengths and flags can be made wrong on purpose (dr_put32 on the
 * buffer after the fact).
 */
#ifndef DIAM_RAW_H
#define DIAM_RAW_H

#include <stddef.h>
#include <stdint.h>

#include <gnutls/gnutls.h>

#define DR_VENDOR_3GPP 10415
#define DR_VENDOR_MIG 32473
#define DR_APP_CX 16777216
#define DR_APP_MIG 4294901761u
#define DR_FLAG_V 0x80
#define DR_FLAG_M 0x40
#define DR_MAX (4u << 20) /* room for 10,000 full SIP-Auth-Data-Items */

struct dr_buf {
	uint8_t *d; /* DR_MAX bytes */
	size_t n;
};

/* A connection: plain TCP (tls NULL) or TLS over it. */
struct dr_conn {
	int fd;
	gnutls_session_t tls;
	gnutls_certificate_credentials_t cred;
};

void dr_put32(uint8_t *p, uint32_t v);
uint32_t dr_get32(const uint8_t *p);

/* A fresh message buffer (exits when out of memory). */
void dr_buf_init(struct dr_buf *b);

/* Append an AVP; returns its offset in the buffer. */
size_t dr_avp(struct dr_buf *b, uint32_t code, uint32_t vendor, uint8_t flags,
              const void *data, size_t len);
void dr_str(struct dr_buf *b, uint32_t code, uint32_t vendor, const char *s);
void dr_u32(struct dr_buf *b, uint32_t code, uint32_t vendor, uint32_t v);

/* A grouped AVP: open it, append the children, close it (fixes its length). */
size_t dr_group_open(struct dr_buf *b, uint32_t code, uint32_t vendor);
void dr_group_close(struct dr_buf *b, size_t at);

/* Header of a request (R, and P when app is not 0); dr_finish writes the
 * length.  An answer is a request header with the R bit cleared. */
void dr_header(struct dr_buf *b, uint32_t code, uint32_t app, uint32_t id);
void dr_finish(struct dr_buf *b);

/* Vendor-Specific-Application-Id {vendor, app}. */
void dr_vsai(struct dr_buf *b, uint32_t vendor, uint32_t app);

/* The CER of ORIGIN-HOST/ORIGIN-REALM, advertising Cx and the allocation
 * application. */
void dr_cer(struct dr_buf *b, const char *host, const char *realm);

/* Connect to HOST:PORT (IPv4), with TLS when cert is not NULL; receive
 * timeout ms.  0, or -1 with the reason on stdout ("handshake failed: ..."
 * is the one a test may want). */
int dr_connect(struct dr_conn *c, const char *host, const char *port, const char *cert,
               const char *key, const char *ca, unsigned timeout_ms);
void dr_close(struct dr_conn *c);

int dr_send(struct dr_conn *c, const struct dr_buf *b);

/* Read one whole message into b; 0, or -1 on close, timeout or a length
 * that cannot be. */
int dr_read(struct dr_conn *c, struct dr_buf *b);

/* The data of the first top-level AVP of that code, or NULL. */
const uint8_t *dr_find(const struct dr_buf *b, uint32_t code, size_t *len);

/* Header fields of the message in b. */
uint32_t dr_code(const struct dr_buf *b);
int dr_is_request(const struct dr_buf *b);
uint32_t dr_hbh(const struct dr_buf *b);

/* What an answer says: Result-Code or Experimental-Result-Code (kind
 * "result", "experimental" or "none"), the code of the first AVP inside
 * Failed-AVP (0: none), and how many top-level AVPs of code `count` it has. */
struct dr_result {
	const char *kind;
	uint32_t code;
	uint32_t failed;
	unsigned count;
};
void dr_result(const struct dr_buf *b, uint32_t count, struct dr_result *r);

/* Answer a DWR (in b) with a DWA from ORIGIN-HOST/ORIGIN-REALM. */
int dr_answer_dwr(struct dr_conn *c, const struct dr_buf *b, const char *host,
                  const char *realm);

#endif /* DIAM_RAW_H */
