#include "doctor/probe_store.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/json.h"
#include "common/text.h"

enum { PROBE_SCHEMA = 1 };

/* FNV-1a: a short file name for a long key. */
static uint64_t fnv1a(const char *a, const char *b)
{
    uint64_t h = 1469598103934665603ULL;
    for (const char *s = a; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    h = (h ^ '\n') * 1099511628211ULL;
    for (const char *s = b; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

bool probe_store_path(const char *host, const char *workload, char *out, size_t size)
{
    const char *cache = getenv("XDG_CACHE_HOME");
    const char *home = getenv("HOME");
    char dir[3072];
    if (cache && cache[0] == '/')
        text_format(dir, sizeof dir, "%s/hmlcost/probes", cache);
    else if (home && home[0] == '/')
        text_format(dir, sizeof dir, "%s/.cache/hmlcost/probes", home);
    else
        return false;
    text_format(out, size, "%s/%016llx.json", dir, (unsigned long long)fnv1a(host, workload));
    return true;
}

static hml_status make_dirs(const char *file, hml_err *err)
{
    char dir[4096];
    text_copy(dir, sizeof dir, file);
    char *slash = strrchr(dir, '/');
    if (!slash || slash == dir)
        return HML_OK;
    *slash = '\0';
    for (char *p = dir + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(dir, 0755) != 0 && errno != EEXIST)
            return hml_fail(err, HML_ESYSTEM, "doctor: %s: %s", dir, strerror(errno));
        *p = '/';
    }
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        return hml_fail(err, HML_ESYSTEM, "doctor: %s: %s", dir, strerror(errno));
    return HML_OK;
}

static cJSON *trial_json(const probe_trial *t)
{
    cJSON *o = cJSON_CreateObject();
    if (o && cJSON_AddNumberToObject(o, "batch", (double)t->batch) &&
        cJSON_AddNumberToObject(o, "threads", (double)t->threads) &&
        cJSON_AddBoolToObject(o, "ran", t->ran) && cJSON_AddStringToObject(o, "note", t->note) &&
        cJSON_AddNumberToObject(o, "images", (double)t->images) &&
        json_add_item(o, "images_per_s", json_number_or_null(t->images_per_s)) &&
        json_add_item(o, "wall_s", json_number_or_null(t->wall_s)) &&
        json_add_item(o, "energy_per_image_j", json_number_or_null(t->energy_per_image_j)) &&
        cJSON_AddStringToObject(o, "energy_method", t->energy_method) &&
        json_add_item(o, "peak_rss_bytes", json_number_or_null(t->peak_rss_bytes)) &&
        json_add_item(o, "loss", json_number_or_null(t->loss)))
        return o;
    cJSON_Delete(o);
    return NULL;
}

static cJSON *probe_json(const probe_result *r)
{
    cJSON *root = cJSON_CreateObject();
    bool ok = root && cJSON_AddNumberToObject(root, "schema", PROBE_SCHEMA) &&
              cJSON_AddStringToObject(root, "workload", r->workload) &&
              cJSON_AddStringToObject(root, "host", r->host) &&
              cJSON_AddStringToObject(root, "measured_at", r->measured_at) &&
              cJSON_AddNumberToObject(root, "seconds", r->seconds) &&
              cJSON_AddNumberToObject(root, "batch", (double)r->batch) &&
              cJSON_AddNumberToObject(root, "threads", (double)r->threads);
    ok = ok && json_add_item(root, "noise", json_number_or_null(r->noise)) &&
         json_add_item(root, "load_before", json_number_or_null(r->load_before)) &&
         json_add_item(root, "load_after", json_number_or_null(r->load_after));
    ok = ok && json_add_item(root, "control", trial_json(&r->control));
    cJSON *trials = ok ? cJSON_AddArrayToObject(root, "trials") : NULL;
    for (size_t i = 0; trials && i < r->count; i++) {
        cJSON *o = trial_json(&r->trial[i]);
        if (!o || !cJSON_AddItemToArray(trials, o)) {
            cJSON_Delete(o);
            trials = NULL;
        }
    }
    if (!trials) {
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}

cJSON *probe_result_json(const probe_result *r)
{
    return probe_json(r);
}

hml_status probe_store_save(const char *path, const probe_result *r, hml_err *err)
{
    hml_status st = make_dirs(path, err);
    if (st != HML_OK)
        return st;
    cJSON *root = probe_json(r);
    char *text = root ? cJSON_Print(root) : NULL;
    cJSON_Delete(root);
    if (!text)
        return hml_fail(err, HML_ESYSTEM, "doctor: --probe: out of memory");
    char tmp[4200];
    text_format(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    bool ok = f && fputs(text, f) >= 0 && fputc('\n', f) != EOF;
    ok = f && fclose(f) == 0 && ok;
    free(text);
    if (!ok || rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return hml_fail(err, HML_ESYSTEM, "doctor: cannot store the probe in %s: %s", path,
                        strerror(e));
    }
    return HML_OK;
}

static double number(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static void copy_string(const cJSON *o, const char *key, char *out, size_t size)
{
    text_copy(out, size, cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key)));
}

/* A stored batch or thread count; 0 (not known) when missing or out of
 * range, which also keeps a NaN or a huge number from being cast to long. */
static long setting(const cJSON *o, const char *key)
{
    double v = number(o, key);
    return v >= 1 && v <= 1 << 20 ? (long)v : 0;
}

/* A stored trial; a missing or hand-edited field reads as "not known". */
static void read_trial_json(const cJSON *o, probe_trial *t)
{
    memset(t, 0, sizeof *t);
    t->batch = setting(o, "batch");
    t->threads = setting(o, "threads");
    t->ran = t->batch && t->threads && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "ran"));
    copy_string(o, "note", t->note, sizeof t->note);
    double images = number(o, "images");
    t->images = images >= 0 && images < 1e15 ? (long)images : 0;
    t->images_per_s = number(o, "images_per_s");
    t->wall_s = number(o, "wall_s");
    t->energy_per_image_j = number(o, "energy_per_image_j");
    copy_string(o, "energy_method", t->energy_method, sizeof t->energy_method);
    t->peak_rss_bytes = number(o, "peak_rss_bytes");
    t->loss = number(o, "loss");
}

hml_status probe_store_load(const char *path, probe_result *r, bool *found, hml_err *err)
{
    memset(r, 0, sizeof *r);
    *found = false;
    FILE *f = fopen(path, "r");
    if (!f)
        return errno == ENOENT ? HML_OK
                               : hml_fail(err, HML_EUSAGE, "%s: %s", path, strerror(errno));
    enum { LIMIT = 1 << 20 };
    char *text = malloc(LIMIT + 1);
    size_t len = text ? fread(text, 1, LIMIT, f) : 0;
    fclose(f);
    if (!text)
        return hml_fail(err, HML_ESYSTEM, "doctor: out of memory");
    text[len] = '\0';
    cJSON *root = cJSON_Parse(text);
    free(text);
    const cJSON *trials = cJSON_GetObjectItemCaseSensitive(root, "trials");
    if (!root || number(root, "schema") != PROBE_SCHEMA || !cJSON_IsArray(trials)) {
        cJSON_Delete(root);
        return hml_fail(err, HML_EUSAGE, "%s: not a stored probe of this hmlcost version", path);
    }
    copy_string(root, "workload", r->workload, sizeof r->workload);
    copy_string(root, "host", r->host, sizeof r->host);
    copy_string(root, "measured_at", r->measured_at, sizeof r->measured_at);
    r->seconds = number(root, "seconds");
    r->batch = setting(root, "batch");
    r->threads = setting(root, "threads");
    size_t n = (size_t)cJSON_GetArraySize(trials);
    r->trial = n ? calloc(n, sizeof *r->trial) : NULL;
    if (n && !r->trial) {
        cJSON_Delete(root);
        return hml_fail(err, HML_ESYSTEM, "doctor: out of memory");
    }
    const cJSON *o;
    cJSON_ArrayForEach(o, trials)
    {
        if (!setting(o, "batch") || !setting(o, "threads"))
            continue; /* a hand-edited row that no check could use */
        read_trial_json(o, &r->trial[r->count++]);
    }
    read_trial_json(cJSON_GetObjectItemCaseSensitive(root, "control"), &r->control);
    r->noise = number(root, "noise");
    r->load_before = number(root, "load_before");
    r->load_after = number(root, "load_after");
    if (!(r->noise >= 0))
        r->noise = NAN;
    cJSON_Delete(root);
    *found = true;
    return HML_OK;
}
