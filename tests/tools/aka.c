/*
** AKA vectors, the UE's checks and resynchronisation (3GPP TS 33.102
** section 6.3), built on milenage.c.
**
** The UE-side check and the network-side resync both work the same way:
** unmask the SQN with the anonymity key, recompute what the other side
** should have sent for that SQN, and compare.  That keeps one place that
** knows how AUTN and AUTS are laid out.
*/
#include "aka.h"
#include "milenage.h"

#include <string.h>

#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>

/*
** AMF for resynchronisation: TS 33.102 section 6.3.3 has the USIM compute
** MAC-S with a dummy all-zero AMF, so the network must use it too.
*/
static const uint8_t resync_amf[AKA_AMF_LEN] = {0x00, 0x00};

/*
** How many RANDs aka_vector_fresh() may draw to find an XRES free of zero
** bytes.  One draw fails with probability 1 - (255/256)^8, about 3%, so
** running out of tries means the random generator is stuck.
*/
#define AKA_FRESH_TRIES 64

const char *aka_strerror(int rc)
{
	switch (rc) {
	case AKA_OK:
		return "success";
	case AKA_ERR_CRYPTO:
		return "crypto primitive failed";
	case AKA_ERR_MAC:
		return "MAC verification failed";
	default:
		return "unknown AKA error";
	}
}

/* SQN xor AK: how both AUTN and AUTS conceal a sequence number. */
static void sqn_mask(uint8_t out[AKA_SQN_LEN], const uint8_t sqn[AKA_SQN_LEN],
                     const uint8_t ak[AKA_SQN_LEN])
{
	unsigned i;

	for (i = 0; i < AKA_SQN_LEN; i++)
		out[i] = sqn[i] ^ ak[i];
}

int aka_vector_make(const uint8_t k[AKA_K_LEN], const uint8_t opc[AKA_OPC_LEN],
                    const uint8_t sqn[AKA_SQN_LEN], const uint8_t amf[AKA_AMF_LEN],
                    const uint8_t rand[AKA_RAND_LEN], struct aka_vector *v)
{
	struct aka_vector out;
	uint8_t ak[AKA_SQN_LEN];

	if (mil_f2345(k, opc, rand, out.xres, out.ck, out.ik, ak))
		return AKA_ERR_CRYPTO;
	/* AUTN = (SQN xor AK) || AMF || MAC-A */
	if (mil_f1(k, opc, rand, sqn, amf, out.autn + AKA_SQN_LEN + AKA_AMF_LEN, NULL))
		return AKA_ERR_CRYPTO;
	sqn_mask(out.autn, sqn, ak);
	memcpy(out.autn + AKA_SQN_LEN, amf, AKA_AMF_LEN);
	memcpy(out.rand, rand, AKA_RAND_LEN);
	/* Through a local copy, so that rand may point into *v. */
	*v = out;
	return AKA_OK;
}

int aka_rand_fresh(uint8_t rand[AKA_RAND_LEN])
{
	/* RAND must be unpredictable (TS 33.102 section 6.3.2). */
	return gnutls_rnd(GNUTLS_RND_RANDOM, rand, AKA_RAND_LEN) < 0 ? AKA_ERR_CRYPTO : AKA_OK;
}

int aka_vector_fresh(const uint8_t k[AKA_K_LEN], const uint8_t opc[AKA_OPC_LEN],
                     const uint8_t sqn[AKA_SQN_LEN], const uint8_t amf[AKA_AMF_LEN],
                     unsigned flags, struct aka_vector *v)
{
	int tries, rc;

	for (tries = 0; tries < AKA_FRESH_TRIES; tries++) {
		uint8_t rand[AKA_RAND_LEN];

		if ((rc = aka_rand_fresh(rand)) != AKA_OK)
			return rc;
		if ((rc = aka_vector_make(k, opc, sqn, amf, rand, v)) != AKA_OK)
			return rc;
		if (!(flags & AKA_FRESH_XRES_NO_ZERO) || !memchr(v->xres, 0, AKA_XRES_LEN))
			return AKA_OK;
	}
	return AKA_ERR_CRYPTO;
}

int aka_ue_auts(const uint8_t k[AKA_K_LEN], const uint8_t opc[AKA_OPC_LEN],
                const uint8_t rand[AKA_RAND_LEN], const uint8_t sqn_ms[AKA_SQN_LEN],
                uint8_t auts[AKA_AUTS_LEN])
{
	uint8_t ak_star[AKA_SQN_LEN], mac_s[MIL_MAC_LEN];

	if (mil_f5star(k, opc, rand, ak_star) ||
	    mil_f1(k, opc, rand, sqn_ms, resync_amf, NULL, mac_s))
		return AKA_ERR_CRYPTO;
	sqn_mask(auts, sqn_ms, ak_star);
	memcpy(auts + AKA_SQN_LEN, mac_s, sizeof mac_s);
	return AKA_OK;
}

int aka_resync(const uint8_t k[AKA_K_LEN], const uint8_t opc[AKA_OPC_LEN],
               const uint8_t rand[AKA_RAND_LEN], const uint8_t auts[AKA_AUTS_LEN],
               uint8_t sqn_ms[AKA_SQN_LEN])
{
	uint8_t ak_star[AKA_SQN_LEN], sqn[AKA_SQN_LEN], expect[AKA_AUTS_LEN];
	int rc;

	if (mil_f5star(k, opc, rand, ak_star))
		return AKA_ERR_CRYPTO;
	sqn_mask(sqn, auts, ak_star);
	/* The AUTS a genuine USIM would send for that SQN_MS. */
	if ((rc = aka_ue_auts(k, opc, rand, sqn, expect)) != AKA_OK)
		return rc;
	if (gnutls_memcmp(expect, auts, AKA_AUTS_LEN) != 0)
		return AKA_ERR_MAC;
	memcpy(sqn_ms, sqn, AKA_SQN_LEN);
	return AKA_OK;
}

int aka_ue_check(const uint8_t k[AKA_K_LEN], const uint8_t opc[AKA_OPC_LEN],
                 const uint8_t rand[AKA_RAND_LEN], const uint8_t autn[AKA_AUTN_LEN],
                 struct aka_ue_answer *a)
{
	struct aka_vector expect;
	uint8_t ak[AKA_SQN_LEN], sqn[AKA_SQN_LEN];
	const uint8_t *amf = autn + AKA_SQN_LEN;
	int rc;

	if (mil_f2345(k, opc, rand, NULL, NULL, NULL, ak))
		return AKA_ERR_CRYPTO;
	sqn_mask(sqn, autn, ak);
	/* The vector the HSS would have built for that SQN and AMF. */
	if ((rc = aka_vector_make(k, opc, sqn, amf, rand, &expect)) != AKA_OK)
		return rc;
	if (gnutls_memcmp(expect.autn, autn, AKA_AUTN_LEN) != 0)
		return AKA_ERR_MAC;
	memcpy(a->sqn, sqn, AKA_SQN_LEN);
	memcpy(a->amf, amf, AKA_AMF_LEN);
	memcpy(a->res, expect.xres, AKA_XRES_LEN);
	memcpy(a->ck, expect.ck, AKA_CK_LEN);
	memcpy(a->ik, expect.ik, AKA_IK_LEN);
	return AKA_OK;
}

uint64_t aka_sqn_from_bytes(const uint8_t b[AKA_SQN_LEN])
{
	uint64_t sqn = 0;
	unsigned i;

	for (i = 0; i < AKA_SQN_LEN; i++)
		sqn = sqn << 8 | b[i];
	return sqn;
}

void aka_sqn_to_bytes(uint64_t sqn, uint8_t b[AKA_SQN_LEN])
{
	unsigned i;

	for (i = AKA_SQN_LEN; i-- > 0; sqn >>= 8)
		b[i] = (uint8_t)(sqn & 0xff);
}

uint64_t aka_sqn_next(uint64_t sqn)
{
	return (sqn + 1) & AKA_SQN_MAX;
}

int aka_sqn_cmp(uint64_t a, uint64_t b)
{
	a &= AKA_SQN_MAX;
	b &= AKA_SQN_MAX;
	return (a > b) - (a < b);
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int aka_hex_to_bytes(const char *hex, uint8_t *out, size_t len)
{
	size_t i;

	if (strlen(hex) != 2 * len)
		return -1;
	for (i = 0; i < len; i++) {
		int hi = hex_digit(hex[2 * i]), lo = hex_digit(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

char *aka_bytes_to_hex(const uint8_t *in, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0x0f];
	}
	out[2 * len] = '\0';
	return out;
}
