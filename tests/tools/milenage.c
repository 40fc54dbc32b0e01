/*
** Milenage (3GPP TS 35.206) on top of the AES-128 of gnutls.
**
** TS 35.206 section 4.1 builds every output from one kernel:
**
**     TEMP = E[RAND xor OPc]K
**     OUTn = E[pre xor rot(x xor OPc, rn) xor cn]K xor OPc
**
** where f1/f1* take pre = TEMP and x = IN1 = SQN||AMF||SQN||AMF, and
** f2..f5* take pre = 0 and x = TEMP.  mil_out() below is that kernel; the
** public functions only pick the constants and slice the result.
*/
#include "milenage.h"

#include <string.h>

#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>

/*
** The rotation amounts r1..r5 of TS 35.206, in bytes: all of them are
** whole bytes (64, 0, 32, 64, 96 bits), so rot() is a mere index shift.
*/
#define MIL_R1 8
#define MIL_R2 0
#define MIL_R3 4
#define MIL_R4 8
#define MIL_R5 12

/*
** The constants c1..c5: 128-bit values whose only non-zero bits sit in the
** last byte, so the last byte is all that needs storing.
*/
#define MIL_C1 0x00
#define MIL_C2 0x01
#define MIL_C3 0x02
#define MIL_C4 0x04
#define MIL_C5 0x08

/*
** gnutls offers AES only inside a mode of operation, with no ECB.  CBC over
** a single block with an all-zero IV is exactly the raw block cipher, so
** each block is encrypted alone after the IV is reset.  One handle keeps
** the key schedule for all the blocks of one Milenage call.
*/
static int aes_open(gnutls_cipher_hd_t *h, const uint8_t k[MIL_BLOCK_LEN])
{
	uint8_t key[MIL_BLOCK_LEN], iv[MIL_BLOCK_LEN] = {0};
	gnutls_datum_t key_d = {key, sizeof key}, iv_d = {iv, sizeof iv};
	int rc;

	/* A copy, because gnutls_datum_t wants a non-const pointer. */
	memcpy(key, k, sizeof key);
	rc = gnutls_cipher_init(h, GNUTLS_CIPHER_AES_128_CBC, &key_d, &iv_d);
	gnutls_memset(key, 0, sizeof key);
	return rc < 0 ? -1 : 0;
}

static int aes_block(gnutls_cipher_hd_t h, const uint8_t in[MIL_BLOCK_LEN],
                     uint8_t out[MIL_BLOCK_LEN])
{
	uint8_t iv[MIL_BLOCK_LEN] = {0};

	/* Without this reset, CBC would chain on the previous block. */
	gnutls_cipher_set_iv(h, iv, sizeof iv);
	return gnutls_cipher_encrypt2(h, in, MIL_BLOCK_LEN, out, MIL_BLOCK_LEN) < 0 ? -1 : 0;
}

/* The kernel: out = E[pre xor rot(x xor OPc, r) xor c]K xor OPc. */
static int mil_out(gnutls_cipher_hd_t h, const uint8_t opc[MIL_BLOCK_LEN],
                   const uint8_t *pre, const uint8_t x[MIL_BLOCK_LEN], unsigned r,
                   uint8_t c, uint8_t out[MIL_BLOCK_LEN])
{
	uint8_t in[MIL_BLOCK_LEN];
	unsigned i;

	for (i = 0; i < MIL_BLOCK_LEN; i++) {
		/* rot(v, r) is v rotated left: byte i comes from byte i + r. */
		unsigned j = (i + r) % MIL_BLOCK_LEN;

		in[i] = (uint8_t)(x[j] ^ opc[j] ^ (pre ? pre[i] : 0));
	}
	in[MIL_BLOCK_LEN - 1] ^= c;
	if (aes_block(h, in, out))
		return -1;
	for (i = 0; i < MIL_BLOCK_LEN; i++)
		out[i] ^= opc[i];
	return 0;
}

/*
** Every function starts the same way: a key schedule for K, then
** TEMP = E[RAND xor OPc]K.  On success the caller owns *h and must pass it
** to mil_end(), which also wipes TEMP.
*/
static int mil_begin(gnutls_cipher_hd_t *h, const uint8_t k[MIL_BLOCK_LEN],
                     const uint8_t opc[MIL_BLOCK_LEN], const uint8_t rand[MIL_BLOCK_LEN],
                     uint8_t temp[MIL_BLOCK_LEN])
{
	uint8_t in[MIL_BLOCK_LEN];
	unsigned i;

	if (aes_open(h, k))
		return -1;
	for (i = 0; i < MIL_BLOCK_LEN; i++)
		in[i] = rand[i] ^ opc[i];
	if (aes_block(*h, in, temp)) {
		gnutls_cipher_deinit(*h);
		return -1;
	}
	return 0;
}

static void mil_end(gnutls_cipher_hd_t h, uint8_t temp[MIL_BLOCK_LEN])
{
	gnutls_cipher_deinit(h);
	gnutls_memset(temp, 0, MIL_BLOCK_LEN);
}

int mil_aes128(const uint8_t key[MIL_BLOCK_LEN], const uint8_t in[MIL_BLOCK_LEN],
               uint8_t out[MIL_BLOCK_LEN])
{
	gnutls_cipher_hd_t h;
	int rc;

	if (aes_open(&h, key))
		return -1;
	rc = aes_block(h, in, out);
	gnutls_cipher_deinit(h);
	return rc;
}

int mil_opc(const uint8_t k[MIL_BLOCK_LEN], const uint8_t op[MIL_BLOCK_LEN],
            uint8_t opc[MIL_BLOCK_LEN])
{
	uint8_t e[MIL_BLOCK_LEN];
	unsigned i;

	/* Through e, so that opc may be the same buffer as op. */
	if (mil_aes128(k, op, e))
		return -1;
	for (i = 0; i < MIL_BLOCK_LEN; i++)
		opc[i] = e[i] ^ op[i];
	return 0;
}

int mil_f1(const uint8_t k[MIL_BLOCK_LEN], const uint8_t opc[MIL_BLOCK_LEN],
           const uint8_t rand[MIL_BLOCK_LEN], const uint8_t sqn[MIL_SQN_LEN],
           const uint8_t amf[MIL_AMF_LEN], uint8_t mac_a[MIL_MAC_LEN],
           uint8_t mac_s[MIL_MAC_LEN])
{
	gnutls_cipher_hd_t h;
	uint8_t temp[MIL_BLOCK_LEN], in1[MIL_BLOCK_LEN], out1[MIL_BLOCK_LEN];
	int rc;

	if (mil_begin(&h, k, opc, rand, temp))
		return -1;
	/* IN1 = SQN || AMF || SQN || AMF */
	memcpy(in1, sqn, MIL_SQN_LEN);
	memcpy(in1 + MIL_SQN_LEN, amf, MIL_AMF_LEN);
	memcpy(in1 + 8, in1, 8);
	rc = mil_out(h, opc, temp, in1, MIL_R1, MIL_C1, out1);
	mil_end(h, temp);
	if (rc)
		return -1;
	/* f1 is the first half of OUT1, f1* the second. */
	if (mac_a)
		memcpy(mac_a, out1, MIL_MAC_LEN);
	if (mac_s)
		memcpy(mac_s, out1 + 8, MIL_MAC_LEN);
	return 0;
}

int mil_f2345(const uint8_t k[MIL_BLOCK_LEN], const uint8_t opc[MIL_BLOCK_LEN],
              const uint8_t rand[MIL_BLOCK_LEN], uint8_t res[MIL_RES_LEN],
              uint8_t ck[MIL_BLOCK_LEN], uint8_t ik[MIL_BLOCK_LEN],
              uint8_t ak[MIL_AK_LEN])
{
	gnutls_cipher_hd_t h;
	uint8_t temp[MIL_BLOCK_LEN], out2[MIL_BLOCK_LEN];
	int rc = 0;

	if (mil_begin(&h, k, opc, rand, temp))
		return -1;
	/* OUT2 carries both f5 (first 48 bits) and f2 (last 64 bits). */
	if (res || ak) {
		rc = mil_out(h, opc, NULL, temp, MIL_R2, MIL_C2, out2);
		if (!rc && ak)
			memcpy(ak, out2, MIL_AK_LEN);
		if (!rc && res)
			memcpy(res, out2 + 8, MIL_RES_LEN);
	}
	if (!rc && ck)
		rc = mil_out(h, opc, NULL, temp, MIL_R3, MIL_C3, ck);
	if (!rc && ik)
		rc = mil_out(h, opc, NULL, temp, MIL_R4, MIL_C4, ik);
	mil_end(h, temp);
	return rc;
}

int mil_f5star(const uint8_t k[MIL_BLOCK_LEN], const uint8_t opc[MIL_BLOCK_LEN],
               const uint8_t rand[MIL_BLOCK_LEN], uint8_t ak_star[MIL_AK_LEN])
{
	gnutls_cipher_hd_t h;
	uint8_t temp[MIL_BLOCK_LEN], out5[MIL_BLOCK_LEN];
	int rc;

	if (mil_begin(&h, k, opc, rand, temp))
		return -1;
	rc = mil_out(h, opc, NULL, temp, MIL_R5, MIL_C5, out5);
	mil_end(h, temp);
	if (rc)
		return -1;
	memcpy(ak_star, out5, MIL_AK_LEN);
	return 0;
}
