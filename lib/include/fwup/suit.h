/*
 * SUIT code points, defined once (draft-ietf-suit-manifest-37 §8 and §11;
 * [TD] draft-ietf-suit-trust-domains-11; [ENC] draft-ietf-suit-firmware-
 * encryption-24; [UM] draft-ietf-suit-update-management-14).
 *
 * Freestanding: no includes.
 */
#ifndef FWUP_SUIT_H
#define FWUP_SUIT_H

/* CBOR tags (§8.2, RFC 9052). */
#define FWUP_TAG_ENVELOPE 107
#define FWUP_TAG_MANIFEST 1070
#define FWUP_TAG_COSE_SIGN1 18
#define FWUP_TAG_COSE_SIGN 98
#define FWUP_TAG_COSE_MAC0 17
#define FWUP_TAG_COSE_MAC 97
#define FWUP_TAG_COSE_ENCRYPT 96
#define FWUP_TAG_PEN 112

/* Envelope keys (§8.2, [TD] §4, [UM]). */
enum fwup_suit_envelope_key {
    FWUP_ENV_DELEGATION = 1, /* reserved */
    FWUP_ENV_AUTH = 2,
    FWUP_ENV_MANIFEST = 3,
    FWUP_ENV_COSWID = 14,
    FWUP_ENV_DEP_RESOLUTION = 15,
    FWUP_ENV_PAYLOAD_FETCH = 16,
    FWUP_ENV_CANDIDATE_VERIFICATION = 18,
    FWUP_ENV_INSTALL = 20,
    FWUP_ENV_TEXT = 23,
};

/* Manifest keys (§8.4, [TD] §5.2.1). */
enum fwup_suit_manifest_key {
    FWUP_MAN_VERSION = 1,
    FWUP_MAN_SEQUENCE = 2,
    FWUP_MAN_COMMON = 3,
    FWUP_MAN_REFERENCE_URI = 4,
    FWUP_MAN_COMPONENT_ID = 5,
    FWUP_MAN_SET_VERSION = 6,
    FWUP_MAN_VALIDATE = 7,
    FWUP_MAN_LOAD = 8,
    FWUP_MAN_INVOKE = 9,
    FWUP_MAN_COSWID = 14,
    FWUP_MAN_DEP_RESOLUTION = 15,
    FWUP_MAN_PAYLOAD_FETCH = 16,
    FWUP_MAN_CANDIDATE_VERIFICATION = 18,
    FWUP_MAN_INSTALL = 20,
    FWUP_MAN_TEXT = 23,
    FWUP_MAN_UNINSTALL = 24,
};

/* SUIT_Common keys (§8.4.5). */
enum fwup_suit_common_key {
    FWUP_COMMON_DEPENDENCIES = 1,
    FWUP_COMMON_COMPONENTS = 2,
    FWUP_COMMON_SHARED = 4,
};

/* Commands (§8.4.9, §8.4.10, [TD] §5.6, [UM]). C = condition, D = directive. */
enum fwup_suit_command {
    FWUP_CMD_VENDOR_ID = 1,        /* C */
    FWUP_CMD_CLASS_ID = 2,         /* C */
    FWUP_CMD_IMAGE_MATCH = 3,      /* C */
    FWUP_CMD_USE_BEFORE = 4,       /* C [UM] */
    FWUP_CMD_COMPONENT_SLOT = 5,   /* C */
    FWUP_CMD_CHECK_CONTENT = 6,    /* C */
    FWUP_CMD_DEP_INTEGRITY = 7,    /* C [TD] */
    FWUP_CMD_IS_DEPENDENCY = 8,    /* C [TD] */
    FWUP_CMD_PROCESS_DEP = 11,     /* D [TD] */
    FWUP_CMD_SET_INDEX = 12,       /* D */
    FWUP_CMD_ABORT = 14,           /* C */
    FWUP_CMD_TRY_EACH = 15,        /* D */
    FWUP_CMD_WRITE = 18,           /* D */
    FWUP_CMD_SET_PARAMS = 19,      /* D [TD] */
    FWUP_CMD_OVERRIDE_PARAMS = 20, /* D */
    FWUP_CMD_FETCH = 21,           /* D */
    FWUP_CMD_COPY = 22,            /* D */
    FWUP_CMD_INVOKE = 23,          /* D */
    FWUP_CMD_DEVICE_ID = 24,       /* C */
    FWUP_CMD_SWAP = 31,            /* D */
    FWUP_CMD_RUN_SEQUENCE = 32,    /* D */
    FWUP_CMD_UNLINK = 33,          /* D [TD] */
};

/* Parameters (§8.4.8, [ENC] §4, [UM]). */
enum fwup_suit_param {
    FWUP_PARAM_VENDOR_ID = 1,
    FWUP_PARAM_CLASS_ID = 2,
    FWUP_PARAM_IMAGE_DIGEST = 3,
    FWUP_PARAM_USE_BEFORE = 4, /* [UM] */
    FWUP_PARAM_COMPONENT_SLOT = 5,
    FWUP_PARAM_STRICT_ORDER = 12,
    FWUP_PARAM_SOFT_FAILURE = 13,
    FWUP_PARAM_IMAGE_SIZE = 14,
    FWUP_PARAM_CONTENT = 18,
    FWUP_PARAM_ENCRYPTION_INFO = 19, /* [ENC] */
    FWUP_PARAM_URI = 21,
    FWUP_PARAM_SOURCE_COMPONENT = 22,
    FWUP_PARAM_INVOKE_ARGS = 23,
    FWUP_PARAM_DEVICE_ID = 24,
    FWUP_PARAM_FETCH_ARGS = 25,
};

/* Text map keys (§8.4.4). */
enum fwup_suit_text_key {
    FWUP_TEXT_MANIFEST_DESCRIPTION = 1,
    FWUP_TEXT_UPDATE_DESCRIPTION = 2,
    FWUP_TEXT_MANIFEST_JSON = 3,
    FWUP_TEXT_MANIFEST_YAML = 4,
    FWUP_TEXT_VENDOR_NAME = 1, /* component text */
    FWUP_TEXT_MODEL_NAME = 2,
    FWUP_TEXT_VENDOR_DOMAIN = 3,
    FWUP_TEXT_MODEL_INFO = 4,
    FWUP_TEXT_COMPONENT_DESCRIPTION = 5,
    FWUP_TEXT_COMPONENT_VERSION = 6,
};

/* Reporting policy bits (§8.4.7). */
#define FWUP_REP_RECORD_SUCCESS 1
#define FWUP_REP_RECORD_FAILURE 2
#define FWUP_REP_SYSINFO_SUCCESS 4
#define FWUP_REP_SYSINFO_FAILURE 8

#endif /* FWUP_SUIT_H */
