/*
** The Milenage authentication functions of 3GPP TS 35.206, for the test HSS.
**
** Test-only code: it lets the test HSS mint IMS-AKA vectors and lets the
** tests play the UE.  It is written for clarity, not speed: every call
** sets up its own AES key schedule.
**
** All arguments are big-endian byte strings of the sizes given by the
** MIL_*_LEN constants.  Every function returns 0 on success and -1 if the
** AES primitive (gnutls) failed; outputs are then unspecified.
*/
#ifndef MIGBROKER_TESTS_MILENAGE_H
#define MIGBROKER_TESTS_MILENAGE_H

#include <stdint.h>

#define MIL_BLOCK_LEN 16 /* K, OP, OPc, RAND, CK, IK: one AES block */
#define MIL_SQN_LEN 6
#define MIL_AMF_LEN 2
#define MIL_MAC_LEN 8 /* MAC-A (f1), MAC-S (f1*) */
#define MIL_RES_LEN 8 /* RES / XRES (f2) */
#define MIL_AK_LEN 6  /* AK (f5), AK* (f5*) */

/*
** One AES-128 block encryption, out = E[in]key.  Exposed so that the unit
** test can pin the kernel to a FIPS-197 vector before trusting the rest.
*/
int mil_aes128(const uint8_t key[MIL_BLOCK_LEN], const uint8_t in[MIL_BLOCK_LEN],
               uint8_t out[MIL_BLOCK_LEN]);

/* OPc = OP xor E[OP]K.  An HSS normally stores OPc, not OP. */
int mil_opc(const uint8_t k[MIL_BLOCK_LEN], const uint8_t op[MIL_BLOCK_LEN],
            uint8_t opc[MIL_BLOCK_LEN]);

/*
** f1 and f1*: MAC-A and MAC-S over (SQN, AMF).  They are the two halves of
** one computation (OUT1), so one call yields both; either output may be
** NULL.
*/
int mil_f1(const uint8_t k[MIL_BLOCK_LEN], const uint8_t opc[MIL_BLOCK_LEN],
           const uint8_t rand[MIL_BLOCK_LEN], const uint8_t sqn[MIL_SQN_LEN],
           const uint8_t amf[MIL_AMF_LEN], uint8_t mac_a[MIL_MAC_LEN],
           uint8_t mac_s[MIL_MAC_LEN]);

/*
** f2 (RES), f3 (CK), f4 (IK) and f5 (AK), which depend on RAND only.  Any
** output may be NULL; the work for it is then skipped.
*/
int mil_f2345(const uint8_t k[MIL_BLOCK_LEN], const uint8_t opc[MIL_BLOCK_LEN],
              const uint8_t rand[MIL_BLOCK_LEN], uint8_t res[MIL_RES_LEN],
              uint8_t ck[MIL_BLOCK_LEN], uint8_t ik[MIL_BLOCK_LEN],
              uint8_t ak[MIL_AK_LEN]);

/* f5*: the anonymity key AK* that conceals SQN_MS in AUTS (resync). */
int mil_f5star(const uint8_t k[MIL_BLOCK_LEN], const uint8_t opc[MIL_BLOCK_LEN],
               const uint8_t rand[MIL_BLOCK_LEN], uint8_t ak_star[MIL_AK_LEN]);

#endif /* MIGBROKER_TESTS_MILENAGE_H */
