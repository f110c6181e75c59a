/* oneDNN is loaded when the cpu backend first needs it, not when hmlcost
 * starts: libdnnl.so.2 alone costs ~2.4 ms of dynamic linking in every
 * process, and `hmlcost measure`, `run`, `capture` and `report` never train.
 * The dnnl_* functions the code calls are defined in onednn_load.c as
 * forwarders to the library opened here (dlopen by soname, so
 * LD_LIBRARY_PATH decides, as it did for the link-time dependency). */
#ifndef HMLCOST_NN_ONEDNN_LOAD_H
#define HMLCOST_NN_ONEDNN_LOAD_H

#include "common/error.h"

#define ONEDNN_SONAME "libdnnl.so.2"

/* Opens libdnnl and resolves every function; cheap after the first call.
 * Fails (HML_ESYSTEM) naming the library and the loader's error. */
hml_status nn_onednn_load(hml_err *err);

#endif
