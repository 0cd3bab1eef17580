/* SPDX-License-Identifier: MIT */
/*
 * watch= / watch_ignore= / watch_debounce= (see program-watch.h). Each watched directory is one entry
 * (wd, path, the watched name when watch= named a file). A file is watched through its directory: editors
 * save by writing a new file and renaming it over the old one, which a watch on the file itself would
 * lose (IN_DELETE_SELF). The kernel gives one wd per inode and inotify instance, so two programs watching
 * the same directory share it: it is removed when the last entry holding it goes.
 */
#include <assert.h>
#include <dirent.h>
#include <fnmatch.h>
#include <sys/stat.h>

#include "log.h"
#include "manager.h"
#include "parse-util.h"
#include "program-ops.h"
#include "program-real.h"
#include "program-watch.h"
#include "strv.h"

/* Bounds: a watch= on / or a huge tree must not eat the user's inotify watches (fs.inotify.max_user_watches). */
#define WATCH_MAX_DIRS 4096U
#define WATCH_MAX_DEPTH 32U

#define WATCH_DIR_MASK                                                                                           \
        (IN_CLOSE_WRITE | IN_MODIFY | IN_ATTRIB | IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO |         \
         IN_DONT_FOLLOW | IN_ONLYDIR | IN_EXCL_UNLINK)

typedef struct WatchEntry {
        int wd;
        char *dir;       /* absolute */
        char *only_name; /* watch= named this file in @dir: other names are not ours; NULL = the whole dir */
        bool recursive;
} WatchEntry;

struct ProgramWatch {
        WatchEntry *entries;
        size_t n_entries;
        sd_event_source *debounce; /* the window after the first change */
        char *first_change;        /* what started the window, for the log */
};

static bool ignored(const Program *p, const char *dir, const char *name) {
        _cleanup_free_ char *full = NULL;

        if (!p->config->watch_ignore)
                return false;
        if (asprintf(&full, "%s/%s", dir, name) < 0)
                return false;
        /* A glob matches the name ("*.swp", ".git") or the whole path ("/srv/app/tmp/ *"). */
        STRV_FOREACH(g, p->config->watch_ignore)
                if (fnmatch(*g, name, 0) == 0 || fnmatch(*g, full, 0) == 0)
                        return true;
        return false;
}

static bool wd_in_use(Manager *m, int wd) {
        for (size_t i = 0; i < m->n_programs; i++) {
                const ProgramWatch *w = m->programs[i]->watch;
                for (size_t j = 0; w && j < w->n_entries; j++)
                        if (w->entries[j].wd == wd)
                                return true;
        }
        return false;
}

static void entry_remove(Program *p, size_t i) {
        ProgramWatch *w = p->watch;
        int wd = w->entries[i].wd;

        free(w->entries[i].dir);
        free(w->entries[i].only_name);
        memmove(w->entries + i, w->entries + i + 1, (w->n_entries - i - 1) * sizeof(WatchEntry));
        w->n_entries--;
        if (wd >= 0 && !wd_in_use(p->manager, wd))
                (void) inotify_rm_watch(p->manager->cgroup_inotify_fd, wd);
}

static int entry_add(Program *p, const char *dir, const char *only_name, bool recursive) {
        ProgramWatch *w = p->watch;
        WatchEntry *n;
        int wd;

        if (w->n_entries >= WATCH_MAX_DIRS)
                return -E2BIG;
        for (size_t i = 0; i < w->n_entries; i++)
                if (streq(w->entries[i].dir, dir) && !w->entries[i].only_name == !only_name)
                        return 0;
        wd = inotify_add_watch(p->manager->cgroup_inotify_fd, dir, WATCH_DIR_MASK);
        if (wd < 0)
                return -errno;
        n = reallocarray(w->entries, w->n_entries + 1, sizeof(WatchEntry));
        if (!n)
                return -ENOMEM;
        w->entries = n;
        n[w->n_entries] = (WatchEntry) { .wd = wd, .recursive = recursive };
        n[w->n_entries].dir = strdup(dir);
        n[w->n_entries].only_name = only_name ? strdup(only_name) : NULL;
        w->n_entries++;
        if (!n[w->n_entries - 1].dir || (only_name && !n[w->n_entries - 1].only_name)) {
                entry_remove(p, w->n_entries - 1);
                return -ENOMEM;
        }
        return 0;
}

/* @dir and the directories below it (not followed through symlinks, ignored names skipped). */
static void closedirp(DIR **d) {
        if (*d)
                (void) closedir(*d);
}

static int add_tree(Program *p, const char *dir, unsigned depth) {
        _cleanup_(closedirp) DIR *d = NULL;
        int r;

        r = entry_add(p, dir, NULL, true);
        if (r < 0)
                return r;
        if (depth >= WATCH_MAX_DEPTH)
                return 0;
        d = opendir(dir);
        if (!d)
                return errno == ENOENT ? 0 : -errno;
        for (struct dirent *de; (de = readdir(d));) {
                _cleanup_free_ char *sub = NULL;
                if (de->d_type != DT_DIR || streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                if (ignored(p, dir, de->d_name))
                        continue;
                if (asprintf(&sub, "%s/%s", dir, de->d_name) < 0)
                        return -ENOMEM;
                r = add_tree(p, sub, depth + 1);
                if (r == -E2BIG || r == -ENOMEM)
                        return r;
        }
        return 0;
}

static int add_path(Program *p, const char *path) {
        _cleanup_free_ char *copy = NULL;
        struct stat st;

        if (stat(path, &st) < 0)
                return -errno;
        if (S_ISDIR(st.st_mode))
                return add_tree(p, path, 0);
        copy = strdup(path);
        if (!copy)
                return -ENOMEM;
        char *slash = strrchr(copy, '/');
        if (!slash || !slash[1])
                return -EINVAL;
        *slash = '\0';
        return entry_add(p, slash == copy ? "/" : copy, slash + 1, false);
}

void program_unwatch_files(Program *p) {
        ProgramWatch *w = p->watch;

        if (!w)
                return;
        while (w->n_entries > 0)
                entry_remove(p, w->n_entries - 1);
        free(w->entries);
        w->debounce = sd_event_source_disable_unref(w->debounce);
        free(w->first_change);
        free(w);
        p->watch = NULL;
}

int program_watch_files(Program *p) {
        int r;

        assert(p);
        program_unwatch_files(p);
        if (!p->config || strv_length(p->config->watch) == 0 || p->transient || !p->manager->event)
                return 0;
        r = manager_cgroup_inotify(p->manager);
        if (r < 0)
                return log_program_full_errno(p, LOG_ERR, r, "watch: cannot set up inotify: %m");
        p->watch = calloc(1, sizeof(ProgramWatch));
        if (!p->watch)
                return -ENOMEM;
        STRV_FOREACH(path, p->config->watch) {
                r = add_path(p, *path);
                if (r == -ENOENT)
                        log_program(p, LOG_WARNING, "watch: %s does not exist, not watched", *path);
                else if (r == -E2BIG) {
                        log_program(p, LOG_WARNING, "watch: more than %u directories, the rest is not watched",
                                    WATCH_MAX_DIRS);
                        break;
                } else if (r == -ENOMEM)
                        return r;
                else if (r < 0)
                        log_program_full_errno(p, LOG_WARNING, r, "watch: %s cannot be watched, ignoring: %m",
                                               *path);
        }
        log_program(p, LOG_DEBUG, "watch: %zu directories watched", p->watch->n_entries);
        return 0;
}

static int on_debounce(sd_event_source *s, uint64_t usec, void *userdata) {
        Program *p = userdata;
        ProgramWatch *w = p->watch;
        _cleanup_free_ char *what = TAKE_PTR(w->first_change);

        w->debounce = sd_event_source_disable_unref(w->debounce);
        if (!program_is_active(p) || p->state == PROGRAM_STOPPING)
                return 0;
        log_program(p, LOG_INFO, "watch: %s changed, restarting", strna(what));
        (void) program_enqueue(p, JOB_RESTART, NULL, NULL);
        return 0;
}

static void changed(Program *p, const char *dir, const char *name) {
        ProgramWatch *w = p->watch;
        int r;

        /* A stopped program stays stopped; a window already open restarts once at its end. */
        if (w->debounce || !program_is_active(p))
                return;
        if (asprintf(&w->first_change, "%s/%s", dir, name) < 0)
                w->first_change = NULL;
        r = sd_event_add_time_relative(p->manager->event, &w->debounce, CLOCK_MONOTONIC,
                                       p->config->watch_debounce, USEC_PER_MSEC, on_debounce, p);
        if (r < 0)
                log_program_full_errno(p, LOG_WARNING, r, "watch: cannot arm the debounce timer, ignoring: %m");
}

static void program_watch_event(Program *p, size_t i, const struct inotify_event *ev) {
        WatchEntry *e = &p->watch->entries[i];
        const char *name = ev->len > 0 ? ev->name : "";

        if (ev->mask & IN_IGNORED) {
                /* the directory went away: the kernel dropped the watch (for every holder of the wd) */
                e->wd = -1;
                entry_remove(p, i);
                return;
        }
        if (e->only_name && !streq(name, e->only_name))
                return;
        if (*name && ignored(p, e->dir, name))
                return;
        if (e->recursive && (ev->mask & IN_ISDIR) && (ev->mask & (IN_CREATE | IN_MOVED_TO)) && *name) {
                _cleanup_free_ char *sub = NULL;
                if (asprintf(&sub, "%s/%s", e->dir, name) >= 0) {
                        int r = add_tree(p, sub, 1);
                        if (r < 0 && r != -ENOENT)
                                log_program_full_errno(p, LOG_WARNING, r, "watch: %s cannot be watched: %m", sub);
                }
                e = NULL; /* entries may have moved */
        }
        changed(p, e ? e->dir : p->watch->entries[i].dir, name);
}

void manager_watch_event(Manager *m, const struct inotify_event *ev) {
        for (size_t i = 0; i < m->n_programs; i++) {
                Program *p = m->programs[i];
                for (size_t j = 0; p->watch && j < p->watch->n_entries; j++)
                        if (p->watch->entries[j].wd == ev->wd) {
                                program_watch_event(p, j, ev);
                                break;
                        }
        }
}
