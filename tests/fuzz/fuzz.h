/* SPDX-License-Identifier: MIT */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* The libFuzzer entry point every fuzz-*.c defines; fuzz-main.c replays files through it. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
