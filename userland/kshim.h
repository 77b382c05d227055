/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kshim.h - the few kernel primitives lwpcap_ring.h needs, for user space.
 *
 * The unit tests and benchmarks include ../driver/lwpcap_ring.h after this
 * file so that the fake producer is the kernel's own producer code.  The
 * barriers map to the C11 orderings the kernel's smp_* macros promise.
 */
#ifndef _TG3CAP_KSHIM_H
#define _TG3CAP_KSHIM_H

#include <stdbool.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint32_t u32;
typedef uint64_t u64;

#ifndef likely
#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)
#endif

#define WRITE_ONCE(x, val)	__atomic_store_n(&(x), (val), __ATOMIC_RELAXED)
#define READ_ONCE(x)		__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define smp_load_acquire(p)	__atomic_load_n((p), __ATOMIC_ACQUIRE)
#define smp_store_release(p, v)	__atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define smp_wmb()		__atomic_thread_fence(__ATOMIC_RELEASE)

#endif /* _TG3CAP_KSHIM_H */
