/*
 * test_storage_file.c - the POSIX file store: round trips, modes, names,
 * and kill safety: a write that fails halfway (file size limit) or whose
 * process is SIGKILLed at a random moment leaves the previous blob
 * complete.
 */
#include <dirent.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test.h"
#include "zto_posix_port.h"

#define BIG (2u << 20)

static char dir[64];

static int
count_entries(void)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;

    if (d == NULL)
        return -1;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.' ||
            (e->d_name[1] != '\0' && strcmp(e->d_name, "..") != 0))
            n++;
    closedir(d);
    return n;
}

static void
rm_all(void)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char p[512];

    if (d == NULL)
        return;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
        unlink(p);
    }
    closedir(d);
}

static void
test_basic(void)
{
    struct zto_file_store fs;
    const struct zto_storage_ops *o = &zto_file_store_ops;
    uint8_t buf[64];
    size_t len = 0;
    struct stat st;
    char path[256];

    ASSERT_OK(zto_file_store_init(&fs, dir));
    ASSERT_ERR(o->read(&fs, "cred", buf, sizeof(buf), &len), ZTO_E_NOT_FOUND);
    ASSERT_OK(o->write(&fs, "cred", (const uint8_t *)"hello", 5));
    ASSERT_OK(o->read(&fs, "cred", buf, sizeof(buf), &len));
    ASSERT_EQ(len, 5);
    ASSERT_MEM_EQ(buf, "hello", 5);
    snprintf(path, sizeof(path), "%s/cred", dir);
    ASSERT_EQ(stat(path, &st), 0);
    ASSERT_EQ(st.st_mode & 0777, 0600);
    /* 0600 whatever the umask, also over a file that was readable. */
    {
        mode_t old = umask(0);
        ASSERT_EQ(chmod(path, 0644), 0);
        ASSERT_OK(o->write(&fs, "cred", (const uint8_t *)"hello", 5));
        ASSERT_EQ(stat(path, &st), 0);
        ASSERT_EQ(st.st_mode & 0777, 0600);
        umask(0277);
        ASSERT_OK(o->write(&fs, "cred", (const uint8_t *)"hello", 5));
        ASSERT_EQ(stat(path, &st), 0);
        ASSERT_EQ(st.st_mode & 0777, 0600);
        umask(old);
    }
    /* Replace with something shorter; too small a buffer reports size. */
    ASSERT_OK(o->write(&fs, "cred", (const uint8_t *)"hi", 2));
    ASSERT_OK(o->read(&fs, "cred", buf, sizeof(buf), &len));
    ASSERT_EQ(len, 2);
    ASSERT_MEM_EQ(buf, "hi", 2);
    ASSERT_ERR(o->read(&fs, "cred", buf, 1, &len), ZTO_E_BUF_TOO_SMALL);
    ASSERT_EQ(len, 2);
    ASSERT_OK(o->write(&fs, "empty", (const uint8_t *)"", 0));
    ASSERT_OK(o->read(&fs, "empty", buf, sizeof(buf), &len));
    ASSERT_EQ(len, 0);
    /* No temporary file stays behind. */
    ASSERT_EQ(count_entries(), 2);
    /* Names that leave the directory or are not names are refused. */
    ASSERT_ERR(o->write(&fs, "../x", buf, 1), ZTO_E_ARG);
    ASSERT_ERR(o->write(&fs, "/tmp/x", buf, 1), ZTO_E_ARG);
    ASSERT_ERR(o->write(&fs, "a/../b", buf, 1), ZTO_E_ARG);
    ASSERT_ERR(o->write(&fs, "a//b", buf, 1), ZTO_E_ARG);
    ASSERT_ERR(o->write(&fs, "a/", buf, 1), ZTO_E_ARG);
    ASSERT_ERR(o->write(&fs, "", buf, 1), ZTO_E_ARG);
    ASSERT_ERR(o->write(&fs, ".", buf, 1), ZTO_E_ARG);
    ASSERT_ERR(o->read(&fs, "..", buf, sizeof(buf), &len), ZTO_E_ARG);
    /* A missing subdirectory is an I/O error, not a crash. */
    ASSERT_ERR(o->write(&fs, "nodir/x", buf, 1), ZTO_E_IO);
    /* A directory is not a blob. */
    snprintf(path, sizeof(path), "%s/sub", dir);
    ASSERT_EQ(mkdir(path, 0700), 0);
    ASSERT_ERR(o->read(&fs, "sub", buf, sizeof(buf), &len), ZTO_E_IO);
    ASSERT_OK(o->write(&fs, "sub/x", (const uint8_t *)"y", 1));
    ASSERT_OK(o->read(&fs, "sub/x", buf, sizeof(buf), &len));
    snprintf(path, sizeof(path), "%s/sub/x", dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/sub", dir);
    rmdir(path);
    rm_all();
}

/* A blob whose every byte is c, with its length in front. */
static uint8_t *
blob(char c)
{
    uint8_t *b = malloc(BIG);

    memset(b, c, BIG);
    return b;
}

static bool
blob_is(const uint8_t *b, size_t len, char c)
{
    size_t i;

    if (len != BIG)
        return false;
    for (i = 0; i < len; i++)
        if (b[i] != (uint8_t)c)
            return false;
    return true;
}

/* The write fails halfway (RLIMIT_FSIZE): the old blob stays, the
 * temporary file is removed. */
static void
test_failed_write(void)
{
    struct zto_file_store fs;
    uint8_t *a = blob('A'), *b = blob('B'), *got = malloc(BIG);
    size_t len = 0;
    pid_t pid;
    int status = 0;

    ASSERT_OK(zto_file_store_init(&fs, dir));
    ASSERT_OK(zto_file_store_ops.write(&fs, "cred", a, BIG));
    fflush(NULL);
    pid = fork();
    if (pid == 0) {
        struct rlimit rl = {BIG / 2, BIG / 2};
        signal(SIGXFSZ, SIG_IGN);
        setrlimit(RLIMIT_FSIZE, &rl);
        _exit(zto_file_store_ops.write(&fs, "cred", b, BIG) == ZTO_E_IO ? 0
                                                                        : 1);
    }
    ASSERT_TRUE(pid > 0);
    waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    ASSERT_OK(zto_file_store_ops.read(&fs, "cred", got, BIG, &len));
    ASSERT_TRUE(blob_is(got, len, 'A'));
    ASSERT_EQ(count_entries(), 1);
    rm_all();
    free(a);
    free(b);
    free(got);
}

/* A writer alternating between two blobs is killed at random moments;
 * every time the file holds one of them in full. */
static void
test_killed_writer(void)
{
    struct zto_file_store fs;
    uint8_t *a = blob('A'), *b = blob('B'), *got = malloc(BIG);
    size_t len = 0;
    int round, intact = 0, status;
    pid_t pid;
    struct timespec ts;

    srand((unsigned)time(NULL));
    ASSERT_OK(zto_file_store_init(&fs, dir));
    for (round = 0; round < 20; round++) {
        ASSERT_OK(zto_file_store_ops.write(&fs, "cred", a, BIG));
        fflush(NULL);
        pid = fork();
        if (pid == 0) {
            for (;;) {
                (void)zto_file_store_ops.write(&fs, "cred", b, BIG);
                (void)zto_file_store_ops.write(&fs, "cred", a, BIG);
            }
        }
        ts.tv_sec = 0;
        ts.tv_nsec = (long)(1 + rand() % 40) * 1000000L;
        nanosleep(&ts, NULL);
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        if (zto_file_store_ops.read(&fs, "cred", got, BIG, &len) == ZTO_OK &&
            (blob_is(got, len, 'A') || blob_is(got, len, 'B')))
            intact++;
        rm_all();
    }
    ASSERT_EQ(intact, 20);
    free(a);
    free(b);
    free(got);
}

int
main(void)
{
    TEST_START("storage_file");
    snprintf(dir, sizeof(dir), "/tmp/zto-store-XXXXXX");
    if (mkdtemp(dir) == NULL)
        return 2;
    test_basic();
    test_failed_write();
    test_killed_writer();
    rm_all();
    rmdir(dir);
    TEST_DONE();
}
