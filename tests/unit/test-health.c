/* SPDX-License-Identifier: MIT */
#include "health.h"
#include "tests.h"

TEST(http_status) {
        ASSERT_TRUE(health_http_status_ok(200));
        ASSERT_TRUE(health_http_status_ok(301));
        ASSERT_TRUE(health_http_status_ok(399));
        ASSERT_FALSE(health_http_status_ok(404));
        ASSERT_FALSE(health_http_status_ok(500));
        ASSERT_FALSE(health_http_status_ok(101));
        ASSERT_FALSE(health_http_status_ok(0)); /* no answer */
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
        ASSERT_OK(health_parse_url("https://x/", &host, &port, &path));
        ASSERT_EQ(port, 443);
        free(host);
        free(path);
        ASSERT_ERROR(health_parse_url("ftp://x/", &host, &port, &path), EINVAL);
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
