/* fwup encrypt: placeholder until its issue lands (returns internal error). */
#include "cli.h"

int
fwup_cmd_encrypt(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fwup_cli_errorf("'encrypt' is not implemented yet");
    return FWUP_EXIT_INTERNAL;
}
