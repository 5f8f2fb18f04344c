/*
 * fwup-sim: the simulated device. Internal header of device-sim/.
 *
 * A device directory holds:
 *   flash.bin     the NOR flash image (layout: bootloader | slot A | slot B | state
 *                 [| staging])
 *   flash.meta    simulator counters: wear per sector, lifetime operation counts
 *   device.json   identity (vendor / class / device UUIDs) and the layout
 *   policy.json   the provisioned trust policy, with its keys copied to keys/
 *
 * Everything the device "knows" at run time is in flash.bin (state log,
 * slots) or was provisioned at init (device.json, policy.json, keys/): the
 * simulator keeps no other state between runs.
 */
#ifndef FWUP_SIM_H
#define FWUP_SIM_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "flash.h"
#include "fwup/crypto.h"
#include "fwup/encrypt.h"
#include "fwup/err.h"
#include "fwup/policy.h"
#include "fwup/processor.h"
#include "fwup/verifier.h"
#include "layout.h"
#include "state.h"

/* Largest envelope the agent accepts (it is stored in the slot after the image). */
#define FWUP_SIM_MAX_ENVELOPE ((size_t)1 << 20)

struct fwup_sim {
    char dir[PATH_MAX];
    struct fwup_sim_layout layout;
    struct fwup_flash flash;
    bool flash_open;
    struct fwup_state st;
    struct fwup_state_pos pos;
    /* identity provisioned at init (SUIT-DIGEST §15) */
    uint8_t vendor[16], klass[16], device[16];
    bool has_vendor, has_class, has_device;
    struct fwup_policy policy; /* the provisioned policy.json */
    bool policy_loaded;
    struct fwup_crypto *crypto;
    struct fwup_v_crypto port;
    /* The SUIT report being built for the current install attempt
     * (report.h), fed by the agent's record hook; NULL: no report. */
    struct fwup_sim_attempt *attempt;
    /* Payload decryption key provisioned at init (keys/decrypt-kek.bin or
     * keys/decrypt-key.pem, mode 0600), NULL if none: the device then
     * refuses encrypted payloads (docs/encryption.md). */
    struct fwup_enc_key *dec_key;
    /* false only for a device provisioned with --no-identity-checks: it
     * accepts manifests without vendor / class conditions (the draft's
     * encryption examples have none). */
    bool require_ident;
    /* The device clock for [UM] use-before (the processor's `now` hook):
     * `--now SECONDS` sets it for one run; otherwise the host clock. */
    bool has_now;
    uint64_t now;
};

/* Options of `fwup-sim init`. */
struct fwup_sim_init_opts {
    const char *layout_path;
    const char *policy_path;
    const char *vendor_uuid, *vendor_domain;
    const char *class_uuid, *model;
    const char *device_uuid;
    const char *kek_path;        /* --kek: A128KW key-encryption key (16 raw bytes) */
    const char *device_key_path; /* --device-key: P-256 private key (ECDH-ES+A128KW) */
    bool no_identity_checks;     /* --no-identity-checks */
};

/* init: create DIR (must not exist or be empty), flash.bin (all 0xFF, then
 * the state log formatted), device.json, policy.json + keys/. */
enum fwup_err fwup_sim_init(const char *dir, const struct fwup_sim_init_opts *o,
                            struct fwup_diag *d);

/* Open a device directory: layout, identity, flash, state log (recovered),
 * and, if with_policy, the trust policy and the crypto port. */
enum fwup_err fwup_sim_open(struct fwup_sim *s, const char *dir, bool with_policy,
                            struct fwup_diag *d);

/* Close: save flash counters, free keys and the port. Safe after a cut. */
enum fwup_err fwup_sim_close(struct fwup_sim *s, struct fwup_diag *d);

/* ---- paths and identity helpers (device.c) ---- */
/* rel if absolute, else base/rel; FWUP_E_INVALID_ARG if it does not fit. */
enum fwup_err fwup_sim_path(char *out, size_t cap, const char *base, const char *rel);
/* The directory part of path ("." if none). */
enum fwup_err fwup_sim_dirname(char *out, size_t cap, const char *path);
enum fwup_err fwup_sim_uuid_parse(const char *text, uint8_t out[16]);
void fwup_sim_uuid_format(const uint8_t u[16], char out[37]);
/* UUID version 5 (RFC 9562 §5.5): SHA-1(namespace || name), version 5, variant 10. */
void fwup_sim_uuid5(const uint8_t ns[16], const uint8_t *name, size_t len, uint8_t out[16]);

/* ---- policy (policy.c) ---- */

/*
 * Load a policy file with the library's loader (fwup/policy.h) into p (any
 * state: it is initialised first). An error's detail starts with the file
 * name (and line:column), as the device's errors are printed without one.
 */
enum fwup_err fwup_sim_policy_load(struct fwup_policy *p, const char *path,
                                   struct fwup_diag *d);

/* Authenticate and decode an envelope with the device's policy. */
enum fwup_err fwup_sim_authenticate(struct fwup_sim *s, struct fwup_verifier *v,
                                    const uint8_t *env, size_t len, struct fwup_diag *d);

/* The device's time in UTC seconds (s->now if set, else the host clock). */
enum fwup_err fwup_sim_clock(const struct fwup_sim *s, uint64_t *utc_seconds);

/* Does the device have this vendor / class / device id? (both match_ident hooks) */
bool fwup_sim_match_ident(const struct fwup_sim *s, enum fwup_v_ident which,
                          struct fwup_bytes value);

/* Turn a verifier diag into a host diag (code, offset, SUIT key path). */
enum fwup_err fwup_sim_vdiag(struct fwup_diag *d, const struct fwup_verifier *v, enum fwup_err e,
                             const char *what);

/* ---- install (agent.c) ---- */

struct fwup_sim_install_result {
    int slot;            /* target slot, -1 if none was chosen */
    uint64_t seq;        /* manifest sequence number (0 if not authenticated) */
    uint64_t image_len;
    uint64_t erases_slot;  /* sector erases in the target slot */
    uint64_t erases_state; /* sector erases in the state partition */
    uint64_t erases_staging; /* sector erases in the staging partition (if any) */
    bool authenticated;
};

enum fwup_err fwup_sim_install(struct fwup_sim *s, const uint8_t *env, size_t len,
                               const char *payload_dir, struct fwup_sim_install_result *r,
                               struct fwup_diag *d);

/* ---- boot (boot.c) ---- */

enum fwup_sim_boot_outcome {
    FWUP_SIM_BOOT_NONE = 0,      /* nothing bootable */
    FWUP_SIM_BOOT_CONFIRMED = 1, /* booted a confirmed image */
    FWUP_SIM_BOOT_TRIAL_OK = 2,  /* booted a trial image, health ok, it confirmed itself */
    FWUP_SIM_BOOT_TRIAL_UNCONFIRMED = 3, /* booted a trial image, health check failed */
};

struct fwup_sim_boot_result {
    int slot;                  /* slot booted, -1 if none */
    uint64_t seq;              /* its manifest sequence number */
    enum fwup_sim_boot_outcome outcome;
    int reverted;              /* slot reverted from in this boot, -1 if none */
    int skipped[2];            /* slots skipped because they did not verify (error codes) */
};

struct fwup_sim_boot_opts {
    bool fail_health; /* the image's health check fails: it does not confirm */
};

enum fwup_err fwup_sim_boot(struct fwup_sim *s, const struct fwup_sim_boot_opts *o,
                            struct fwup_sim_boot_result *r, struct fwup_diag *d);

/* Confirm the running trial image (what the image does when healthy). */
enum fwup_err fwup_sim_confirm(struct fwup_sim *s, struct fwup_diag *d);

/* Marker that makes a simulated image fail its health check (boot.c). */
#define FWUP_SIM_FAIL_MARKER "FWUP-SIM:FAIL-HEALTH"

/* Slot names for messages and JSON. */
const char *fwup_sim_slot_name(int slot);
const char *fwup_sim_slot_state_name(uint8_t st);

#endif /* FWUP_SIM_H */
