/* SPDX-License-Identifier: MIT */
/*
 * The one wording of "this limit cannot be enforced". The daemon (program start, group limits, reload,
 * set-property), `cgsupctl run --standalone` and `cgsupctl doctor` all print this text, so a host gives
 * the same answer whichever tool asks; keep it one sentence that names the limit, the cgroup and what to
 * change.
 */
#include <stdio.h>
#include <string.h>

#include "cg-internal.h"
#include "cgsup/leaf.h"
#include "macro.h"

/* Why a kernel has no file for a limit where the controller is on. */
static const char *missing_file_hint(CgsupLimit limit) {
        switch (limit) {
        case CGSUP_LIMIT_MEMORY_SWAP_MAX:
                return "this kernel has no swap accounting (CONFIG_MEMCG_SWAP, swapaccount=1)";
        case CGSUP_LIMIT_IO_WEIGHT:
                return "this kernel has no io.weight (it needs blk-iocost, CONFIG_BLK_CGROUP_IOCOST)";
        default:
                return "this kernel does not provide it";
        }
}

_public_ int cgsup_refusal_format(const CgsupRefusal *refusal, const char *mount, char **ret) {
        _cleanup_free_ char *cg = NULL, *head = NULL;
        const char *limit, *ctrl, *file;
        char value[64];
        int k;

        if (!refusal || !ret || refusal->reason <= CGSUP_REFUSAL_NONE || refusal->reason >= _CGSUP_REFUSAL_REASON_MAX)
                return -EINVAL;

        limit = cgsup_limit_to_string(refusal->limit);
        ctrl = cgsup_controller_to_string(refusal->controller) ?: "needed";
        file = cgsup_limit_file(refusal->limit) ?: "limit file";
        if (limit)
                (void) cgsup_limit_format(refusal->limit, refusal->value, value, sizeof(value));
        else
                value[0] = 0;

        /* mount + "/" + path; the root cgroup is the mount itself. */
        if (asprintf(&cg, "%s%s%s", mount ? mount : "", isempty(refusal->cgroup) && mount ? "" : "/",
                     refusal->cgroup) < 0)
                return -ENOMEM;
        if (asprintf(&head, "%s cannot be enforced", limit ?: "the limits") < 0)
                return -ENOMEM;

        switch (refusal->reason) {
        case CGSUP_REFUSAL_NO_CONTROLLER:
                k = asprintf(ret,
                             "%s: the cgroup2 hierarchy at %s has no %s controller (not in the kernel, or bound to "
                             "a cgroup v1 hierarchy)",
                             head, mount ?: "/", ctrl);
                break;
        case CGSUP_REFUSAL_WITHHELD:
                k = asprintf(ret,
                             "%s: %s does not enable the %s controller for its children (cgroup.subtree_control; "
                             "with systemd: Delegate=yes)",
                             head, cg, ctrl);
                break;
        case CGSUP_REFUSAL_NOT_DELEGATED:
                k = asprintf(ret, "%s: %s is not delegated to us (cannot enable the %s controller there)", head, cg,
                             ctrl);
                break;
        case CGSUP_REFUSAL_INTERNAL_PROCESS:
                k = asprintf(ret,
                             "%s: %s holds processes itself, so the %s controller cannot be enabled for its "
                             "children (cgroup v2 no-internal-process rule)",
                             head, cg, ctrl);
                break;
        case CGSUP_REFUSAL_NO_FILE:
                k = asprintf(ret, "%s: %s has no %s although the %s controller is on: %s", head, cg, file, ctrl,
                             missing_file_hint(refusal->limit));
                break;
        case CGSUP_REFUSAL_VALUE:
                k = asprintf(ret, "%s: the kernel rejected %s in %s/%s", head, value, cg, file);
                break;
        case CGSUP_REFUSAL_READBACK:
                k = asprintf(ret, "%s: %s/%s reads back a different value than the %s written", head, cg, file,
                             value);
                break;
        case CGSUP_REFUSAL_TOO_SMALL:
                k = asprintf(ret, "%s: %s is below 1M, too little for a running program", head, value);
                break;
        case CGSUP_REFUSAL_CGROUP:
        default:
                if (limit)
                        k = asprintf(ret, "%s: cgroup %s: %s", head, cg, strerror(-refusal->error));
                else
                        k = asprintf(ret, "cgroup %s: %s", cg, strerror(-refusal->error));
                break;
        }
        return k < 0 ? -ENOMEM : 0;
}
