/*
 * fs.c — WASI command guest for the filesystem tests of
 * tests/cli/wasm_run.sh (built with clang --target=wasm32-wasi). One
 * operation per run; errors print "error: OP PATH: strerror" and exit 1.
 *
 *   fs cat PATH            prints the file
 *   fs write PATH TEXT     creates/truncates PATH with TEXT
 *   fs append PATH TEXT    appends TEXT
 *   fs ls DIR              the entries of DIR, sorted, without . and ..
 *   fs stat PATH           "size N dir|file|link|other"
 *   fs lstat PATH          the same without following a final symlink
 *   fs mkdir / rm / rmdir PATH
 *   fs mv FROM TO
 *   fs seek PATH OFFSET    prints the file from OFFSET (lseek)
 *   fs pread PATH OFFSET N prints N bytes at OFFSET (pread)
 *   fs readlink PATH       prints the link's target
 *   fs preopens            lists the preopened directories (fd 3...)
 *   fs slow TEXT           prints TEXT (printf, so buffered in the guest
 *                          until the newline) then loops forever
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int fail(const char *op, const char *path) {
    printf("error: %s %s: %s\n", op, path, strerror(errno));
    return 1;
}

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int cat_from(const char *path, long offset) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) return fail("open", path);
    if (offset && lseek(fd, offset, SEEK_SET) != offset) return fail("lseek", path);
    char buf[256];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) fwrite(buf, 1, (size_t)n, stdout);
    if (n < 0) return fail("read", path);
    close(fd);
    return 0;
}

static const char *kind(mode_t m) {
    return S_ISDIR(m) ? "dir" : S_ISREG(m) ? "file" : S_ISLNK(m) ? "link" : "other";
}

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    const char *op = argv[1], *path = argc > 2 ? argv[2] : "";
    if (!strcmp(op, "cat") && argc == 3) return cat_from(path, 0);
    if (!strcmp(op, "seek") && argc == 4) return cat_from(path, atol(argv[3]));
    if (!strcmp(op, "pread") && argc == 5) {
        int fd = open(path, O_RDONLY);
        if (fd < 0) return fail("open", path);
        char buf[256];
        size_t want = (size_t)atol(argv[4]);
        if (want > sizeof buf) want = sizeof buf;
        ssize_t n = pread(fd, buf, want, atol(argv[3]));
        if (n < 0) return fail("pread", path);
        fwrite(buf, 1, (size_t)n, stdout);
        putchar('\n');
        return 0;
    }
    if ((!strcmp(op, "write") || !strcmp(op, "append")) && argc == 4) {
        FILE *f = fopen(path, op[0] == 'w' ? "w" : "a");
        if (!f) return fail("fopen", path);
        if (fputs(argv[3], f) < 0 || fclose(f) != 0) return fail("write", path);
        return 0;
    }
    if (!strcmp(op, "ls") && argc == 3) {
        DIR *d = opendir(path);
        if (!d) return fail("opendir", path);
        char *names[256];
        int n = 0;
        struct dirent *e;
        while ((e = readdir(d)) && n < 256)
            if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) names[n++] = strdup(e->d_name);
        closedir(d);
        qsort(names, (size_t)n, sizeof *names, cmp);
        for (int i = 0; i < n; i++) printf("%s\n", names[i]);
        return 0;
    }
    if ((!strcmp(op, "stat") || !strcmp(op, "lstat")) && argc == 3) {
        struct stat sb;
        if ((op[0] == 's' ? stat(path, &sb) : lstat(path, &sb)) != 0) return fail(op, path);
        printf("size %lld %s\n", (long long)sb.st_size, kind(sb.st_mode));
        return 0;
    }
    if (!strcmp(op, "mkdir") && argc == 3) return mkdir(path, 0755) ? fail(op, path) : 0;
    if (!strcmp(op, "rm") && argc == 3) return unlink(path) ? fail(op, path) : 0;
    if (!strcmp(op, "rmdir") && argc == 3) return rmdir(path) ? fail(op, path) : 0;
    if (!strcmp(op, "mv") && argc == 4) return rename(path, argv[3]) ? fail(op, path) : 0;
    if (!strcmp(op, "readlink") && argc == 3) {
        char buf[256];
        ssize_t n = readlink(path, buf, sizeof buf - 1);
        if (n < 0) return fail(op, path);
        buf[n] = 0;
        printf("%s\n", buf);
        return 0;
    }
    if (!strcmp(op, "preopens")) {
        for (int fd = 3; fd < 16; fd++) {
            struct stat sb;
            if (fstat(fd, &sb) == 0) printf("fd %d %s\n", fd, kind(sb.st_mode));
        }
        return 0;
    }
    if (!strcmp(op, "slow") && argc == 3) {
        printf("%s\n", path);
        fflush(stdout);
        for (volatile unsigned long i = 0;; i++) {}
    }
    return 2;
}
