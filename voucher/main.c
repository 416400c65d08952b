/*
 * main.c - fdo-voucher: inspect, verify and extend FDO 1.1 ownership
 * vouchers at a warehouse or reseller (late binding, FDO 1.1 section 6.3).
 */
#include <stdio.h>
#include <string.h>

#include "vt_int.h"

#ifndef ZTO_VERSION
#define ZTO_VERSION "0"
#endif

static const char usage[] =
    "usage: fdo-voucher <command> [options]\n"
    "\n"
    "Inspect, verify and extend FDO 1.1 ownership vouchers: a warehouse\n"
    "or reseller extends each voucher to its buyer's key when the device\n"
    "ships (late binding).\n"
    "\n"
    "Commands:\n"
    "  show FILE [--json]       print every voucher in FILE\n"
    "  verify FILE [options]    check chain, hashes, signatures, HMAC\n"
    "  extend [options]         extend one voucher to the next owner\n"
    "  extend-batch [options]   extend a directory of vouchers, a GUID\n"
    "                           list or a shipment manifest\n"
    "  help [COMMAND]           this text, or a command's help\n"
    "  --version                the program's version\n"
    "\n"
    "'fdo-voucher COMMAND --help' describes each command's options.\n"
    "Vouchers are read as PEM (any number of OWNERSHIP VOUCHER blocks) or\n"
    "raw CBOR (one or more concatenated vouchers); the format is detected.\n"
    "\n"
    "Exit status: 0 success; 1 failure (bad input, a check failed, the\n"
    "operation was refused); 2 usage error.\n";

struct cmd {
    const char *name;
    int (*run)(int argc, char **argv);
};

static const struct cmd cmds[] = {
    {"show", vt_cmd_show},
    {"verify", vt_cmd_verify},
    {"extend", vt_cmd_extend},
    {"extend-batch", vt_cmd_extend_batch},
};

static const struct cmd *
find(const char *name)
{
    size_t i;

    for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
        if (strcmp(cmds[i].name, name) == 0)
            return &cmds[i];
    return NULL;
}

int
main(int argc, char **argv)
{
    const struct cmd *c;

    if (argc < 2) {
        fputs(usage, stderr);
        return VT_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(usage, stdout);
        return VT_EXIT_OK;
    }
    if (strcmp(argv[1], "help") == 0) {
        if (argc > 2 && (c = find(argv[2])) != NULL) {
            char help[] = "--help";
            char *hargv[] = {argv[2], help, NULL};
            return c->run(2, hargv);
        }
        if (argc > 2) {
            fprintf(stderr, "fdo-voucher: unknown command '%s'\n", argv[2]);
            return VT_EXIT_USAGE;
        }
        fputs(usage, stdout);
        return VT_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("fdo-voucher (zto) %s\n", ZTO_VERSION);
        return VT_EXIT_OK;
    }
    if ((c = find(argv[1])) == NULL) {
        fprintf(stderr,
                "fdo-voucher: unknown command '%s' (see 'fdo-voucher "
                "--help')\n",
                argv[1]);
        return VT_EXIT_USAGE;
    }
    return c->run(argc - 1, argv + 1);
}
