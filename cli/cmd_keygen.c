/* fwup keygen: placeholder until its issue lands (returns internal error). */
#include "cli.h"

int
fwup_cmd_keygen(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fwup_cli_errorf("'keygen' is not implemented yet");
    return FWUP_EXIT_INTERNAL;
}
