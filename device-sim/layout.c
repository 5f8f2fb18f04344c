/*
 * Layout JSON parser (jansson). Strict: unknown keys are errors, every
 * number is checked for range and alignment here, so the rest of the
 * simulator can trust the geometry (every partition offset + size fits in
 * the flash without wrapping: checked in 64 bits).
 */
#include "layout.h"

#include <jansson.h>
#include <string.h>

#include "fwup/enc.h"
#include "fwup/hex.h"
#include "fwup/policy.h"

static enum fwup_err
get_u32(json_t *obj, const char *key, const char *path, bool required, uint32_t *out,
        struct fwup_diag *d)
{
    json_t *v = json_object_get(obj, key);
    json_int_t i;

    if (v == NULL) {
        if (!required)
            return FWUP_OK;
        return fwup_diag_set(d, FWUP_E_DESC_MISSING, path, "missing '%s'", key);
    }
    if (!json_is_integer(v))
        return fwup_diag_set(d, FWUP_E_DESC_TYPE, path, "'%s' must be an integer", key);
    i = json_integer_value(v);
    if (i < 0 || i > (json_int_t)UINT32_MAX)
        return fwup_diag_set(d, FWUP_E_DESC_VALUE, path, "'%s' out of range", key);
    *out = (uint32_t)i;
    return FWUP_OK;
}

static enum fwup_err
only_keys(json_t *obj, const char *path, const char *const *keys, struct fwup_diag *d)
{
    const char *k;
    json_t *v;

    if (!json_is_object(obj))
        return fwup_diag_set(d, FWUP_E_DESC_TYPE, path, "expected an object");
    json_object_foreach(obj, k, v) {
        bool known = false;
        (void)v;
        for (size_t i = 0; keys[i] != NULL; i++)
            known = known || strcmp(k, keys[i]) == 0;
        if (!known)
            return fwup_diag_set(d, FWUP_E_DESC_UNKNOWN_KEY, path, "unknown key '%s'", k);
    }
    return FWUP_OK;
}

static enum fwup_err
get_part(json_t *parts, const char *name, const struct fwup_flash_geom *g,
         struct fwup_sim_part *p, struct fwup_diag *d)
{
    static const char *const keys[] = {"offset", "size", NULL};
    static const char *const skeys[] = {"offset", "size", "component", NULL};
    char path[64];
    json_t *o = json_object_get(parts, name);
    enum fwup_err e;

    snprintf(path, sizeof path, "$.partitions.%s", name);
    if (o == NULL)
        return fwup_diag_set(d, FWUP_E_DESC_MISSING, "$.partitions", "missing '%s'", name);
    /* Only the staging partition names a component of its own. */
    e = only_keys(o, path, strcmp(name, "staging") == 0 ? skeys : keys, d);
    if (e == FWUP_OK)
        e = get_u32(o, "offset", path, true, &p->off, d);
    if (e == FWUP_OK)
        e = get_u32(o, "size", path, true, &p->size, d);
    if (e != FWUP_OK)
        return e;
    if (p->size == 0 || p->off % g->sector_size != 0 || p->size % g->sector_size != 0)
        return fwup_diag_set(d, FWUP_E_DESC_VALUE, path,
                             "offset and size must be non-zero multiples of the sector size");
    if ((uint64_t)p->off + p->size > g->size)
        return fwup_diag_set(d, FWUP_E_DESC_VALUE, path, "runs past the end of the flash");
    return FWUP_OK;
}

/* "component": ["flash", {"hex": "00"}]: the SUIT_Component_Identifier,
 * each element in the form of the policy's component prefixes
 * (fwup_policy_id_element). `arr` NULL: the default [h'00'], the component
 * of the draft's examples. */
static enum fwup_err
get_component(json_t *arr, const char *path, uint8_t out[FWUP_SIM_MAX_COMPONENT_ID],
              size_t *out_len, struct fwup_diag *d)
{
    size_t i;
    json_t *el;
    struct fwup_enc e;
    struct fwup_bytes b;

    *out_len = 0;
    if (arr == NULL) {
        out[0] = 0x81;
        out[1] = 0x41;
        out[2] = 0x00;
        *out_len = 3;
        return FWUP_OK;
    }
    if (!json_is_array(arr) || json_array_size(arr) == 0 || json_array_size(arr) > 23)
        return fwup_diag_set(d, FWUP_E_DESC_TYPE, path,
                             "expected an array of 1 to 23 identifier elements");
    /* The project's deterministic encoder, capped at what the device stores:
     * the identifier is compared byte for byte with the manifest's, so it
     * must be encoded exactly as fwup create encodes it. */
    fwup_enc_init(&e, FWUP_SIM_MAX_COMPONENT_ID);
    fwup_enc_array(&e, json_array_size(arr));
    json_array_foreach(arr, i, el) {
        const char *why = fwup_policy_id_element(&e, el);
        if (why != NULL) {
            fwup_enc_release(&e);
            return fwup_diag_set(d, FWUP_E_DESC_VALUE, path, "element %zu: %s", i, why);
        }
    }
    if (fwup_enc_error(&e) != FWUP_OK) {
        fwup_enc_release(&e);
        return fwup_diag_set(d, FWUP_E_DESC_VALUE, path, "component identifier longer than %d bytes",
                             FWUP_SIM_MAX_COMPONENT_ID);
    }
    b = fwup_enc_bytes(&e);
    memcpy(out, b.ptr, b.len);
    *out_len = b.len;
    fwup_enc_release(&e);
    return FWUP_OK;
}

static bool
overlap(const struct fwup_sim_part *a, const struct fwup_sim_part *b)
{
    return a->off < b->off + b->size && b->off < a->off + a->size;
}

enum fwup_err
fwup_layout_parse(const char *text, size_t len, struct fwup_sim_layout *l, struct fwup_diag *d)
{
    static const char *const top[] = {"flash", "partitions", "component", "trial_boots",
                                      "$comment", NULL};
    static const char *const fkeys[] = {"size", "sector_size", "write_size", "page_size", NULL};
    static const char *const pkeys[] = {"bootloader", "slot_a", "slot_b", "state", "staging",
                                        NULL};
    json_error_t je;
    json_t *root, *fl, *parts;
    enum fwup_err e;
    const struct fwup_sim_part *all[5];
    int nparts = 4;

    memset(l, 0, sizeof *l);
    root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (root == NULL) {
        e = fwup_diag_set(d, FWUP_E_DESC_SYNTAX, NULL, "%s", je.text);
        if (d != NULL) {
            d->line = je.line;
            d->column = je.column;
        }
        return e;
    }
    e = only_keys(root, "$", top, d);
    if (e != FWUP_OK)
        goto out;
    fl = json_object_get(root, "flash");
    parts = json_object_get(root, "partitions");
    if (fl == NULL || parts == NULL) {
        e = fwup_diag_set(d, FWUP_E_DESC_MISSING, "$", "missing '%s'",
                          fl == NULL ? "flash" : "partitions");
        goto out;
    }
    e = only_keys(fl, "$.flash", fkeys, d);
    if (e == FWUP_OK)
        e = get_u32(fl, "size", "$.flash", true, &l->geom.size, d);
    if (e == FWUP_OK)
        e = get_u32(fl, "sector_size", "$.flash", true, &l->geom.sector_size, d);
    if (e == FWUP_OK)
        e = get_u32(fl, "write_size", "$.flash", true, &l->geom.write_size, d);
    l->geom.page_size = 256;
    if (e == FWUP_OK)
        e = get_u32(fl, "page_size", "$.flash", false, &l->geom.page_size, d);
    if (e == FWUP_OK && fwup_flash_geom_check(&l->geom, NULL) != FWUP_OK)
        e = fwup_diag_set(d, FWUP_E_DESC_VALUE, "$.flash",
                          "expected powers of two with write_size <= page_size <= "
                          "sector_size, and size a multiple of sector_size");
    if (e == FWUP_OK)
        e = only_keys(parts, "$.partitions", pkeys, d);
    if (e == FWUP_OK)
        e = get_part(parts, "bootloader", &l->geom, &l->boot, d);
    if (e == FWUP_OK)
        e = get_part(parts, "slot_a", &l->geom, &l->slot[0], d);
    if (e == FWUP_OK)
        e = get_part(parts, "slot_b", &l->geom, &l->slot[1], d);
    if (e == FWUP_OK)
        e = get_part(parts, "state", &l->geom, &l->state, d);
    if (e != FWUP_OK)
        goto out;
    /* The log needs a sector to erase that never holds the newest record. */
    if (l->state.size < 2 * l->geom.sector_size) {
        e = fwup_diag_set(d, FWUP_E_DESC_VALUE, "$.partitions.state",
                          "the state partition needs at least two sectors");
        goto out;
    }
    if (json_object_get(parts, "staging") != NULL) {
        e = get_part(parts, "staging", &l->geom, &l->staging, d);
        if (e != FWUP_OK)
            goto out;
        l->has_staging = true;
    }
    all[0] = &l->boot;
    all[1] = &l->slot[0];
    all[2] = &l->slot[1];
    all[3] = &l->state;
    if (l->has_staging)
        all[nparts++] = &l->staging;
    /* Disjoint partitions are what makes "the active slot is never written"
     * hold by construction: the agent writes the target slot, the staging
     * partition and the state log, nothing else. */
    for (int i = 0; i < nparts; i++)
        for (int j = i + 1; j < nparts; j++)
            if (overlap(all[i], all[j])) {
                e = fwup_diag_set(d, FWUP_E_DESC_VALUE, "$.partitions",
                                  "partitions '%s' and '%s' overlap", pkeys[i], pkeys[j]);
                goto out;
            }
    e = get_component(json_object_get(root, "component"), "$.component", l->component,
                      &l->component_len, d);
    if (e != FWUP_OK)
        goto out;
    if (l->has_staging) {
        json_t *sc = json_object_get(json_object_get(parts, "staging"), "component");
        if (sc == NULL) {
            e = fwup_diag_set(d, FWUP_E_DESC_MISSING, "$.partitions.staging",
                              "missing 'component' (the staging area's component identifier)");
            goto out;
        }
        e = get_component(sc, "$.partitions.staging.component", l->staging_component,
                          &l->staging_component_len, d);
        if (e != FWUP_OK)
            goto out;
        if (l->staging_component_len == l->component_len &&
            memcmp(l->staging_component, l->component, l->component_len) == 0) {
            e = fwup_diag_set(d, FWUP_E_DESC_VALUE, "$.partitions.staging.component",
                              "the staging component must differ from the slots' component");
            goto out;
        }
    }
    l->trial_boots = 1;
    e = get_u32(root, "trial_boots", "$", false, &l->trial_boots, d);
    if (e == FWUP_OK && (l->trial_boots == 0 || l->trial_boots > 100))
        e = fwup_diag_set(d, FWUP_E_DESC_VALUE, "$.trial_boots", "expected 1 to 100");
out:
    json_decref(root);
    return e;
}

bool
fwup_layout_is_image(const struct fwup_sim_layout *l, struct fwup_bytes id)
{
    return id.len == l->component_len && memcmp(id.ptr, l->component, id.len) == 0;
}

bool
fwup_layout_is_staging(const struct fwup_sim_layout *l, struct fwup_bytes id)
{
    return l->has_staging && id.len == l->staging_component_len &&
           memcmp(id.ptr, l->staging_component, id.len) == 0;
}
