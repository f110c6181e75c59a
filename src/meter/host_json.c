#include "meter/host_json.h"

#include <string.h>

#include "common/json.h"
#include "common/text.h"

cJSON *meter_host_json(const meter_host *host)
{
    cJSON *h = cJSON_CreateObject();
    bool ok = h != NULL;
    json_put_string(&ok, h, "hostname", host->hostname);
    json_put_string(&ok, h, "cpu_model", host->cpu_model);
    json_put_number(&ok, h, "cores", host->cores);
    json_put_number(&ok, h, "threads", host->threads);
    json_put_number(&ok, h, "mem_bytes", host->mem_bytes);
    json_put_string(&ok, h, "gpu_model", host->gpu_model);
    json_put_string(&ok, h, "kernel", host->kernel);
    json_put_string(&ok, h, "hmlcost_version", host->hmlcost_version);
    if (!ok) {
        cJSON_Delete(h);
        return NULL;
    }
    return h;
}

static void copy_string(const cJSON *o, const char *key, char *dst, size_t size)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    text_copy(dst, size, cJSON_IsString(v) ? v->valuestring : "");
}

static double get_number(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

bool meter_host_from_json(const cJSON *o, meter_host *h)
{
    if (!cJSON_IsObject(o))
        return false;
    memset(h, 0, sizeof *h);
    copy_string(o, "hostname", h->hostname, sizeof h->hostname);
    copy_string(o, "cpu_model", h->cpu_model, sizeof h->cpu_model);
    h->cores = (int)get_number(o, "cores");
    h->threads = (int)get_number(o, "threads");
    h->mem_bytes = get_number(o, "mem_bytes");
    copy_string(o, "gpu_model", h->gpu_model, sizeof h->gpu_model);
    copy_string(o, "kernel", h->kernel, sizeof h->kernel);
    copy_string(o, "hmlcost_version", h->hmlcost_version, sizeof h->hmlcost_version);
    return true;
}
