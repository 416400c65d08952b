/*
 * util.c - clocks, /proc CPU times, percentiles, files and commands for
 * fdo-bench.
 */
#define _GNU_SOURCE /* nftw, sched_setaffinity */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

double
now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void
die(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    fputs("fdo-bench: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(2);
}

int
write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    int rc = 0;

    if (f == NULL)
        return -1;
    if (fputs(text, f) == EOF)
        rc = -1;
    if (fclose(f) != 0)
        rc = -1;
    return rc;
}

double
proc_cpu_s(pid_t pid)
{
    char path[64], buf[1024], *p;
    unsigned long utime, stime;
    FILE *f;
    size_t n;

    snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
    if ((f = fopen(path, "r")) == NULL)
        return -1;
    n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    /* The command name may hold spaces and parentheses: fields count
     * from the last ')'. utime and stime are fields 14 and 15. */
    if ((p = strrchr(buf, ')')) == NULL ||
        sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
               &utime, &stime) != 2)
        return -1;
    return (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
}

double
self_cpu_s(void)
{
    struct rusage ru;

    if (getrusage(RUSAGE_SELF, &ru) != 0)
        return -1;
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

void
sort_doubles(double *v, size_t n)
{
    qsort(v, n, sizeof(*v), cmp_double);
}

double
percentile(const double *v, size_t n, double p)
{
    size_t k;

    if (n == 0)
        return 0;
    /* nearest rank: the smallest value with at least p % at or below */
    k = (size_t)((p / 100.0) * (double)n + 0.999999);
    if (k < 1)
        k = 1;
    if (k > n)
        k = n;
    return v[k - 1];
}

/* Run argv (no shell), stdout and stderr to outfile (or /dev/null);
 * its exit status, or -1. */
int
run_cmd(const char *const *argv, const char *outfile)
{
    pid_t pid;
    int st;

    fflush(NULL);
    if ((pid = fork()) < 0)
        return -1;
    if (pid == 0) {
        int fd = open(outfile != NULL ? outfile : "/dev/null",
                      O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int
rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

void
rm_tree(const char *dir)
{
    if (dir[0] != '\0')
        nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void
cpu_range(cpu_set_t *set, int first, int last)
{
    int i;

    CPU_ZERO(set);
    for (i = first; i <= last; i++)
        CPU_SET(i, set);
}

int
pin_self(int first, int last)
{
    cpu_set_t set;

    cpu_range(&set, first, last);
    return sched_setaffinity(0, sizeof(set), &set);
}

int
pin_process(pid_t pid, int first, int last)
{
    char path[64];
    cpu_set_t set;
    DIR *d;
    struct dirent *e;
    int rc = 0, n = 0;

    cpu_range(&set, first, last);
    snprintf(path, sizeof(path), "/proc/%ld/task", (long)pid);
    if ((d = opendir(path)) == NULL)
        return -1;
    while ((e = readdir(d)) != NULL) {
        long tid = strtol(e->d_name, NULL, 10);
        if (tid <= 0)
            continue;
        if (sched_setaffinity((pid_t)tid, sizeof(set), &set) != 0)
            rc = -1;
        n++;
    }
    closedir(d);
    return n > 0 ? rc : -1;
}
