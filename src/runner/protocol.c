#include "runner/protocol.h"

#include <cJSON.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"
#include "meter/clock.h"
#include "meter/host.h"
#include "common/text.h"
#include "runner/execute.h"
#include "runner/leftovers.h"
#include "runner/schedule.h"
#include "runner/spawn.h"

typedef struct arm_state {
    char **argv;       /* the full command */
    int64_t arm_id;
    unsigned char *stored; /* stored[index]: the run is in the store */
} arm_state;

static void arm_states_free(arm_state *states, size_t count)
{
    for (size_t i = 0; states && i < count; i++) {
        plan_words_free(states[i].argv);
        free(states[i].stored);
    }
    free(states);
}

static char *json_strings(char *const *list, size_t count)
{
    cJSON *array = json_string_array(list, count);
    char *text = array ? cJSON_PrintUnformatted(array) : NULL;
    cJSON_Delete(array);
    return text;
}

static size_t count_words(char *const *words)
{
    size_t n = 0;
    while (words && words[n])
        n++;
    return n;
}

/* Every arm's command must exist before anything is written. */
static hml_status prepare_arms(const plan *p, arm_state *states, hml_err *err)
{
    for (size_t a = 0; a < p->arm_count; a++) {
        const plan_arm *arm = &p->arms[a];
        hml_status status = plan_arm_command(p, arm, &states[a].argv, err);
        if (status != HML_OK)
            return status;
        char **envp = NULL;
        status = spawn_build_env(arm->env, arm->env_count, NULL, &envp, err);
        if (status != HML_OK)
            return status;
        char path[PATH_MAX];
        status = spawn_resolve(states[a].argv[0], envp, path, sizeof path, err);
        spawn_env_free(envp);
        if (status != HML_OK)
            return hml_wrap(err, "arm '%s'", arm->name);
        states[a].stored = calloc((size_t)p->runs, 1);
        if (!states[a].stored)
            return hml_fail(err, HML_ESYSTEM, "out of memory");
    }
    return HML_OK;
}

static hml_status register_experiment(const plan *p, store *s, arm_state *states,
                                      int64_t *experiment_id, bool *resumed, int64_t *host_id,
                                      hml_err *err)
{
    meter_host host;
    hml_status status = meter_host_read(&host, err);
    if (status == HML_OK)
        status = store_put_host(s, &host, host_id, err);
    if (status != HML_OK)
        return status;
    char key[17];
    status = plan_key(p, key, err);
    if (status != HML_OK)
        return status;
    char *plan_json = plan_to_json(p);
    size_t baseline = 0;
    for (size_t a = 0; a < p->arm_count; a++)
        if (p->arms[a].is_baseline)
            baseline = a;
    /* The baseline's command as one line, for people reading the store. */
    size_t len = 1;
    for (char **w = states[baseline].argv; *w; w++)
        len += strlen(*w) + 1;
    char *command = malloc(len);
    if (!plan_json || !command) {
        cJSON_free(plan_json);
        free(command);
        return hml_fail(err, HML_ESYSTEM, "out of memory");
    }
    command[0] = '\0';
    for (char **w = states[baseline].argv; *w; w++) {
        if (w != states[baseline].argv)
            strcat(command, " ");
        strcat(command, *w);
    }
    store_experiment_spec spec = {.plan_key = key, .name = p->name, .plan_json = plan_json,
                                  .command = command, .host_id = *host_id,
                                  .runs_per_arm = p->runs, .warmup = p->warmup,
                                  .order = plan_order_name(p->order), .seed = p->seed};
    status = store_begin_experiment(s, &spec, experiment_id, resumed, err);
    cJSON_free(plan_json);
    free(command);
    for (size_t a = 0; status == HML_OK && a < p->arm_count; a++) {
        const plan_arm *arm = &p->arms[a];
        char *argv_json = json_strings(states[a].argv, count_words(states[a].argv));
        char *env_json = json_strings(arm->env, arm->env_count);
        if (!argv_json || !env_json) {
            status = hml_fail(err, HML_ESYSTEM, "out of memory");
        } else {
            store_arm_spec spec_arm = {.name = arm->name, .position = (int)a,
                                       .is_baseline = arm->is_baseline, .smell = arm->smell,
                                       .compare_with = arm->compare_with,
                                       .argv_json = argv_json, .env_json = env_json};
            status = store_put_arm(s, *experiment_id, &spec_arm, &states[a].arm_id, err);
        }
        cJSON_free(argv_json);
        cJSON_free(env_json);
        if (status != HML_OK)
            break;
        long *indices = NULL;
        size_t count = 0;
        status = store_arm_run_indices(s, states[a].arm_id, &indices, &count, err);
        for (size_t i = 0; status == HML_OK && i < count; i++)
            if (indices[i] >= 0 && indices[i] < p->runs)
                states[a].stored[indices[i]] = 1;
        free(indices);
    }
    return status;
}

static void emit(const runner_hooks *hooks, const runner_event *ev)
{
    if (hooks && hooks->progress)
        hooks->progress(hooks->ctx, ev);
}

static hml_status count_statuses(const plan *p, store *s, const arm_state *states,
                                 runner_summary *sum, hml_err *err)
{
    memset(sum->by_status, 0, sizeof sum->by_status);
    for (size_t a = 0; a < p->arm_count; a++) {
        store_run *runs = NULL;
        size_t count = 0;
        hml_status status = store_list_runs(s, states[a].arm_id, &runs, &count, err);
        if (status != HML_OK)
            return status;
        for (size_t i = 0; i < count; i++)
            if ((unsigned)runs[i].status < 5)
                sum->by_status[runs[i].status]++;
        store_runs_free(runs, count);
    }
    return HML_OK;
}

/* Validates the plan and resolves every arm's command: *states, one per
 * arm (NULL on failure), for arm_states_free. */
static hml_status prepare_plan(const plan *p, arm_state **states, hml_err *err)
{
    *states = NULL;
    hml_status status = plan_validate(p, err);
    if (status != HML_OK)
        return status;
    arm_state *list = calloc(p->arm_count, sizeof *list);
    if (!list)
        return hml_fail(err, HML_ESYSTEM, "out of memory");
    status = prepare_arms(p, list, err);
    if (status != HML_OK) {
        arm_states_free(list, p->arm_count);
        return status;
    }
    *states = list;
    return HML_OK;
}

hml_status runner_check_plan(const plan *p, hml_err *err)
{
    arm_state *states;
    hml_status status = prepare_plan(p, &states, err);
    arm_states_free(states, p->arm_count);
    return status;
}

/* Records each run in the store before it starts (execute_start_fn). */
static hml_status record_live_run(void *ctx, const char *token, const char *cgroups,
                                  hml_err *err)
{
    store_live_run run = {0};
    text_format(run.token, sizeof run.token, "%s", token);
    text_format(run.cgroups, sizeof run.cgroups, "%s", cgroups);
    leftovers_owner_self(&run);
    return store_put_live_run(ctx, &run, err);
}

/* Runs one command as a recorded run: dropped from the store's runs under
 * way once execute_measured has ended all of its processes. */
static hml_status execute_recorded(store *s, char *const argv[], char *const env[],
                                   size_t env_count, const execute_options *opts,
                                   execute_result *r, hml_err *err)
{
    hml_status status = execute_measured(argv, env, env_count, opts, r, err);
    if (r->token[0]) {
        hml_err drop_err;
        hml_status dropped = store_drop_live_run(s, r->token, &drop_err);
        if (dropped != HML_OK && (status == HML_OK || status == HML_EUSAGE)) {
            *err = drop_err;
            status = dropped;
        }
    }
    return status;
}

hml_status runner_run_plan(const plan *p, store *s, const runner_hooks *hooks,
                           runner_summary *sum, hml_err *err)
{
    memset(sum, 0, sizeof *sum);
    arm_state *states;
    hml_status status = prepare_plan(p, &states, err);
    if (status != HML_OK)
        return status;
    schedule_slot *slots = NULL;
    size_t slot_count = 0;
    int64_t host_id = 0;
    /* Nothing is measured next to the processes of a crashed run. */
    status = leftovers_end_crashed(s, &sum->leftovers_ended, err);
    if (status == HML_OK)
        status = schedule_build(p, &slots, &slot_count, err);
    if (status == HML_OK)
        status = register_experiment(p, s, states, &sum->experiment_id, &sum->resumed, &host_id,
                                     err);
    if (status != HML_OK)
        goto done;

    sum->total = slot_count;
    for (size_t i = 0; i < slot_count; i++)
        sum->already_stored += states[slots[i].arm].stored[slots[i].index];
    volatile sig_atomic_t *interrupted = hooks ? hooks->interrupted : NULL;
    runner_event ev = {.kind = RUNNER_EVENT_START, .done = sum->already_stored,
                       .total = slot_count, .eta_s = -1, .resumed = sum->resumed,
                       .leftovers_ended = sum->leftovers_ended,
                       .experiment_id = sum->experiment_id};
    emit(hooks, &ev);

    execute_options opts = {.meter = p->meter, .timeout_s = p->timeout_s,
                            .quiet = !p->show_output, .interrupted = interrupted,
                            .before_start = record_live_run, .start_ctx = s};
    bool first = true;
    /* Warm-up: every arm, warmup times, before the measured runs; discarded. */
    for (long w = 0; sum->already_stored < slot_count && w < p->warmup; w++) {
        for (size_t a = 0; a < p->arm_count; a++) {
            if (!first && p->cooldown_s > 0)
                clock_sleep_s(p->cooldown_s, interrupted);
            first = false;
            execute_result r;
            status = execute_recorded(s, states[a].argv, p->arms[a].env, p->arms[a].env_count,
                                      &opts, &r, err);
            if (status == HML_EUSAGE)
                status = HML_OK; /* a warm-up that cannot start: the measured run will say so */
            runner_event wev = {.kind = RUNNER_EVENT_WARMUP_DONE, .done = sum->already_stored,
                                .total = slot_count, .eta_s = -1, .arm = &p->arms[a],
                                .run_index = w, .status = r.status,
                                .reason = r.reason[0] ? r.reason : NULL,
                                .metrics = &r.meter.metrics,
                                .experiment_id = sum->experiment_id};
            if (status == HML_OK)
                emit(hooks, &wev);
            execute_result_free(&r);
            if (status != HML_OK)
                goto done;
        }
    }

    size_t done = sum->already_stored;
    double started = clock_monotonic_s();
    for (size_t i = 0; i < slot_count; i++) {
        const schedule_slot *slot = &slots[i];
        arm_state *st = &states[slot->arm];
        if (st->stored[slot->index])
            continue;
        if (interrupted && *interrupted) {
            status = hml_fail(err, HML_ESYSTEM, "interrupted");
            goto done;
        }
        /* Another hmlcost may be running the same plan on this store. */
        bool taken = false;
        status = store_has_run(s, st->arm_id, slot->index, &taken, err);
        if (status != HML_OK)
            goto done;
        if (taken) {
            st->stored[slot->index] = 1;
            done++;
            continue;
        }
        if (!first && p->cooldown_s > 0)
            clock_sleep_s(p->cooldown_s, interrupted);
        first = false;
        double eta = sum->ran ? (clock_monotonic_s() - started) / (double)sum->ran *
                                    (double)(slot_count - done)
                              : -1;
        runner_event bev = {.kind = RUNNER_EVENT_RUN_BEGIN, .done = done, .total = slot_count,
                            .ran = sum->ran, .eta_s = eta, .arm = &p->arms[slot->arm],
                            .run_index = slot->index, .experiment_id = sum->experiment_id};
        emit(hooks, &bev);
        execute_result r;
        status = execute_recorded(s, st->argv, p->arms[slot->arm].env,
                                  p->arms[slot->arm].env_count, &opts, &r, err);
        if (status == HML_EUSAGE) /* could not be started: stored as an error run */
            status = HML_OK;
        if (status != HML_OK) {
            execute_result_free(&r);
            goto done;
        }
        store_run_record rec = {.arm_id = st->arm_id, .run_index = slot->index,
                                .position = (long)i, .started_at = r.started_at,
                                .host_id = host_id, .status = r.status,
                                .reason = r.reason[0] ? r.reason : NULL,
                                .notes = r.meter.notes[0] ? r.meter.notes : NULL,
                                .result_json = r.result_json,
                                .metrics = r.meter.metrics.items,
                                .metric_count = r.meter.metrics.count,
                                .samples = r.meter.samples,
                                .sample_count = r.meter.sample_count};
        status = store_put_run(s, &rec, NULL, err);
        if (status != HML_OK) {
            bool taken_meanwhile = false;
            hml_err ignored;
            if (store_has_run(s, st->arm_id, slot->index, &taken_meanwhile, &ignored) == HML_OK &&
                taken_meanwhile) {
                /* Stored by the other hmlcost while ours ran: keep theirs. */
                execute_result_free(&r);
                st->stored[slot->index] = 1;
                done++;
                status = HML_OK;
                continue;
            }
            execute_result_free(&r);
            goto done;
        }
        st->stored[slot->index] = 1;
        done++;
        sum->ran++;
        double per_run = (clock_monotonic_s() - started) / (double)sum->ran;
        runner_event rev = {.kind = RUNNER_EVENT_RUN_DONE, .done = done, .total = slot_count,
                            .ran = sum->ran, .eta_s = per_run * (double)(slot_count - done),
                            .arm = &p->arms[slot->arm], .run_index = slot->index,
                            .status = r.status, .reason = r.reason[0] ? r.reason : NULL,
                            .metrics = &r.meter.metrics, .experiment_id = sum->experiment_id};
        emit(hooks, &rev);
        execute_result_free(&r);
    }
    status = count_statuses(p, s, states, sum, err);
done:
    free(slots);
    arm_states_free(states, p->arm_count);
    return status;
}

hml_status runner_register_plan(const plan *p, store *s, runner_registration *reg, hml_err *err)
{
    memset(reg, 0, sizeof *reg);
    arm_state *states;
    hml_status status = prepare_plan(p, &states, err);
    if (status != HML_OK)
        return status;
    int64_t host_id = 0;
    status = register_experiment(p, s, states, &reg->experiment_id, &reg->resumed, &host_id, err);
    reg->arm_count = p->arm_count;
    reg->runs = p->runs;
    reg->arm_ids = calloc(p->arm_count, sizeof *reg->arm_ids);
    reg->stored = calloc(p->arm_count * (size_t)p->runs, 1);
    if (status == HML_OK && (!reg->arm_ids || !reg->stored))
        status = hml_fail(err, HML_ESYSTEM, "out of memory");
    for (size_t a = 0; status == HML_OK && a < p->arm_count; a++) {
        reg->arm_ids[a] = states[a].arm_id;
        memcpy(reg->stored + a * (size_t)p->runs, states[a].stored, (size_t)p->runs);
    }
    arm_states_free(states, p->arm_count);
    if (status != HML_OK)
        runner_registration_free(reg);
    return status;
}

void runner_registration_free(runner_registration *reg)
{
    free(reg->arm_ids);
    free(reg->stored);
    reg->arm_ids = NULL;
    reg->stored = NULL;
}
