// SPDX-License-Identifier: GPL-2.0
/*
 * rnwfs's copy of the layer's memory-management wrappers (rnwk_mm.c), for the same reason
 * as fs/rnwk_kernel.c: an object belongs to one module.
 */
#include "../rnwk_mm.c"
