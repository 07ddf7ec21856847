// SPDX-License-Identifier: GPL-2.0
/*
 * msocket_fuzz_ioctl: random ioctls on stack directories, on stack handles,
 * on /dev/msocket and on other files, each one checked against an oracle.
 *
 *   msocket_fuzz_ioctl [-s SEED] [-n CALLS] [-t SECONDS] [-j WORKERS] [-v]
 *
 * Commands are the six msocket ioctls, the same numbers with every other
 * direction and size, other numbers of the msocket type, the VFS's generic
 * ioctls and random numbers. Arguments are placed in a private arena with
 * a guard page, a read-only page and unmapped holes, so pointers can be
 * valid, unaligned, straddling a boundary, unmapped, read-only, NULL, small,
 * kernel or non-canonical; socket arguments are random domains, types and
 * protocols, in and out of range, with and without flags.
 *
 * The oracle predicts each result: EFAULT for an argument that cannot be
 * copied, the errno of openat(dirfd, path, O_PATH) for the path of
 * MSOCK_IOC_PATH_SOCKET and MSOCK_IOC_PATH_HANDLE, EINVAL, EACCES or EROFS
 * from the mode, owner and mount of the stack and the credentials of the
 * caller (a stack directory fd is a name: whoever opened it does not
 * matter), EROFS or EACCES for a stack handle whose mount is read-only or
 * that a chmod revoked, EAFNOSUPPORT for a family the stack does not serve
 * (families=), and for the socket itself what socket(2) says for the same
 * arguments (msocket only differs in judging the family before the type).
 * On a stack handle every other command, generic ones included, has its
 * exact errno too. A socket made must have the right family, type,
 * protocol, flags and network namespace; a stack handle made must be a
 * close-on-exec anonymous inode that makes sockets in the right stack and
 * does nothing else.
 *
 * Workers run in parallel: even ones as root, odd ones as an unprivileged
 * user (uid 1003, group 2001). Module autoloading is turned off while the
 * fuzzer runs (an empty /proc/sys/kernel/modprobe), so that the many
 * unknown families do not each spawn modprobe; it is restored at exit.
 */
#define _GNU_SOURCE
#include <netinet/in.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/un.h>

#include "msocket_helpers.h"

#define MSK_AF_MAX		46	/* AF_MAX of the kernel under test */
#define MSK_SOCK_MAX		11	/* SOCK_PACKET + 1 */
#define PG			4096UL
#define ARENA_ADDR		0x10000000000UL	/* far from other mappings */
#define ARENA_PAGES		9
#define MAX_TARGETS		64
#define MAX_REPORTS		25
#ifndef ANON_INODE_FS_MAGIC
#define ANON_INODE_FS_MAGIC	0x09041934
#endif
#define ALL_FAMILIES		(~0ULL)
#define FAM(f)			(1ULL << (f))
/* FS_XFLAGS_MASK of Linux 7.2 (include/linux/fileattr.h): FSSETXATTR's check */
#define MSK_FS_XFLAGS_MASK	0x800ffffbU

/* The VFS handles these before the file's ioctl: any errno is fine. */
static const unsigned int generic_cmds[] = {
	FIOCLEX, FIONCLEX, FIONBIO, FIOASYNC, FIOQSIZE, FIONREAD,
	_IOC(_IOC_READ | _IOC_WRITE, 'f', 11, 32),	/* FS_IOC_FIEMAP */
	_IO(0x00, 2),					/* FIGETBSZ */
	_IOC(_IOC_WRITE, 0x94, 9, 4),			/* FICLONE */
	_IOC(_IOC_WRITE, 0x94, 13, 32),			/* FICLONERANGE */
	_IOC(_IOC_READ | _IOC_WRITE, 0x94, 54, 24),	/* FIDEDUPERANGE */
	_IOC(_IOC_READ, 'f', 1, 8),			/* FS_IOC_GETFLAGS */
	_IOC(_IOC_WRITE, 'f', 2, 8),			/* FS_IOC_SETFLAGS */
	_IOC(_IOC_READ, 'X', 31, 28),			/* FS_IOC_FSGETXATTR */
	_IOC(_IOC_WRITE, 'X', 32, 28),			/* FS_IOC_FSSETXATTR */
	_IOC(_IOC_READ, 0x15, 0, 17),			/* FS_IOC_GETFSUUID */
	_IOC(_IOC_READ, 0x15, 1, 129),			/* FS_IOC_GETFSSYSFSPATH */
	/* last two: never on /dev/msocket (freezing devtmpfs would hurt) */
	_IOC(_IOC_READ | _IOC_WRITE, 'X', 119, 4),	/* FIFREEZE */
	_IOC(_IOC_READ | _IOC_WRITE, 'X', 120, 4),	/* FITHAW */
};

#define N_GENERIC	ARRAY_SIZE(generic_cmds)

enum tkind { T_STACK, T_DEV, T_HANDLE, T_OTHER };

/* Who calls: the permission model of the oracle. */
struct creds {
	uid_t uid;
	gid_t gid;
	gid_t group;	/* one supplementary group */
};

struct target {
	enum tkind kind;
	int fd;
	int bad_fd;		/* an O_PATH or closed fd: EBADF */
	const char *what;
	struct stat st;		/* of the stack root */
	int ro;			/* the stack's mount (the handle's) is read-only */
	int revoked;		/* a stack handle that a chmod revoked */
	uint64_t families;	/* served by the stack (families=) */
	unsigned long long cookie;
};

struct stack_desc {
	const char *name;
	const char *source;
	const char *options;
	unsigned long flags;
	uint64_t families;	/* what options say */
	char path[256];
	dev_t dev;
	unsigned long long cookie;
	unsigned long long ino;
	int ro;
};

/*
 * Stack handles made by root before the workers start (they inherit them):
 * through a stack directory or by path, live or revoked by a chmod of the
 * stack root to its own mode, on stacks that became read-only afterwards.
 */
struct handle_desc {
	const char *what;
	int stack;		/* stacks[] index of the mount it is made through */
	int by_path;		/* MSOCK_IOC_PATH_HANDLE, else MSOCK_IOC_GET_HANDLE */
	int revoked;		/* made before the chmod that revokes it */
	int fd;
};

/* Results of one worker, in memory shared with the parent. */
struct wres {
	long calls, mismatches, sockets, nsfds, infos, handles, efault, enotty, eacces;
	long exact, generic, sweep, other;
	int fds_before, fds_after, done;
	double secs;
};

/* A cache of what socket(2) says for (domain, type, protocol). */
struct ref {
	int valid, domain, type, protocol;
	int err, so_domain, so_type, so_protocol;
};

#define REF_SLOTS	4096

static struct stack_desc stacks[] = {
	{ "s0", "current", NULL, 0, ALL_FAMILIES },
	{ "s1", "netns=%s", "mode=0777", 0, ALL_FAMILIES },
	{ "s2", "current", "mode=0777", MS_RDONLY, ALL_FAMILIES },	/* ro after setup */
	{ "s3", "netns=%s", "uid=1003,gid=1003,mode=0", 0, ALL_FAMILIES },
	{ "s4", NULL, NULL, 0, ALL_FAMILIES },	/* read-only bind mount of s1 */
	{ "s5", "current", "gid=2001,mode=0730", 0, ALL_FAMILIES },
	{ "s6", "netns=/proc/self/ns/net", "mode=0703", 0, ALL_FAMILIES },
	{ "s7", "netns=%s", "mode=0777,families=inet:inet6", 0,
	  FAM(AF_INET) | FAM(AF_INET6) },
	{ "s8", "current", "gid=2001,mode=0770,families=unix:16:packet", 0,
	  FAM(AF_UNIX) | FAM(AF_NETLINK) | FAM(AF_PACKET) },
};

#define N_STACKS	ARRAY_SIZE(stacks)

static struct handle_desc handles[] = {
	{ "handle s1", 1, 0, 0 },	/* the sweep's: keep it first */
	{ "handle s0 (by path)", 0, 1, 0 },
	{ "handle s2 (ro now)", 2, 0, 0 },
	{ "handle s3 (mode 0, by path)", 3, 1, 0 },
	{ "handle s4 (ro bind now, by path)", 4, 1, 0 },
	{ "handle s5", 5, 0, 0 },
	{ "handle s6 (by path)", 6, 1, 0 },
	{ "handle s7 (inet, inet6)", 7, 0, 0 },
	{ "handle s8 (unix, netlink, packet; by path)", 8, 1, 0 },
	{ "revoked handle s1", 1, 0, 1 },
	{ "revoked handle s2 (ro now, by path)", 2, 1, 1 },
	{ "revoked handle s7 (by path)", 7, 1, 1 },
};

#define N_HANDLES	ARRAY_SIZE(handles)

static char dir[128], nsname[64];
static char saved_modprobe[256];
static int modprobe_changed;
static struct msk_opts opts = { .count = 50000, .jobs = 2 };

/* Per worker state. */
static uint64_t rng;
static char *arena;
static struct target targets[MAX_TARGETS];
static int ntargets;
static struct creds me;
static int registered[MSK_AF_MAX];
static struct ref refs[REF_SLOTS];
static struct wres *res;
static int worker_id;
static int dirfds[16], ndirfds;

static void restore_modprobe(void)
{
	if (modprobe_changed)
		msk_write_str("/proc/sys/kernel/modprobe", saved_modprobe);
	modprobe_changed = 0;
}

static void on_signal(int sig)
{
	restore_modprobe();
	signal(sig, SIG_DFL);
	raise(sig);
}

/* ---- the argument arena ---- */

/*
 * Pages: 0-3 read-write, 4 PROT_NONE (guard), 5 read-only, 6 unmapped,
 * 7 read-write, 8 unmapped. It sits at a fixed address far below the
 * mmap area, so the holes stay unmapped.
 */
static int arena_init(void)
{
	arena = mmap((void *)ARENA_ADDR, ARENA_PAGES * PG, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (arena == MAP_FAILED)
		return -1;
	if (mprotect(arena + 4 * PG, PG, PROT_NONE) ||
	    mprotect(arena + 5 * PG, PG, PROT_READ) ||
	    munmap(arena + 6 * PG, PG) || munmap(arena + 8 * PG, PG))
		return -1;
	return 0;
}

enum pkind {
	P_VALID,	/* pages 0-1, any alignment */
	P_END_GUARD,	/* ends exactly at the guard page */
	P_END_HOLE,	/* ends exactly at the last hole */
	P_RO,		/* in the read-only page */
	P_STRADDLE_GUARD,
	P_STRADDLE_HOLE,
	P_STRADDLE_RO,	/* read-only page into the unmapped one */
	P_GUARD,
	P_HOLE,
	P_NULL,
	P_LOW,
	P_KERNEL,
	P_NONCANON,
	P_TASK_END,	/* straddles the end of user space */
	P_MINUS,
	P_RANDOM,
	P_NKINDS
};

static const char *const pkind_names[] = {
	"valid", "end-guard", "end-hole", "ro", "straddle-guard", "straddle-hole",
	"straddle-ro", "guard", "hole", "null", "low", "kernel", "noncanonical",
	"task-end", "minus", "random",
};

/* Places that two objects of one call must not share. */
static int region(enum pkind k)
{
	switch (k) {
	case P_END_GUARD:
	case P_STRADDLE_GUARD:
		return 1;
	case P_END_HOLE:
	case P_STRADDLE_HOLE:
		return 2;
	case P_RO:
	case P_STRADDLE_RO:
		return 3;
	default:
		return 0;
	}
}

struct placed {
	enum pkind kind;
	char *ptr;
	int readable, writable;	/* all of it */
	size_t rlen, wlen;	/* how many bytes from ptr on can be read, written */
};

static enum pkind pick_pkind(void)
{
	uint32_t r = msk_below(&rng, 100);

	if (r < 55)
		return P_VALID;
	if (r < 62)
		return P_END_GUARD;
	if (r < 66)
		return P_END_HOLE;
	if (r < 72)
		return P_RO;
	return P_STRADDLE_GUARD + msk_below(&rng, P_NKINDS - P_STRADDLE_GUARD);
}

static void ro_write(char *p, const void *data, size_t len)
{
	mprotect(arena + 5 * PG, PG, PROT_READ | PROT_WRITE);
	memcpy(p, data, len);
	mprotect(arena + 5 * PG, PG, PROT_READ);
}

/*
 * Place len bytes of data. slot 0 and slot 1 never overlap: slot 0 uses
 * page 0 and the front half of the special places, slot 1 page 2 and the
 * back half (a string longer than half a page uses pages 1-3).
 */
static struct placed place(enum pkind kind, int slot, const void *data, size_t len)
{
	struct placed p = { .kind = kind, .readable = 1, .writable = 1,
			    .rlen = len, .wlen = len };
	size_t k;

	switch (kind) {
	case P_VALID:
		if (len > PG / 2)
			p.ptr = arena + PG + msk_below(&rng, 64);
		else
			p.ptr = arena + slot * 2 * PG + msk_below(&rng, PG - len);
		memcpy(p.ptr, data, len);
		return p;
	case P_END_GUARD:
		p.ptr = arena + 4 * PG - len;
		memcpy(p.ptr, data, len);
		return p;
	case P_END_HOLE:
		p.ptr = arena + 8 * PG - len;
		memcpy(p.ptr, data, len);
		return p;
	case P_RO:
		p.ptr = arena + 5 * PG + (slot ? PG / 2 : 0);
		if (len > PG / 2)
			p.ptr = arena + 5 * PG;
		ro_write(p.ptr, data, len);
		p.writable = 0;
		p.wlen = 0;
		return p;
	case P_STRADDLE_GUARD:
	case P_STRADDLE_HOLE:
	case P_STRADDLE_RO:
		k = len > 1 ? 1 + msk_below(&rng, len - 1) : 0;	/* bytes that fit */
		if (kind == P_STRADDLE_GUARD)
			p.ptr = arena + 4 * PG - k;
		else if (kind == P_STRADDLE_HOLE)
			p.ptr = arena + 8 * PG - k;
		else
			p.ptr = arena + 6 * PG - k;
		if (kind == P_STRADDLE_RO)
			ro_write(p.ptr, data, k);
		else
			memcpy(p.ptr, data, k);
		p.readable = p.writable = len == 0;
		p.rlen = k;
		p.wlen = kind == P_STRADDLE_RO ? 0 : k;
		return p;
	case P_GUARD:
		p.ptr = arena + 4 * PG + msk_below(&rng, PG);
		break;
	case P_HOLE:
		p.ptr = arena + (msk_chance(&rng, 50) ? 6 : 8) * PG + msk_below(&rng, PG);
		break;
	case P_NULL:
		p.ptr = NULL;
		break;
	case P_LOW:
		p.ptr = (char *)(uintptr_t)(1 + msk_below(&rng, 4095));
		break;
	case P_KERNEL:
		p.ptr = (char *)(uintptr_t)(0xffff888000000000ULL + (msk_rand(&rng) & 0xffffff8ULL));
		break;
	case P_NONCANON:
		p.ptr = (char *)(uintptr_t)(0x0000800000000000ULL - 64 + msk_below(&rng, 128));
		break;
	case P_TASK_END:
		p.ptr = (char *)(uintptr_t)(0x00007ffffffff000ULL - 1 - msk_below(&rng, 31));
		break;
	case P_MINUS:
		p.ptr = (char *)(uintptr_t)(-1 - (intptr_t)msk_below(&rng, 64));
		break;
	default:
		p.ptr = (char *)(uintptr_t)(msk_rand(&rng) | 0x8000000000000000ULL);
		break;
	}
	p.readable = p.writable = len == 0;
	p.rlen = p.wlen = 0;
	return p;
}

/* ---- the oracle ---- */

/* The errno (negative) inode_permission() gives. */
static int perm(const struct stat *st, int ro, const struct creds *c, int mask)
{
	int bits;

	if ((mask & 2) && ro)
		return -EROFS;
	if (c->uid == 0)
		return 0;	/* CAP_DAC_OVERRIDE */
	if (st->st_uid == c->uid)
		bits = st->st_mode >> 6;
	else if (st->st_gid == c->gid || st->st_gid == c->group)
		bits = st->st_mode >> 3;
	else
		bits = st->st_mode;
	return (bits & mask & 7) == (mask & 7) ? 0 : -EACCES;
}

static struct ref *reference(int domain, int type, int protocol)
{
	unsigned int h = ((unsigned int)domain * 2654435761U) ^
			 ((unsigned int)type * 40503U) ^ (unsigned int)protocol * 97U;
	struct ref *r = &refs[h % REF_SLOTS];
	socklen_t len = sizeof(int);
	int fd;

	if (r->valid && r->domain == domain && r->type == type && r->protocol == protocol)
		return r;
	memset(r, 0, sizeof(*r));
	r->valid = 1;
	r->domain = domain;
	r->type = type;
	r->protocol = protocol;
	fd = socket(domain, type, protocol);
	if (fd < 0) {
		r->err = errno;
		return r;
	}
	getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &r->so_domain, &len);
	getsockopt(fd, SOL_SOCKET, SO_TYPE, &r->so_type, &len);
	getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &r->so_protocol, &len);
	close(fd);
	return r;
}

/*
 * The socket layer's verdict (a negative errno), in msocket's order: a
 * family the stack does not serve, or that does not exist, before the type.
 */
static int expect_socket(int domain, int type, int protocol, uint64_t families,
			 struct ref **refp)
{
	unsigned int t = type;

	*refp = NULL;
	if (domain < 0 || domain >= MSK_AF_MAX || !(families & FAM(domain)))
		return -EAFNOSUPPORT;
	if ((t & ~0xfU & ~(unsigned int)(SOCK_CLOEXEC | SOCK_NONBLOCK)) ||
	    (t & 0xf) >= MSK_SOCK_MAX)
		return registered[domain] ? -EINVAL : -EAFNOSUPPORT;
	/* AF_INET + SOCK_PACKET is an AF_PACKET socket: packet must be served too */
	if (domain == AF_INET && (t & 0xf) == SOCK_PACKET && !(families & FAM(AF_PACKET)))
		return -EAFNOSUPPORT;
	*refp = reference(domain, type, protocol);
	return -(*refp)->err;
}

/* Check a socket msocket made; 0 if it is what socket(2) would have made. */
static int check_socket(int fd, int type, const struct ref *r, unsigned long long cookie,
			char *why, size_t whysz)
{
	int dom = -1, ty = -1, proto = -1, cloexec, nonblock;
	unsigned long long c = 0;
	socklen_t len = sizeof(int);

	getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &dom, &len);
	getsockopt(fd, SOL_SOCKET, SO_TYPE, &ty, &len);
	getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &len);
	len = sizeof(c);
	getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, &c, &len);
	cloexec = !!(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	nonblock = !!(fcntl(fd, F_GETFL) & O_NONBLOCK);
	if (dom != r->so_domain || ty != r->so_type || proto != r->so_protocol ||
	    c != cookie || cloexec != !!(type & SOCK_CLOEXEC) ||
	    nonblock != !!(type & SOCK_NONBLOCK)) {
		snprintf(why, whysz,
			 "socket %d/%d/%d cookie %llu cloexec %d nonblock %d, want %d/%d/%d cookie %llu",
			 dom, ty, proto, c, cloexec, nonblock, r->so_domain, r->so_type,
			 r->so_protocol, cookie);
		return -1;
	}
	return 0;
}

static unsigned long long cookie_of_dev(dev_t dev)
{
	unsigned int i;

	for (i = 0; i < N_STACKS; i++)
		if (stacks[i].dev == dev)
			return stacks[i].cookie;
	return 0;
}

static unsigned long long ino_of_dev(dev_t dev)
{
	unsigned int i;

	for (i = 0; i < N_STACKS; i++)
		if (stacks[i].dev == dev)
			return stacks[i].ino;
	return 0;
}

static uint64_t families_of_dev(dev_t dev)
{
	unsigned int i;

	for (i = 0; i < N_STACKS; i++)
		if (stacks[i].dev == dev)
			return stacks[i].families;
	return 0;
}

/* The value of "key:\t..." in /proc/self/fdinfo/FD, into buf; 0 or -1. */
static int fdinfo_value(int fd, const char *key, char *buf, size_t size)
{
	char path[64], text[1024], *p, *end;
	size_t klen = strlen(key);

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	if (read_small_file(path, text, sizeof(text)) < 0)
		return -1;
	for (p = text; p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		if (strncmp(p, key, klen) || p[klen] != ':' || p[klen + 1] != '\t')
			continue;
		p += klen + 2;
		end = strchrnul(p, '\n');
		snprintf(buf, size, "%.*s", (int)(end - p), p);
		return 0;
	}
	return -1;
}

/*
 * Check a stack handle that was just made: a close-on-exec anonymous inode
 * "[msocket]", not revoked, of the stack with this cookie, that answers no
 * other ioctl, is no directory, makes sockets of a family the stack serves
 * in the stack's netns and refuses those of a family it does not serve.
 */
static int check_handle(int fd, unsigned long long cookie, uint64_t families,
			char *why, size_t whysz)
{
	static const int probes[][2] = {
		{ AF_UNIX, SOCK_DGRAM }, { AF_INET, SOCK_DGRAM }, { AF_INET6, SOCK_DGRAM },
		{ AF_NETLINK, SOCK_RAW },
	};
	char link[64], path[64], val[64] = "", want[32];
	struct msock_socket_args sa = {};
	struct msock_stack_info info;
	unsigned long long c = 0;
	socklen_t len = sizeof(c);
	struct statfs sfs;
	unsigned int i;
	int s, dom = -1, served = -1, unserved = -1, err;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, link, sizeof(link) - 1);
	link[n > 0 ? n : 0] = '\0';
	if (fstatfs(fd, &sfs) || sfs.f_type != ANON_INODE_FS_MAGIC ||
	    strcmp(link, "anon_inode:[msocket]")) {
		snprintf(why, whysz, "handle is \"%s\" (f_type %#lx)", link,
			 (unsigned long)sfs.f_type);
		return -1;
	}
	if (!(fcntl(fd, F_GETFD) & FD_CLOEXEC)) {
		snprintf(why, whysz, "handle without FD_CLOEXEC");
		return -1;
	}
	snprintf(want, sizeof(want), "%llu", cookie);
	if (fdinfo_value(fd, "netns_cookie", val, sizeof(val)) || strcmp(val, want)) {
		snprintf(why, whysz, "handle fdinfo: netns_cookie \"%s\", want %s", val, want);
		return -1;
	}
	if (fdinfo_value(fd, "revoked", val, sizeof(val)) || strcmp(val, "0")) {
		snprintf(why, whysz, "new handle fdinfo: revoked \"%s\"", val);
		return -1;
	}
	err = ioctl(fd, MSOCK_IOC_STACK_INFO, &info) < 0 ? errno : 0;
	s = openat(fd, "..", O_PATH | O_CLOEXEC);
	if (s >= 0)
		close(s);
	if (err != ENOTTY || s >= 0 || errno != ENOTDIR) {
		snprintf(why, whysz, "handle: STACK_INFO %s, openat(\"..\") %s", msk_errname(err),
			 s >= 0 ? "opened" : msk_errname(errno));
		return -1;
	}
	for (i = 0; i < ARRAY_SIZE(probes); i++) {
		if (served < 0 && (families & FAM(probes[i][0])))
			served = i;
		if (unserved < 0 && !(families & FAM(probes[i][0])))
			unserved = i;
	}
	if (unserved >= 0) {
		sa.domain = probes[unserved][0];
		sa.type = probes[unserved][1];
		s = ioctl(fd, MSOCK_IOC_SOCKET, &sa);
		err = errno;
		if (s >= 0)
			close(s);
		if (s >= 0 || err != EAFNOSUPPORT) {
			snprintf(why, whysz, "handle: family %d not served, got %s", sa.domain,
				 s >= 0 ? "a socket" : msk_errname(err));
			return -1;
		}
	}
	if (served < 0)
		return 0;
	sa.domain = probes[served][0];
	sa.type = probes[served][1] | SOCK_CLOEXEC;
	s = ioctl(fd, MSOCK_IOC_SOCKET, &sa);
	if (s < 0) {
		snprintf(why, whysz, "no socket through the new handle: %s", msk_errname(errno));
		return -1;
	}
	getsockopt(s, SOL_SOCKET, SO_NETNS_COOKIE, &c, &len);
	len = sizeof(dom);
	getsockopt(s, SOL_SOCKET, SO_DOMAIN, &dom, &len);
	close(s);
	if (c != cookie || dom != sa.domain) {
		snprintf(why, whysz, "socket through the new handle: family %d cookie %llu, want %d %llu",
			 dom, c, sa.domain, cookie);
		return -1;
	}
	return 0;
}

/* What FICLONE and FICLONERANGE onto a stack handle give (-errno) for source fd. */
static int clone_result(unsigned int srcfd)
{
	int fd = (int)srcfd, fl = fcntl(fd, F_GETFL);
	struct statfs sfs;

	if (fl < 0 || (fl & O_PATH) || fstatfs(fd, &sfs))
		return -EBADF;	/* fdget() does not see O_PATH files */
	/* another superblock; on the same, not a regular file */
	return sfs.f_type == ANON_INODE_FS_MAGIC ? -EINVAL : -EXDEV;
}

/* ---- generators ---- */

static int gen_domain(void)
{
	static const int known[] = { AF_UNIX, AF_INET, AF_INET6, AF_NETLINK, AF_PACKET };
	uint32_t r = msk_below(&rng, 100);

	if (r < 55)
		return known[msk_below(&rng, ARRAY_SIZE(known))];
	if (r < 80)
		return msk_below(&rng, MSK_AF_MAX);
	switch (msk_below(&rng, 6)) {
	case 0: return -1;
	case 1: return MSK_AF_MAX;
	case 2: return MSK_AF_MAX + 1 + msk_below(&rng, 100);
	case 3: return INT32_MIN;
	case 4: return INT32_MAX;
	}
	return (int)msk_rand(&rng);
}

static int gen_type(void)
{
	uint32_t r = msk_below(&rng, 100);
	int t;

	if (r < 65) {
		static const int common[] = { SOCK_STREAM, SOCK_DGRAM, SOCK_RAW, SOCK_SEQPACKET };

		t = msk_chance(&rng, 70) ? common[msk_below(&rng, 4)] : (int)msk_below(&rng, 11);
		if (msk_chance(&rng, 30))
			t |= SOCK_CLOEXEC;
		if (msk_chance(&rng, 30))
			t |= SOCK_NONBLOCK;
		return t;
	}
	if (r < 78)
		return 11 + msk_below(&rng, 5);			/* beyond SOCK_PACKET */
	if (r < 88)
		return (1 + msk_below(&rng, 10)) | (1 << (4 + msk_below(&rng, 28)));
	if (r < 94)
		return -1;
	return (int)msk_rand(&rng);
}

static int gen_protocol(void)
{
	static const int known[] = {
		IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_RAW,
		IPPROTO_SCTP, IPPROTO_UDPLITE, 262 /* MPTCP */, 0x0300 /* ETH_P_ALL */,
		0x0008 /* ETH_P_IP, network order */, 1, 2, 15, 31,
	};
	uint32_t r = msk_below(&rng, 100);

	if (r < 50)
		return 0;
	if (r < 85)
		return known[msk_below(&rng, ARRAY_SIZE(known))];
	if (r < 92)
		return -1 - (int)msk_below(&rng, 3);
	return (int)msk_rand(&rng);
}

/* Mostly random; one time in three a socket that should work. */
static void gen_socket_args(int *domain, int *type, int *protocol)
{
	static const int good[][3] = {
		{ AF_INET, SOCK_STREAM, 0 }, { AF_INET, SOCK_DGRAM, 0 },
		{ AF_INET6, SOCK_STREAM, IPPROTO_TCP }, { AF_INET6, SOCK_DGRAM, 0 },
		{ AF_UNIX, SOCK_STREAM, 0 }, { AF_UNIX, SOCK_DGRAM, 0 },
		{ AF_UNIX, SOCK_SEQPACKET, 0 }, { AF_NETLINK, SOCK_RAW, 0 },
		{ AF_NETLINK, SOCK_DGRAM, 15 }, { AF_INET, SOCK_RAW, IPPROTO_ICMP },
		{ AF_PACKET, SOCK_RAW, 0x0300 }, { AF_PACKET, SOCK_DGRAM, 0 },
	};
	int i;

	if (msk_chance(&rng, 33)) {
		i = msk_below(&rng, ARRAY_SIZE(good));
		*domain = good[i][0];
		*type = good[i][1] | (msk_chance(&rng, 50) ? SOCK_CLOEXEC : 0) |
			(msk_chance(&rng, 30) ? SOCK_NONBLOCK : 0);
		*protocol = good[i][2];
		return;
	}
	*domain = gen_domain();
	*type = gen_type();
	*protocol = gen_protocol();
}

static void fill_random(void *buf, size_t len)
{
	unsigned char *p = buf;
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = msk_rand(&rng);
}

/* A path for MSOCK_IOC_PATH_SOCKET: text, or bytes without a NUL. */
static size_t gen_path(char *buf, size_t size, int *has_nul)
{
	static const char *const suffix[] = {
		"", "/", "/.", "/..", "/netns", "/nonexistent", "//", "/./", "/options/",
	};
	static const char *const rel[] = {
		"l1", "l0", "loop", "dangling", "lnetns", "file", "subdir", "fifo", "./s1", "../",
	};
	static const char *const other[] = {
		"", ".", "/", "..", "/dev/msocket", "/proc/self/ns/net", "/tmp", "/proc/self/fd/0",
		"//", "/var/run/netns",
	};
	int s = msk_below(&rng, N_STACKS);
	size_t n;

	*has_nul = 1;
	switch (msk_below(&rng, 20)) {
	case 0: case 1: case 2: case 3: case 4:
		n = snprintf(buf, size, "%s/%s%s", dir, stacks[s].name,
			     suffix[msk_chance(&rng, 60) ? 0 : msk_below(&rng, ARRAY_SIZE(suffix))]);
		break;
	case 5: case 6: case 7:
		n = snprintf(buf, size, "%s%s", stacks[s].name,
			     msk_chance(&rng, 70) ? "" : suffix[msk_below(&rng, ARRAY_SIZE(suffix))]);
		break;
	case 8:
		n = snprintf(buf, size, "%s", rel[msk_below(&rng, ARRAY_SIZE(rel))]);
		break;
	case 9:
		n = snprintf(buf, size, "%s", other[msk_below(&rng, ARRAY_SIZE(other))]);
		break;
	case 10:
		n = snprintf(buf, size, "/proc/self/fd/%d",
			     targets[msk_below(&rng, ntargets)].fd);
		break;
	case 11:	/* random bytes, NUL-terminated */
		n = 1 + msk_below(&rng, 40);
		fill_random(buf, n);
		buf[n] = '\0';
		n = strlen(buf);
		break;
	case 12:	/* a name component too long */
		n = 256 + msk_below(&rng, 64);
		memset(buf, 'x', n);
		buf[n] = '\0';
		break;
	case 13:	/* a path too long, or just short enough */
		n = 4090 + msk_below(&rng, 12);
		for (size_t i = 0; i < n; i++)
			buf[i] = (i % 2) ? '/' : '.';
		buf[0] = '/';
		buf[n] = '\0';
		break;
	case 14:	/* no NUL at all */
		n = 1 + msk_below(&rng, 64);
		memset(buf, 'a', n);
		*has_nul = 0;
		return n;
	default:
		n = snprintf(buf, size, "%s/%s", dir, stacks[s].name);
		break;
	}
	return n + 1;
}

/* ---- one call ---- */

struct call {
	const struct target *t;
	unsigned int cmd;
	char desc[512];
	int expect;		/* expected errno (0: success), -1: anything */
	int check;		/* what to verify on success: 'S', 'N', 'I', 'H', 'B' */
	int type;		/* socket type asked for */
	const struct ref *ref;
	unsigned long long cookie;	/* of the stack the socket must be in */
	unsigned long long ino;		/* of the netns an nsfs fd must name */
	uint64_t families;	/* served by the stack a new handle is of */
	char *info;		/* where STACK_INFO (or FIGETBSZ) writes */
};

static int is_generic(unsigned int cmd)
{
	unsigned int i;

	for (i = 0; i < N_GENERIC; i++)
		if (generic_cmds[i] == cmd)
			return 1;
	return 0;
}

static void report(long i, struct call *c, long got, int err, const char *why)
{
	res->mismatches++;
	if (res->mismatches > MAX_REPORTS)
		return;
	printf("# MISMATCH worker %d call %ld: %s on %s: want %s, got %ld (%s)%s%s\n",
	       worker_id, i, c->desc, c->t->what, msk_errname(c->expect), got,
	       got < 0 ? msk_errname(err) : "ok", why ? ": " : "", why ? why : "");
	fflush(stdout);
}

/*
 * What may the caller do with the stack of the target? The errno of a
 * socket (or handle) asked for through it before the socket layer has its
 * say: a stack directory is checked for the caller's credentials at every
 * call, a stack handle carries the right it was made with unless its mount
 * is read-only or a chmod revoked it.
 */
static int may_create(const struct target *t)
{
	if (t->kind == T_HANDLE)
		return t->ro ? EROFS : t->revoked ? EACCES : 0;
	return -perm(&t->st, t->ro, &me, 2);
}

/* MSOCK_IOC_SOCKET on a stack fd or a stack handle. */
static void prep_socket(struct call *c, void **arg)
{
	struct msock_socket_args a;
	enum pkind k = pick_pkind();
	struct placed p;

	gen_socket_args(&a.domain, &a.type, &a.protocol);
	a.flags = msk_chance(&rng, 90) ? 0 : (uint32_t)msk_rand(&rng) | 1;
	if (msk_chance(&rng, 5))
		fill_random(&a, sizeof(a));
	if (msk_chance(&rng, 25)) {	/* well-formed, to get past the checks */
		k = P_VALID;
		a.flags = 0;
	}
	p = place(k, 0, &a, sizeof(a));
	*arg = p.ptr;
	snprintf(c->desc, sizeof(c->desc), "SOCKET(%d,%#x,%d,flags %#x) arg %s",
		 a.domain, a.type, a.protocol, a.flags, pkind_names[k]);
	if (!p.readable) {
		c->expect = EFAULT;
		return;
	}
	if (a.flags) {
		c->expect = EINVAL;
		return;
	}
	c->expect = may_create(c->t);
	if (c->expect)
		return;
	c->expect = -expect_socket(a.domain, a.type, a.protocol, c->t->families,
				   (struct ref **)&c->ref);
	c->check = 'S';
	c->type = a.type;
	c->cookie = c->t->cookie;
}

/* MSOCK_IOC_PATH_SOCKET (handle = 0) or MSOCK_IOC_PATH_HANDLE on /dev/msocket. */
static void prep_path(struct call *c, void **arg, int handle)
{
	struct msock_path_socket_args a = {};
	struct msock_path_handle_args h = {};
	static char path[8192];
	enum pkind ka = pick_pkind(), ks = pick_pkind();
	struct placed pa, ps;
	int has_nul, dirfd, fd, nofollow;
	uint64_t apath;
	unsigned int aflags;
	size_t len;
	struct statfs sfs;
	struct statvfs svfs;
	struct stat st;

	len = gen_path(path, sizeof(path) - 1, &has_nul);
	if (len > PG / 2 || (region(ks) && region(ks) == region(ka)))
		ks = P_VALID;
	if (!has_nul) {
		/* no NUL: let the string run into a fault, away from the args */
		ks = region(ka) == 1 ? P_STRADDLE_HOLE : P_STRADDLE_GUARD;
		len++;
	}
	ps = place(ks, 1, path, len);
	dirfd = dirfds[msk_below(&rng, ndirfds)];
	if (msk_chance(&rng, 5))
		dirfd = (int)msk_rand(&rng);
	nofollow = msk_chance(&rng, 20);
	if (handle) {
		h.path = (uintptr_t)ps.ptr;
		h.dirfd = dirfd;
		h.flags = nofollow ? MSOCK_PATH_NOFOLLOW : 0;
		if (msk_chance(&rng, 7))
			h.flags = msk_rand(&rng);
		if (msk_chance(&rng, 3))
			fill_random(&h, sizeof(h));
		pa = place(ka, 0, &h, sizeof(h));
		apath = h.path;
		aflags = h.flags;
		snprintf(c->desc, sizeof(c->desc),
			 "PATH_HANDLE(\"%.60s\"%s [%s], dirfd %d, flags %#x) arg %s",
			 ps.readable ? path : "?", len > 61 ? "..." : "", pkind_names[ps.kind],
			 h.dirfd, h.flags, pkind_names[ka]);
	} else {
		a.path = (uintptr_t)ps.ptr;
		a.dirfd = dirfd;
		gen_socket_args(&a.domain, &a.type, &a.protocol);
		a.flags = nofollow ? MSOCK_PATH_NOFOLLOW : 0;
		if (msk_chance(&rng, 5))
			a.flags = msk_rand(&rng);
		if (msk_chance(&rng, 5))
			a.reserved = msk_rand(&rng) | 1;
		if (msk_chance(&rng, 3))
			fill_random(&a, sizeof(a));
		pa = place(ka, 0, &a, sizeof(a));
		apath = a.path;
		aflags = a.flags;
		dirfd = a.dirfd;
		snprintf(c->desc, sizeof(c->desc),
			 "PATH_SOCKET(\"%.60s\"%s [%s], dirfd %d, %d,%#x,%d, flags %#x, res %#x) arg %s",
			 ps.readable ? path : "?", len > 61 ? "..." : "", pkind_names[ps.kind],
			 a.dirfd, a.domain, a.type, a.protocol, a.flags, a.reserved,
			 pkind_names[ka]);
	}
	if (handle)
		dirfd = h.dirfd;
	*arg = pa.ptr;
	if (!pa.readable) {
		c->expect = EFAULT;
		return;
	}
	if ((aflags & ~MSOCK_PATH_FLAGS) || (!handle && a.reserved)) {
		c->expect = EINVAL;
		return;
	}
	if ((uintptr_t)apath != (uintptr_t)ps.ptr || !ps.readable) {
		/* random bytes replaced the pointer: it is almost surely bad */
		c->expect = (uintptr_t)apath == (uintptr_t)ps.ptr ? EFAULT : -1;
		return;
	}
	/* The path walk: exactly what openat(O_PATH) finds. */
	fd = openat(dirfd, path, O_PATH | O_CLOEXEC |
		    ((aflags & MSOCK_PATH_NOFOLLOW) ? O_NOFOLLOW : 0));
	if (fd < 0) {
		c->expect = errno;
		return;
	}
	if (fstatfs(fd, &sfs) || fstat(fd, &st) || fstatvfs(fd, &svfs) ||
	    sfs.f_type != MSOCKFS_MAGIC || st.st_ino != 1) {
		close(fd);
		c->expect = EOPNOTSUPP;
		return;
	}
	close(fd);
	c->expect = -perm(&st, !!(svfs.f_flag & ST_RDONLY), &me, 2);
	if (c->expect)
		return;
	c->cookie = cookie_of_dev(st.st_dev);
	if (handle) {
		c->check = 'H';
		c->families = families_of_dev(st.st_dev);
		return;
	}
	c->expect = -expect_socket(a.domain, a.type, a.protocol, families_of_dev(st.st_dev),
				   (struct ref **)&c->ref);
	c->check = 'S';
	c->type = a.type;
}

static void prep_stack_info(struct call *c, void **arg)
{
	struct msock_stack_info junk;
	enum pkind k = pick_pkind();
	struct placed p;

	fill_random(&junk, sizeof(junk));
	p = place(k, 0, &junk, sizeof(junk));
	*arg = p.ptr;
	snprintf(c->desc, sizeof(c->desc), "STACK_INFO arg %s", pkind_names[k]);
	c->expect = -perm(&c->t->st, 0, &me, 4);
	if (c->expect)
		return;
	if (!p.writable) {
		c->expect = EFAULT;
		return;
	}
	c->check = 'I';
	c->info = p.ptr;
}

static void prep_get_netns(struct call *c, void **arg)
{
	*arg = place(pick_pkind(), 0, "", 0).ptr;
	snprintf(c->desc, sizeof(c->desc), "GET_NETNS");
	c->expect = -perm(&c->t->st, c->t->ro, &me, 2);
	if (c->expect)
		return;
	if (me.uid != 0) {
		c->expect = EPERM;	/* CAP_NET_ADMIN over the netns */
		return;
	}
	c->check = 'N';
	c->ino = ino_of_dev(c->t->st.st_dev);
}

/* MSOCK_IOC_GET_HANDLE: the argument is a number that must be 0. */
static void prep_get_handle(struct call *c, void **arg)
{
	unsigned long v;

	switch (msk_below(&rng, 10)) {
	case 0:
		v = 1;
		break;
	case 1:
		v = (unsigned long)place(pick_pkind(), 0, "", 0).ptr;
		break;
	case 2:
		v = 1UL << (32 + msk_below(&rng, 32));	/* not 0 beyond an int */
		break;
	case 3:
		v = msk_rand(&rng);
		break;
	default:
		v = 0;
		break;
	}
	*arg = (void *)v;
	snprintf(c->desc, sizeof(c->desc), "GET_HANDLE arg %#lx", v);
	if (v) {
		c->expect = EINVAL;
		return;
	}
	c->expect = -perm(&c->t->st, c->t->ro, &me, 2);
	if (c->expect)
		return;
	c->check = 'H';
	c->cookie = c->t->cookie;
	c->families = c->t->families;
}

/* A source fd for FICLONE and FICLONERANGE: open, closed, O_PATH, handles. */
static long gen_clone_src(const struct target *t)
{
	long fd = targets[msk_below(&rng, ntargets)].fd;

	switch (msk_below(&rng, 6)) {
	case 0:
		return t->fd;
	case 1:
		return 1000 + msk_below(&rng, 24);	/* closed */
	case 2:
		return -1 - (long)msk_below(&rng, 2);
	case 3:		/* the upper half is ignored */
		return ((long)(1 + msk_below(&rng, 0x7fff)) << 32) | (uint32_t)t->fd;
	}
	return fd;
}

/*
 * A generic ioctl on a stack handle, an anonymous inode that is neither a
 * directory nor a regular file and has no fileattr, fiemap, fasync or freeze
 * operations: the VFS's answer is known for each (fs/ioctl.c).
 */
static void prep_handle_generic(struct call *c, void **arg)
{
	unsigned char buf[128];
	enum pkind k = pick_pkind();
	unsigned int cmd = c->cmd, v, count;
	struct placed p;
	long src;

	fill_random(buf, sizeof(buf));
	snprintf(c->desc, sizeof(c->desc), "generic cmd %#x arg %s", cmd, pkind_names[k]);
	switch (cmd) {
	case FIOCLEX:
	case FIONCLEX:
		*arg = place(k, 0, buf, 0).ptr;
		c->expect = 0;
		return;
	case FIONBIO:
	case FIOASYNC:
		v = msk_chance(&rng, 50) ? 0 : (uint32_t)msk_rand(&rng) | 1;
		p = place(k, 0, &v, sizeof(v));
		*arg = p.ptr;
		snprintf(c->desc, sizeof(c->desc), "%s(%u) arg %s",
			 cmd == FIONBIO ? "FIONBIO" : "FIOASYNC", v, pkind_names[k]);
		if (!p.readable)
			c->expect = EFAULT;
		else	/* FASYNC on needs ->fasync */
			c->expect = cmd == FIOASYNC && v ? ENOTTY : 0;
		return;
	case _IO(0x00, 2):	/* FIGETBSZ */
		p = place(k, 0, buf, sizeof(int));
		*arg = p.ptr;
		c->expect = p.writable ? 0 : EFAULT;
		c->check = 'B';
		c->info = p.ptr;
		return;
	case _IOC(_IOC_WRITE, 0x94, 9, 4):	/* FICLONE: the argument is an fd */
		src = gen_clone_src(c->t);
		*arg = (void *)src;
		snprintf(c->desc, sizeof(c->desc), "FICLONE from fd %ld", src);
		c->expect = -clone_result((unsigned int)src);
		return;
	case _IOC(_IOC_WRITE, 0x94, 13, 32): {	/* FICLONERANGE */
		int64_t range[4] = { gen_clone_src(c->t), msk_rand(&rng), msk_rand(&rng),
				     msk_rand(&rng) };

		p = place(k, 0, range, sizeof(range));
		*arg = p.ptr;
		snprintf(c->desc, sizeof(c->desc), "FICLONERANGE from fd %lld arg %s",
			 (long long)range[0], pkind_names[k]);
		c->expect = p.readable ? -clone_result((unsigned int)range[0]) : EFAULT;
		return;
	}
	case _IOC(_IOC_READ | _IOC_WRITE, 0x94, 54, 24):	/* FIDEDUPERANGE */
		/* src_offset, src_length, u16 dest_count, reserved1, reserved2, info[] */
		count = msk_chance(&rng, 15) ? 128 + msk_below(&rng, 0xff80) : msk_below(&rng, 4);
		buf[16] = count & 0xff;
		buf[17] = count >> 8;
		if (msk_chance(&rng, 50))
			memset(buf + 18, 0, 6);
		p = place(k, 0, buf, count > 3 ? 24 : 24 + 32 * count);
		*arg = p.ptr;
		snprintf(c->desc, sizeof(c->desc), "FIDEDUPERANGE(count %u) arg %s", count,
			 pkind_names[k]);
		if (p.rlen < 18)
			c->expect = EFAULT;	/* dest_count */
		else if (count > 127)
			c->expect = ENOMEM;	/* more than a page */
		else if (!p.readable)
			c->expect = EFAULT;
		else	/* reserved set, or not a regular file */
			c->expect = EINVAL;
		return;
	case _IOC(_IOC_WRITE, 'f', 2, 8):	/* FS_IOC_SETFLAGS: an int */
		p = place(k, 0, buf, sizeof(int));
		*arg = p.ptr;
		c->expect = p.readable ? ENOTTY : EFAULT;
		return;
	case _IOC(_IOC_WRITE, 'X', 32, 28):	/* FS_IOC_FSSETXATTR */
		v = msk_below(&rng, 3) == 0 ? 0 : msk_chance(&rng, 50) ? FAM(msk_below(&rng, 20)) :
		    (uint32_t)msk_rand(&rng);
		memcpy(buf, &v, sizeof(v));
		p = place(k, 0, buf, 28);
		*arg = p.ptr;
		snprintf(c->desc, sizeof(c->desc), "FSSETXATTR(xflags %#x) arg %s", v,
			 pkind_names[k]);
		c->expect = !p.readable ? EFAULT : (v & ~MSK_FS_XFLAGS_MASK) ? EOPNOTSUPP : ENOTTY;
		return;
	case _IOC(_IOC_READ | _IOC_WRITE, 'f', 11, 32):	/* FS_IOC_FIEMAP */
		*arg = place(k, 0, buf, 32).ptr;
		c->expect = EOPNOTSUPP;	/* no ->fiemap, before the copy */
		return;
	case _IOC(_IOC_READ | _IOC_WRITE, 'X', 119, 4):	/* FIFREEZE */
	case _IOC(_IOC_READ | _IOC_WRITE, 'X', 120, 4):	/* FITHAW */
		*arg = place(k, 0, buf, 4).ptr;
		if (me.uid)
			c->expect = EPERM;	/* CAP_SYS_ADMIN over the anon sb's userns */
		else	/* no freeze operation; not frozen */
			c->expect = _IOC_NR(cmd) == 119 ? EOPNOTSUPP : EINVAL;
		return;
	}
	/*
	 * FIOQSIZE, FIONREAD, GETFLAGS, FSGETXATTR, GETFSUUID, GETFSSYSFSPATH:
	 * nothing to report (no size, no fileattr, no uuid, no sysfs name), or
	 * the file's own ioctl, which knows only MSOCK_IOC_SOCKET.
	 */
	*arg = place(k, 0, buf, sizeof(buf)).ptr;
	c->expect = ENOTTY;
}

/* Anything that is not one of the commands of its file (or not on its file). */
static void prep_other(struct call *c, void **arg, int generic)
{
	char junk[256];
	enum pkind k = pick_pkind();

	fill_random(junk, sizeof(junk));
	*arg = place(k, 0, junk, sizeof(junk)).ptr;
	snprintf(c->desc, sizeof(c->desc), "cmd %#x (type %#x nr %#x size %u dir %u) arg %s",
		 c->cmd, _IOC_TYPE(c->cmd), _IOC_NR(c->cmd), _IOC_SIZE(c->cmd),
		 _IOC_DIR(c->cmd), pkind_names[k]);
	c->expect = generic ? -1 : ENOTTY;
}

static unsigned int exact_cmd(const struct target *t)
{
	static const unsigned int stack_cmds[] = {
		MSOCK_IOC_SOCKET, MSOCK_IOC_SOCKET, MSOCK_IOC_SOCKET, MSOCK_IOC_SOCKET,
		MSOCK_IOC_SOCKET, MSOCK_IOC_STACK_INFO, MSOCK_IOC_STACK_INFO, MSOCK_IOC_GET_NETNS,
		MSOCK_IOC_GET_HANDLE, MSOCK_IOC_GET_HANDLE,
	};

	if (t->kind == T_DEV)
		return msk_chance(&rng, 70) ? MSOCK_IOC_PATH_SOCKET : MSOCK_IOC_PATH_HANDLE;
	if (t->kind == T_HANDLE)
		return MSOCK_IOC_SOCKET;
	return stack_cmds[msk_below(&rng, ARRAY_SIZE(stack_cmds))];
}

/* cmd if it is one of the commands of t's kind of file, else 0 */
static unsigned int exact_cmd_of(const struct target *t, unsigned int cmd)
{
	if (t->kind == T_DEV)
		return cmd == MSOCK_IOC_PATH_SOCKET || cmd == MSOCK_IOC_PATH_HANDLE ? cmd : 0;
	if (t->kind == T_HANDLE)
		return cmd == MSOCK_IOC_SOCKET ? cmd : 0;
	if (t->kind == T_STACK && (cmd == MSOCK_IOC_SOCKET || cmd == MSOCK_IOC_GET_NETNS ||
				   cmd == MSOCK_IOC_STACK_INFO || cmd == MSOCK_IOC_GET_HANDLE))
		return cmd;
	return 0;
}

/* The numbers of the six commands. */
static const unsigned int msock_nrs[] = { 0x01, 0x02, 0x03, 0x04, 0x10, 0x11 };

static unsigned int random_cmd(const struct target *t, int *generic)
{
	static const unsigned int not_on_handles[] = {
		MSOCK_IOC_GET_NETNS, MSOCK_IOC_STACK_INFO, MSOCK_IOC_GET_HANDLE,
		MSOCK_IOC_PATH_SOCKET, MSOCK_IOC_PATH_HANDLE,
	};
	uint32_t r = msk_below(&rng, 100);
	unsigned int n;

	*generic = 0;
	if (r < 15) {	/* another file's command */
		if (t->kind == T_DEV)
			return msk_chance(&rng, 80) ? exact_cmd(&targets[0]) : MSOCK_IOC_SOCKET;
		if (t->kind == T_HANDLE)
			return not_on_handles[msk_below(&rng, ARRAY_SIZE(not_on_handles))];
		return msk_chance(&rng, 60) ? MSOCK_IOC_PATH_SOCKET : MSOCK_IOC_PATH_HANDLE;
	}
	if (r < 55 || t->kind == T_OTHER) {	/* only msocket's type on others */
		n = msk_chance(&rng, 50) ? msock_nrs[msk_below(&rng, ARRAY_SIZE(msock_nrs))] :
					   msk_below(&rng, 256);
		return _IOC(msk_below(&rng, 4), MSOCKIO, n,
			    msk_chance(&rng, 50) ? msk_below(&rng, 1 << 14) :
						   8 * (1 + msk_below(&rng, 5)) + msk_below(&rng, 3) - 1);
	}
	if (r < 70) {
		n = msk_below(&rng, t->kind == T_DEV ? N_GENERIC - 2 : N_GENERIC);
		*generic = 1;
		return generic_cmds[n];
	}
	if (r < 80)
		return _IOC(msk_below(&rng, 4), MSOCKIO - 1 + 2 * msk_below(&rng, 2),
			    msk_below(&rng, 256), msk_below(&rng, 1 << 14));
	n = msk_rand(&rng);
	*generic = is_generic(n);
	return n;
}

/*
 * The systematic part: every direction and size of the six numbers, on a
 * stack, on /dev/msocket and on a stack handle (72 combinations of 2^14
 * sizes, shared out among the workers). The combinations vary fastest, so
 * that a sweep cut short by -n still covers all of them at the small
 * sizes, where the commands' own sizes are.
 */
#define SWEEP_TARGETS	3	/* targets[0..2] */
#define SWEEP_COMBOS	(SWEEP_TARGETS * ARRAY_SIZE(msock_nrs) * 4)
#define SWEEP_SPACE	((long)SWEEP_COMBOS << _IOC_SIZEBITS)

static unsigned int sweep_cmd(long i, const struct target **t)
{
	unsigned long v = i * opts.jobs + worker_id;
	unsigned long combo = v % SWEEP_COMBOS, size = v / SWEEP_COMBOS;

	*t = &targets[combo % SWEEP_TARGETS];
	combo /= SWEEP_TARGETS;
	return _IOC(combo / ARRAY_SIZE(msock_nrs), MSOCKIO,
		    msock_nrs[combo % ARRAY_SIZE(msock_nrs)], size);
}

static int verify(struct call *c, long ret, char *why, size_t whysz)
{
	struct msock_stack_info info;
	struct stat st;
	int ok = 0, bsz;

	switch (c->check) {
	case 'S':
		res->sockets++;
		ok = check_socket(ret, c->type, c->ref, c->cookie, why, whysz);
		close(ret);
		return ok;
	case 'N':
		res->nsfds++;
		if (fstat(ret, &st) || st.st_ino != c->ino ||
		    !(fcntl(ret, F_GETFD) & FD_CLOEXEC)) {
			snprintf(why, whysz, "nsfs fd of inode %lu, want %llu",
				 (unsigned long)st.st_ino, c->ino);
			ok = -1;
		}
		close(ret);
		return ok;
	case 'H':
		res->handles++;
		ok = check_handle(ret, c->cookie, c->families, why, whysz);
		close(ret);
		return ok;
	case 'I':
		res->infos++;
		memcpy(&info, c->info, sizeof(info));
		if (ret != 0 || info.netns_cookie != c->t->cookie ||
		    info.netns_ino != ino_of_dev(c->t->st.st_dev) ||
		    info.uid != c->t->st.st_uid || info.gid != c->t->st.st_gid ||
		    info.mode != (c->t->st.st_mode & 07777) || info.reserved) {
			snprintf(why, whysz, "info ino %llu cookie %llu uid %u gid %u mode %o res %u",
				 (unsigned long long)info.netns_ino,
				 (unsigned long long)info.netns_cookie, info.uid, info.gid,
				 info.mode, info.reserved);
			return -1;
		}
		return 0;
	case 'B':	/* FIGETBSZ on a handle: the anon inode fs's block size */
		memcpy(&bsz, c->info, sizeof(bsz));
		if (ret != 0 || bsz != (int)PG) {
			snprintf(why, whysz, "block size %d, want %lu", bsz, PG);
			return -1;
		}
		return 0;
	}
	/* a generic command may return an fd-like number: only close ours */
	return 0;
}

/* Does the command return a new fd of ours on success? */
static int makes_fd(unsigned int cmd)
{
	return cmd == MSOCK_IOC_SOCKET || cmd == MSOCK_IOC_PATH_SOCKET ||
	       cmd == MSOCK_IOC_GET_NETNS || cmd == MSOCK_IOC_GET_HANDLE ||
	       cmd == MSOCK_IOC_PATH_HANDLE;
}

static void one_call(long i, int sweeping)
{
	struct call c = { .expect = -1 };
	void *arg = NULL;
	char why[256] = "";
	long ret;
	int err, generic = 0;

	if (sweeping) {
		c.cmd = sweep_cmd(i, &c.t);
		res->sweep++;
	} else {
		c.t = &targets[msk_below(&rng, ntargets)];
		c.cmd = msk_chance(&rng, 55) && c.t->kind != T_OTHER ?
			exact_cmd(c.t) : random_cmd(c.t, &generic);
	}
	switch (c.t->kind == T_OTHER ? 0 : exact_cmd_of(c.t, c.cmd)) {
	case MSOCK_IOC_SOCKET:
		prep_socket(&c, &arg);
		break;
	case MSOCK_IOC_STACK_INFO:
		prep_stack_info(&c, &arg);
		break;
	case MSOCK_IOC_GET_NETNS:
		prep_get_netns(&c, &arg);
		break;
	case MSOCK_IOC_GET_HANDLE:
		prep_get_handle(&c, &arg);
		break;
	case MSOCK_IOC_PATH_SOCKET:
		prep_path(&c, &arg, 0);
		break;
	case MSOCK_IOC_PATH_HANDLE:
		prep_path(&c, &arg, 1);
		break;
	default:
		if (c.t->kind == T_HANDLE && is_generic(c.cmd))
			prep_handle_generic(&c, &arg);
		else
			prep_other(&c, &arg, generic || is_generic(c.cmd));
		break;
	}
	if (c.t->bad_fd)
		c.expect = EBADF;
	if (c.cmd == exact_cmd_of(c.t, c.cmd))
		res->exact++;
	else if (is_generic(c.cmd))
		res->generic++;
	else
		res->other++;

	errno = 0;
	ret = ioctl(c.t->fd, c.cmd, arg);
	err = ret < 0 ? errno : 0;
	res->calls++;
	if (err == EFAULT)
		res->efault++;
	else if (err == ENOTTY)
		res->enotty++;
	else if (err == EACCES)
		res->eacces++;

	if (c.expect < 0) {
		/* anything goes, but a new fd made by a msocket command is closed */
		if (ret > 2 && c.t->kind != T_OTHER && fcntl(ret, F_GETFD) >= 0 &&
		    !is_generic(c.cmd))
			close(ret);
		return;
	}
	if (c.expect != err || (c.expect == 0 && ret < 0)) {
		if (ret > 2 && makes_fd(c.cmd))
			close(ret);
		report(i, &c, ret, err, NULL);
		return;
	}
	if (ret >= 0 && verify(&c, ret, why, sizeof(why)))
		report(i, &c, ret, err, why);
}

/* ---- setup ---- */

static struct target *add_target(enum tkind kind, int fd, const char *what, int bad)
{
	struct target *t = &targets[ntargets++];
	struct statvfs svfs;

	t->kind = kind;
	t->fd = fd;
	t->what = what;
	t->bad_fd = bad;
	if (kind == T_STACK) {
		fstat(fd, &t->st);
		fstatvfs(fd, &svfs);
		t->ro = !!(svfs.f_flag & ST_RDONLY);
		t->cookie = cookie_of_dev(t->st.st_dev);
		t->families = families_of_dev(t->st.st_dev);
	}
	return t;
}

/* A stack handle made through the mount of stacks[stack]. */
static void add_handle_target(int fd, const char *what, int stack, int revoked)
{
	struct target *t = add_target(T_HANDLE, fd, what, 0);

	t->ro = stacks[stack].ro;
	t->revoked = revoked;
	t->cookie = stacks[stack].cookie;
	t->families = stacks[stack].families;
}

static int open_stack(int i)
{
	char path[300];

	snprintf(path, sizeof(path), "%s/%s", dir, stacks[i].name);
	return open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

static void worker(int id, struct wres *r)
{
	static const struct creds root = { 0, 0, 0 };
	static const char *const names[] = {
		"s0(root)", "s1(root)", "s2(root)", "s3(root)", "s4(root)", "s5(root)", "s6(root)",
		"s7(root)", "s8(root)",
	};
	static const char *const own[] = { "s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8" };
	static const char *const own_handles[] = {
		"own handle s0", "own handle s1", "own handle s2", "own handle s3",
		"own handle s4", "own handle s5", "own handle s6", "own handle s7",
		"own handle s8",
	};
	int rootfds[N_STACKS], fd, h, p[2], sp[2], unpriv = id & 1;
	unsigned int i;
	double start, end;
	char path[300];
	long n, sweep_len;

	worker_id = id;
	res = r;
	rng = opts.seed ^ (0x5851f42d4c957f2dULL * (id + 1));
	if (arena_init())
		_exit(80);
	for (i = 0; i < N_STACKS; i++)
		rootfds[i] = open_stack(i);
	me = root;
	if (unpriv) {
		gid_t g = MSK_GID_S;

		me.uid = MSK_UID_C;
		me.gid = MSK_UID_C;
		me.group = MSK_GID_S;
		if (msk_become(MSK_UID_C, MSK_UID_C, 1, &g))
			_exit(81);
	}
	/*
	 * targets[0]: a stack; targets[1]: /dev/msocket; targets[2]: a stack
	 * handle (the sweep uses these three)
	 */
	add_target(T_STACK, rootfds[1], names[1], 0);
	fd = open(MSOCKET_DEVICE, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		_exit(82);
	add_target(T_DEV, fd, "/dev/msocket", 0);
	for (i = 0; i < N_HANDLES; i++)
		add_handle_target(handles[i].fd, handles[i].what, handles[i].stack,
				  handles[i].revoked);
	for (i = 0; i < N_STACKS; i++)
		if (i != 1)
			add_target(T_STACK, rootfds[i], names[i], 0);
	if (unpriv)
		for (i = 0; i < N_STACKS; i++) {
			fd = open_stack(i);
			if (fd < 0)
				continue;
			add_target(T_STACK, fd, own[i], 0);
			/* handles of its own, where it may make them */
			h = ioctl(fd, MSOCK_IOC_GET_HANDLE, 0);
			if (h >= 0)
				add_handle_target(h, own_handles[i], i, 0);
		}
	add_target(T_DEV, targets[1].fd, "/dev/msocket", 0);	/* weight */
	snprintf(path, sizeof(path), "%s/s0/netns", dir);
	add_target(T_OTHER, open(path, O_RDONLY | O_CLOEXEC), "info file", 0);
	snprintf(path, sizeof(path), "%s/file", dir);
	add_target(T_OTHER, open(path, O_RDONLY | O_CLOEXEC), "regular file", 0);
	if (pipe2(p, O_CLOEXEC) == 0)
		add_target(T_OTHER, p[0], "pipe", 0);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == 0)
		add_target(T_OTHER, sp[0], "unix socket", 0);
	add_target(T_OTHER, open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC), "nsfs", 0);
	snprintf(path, sizeof(path), "%s/s1", dir);
	add_target(T_OTHER, open(path, O_PATH | O_CLOEXEC), "O_PATH stack", 1);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", handles[0].fd);
	fd = open(path, O_PATH | O_CLOEXEC);
	if (fd >= 0)
		add_target(T_OTHER, fd, "O_PATH stack handle", 1);
	add_target(T_OTHER, 1000, "closed fd", 1);
	add_target(T_OTHER, -1, "fd -1", 1);

	dirfds[ndirfds++] = AT_FDCWD;
	dirfds[ndirfds++] = AT_FDCWD;
	dirfds[ndirfds++] = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	dirfds[ndirfds++] = open(dir, O_PATH | O_CLOEXEC);
	dirfds[ndirfds++] = rootfds[1];
	snprintf(path, sizeof(path), "%s/file", dir);
	dirfds[ndirfds++] = open(path, O_RDONLY | O_CLOEXEC);
	dirfds[ndirfds++] = handles[0].fd;	/* no path walk starts from a handle */
	dirfds[ndirfds++] = -1;
	dirfds[ndirfds++] = 4095;

	for (i = 0; i < MSK_AF_MAX; i++) {
		fd = socket(i, SOCK_DGRAM, 0);
		registered[i] = !(fd < 0 && errno == EAFNOSUPPORT);
		if (fd >= 0)
			close(fd);
	}

	r->fds_before = msk_count_fds();
	n = opts.count / opts.jobs + (id < opts.count % opts.jobs);
	sweep_len = (SWEEP_SPACE + opts.jobs - 1) / opts.jobs;
	if (sweep_len > n * 3 / 5)
		sweep_len = n * 3 / 5;
	start = msk_now();
	end = opts.seconds > 0 ? start + opts.seconds : 0;
	for (long c = 0; c < n; c++) {
		one_call(c, c < sweep_len);
		if (end && !(c & 255) && msk_now() > end)
			break;
	}
	r->secs = msk_now() - start;
	r->fds_after = msk_count_fds();
	r->done = 1;
	fflush(stdout);
	_exit(0);
}

static int make_handle(const struct handle_desc *hd)
{
	int fd, h;

	if (hd->by_path)
		return msock_path_handle(stacks[hd->stack].path, 0);
	fd = open(stacks[hd->stack].path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	h = msock_get_handle(fd);
	close(fd);
	return h;
}

/*
 * The stack handles, made by root: those to revoke first, then a chmod of
 * their stacks' roots to the mode they have (any change of mode revokes),
 * then the live ones; s2 and s4 become read-only only after that.
 */
static int setup_handles(void)
{
	unsigned int i, pass;
	struct stat st;

	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < N_HANDLES; i++) {
			if (handles[i].revoked != !pass)
				continue;
			handles[i].fd = make_handle(&handles[i]);
			if (handles[i].fd < 0) {
				ksft_print_msg("making %s: %s\n", handles[i].what, strerror(errno));
				return -1;
			}
		}
		for (i = 0; !pass && i < N_HANDLES; i++)
			if (handles[i].revoked &&
			    (stat(stacks[handles[i].stack].path, &st) ||
			     chmod(stacks[handles[i].stack].path, st.st_mode & 07777)))
				return -1;
	}
	if (mount(NULL, stacks[2].path, NULL, MS_REMOUNT | MS_RDONLY, NULL) ||
	    mount(NULL, stacks[4].path, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL))
		return -1;
	return 0;
}

static int setup_stacks(void)
{
	char src[300], opt[300], path[300];
	unsigned int i;
	int fd;

	for (i = 0; i < N_STACKS; i++) {
		snprintf(stacks[i].path, sizeof(stacks[i].path), "%s/%s", dir, stacks[i].name);
		if (mkdir(stacks[i].path, 0755))
			return -1;
		if (!stacks[i].source) {	/* s4: a bind mount of s1, read-only later */
			if (mount(stacks[1].path, stacks[i].path, NULL, MS_BIND, NULL))
				return -1;
		} else {	/* s2 is made read-only later */
			snprintf(src, sizeof(src), stacks[i].source, nsname);
			snprintf(opt, sizeof(opt), "%s", stacks[i].options ?: "");
			if (mount(src, stacks[i].path, "msockfs", stacks[i].flags & ~MS_RDONLY,
				  opt)) {
				ksft_print_msg("mount %s %s: %s\n", src, stacks[i].path,
					       strerror(errno));
				return -1;
			}
		}
	}
	if (setup_handles())
		return -1;
	for (i = 0; i < N_STACKS; i++) {
		struct msock_stack_info info;
		struct statvfs svfs;
		struct stat st;

		fd = open(stacks[i].path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0 || ioctl(fd, MSOCK_IOC_STACK_INFO, &info) || fstat(fd, &st) ||
		    fstatvfs(fd, &svfs))
			return -1;
		stacks[i].cookie = info.netns_cookie;
		stacks[i].ino = info.netns_ino;
		stacks[i].dev = st.st_dev;
		stacks[i].ro = !!(svfs.f_flag & ST_RDONLY);
		close(fd);
	}
	/* things for paths to name */
	if (msk_make_plain_files(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/l1", dir);
	symlink("s1", path);
	snprintf(path, sizeof(path), "%s/l0", dir);
	symlink(stacks[0].path, path);
	snprintf(path, sizeof(path), "%s/loop", dir);
	symlink("loop", path);
	snprintf(path, sizeof(path), "%s/dangling", dir);
	symlink("nowhere", path);
	snprintf(path, sizeof(path), "%s/lnetns", dir);
	snprintf(src, sizeof(src), "/var/run/netns/%s", nsname);
	symlink(src, path);
	return 0;
}

int main(int argc, char **argv)
{
	struct wres *r;
	int i, status, refcnt_before, refcnt_after, mounts;
	long total = 0, mism = 0, socks = 0;
	double secs = 0;
	pid_t pids[64];

	msk_parse_opts(argc, argv, &opts,
		       "random ioctls on stacks and /dev/msocket; -n calls (default 50000), -j workers (default 2)");
	if (opts.jobs > 64)
		opts.jobs = 64;
	ksft_print_header();
	ksft_print_msg("seed %llu (replay: %s -s %llu -n %ld -j %d%s)\n", opts.seed, argv[0],
		       opts.seed, opts.count, opts.jobs, opts.seconds > 0 ? " -t ..." : "");
	msk_require_msocket();
	ksft_set_plan(opts.jobs + 3);

	msk_scratch(dir, sizeof(dir), "fuzz-ioctl");
	snprintf(nsname, sizeof(nsname), "mskfz%d", getpid());
	msk_netns_add(nsname);
	if (setup_stacks())
		ksft_exit_fail_msg("setting up the stacks: %s\n", strerror(errno));
	if (chdir(dir))
		ksft_exit_fail_msg("chdir: %s\n", strerror(errno));

	if (read_small_file("/proc/sys/kernel/modprobe", saved_modprobe,
			    sizeof(saved_modprobe)) >= 0 &&
	    !msk_write_str("/proc/sys/kernel/modprobe", "\n"))
		modprobe_changed = 1;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGALRM, on_signal);
	refcnt_before = msk_module_refcnt();

	r = mmap(NULL, sizeof(*r) * opts.jobs, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (r == MAP_FAILED)
		ksft_exit_fail_msg("mmap: %s\n", strerror(errno));
	memset(r, 0, sizeof(*r) * opts.jobs);
	fflush(stdout);
	for (i = 0; i < opts.jobs; i++) {
		pids[i] = fork();
		if (pids[i] == 0)
			worker(i, &r[i]);
	}
	for (i = 0; i < opts.jobs; i++) {
		int ok;

		waitpid(pids[i], &status, 0);
		ok = WIFEXITED(status) && WEXITSTATUS(status) == 0 && r[i].done &&
		     r[i].mismatches == 0;
		total += r[i].calls;
		mism += r[i].mismatches;
		socks += r[i].sockets;
		if (r[i].secs > secs)
			secs = r[i].secs;
		ksft_print_msg("worker %d (%s): %ld calls in %.1f s (%ld sweep, %ld exact, %ld generic, %ld other); sockets %ld, nsfs fds %ld, infos %ld, handles %ld; EFAULT %ld, ENOTTY %ld, EACCES %ld\n",
			       i, i & 1 ? "uid 1003" : "root", r[i].calls, r[i].secs, r[i].sweep,
			       r[i].exact, r[i].generic, r[i].other, r[i].sockets, r[i].nsfds,
			       r[i].infos, r[i].handles, r[i].efault, r[i].enotty, r[i].eacces);
		ksft_test_result(ok, "worker %d (%s): %ld calls, %ld oracle mismatches%s\n", i,
				 i & 1 ? "uid 1003" : "root", r[i].calls, r[i].mismatches,
				 WIFEXITED(status) ? "" : " (killed by a signal)");
	}
	{
		int leaked = 0;

		for (i = 0; i < opts.jobs; i++)
			if (r[i].fds_after != r[i].fds_before)
				leaked = 1;
		ksft_test_result(!leaked, "no file descriptor left open by failed calls\n");
	}
	restore_modprobe();
	refcnt_after = msk_module_refcnt();
	ksft_test_result(refcnt_after == refcnt_before,
			 "module reference count back to %d (now %d)\n", refcnt_before,
			 refcnt_after);
	if (chdir("/"))
		ksft_print_msg("chdir /: %s\n", strerror(errno));
	for (i = 0; i < (int)N_HANDLES; i++)
		close(handles[i].fd);
	umount2(stacks[4].path, MNT_DETACH);
	for (i = 0; i < (int)N_STACKS; i++)
		umount2(stacks[i].path, MNT_DETACH);
	mounts = msk_count_stack_mounts();
	run("ip netns del %s", nsname);
	umount2(dir, MNT_DETACH);
	rmdir(dir);
	ksft_test_result(mounts == 0, "every stack unmounted (%d left)\n", mounts);
	ksft_print_msg("total: %ld ioctl calls in %.1f s (%.0f/s), %ld sockets made, %ld mismatches, seed %llu\n",
		       total, secs, secs > 0 ? total / secs : 0.0, socks, mism, opts.seed);
	ksft_finished();
}
