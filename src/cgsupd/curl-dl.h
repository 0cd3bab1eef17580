/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * libcurl, loaded with dlopen() the first time a webhook is set up or an http(s) check runs. Linking it
 * mapped libcurl and everything it needs (libssl, libcrypto, nghttp2, krb5, ldap, ...: 8 MiB of the
 * daemon's RSS) into every cgsupd, also the many that use neither. Only the header comes from the build
 * dependency; every call goes through the sym_ pointers below, valid once dlopen_curl() returned >= 0.
 */

#include <curl/curl.h>

#include "dlopen-util.h"

/* The run-time name of the library whose header we compile against (libcurl4-openssl-dev: libcurl.so.4). */
#define CURL_DL_SONAME "libcurl.so.4"

extern DLSYM_PROTOTYPE(curl_easy_cleanup);
extern DLSYM_PROTOTYPE(curl_easy_getinfo);
extern DLSYM_PROTOTYPE(curl_easy_init);
extern DLSYM_PROTOTYPE(curl_easy_setopt);
extern DLSYM_PROTOTYPE(curl_easy_strerror);
extern DLSYM_PROTOTYPE(curl_global_cleanup);
extern DLSYM_PROTOTYPE(curl_global_init);
extern DLSYM_PROTOTYPE(curl_multi_add_handle);
extern DLSYM_PROTOTYPE(curl_multi_assign);
extern DLSYM_PROTOTYPE(curl_multi_cleanup);
extern DLSYM_PROTOTYPE(curl_multi_info_read);
extern DLSYM_PROTOTYPE(curl_multi_init);
extern DLSYM_PROTOTYPE(curl_multi_remove_handle);
extern DLSYM_PROTOTYPE(curl_multi_setopt);
extern DLSYM_PROTOTYPE(curl_multi_socket_action);
extern DLSYM_PROTOTYPE(curl_slist_append);
extern DLSYM_PROTOTYPE(curl_slist_free_all);

/* Loads libcurl unless it is loaded (0 then, 1 when loaded now); -EOPNOTSUPP when it cannot be, logged
 * once as an error naming the library (webhooks and http(s) checks then fail with that reason). */
int dlopen_curl(void);
