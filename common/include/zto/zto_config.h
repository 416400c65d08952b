/*
 * zto_config.h - compile-time limits shared by common/ and device/.
 *
 * Firmware overrides any of them with -DZTO_CONFIG_FILE="my_limits.h";
 * zto_check_config.h rejects values the protocol cannot work with.
 */
#ifndef ZTO_CONFIG_H
#define ZTO_CONFIG_H

#ifdef ZTO_CONFIG_FILE
#include ZTO_CONFIG_FILE
#endif

/* Largest FDO message body accepted or produced (FDO 1.1 section 10.1
 * uses uint16 sizes, so 65535 is the protocol maximum). */
#ifndef ZTO_MAX_MSG_SIZE
#define ZTO_MAX_MSG_SIZE 65535
#endif

/* Deepest CBOR nesting a decoder follows before failing ZTO_E_DEPTH. */
#ifndef ZTO_CBOR_MAX_DEPTH
#define ZTO_CBOR_MAX_DEPTH 16
#endif

/* Certificates in OVDevCertChain / X5CHAIN keys. */
#ifndef ZTO_MAX_CERT_CHAIN_LEN
#define ZTO_MAX_CERT_CHAIN_LEN 8
#endif

/* Rendezvous directives in a RendezvousInfo and instructions in each. */
#ifndef ZTO_MAX_RV_ENTRIES
#define ZTO_MAX_RV_ENTRIES 8
#endif
#ifndef ZTO_MAX_RV_INSTRS
#define ZTO_MAX_RV_INSTRS 16
#endif

/* Entries of an RVTO2Addr. */
#ifndef ZTO_MAX_RVTO2_ENTRIES
#define ZTO_MAX_RVTO2_ENTRIES 8
#endif

/* Key/value pairs in one ServiceInfo. */
#ifndef ZTO_MAX_SVI_ENTRIES
#define ZTO_MAX_SVI_ENTRIES 64
#endif

/* Largest public key body we hold (an X5CHAIN of a few RSA-3072 certs). */
#ifndef ZTO_MAX_PUBKEY_SIZE
#define ZTO_MAX_PUBKEY_SIZE 4096
#endif

/* Entries in an ownership voucher; NumOVEntries is a uint8. */
#define ZTO_MAX_OV_ENTRIES 255

#include "zto_check_config.h"

#endif /* ZTO_CONFIG_H */
