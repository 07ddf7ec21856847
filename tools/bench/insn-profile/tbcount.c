// SPDX-License-Identifier: GPL-2.0
/*
 * tbcount: a QEMU TCG plugin that counts the guest instructions executed per
 * translation block, for insn-profile (same directory). At exit it writes
 * one line per block start address: "VADDR INSNS EXECUTIONS TLB_MISSES"
 * (hex, then decimal) to the file given as out=PATH; TLB_MISSES is 0 unless
 * tlb=N (see block_mem()).
 *
 * Under TCG, instruction counts are exact and repeatable where timings are
 * noisy, which makes them the profile of choice for a code path that costs
 * microseconds: perf in the guest gets only a few hundred cpu-clock samples.
 *
 * QEMU's plugin API is C with a stable ABI; the few functions used here are
 * declared in qemu_plugin_api.h.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qemu_plugin_api.h"

#define EXPORT __attribute__((visibility("default")))

EXPORT int qemu_plugin_version = QEMU_PLUGIN_API_VERSION;

/* One translated block (a block retranslated with the same size shares it). */
struct block {
	uint64_t vaddr;
	uint64_t insns;		/* 0: free slot */
	uint64_t executions;
	uint64_t tlb_misses;	/* of the model TLB below, by this block's accesses */
};

/*
 * tlb=N: a model of QEMU's software TLB, to see which code touches pages
 * the TLB does not hold: per vCPU, one direct-mapped table of N (a power of
 * 2 up to TLB_MAX_ENTRIES) 4 KiB pages for kernel addresses and one for user
 * addresses (QEMU keeps a table per MMU mode). QEMU sizes its tables
 * dynamically; this one is fixed, so its counts are a model, not QEMU's own.
 */
#define TLB_MAX_ENTRIES	4096
#define MAX_VCPUS	8

static uint64_t tlb[MAX_VCPUS][2][TLB_MAX_ENTRIES];
static unsigned int model_tlb;	/* entries, a power of 2; 0: no model */

#define NBLOCKS		(1u << 21)	/* open addressing; a booted kernel uses ~10^5 */

static struct block *blocks;
static unsigned int nblocks;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static const char *out_path = "tbcount.out";

static void block_exec(unsigned int vcpu, void *udata)
{
	struct block *b = udata;

	__atomic_fetch_add(&b->executions, 1, __ATOMIC_RELAXED);
}

static void block_mem(unsigned int vcpu, qemu_plugin_meminfo_t info, uint64_t vaddr,
		      void *udata)
{
	uint64_t page = (vaddr >> 12) + 1;	/* 0: an empty entry */
	uint64_t *e = &tlb[vcpu % MAX_VCPUS][vaddr >> 63][page & (model_tlb - 1)];
	struct block *b = udata;

	if (*e != page) {
		*e = page;
		__atomic_fetch_add(&b->tlb_misses, 1, __ATOMIC_RELAXED);
	}
}

static struct block *block_get(uint64_t vaddr, uint64_t insns)
{
	uint64_t h = (vaddr * 0x9e3779b97f4a7c15ull) ^ insns;
	struct block *b;

	pthread_mutex_lock(&lock);
	for (;; h++) {
		b = &blocks[(h >> 20) & (NBLOCKS - 1)];
		if (!b->insns || (b->vaddr == vaddr && b->insns == insns))
			break;
	}
	if (!b->insns && nblocks < NBLOCKS - 1) {
		b->vaddr = vaddr;
		b->insns = insns;
		nblocks++;
	} else if (!b->insns) {
		b = NULL;	/* table full: not counted */
	}
	pthread_mutex_unlock(&lock);
	return b;
}

static void tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	size_t i, n = qemu_plugin_tb_n_insns(tb);
	struct block *b = block_get(qemu_plugin_tb_vaddr(tb), n);

	if (!b)
		return;
	qemu_plugin_register_vcpu_tb_exec_cb(tb, block_exec, QEMU_PLUGIN_CB_NO_REGS, b);
	for (i = 0; model_tlb && i < n; i++)
		qemu_plugin_register_vcpu_mem_cb(qemu_plugin_tb_get_insn(tb, i), block_mem,
						 QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_MEM_RW, b);
}

static void at_exit(qemu_plugin_id_t id, void *udata)
{
	FILE *f = fopen(out_path, "w");
	unsigned int i;

	if (!f) {
		perror(out_path);
		return;
	}
	for (i = 0; i < NBLOCKS; i++)
		if (blocks[i].executions)
			fprintf(f, "%llx %llu %llu %llu\n", (unsigned long long)blocks[i].vaddr,
				(unsigned long long)blocks[i].insns,
				(unsigned long long)blocks[i].executions,
				(unsigned long long)blocks[i].tlb_misses);
	fclose(f);
}

EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const struct qemu_info_t *info,
			       int argc, char **argv)
{
	int i;

	for (i = 0; i < argc; i++) {
		if (!strncmp(argv[i], "out=", 4)) {
			out_path = argv[i] + 4;
		} else if (!strncmp(argv[i], "tlb=", 4)) {
			model_tlb = strtoul(argv[i] + 4, NULL, 0);
			if (model_tlb & (model_tlb - 1) || model_tlb > TLB_MAX_ENTRIES) {
				fprintf(stderr, "tbcount: tlb=N: a power of 2 up to %u\n",
					TLB_MAX_ENTRIES);
				return -1;
			}
		} else {
			fprintf(stderr, "tbcount: unknown argument %s\n", argv[i]);
			return -1;
		}
	}
	blocks = calloc(NBLOCKS, sizeof(*blocks));
	if (!blocks)
		return -1;
	qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
	qemu_plugin_register_atexit_cb(id, at_exit, NULL);
	return 0;
}
