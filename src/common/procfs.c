#include "common/procfs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int procfs_read(const char *path, char *buf, size_t size)
{
    if (size == 0)
        return EINVAL;
    buf[0] = '\0';
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    ssize_t n = read(fd, buf, size - 1);
    int e = errno;
    close(fd);
    if (n < 0)
        return e;
    buf[n] = '\0';
    return 0;
}

unsigned long long procfs_mem_available(void)
{
    FILE *f = fopen("/proc/meminfo", "r");
    if (!f)
        return 0;
    char line[256];
    unsigned long long kib = 0;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "MemAvailable: %llu kB", &kib) == 1)
            break;
    fclose(f);
    return kib * 1024;
}

bool procfs_stat_fields(const char *text, long long *fields, size_t n)
{
    const char *p = strrchr(text, ')');
    if (!p || p[1] != ' ')
        return false;
    p += 2;
    while (*p && *p != ' ') /* field 3, the state */
        p++;
    for (size_t k = 0; k < n; k++) {
        char *end = NULL;
        fields[k] = strtoll(p, &end, 10);
        if (end == p)
            return false;
        p = end;
    }
    return true;
}

long long procfs_stat_start_ticks(const char *text)
{
    long long fields[22 - 3];
    return procfs_stat_fields(text, fields, 22 - 3) ? fields[22 - 4] : -1;
}
