/*
** UMTS/IMS AKA (3GPP TS 33.102 section 6.3) over Milenage, for the tests.
**
** The network side mints authentication vectors and handles
** resynchronisation; the UE side checks AUTN and builds AUTS, so that the
** tests can prove a vector genuine and drive the resync path without a
** real UE.  Also home to the hex helpers that the test tools share.
**
** Byte strings have the sizes of the AKA_*_LEN constants.  Functions that
** can fail return an AKA_* code: AKA_OK (0) or a negative value.
*/
#ifndef MIGBROKER_TESTS_AKA_H
#define MIGBROKER_TESTS_AKA_H

#include <stddef.h>
#include <stdint.h>

#define AKA_K_LEN 16
#define AKA_OPC_LEN 16
#define AKA_RAND_LEN 16
#define AKA_SQN_LEN 6
#define AKA_AMF_LEN 2
#define AKA_AUTN_LEN 16 /* (SQN xor AK) || AMF || MAC-A */
#define AKA_AUTS_LEN 14 /* (SQN_MS xor AK*) || MAC-S */
#define AKA_XRES_LEN 8
#define AKA_CK_LEN 16
#define AKA_IK_LEN 16

enum aka_result {
	AKA_OK = 0,
	AKA_ERR_CRYPTO = -1, /* gnutls failed (AES or the random generator) */
	AKA_ERR_MAC = -2,    /* MAC-A in AUTN or MAC-S in AUTS does not verify */
};

/* A short English description of an aka_result, for test messages. */
const char *aka_strerror(int rc);

/* An authentication vector as the HSS hands it out. */
struct aka_vector {
	uint8_t rand[AKA_RAND_LEN];
	uint8_t autn[AKA_AUTN_LEN];
	uint8_t xres[AKA_XRES_LEN]; /* f2, full 8 bytes */
	uint8_t ck[AKA_CK_LEN];
	uint8_t ik[AKA_IK_LEN];
};

/* Build the vector for a given RAND: deterministic, for known-answer tests. */
int aka_vector_make(const uint8_t k[AKA_K_LEN], const uint8_t opc[AKA_OPC_LEN],
                    const uint8_t sqn[AKA_SQN_LEN], const uint8_t amf[AKA_AMF_LEN],
                    const uint8_t rand[AKA_RAND_LEN], struct aka_vector *v);

/*
** Flags for aka_vector_fresh().  AKA_FRESH_XRES_NO_ZERO draws RAND again
** until XRES holds no 0x00 byte: sipp 3.6.1 passes RES through strlen(),
** so a zero byte would truncate it and fail the authentication.
*/
#define AKA_FRESH_XRES_NO_ZERO 0x1u

/* Fill rand with a fresh unpredictable RAND from gnutls_rnd(). */
int aka_rand_fresh(uint8_t rand[AKA_RAND_LEN]);

/* Build a vector for a fresh RAND (see aka_rand_fresh and the flags). */
int aka_vector_fresh(const uint8_t k[AKA_K_LEN], const uint8_t opc[AKA_OPC_LEN],
                     const uint8_t sqn[AKA_SQN_LEN], const uint8_t amf[AKA_AMF_LEN],
                     unsigned flags, struct aka_vector *v);

/*
** Network side of resynchronisation (TS 33.102 section 6.3.5): from AUTS
** and the RAND the UE computed it with, recover SQN_MS with f5* and verify
** MAC-S with f1* (AMF = 0x0000).  Returns AKA_ERR_MAC if MAC-S is wrong;
** sqn_ms is written only on AKA_OK.  The HSS then continues from
** aka_sqn_next(SQN_MS).
*/
int aka_resync(const uint8_t k[AKA_K_LEN], const uint8_t opc[AKA_OPC_LEN],
               const uint8_t rand[AKA_RAND_LEN], const uint8_t auts[AKA_AUTS_LEN],
               uint8_t sqn_ms[AKA_SQN_LEN]);

/* What the UE learns from a genuine challenge. */
struct aka_ue_answer {
	uint8_t sqn[AKA_SQN_LEN]; /* SQN recovered from AUTN, for a freshness check */
	uint8_t amf[AKA_AMF_LEN];
	uint8_t res[AKA_XRES_LEN];
	uint8_t ck[AKA_CK_LEN];
	uint8_t ik[AKA_IK_LEN];
};

/*
** UE side (TS 33.102 section 6.3.3): unmask SQN with AK, verify MAC-A, and
** compute RES, CK and IK.  Returns AKA_ERR_MAC if MAC-A is wrong (tampered
** AUTN or RAND, or wrong K/OPc); *a is written only on AKA_OK.  SQN
** freshness is left to the caller, which sees the SQN in a->sqn.
*/
int aka_ue_check(const uint8_t k[AKA_K_LEN], const uint8_t opc[AKA_OPC_LEN],
                 const uint8_t rand[AKA_RAND_LEN], const uint8_t autn[AKA_AUTN_LEN],
                 struct aka_ue_answer *a);

/* UE side: AUTS = (SQN_MS xor AK*) || MAC-S, as a USIM builds it. */
int aka_ue_auts(const uint8_t k[AKA_K_LEN], const uint8_t opc[AKA_OPC_LEN],
                const uint8_t rand[AKA_RAND_LEN], const uint8_t sqn_ms[AKA_SQN_LEN],
                uint8_t auts[AKA_AUTS_LEN]);

/*
** SQN arithmetic.  An SQN is a 48-bit unsigned number, held here in the low
** bits of a uint64_t.  Increment wraps from AKA_SQN_MAX to 0; comparison is
** plain numeric order, as the USIM's "SQN > SQN_MS" check of TS 33.102
** Annex C is, so a wrapped SQN compares as older.
*/
#define AKA_SQN_MAX ((UINT64_C(1) << 48) - 1)

uint64_t aka_sqn_from_bytes(const uint8_t b[AKA_SQN_LEN]);
void aka_sqn_to_bytes(uint64_t sqn, uint8_t b[AKA_SQN_LEN]);
uint64_t aka_sqn_next(uint64_t sqn);
/* <0, 0 or >0 as a is below, equal to or above b (both taken mod 2^48). */
int aka_sqn_cmp(uint64_t a, uint64_t b);

/*
** Hex helpers shared by the test tools.  aka_hex_to_bytes() accepts
** exactly 2*len hex digits, either case, and returns 0, or -1 (out
** unspecified) on a bad digit or length.  aka_bytes_to_hex() writes 2*len
** lower-case digits and a NUL to out, which needs 2*len+1 bytes, and
** returns out.
*/
int aka_hex_to_bytes(const char *hex, uint8_t *out, size_t len);
char *aka_bytes_to_hex(const uint8_t *in, size_t len, char *out);

#endif /* MIGBROKER_TESTS_AKA_H */
