/*
 * prom_lint - check Prometheus text (exposition format 0.0.4) on standard
 * input with tests/unit/prom_check.h, and print the value of each series
 * named on the command line (-1 if absent), one per line, as integers
 * when they are whole. Exit 1 if the text is invalid.
 *
 *   curl .../metrics | prom_lint
 * 'zto_fdo_runs_total{protocol="di",result="completed"}'
 */
#include <math.h>
#include <stdio.h>

#include "prom_check.h"

int
main(int argc, char **argv)
{
    static char buf[16 << 20];
    size_t n = fread(buf, 1, sizeof(buf) - 1, stdin);
    int i;

    buf[n] = '\0';
    if (prom_check(buf) != 0)
        return 1;
    for (i = 1; i < argc; i++) {
        double v = prom_value(buf, argv[i]);
        if (v == floor(v) && fabs(v) < 1e15)
            printf("%.0f\n", v);
        else
            printf("%g\n", v);
    }
    return 0;
}
