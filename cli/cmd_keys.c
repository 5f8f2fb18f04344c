/* fwup keys: placeholder until its issue lands (returns internal error). */
#include "cli.h"

int
fwup_cmd_keys(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fwup_cli_errorf("'keys' is not implemented yet");
    return FWUP_EXIT_INTERNAL;
}
