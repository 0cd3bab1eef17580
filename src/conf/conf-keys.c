/* SPDX-License-Identifier: MIT */
/*
 * The key tables by section: the one place the reader learns which keys a section has (unknown ones are
 * warned about, with the closest known key), and where `cgsupctl init`'s sample comes from (conf-sample.c).
 * The tables themselves live next to their sections' readers.
 */
#include <assert.h>

#include "conf-internal.h"

const KeyDef *conf_section_keys(ConfSection section, size_t *ret_n) {
        assert(ret_n);

        switch (section) {
        case CONF_SECTION_DAEMON:
                *ret_n = conf_daemon_n_keys;
                return conf_daemon_keys;
        case CONF_SECTION_PROGRAM:
                *ret_n = conf_program_n_keys;
                return conf_program_keys;
        case CONF_SECTION_GROUP:
                *ret_n = conf_group_n_keys;
                return conf_group_keys;
        case CONF_SECTION_WEBHOOK:
                *ret_n = conf_webhook_n_keys;
                return conf_webhook_keys;
        case CONF_SECTION_INCLUDE:
                *ret_n = conf_include_n_keys;
                return conf_include_keys;
        case _CONF_SECTION_MAX:
                break;
        }
        assert(false);
        *ret_n = 0;
        return NULL;
}

const KeyDef *conf_key_find(ConfSection section, const char *key) {
        size_t n;
        const KeyDef *keys = conf_section_keys(section, &n);

        assert(key);
        for (size_t i = 0; i < n; i++)
                if (streq(keys[i].key, key))
                        return &keys[i];
        return NULL;
}

const char *conf_key_suggest(ConfSection section, const char *word) {
        size_t n;
        const KeyDef *keys = conf_section_keys(section, &n);
        ConfSuggest s;

        conf_suggest_init(&s, word);
        for (size_t i = 0; i < n; i++)
                conf_suggest_try(&s, keys[i].key);
        return s.best;
}
