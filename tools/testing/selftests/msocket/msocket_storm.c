// SPDX-License-Identifier: GPL-2.0
/*
 * msocket_storm: everything at once, for a bounded time, then proof that
 * nothing was left behind.
 *
 *   msocket_storm [-s SEED] [-t SECONDS] [-j THREADS] [-v]
 *
 * Processes and threads run together on a set of mount points and network
 * namespaces made for the test:
 *
 *   mounter     mount (mount(2), and fsopen with an nsfs fd) of every source
 *               form, remount, umount and umount -l
 *   netns       ip netns add and ip netns del of the namespaces stacks bind
 *   path        MSOCK_IOC_PATH_SOCKET as an unprivileged user (threads)
 *   fds         threads opening stack roots onto shared fd numbers (dup2),
 *               closing them, and calling the stack ioctls on them; one
 *               reading the info files (made on lookup) and listing roots
 *   passer      stack fds passed over SCM_RIGHTS to a child that uses them
 *   perms       chmod and chown of the stack roots
 *   module      delete_module(O_NONBLOCK) of msocket, and when that works,
 *               finit_module of $MSOCKET_KO; now and then it asks the others
 *               to let go (a quiet moment), so that the unload can succeed
 *
 * Every call must end in an errno its role expects. Afterwards: every
 * namespace made for the test is freed (the net_namespace slab objects
 * return to their count before the storm), no stack stays mounted, the
 * module unloads (and is loaded again), and a kmemleak scan reports nothing
 * attributable to msocket (when the kernel has kmemleak).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/statfs.h>

#include "msocket_helpers.h"

#define N_SLOTS		8	/* mount points */
#define N_NETNS		4	/* ip netns names */
#define N_FDSLOTS	8	/* shared fd numbers of the fd role */
#define FDSLOT_BASE	200
#define MAX_ERRNO	134

enum role {
	R_MOUNTER, R_NETNS, R_PATH, R_FDS, R_PASSER, R_PERMS, R_MODULE, R_NROLES
};

static const char *const role_names[] = {
	"mounter", "netns", "path", "fds", "passer", "perms", "module",
};

struct role_stats {
	long ops;
	long err[MAX_ERRNO + 1];
	long unexpected;
	int last_unexpected;
	char last_what[64];
};

/* Flags shared by the processes: read and written with __atomic builtins. */
#define GET(x)		__atomic_load_n(&(x), __ATOMIC_SEQ_CST)
#define SET(x, v)	__atomic_store_n(&(x), (v), __ATOMIC_SEQ_CST)

struct shared {
	int stop;
	int quiet;		/* let go of the stacks: an unload is coming */
	int module_loaded;
	long mounts, umounts, lazy, remounts, sockets, unloads, reloads, nsadd, nsdel;
	struct role_stats r[R_NROLES];
};

static struct shared *sh;
static struct msk_opts opts = { .seconds = 5, .jobs = 2 };
static char dir[128], slot_path[N_SLOTS][160], ns_name[N_NETNS][48];
static const char *ko;
static pid_t parked;
static double deadline;

static int running(void)
{
	return !GET(sh->stop) && msk_now() < deadline;
}

/* Count a result: allowed is a 0-terminated list of errnos besides 0. */
static void account(enum role r, int err, const int *allowed, const char *what)
{
	struct role_stats *s = &sh->r[r];
	int i;

	__atomic_add_fetch(&s->ops, 1, __ATOMIC_RELAXED);
	if (err < 0 || err > MAX_ERRNO)
		err = MAX_ERRNO;
	__atomic_add_fetch(&s->err[err], 1, __ATOMIC_RELAXED);
	if (!err)
		return;
	for (i = 0; allowed[i]; i++)
		if (allowed[i] == err)
			return;
	__atomic_add_fetch(&s->unexpected, 1, __ATOMIC_RELAXED);
	s->last_unexpected = err;
	snprintf(s->last_what, sizeof(s->last_what), "%s", what);
}

static int result(long ret)
{
	return ret < 0 ? errno : 0;
}

/* ---- mounter ---- */

static void mounter(uint64_t rng)
{
	/*
	 * ENOENT: the netns was deleted; EINVAL: caught between ip netns add
	 * making /var/run/netns/NAME and binding the netns on it (or del the
	 * other way round), it is a plain file; ENODEV: the module is out.
	 */
	static const int ok_mount[] = { ENOENT, EINVAL, ENODEV, EBUSY, 0 };
	static const int ok_umount[] = { EBUSY, EINVAL, 0 };
	static const int ok_remount[] = { EINVAL, 0 };
	static const char *const modes[] = { "0777", "0770", "0755", "0700", "0733", "0" };
	int mounted[N_SLOTS] = { 0 };
	char src[128], opt[128];
	int i, err;

	while (running()) {
		i = msk_below(&rng, N_SLOTS);
		if (GET(sh->quiet)) {	/* unmount everything and wait */
			for (i = 0; i < N_SLOTS; i++)
				if (mounted[i]) {
					umount2(slot_path[i], MNT_DETACH);
					mounted[i] = 0;
				}
			usleep(20000);
			continue;
		}
		if (mounted[i]) {
			uint32_t r = msk_below(&rng, 10);

			if (r < 4) {
				err = result(umount2(slot_path[i], msk_chance(&rng, 50) ? MNT_DETACH : 0));
				account(R_MOUNTER, err, ok_umount, "umount");
				if (!err) {
					mounted[i] = 0;
					__atomic_add_fetch(&sh->umounts, 1, __ATOMIC_RELAXED);
				}
			} else if (r < 6) {
				snprintf(opt, sizeof(opt), "mode=%s,uid=%d,gid=%d",
					 modes[msk_below(&rng, ARRAY_SIZE(modes))],
					 msk_chance(&rng, 50) ? 0 : MSK_UID_C,
					 msk_chance(&rng, 50) ? 0 : MSK_GID_S);
				err = result(mount(NULL, slot_path[i], NULL,
						   MS_REMOUNT | (msk_chance(&rng, 10) ? MS_RDONLY : 0),
						   opt));
				account(R_MOUNTER, err, ok_remount, "remount");
				if (!err)
					__atomic_add_fetch(&sh->remounts, 1, __ATOMIC_RELAXED);
			}
			continue;
		}
		switch (msk_below(&rng, 6)) {
		case 0:
			snprintf(src, sizeof(src), "current");
			break;
		case 1:
			snprintf(src, sizeof(src), "pid=%d", parked);
			break;
		case 2:
			snprintf(src, sizeof(src), "netns=/proc/%d/ns/net", parked);
			break;
		case 3:	/* by fd */
		{
			char path[128];
			int nsfd, fs, mnt;

			snprintf(path, sizeof(path), "/var/run/netns/%s",
				 ns_name[msk_below(&rng, N_NETNS)]);
			nsfd = open(path, O_RDONLY | O_CLOEXEC);
			if (nsfd < 0) {
				account(R_MOUNTER, errno, ok_mount, "open netns");
				continue;
			}
			fs = sys_fsopen("msockfs", FSOPEN_CLOEXEC);
			err = fs < 0 ? errno : 0;
			if (!err)
				err = result(sys_fsconfig(fs, FSCONFIG_SET_FD, "netns", NULL, nsfd));
			if (!err)
				err = result(sys_fsconfig(fs, FSCONFIG_SET_STRING, "mode", "0777", 0));
			if (!err)
				err = result(sys_fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0));
			mnt = err ? -1 : sys_fsmount(fs, FSMOUNT_CLOEXEC, 0);
			if (!err && mnt < 0)
				err = errno;
			if (!err)
				err = result(sys_move_mount(mnt, "", AT_FDCWD, slot_path[i],
							    MOVE_MOUNT_F_EMPTY_PATH));
			account(R_MOUNTER, err, ok_mount, "fsopen mount");
			if (!err) {
				mounted[i] = 1;
				__atomic_add_fetch(&sh->mounts, 1, __ATOMIC_RELAXED);
			}
			if (mnt >= 0)
				close(mnt);
			if (fs >= 0)
				close(fs);
			close(nsfd);
			continue;
		}
		default:
			snprintf(src, sizeof(src), "netns=%s", ns_name[msk_below(&rng, N_NETNS)]);
			break;
		}
		snprintf(opt, sizeof(opt), "mode=%s,gid=%d", modes[msk_below(&rng, 3)], MSK_GID_S);
		err = result(mount(src, slot_path[i], "msockfs",
				   msk_chance(&rng, 5) ? MS_RDONLY : 0, opt));
		account(R_MOUNTER, err, ok_mount, "mount");
		if (!err) {
			mounted[i] = 1;
			__atomic_add_fetch(&sh->mounts, 1, __ATOMIC_RELAXED);
		}
	}
	for (i = 0; i < N_SLOTS; i++)
		if (mounted[i])
			umount2(slot_path[i], MNT_DETACH);
}

/* ---- netns churn ---- */

static void netns_churn(uint64_t rng)
{
	static const int none[] = { 0 };
	char path[128];
	int k, status;

	while (running()) {
		k = msk_below(&rng, N_NETNS);
		snprintf(path, sizeof(path), "/var/run/netns/%s", ns_name[k]);
		if (access(path, F_OK) == 0) {
			status = run("ip netns del %s 2>/dev/null", ns_name[k]);
			if (!status)
				__atomic_add_fetch(&sh->nsdel, 1, __ATOMIC_RELAXED);
		} else {
			status = run("ip netns add %s 2>/dev/null", ns_name[k]);
			if (!status)
				__atomic_add_fetch(&sh->nsadd, 1, __ATOMIC_RELAXED);
		}
		account(R_NETNS, status ? EIO : 0, none, "ip netns");
		usleep(msk_below(&rng, 30000));
	}
}

/* ---- sockets by path, as an unprivileged user ---- */

struct thread_arg {
	uint64_t rng;
	int id;
};

static void *path_thread(void *p)
{
	static const int ok[] = { EOPNOTSUPP, ENOENT, EACCES, EROFS, ENODEV, ENXIO, 0 };
	static const int fam[][2] = {
		{ AF_INET, SOCK_STREAM }, { AF_INET6, SOCK_DGRAM }, { AF_UNIX, SOCK_STREAM },
	};
	struct thread_arg *a = p;
	int i, f, fd;

	while (running()) {
		if (GET(sh->quiet)) {
			usleep(20000);
			continue;
		}
		i = msk_below(&a->rng, N_SLOTS);
		f = msk_below(&a->rng, ARRAY_SIZE(fam));
		fd = msock_path_socket(slot_path[i], fam[f][0], fam[f][1] | SOCK_CLOEXEC, 0);
		account(R_PATH, fd < 0 ? errno : 0, ok, "path socket");
		if (fd >= 0) {
			__atomic_add_fetch(&sh->sockets, 1, __ATOMIC_RELAXED);
			close(fd);
		}
	}
	return NULL;
}

/* ---- shared stack fds: open/dup2/close against ioctls ---- */

static void *fd_opener(void *p)
{
	static const int ok[] = { ENOENT, 0 };
	struct thread_arg *a = p;
	int slot, fd;

	while (running()) {
		slot = FDSLOT_BASE + msk_below(&a->rng, N_FDSLOTS);
		if (GET(sh->quiet)) {
			for (slot = 0; slot < N_FDSLOTS; slot++)
				close(FDSLOT_BASE + slot);
			usleep(20000);
			continue;
		}
		if (msk_chance(&a->rng, 40)) {
			close(slot);
			continue;
		}
		fd = open(slot_path[msk_below(&a->rng, N_SLOTS)], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		account(R_FDS, fd < 0 ? errno : 0, ok, "open stack");
		if (fd >= 0) {
			dup3(fd, slot, O_CLOEXEC);
			close(fd);
		}
	}
	return NULL;
}

static void *fd_user(void *p)
{
	static const int ok[] = { EBADF, ENOTTY, EROFS, 0 };
	struct thread_arg *a = p;
	struct msock_socket_args sa = { .domain = AF_INET, .type = SOCK_DGRAM | SOCK_CLOEXEC };
	struct msock_stack_info info;
	int slot, ret;

	while (running()) {
		slot = FDSLOT_BASE + msk_below(&a->rng, N_FDSLOTS);
		switch (msk_below(&a->rng, 4)) {
		case 0:
			ret = ioctl(slot, MSOCK_IOC_STACK_INFO, &info);
			break;
		case 1:
			ret = ioctl(slot, MSOCK_IOC_GET_NETNS);
			break;
		default:
			ret = ioctl(slot, MSOCK_IOC_SOCKET, &sa);
			break;
		}
		account(R_FDS, ret < 0 ? errno : 0, ok, "stack ioctl");
		if (ret > 0) {
			__atomic_add_fetch(&sh->sockets, 1, __ATOMIC_RELAXED);
			close(ret);
		}
	}
	return NULL;
}

/*
 * The stack roots' info files are made on lookup and freed after use: read
 * them and list the roots while stacks come and go under them.
 */
static void *info_reader(void *p)
{
	static const char *const names[] = { "netns", "netns_cookie", "source", "options" };
	static const int ok[] = { ENOENT, ENOTDIR, ENODEV, EACCES, 0 };
	struct thread_arg *a = p;
	char path[200], buf[256];
	struct dirent *de;
	int fd, err;
	DIR *d;

	while (running()) {
		if (GET(sh->quiet)) {
			usleep(20000);
			continue;
		}
		if (msk_chance(&a->rng, 25)) {
			d = opendir(slot_path[msk_below(&a->rng, N_SLOTS)]);
			err = d ? 0 : errno;
			while (d && (de = readdir(d)))
				;
			if (d)
				closedir(d);
			account(R_FDS, err, ok, "readdir stack");
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s", slot_path[msk_below(&a->rng, N_SLOTS)],
			 names[msk_below(&a->rng, ARRAY_SIZE(names))]);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		err = fd < 0 ? errno : 0;
		if (fd >= 0) {
			if (read(fd, buf, sizeof(buf)) <= 0)
				err = EIO;	/* an info file is never empty */
			close(fd);
		}
		account(R_FDS, err, ok, "read info file");
	}
	return NULL;
}

static void run_threads(void *(*fn[])(void *), int n, uint64_t seed)
{
	pthread_t th[16];
	struct thread_arg args[16];
	int i;

	for (i = 0; i < n; i++) {
		args[i].rng = seed + 0x1000193ULL * (i + 1);
		args[i].id = i;
		pthread_create(&th[i], NULL, fn[i], &args[i]);
	}
	for (i = 0; i < n; i++)
		pthread_join(th[i], NULL);
}

/* ---- stack fds over SCM_RIGHTS ---- */

static void passer(uint64_t rng)
{
	static const int ok_open[] = { ENOENT, 0 };
	static const int ok_use[] = { ENOTTY, EROFS, EACCES, 0 };
	struct msock_socket_args sa = { .domain = AF_UNIX, .type = SOCK_STREAM | SOCK_CLOEXEC };
	int sp[2], fd, s;
	pid_t child;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp))
		return;
	child = fork();
	if (child == 0) {	/* the receiver, as another user */
		gid_t g = MSK_GID_S;

		close(sp[0]);
		if (msk_become(MSK_UID_C, MSK_UID_C, 1, &g))
			_exit(1);
		while ((fd = recv_fd(sp[1])) >= 0) {
			s = ioctl(fd, MSOCK_IOC_SOCKET, &sa);
			account(R_PASSER, s < 0 ? errno : 0, ok_use, "received fd");
			if (s >= 0)
				close(s);
			close(fd);
		}
		_exit(0);
	}
	close(sp[1]);
	while (running()) {
		if (GET(sh->quiet)) {
			usleep(20000);
			continue;
		}
		fd = open(slot_path[msk_below(&rng, N_SLOTS)], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		account(R_PASSER, fd < 0 ? errno : 0, ok_open, "open to pass");
		if (fd < 0)
			continue;
		send_fd_flags(sp[0], fd, MSG_DONTWAIT);
		close(fd);
		usleep(msk_below(&rng, 2000));
	}
	close(sp[0]);
	waitpid(child, NULL, 0);
}

/* ---- chmod and chown ---- */

static void perms(uint64_t rng)
{
	static const int ok[] = { EROFS, 0 };
	static const mode_t modes[] = { 0777, 0770, 0755, 0700, 0733, 0, 0711 };
	int i, err;

	while (running()) {
		i = msk_below(&rng, N_SLOTS);
		if (msk_chance(&rng, 50))
			err = result(chmod(slot_path[i], modes[msk_below(&rng, ARRAY_SIZE(modes))]));
		else
			err = result(chown(slot_path[i], msk_chance(&rng, 50) ? 0 : MSK_UID_C,
					   msk_chance(&rng, 50) ? 0 : MSK_GID_S));
		account(R_PERMS, err, ok, "chmod/chown");
		usleep(msk_below(&rng, 1000));
	}
}

/* ---- the module ---- */

static void module_role(uint64_t rng)
{
	static const int ok_del[] = { EWOULDBLOCK, EBUSY, ENOENT, 0 };
	static const int ok_load[] = { EEXIST, 0 };
	double next_quiet = msk_now() + 1 + msk_below(&rng, 1000) / 1000.0;
	int err, i;

	while (running()) {
		if (msk_now() > next_quiet) {
			SET(sh->quiet, 1);
			usleep(300000);
		}
		err = result(msk_delete_module("msocket", O_NONBLOCK));
		account(R_MODULE, err, ok_del, "delete_module");
		if (!err) {
			SET(sh->module_loaded, 0);
			__atomic_add_fetch(&sh->unloads, 1, __ATOMIC_RELAXED);
			usleep(msk_below(&rng, 50000));	/* let the others find it gone */
			err = result(msk_finit_module(ko));
			account(R_MODULE, err, ok_load, "finit_module");
			if (!err) {
				SET(sh->module_loaded, 1);
				__atomic_add_fetch(&sh->reloads, 1, __ATOMIC_RELAXED);
			}
		}
		if (GET(sh->quiet)) {
			SET(sh->quiet, 0);
			next_quiet = msk_now() + 1 + msk_below(&rng, 2000) / 1000.0;
		}
		for (i = 0; i < 5 && running(); i++)
			usleep(10000);
	}
	/* leave it loaded */
	if (msk_module_refcnt() < 0)
		msk_finit_module(ko);
}

/* ---- setup, the storm, and the checks ---- */

static pid_t spawn(enum role r, uint64_t seed)
{
	pid_t pid = fork();

	if (pid)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	switch (r) {
	case R_MOUNTER:
		mounter(seed);
		break;
	case R_NETNS:
		netns_churn(seed);
		break;
	case R_PATH:
	{
		void *(*fn[4])(void *) = { path_thread, path_thread, path_thread, path_thread };
		gid_t g = MSK_GID_S;

		if (msk_become(MSK_UID_C, MSK_UID_C, 1, &g))
			_exit(1);
		run_threads(fn, opts.jobs, seed);
		break;
	}
	case R_FDS:
	{
		void *(*fn[4])(void *) = { fd_opener, fd_user, fd_user, info_reader };

		run_threads(fn, 4, seed);
		break;
	}
	case R_PASSER:
		passer(seed);
		break;
	case R_PERMS:
		perms(seed);
		break;
	case R_MODULE:
		module_role(seed);
		break;
	default:
		break;
	}
	_exit(0);
}

static void print_stats(void)
{
	int r, e;
	char line[1024];
	size_t n;

	for (r = 0; r < R_NROLES; r++) {
		struct role_stats *s = &sh->r[r];

		n = snprintf(line, sizeof(line), "%-8s %7ld calls:", role_names[r], s->ops);
		for (e = 0; e <= MAX_ERRNO && n < sizeof(line) - 40; e++)
			if (s->err[e])
				n += snprintf(line + n, sizeof(line) - n, " %s %ld",
					      e == MAX_ERRNO ? "other" : e == EIO ? "failed" :
					      msk_errname(e), s->err[e]);
		ksft_print_msg("%s\n", line);
		if (s->unexpected)
			ksft_print_msg("%-8s %ld unexpected results, last %s from %s\n",
				       role_names[r], s->unexpected, msk_errname(s->last_unexpected),
				       s->last_what);
	}
}

int main(int argc, char **argv)
{
	pid_t pids[R_NROLES];
	long base_ns, peak_ns = 0, end_ns, unexpected = 0;
	int i, status, left, err = 0, kmemleak, crashed = 0;
	double start, secs;
	uint64_t rng;

	msk_parse_opts(argc, argv, &opts,
		       "a bounded storm; -t seconds (default 5), -j path threads (default 2)");
	ko = getenv("MSOCKET_KO");
	if (opts.jobs > 4)
		opts.jobs = 4;
	ksft_print_header();
	ksft_print_msg("seed %llu (replay: %s -s %llu -t %g -j %d), MSOCKET_KO=%s\n", opts.seed,
		       argv[0], opts.seed, opts.seconds, opts.jobs, ko ?: "(unset)");
	if (geteuid())
		msk_skip_all("must run as root");
	if (msk_module_refcnt() < 0)
		msk_skip_all("msocket.ko is not loaded");
	if (!ko || access(ko, R_OK))
		msk_skip_all("MSOCKET_KO must name the module file (to reload it)");
	ksft_set_plan(5);
	rng = opts.seed;

	kmemleak = msk_kmemleak_clear();
	base_ns = msk_settled_netns_objects(30);
	ksft_print_msg("net_namespace objects before the storm: %ld\n", base_ns);

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		ksft_exit_fail_msg("mmap: %s\n", strerror(errno));
	memset(sh, 0, sizeof(*sh));
	SET(sh->module_loaded, 1);
	msk_scratch(dir, sizeof(dir), "storm");
	for (i = 0; i < N_SLOTS; i++) {
		snprintf(slot_path[i], sizeof(slot_path[i]), "%s/m%d", dir, i);
		if (mkdir(slot_path[i], 0755))
			ksft_exit_fail_msg("mkdir: %s\n", strerror(errno));
	}
	for (i = 0; i < N_NETNS; i++) {
		snprintf(ns_name[i], sizeof(ns_name[i]), "mskst%d-%d", getpid(), i);
		msk_netns_add(ns_name[i]);
	}
	parked = park();
	if (parked < 0)
		ksft_exit_fail_msg("cannot park a process in a netns\n");

	fflush(stdout);
	start = msk_now();
	deadline = start + opts.seconds;
	for (i = 0; i < R_NROLES; i++)
		pids[i] = spawn(i, msk_rand(&rng));
	while (msk_now() < deadline + 1) {
		long n = msk_netns_objects();

		if (n > peak_ns)
			peak_ns = n;
		sleep(1);
	}
	SET(sh->stop, 1);
	for (i = 0; i < R_NROLES; i++) {
		if (waitpid(pids[i], &status, 0) != pids[i] || !WIFEXITED(status) ||
		    WEXITSTATUS(status)) {
			ksft_print_msg("role %s ended badly (status %#x)\n", role_names[i], status);
			crashed = 1;
		}
	}
	secs = msk_now() - start;
	for (i = 0; i < R_NROLES; i++)
		unexpected += sh->r[i].unexpected;
	print_stats();
	ksft_print_msg("%.1f s: %ld mounts, %ld umounts, %ld remounts, %ld sockets, %ld ip netns add, %ld ip netns del, %ld module unloads, %ld reloads\n",
		       secs, sh->mounts, sh->umounts, sh->remounts, sh->sockets, sh->nsadd,
		       sh->nsdel, sh->unloads, sh->reloads);
	ksft_test_result(!unexpected && !crashed, "storm of %.0f s: %ld calls, %ld unexpected results\n",
			 secs, sh->r[R_MOUNTER].ops + sh->r[R_PATH].ops + sh->r[R_FDS].ops +
			 sh->r[R_PASSER].ops + sh->r[R_PERMS].ops + sh->r[R_MODULE].ops +
			 sh->r[R_NETNS].ops, unexpected);

	/* Clean up what the storm made. */
	for (i = 0; i < N_SLOTS; i++)
		while (umount2(slot_path[i], MNT_DETACH) == 0)
			;
	left = msk_count_stack_mounts();
	for (i = 0; i < N_NETNS; i++)
		run("ip netns del %s 2>/dev/null", ns_name[i]);
	kill(parked, SIGKILL);
	waitpid(parked, NULL, 0);
	umount2(dir, MNT_DETACH);
	rmdir(dir);
	ksft_test_result(left == 0, "no stack left mounted (%d)\n", left);

	end_ns = msk_wait_netns_objects(base_ns, 120);
	ksft_test_result(end_ns >= 0 && end_ns <= base_ns,
			 "every netns made for the test freed: net_namespace objects %ld before, %ld at the peak, %ld after\n",
			 base_ns, peak_ns, end_ns);

	if (msk_module_refcnt() < 0 && msk_finit_module(ko))
		ksft_print_msg("reloading %s: %s\n", ko, strerror(errno));
	for (i = 0; i < 100; i++) {
		err = result(msk_delete_module("msocket", O_NONBLOCK));
		if (err != EWOULDBLOCK && err != EBUSY)
			break;
		usleep(100000);
	}
	ksft_test_result(err == 0, "the module unloads after the storm (%s)\n", msk_errname(err));
	if (msk_finit_module(ko))
		ksft_print_msg("reloading %s: %s\n", ko, strerror(errno));

	msk_kmemleak_result(kmemleak);
	ksft_print_msg("seed %llu\n", opts.seed);
	ksft_finished();
}
