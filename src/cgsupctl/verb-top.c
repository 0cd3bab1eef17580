/* SPDX-License-Identifier: MIT */
/*
 * `cgsupctl top`: every program instance with its state, CPU %, memory and pids against their limits,
 * I/O rates, restarts and uptime, like systemd-cgtop and pm2 monit. Each refresh is one GetMetrics() call
 * (the daemon reads the cgroup files when asked, so nothing wakes it in between); CPU % and I/O rates are
 * the difference between two refreshes. On a terminal it is interactive (keys below); with -b (batch) it
 * prints plain frames for scripts and logs, and -n N ends it after N frames, as top(1) does. With --json
 * each frame is one JSON object on a line of its own (batch mode), for scripts that follow it.
 */

#include <errno.h>
#include <inttypes.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "bus-util.h"
#include "cgsupctl.h"
#include "json-out.h"
#include "macro.h"
#include "metrics-model.h"
#include "parse-util.h"

typedef enum TopSort {
        SORT_CPU,
        SORT_MEMORY,
        SORT_PIDS,
        SORT_IO,
        SORT_RESTARTS,
        SORT_NAME,
        SORT_STATE,
        _SORT_MAX,
} TopSort;

static const char *const sort_names[_SORT_MAX] = {
        [SORT_CPU] = "cpu", [SORT_MEMORY] = "memory", [SORT_PIDS] = "pids", [SORT_IO] = "io",
        [SORT_RESTARTS] = "restarts", [SORT_NAME] = "name", [SORT_STATE] = "state",
};

/* A figure the daemon may leave out (no controller, not running): have = false. */
typedef struct Figure {
        uint64_t v;
        bool have;
} Figure;

typedef struct TopRow {
        const char *name, *state;       /* borrowed from the model; name: as status shows it (grp:web) */
        const char *bus_name, *group;   /* the record's name and group in --json, as status --json has them */
        Figure mem, mem_max, mem_peak, tasks, tasks_max, restarts, uptime, cpu, io_read, io_write;
        double cpu_pct, read_rate, write_rate; /* < 0: not known yet (first frame) */
} TopRow;

typedef struct Top {
        sd_bus *bus;
        usec_t delay;
        TopSort sort;
        bool batch;
        unsigned frames_left;   /* 0 = no end */
        MetricsModel *model, *previous;
        usec_t taken, previous_taken;
        TopRow *rows;
        size_t n_rows;
        char *selected;         /* the selected instance's name (interactive) */
        char status[256];       /* last action's outcome (interactive) */
        bool tty_raw;
        struct termios saved_tty;
} Top;

static usec_t now_monotonic(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (usec_t) ts.tv_sec * 1000000 + (usec_t) ts.tv_nsec / 1000;
}

static Figure figure(const MetricsRecord *rec, const char *key) {
        Figure f = {};

        f.have = metrics_record_get(rec, key, &f.v);
        return f;
}

static const MetricsRecord *find_record(const MetricsModel *m, const char *name) {
        if (!m)
                return NULL;
        for (size_t i = 0; i < m->n_programs; i++)
                if (streq(m->programs[i].name, name))
                        return &m->programs[i];
        return NULL;
}

/* Per-second rate of counter @key between the previous and the current sample; -1 when unknown (first
 * frame, a restarted instance's counters went back). */
static double rate(const MetricsRecord *prev, Figure now, const char *key, usec_t dt) {
        Figure before;

        if (!prev || !now.have || dt == 0)
                return -1;
        before = figure(prev, key);
        if (!before.have || now.v < before.v)
                return -1;
        return (double) (now.v - before.v) / ((double) dt / 1e6);
}

static int compare_rows(const TopRow *a, const TopRow *b, TopSort sort) {
        double x = 0, y = 0;

        switch (sort) {
        case SORT_CPU:
                x = a->cpu_pct, y = b->cpu_pct;
                break;
        case SORT_MEMORY:
                x = a->mem.have ? (double) a->mem.v : -1, y = b->mem.have ? (double) b->mem.v : -1;
                break;
        case SORT_PIDS:
                x = a->tasks.have ? (double) a->tasks.v : -1, y = b->tasks.have ? (double) b->tasks.v : -1;
                break;
        case SORT_IO:
                x = MAX(a->read_rate, 0) + MAX(a->write_rate, 0), y = MAX(b->read_rate, 0) + MAX(b->write_rate, 0);
                break;
        case SORT_RESTARTS:
                x = (double) a->restarts.v, y = (double) b->restarts.v;
                break;
        case SORT_STATE: {
                int c = strcmp(a->state, b->state);
                if (c != 0)
                        return c;
                break;
        }
        default:
                break;
        }
        /* Figures descending (the busiest first), then names ascending. */
        if (x != y)
                return x < y ? 1 : -1;
        return strcmp(a->name, b->name);
}

/* qsort() passes no context: the order of the sort in progress (one sort at a time, no threads). */
static TopSort sort_for_qsort;
static int compare_rows_qsort(const void *a, const void *b) {
        return compare_rows(a, b, sort_for_qsort);
}

static int build_rows(Top *t) {
        usec_t dt = t->taken - t->previous_taken;
        TopRow *rows;

        rows = calloc(MAX(t->model->n_programs, (size_t) 1), sizeof(TopRow));
        if (!rows)
                return -ENOMEM;
        for (size_t i = 0; i < t->model->n_programs; i++) {
                const MetricsRecord *rec = &t->model->programs[i];
                const MetricsRecord *prev = find_record(t->previous, rec->name);
                TopRow *row = &rows[i];
                Figure user = figure(rec, "CPUUserUSec"), sys = figure(rec, "CPUSystemUSec");

                row->name = rec->name;
                row->bus_name = rec->bus_name ?: rec->name;
                row->group = rec->group;
                row->state = rec->state ?: "?";
                row->mem = figure(rec, "MemoryCurrent");
                row->mem_max = figure(rec, "MemoryMax");
                row->mem_peak = figure(rec, "MemoryPeak");
                row->tasks = figure(rec, "TasksCurrent");
                row->tasks_max = figure(rec, "TasksMax");
                row->restarts = figure(rec, "Restarts");
                row->uptime = figure(rec, "UptimeUSec");
                row->cpu = (Figure) { .v = user.v + sys.v, .have = user.have && sys.have };
                row->io_read = figure(rec, "IOReadBytes");
                row->io_write = figure(rec, "IOWriteBytes");
                row->cpu_pct = -1;
                if (prev && row->cpu.have && dt > 0) {
                        Figure pu = figure(prev, "CPUUserUSec"), ps = figure(prev, "CPUSystemUSec");
                        if (pu.have && ps.have && row->cpu.v >= pu.v + ps.v)
                                row->cpu_pct = (double) (row->cpu.v - pu.v - ps.v) * 100.0 / (double) dt;
                }
                row->read_rate = rate(prev, row->io_read, "IOReadBytes", dt);
                row->write_rate = rate(prev, row->io_write, "IOWriteBytes", dt);
        }
        sort_for_qsort = t->sort;
        qsort(rows, t->model->n_programs, sizeof(TopRow), compare_rows_qsort);
        free(t->rows);
        t->rows = rows;
        t->n_rows = t->model->n_programs;
        return 0;
}

/* One GetMetrics() call; the previous sample is kept for the rates. */
static int refresh(Top *t, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        MetricsModel *model = NULL;
        int r;

        r = bus_call_method(t->bus, CGSUP_BUS_NAME, CGSUP_BUS_PATH, CGSUP_BUS_MANAGER_INTERFACE, METRICS_METHOD,
                               error, &reply, "");
        if (r < 0)
                return r;
        r = metrics_model_read(reply, &model);
        if (r < 0)
                return r;
        metrics_model_free(t->previous);
        t->previous = t->model;
        t->previous_taken = t->taken;
        t->model = model;
        t->taken = now_monotonic();
        return build_rows(t);
}

static const char *fmt_figure(char *buf, size_t n, Figure f, bool bytes) {
        if (!f.have)
                return "-";
        if (bytes)
                return format_bytes(buf, n, f.v);
        snprintf(buf, n, "%" PRIu64, f.v);
        return buf;
}

/* "12.3M/512M", "12.3M", "-". */
static const char *fmt_against(char *buf, size_t n, Figure cur, Figure max, bool bytes) {
        char a[32], b[32];

        if (!cur.have)
                return "-";
        if (!max.have)
                snprintf(buf, n, "%s", fmt_figure(a, sizeof a, cur, bytes));
        else
                snprintf(buf, n, "%s/%s", fmt_figure(a, sizeof a, cur, bytes), fmt_figure(b, sizeof b, max, bytes));
        return buf;
}

static const char *fmt_rate(char *buf, size_t n, double r) {
        if (r < 0)
                return "-";
        format_bytes(buf, n, (uint64_t) r);
        strncat(buf, "/s", n - strlen(buf) - 1);
        return buf;
}

#define ROW_FORMAT "%-24s %-9s %6s %-15s %7s %-11s %9s %9s %8s %10s"

/* One frame into @f: a summary line, the header, one line per instance; @width (0 = no limit) cuts lines,
 * @selected is shown in reverse video. */
static void render(const Top *t, FILE *f, size_t width, size_t max_rows, bool ansi) {
        char line[512], timebuf[32];
        time_t now = time(NULL);
        struct tm tm;

        strftime(timebuf, sizeof timebuf, "%H:%M:%S", localtime_r(&now, &tm));
        snprintf(line, sizeof line, "cgsupctl top - %s, %zu programs, cgsupd %s, sorted by %s, every %.1fs", timebuf,
                 t->n_rows, t->model->daemon.name ?: "?", sort_names[t->sort], (double) t->delay / 1e6);
        fprintf(f, "%.*s\n", (int) (width ? MIN(width, sizeof line) : sizeof line), line);
        snprintf(line, sizeof line, ROW_FORMAT, "NAME", "STATE", "CPU%", "MEM/LIMIT", "PEAK", "PIDS/LIMIT", "IO-READ",
                 "IO-WRITE", "RESTARTS", "UPTIME");
        fprintf(f, "%s%.*s%s\n", ansi ? "\033[1m" : "", (int) (width ? MIN(width, sizeof line) : sizeof line), line,
                ansi ? "\033[0m" : "");
        for (size_t i = 0; i < t->n_rows && i < max_rows; i++) {
                const TopRow *r = &t->rows[i];
                char cpu[16], mem[80], peak[32], pids[80], rd[40], wr[40], restarts[24], up[32];
                bool sel = ansi && t->selected && streq(t->selected, r->name);

                if (r->cpu_pct < 0)
                        snprintf(cpu, sizeof cpu, "-");
                else
                        snprintf(cpu, sizeof cpu, "%.1f", r->cpu_pct);
                if (r->uptime.have)
                        format_timespan(up, sizeof up, (r->uptime.v / 1000000) * 1000000);
                else
                        snprintf(up, sizeof up, "-");
                snprintf(line, sizeof line, ROW_FORMAT, r->name, r->state, cpu,
                         fmt_against(mem, sizeof mem, r->mem, r->mem_max, true),
                         fmt_figure(peak, sizeof peak, r->mem_peak, true),
                         fmt_against(pids, sizeof pids, r->tasks, r->tasks_max, false),
                         fmt_rate(rd, sizeof rd, r->read_rate), fmt_rate(wr, sizeof wr, r->write_rate),
                         fmt_figure(restarts, sizeof restarts, r->restarts, false), up);
                fprintf(f, "%s%.*s%s\n", sel ? "\033[7m" : "", (int) (width ? MIN(width, sizeof line) : sizeof line),
                        line, sel ? "\033[0m" : "");
        }
}

static struct json_object *json_figure(Figure f) {
        return f.have ? json_object_new_uint64(f.v) : NULL;
}

static struct json_object *json_rate(double r) {
        return r < 0 ? NULL : json_object_new_double(r);
}

/* One frame as one JSON line: the figures of render() as numbers (null where the daemon has none, or,
 * for rates, on the first frame), with the field names of `status --json` where they mean the same. An
 * allocation failure shows as -ENOMEM from the print (json_add()'s convention, as in status). */
static int render_json(const Top *t) {
        _cleanup_(json_object_putp) struct json_object *frame = json_object_new_object();
        struct json_object *programs = json_object_new_array();

        if (!frame || !programs) {
                json_object_put(programs);
                return -ENOMEM;
        }
        json_add(frame, "time_usec", json_object_new_uint64(now_realtime_usec()));
        json_add(frame, "daemon", json_string_or_null(t->model->daemon.name));
        json_add(frame, "sort", json_object_new_string(sort_names[t->sort]));
        json_add(frame, "programs", programs);
        for (size_t i = 0; i < t->n_rows; i++) {
                const TopRow *row = &t->rows[i];
                struct json_object *o = json_object_new_object();

                if (!o || json_object_array_add(programs, o) < 0) {
                        json_object_put(o);
                        return -ENOMEM;
                }
                json_add(o, "name", json_object_new_string(row->bus_name));
                json_add(o, "group", json_string_or_null(row->group));
                json_add(o, "state", json_object_new_string(row->state));
                json_add(o, "cpu_percent", json_rate(row->cpu_pct));
                json_add(o, "cpu_usage_usec", json_figure(row->cpu));
                json_add(o, "memory_current", json_figure(row->mem));
                json_add(o, "memory_max", json_figure(row->mem_max));
                json_add(o, "memory_peak", json_figure(row->mem_peak));
                json_add(o, "tasks_current", json_figure(row->tasks));
                json_add(o, "tasks_max", json_figure(row->tasks_max));
                json_add(o, "io_read_bytes", json_figure(row->io_read));
                json_add(o, "io_write_bytes", json_figure(row->io_write));
                json_add(o, "io_read_bytes_per_sec", json_rate(row->read_rate));
                json_add(o, "io_write_bytes_per_sec", json_rate(row->write_rate));
                json_add(o, "restarts", json_figure(row->restarts));
                json_add(o, "uptime_usec", json_figure(row->uptime));
        }
        return json_print_line(frame);
}

/* ---- interactive ---- */

static void tty_restore(Top *t) {
        if (!t->tty_raw)
                return;
        /* Leave the alternate screen, show the cursor again. */
        fputs("\033[?25h\033[?1049l", stdout);
        fflush(stdout);
        (void) tcsetattr(STDIN_FILENO, TCSANOW, &t->saved_tty);
        t->tty_raw = false;
}

static int tty_raw(Top *t) {
        struct termios raw;

        if (tcgetattr(STDIN_FILENO, &t->saved_tty) < 0)
                return -errno;
        raw = t->saved_tty;
        /* Keys one by one, no echo; Ctrl-C arrives as a key (no ISIG) so the terminal is always restored. */
        raw.c_lflag &= ~(ICANON | ECHO | ISIG);
        raw.c_cc[VMIN] = 0;
        raw.c_cc[VTIME] = 0;
        if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) < 0)
                return -errno;
        t->tty_raw = true;
        fputs("\033[?1049h\033[?25l", stdout);
        return 0;
}

static void screen_size(size_t *cols, size_t *rows) {
        struct winsize ws = {};

        if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) < 0 || ws.ws_col == 0 || ws.ws_row == 0)
                ws = (struct winsize) { .ws_col = 80, .ws_row = 24 };
        *cols = ws.ws_col;
        *rows = ws.ws_row;
}

static void draw(Top *t) {
        _cleanup_free_ char *buf = NULL;
        size_t len = 0, cols, rows;
        FILE *f;

        screen_size(&cols, &rows);
        f = open_memstream(&buf, &len);
        if (!f)
                return;
        fputs("\033[H\033[2J", f);
        render(t, f, cols, rows > 4 ? rows - 4 : 1, true);
        fprintf(f, "\033[%zu;1H%.*s", rows - 1, (int) cols, t->status);
        fprintf(f, "\033[%zu;1H%.*s", rows,  (int) cols,
                "q quit  up/down select  s stop  S start  R restart  sort: c cpu m mem p pids i io r restarts n name");
        fclose(f);
        /* One write per frame: no flicker. */
        (void) fwrite(buf, 1, len, stdout);
        fflush(stdout);
}

static void select_move(Top *t, int delta) {
        size_t i = 0;

        if (t->n_rows == 0)
                return;
        if (t->selected)
                for (i = 0; i < t->n_rows && !streq(t->rows[i].name, t->selected); i++)
                        ;
        if (i >= t->n_rows || !t->selected)
                i = 0;
        else if (delta < 0 && i > 0)
                i--;
        else if (delta > 0 && i + 1 < t->n_rows)
                i++;
        free(t->selected);
        t->selected = strdup(t->rows[i].name);
}

/* Start/stop/restart the selected program without waiting (EnqueueJobs): the table shows the outcome. */
static void act(Top *t, const char *verb) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        if (!t->selected) {
                snprintf(t->status, sizeof t->status, "select a program first (up/down)");
                return;
        }
        r = bus_call_method(t->bus, CGSUP_BUS_NAME, CGSUP_BUS_PATH, CGSUP_BUS_MANAGER_INTERFACE, "EnqueueJobs",
                               &error, &reply, "ss", verb, t->selected);
        if (r < 0)
                snprintf(t->status, sizeof t->status, "%s %s: %s", verb, t->selected,
                         error.message ?: strerror(-r));
        else
                snprintf(t->status, sizeof t->status, "%s %s: queued", verb, t->selected);
}

/* Handles one key; returns 1 to quit, 2 to redraw. */
static int handle_key(Top *t, const char *k, size_t n) {
        if (n >= 3 && k[0] == '\033' && k[1] == '[') {
                if (k[2] == 'A')
                        select_move(t, -1);
                else if (k[2] == 'B')
                        select_move(t, +1);
                return 2;
        }
        switch (k[0]) {
        case 'q':
        case 3: /* Ctrl-C */
                return 1;
        case 'k':
                select_move(t, -1);
                return 2;
        case 'j':
                select_move(t, +1);
                return 2;
        case 's':
                act(t, "stop");
                return 2;
        case 'S':
                act(t, "start");
                return 2;
        case 'R':
                act(t, "restart");
                return 2;
        case 'c':
                t->sort = SORT_CPU;
                break;
        case 'm':
                t->sort = SORT_MEMORY;
                break;
        case 'p':
                t->sort = SORT_PIDS;
                break;
        case 'i':
                t->sort = SORT_IO;
                break;
        case 'r':
                t->sort = SORT_RESTARTS;
                break;
        case 'n':
                t->sort = SORT_NAME;
                break;
        default:
                return 0;
        }
        sort_for_qsort = t->sort;
        qsort(t->rows, t->n_rows, sizeof(TopRow), compare_rows_qsort);
        return 2;
}

static int run_interactive(Top *t) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        r = tty_raw(t);
        if (r < 0) {
                fprintf(stderr, "cgsupctl: cannot set up the terminal: %s\n", strerror(-r));
                return 1;
        }
        for (;;) {
                usec_t deadline;

                r = refresh(t, &error);
                if (r < 0)
                        break;
                if (!t->selected && t->n_rows > 0)
                        t->selected = strdup(t->rows[0].name);
                draw(t);
                if (t->frames_left > 0 && --t->frames_left == 0)
                        break;
                deadline = now_monotonic() + t->delay;
                for (;;) {
                        usec_t now = now_monotonic();
                        struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };
                        char keys[16];
                        ssize_t n;
                        int k;

                        if (now >= deadline)
                                break;
                        if (poll(&p, 1, (int) ((deadline - now + 999) / 1000)) <= 0)
                                continue;
                        n = read(STDIN_FILENO, keys, sizeof keys);
                        if (n <= 0)
                                continue;
                        k = handle_key(t, keys, (size_t) n);
                        if (k == 1) {
                                tty_restore(t);
                                return 0;
                        }
                        if (k == 2)
                                draw(t);
                }
        }
        tty_restore(t);
        if (r < 0) {
                (void) bus_log_call_error(&error, r);
                return 1;
        }
        return 0;
}

static int run_batch(Top *t) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        for (bool first = true;; first = false) {
                if (!first) {
                        struct timespec ts = { .tv_sec = t->delay / 1000000, .tv_nsec = (t->delay % 1000000) * 1000 };
                        /* The refresh interval itself, as top -d: the wait is the product, not a test delay. */
                        (void) nanosleep(&ts, NULL);
                }
                r = refresh(t, &error);
                if (r < 0) {
                        (void) bus_log_call_error(&error, r);
                        return 1;
                }
                if (arg_json) {
                        r = render_json(t);
                        if (r < 0) {
                                fprintf(stderr, "cgsupctl: cannot print a frame: %s\n", strerror(-r));
                                return 1;
                        }
                } else {
                        if (!first)
                                putchar('\n');
                        render(t, stdout, 0, SIZE_MAX, false);
                        fflush(stdout);
                }
                if (t->frames_left > 0 && --t->frames_left == 0)
                        return 0;
        }
}

static void top_done(Top *t) {
        tty_restore(t);
        metrics_model_free(t->model);
        metrics_model_free(t->previous);
        free(t->rows);
        free(t->selected);
        sd_bus_flush_close_unref(t->bus);
}

enum { ARG_DELAY = 0x100, ARG_SORT };

const struct option top_options[] = {
        { "batch", no_argument, NULL, 'b' },
        { "iterations", required_argument, NULL, 'n' },
        /* No -d as top(1) has: run's -d (--same-dir) takes no argument, and a letter means one thing. */
        { "delay", required_argument, NULL, ARG_DELAY },
        { "sort", required_argument, NULL, ARG_SORT },
        {},
};

int verb_top(int argc, char **argv) {
        _cleanup_(top_done) Top t = { .delay = 2 * USEC_PER_SEC, .sort = SORT_CPU };
        unsigned n;
        int c, r;

        while ((c = getopt_long(argc, argv, "+bn:", top_options, NULL)) >= 0)
                switch (c) {
                case 'b':
                        t.batch = true;
                        break;
                case 'n':
                        if (safe_atou(optarg, &n) < 0 || n == 0)
                                return usage_error("top -n wants a number of frames above 0, not '%s'.", optarg);
                        t.frames_left = n;
                        break;
                case ARG_DELAY:
                        /* Seconds as top takes them ("0.5"), or a duration ("500ms"). */
                        if (parse_sec(optarg, &t.delay) < 0 || t.delay < 100 * USEC_PER_MSEC)
                                return usage_error("top --delay wants an interval of at least 0.1s, not '%s'.", optarg);
                        break;
                case ARG_SORT: {
                        TopSort s;
                        for (s = 0; s < _SORT_MAX && !streq(sort_names[s], optarg); s++)
                                ;
                        if (s == _SORT_MAX)
                                return usage_error("top --sort wants cpu, memory, pids, io, restarts, name or state, not '%s'.",
                                                   optarg);
                        t.sort = s;
                        break;
                }
                default:
                        return EXIT_USAGE;
                }
        /* Without a terminal on both ends there is nothing to redraw: batch, as top does; JSON is for scripts. */
        if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO) || arg_json)
                t.batch = true;

        r = bus_connect(&t.bus);
        if (r < 0)
                return 1;
        return t.batch ? run_batch(&t) : run_interactive(&t);
}
