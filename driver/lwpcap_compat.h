/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lwpcap: what differs between the kernels lwpcap builds against.
 *
 * lwpcap.c is written against the newest kernel it supports (6.12);
 * this header gives older ones (6.1) what they lack, under the name the
 * newer kernel uses, so no version test appears anywhere else.
 *
 * Each block is one test that the kernel is older than a release, with
 * no #else and no nesting: tg3cap's driver/mkpatch.sh resolves them for
 * the kernel a patch series is for, so the in-tree copy carries no
 * version test (and no header at all where nothing applies).
 */
#ifndef _LWPCAP_COMPAT_H
#define _LWPCAP_COMPAT_H

#include <linux/mm.h>
#include <linux/version.h>

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 3, 0)
/* 6.3 made vm_area_struct.vm_flags read-only: changes go through
 * vm_flags_set/clear/mod(), which also take the VMA's per-VMA lock.
 * Before 6.3 there is no such lock and the field is written directly
 * (the caller holds mmap_lock for writing, as .mmap does).
 */
static inline void vm_flags_mod(struct vm_area_struct *vma,
				vm_flags_t set, vm_flags_t clear)
{
	vma->vm_flags = (vma->vm_flags | set) & ~clear;
}
#endif

#endif /* _LWPCAP_COMPAT_H */
