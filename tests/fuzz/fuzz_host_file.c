/* A described host ($HMLCOST_HOST_FILE, INI key = value lines): read into
 * the host facts or refused naming the line, never a crash. */
#include "common/host.h"
#include "fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_input_file(data, size, ".ini");
    host_info host;
    hml_err err = {0};
    host_load_file(path, &host, &err);
    return 0;
}
