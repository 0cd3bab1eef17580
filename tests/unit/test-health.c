/* SPDX-License-Identifier: MIT */
#include "health.h"
#include "tests.h"

TEST(http_status_line) {
        int s = 0;

        ASSERT_EQ(health_http_parse_status("HTTP/1.1 200 OK\r\n", 17, &s), 1);
        ASSERT_EQ(s, 200);
        ASSERT_EQ(health_http_parse_status("HTTP/1.0 302 Found\r\nLocation: /\r\n", 31, &s), 1);
        ASSERT_EQ(s, 302);
        ASSERT_EQ(health_http_parse_status("HTTP/1.1 503 Service Unavailable\n", 33, &s), 1);
        ASSERT_EQ(s, 503);
        ASSERT_EQ(health_http_parse_status("HTTP/1.1 204\r\n", 14, &s), 1);
        ASSERT_EQ(s, 204);
        /* incomplete */
        ASSERT_EQ(health_http_parse_status("HTTP/1.1 20", 11, &s), 0);
        ASSERT_EQ(health_http_parse_status("", 0, &s), 0);
        /* not HTTP */
        ASSERT_EQ(health_http_parse_status("SSH-2.0-OpenSSH\r\n", 17, &s), -EBADMSG);
        ASSERT_EQ(health_http_parse_status("HTTP/1.1 abc OK\r\n", 17, &s), -EBADMSG);
        ASSERT_EQ(health_http_parse_status("HTTP/1.1 2000 OK\r\n", 18, &s), -EBADMSG);
        ASSERT_EQ(health_http_parse_status("HTTP/1.1 099 X\r\n", 16, &s), -EBADMSG);
        ASSERT_EQ(health_http_parse_status("GARBAGE", 7, &s), -EBADMSG);

        ASSERT_TRUE(health_http_status_ok(200));
        ASSERT_TRUE(health_http_status_ok(301));
        ASSERT_TRUE(health_http_status_ok(399));
        ASSERT_FALSE(health_http_status_ok(404));
        ASSERT_FALSE(health_http_status_ok(500));
        ASSERT_FALSE(health_http_status_ok(101));
}

TEST(url_and_hostport) {
        char *host = NULL, *path = NULL;
        unsigned port = 0;

        ASSERT_OK(health_parse_url("http://127.0.0.1:8080/health?x=1", &host, &port, &path));
        ASSERT_STREQ(host, "127.0.0.1");
        ASSERT_EQ(port, 8080);
        ASSERT_STREQ(path, "/health?x=1");
        free(host);
        free(path);
        ASSERT_OK(health_parse_url("http://localhost", &host, &port, &path));
        ASSERT_STREQ(host, "localhost");
        ASSERT_EQ(port, 80);
        ASSERT_STREQ(path, "/");
        free(host);
        free(path);
        ASSERT_OK(health_parse_url("http://[::1]:81/x", &host, &port, &path));
        ASSERT_STREQ(host, "::1");
        ASSERT_EQ(port, 81);
        free(host);
        free(path);
        ASSERT_ERROR(health_parse_url("https://x/", &host, &port, &path), EINVAL);
        ASSERT_ERROR(health_parse_url("http://:0/", &host, &port, &path), EINVAL);

        ASSERT_OK(health_parse_hostport(":5432", &host, &port));
        ASSERT_STREQ(host, "127.0.0.1");
        ASSERT_EQ(port, 5432);
        free(host);
        ASSERT_OK(health_parse_hostport("db.local:3306", &host, &port));
        ASSERT_STREQ(host, "db.local");
        free(host);
        ASSERT_OK(health_parse_hostport("[::1]:22", &host, &port));
        ASSERT_STREQ(host, "::1");
        ASSERT_EQ(port, 22);
        free(host);
        ASSERT_ERROR(health_parse_hostport("nohost", &host, &port), EINVAL);
        ASSERT_ERROR(health_parse_hostport("x:99999", &host, &port), EINVAL);
        ASSERT_ERROR(health_parse_hostport("x:", &host, &port), EINVAL);
}

int main(int argc, char **argv) {
        return tests_main(argc, argv, NULL);
}
