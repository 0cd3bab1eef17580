/* SPDX-License-Identifier: MIT */
/* stub: not written yet */
