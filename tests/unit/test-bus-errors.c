/* SPDX-License-Identifier: MIT */
#include "tests.h"

int main(int argc, char **argv) {
        return tests_main(argc, argv, NULL);
}
