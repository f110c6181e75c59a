/* What `hmlcost report` does with a loaded dataset, for the loader
 * harnesses: the analysis, then every output format. */
#ifndef HMLCOST_FUZZ_REPORT_H
#define HMLCOST_FUZZ_REPORT_H

#include "report/dataset.h"

/* Analyses d (with few bootstrap resamples: the figures do not matter,
 * only that nothing crashes) and renders it in every format. */
void fuzz_report_everything(const report_dataset *d);

#endif
