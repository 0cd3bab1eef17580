/* SPDX-License-Identifier: MIT */
/*
 * Force-included into every daemon-core file (src/cgsupd/meson.build). The core must not talk D-Bus: the
 * bus layer (bus/) translates. Pre-defining sd-bus.h's include guard turns any #include
 * <systemd/sd-bus.h> in the core into a no-op, so every sd_bus_* use fails to compile.
 */
#pragma once
#define foosdbushfoo 1
