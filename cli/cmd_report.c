/* fwup report: placeholder until its issue lands (returns internal error). */
#include "cli.h"

int
fwup_cmd_report(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fwup_cli_errorf("'report' is not implemented yet");
    return FWUP_EXIT_INTERNAL;
}
