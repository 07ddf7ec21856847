// SPDX-License-Identifier: GPL-2.0
/*
 * msocket_fuzz_mount: random msockfs mounts, remounts and fsconfig
 * sequences, each result checked against a model of the parameter rules.
 *
 *   msocket_fuzz_mount [-s SEED] [-n MOUNTS] [-t SECONDS] [-v]
 *
 * Sources, option strings and fsconfig parameters are drawn from a grammar
 * with random mutations: every source form, names and paths that are valid,
 * missing, malformed, too long, not nsfs, nsfs of another type, FIFOs,
 * sockets, devices, stacks and their files, symbolic links and loops, the
 * removed pid= (source and option), families= lists valid and not, numbers
 * in every base, unknown keys, flags given values and values given as
 * flags. FSCONFIG_SET_FD is given every kind of fd: pipes, sockets, nsfs
 * files of every namespace type (O_RDONLY and O_PATH), regular files,
 * directories, a stack root, its files and a stack handle, an fs context, a
 * detached mount, /dev/msocket, eventfd, memfd, epoll, pidfd, timerfd,
 * signalfd, inotify, closed and negative fds. One network namespace
 * belongs to a user namespace of its own that maps only 1000 uids and gids:
 * the owner and group of a stack of it (given, or the mounter's by default)
 * must be mapped there.
 *
 * The model predicts the errno of each mount(2) and fsconfig(2) call,
 * resolving paths exactly as msockfs does (open with O_PATH, an nsfs file of
 * a network namespace), reading uid= and gid= in the mounter's user
 * namespace whatever their place. A mount that succeeds must show the
 * predicted namespace, source, owner, group, mode, families and read-only
 * state, in its files, in stat(2) and statvfs(2), in /proc/self/mountinfo
 * and /proc/self/mounts, in STACK_INFO and in the sockets it makes; a stack
 * kept open across a lazy unmount keeps working.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/timerfd.h>
#include <sys/un.h>

#include "msocket_helpers.h"

#define NS_GET_USERNS		_IO(0xb7, 0x1)
#define NS_GET_NSTYPE		_IO(0xb7, 0x3)
#ifndef FSCONFIG_SET_BINARY
#define FSCONFIG_SET_BINARY	2
#define FSCONFIG_SET_PATH	3
#define FSCONFIG_SET_PATH_EMPTY	4
#endif
#ifndef FSCONFIG_CMD_CREATE_EXCL
#define FSCONFIG_CMD_CREATE_EXCL 8
#endif
#ifndef MOUNT_ATTR_RDONLY
#define MOUNT_ATTR_RDONLY	0x00000001
#define MOUNT_ATTR_NOSUID	0x00000002
#define MOUNT_ATTR_NODEV	0x00000004
#define MOUNT_ATTR_NOEXEC	0x00000008
#define MOUNT_ATTR_NOATIME	0x00000010
#endif
#ifndef FSPICK_CLOEXEC
#define FSPICK_CLOEXEC		0x1
#endif

#define N_TARGETS	8
#define MAX_KEPT	5
#define MAX_REPORTS	25
#define VAL_MAX		4300

/* The user namespace of netns U: its uid 0..999 and gid 0..999 are these. */
#define U_UID_BASE	100000U
#define U_GID_BASE	200000U
#define U_MAP_LEN	1000U

#define ALL_FAMILIES	(~0ULL)

static struct msk_opts opts = { .count = 2000 };
static uint64_t rng;
static char dir[128], ns_a[64];
static unsigned long ino_self, ino_a, ino_b, ino_c, ino_u;
static pid_t parked, parked_u;
static int gone_pid;

/* Statistics. */
static long n_attempts, n_mounted, n_remounts, n_reconf, n_fsconfig, n_mismatch;
static long n_lazy, n_umount, n_fd_kept, n_setfd, n_userns, n_mounted_u, n_families;

static __printf(1, 2) void mismatch(const char *fmt, ...);
static void mismatch(const char *fmt, ...)
{
	va_list ap;

	if (++n_mismatch > MAX_REPORTS)
		return;
	printf("# MISMATCH: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

/* A call interrupted by this alarm has hung (a FIFO opened for reading...). */
static void on_alarm(int sig)
{
}

/* ---- clones of the kernel's number parsing ---- */

static int k_strtoull(const char *s, unsigned int base, unsigned long long *res)
{
	unsigned long long v = 0;
	int n = 0;

	if (s[0] == '+')
		s++;
	if (base == 0) {
		if (s[0] == '0')
			base = (tolower(s[1]) == 'x' && isxdigit((unsigned char)s[2])) ? 16 : 8;
		else
			base = 10;
	}
	if (base == 16 && s[0] == '0' && tolower(s[1]) == 'x')
		s += 2;
	for (;; s++, n++) {
		unsigned int d;

		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (tolower(*s) >= 'a' && tolower(*s) <= 'f')
			d = tolower(*s) - 'a' + 10;
		else
			break;
		if (d >= base)
			break;
		if (v > (~0ULL - d) / base)
			return -ERANGE;
		v = v * base + d;
	}
	if (!n)
		return -EINVAL;
	if (*s == '\n')
		s++;
	if (*s)
		return -EINVAL;
	*res = v;
	return 0;
}

static int k_strtouint(const char *s, unsigned int base, unsigned int *res)
{
	unsigned long long v;

	if (k_strtoull(s, base, &v) || v > 0xffffffffULL)
		return -1;
	*res = v;
	return 0;
}

/* ---- resolution, exactly as msockfs does it ---- */

/* 0 and the netns inode, or an errno. */
static int probe_path(const char *path, unsigned long *ino)
{
	char proc[64];
	struct statfs sfs;
	struct stat st;
	int fd, fd2, type;

	alarm(10);
	fd = open(path, O_PATH | O_CLOEXEC);
	alarm(0);
	if (fd < 0)
		return -errno;
	if (fstatfs(fd, &sfs) || sfs.f_type != NSFS_MAGIC || fstat(fd, &st)) {
		close(fd);
		return -EINVAL;
	}
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	fd2 = open(proc, O_RDONLY | O_CLOEXEC);
	type = fd2 < 0 ? -1 : ioctl(fd2, NS_GET_NSTYPE);
	if (fd2 >= 0)
		close(fd2);
	close(fd);
	if (type != CLONE_NEWNET)
		return -EINVAL;
	*ino = st.st_ino;
	return 0;
}

/* Rust's parse_netns and the open of what it names. */
static int resolve_netns(const char *v, unsigned long *ino)
{
	char path[VAL_MAX + 32];
	size_t len = strlen(v);

	if (v[0] == '/') {
		if (len > 4095)
			return -EINVAL;
		return probe_path(v, ino);
	}
	if (!len || len > 255 || !strcmp(v, ".") || !strcmp(v, "..") || strchr(v, '/'))
		return -EINVAL;
	snprintf(path, sizeof(path), "/var/run/netns/%s", v);
	return probe_path(path, ino);
}

/* The address family names of families= (rust/families.rs), by number. */
static const char *const family_names[] = {
	NULL, "unix", "inet", "ax25", "ipx", "appletalk", "netrom", "bridge", "atmpvc",
	"x25", "inet6", "rose", "decnet", "netbeui", "security", "key", "netlink", "packet",
	"ash", "econet", "atmsvc", "rds", "sna", "irda", "pppox", "wanpipe", "llc", "ib",
	"mpls", "can", "tipc", "bluetooth", "iucv", "rxrpc", "isdn", "phonet", "ieee802154",
	"caif", "alg", "nfc", "vsock", "kcm", "qipcrtr", "smc", "xdp", "mctp",
};

#define N_FAMILY_NAMES	ARRAY_SIZE(family_names)

/* Rust's families::parse: "all", or names and 1..45 separated by ':' or ','. */
static int parse_families(const char *v, uint64_t *set)
{
	const char *item = v, *end;
	unsigned int f, n;
	size_t len;

	if (!strcmp(v, "all")) {
		*set = ALL_FAMILIES;
		return 0;
	}
	*set = 0;
	for (;;) {
		end = item + strcspn(item, ":,");
		len = end - item;
		for (f = 1; f < N_FAMILY_NAMES; f++)
			if (strlen(family_names[f]) == len && !strncmp(item, family_names[f], len))
				break;
		if (f == N_FAMILY_NAMES) {
			if (!len || len > 2 || !isdigit((unsigned char)item[0]) ||
			    (len == 2 && !isdigit((unsigned char)item[1])))
				return -EINVAL;
			n = item[0] - '0';
			if (len == 2)
				n = n * 10 + item[1] - '0';
			if (!n || n >= N_FAMILY_NAMES)
				return -EINVAL;
			f = n;
		}
		*set |= 1ULL << f;
		if (!*end)
			return 0;
		item = end + 1;
	}
}

/* ",families=a:b" as msockfs shows a set (nothing for all). */
static void show_families(uint64_t set, char *out, size_t size)
{
	const char *sep = ",families=";
	size_t n = 0;
	unsigned int f;

	out[0] = '\0';
	if (set == ALL_FAMILIES)
		return;
	for (f = 0; f < 64 && n < size; f++)
		if (set & (1ULL << f)) {
			n += snprintf(out + n, size - n, "%s%s", sep, family_names[f]);
			sep = ":";
		}
}

/*
 * Whether an id (in the initial user namespace, where the fuzzer mounts)
 * has a mapping in the user namespace that owns a stack: every valid id in
 * the initial one, 1000 of them in netns U's.
 */
static int id_mapped(int owner_u, unsigned int id, int gid)
{
	unsigned int base = gid ? U_GID_BASE : U_UID_BASE;

	if (!owner_u)
		return id != 0xffffffffU;
	return id >= base && id - base < U_MAP_LEN;
}

/* ---- the model ---- */

enum vtype { V_FLAG, V_STRING, V_BINARY, V_PATH, V_PATH_EMPTY, V_FD };

struct param {
	char key[300];
	enum vtype type;
	char val[VAL_MAX];
	size_t blob_len;
	int fd;
	int fd_err;		/* what the fd is: 0 a netns (fd_ino), else an errno */
	unsigned long fd_ino;
	int bad_call;		/* malformed fsconfig arguments: its errno */
	const char *fd_what;
};

struct state {
	unsigned long ino;	/* netns of the stack */
	int owner_u;		/* it is netns U, of a user namespace of its own */
	char canon[VAL_MAX + 16];	/* its canonical name ("source" file) */
	char shown[VAL_MAX + 16];	/* source in /proc/self/mountinfo */
	unsigned int uid, gid, mode;
	uint64_t families;
	int sb_ro, mnt_ro;
};

struct model {
	int reconf;		/* a reconfiguration of cur */
	struct state cur;	/* reconf: the mount as it is */
	int named;
	unsigned long ino;
	char canon[VAL_MAX + 16];
	int source_given;
	int fc_source;		/* fc->source is set */
	char raw_source[VAL_MAX];
	unsigned int uid, gid, mode, set;	/* set: 1 uid, 2 gid, 4 mode, 8 families */
	uint64_t families;
	/*
	 * fc->sb_flags and ->sb_flags_mask as far as they matter: SB_RDONLY,
	 * and SB_DIRSYNC, which a reconfiguration refuses (not in MS_RMT_MASK).
	 * The VFS keeps the mask across the rounds of an fspick context.
	 */
	int flag_ro, mask_ro, mask_bad;
};

static void model_init(struct model *m, const struct state *cur)
{
	memset(m, 0, sizeof(*m));
	m->mode = 0755;
	m->families = ALL_FAMILIES;
	if (cur) {
		m->reconf = 1;
		m->cur = *cur;
	}
}

/* The next round of an fspick context after a successful reconfiguration. */
static void model_next_round(struct model *m, const struct state *cur)
{
	int mask_ro = m->mask_ro, mask_bad = m->mask_bad;

	model_init(m, cur);
	m->mask_ro = mask_ro;
	m->mask_bad = mask_bad;
}

static int model_name(struct model *m, unsigned long ino, const char *canon, int from_source)
{
	if (m->reconf)
		return ino == m->cur.ino ? 0 : -EBUSY;
	if (m->named)
		return -EINVAL;
	m->named = 1;
	m->ino = ino;
	snprintf(m->canon, sizeof(m->canon), "%s", canon);
	m->source_given = from_source;
	return 0;
}

/* The user namespace owning the netns a model names: U's, or the initial one. */
static int model_owner_u(const struct model *m)
{
	return m->reconf ? m->cur.owner_u : m->named && m->ino == ino_u;
}

static const char *const set_flags[] = { "dirsync", "lazytime", "ro", "sync" };
static const char *const clear_flags[] = { "async", "nolazytime", "nomand", "rw" };

/* The expected errno of one parameter; updates the model when it is 0. */
static int model_param(struct model *m, const struct param *p)
{
	unsigned long ino = 0;
	char canon[VAL_MAX + 16];
	unsigned int u;
	unsigned int i;
	int err;

	for (i = 0; i < ARRAY_SIZE(set_flags); i++)
		if (!strcmp(p->key, set_flags[i])) {
			if (!strcmp(p->key, "ro"))
				m->flag_ro = m->mask_ro = 1;
			if (!strcmp(p->key, "dirsync"))
				m->mask_bad = 1;
			return 0;
		}
	for (i = 0; i < ARRAY_SIZE(clear_flags); i++)
		if (!strcmp(p->key, clear_flags[i])) {
			if (!strcmp(p->key, "rw")) {
				m->flag_ro = 0;
				m->mask_ro = 1;
			}
			return 0;
		}
	if (!strcmp(p->key, "source")) {
		const char *v = p->val;

		if (p->type != V_STRING || !*v)
			return -EINVAL;
		if (m->fc_source)
			return -EINVAL;
		if (!strcmp(v, "none")) {
			m->fc_source = 1;
			snprintf(m->raw_source, sizeof(m->raw_source), "%s", v);
			return 0;
		}
		if (!strcmp(v, "current")) {
			ino = ino_self;
			snprintf(canon, sizeof(canon), "current");
		} else if (!strncmp(v, "netns=", 6)) {
			err = resolve_netns(v + 6, &ino);
			if (err)
				return err;
			snprintf(canon, sizeof(canon), "%s", v);
		} else if (!strncmp(v, "pid=", 4)) {
			return -EINVAL;	/* removed: the message says what to use */
		} else {
			return -EINVAL;
		}
		err = model_name(m, ino, canon, 1);
		if (err)
			return err;
		m->fc_source = 1;
		snprintf(m->raw_source, sizeof(m->raw_source), "%s", v);
		return 0;
	}
	if (!strcmp(p->key, "netns")) {
		if (p->type == V_FD) {
			if (p->fd_err)
				return -p->fd_err;
			snprintf(canon, sizeof(canon), "net:[%lu]", p->fd_ino);
			return model_name(m, p->fd_ino, canon, 0);
		}
		if (p->type != V_STRING || !p->val[0])
			return -EINVAL;
		err = resolve_netns(p->val, &ino);
		if (err)
			return err;
		snprintf(canon, sizeof(canon), "netns=%s", p->val);
		return model_name(m, ino, canon, 0);
	}
	if (!strcmp(p->key, "pid"))
		return -EINVAL;	/* removed, whatever the value */
	if (!strcmp(p->key, "current")) {
		if (p->type != V_FLAG)
			return -EINVAL;
		return model_name(m, ino_self, "current", 0);
	}
	if (!strcmp(p->key, "uid") || !strcmp(p->key, "gid")) {
		if (p->type != V_STRING || k_strtouint(p->val, 0, &u) || u == 0xffffffffU)
			return -EINVAL;
		if (p->key[0] == 'u') {
			m->uid = u;
			m->set |= 1;
		} else {
			m->gid = u;
			m->set |= 2;
		}
		return 0;
	}
	if (!strcmp(p->key, "mode")) {
		if (p->type != V_STRING || k_strtouint(p->val, 8, &u) || (u & ~07777U))
			return -EINVAL;
		m->mode = u;
		m->set |= 4;
		return 0;
	}
	if (!strcmp(p->key, "families")) {
		uint64_t set;

		if (p->type != V_STRING || !p->val[0] || parse_families(p->val, &set))
			return -EINVAL;
		m->families = set;
		m->set |= 8;
		return 0;
	}
	return -EINVAL;	/* unknown parameter */
}

/*
 * get_tree of a new mount: the owner and group, given or the mounter's
 * (root's 0 and 0), must be mapped in the user namespace owning the netns
 * (EINVAL). 0, and the state of the new stack in out.
 */
static int model_create(struct model *m, struct state *out)
{
	if (!m->named) {
		m->named = 1;
		m->ino = ino_self;
		snprintf(m->canon, sizeof(m->canon), "current");
	}
	if (!id_mapped(model_owner_u(m), (m->set & 1) ? m->uid : 0, 0) ||
	    !id_mapped(model_owner_u(m), (m->set & 2) ? m->gid : 0, 1))
		return -EINVAL;
	out->ino = m->ino;
	out->owner_u = model_owner_u(m);
	out->families = m->families;
	snprintf(out->canon, sizeof(out->canon), "%s", m->canon);
	snprintf(out->shown, sizeof(out->shown), "%s",
		 m->source_given ? m->raw_source : m->canon);
	out->uid = (m->set & 1) ? m->uid : 0;
	out->gid = (m->set & 2) ? m->gid : 0;
	out->mode = (m->set & 4) ? m->mode : 0755;
	out->sb_ro = m->flag_ro;
	out->mnt_ro = 0;
	return 0;
}

/* reconfigure_super(): the errno, and the new state on success. */
static int model_reconfigure(const struct model *m, struct state *s)
{
	if (m->mask_bad)
		return -EINVAL;
	/* ids given must be mapped where the stack's netns belongs */
	if (((m->set & 1) && !id_mapped(s->owner_u, m->uid, 0)) ||
	    ((m->set & 2) && !id_mapped(s->owner_u, m->gid, 1)))
		return -EINVAL;
	if (m->set & 1)
		s->uid = m->uid;
	if (m->set & 2)
		s->gid = m->gid;
	if (m->set & 4)
		s->mode = m->mode;
	if (m->set & 8)
		s->families = m->families;
	if (m->mask_ro)
		s->sb_ro = m->flag_ro;
	return 0;
}

/* The kernel's split of a legacy option string. */
static int model_options(struct model *m, const char *data, char *why, size_t whysz)
{
	char *copy, *tok, *save = NULL;
	struct param p;
	int err = 0;

	if (!data)
		return 0;
	copy = strdup(data);
	for (tok = copy; tok; tok = save) {
		char *eq;

		save = strchr(tok, ',');
		if (save)
			*save++ = '\0';
		if (!*tok)
			continue;
		eq = strchr(tok, '=');
		if (eq == tok)
			continue;
		memset(&p, 0, sizeof(p));
		if (eq) {
			*eq = '\0';
			p.type = V_STRING;
			snprintf(p.val, sizeof(p.val), "%s", eq + 1);
		} else {
			p.type = V_FLAG;
		}
		snprintf(p.key, sizeof(p.key), "%s", tok);
		err = model_param(m, &p);
		if (err) {
			snprintf(why, whysz, "option \"%.40s\"", tok);
			break;
		}
	}
	free(copy);
	return err;
}

/* ---- what exists to be named ---- */

struct fdkind {
	const char *what;
	int fd;
	int err;		/* 0: a netns, else the errno SET_FD gives */
	unsigned long ino;
};

static struct fdkind fdkinds[64];
static int nfdkinds;
static int stack_fd = -1, stack_path_fd = -1;	/* a stack kept for naming */
static int fd_u = -1;	/* an nsfs fd of netns U */

static void add_fd(const char *what, int fd, int netns)
{
	struct stat st;

	if (fd < 0 && strcmp(what, "closed fd"))
		return;
	fdkinds[nfdkinds].what = what;
	fdkinds[nfdkinds].fd = fd;
	if (!strcmp(what, "closed fd")) {
		fdkinds[nfdkinds].err = EBADF;
	} else if (netns) {
		fstat(fd, &st);
		fdkinds[nfdkinds].ino = st.st_ino;
	} else {
		fdkinds[nfdkinds].err = EINVAL;
	}
	nfdkinds++;
}

static void setup_fds(void)
{
	static const char *const types[] = {
		"uts", "ipc", "mnt", "pid", "pid_for_children", "user", "cgroup", "time",
		"time_for_children",
	};
	static char names[ARRAY_SIZE(types)][2][48];
	char path[300];
	int p[2], fd, nsfd;
	unsigned int i;
	sigset_t mask;

	add_fd("nsfs net (self)", open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC), 1);
	add_fd("nsfs net O_PATH (self)", open("/proc/self/ns/net", O_PATH | O_CLOEXEC), 1);
	snprintf(path, sizeof(path), "/var/run/netns/%s", ns_a);
	add_fd("nsfs net (ip netns)", open(path, O_RDONLY | O_CLOEXEC), 1);
	snprintf(path, sizeof(path), "/proc/%d/ns/net", parked);
	add_fd("nsfs net O_PATH (other process)", open(path, O_PATH | O_CLOEXEC), 1);
	add_fd("nsfs net (MSOCK_IOC_GET_NETNS)", ioctl(stack_fd, MSOCK_IOC_GET_NETNS), 1);
	for (i = 0; i < ARRAY_SIZE(types); i++) {
		snprintf(names[i][0], sizeof(names[i][0]), "nsfs %s", types[i]);
		snprintf(names[i][1], sizeof(names[i][1]), "nsfs %s O_PATH", types[i]);
		snprintf(path, sizeof(path), "/proc/self/ns/%s", types[i]);
		add_fd(names[i][0], open(path, O_RDONLY | O_CLOEXEC), 0);
		add_fd(names[i][1], open(path, O_PATH | O_CLOEXEC), 0);
	}
	nsfd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	add_fd("nsfs user (NS_GET_USERNS)", ioctl(nsfd, NS_GET_USERNS), 0);
	close(nsfd);
	if (!pipe2(p, O_CLOEXEC)) {
		add_fd("pipe (read end)", p[0], 0);
		add_fd("pipe (write end)", p[1], 0);
	}
	add_fd("unix socket", socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), 0);
	add_fd("inet socket", socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), 0);
	add_fd("netlink socket", socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, 0), 0);
	snprintf(path, sizeof(path), "%s/file", dir);
	add_fd("regular file", open(path, O_RDONLY | O_CLOEXEC), 0);
	add_fd("regular file O_PATH", open(path, O_PATH | O_CLOEXEC), 0);
	add_fd("directory", open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), 0);
	add_fd("directory O_PATH", open(dir, O_PATH | O_CLOEXEC), 0);
	add_fd("nsfs net (netns U)", fd_u, 1);
	add_fd("stack root", stack_fd, 0);
	add_fd("stack root O_PATH", stack_path_fd, 0);
	add_fd("stack handle", msock_get_handle(stack_fd), 0);
	snprintf(path, sizeof(path), "%s/kept/netns", dir);
	add_fd("stack info file", open(path, O_RDONLY | O_CLOEXEC), 0);
	add_fd("/dev/msocket", open(MSOCKET_DEVICE, O_RDONLY | O_CLOEXEC), 0);
	add_fd("/dev/null", open("/dev/null", O_RDWR | O_CLOEXEC), 0);
	add_fd("fs context (msockfs)", sys_fsopen("msockfs", FSOPEN_CLOEXEC), 0);
	fd = sys_fsopen("msockfs", FSOPEN_CLOEXEC);
	if (fd >= 0 && !sys_fsconfig(fd, FSCONFIG_CMD_CREATE, NULL, NULL, 0))
		add_fd("detached mount (fsmount)", sys_fsmount(fd, FSMOUNT_CLOEXEC, 0), 0);
	close(fd);
	add_fd("eventfd", eventfd(0, EFD_CLOEXEC), 0);
	add_fd("memfd", memfd_create("msk", MFD_CLOEXEC), 0);
	add_fd("epoll", epoll_create1(EPOLL_CLOEXEC), 0);
	add_fd("pidfd", syscall(__NR_pidfd_open, getpid(), 0), 0);
	add_fd("timerfd", timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC), 0);
	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR2);
	add_fd("signalfd", signalfd(-1, &mask, SFD_CLOEXEC), 0);
	add_fd("inotify", inotify_init1(IN_CLOEXEC), 0);
	add_fd("closed fd", 1020, 0);
}

/* ---- generators ---- */

static const char *pick(const char *const *v, unsigned int n)
{
	return v[msk_below(&rng, n)];
}

#define PICK(v)	pick(v, ARRAY_SIZE(v))

static void random_text(char *buf, size_t n, int printable)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char c = printable ? 33 + msk_below(&rng, 94) : 1 + msk_below(&rng, 255);

		buf[i] = c;
	}
	buf[n] = '\0';
}

/* A netns= value: a name or a path. */
static void gen_netns_value(char *v, size_t size, int legacy)
{
	static const char *const names[] = {
		"nope", ".", "..", "a/b", "", "with space", "UPPER", "-", "\\", "run",
	};
	static const char *const paths[] = {
		"/proc/self/ns/net", "/proc/1/ns/net", "/proc/self/ns/uts", "/proc/self/ns/user",
		"/proc/self/ns/mnt", "/proc/self/ns/pid", "/proc/self/ns/ipc", "/proc/self/ns/cgroup",
		"/proc/self/ns/time", "/proc/self/ns", "/dev/null", "/dev/msocket", "/dev/zero",
		"/nonexistent/x", "/", "/proc", "/proc/self/fd/0", "/var/run/netns",
	};
	static const char *const rel[] = {
		"nsC", "file", "fifo", "sock", "subdir", "loop", "dangling", "lnetns", "file/x",
		"kept", "kept/netns", "kept/options", "t0", "lkept", "nsU",
	};
	size_t n;

	switch (msk_below(&rng, 18)) {
	case 0: case 1: case 2:
		snprintf(v, size, "%s", ns_a);
		break;
	case 3:
		snprintf(v, size, "%s", PICK(names));
		break;
	case 4:
		snprintf(v, size, "/var/run/netns/%s", ns_a);
		break;
	case 5:
		snprintf(v, size, "/proc/%d/ns/net", msk_chance(&rng, 70) ? parked : gone_pid);
		break;
	case 6: case 7:
		snprintf(v, size, "%s", PICK(paths));
		break;
	case 8: case 9:
		snprintf(v, size, "%s/%s", dir, PICK(rel));
		break;
	case 10:
		snprintf(v, size, "/proc/self/fd/%d", fdkinds[msk_below(&rng, nfdkinds)].fd);
		break;
	case 11:	/* names at and over NAME_MAX */
		n = 254 + msk_below(&rng, 4);
		memset(v, 'n', n);
		v[n] = '\0';
		break;
	case 12:	/* paths at and over PATH_MAX, and a component too long */
		n = msk_chance(&rng, 50) ? 4094 + msk_below(&rng, 4) : 300;
		memset(v, msk_chance(&rng, 50) ? '/' : 'p', n);
		v[0] = '/';
		v[n] = '\0';
		if (n == 300)
			break;
		for (size_t i = 1; i + 2 < n; i += 2)
			v[i] = '.';
		break;
	case 13:	/* random text */
		random_text(v, 1 + msk_below(&rng, 20), legacy);
		if (msk_chance(&rng, 40))
			v[0] = '/';
		break;
	case 14:	/* netns U, of a user namespace of its own */
		if (msk_chance(&rng, 50))
			snprintf(v, size, "%s/nsU", dir);
		else
			snprintf(v, size, "/proc/%d/ns/net", parked_u);
		break;
	default:
		snprintf(v, size, "%s", ns_a);
		break;
	}
	if (legacy)	/* a comma would split the option; keep it */
		for (n = 0; v[n]; n++)
			if (v[n] == ',')
				v[n] = '_';
}

static void gen_pid_value(char *v, size_t size)
{
	static const char *const odd[] = {
		"0", "-1", "", "abc", "2147483647", "2147483648", "99999999999", "+1", "1x",
		" 1", "0x1", "01", "-0", "4000000",
	};

	switch (msk_below(&rng, 6)) {
	case 0: case 1:
		snprintf(v, size, "%d", parked);
		break;
	case 2:
		snprintf(v, size, "%d", msk_chance(&rng, 50) ? 1 : getpid());
		break;
	case 3:
		snprintf(v, size, "%d", gone_pid);
		break;
	default:
		snprintf(v, size, "%s", PICK(odd));
		break;
	}
}

static void gen_id_value(char *v, size_t size, int mode)
{
	static const char *const ids[] = {
		"0", "1001", "2001", "65534", "4294967294", "4294967295", "4294967296", "-1", "",
		"abc", "0x3e9", "010", "+5", "1\n", " 1", "99999999999999999999",
		/* the edges of netns U's user namespace maps */
		"99999", "100000", "100999", "101000", "199999", "200000", "200999", "201000",
	};
	static const char *const modes[] = {
		"0755", "0700", "0", "777", "07777", "010000", "8", "0x1ff", "", "-1", "0644",
		"1777", "0777\n", "+0711", "00000000000000000000755",
	};

	if (msk_chance(&rng, 85))
		snprintf(v, size, "%s", mode ? PICK(modes) : PICK(ids));
	else if (mode)
		snprintf(v, size, "%o", msk_below(&rng, 010000 + 64));
	else
		snprintf(v, size, "%u", (unsigned int)msk_rand(&rng));
}

/* A families= value: lists of names and numbers, valid or not, and junk. */
static void gen_families_value(char *v, size_t size, int legacy)
{
	static const char *const odd[] = {
		"", "all", ",", ":", "inet:", ":inet", "inet::inet6", "inet,,inet6", "INET",
		"af_inet", "0", "00", "46", "99", "007", "-2", "all:inet", "inet all", "inet6 ",
		"x", "unix:00", "45", "07", "mctp", "inet,ro", "inet\n",
	};
	unsigned int i, n, f;
	size_t len = 0;

	if (msk_chance(&rng, 25)) {
		snprintf(v, size, "%s", PICK(odd));
		return;
	}
	if (msk_chance(&rng, 10)) {
		snprintf(v, size, "all");
		return;
	}
	n = 1 + msk_below(&rng, 4);
	for (i = 0; i < n && len + 16 < size; i++) {
		f = 1 + msk_below(&rng, N_FAMILY_NAMES - 1);
		if (i)	/* a comma splits a legacy option string: sometimes anyway */
			v[len++] = legacy && msk_chance(&rng, 85) ? ':' :
				   msk_chance(&rng, 50) ? ',' : ':';
		if (msk_chance(&rng, 60))
			len += snprintf(v + len, size - len, "%s", family_names[f]);
		else if (msk_chance(&rng, 90))
			len += snprintf(v + len, size - len, msk_chance(&rng, 10) ? "%02u" : "%u", f);
		else
			len += snprintf(v + len, size - len, "%u", msk_chance(&rng, 50) ? 0 : 46);
	}
	v[len] = '\0';
}

/*
 * Parameters that the next op_mount() or op_fsopen() uses first, in order,
 * before random ones (op_userns() writes them).
 */
static struct param script[6];
static int nscript, script_src_set;
static const char *script_source;	/* with script_src_set: the mount source */

/* A parameter: a key and a value of some type. */
static void gen_param(struct param *p, int legacy)
{
	static const char *const keys[] = {
		"netns", "netns", "netns", "netns", "pid", "current", "uid", "gid", "mode", "mode",
		"source", "ro", "rw", "sync", "async", "dirsync", "lazytime", "nolazytime",
		"nomand", "Netns", "netns ", "bogus", "", "uid ", "MODE", "families", "families",
		"Families",
	};
	static const char *const sources[] = { "none", "current", "netns=nope", "pid=1", "" };
	unsigned int r;

	if (nscript) {
		*p = script[0];
		memmove(script, script + 1, --nscript * sizeof(script[0]));
		return;
	}
	memset(p, 0, sizeof(*p));
	snprintf(p->key, sizeof(p->key), "%s", PICK(keys));
	if (msk_chance(&rng, 3)) {	/* a random unknown key, or a long one */
		if (msk_chance(&rng, 50)) {
			p->key[0] = 'x';
			random_text(p->key + 1, 1 + msk_below(&rng, 12), 1);
			if (legacy)
				for (char *c = p->key; *c; c++)
					if (*c == ',' || *c == '=')
						*c = 'y';
		} else {
			memset(p->key, 'k', 257 + msk_below(&rng, 3));
			p->key[257] = '\0';
		}
	}
	p->type = V_STRING;
	if (!strcmp(p->key, "netns"))
		gen_netns_value(p->val, sizeof(p->val), legacy);
	else if (!strcmp(p->key, "pid"))
		gen_pid_value(p->val, sizeof(p->val));
	else if (!strcmp(p->key, "uid") || !strcmp(p->key, "gid"))
		gen_id_value(p->val, sizeof(p->val), 0);
	else if (!strcmp(p->key, "mode"))
		gen_id_value(p->val, sizeof(p->val), 1);
	else if (!strcmp(p->key, "families"))
		gen_families_value(p->val, sizeof(p->val), legacy);
	else if (!strcmp(p->key, "source"))
		snprintf(p->val, sizeof(p->val), "%s", PICK(sources));
	else
		p->type = V_FLAG;
	if (!strcmp(p->key, "current") || msk_chance(&rng, 10)) {
		/* flags with values and values as flags */
		p->type = msk_chance(&rng, 50) ? V_FLAG : V_STRING;
		if (p->type == V_STRING && !p->val[0] && msk_chance(&rng, 50))
			snprintf(p->val, sizeof(p->val), "x");
	}
	if (legacy)
		return;
	r = msk_below(&rng, 100);
	if (r < 18 || (!strcmp(p->key, "netns") && r < 40)) {
		struct fdkind *k = &fdkinds[msk_below(&rng, nfdkinds)];

		p->type = V_FD;
		p->fd = k->fd;
		p->fd_err = k->err;
		p->fd_ino = k->ino;
		p->fd_what = k->what;
		if (!strcmp(p->key, "netns") && msk_chance(&rng, 10)) {
			p->fd = fd_u;	/* netns U */
			p->fd_err = 0;
			p->fd_ino = ino_u;
			p->fd_what = "nsfs net (netns U)";
		}
	} else if (r < 44) {
		p->type = V_PATH + msk_below(&rng, 2);
		if (!p->val[0] && msk_chance(&rng, 50))
			snprintf(p->val, sizeof(p->val), "/proc/self/ns/net");
	} else if (r < 47) {
		p->type = V_BINARY;
		p->blob_len = 1 + msk_below(&rng, 64);
	}
}

/* A mount source: every form, and some junk. */
static const char *gen_source(char *v, size_t size)
{
	static const char *const junk[] = {
		"Current", "netns", "vpn", "/run/netns/x", "pid", "pid=", "netns==", "NONE",
		"current ", "none,current", "netns=a=b",
	};
	char val[VAL_MAX];

	if (script_src_set) {
		script_src_set = 0;
		if (!script_source)
			return NULL;
		snprintf(v, size, "%s", script_source);
		return v;
	}
	switch (msk_below(&rng, 20)) {
	case 0: case 1:
		return NULL;
	case 2:
		return "";
	case 3: case 4:
		return "none";
	case 5: case 6:
		return "current";
	case 7: case 8: case 9: case 10: case 11: case 12:
		gen_netns_value(val, sizeof(val), 0);
		snprintf(v, size, "netns=%s", val);
		return v;
	case 13: case 14: case 15:
		gen_pid_value(val, sizeof(val));
		snprintf(v, size, "pid=%s", val);
		return v;
	case 16:
		random_text(v, 1 + msk_below(&rng, 30), 0);
		return v;
	default:
		snprintf(v, size, "%s", PICK(junk));
		return v;
	}
}

static void gen_options(char *data, size_t size, int n)
{
	struct param p;
	size_t len = 0;
	int i;

	data[0] = '\0';
	for (i = 0; i < n && len + 600 < size; i++) {
		gen_param(&p, 1);
		if (msk_chance(&rng, 3))
			len += snprintf(data + len, size - len, ",");	/* empty token */
		if (p.type == V_FLAG)
			len += snprintf(data + len, size - len, "%s%s", i ? "," : "", p.key);
		else
			len += snprintf(data + len, size - len, "%s%s=%.500s", i ? "," : "",
					p.key, p.val);
	}
	if (msk_chance(&rng, 3))
		snprintf(data + len, size - len, ",=ignored");
}

/* ---- checking a mounted stack ---- */

struct target {
	char path[256];
	int mounted;
	struct state st;
};

static struct target targets[N_TARGETS];

static void mangle(const char *s, char *out, size_t size)
{
	size_t n = 0;

	for (; *s && n + 5 < size; s++) {
		if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\\')
			n += snprintf(out + n, size - n, "\\%03o", (unsigned char)*s);
		else
			out[n++] = *s;
	}
	out[n] = '\0';
}

/* The source of the mount at path in /proc/self/mountinfo (the last one). */
static int mountinfo_source(const char *path, char *src, size_t size)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char *line = NULL, mp[300], *dash;
	size_t cap = 0;
	int found = 0;

	if (!f)
		return -1;
	while (getline(&line, &cap, f) > 0) {
		if (sscanf(line, "%*d %*d %*s %*s %299s", mp) != 1 || strcmp(mp, path))
			continue;
		dash = strstr(line, " - msockfs ");
		if (!dash)
			continue;
		dash += strlen(" - msockfs ");
		*strchrnul(dash, ' ') = '\0';
		snprintf(src, size, "%s", dash);
		found = 1;
	}
	free(line);
	fclose(f);
	return found ? 0 : -1;
}

/* The options of the mount at path in /proc/self/mounts (the last one). */
static int mounts_options(const char *path, char *opts, size_t size)
{
	FILE *f = fopen("/proc/self/mounts", "re");
	char *line = NULL, *mp, *type, *o, *save;
	size_t cap = 0;
	int found = 0;

	if (!f)
		return -1;
	while (getline(&line, &cap, f) > 0) {
		if (!strtok_r(line, " ", &save))
			continue;
		mp = strtok_r(NULL, " ", &save);
		type = strtok_r(NULL, " ", &save);
		o = strtok_r(NULL, " ", &save);
		if (!mp || !type || !o || strcmp(mp, path) || strcmp(type, "msockfs"))
			continue;
		snprintf(opts, size, "%s", o);
		found = 1;
	}
	free(line);
	fclose(f);
	return found ? 0 : -1;
}

/*
 * A socket on a stack through its root: what it must give. EROFS when the
 * stack is read-only; for a family not served EAFNOSUPPORT, whatever the
 * type; else a socket in the stack's netns (or EINVAL for the bad type).
 */
static void check_socket(const char *what, int root, const struct state *s, int ro,
			 int domain, int type, unsigned long long cookie)
{
	struct msock_socket_args a = { .domain = domain, .type = type };
	int served = !!(s->families & (1ULL << domain)), sock, err, want;
	unsigned long long c = 0;
	socklen_t len = sizeof(c);

	want = ro ? EROFS : !served ? EAFNOSUPPORT : type < 0 ? EINVAL : 0;
	sock = ioctl(root, MSOCK_IOC_SOCKET, &a);
	err = sock < 0 ? errno : 0;
	if (err != want)
		mismatch("%s: socket(%d, %d): %s, want %s", what, domain, type,
			 msk_errname(err), msk_errname(want));
	else if (sock >= 0 && (getsockopt(sock, SOL_SOCKET, SO_NETNS_COOKIE, &c, &len) ||
			       c != cookie))
		mismatch("%s: socket in netns cookie %llu, want %llu", what, c, cookie);
	if (sock >= 0)
		close(sock);
}

/*
 * Check a stack against the state the model predicts; mfd is an fd of its
 * root (a directory or an fsmount fd), path its mount point or NULL.
 */
static void check_stack(const char *what, int mfd, const char *path, const struct state *s)
{
	char buf[VAL_MAX + 64], want[VAL_MAX + 64], shown[3 * VAL_MAX], fam[600];
	struct msock_stack_info info = {};
	struct statvfs svfs;
	struct statfs sfs;
	struct stat st;
	size_t n;
	int root, ro;

	if (mfd == AT_FDCWD)
		root = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	else
		root = openat(mfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root < 0) {
		mismatch("%s: cannot open the stack root: %s", what, strerror(errno));
		return;
	}
	if (fstatfs(root, &sfs) || sfs.f_type != MSOCKFS_MAGIC || fstat(root, &st) ||
	    fstatvfs(root, &svfs)) {
		mismatch("%s: not an msockfs root", what);
		close(root);
		return;
	}
	ro = !!(svfs.f_flag & ST_RDONLY);
	if (st.st_uid != s->uid || st.st_gid != s->gid || (st.st_mode & 07777) != s->mode ||
	    !S_ISDIR(st.st_mode) || ro != (s->sb_ro || s->mnt_ro))
		mismatch("%s: uid %u gid %u mode %o ro %d, want %u %u %o %d", what, st.st_uid,
			 st.st_gid, st.st_mode & 07777, ro, s->uid, s->gid, s->mode,
			 s->sb_ro || s->mnt_ro);
	snprintf(want, sizeof(want), "net:[%lu]\n", s->ino);
	if (read_small_file_at(root, "netns", buf, sizeof(buf)) < 0 || strcmp(buf, want))
		mismatch("%s: netns file \"%.40s\", want \"%.40s\"", what, buf, want);
	snprintf(want, sizeof(want), "%s\n", s->canon);
	if (read_small_file_at(root, "source", buf, sizeof(buf)) < 0 || strcmp(buf, want))
		mismatch("%s: source file \"%.60s\", want \"%.60s\"", what, buf, want);
	show_families(s->families, fam, sizeof(fam));
	snprintf(want, sizeof(want), "uid=%u,gid=%u,mode=%04o%s\n", s->uid, s->gid, s->mode,
		 fam);
	if (read_small_file_at(root, "options", buf, sizeof(buf)) < 0 || strcmp(buf, want))
		mismatch("%s: options file \"%.120s\", want \"%.120s\"", what, buf, want);
	if (path) {
		mangle(s->shown, want, sizeof(want));
		if (mountinfo_source(path, shown, sizeof(shown)) || strcmp(shown, want))
			mismatch("%s: mountinfo source \"%.60s\", want \"%.60s\"", what, shown,
				 want);
		/* show_options() comes last: the root's uid, gid and mode now */
		snprintf(want, sizeof(want), ",uid=%u,gid=%u,mode=%o%s", s->uid, s->gid, s->mode,
			 fam);
		n = strlen(want);
		if (mounts_options(path, shown, sizeof(shown)) || strlen(shown) < n ||
		    strcmp(shown + strlen(shown) - n, want) ||
		    strncmp(shown, ro ? "ro," : "rw,", 3))
			mismatch("%s: /proc/self/mounts options \"%.120s\", want %s...%s", what,
				 shown, ro ? "ro" : "rw", want);
	}
	if (ioctl(root, MSOCK_IOC_STACK_INFO, &info) || info.netns_ino != s->ino ||
	    info.uid != s->uid || info.gid != s->gid || info.mode != s->mode)
		mismatch("%s: STACK_INFO netns %llu uid %u gid %u mode %o, want %lu %u %u %o",
			 what, (unsigned long long)info.netns_ino, info.uid, info.gid, info.mode,
			 s->ino, s->uid, s->gid, s->mode);
	check_socket(what, root, s, ro, AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, info.netns_cookie);
	check_socket(what, root, s, ro, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, info.netns_cookie);
	if (s->families != ALL_FAMILIES) {	/* the family before the type */
		n_families++;
		check_socket(what, root, s, ro, AF_INET6, -1, info.netns_cookie);
	}
	close(root);
}

/* Unmount a target, now or lazily, maybe holding the stack open across it. */
static void unmount_target(struct target *t)
{
	int fd = -1, ret;

	if (msk_chance(&rng, 25))
		fd = open(t->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (msk_chance(&rng, 50)) {
		ret = umount2(t->path, 0);
		if (fd >= 0 && !(ret < 0 && errno == EBUSY))
			mismatch("umount %s with an open stack fd: %d (%s), want EBUSY", t->path,
				 ret, msk_errname(errno));
		if (fd < 0 && ret)
			mismatch("umount %s: %s", t->path, msk_errname(errno));
		if (!ret)
			n_umount++;
	}
	{
		struct statfs sfs;

		if (statfs(t->path, &sfs) == 0 && sfs.f_type == MSOCKFS_MAGIC) {
			if (umount2(t->path, MNT_DETACH))
				mismatch("umount -l %s: %s", t->path, msk_errname(errno));
			n_lazy++;
		}
	}
	if (fd >= 0) {	/* a lazily unmounted stack still works through its fd */
		n_fd_kept++;
		check_stack("stack fd after umount -l", fd, NULL, &t->st);
		close(fd);
	}
	t->mounted = 0;
}

static struct target *free_target(void)
{
	int i, kept = 0;

	for (i = 0; i < N_TARGETS; i++)
		kept += targets[i].mounted;
	if (kept >= MAX_KEPT)
		for (i = 0; i < N_TARGETS; i++)
			if (targets[i].mounted && msk_chance(&rng, 50))
				unmount_target(&targets[i]);
	for (i = 0; i < N_TARGETS; i++)
		if (!targets[i].mounted)
			return &targets[i];
	unmount_target(&targets[0]);
	return &targets[0];
}

static struct target *script_target;	/* for the next mounted_target() */

static struct target *mounted_target(void)
{
	int i, start = msk_below(&rng, N_TARGETS);

	if (script_target) {
		struct target *t = script_target;

		script_target = NULL;
		return t;
	}
	for (i = 0; i < N_TARGETS; i++)
		if (targets[(start + i) % N_TARGETS].mounted)
			return &targets[(start + i) % N_TARGETS];
	return NULL;
}

static void after_mount(struct target *t)
{
	t->mounted = 1;
	n_mounted++;
	n_mounted_u += t->st.owner_u;
	check_stack("new mount", AT_FDCWD, t->path, &t->st);
	if (msk_chance(&rng, 65))
		unmount_target(t);
}

/* ---- the operations ---- */

static unsigned long gen_ms_flags(void)
{
	static const unsigned long f[] = {
		MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_SYNCHRONOUS, MS_NOATIME,
		MS_NODIRATIME, MS_SILENT, MS_DIRSYNC, MS_LAZYTIME,
	};
	unsigned long flags = 0;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(f); i++)
		if (msk_chance(&rng, 12))
			flags |= f[i];
	return flags;
}

static int call_result(long ret)
{
	return ret < 0 ? errno : 0;
}

/* mount(2) of a new stack. */
static void op_mount(void)
{
	static char src_buf[VAL_MAX + 16], data[4000];
	struct target *t = free_target();
	const char *src = gen_source(src_buf, sizeof(src_buf));
	unsigned long flags = gen_ms_flags();
	char why[128] = "";
	struct model m;
	struct param p;
	int expect = 0, got, to_file = msk_chance(&rng, 2);
	char target[300];

	gen_options(data, sizeof(data), nscript + msk_below(&rng, nscript ? 2 : 5));
	if (to_file)
		snprintf(target, sizeof(target), "%s/file", dir);
	else
		snprintf(target, sizeof(target), "%s", t->path);
	model_init(&m, NULL);
	m.flag_ro = !!(flags & MS_RDONLY);
	if (src && strlen(src) > 4095) {
		expect = EINVAL;
		snprintf(why, sizeof(why), "source too long");
	} else if (src) {
		memset(&p, 0, sizeof(p));
		snprintf(p.key, sizeof(p.key), "source");
		p.type = V_STRING;
		snprintf(p.val, sizeof(p.val), "%s", src);
		expect = -model_param(&m, &p);
		snprintf(why, sizeof(why), "source");
	}
	if (!expect)
		expect = -model_options(&m, data, why, sizeof(why));
	if (!expect) {	/* get_tree comes before the mount point's type */
		expect = -model_create(&m, &t->st);
		if (expect)
			snprintf(why, sizeof(why), "owner or group not mapped");
	}
	if (!expect && to_file)
		expect = ENOTDIR;
	n_attempts++;
	alarm(10);
	got = call_result(mount(src, target, "msockfs", flags, data[0] ? data : NULL));
	alarm(0);
	if (got != expect) {
		mismatch("mount(\"%.80s\", %s, msockfs, %#lx, \"%.200s\"): %s, want %s (%s)",
			 src ? src : "(null)", target, flags, data, msk_errname(got),
			 msk_errname(expect), why);
		if (!got && !to_file) {
			t->mounted = 1;
			unmount_target(t);
		} else if (!got) {
			umount2(target, MNT_DETACH);
		}
		return;
	}
	if (got)
		return;
	t->st.mnt_ro = !!(flags & MS_RDONLY);
	after_mount(t);
}

/* mount(2) with MS_REMOUNT of a mounted stack. */
static void op_remount(void)
{
	static char data[4000];
	struct target *t = mounted_target();
	unsigned long flags = gen_ms_flags();
	char why[128] = "";
	struct model m;
	int expect, got;

	if (!t)
		return op_mount();
	gen_options(data, sizeof(data), nscript + msk_below(&rng, 4));
	model_init(&m, &t->st);
	m.flag_ro = !!(flags & MS_RDONLY);
	m.mask_ro = 1;			/* MS_RMT_MASK */
	expect = -model_options(&m, data, why, sizeof(why));
	if (!expect) {
		struct state next = t->st;

		expect = -model_reconfigure(&m, &next);
		if (expect)
			snprintf(why, sizeof(why), "dirsync on remount");
	}
	n_remounts++;
	alarm(10);
	got = call_result(mount(NULL, t->path, NULL, MS_REMOUNT | flags, data[0] ? data : NULL));
	alarm(0);
	if (got != expect) {
		mismatch("remount %s %#lx \"%.200s\": %s, want %s (%s)", t->path, flags, data,
			 msk_errname(got), msk_errname(expect), why);
		unmount_target(t);
		return;
	}
	if (got)
		return;
	model_reconfigure(&m, &t->st);
	t->st.mnt_ro = !!(flags & MS_RDONLY);
	check_stack("remount", AT_FDCWD, t->path, &t->st);
}

static int do_fsconfig(int fd, struct param *p)
{
	unsigned int cmd;
	const void *value = NULL;
	int aux = 0, ret;
	static char blob[128];

	switch (p->type) {
	case V_FLAG:
		cmd = FSCONFIG_SET_FLAG;
		break;
	case V_STRING:
		cmd = FSCONFIG_SET_STRING;
		value = p->val;
		break;
	case V_BINARY:
		cmd = FSCONFIG_SET_BINARY;
		for (unsigned int i = 0; i < sizeof(blob); i++)
			blob[i] = msk_rand(&rng);
		value = blob;
		aux = p->blob_len;
		break;
	case V_PATH:
	case V_PATH_EMPTY:
		cmd = p->type == V_PATH ? FSCONFIG_SET_PATH : FSCONFIG_SET_PATH_EMPTY;
		value = p->val;
		aux = AT_FDCWD;
		break;
	default:
		cmd = FSCONFIG_SET_FD;
		aux = p->fd;
		n_setfd++;
		break;
	}
	n_fsconfig++;
	alarm(10);
	ret = sys_fsconfig(fd, cmd, p->key, value, aux);
	alarm(0);
	return call_result(ret);
}

/* The syscall's own checks, before the parameter reaches msockfs. */
static int fsconfig_precheck(const struct param *p, int phase_ok)
{
	size_t len = strlen(p->val);

	if (strlen(p->key) > 255)
		return -EINVAL;
	switch (p->type) {
	case V_STRING:
		if (len > 255)
			return -EINVAL;
		break;
	case V_PATH:
	case V_PATH_EMPTY:
		if (!len && p->type == V_PATH)
			return -ENOENT;
		if (len >= 4096)
			return -ENAMETOOLONG;
		break;
	case V_FD:
		if (p->fd < 0)
			return -EINVAL;
		if (p->fd_err == EBADF)
			return -EBADF;
		break;
	default:
		break;
	}
	return phase_ok ? 0 : -EBUSY;
}

static const char *const vtype_names[] = { "FLAG", "STRING", "BINARY", "PATH", "PATH_EMPTY", "FD" };

static void report_fsconfig(const char *ctx, const struct param *p, int got, int expect)
{
	mismatch("%s fsconfig(SET_%s, \"%.40s\", %s%.80s%s%s): %s, want %s", ctx,
		 vtype_names[p->type], p->key, p->type == V_FD ? "" : "\"",
		 p->type == V_FD ? "" : p->val, p->type == V_FD ? "" : "\"",
		 p->type == V_FD ? p->fd_what : "", msk_errname(got), msk_errname(expect));
}

/* fsopen, random fsconfig calls, FSCONFIG_CMD_CREATE, fsmount, move_mount. */
static void op_fsopen(void)
{
	struct target *t = NULL;
	struct model m;
	struct param p;
	struct state st;
	int fs, n, i, expect, got, phase = 0;	/* 0 params, 1 created, 2 failed */
	int mnt;
	unsigned int attr = 0;
	char trail[600] = "";	/* the parameters set, for a report */
	size_t tl = 0;

	fs = sys_fsopen("msockfs", FSOPEN_CLOEXEC);
	if (fs < 0) {
		mismatch("fsopen: %s", strerror(errno));
		return;
	}
	model_init(&m, NULL);
	n = nscript + msk_below(&rng, nscript ? 3 : 6);
	for (i = 0; i <= n; i++) {
		if (i == n || msk_chance(&rng, 4)) {
			int excl = msk_chance(&rng, 20);

			n_attempts++;
			expect = phase == 0 ? -model_create(&m, &st) : EBUSY;
			alarm(10);
			got = call_result(sys_fsconfig(fs, excl ? FSCONFIG_CMD_CREATE_EXCL :
						       FSCONFIG_CMD_CREATE, NULL, NULL, 0));
			alarm(0);
			if (got != expect)
				mismatch("fsconfig(CMD_CREATE%s) in phase %d after \"%s\": %s, want %s",
					 excl ? "_EXCL" : "", phase, trail, msk_errname(got),
					 msk_errname(expect));
			if (got != expect) {	/* the model lost track */
				close(fs);
				return;
			}
			if (phase == 0)
				phase = got ? 2 : 1;
			continue;
		}
		if (msk_chance(&rng, 3)) {	/* a malformed call */
			got = call_result(sys_fsconfig(fs, 9 + msk_below(&rng, 100), NULL, NULL, 0));
			if (got != EOPNOTSUPP)
				mismatch("fsconfig(unknown command): %s", msk_errname(got));
			got = call_result(sys_fsconfig(fs, FSCONFIG_SET_FLAG, NULL, NULL, 0));
			if (got != EINVAL)
				mismatch("fsconfig(SET_FLAG, NULL key): %s", msk_errname(got));
			got = call_result(sys_fsconfig(fs, FSCONFIG_CMD_RECONFIGURE, NULL, NULL, 0));
			if (got != EBUSY)
				mismatch("fsconfig(CMD_RECONFIGURE) on a new context: %s",
					 msk_errname(got));
			continue;
		}
		gen_param(&p, 0);
		expect = -fsconfig_precheck(&p, phase == 0);
		if (!expect)
			expect = -model_param(&m, &p);
		got = do_fsconfig(fs, &p);
		if (got != expect) {
			report_fsconfig("new", &p, got, expect);
			close(fs);	/* the model lost track */
			return;
		}
		if (tl + 100 < sizeof(trail))
			tl += snprintf(trail + tl, sizeof(trail) - tl, "%s=%.60s%s%s;", p.key,
				       p.type == V_FD ? p.fd_what : p.val, got ? " " : "",
				       got ? msk_errname(got) : "");
	}
	if (phase != 1) {
		close(fs);
		return;
	}
	if (msk_chance(&rng, 30))
		attr |= MOUNT_ATTR_RDONLY;
	if (msk_chance(&rng, 30))
		attr |= MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC;
	if (msk_chance(&rng, 20))
		attr |= MOUNT_ATTR_NOATIME;
	mnt = sys_fsmount(fs, FSMOUNT_CLOEXEC, attr);
	close(fs);
	if (mnt < 0) {
		mismatch("fsmount: %s", strerror(errno));
		return;
	}
	st.mnt_ro = !!(attr & MOUNT_ATTR_RDONLY);
	n_mounted++;
	n_mounted_u += st.owner_u;
	if (msk_chance(&rng, 50)) {
		check_stack("detached mount", mnt, NULL, &st);
		close(mnt);
		return;
	}
	t = free_target();
	if (sys_move_mount(mnt, "", AT_FDCWD, t->path, MOVE_MOUNT_F_EMPTY_PATH)) {
		mismatch("move_mount to %s: %s", t->path, strerror(errno));
		close(mnt);
		return;
	}
	close(mnt);
	t->st = st;
	t->mounted = 1;
	n_mounted--;
	n_mounted_u -= st.owner_u;
	after_mount(t);
}

/* fspick, random fsconfig calls, FSCONFIG_CMD_RECONFIGURE (maybe twice). */
static void op_fspick(void)
{
	struct target *t = mounted_target();
	struct model m;
	struct param p;
	int fs, n, i, expect, got;

	if (!t)
		return op_fsopen();
	fs = syscall(__NR_fspick, AT_FDCWD, t->path, FSPICK_CLOEXEC);
	if (fs < 0) {
		mismatch("fspick %s: %s", t->path, strerror(errno));
		return;
	}
	model_init(&m, &t->st);
	n = nscript + 1 + msk_below(&rng, 5);
	for (i = 0; i <= n; i++) {
		if (i == n || msk_chance(&rng, 8)) {
			int create = msk_chance(&rng, 5);
			struct state next = t->st;

			n_reconf++;
			expect = create ? EBUSY : -model_reconfigure(&m, &next);
			got = call_result(sys_fsconfig(fs, create ? FSCONFIG_CMD_CREATE :
						       FSCONFIG_CMD_RECONFIGURE, NULL, NULL, 0));
			if (got != expect) {
				mismatch("fsconfig(CMD_%s) on fspick: %s, want %s",
					 create ? "CREATE" : "RECONFIGURE", msk_errname(got),
					 msk_errname(expect));
				break;
			}
			if (create)
				continue;
			if (got)	/* the context is dead now */
				break;
			t->st = next;
			check_stack("reconfigure", AT_FDCWD, t->path, &t->st);
			m.flag_ro = 0;	/* the VFS clears fc->sb_flags, not the mask */
			model_next_round(&m, &t->st);
			continue;
		}
		gen_param(&p, 0);
		expect = -fsconfig_precheck(&p, 1);
		if (!expect)
			expect = -model_param(&m, &p);
		got = do_fsconfig(fs, &p);
		if (got != expect) {
			report_fsconfig("reconfigure", &p, got, expect);
			break;
		}
	}
	close(fs);
}

/*
 * A stack of netns U, whose user namespace maps uids 100000..100999 and gids
 * 200000..200999 only: its owner and group (given, or the mounter's 0 and 0
 * by default) must be mapped there, and uid= and gid= are read in the
 * mounter's user namespace before or after the stack is named. The same
 * model judges it, by mount(2) (source or netns= option) or fsopen.
 */
static void op_userns(void)
{
	static const char *const uids[] = { "100000", "100500", "100999", "101000", "99999", "0", "1001" };
	static const char *const gids[] = { "200000", "200999", "201000", "199999", "0", "100000" };
	static char source[300];
	struct param name = { .key = "netns", .type = V_STRING }, ids[3] = {};
	int legacy = msk_chance(&rng, 50), k = 0, i, j;

	n_userns++;
	if (!legacy && msk_chance(&rng, 40)) {
		name.type = V_FD;
		name.fd = fd_u;
		name.fd_ino = ino_u;
		name.fd_what = "nsfs net (netns U)";
	} else if (msk_chance(&rng, 50)) {
		snprintf(name.val, sizeof(name.val), "%s/nsU", dir);
	} else {
		snprintf(name.val, sizeof(name.val), "/proc/%d/ns/net", parked_u);
	}
	if (msk_chance(&rng, 85)) {
		snprintf(ids[k].key, sizeof(ids[k].key), "uid");
		snprintf(ids[k].val, sizeof(ids[k].val), "%s", msk_chance(&rng, 70) ?
			 uids[msk_below(&rng, 3)] : PICK(uids));
		ids[k++].type = V_STRING;
	}
	if (msk_chance(&rng, 85)) {
		snprintf(ids[k].key, sizeof(ids[k].key), "gid");
		snprintf(ids[k].val, sizeof(ids[k].val), "%s", msk_chance(&rng, 70) ?
			 gids[msk_below(&rng, 2)] : PICK(gids));
		ids[k++].type = V_STRING;
	}
	if (msk_chance(&rng, 30)) {
		snprintf(ids[k].key, sizeof(ids[k].key), "families");
		gen_families_value(ids[k].val, sizeof(ids[k].val), legacy);
		ids[k++].type = V_STRING;
	}
	/* the stack named first, last or in between */
	j = msk_below(&rng, k + 1);
	nscript = 0;
	for (i = 0; i <= k; i++) {
		if (i == j) {
			if (legacy && msk_chance(&rng, 40)) {	/* by the mount source */
				snprintf(source, sizeof(source), "netns=%s", name.val);
				script_source = source;
				script_src_set = 1;
			} else {
				script[nscript++] = name;
			}
		}
		if (i < k)
			script[nscript++] = ids[i];
	}
	if (legacy && !script_src_set) {
		script_source = msk_chance(&rng, 50) ? NULL : "none";
		script_src_set = 1;
	}
	if (legacy)
		op_mount();
	else
		op_fsopen();
	nscript = 0;
	script_src_set = 0;
	/* reconfigure a stack of netns U still mounted: ids mapped there or not */
	for (i = 0; i < N_TARGETS; i++)
		if (targets[i].mounted && targets[i].st.owner_u && msk_chance(&rng, 50))
			break;
	if (i == N_TARGETS)
		return;
	for (k = 0; k < 2; k++) {
		snprintf(script[k].key, sizeof(script[k].key), k ? "gid" : "uid");
		snprintf(script[k].val, sizeof(script[k].val), "%s",
			 k ? PICK(gids) : PICK(uids));
		script[k].type = V_STRING;
	}
	nscript = msk_chance(&rng, 50) ? 2 : 1;
	if (msk_chance(&rng, 50))	/* gid= alone */
		script[0] = script[1];
	script_target = &targets[i];
	if (msk_chance(&rng, 50))
		op_remount();
	else
		op_fspick();
	nscript = 0;
	script_target = NULL;
}

/*
 * Regression: a netns= path is only looked at, never opened for reading.
 * Opened O_RDONLY, a FIFO blocked the mount until a signal, a socket gave
 * ENXIO and a terminal was opened (and could become the controlling tty).
 */
static void special_files(void)
{
	static const char *const names[] = { "fifo", "sock", "subdir", "kept", "kept/netns" };
	static const char *const abs_paths[] = { "/dev/null", "/dev/msocket", "/proc/self/fd/0" };
	char path[300];
	unsigned int i, bad = 0, n = ARRAY_SIZE(names) + ARRAY_SIZE(abs_paths);
	int err;

	for (i = 0; i < n; i++) {
		if (i < ARRAY_SIZE(names))
			snprintf(path, sizeof(path), "netns=%s/%s", dir, names[i]);
		else
			snprintf(path, sizeof(path), "netns=%s", abs_paths[i - ARRAY_SIZE(names)]);
		alarm(5);
		err = call_result(mount(path, targets[0].path, "msockfs", 0, NULL));
		alarm(0);
		if (err != EINVAL) {
			ksft_print_msg("mount %s: %s, want EINVAL%s\n", path, msk_errname(err),
				       err == EINTR ? " (it hung)" : "");
			bad++;
			if (!err)
				umount2(targets[0].path, MNT_DETACH);
		}
	}
	ksft_test_result(!bad, "netns= a FIFO, a socket, a directory, a stack, a device, a tty: EINVAL, at once\n");
}

/* ---- setup and main ---- */

static int enter_userns_netns(void *arg)
{
	return unshare(CLONE_NEWUSER | CLONE_NEWNET);
}

/* Bind the netns of @pid on @path (made empty first), as ip netns add does. */
static int bind_netns(pid_t pid, const char *path)
{
	char src[64];
	int fd;

	fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	if (fd >= 0)
		close(fd);
	snprintf(src, sizeof(src), "/proc/%d/ns/net", pid);
	return mount(src, path, NULL, MS_BIND, NULL);
}

static int setup(void)
{
	char path[300], src[300];
	pid_t other;
	int fd, i;
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct stat st;

	if (msk_make_plain_files(dir))
		return -1;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/sock", dir);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sun, sizeof(sun)))
		return -1;
	close(fd);
	snprintf(path, sizeof(path), "%s/loop", dir);
	symlink("loop", path);
	snprintf(path, sizeof(path), "%s/dangling", dir);
	symlink("nowhere", path);
	snprintf(path, sizeof(path), "%s/lnetns", dir);
	snprintf(src, sizeof(src), "/var/run/netns/%s", ns_a);
	symlink(src, path);
	snprintf(path, sizeof(path), "%s/lkept", dir);
	symlink("kept", path);
	for (i = 0; i < N_TARGETS; i++) {
		snprintf(targets[i].path, sizeof(targets[i].path), "%s/t%d", dir, i);
		if (mkdir(targets[i].path, 0755))
			return -1;
	}
	/* a netns bound to a file of ours, as ip netns does */
	other = park();
	if (other < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/nsC", dir);
	if (bind_netns(other, path))
		return -1;
	kill(other, SIGKILL);
	waitpid(other, NULL, 0);
	gone_pid = other;
	ino_c = ns_ino(path);
	parked = park();
	if (parked < 0)
		return -1;
	snprintf(src, sizeof(src), "/proc/%d/ns/net", parked);
	ino_b = ns_ino(src);
	/* netns U: of a user namespace of its own, bound on DIR/nsU too */
	parked_u = park_child(enter_userns_netns, NULL);
	if (parked_u < 0)
		return -1;
	snprintf(src, sizeof(src), "/proc/%d/uid_map", parked_u);
	snprintf(path, sizeof(path), "0 %u %u", U_UID_BASE, U_MAP_LEN);
	if (msk_write_str(src, path))
		return -1;
	snprintf(src, sizeof(src), "/proc/%d/gid_map", parked_u);
	snprintf(path, sizeof(path), "0 %u %u", U_GID_BASE, U_MAP_LEN);
	if (msk_write_str(src, path))
		return -1;
	snprintf(path, sizeof(path), "%s/nsU", dir);
	if (bind_netns(parked_u, path))
		return -1;
	ino_u = ns_ino(path);
	fd_u = open(path, O_RDONLY | O_CLOEXEC);
	if (fd_u < 0)
		return -1;
	ino_self = ns_ino("/proc/self/ns/net");
	snprintf(src, sizeof(src), "/var/run/netns/%s", ns_a);
	ino_a = ns_ino(src);
	/* a stack kept mounted, to be named as a path and passed as fds */
	snprintf(path, sizeof(path), "%s/kept", dir);
	if (mkdir(path, 0755) || mount("current", path, "msockfs", 0, "mode=0777"))
		return -1;
	stack_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	stack_path_fd = open(path, O_PATH | O_CLOEXEC);
	if (stack_fd < 0 || stack_path_fd < 0 || stat(path, &st))
		return -1;
	setup_fds();
	return ino_a && ino_b && ino_c && ino_u ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	int refcnt_before, refcnt_after, fds_before, fds_after, left, i;
	double start, secs;

	msk_parse_opts(argc, argv, &opts,
		       "random msockfs mounts and fsconfig sequences; -n mounts (default 2000)");
	msk_begin(argv[0], &opts);
	ksft_set_plan(5);
	rng = opts.seed;
	sigaction(SIGALRM, &sa, NULL);	/* no SA_RESTART: a hang becomes EINTR */
	refcnt_before = msk_module_refcnt();

	msk_scratch(dir, sizeof(dir), "fuzz-mount");
	snprintf(ns_a, sizeof(ns_a), "mskfm%d", getpid());
	msk_netns_add(ns_a);
	if (setup())
		ksft_exit_fail_msg("setup: %s\n", strerror(errno));
	special_files();
	fds_before = msk_count_fds();

	start = msk_now();
	while (n_attempts < opts.count) {
		unsigned int r = msk_below(&rng, 100);

		if (r < 38)
			op_mount();
		else if (r < 74)
			op_fsopen();
		else if (r < 80)
			op_userns();
		else if (r < 90)
			op_remount();
		else
			op_fspick();
		if (opts.seconds > 0 && msk_now() - start > opts.seconds)
			break;
	}
	secs = msk_now() - start;
	for (i = 0; i < N_TARGETS; i++)
		if (targets[i].mounted)
			unmount_target(&targets[i]);
	fds_after = msk_count_fds();
	left = msk_count_stack_mounts();

	ksft_print_msg("%ld mounts attempted (%ld mounted), %ld of netns U (%ld mounted), %ld remounts, %ld reconfigurations, %ld fsconfig calls (%ld SET_FD), %ld umount, %ld umount -l (%ld with the stack open), %ld checks of a families= stack in %.1f s\n",
		       n_attempts, n_mounted, n_userns, n_mounted_u, n_remounts, n_reconf,
		       n_fsconfig, n_setfd, n_umount, n_lazy, n_fd_kept, n_families, secs);
	ksft_test_result(n_mismatch == 0, "%ld mounts attempted, %ld model mismatches\n",
			 n_attempts, n_mismatch);
	ksft_test_result(fds_after == fds_before, "no fd left behind (%d before, %d after)\n",
			 fds_before, fds_after);
	ksft_test_result(left == 1, "only the kept stack is mounted (%d msockfs mounts)\n", left);

	/* tear down and check that every module reference went away */
	for (i = 0; i < nfdkinds; i++)
		if (fdkinds[i].fd >= 0)
			close(fdkinds[i].fd);
	close(stack_fd);
	close(stack_path_fd);
	kill(parked, SIGKILL);
	waitpid(parked, NULL, 0);
	kill(parked_u, SIGKILL);
	waitpid(parked_u, NULL, 0);
	{
		char path[300];

		snprintf(path, sizeof(path), "%s/kept", dir);
		umount2(path, MNT_DETACH);
		snprintf(path, sizeof(path), "%s/nsC", dir);
		umount2(path, MNT_DETACH);
		snprintf(path, sizeof(path), "%s/nsU", dir);
		umount2(path, MNT_DETACH);
	}
	run("ip netns del %s", ns_a);
	umount2(dir, MNT_DETACH);
	rmdir(dir);
	refcnt_after = msk_module_refcnt();
	ksft_test_result(refcnt_after == refcnt_before,
			 "module reference count back to %d (now %d)\n", refcnt_before,
			 refcnt_after);
	ksft_print_msg("seed %llu\n", opts.seed);
	ksft_finished();
}
