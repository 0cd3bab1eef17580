/* SPDX-License-Identifier: MIT */
/*
 * The metrics model and writer (src/cgsup-metrics/): escaping, HELP/TYPE lines, exact values, both
 * formats, a GetMetrics() reply built by hand read into the model and written without a duplicate series,
 * and the HTTP request parser and Accept negotiation of cgsup-metrics fed hostile input.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http.h"
#include "metrics-expo.h"
#include "metrics-model.h"
#include "tests.h"

/* Runs @fn with a writer on a memory stream and returns what it wrote (malloc'ed). */
static char *capture(ExpoFormat format, int (*fn)(ExpoWriter *w, void *userdata), void *userdata, int *ret_r) {
        char *buf = NULL;
        size_t size = 0;
        ExpoWriter w;
        FILE *f;
        int r;

        f = open_memstream(&buf, &size);
        ASSERT_NOT_NULL(f);
        expo_writer_init(&w, f, format);
        r = fn(&w, userdata);
        if (r >= 0)
                r = expo_finish(&w);
        ASSERT_TRUE(fclose(f) == 0);
        *ret_r = r;
        return buf;
}

TEST(escape_label_value) {
        _cleanup_free_ char *a = NULL, *b = NULL;

        ASSERT_OK(expo_escape_label_value("a\\b\"c\nd", &a));
        ASSERT_STREQ(a, "a\\\\b\\\"c\\nd");
        ASSERT_OK(expo_escape_label_value("worker:worker_0 ü", &b));
        ASSERT_STREQ(b, "worker:worker_0 ü");
}

static int write_basic(ExpoWriter *w, void *userdata) {
        ASSERT_OK(expo_family(w, "x_empty", EXPO_GAUGE, "never written"));
        ASSERT_OK(expo_family(w, "x_cpu_seconds_total", EXPO_COUNTER, "CPU \"time\" \\ by\nmode."));
        ASSERT_OK(expo_sample(w, (const char *const[]) { "program", "a\"b", "mode", "user", NULL }, 1500000, 6));
        ASSERT_OK(expo_sample(w, (const char *const[]) { "program", "c", "mode", "user", NULL }, 5, 6));
        ASSERT_OK(expo_family(w, "x_bytes", EXPO_GAUGE, "Bytes."));
        ASSERT_OK(expo_sample(w, NULL, 0, 6));
        ASSERT_OK(expo_sample(w, NULL, UINT64_MAX, 0));
        return 0;
}

TEST(writer_prometheus) {
        _cleanup_free_ char *out = NULL;
        int r;

        out = capture(EXPO_PROMETHEUS, write_basic, NULL, &r);
        ASSERT_OK(r);
        ASSERT_STREQ(out,
                     "# HELP x_cpu_seconds_total CPU \"time\" \\\\ by\\nmode.\n"
                     "# TYPE x_cpu_seconds_total counter\n"
                     "x_cpu_seconds_total{program=\"a\\\"b\",mode=\"user\"} 1.5\n"
                     "x_cpu_seconds_total{program=\"c\",mode=\"user\"} 0.000005\n"
                     "# HELP x_bytes Bytes.\n"
                     "# TYPE x_bytes gauge\n"
                     "x_bytes 0\n"
                     "x_bytes 18446744073709551615\n");
}

TEST(writer_openmetrics) {
        _cleanup_free_ char *out = NULL;
        int r;

        out = capture(EXPO_OPENMETRICS, write_basic, NULL, &r);
        ASSERT_OK(r);
        /* Counter families are named without _total, HELP escapes quotes too, and "# EOF" ends it. */
        ASSERT_TRUE(strstr(out, "# HELP x_cpu_seconds CPU \\\"time\\\" \\\\ by\\nmode.\n"
                                "# TYPE x_cpu_seconds counter\n"
                                "x_cpu_seconds_total{program=\"a\\\"b\",mode=\"user\"} 1.5\n") == out);
        ASSERT_TRUE(strlen(out) > 6 && streq(out + strlen(out) - 6, "# EOF\n"));
        ASSERT_STREQ(expo_content_type(EXPO_OPENMETRICS), "application/openmetrics-text; version=1.0.0; charset=utf-8");
        ASSERT_STREQ(expo_content_type(EXPO_PROMETHEUS), "text/plain; version=0.0.4; charset=utf-8");
}

static int write_bad(ExpoWriter *w, void *userdata) {
        const char *what = userdata;

        if (streq(what, "duplicate")) {
                ASSERT_OK(expo_family(w, "x", EXPO_GAUGE, "x"));
                return expo_family(w, "x", EXPO_GAUGE, "x");
        }
        if (streq(what, "counter-name"))
                return expo_family(w, "x_bytes", EXPO_COUNTER, "x");
        if (streq(what, "gauge-total"))
                return expo_family(w, "x_total", EXPO_GAUGE, "x");
        if (streq(what, "metric-name"))
                return expo_family(w, "1x", EXPO_GAUGE, "x");
        if (streq(what, "label-name")) {
                ASSERT_OK(expo_family(w, "x", EXPO_GAUGE, "x"));
                return expo_sample(w, (const char *const[]) { "a-b", "v", NULL }, 1, 0);
        }
        if (streq(what, "no-family"))
                return expo_sample(w, NULL, 1, 0);
        return 0;
}

TEST(writer_refuses) {
        static const char *const cases[] = { "duplicate", "counter-name", "gauge-total", "metric-name", "label-name", "no-family" };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *out = NULL;
                int r;

                out = capture(EXPO_PROMETHEUS, write_bad, (void *) cases[i], &r);
                if (r >= 0)
                        tests_fail(__FILE__, __LINE__, "case %s: accepted", cases[i]);
        }
}

/* ---- the model, from a reply built by hand ---- */

static void append_program(sd_bus_message *m, const char *name, const char *group, const char *state, bool running) {
        ASSERT_OK(sd_bus_message_open_container(m, 'r', "ssa{sv}"));
        ASSERT_OK(sd_bus_message_append(m, "ss", name, group));
        ASSERT_OK(sd_bus_message_open_container(m, 'a', "{sv}"));
        ASSERT_OK(sd_bus_message_append(m, "{sv}{sv}", "State", "s", state, "Restarts", "u", (uint32_t) 3));
        ASSERT_OK(sd_bus_message_append(m, "{sv}", "ExitCounts", "a{su}", 2, "exit-code", (uint32_t) 2, "oom-kill", (uint32_t) 1));
        /* A key from a newer daemon, of a type the model does not expect: skipped. */
        ASSERT_OK(sd_bus_message_append(m, "{sv}", "FutureKey", "as", 1, "x"));
        ASSERT_OK(sd_bus_message_append(m, "{sv}", "MemoryCurrent", "s", "not a number"));
        if (running)
                ASSERT_OK(sd_bus_message_append(m, "{sv}{sv}{sv}{sv}{sv}", "UptimeUSec", "t", (uint64_t) 2500000,
                                                "CPUUserUSec", "t", (uint64_t) 1000, "CPUSystemUSec", "t", (uint64_t) 2000,
                                                "MemoryMax", "t", (uint64_t) 1 << 20, "MemoryPressureFullUSec", "t", (uint64_t) 7));
        ASSERT_OK(sd_bus_message_close_container(m));
        ASSERT_OK(sd_bus_message_close_container(m));
}

/* A GetMetrics call message to fill as if it were the reply: a bus on one end of a socketpair is enough to
 * build and seal messages without a bus daemon. */
static sd_bus_message *fake_message(sd_bus **ret_bus) {
        _cleanup_(sd_bus_unrefp) sd_bus *bus = NULL;
        sd_bus_message *m = NULL;
        int fds[2];

        ASSERT_OK_ERRNO(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds));
        ASSERT_OK(sd_bus_new(&bus));
        ASSERT_OK(sd_bus_set_fd(bus, fds[0], fds[0]));
        ASSERT_OK(sd_bus_start(bus));
        (void) close(fds[1]);
        ASSERT_OK(sd_bus_message_new_method_call(bus, &m, "org.cgsup1", "/org/cgsup1", "org.cgsup1.Manager", "GetMetrics"));
        *ret_bus = TAKE_PTR(bus);
        return m;
}

static sd_bus_message *fake_reply(sd_bus **ret_bus) {
        sd_bus_message *m = fake_message(ret_bus);

        ASSERT_OK(sd_bus_message_append(m, "a{sv}", 4, "Version", "s", "9.9", "PID", "u", (uint32_t) 42,
                                        "BusCalls", "t", (uint64_t) 17, "ResidentMemoryBytes", "t", (uint64_t) 4096));
        ASSERT_OK(sd_bus_message_open_container(m, 'a', "(ssa{sv})"));
        append_program(m, "web", "web", "RUNNING", true);
        append_program(m, "worker_0", "worker", "FATAL", false);
        append_program(m, "odd\"name", "g\\x", "FROZEN-NEW", true); /* a state this version does not know */
        ASSERT_OK(sd_bus_message_close_container(m));
        ASSERT_OK(sd_bus_message_append(m, "a(sa{sv})", 1, "worker", 1, "TasksCurrent", "t", (uint64_t) 5));
        ASSERT_OK(sd_bus_message_seal(m, 1, 0));
        ASSERT_OK(sd_bus_message_rewind(m, true));
        return m;
}

static int write_model(ExpoWriter *w, void *userdata) {
        return metrics_model_write(userdata, w);
}

static int cmp_str(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

/* Every sample line's series (name + labels) is unique, and each family has one HELP and one TYPE line,
 * before its samples. */
static void check_exposition(char *text) {
        char *lines[1024], *series[1024];
        size_t n_lines = 0, n_series = 0;

        for (char *save = NULL, *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
                ASSERT_TRUE(n_lines < ELEMENTSOF(lines));
                lines[n_lines++] = l;
        }
        for (size_t i = 0; i < n_lines; i++) {
                if (strneq(lines[i], "# HELP ", 7)) {
                        char name[256];
                        ASSERT_TRUE(sscanf(lines[i] + 7, "%255s", name) == 1);
                        ASSERT_TRUE(i + 1 < n_lines && strneq(lines[i + 1], "# TYPE ", 7) &&
                                    strneq(lines[i + 1] + 7, name, strlen(name)));
                        for (size_t j = 0; j < i; j++)
                                if (strneq(lines[j], "# HELP ", 7) && strneq(lines[j] + 7, name, strlen(name)) &&
                                    lines[j][7 + strlen(name)] == ' ')
                                        tests_fail(__FILE__, __LINE__, "family %s twice", name);
                        continue;
                }
                if (lines[i][0] == '#')
                        continue;
                ASSERT_TRUE(strrchr(lines[i], ' '));
                *strrchr(lines[i], ' ') = 0;
                series[n_series++] = lines[i];
        }
        qsort(series, n_series, sizeof series[0], cmp_str);
        for (size_t i = 1; i < n_series; i++)
                if (streq(series[i - 1], series[i]))
                        tests_fail(__FILE__, __LINE__, "duplicate series %s", series[i]);
}

TEST(model_from_reply) {
        _cleanup_(sd_bus_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(metrics_model_freep) MetricsModel *model = NULL;
        _cleanup_free_ char *out = NULL, *om = NULL;
        int r;

        reply = fake_reply(&bus);
        ASSERT_OK(metrics_model_read(reply, &model));
        ASSERT_EQ(model->n_programs, 3u);
        ASSERT_EQ(model->n_groups, 1u);
        ASSERT_STREQ(model->daemon.name, "9.9");

        out = capture(EXPO_PROMETHEUS, write_model, model, &r);
        ASSERT_OK(r);
        /* The label is the name `cgsupctl status` shows. */
        ASSERT_TRUE(strstr(out, "cgsup_program_up{program=\"web\",group=\"web\"} 1\n"));
        ASSERT_TRUE(strstr(out, "cgsup_program_up{program=\"worker:worker_0\",group=\"worker\"} 0\n"));
        ASSERT_TRUE(strstr(out, "cgsup_program_state{program=\"worker:worker_0\",group=\"worker\",state=\"FATAL\"} 1\n"));
        ASSERT_TRUE(strstr(out, "cgsup_program_state{program=\"g\\\\x:odd\\\"name\",group=\"g\\\\x\",state=\"FROZEN-NEW\"} 1\n"));
        ASSERT_TRUE(strstr(out, "cgsup_programs{state=\"RUNNING\"} 1\n"));
        ASSERT_TRUE(strstr(out, "cgsup_programs{state=\"FATAL\"} 1\n"));
        ASSERT_TRUE(strstr(out, "cgsup_program_exits_total{program=\"web\",group=\"web\",reason=\"oom-kill\"} 1\n"));
        ASSERT_TRUE(strstr(out, "cgsup_program_restarts_total{program=\"web\",group=\"web\"} 3\n"));
        ASSERT_TRUE(strstr(out, "cgsup_program_uptime_seconds{program=\"web\",group=\"web\"} 2.5\n"));
        ASSERT_TRUE(strstr(out, "cgsup_program_cpu_seconds_total{program=\"web\",group=\"web\",mode=\"system\"} 0.002\n"));
        ASSERT_TRUE(strstr(out, "cgsup_program_memory_max_bytes{program=\"web\",group=\"web\"} 1048576\n"));
        ASSERT_TRUE(strstr(out, "cgsup_program_pressure_seconds_total{program=\"web\",group=\"web\",resource=\"memory\",kind=\"full\"} 0.000007\n"));
        ASSERT_TRUE(strstr(out, "cgsup_group_pids{group=\"worker\"} 5\n"));
        ASSERT_TRUE(strstr(out, "cgsup_daemon_bus_calls_total 17\n"));
        ASSERT_TRUE(strstr(out, "cgsup_daemon_info{version=\"9.9\"} 1\n"));
        /* What the daemon did not send has no series: no uptime for a FATAL program, no PSI "some" that was
         * not sent, no memory.current sent with the wrong type. */
        ASSERT_NULL(strstr(out, "cgsup_program_uptime_seconds{program=\"worker:worker_0\""));
        ASSERT_NULL(strstr(out, "kind=\"some\""));
        ASSERT_NULL(strstr(out, "cgsup_program_memory_bytes"));
        ASSERT_NULL(strstr(out, "cgsup_daemon_cpu_seconds_total"));
        check_exposition(out);

        om = capture(EXPO_OPENMETRICS, write_model, model, &r);
        ASSERT_OK(r);
        ASSERT_TRUE(strstr(om, "# TYPE cgsup_program_restarts counter\n"));
        check_exposition(om);
}

TEST(model_refuses_bad_reply) {
        _cleanup_(sd_bus_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        _cleanup_(metrics_model_freep) MetricsModel *model = NULL;

        m = fake_message(&bus);
        ASSERT_OK(sd_bus_message_append(m, "s", "not the signature"));
        ASSERT_OK(sd_bus_message_seal(m, 1, 0));
        ASSERT_OK(sd_bus_message_rewind(m, true));
        ASSERT_TRUE(metrics_model_read(m, &model) < 0);
        ASSERT_NULL(model);
}

static int write_down(ExpoWriter *w, void *userdata) {
        return metrics_write_down(w);
}

TEST(write_down) {
        _cleanup_free_ char *out = NULL;
        int r;

        out = capture(EXPO_PROMETHEUS, write_down, NULL, &r);
        ASSERT_OK(r);
        ASSERT_TRUE(strstr(out, "\ncgsup_up 0\n"));
}

/* ---- HTTP ---- */

TEST(http_parse) {
        HttpRequest req;
        char big[HTTP_REQUEST_MAX + 16];

        ASSERT_EQ(http_request_parse("GET /metrics HTTP/1.1\r\nHost: x\r\n", 32, &req), 0);
        ASSERT_EQ(http_request_parse("GET /metrics?x=1 HTTP/1.1\r\nHost: x\r\naccept: text/plain\r\nAccept:  application/openmetrics-text \r\n\r\n",
                                     strlen("GET /metrics?x=1 HTTP/1.1\r\nHost: x\r\naccept: text/plain\r\nAccept:  application/openmetrics-text \r\n\r\n"), &req), 1);
        ASSERT_STREQ(req.method, "GET");
        ASSERT_STREQ(req.path, "/metrics");
        ASSERT_STREQ(req.accept, "text/plain,application/openmetrics-text");
        ASSERT_EQ(http_request_parse("HEAD / HTTP/1.0\n\n", 17, &req), 1);
        ASSERT_STREQ(req.method, "HEAD");
        ASSERT_STREQ(req.path, "/");

        ASSERT_ERROR(http_request_parse("GET /metrics HTTP/2.0\r\n\r\n", 25, &req), EPROTONOSUPPORT);
        ASSERT_ERROR(http_request_parse("GET /metrics\r\n\r\n", 16, &req), EBADMSG);
        ASSERT_ERROR(http_request_parse("GET  /metrics HTTP/1.1\r\n\r\n", 26, &req), EBADMSG);
        ASSERT_ERROR(http_request_parse("G(T /metrics HTTP/1.1\r\n\r\n", 25, &req), EBADMSG);
        ASSERT_ERROR(http_request_parse("GET /metrics HTTP/1.1\r\nno colon\r\n\r\n", 35, &req), EBADMSG);
        ASSERT_ERROR(http_request_parse("GET /metrics HTTP/1.1\r\n folded: x\r\n\r\n", 37, &req), EBADMSG);
        ASSERT_ERROR(http_request_parse("GET /met\0rics HTTP/1.1\r\n\r\n", 26, &req), EBADMSG);
        ASSERT_ERROR(http_request_parse("GET /\x01 HTTP/1.1\r\n\r\n", 20, &req), EBADMSG);

        memset(big, 'a', sizeof big);
        ASSERT_EQ(http_request_parse(big, HTTP_REQUEST_MAX - 1, &req), 0);
        ASSERT_ERROR(http_request_parse(big, HTTP_REQUEST_MAX, &req), E2BIG);
        memcpy(big, "GET /", 5);
        memcpy(big + HTTP_REQUEST_MAX + 4, " \n\n", 3);
        ASSERT_ERROR(http_request_parse(big, sizeof big, &req), E2BIG);
}

TEST(http_negotiate) {
        /* What Prometheus 2.42 sends. */
        ASSERT_EQ(http_negotiate_format("application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
                                        "text/plain;version=0.0.4;q=0.5,*/*;q=0.1"),
                  EXPO_OPENMETRICS);
        ASSERT_EQ(http_negotiate_format(NULL), EXPO_PROMETHEUS);
        ASSERT_EQ(http_negotiate_format(""), EXPO_PROMETHEUS);
        ASSERT_EQ(http_negotiate_format("*/*"), EXPO_PROMETHEUS);
        ASSERT_EQ(http_negotiate_format("text/plain;version=0.0.4"), EXPO_PROMETHEUS);
        ASSERT_EQ(http_negotiate_format("application/openmetrics-text"), EXPO_OPENMETRICS);
        ASSERT_EQ(http_negotiate_format("Application/OpenMetrics-Text; version=1.0.0"), EXPO_OPENMETRICS);
        ASSERT_EQ(http_negotiate_format("application/openmetrics-text;q=0"), EXPO_PROMETHEUS);
        ASSERT_EQ(http_negotiate_format("application/openmetrics-text;q=0.3, text/plain"), EXPO_PROMETHEUS);
        ASSERT_EQ(http_negotiate_format("text/plain;q=0.2, application/openmetrics-text;q=0.25"), EXPO_OPENMETRICS);
        ASSERT_EQ(http_negotiate_format("application/openmetrics-textx"), EXPO_PROMETHEUS);
        ASSERT_EQ(http_negotiate_format(",,;q=,application/json"), EXPO_PROMETHEUS);
}

TEST(http_response_head) {
        _cleanup_free_ char *ok = NULL, *bad = NULL;

        ASSERT_OK(http_response_head(200, "text/plain; version=0.0.4; charset=utf-8", 12, &ok));
        ASSERT_STREQ(ok, "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
                         "Content-Length: 12\r\nConnection: close\r\n\r\n");
        ASSERT_OK(http_response_head(405, "text/plain", 0, &bad));
        ASSERT_TRUE(strstr(bad, "HTTP/1.1 405 Method Not Allowed\r\n"));
        ASSERT_TRUE(strstr(bad, "\r\nAllow: GET, HEAD\r\n"));
}

int main(int argc, char **argv) {
        return tests_main(argc, argv, NULL);
}
