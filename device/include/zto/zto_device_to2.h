/*
 * zto_device_to2.h - state of TO2 (FDO 1.1 section 4.4) inside struct
 * zto_device. Not an API: see zto_device_priv.h.
 *
 * What the device keeps between two TO2 messages: its nonces, the hashes
 * of the HelloDevice it sent, the owner's key and key-exchange value from
 * ProveOVHdr, the voucher walk, the tunnel keys, the bytes of the
 * current header that the replacement header keeps, the replacement
 * credential (committed only after Done2) and the ServiceInfo state.
 * Sizes come from zto_config.h / zto_device_config.h.
 */
#ifndef ZTO_DEVICE_TO2_H
#define ZTO_DEVICE_TO2_H

/* Pending "<module>:active" answers of one round. */
#define ZTO_DEV_SVI_ACTIVE_MAX 8
#define ZTO_DEV_SVI_NAME_MAX 64
/* A module's reason for failing TO2, sent in the ErrorMessage. */
#define ZTO_DEV_SVI_WHY_MAX 120

struct zto_device_svi {
    uint16_t out_max; /* owner's limit for each 68 (67) */
    uint32_t rounds;
    bool owner_more;       /* last 69 had IsMoreServiceInfo */
    uint8_t devmod_next;   /* next devmod item to send */
    uint8_t devmod_module; /* next name of devmod:modules to send */
    bool devmod_done;
    uint32_t active; /* bit i: cfg->modules[i] was opened */
    /* "<name>:active" answers owed to the owner: a registered module
     * (index) or an unknown name (answered false). */
    size_t nanswers;
    struct {
        int16_t module; /* index in cfg->modules, or -1 */
        char name[ZTO_DEV_SVI_NAME_MAX];
    } answer[ZTO_DEV_SVI_ACTIVE_MAX];
    char why[ZTO_DEV_SVI_WHY_MAX]; /* module failure text, or "" */
};

struct zto_device_to2 {
    uint8_t state; /* enum in to2.c; 0 = not running */
    /* TO1's answer, when TO1 led here (its signature is checked with
     * the owner key of ProveOVHdr); NULL after RVBypass. Set by
     * zto_to2_begin() (to1d_set), else taken from the TO1 state at the
     * start of the run. Points into memory that outlives the run. */
    bool to1d_set;
    const uint8_t *to1d;
    size_t to1d_len;

    int kex_suite; /* enum zto_kex_suite */
    int32_t cipher;
    struct zto_nonce nonce_prove_ov;        /* sent in 60 */
    struct zto_nonce nonce_prove_dv;        /* from 61, back in 64 and 70 */
    struct zto_nonce nonce_setup_dv;        /* sent in 64, back in 65 and 71 */
    struct zto_hash_buf hello256, hello384; /* of the 60 body as sent */

    /* From ProveOVHdr (61). */
    uint8_t owner_key[ZTO_MAX_PUBKEY_SIZE]; /* CUPHOwnerPubKey, raw */
    size_t owner_key_len;
    uint8_t xa[ZTO_KEX_PARAM_MAX];
    size_t xa_len;
    uint8_t num_entries;
    uint8_t next_entry;
    uint16_t owner_max_msg; /* maxOwnerMessageSize, 0 = none */
    int32_t hmac_type;      /* of the header HMac: also for the new one */
    struct zto_ov_walk walk;
    /* Spans of the current header that OVHeader' keeps (raw CBOR). */
    uint8_t kept_protver[4];
    size_t kept_protver_len;
    uint8_t kept_devinfo[ZTO_DEV_MAX_DEVINFO + 4];
    size_t kept_devinfo_len;
    uint8_t kept_certhash[8 + ZTO_HASH_MAX_LEN];
    size_t kept_certhash_len;

    struct zto_tunnel tunnel; /* from 64 on */

    /* From SetupDevice (65): the replacement, committed after 71. */
    bool reuse;
    struct zto_guid new_guid;
    uint8_t new_rvinfo[ZTO_DEV_MAX_RVINFO];
    size_t new_rvinfo_len;
    struct zto_hash_buf new_pubkey_hash;

    struct zto_device_svi svi;
};

#endif
