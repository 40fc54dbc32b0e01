/*
 * aka_ue: the UE side of IMS-AKA on the command line, for integration tests
 * that must prove the vectors that crossed the brokers are genuine.
 *
 *   aka_ue check K OPC RAND||AUTN        verify MAC-A; print "RES CK IK SQN"
 *   aka_ue auts K OPC RAND SQN_MS        print RAND||AUTS (60 hex digits),
 *                                        what a UE sends to resynchronise
 *
 * All values in hex.  Exit 0 on success, 1 when MAC-A does not verify,
 * 2 on bad usage.
 */
#include <stdio.h>
#include <string.h>

#include "aka.h"

static int usage(void)
{
	fprintf(stderr, "usage: aka_ue check K OPC RAND_AUTN | aka_ue auts K OPC RAND SQN_MS\n");
	return 2;
}

/* Parse the keys common to both commands. */
static int keys(char **argv, uint8_t k[AKA_K_LEN], uint8_t opc[AKA_OPC_LEN])
{
	return aka_hex_to_bytes(argv[2], k, AKA_K_LEN) ||
	       aka_hex_to_bytes(argv[3], opc, AKA_OPC_LEN);
}

static int cmd_check(char **argv)
{
	uint8_t k[AKA_K_LEN], opc[AKA_OPC_LEN], ra[AKA_RAND_LEN + AKA_AUTN_LEN];
	char res[2 * AKA_XRES_LEN + 1], ck[2 * AKA_CK_LEN + 1], ik[2 * AKA_IK_LEN + 1];
	char sqn[2 * AKA_SQN_LEN + 1];
	struct aka_ue_answer a;

	if (keys(argv, k, opc) || aka_hex_to_bytes(argv[4], ra, sizeof(ra)))
		return usage();
	if (aka_ue_check(k, opc, ra, ra + AKA_RAND_LEN, &a) != AKA_OK) {
		fprintf(stderr, "aka_ue: MAC-A does not verify\n");
		return 1;
	}
	printf("%s %s %s %s\n", aka_bytes_to_hex(a.res, sizeof(a.res), res),
	       aka_bytes_to_hex(a.ck, sizeof(a.ck), ck), aka_bytes_to_hex(a.ik, sizeof(a.ik), ik),
	       aka_bytes_to_hex(a.sqn, sizeof(a.sqn), sqn));
	return 0;
}

static int cmd_auts(char **argv)
{
	uint8_t k[AKA_K_LEN], opc[AKA_OPC_LEN], rand[AKA_RAND_LEN], sqn[AKA_SQN_LEN];
	uint8_t auts[AKA_AUTS_LEN];
	char hr[2 * AKA_RAND_LEN + 1], ha[2 * AKA_AUTS_LEN + 1];

	if (keys(argv, k, opc) || aka_hex_to_bytes(argv[4], rand, sizeof(rand)) ||
	    aka_hex_to_bytes(argv[5], sqn, sizeof(sqn)))
		return usage();
	if (aka_ue_auts(k, opc, rand, sqn, auts) != AKA_OK)
		return 1;
	printf("%s%s\n", aka_bytes_to_hex(rand, sizeof(rand), hr),
	       aka_bytes_to_hex(auts, sizeof(auts), ha));
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "check"))
		return cmd_check(argv);
	if (argc == 6 && !strcmp(argv[1], "auts"))
		return cmd_auts(argv);
	return usage();
}
