// SPDX-License-Identifier: GPL-2.0
/*
 * rnwfs's copy of the layer's kernel wrappers (rnwk_kernel.c): kbuild links an object into
 * one module only (it warns when one is in two), so each module that uses them compiles its
 * own.
 */
#include "../rnwk_kernel.c"
