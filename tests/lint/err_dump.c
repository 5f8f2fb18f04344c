/*
 * err_dump: print every error code as libfwup reports it, one per line:
 *   value<TAB>name<TAB>exit class<TAB>message
 * Used by the lint test 'lint-error-docs' (scripts/gen-error-docs.py --check
 * --dump) so that docs/error-codes.md is checked against the real
 * fwup_err_name(), fwup_err_str() and fwup_err_exit(), not only against the
 * list it is generated from.
 */
#include <stdio.h>

#include "fwup/err.h"

int
main(void)
{
    static const enum fwup_err codes[] = {
#define FWUP_ERR(name, value, msg) FWUP_E_##name,
#include "fwup/err_list.h"
#undef FWUP_ERR
    };

    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
        printf("%d\t%s\t%d\t%s\n", (int)codes[i], fwup_err_name(codes[i]),
               (int)fwup_err_exit(codes[i]), fwup_err_str(codes[i]));
    return (fflush(stdout) == 0 && !ferror(stdout)) ? 0 : 1;
}
