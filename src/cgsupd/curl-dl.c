/* SPDX-License-Identifier: MIT */
#include <stdbool.h>

#include "curl-dl.h"

static void *curl_dl;

DLSYM_PROTOTYPE(curl_easy_cleanup);
DLSYM_PROTOTYPE(curl_easy_getinfo);
DLSYM_PROTOTYPE(curl_easy_init);
DLSYM_PROTOTYPE(curl_easy_setopt);
DLSYM_PROTOTYPE(curl_easy_strerror);
DLSYM_PROTOTYPE(curl_global_cleanup);
DLSYM_PROTOTYPE(curl_global_init);
DLSYM_PROTOTYPE(curl_multi_add_handle);
DLSYM_PROTOTYPE(curl_multi_assign);
DLSYM_PROTOTYPE(curl_multi_cleanup);
DLSYM_PROTOTYPE(curl_multi_info_read);
DLSYM_PROTOTYPE(curl_multi_init);
DLSYM_PROTOTYPE(curl_multi_remove_handle);
DLSYM_PROTOTYPE(curl_multi_setopt);
DLSYM_PROTOTYPE(curl_multi_socket_action);
DLSYM_PROTOTYPE(curl_slist_append);
DLSYM_PROTOTYPE(curl_slist_free_all);

int dlopen_curl(void) {
        static bool reported;
        int r;

        r = dlopen_many_sym(&curl_dl, CURL_DL_SONAME,
                            DLSYM_ARG(curl_easy_cleanup),
                            DLSYM_ARG(curl_easy_getinfo),
                            DLSYM_ARG(curl_easy_init),
                            DLSYM_ARG(curl_easy_setopt),
                            DLSYM_ARG(curl_easy_strerror),
                            DLSYM_ARG(curl_global_cleanup),
                            DLSYM_ARG(curl_global_init),
                            DLSYM_ARG(curl_multi_add_handle),
                            DLSYM_ARG(curl_multi_assign),
                            DLSYM_ARG(curl_multi_cleanup),
                            DLSYM_ARG(curl_multi_info_read),
                            DLSYM_ARG(curl_multi_init),
                            DLSYM_ARG(curl_multi_remove_handle),
                            DLSYM_ARG(curl_multi_setopt),
                            DLSYM_ARG(curl_multi_socket_action),
                            DLSYM_ARG(curl_slist_append),
                            DLSYM_ARG(curl_slist_free_all),
                            NULL);
        return dlopen_report_once(r, &reported, CURL_DL_SONAME, "libcurl4",
                                  "webhooks and http(s) health checks cannot run");
}
