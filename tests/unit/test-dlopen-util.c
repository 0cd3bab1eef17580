/* SPDX-License-Identifier: MIT */
/* dlopen-util: a missing library is -EOPNOTSUPP with nothing opened, and a wrapper reports it once. */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>

#include "dlopen-util.h"
#include "tests.h"

TEST(dlopen_missing) {
        void *dl = NULL, *sym = NULL;

        ASSERT_ERROR(dlopen_many_sym(&dl, "libcgsup-no-such-library.so.0", &sym, "nothing", NULL), EOPNOTSUPP);
        ASSERT_NULL(dl);
        ASSERT_NULL(sym);
}

TEST(dlopen_report_once) {
        bool reported = false;

        ASSERT_EQ(dlopen_report_once(0, &reported, "libx.so.1", "libx1", "x cannot run"), 0);
        ASSERT_FALSE(reported);
        ASSERT_ERROR(dlopen_report_once(-EOPNOTSUPP, &reported, "libx.so.1", "libx1", "x cannot run"), EOPNOTSUPP);
        ASSERT_TRUE(reported);
        /* The second failure is returned as well, without a second line. */
        ASSERT_ERROR(dlopen_report_once(-EOPNOTSUPP, &reported, "libx.so.1", "libx1", "x cannot run"), EOPNOTSUPP);
        ASSERT_TRUE(reported);
}

int main(int argc, char **argv) {
        return tests_main(argc, argv, NULL);
}
