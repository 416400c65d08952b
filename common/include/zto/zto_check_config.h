/* zto_check_config.h - reject limits the protocol cannot work with. */
#ifndef ZTO_CHECK_CONFIG_H
#define ZTO_CHECK_CONFIG_H

#if ZTO_MAX_MSG_SIZE < 1500 || ZTO_MAX_MSG_SIZE > 65535
#error "ZTO_MAX_MSG_SIZE must be in 1500..65535 (uint16 on the wire)"
#endif
#if ZTO_CBOR_MAX_DEPTH < 8
#error "ZTO_CBOR_MAX_DEPTH must be at least 8 (COSE inside a voucher)"
#endif
#if ZTO_MAX_CERT_CHAIN_LEN < 1
#error "ZTO_MAX_CERT_CHAIN_LEN must be at least 1"
#endif
#if ZTO_MAX_RV_ENTRIES < 1 || ZTO_MAX_RV_INSTRS < 1
#error "RendezvousInfo limits must be at least 1"
#endif
#if ZTO_MAX_RVTO2_ENTRIES < 1
#error "ZTO_MAX_RVTO2_ENTRIES must be at least 1"
#endif
#if ZTO_MAX_SVI_ENTRIES < 16
#error "ZTO_MAX_SVI_ENTRIES must hold the devmod keys (16)"
#endif
#if ZTO_MAX_PUBKEY_SIZE < 512
#error "ZTO_MAX_PUBKEY_SIZE too small for an X509 RSA-3072 key"
#endif

#endif
