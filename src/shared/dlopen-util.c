/* SPDX-License-Identifier: MIT */
#include <assert.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>

#include "dlopen-util.h"
#include "log.h"

/* Resolves the pairs of @ap into their pointers, but stores them only once every one is found. */
static int resolve_all(void *handle, const char *filename, va_list ap) {
        va_list scan;
        void **sym;

        va_copy(scan, ap);
        while ((sym = va_arg(scan, void **))) {
                const char *name = va_arg(scan, const char *);

                if (!dlsym(handle, name)) {
                        va_end(scan);
                        log_debug("%s has no %s: %s", filename, name, dlerror() ?: "not found");
                        return -EOPNOTSUPP;
                }
        }
        va_end(scan);
        while ((sym = va_arg(ap, void **)))
                *sym = dlsym(handle, va_arg(ap, const char *));
        return 0;
}

int dlopen_many_sym(void **dl, const char *filename, ...) {
        va_list ap;
        void *handle;
        int r;

        assert(dl);
        assert(filename);
        if (*dl)
                return 0;
        /* RTLD_NODELETE: the pointers stay valid for the daemon's life, there is no dlclose(). */
        handle = dlopen(filename, RTLD_NOW | RTLD_NODELETE);
        if (!handle) {
                log_debug("Cannot load %s: %s", filename, dlerror() ?: "unknown error");
                return -EOPNOTSUPP;
        }
        va_start(ap, filename);
        r = resolve_all(handle, filename, ap);
        va_end(ap);
        if (r < 0) {
                (void) dlclose(handle);
                return r;
        }
        *dl = handle;
        return 1;
}

int dlopen_report_once(int r, bool *reported, const char *filename, const char *package, const char *consequence) {
        assert(reported);
        if (r < 0 && !*reported) {
                *reported = true;
                log_error("Cannot load %s (Debian package %s): %s", filename, package, consequence);
        }
        return r;
}
