/*
 * Fuzz target: the JSON trust policy loader (fwup/policy.h), the one parser
 * of the format that `fwup verify --policy` and fwup-sim share. The bytes
 * are written as policy.json to a temporary directory that also holds
 * a.pem, b.pem (P-256 public keys) and s.bin (an HMAC secret), so seeds can
 * name real keys by relative path and reach every field.
 *
 * Invariants (FUZZ_CHECK aborts):
 *  - a refused policy is empty (no anchor, no role) and the diag holds the
 *    returned code, with a JSON path ("$...") or none;
 *  - a loaded policy has 1..8 anchors, each with a key and a role below
 *    n_roles; require / count_roles / dependency_roles name only existing
 *    roles; min_signers <= n_anchors; prefixes, when present, are a CBOR
 *    array head followed by content;
 *  - release leaves it empty (LeakSanitizer checks the keys and buffers).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "fwup/policy.h"

static char dir[4096], policy_path[4200];

static void
link_key(const char *from, const char *to)
{
    char src[4200], dst[4200];

    snprintf(src, sizeof src, "%s/keys/%s", FWUP_TEST_VECTORS, from);
    snprintf(dst, sizeof dst, "%s/%s", dir, to);
    if (symlink(src, dst) != 0)
        abort();
}

static void
cleanup(void)
{
    static const char *const names[] = {"a.pem", "b.pem", "s.bin", "policy.json"};
    char p[4200];

    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, names[i]);
        (void)unlink(p);
    }
    (void)rmdir(dir);
}

static void
once(void)
{
    const char *t = getenv("TMPDIR");

    if (dir[0] != '\0')
        return;
    snprintf(dir, sizeof dir, "%s/fwup-fuzz-policy.XXXXXX", t != NULL && *t ? t : "/tmp");
    if (mkdtemp(dir) == NULL)
        abort();
    link_key("key-a-pub.pem", "a.pem");
    link_key("key-b-pub.pem", "b.pem");
    link_key("hmac256-secret.bin", "s.bin");
    snprintf(policy_path, sizeof policy_path, "%s/policy.json", dir);
    atexit(cleanup);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fwup_policy p;
    struct fwup_diag d;
    enum fwup_err e;
    FILE *f;

    once();
    f = fopen(policy_path, "wb");
    if (f == NULL || fwrite(data, 1, size, f) != size || fclose(f) != 0)
        abort();
    fwup_policy_init(&p);
    fwup_diag_init(&d);
    e = fwup_policy_load(&p, policy_path, &d);
    if (e != FWUP_OK) {
        FUZZ_CHECK(d.code == e);
        FUZZ_CHECK(p.pol.n_anchors == 0 && p.n_roles == 0);
        FUZZ_CHECK(d.path[0] == '\0' || d.path[0] == '$');
    } else {
        uint16_t roles = (uint16_t)((1u << p.n_roles) - 1);
        FUZZ_CHECK(p.pol.n_anchors >= 1 && p.pol.n_anchors <= FWUP_V_MAX_ANCHORS);
        FUZZ_CHECK(p.n_roles >= 1 && p.n_roles <= p.pol.n_anchors);
        for (uint8_t a = 0; a < p.pol.n_anchors; a++) {
            FUZZ_CHECK(p.anchors[a].key == &p.keys[a]);
            FUZZ_CHECK(p.anchors[a].role < p.n_roles);
            FUZZ_CHECK(p.anchors[a].prefixes.ptr == NULL ||
                       (p.anchors[a].prefixes.len >= 1 &&
                        p.anchors[a].prefixes.len <= FWUP_POLICY_MAX_PREFIXES &&
                        (p.anchors[a].prefixes.ptr[0] >> 5) == 4));
        }
        FUZZ_CHECK((p.pol.require_roles & ~roles) == 0);
        FUZZ_CHECK((p.pol.count_roles & ~roles) == 0);
        FUZZ_CHECK((p.pol.dep_require_roles & ~roles) == 0);
        FUZZ_CHECK(p.pol.min_signers <= p.pol.n_anchors);
    }
    fwup_policy_release(&p);
    FUZZ_CHECK(p.pol.n_anchors == 0 && p.n_roles == 0 && p.pol.anchors == p.anchors);
    return 0;
}
