/*
 * The partition layout of the simulated device (schemas/layout.schema.json).
 *
 * A flash of `size` bytes in sectors of `sector_size`, programmed in units of
 * `write_size` (at most `page_size` per operation), split into:
 *   bootloader  never written by an update (the static bootloader lives here;
 *               the simulator never touches it after init),
 *   slot_a, slot_b  two image slots (A/B): image at the slot start, then the
 *               envelope that installed it,
 *   state       the power-safe state log (at least two sectors),
 *   staging     optional download area (a partition of its own with its own
 *               SUIT component identifier): a manifest may fetch into it and
 *               copy from it into the image component (the inactive slot),
 *               decrypting on the way. Nothing in it is ever booted.
 * Every partition starts and ends on a sector boundary and they do not overlap.
 */
#ifndef FWUP_SIM_LAYOUT_H
#define FWUP_SIM_LAYOUT_H

#include <stdbool.h>
#include <stdint.h>

#include "flash.h"
#include "fwup/err.h"
#include "fwup/types.h"

/* A partition: byte offset and size in the flash, both sector aligned. */
struct fwup_sim_part {
    uint32_t off;
    uint32_t size;
};

/* Largest encoded component identifier the layout may name. */
#define FWUP_SIM_MAX_COMPONENT_ID 64

struct fwup_sim_layout {
    struct fwup_flash_geom geom;
    struct fwup_sim_part boot;
    struct fwup_sim_part slot[2]; /* 0 = A, 1 = B */
    struct fwup_sim_part state;
    /* The SUIT_Component_Identifier the two slots hold, CBOR encoded (an
     * array of bstr), compared byte for byte with the manifest's. */
    uint8_t component[FWUP_SIM_MAX_COMPONENT_ID];
    size_t component_len;
    /* Optional staging partition and its component identifier (encoded
     * like `component`, and never equal to it: a manifest must name the
     * staging area or the image, not something that could be both). */
    bool has_staging;
    struct fwup_sim_part staging;
    uint8_t staging_component[FWUP_SIM_MAX_COMPONENT_ID];
    size_t staging_component_len;
    /* Boots a trial image gets before the bootloader reverts it. */
    uint32_t trial_boots;
};

/*
 * Parse a layout from JSON text (a file's content). Errors:
 * FWUP_E_DESC_SYNTAX, FWUP_E_DESC_TYPE, FWUP_E_DESC_MISSING,
 * FWUP_E_DESC_VALUE (with line:column or JSON path in the diag).
 */
enum fwup_err fwup_layout_parse(const char *text, size_t len, struct fwup_sim_layout *l,
                                struct fwup_diag *d);

/* Is this encoded component identifier the slots' image component, or the
 * staging partition's? (component_ok and the sinks of the update agent and
 * the bootloader; identifiers are public, compared with memcmp.) */
bool fwup_layout_is_image(const struct fwup_sim_layout *l, struct fwup_bytes id);
bool fwup_layout_is_staging(const struct fwup_sim_layout *l, struct fwup_bytes id);

#endif /* FWUP_SIM_LAYOUT_H */
