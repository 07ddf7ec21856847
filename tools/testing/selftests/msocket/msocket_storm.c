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
 *               form, with and without families=, remount (uid=, gid=,
 *               mode=, families=), umount and umount -l
 *   netns       ip netns add and ip netns del of the namespaces stacks bind
 *   path        MSOCK_IOC_PATH_SOCKET and MSOCK_IOC_PATH_HANDLE (and a
 *               socket through the handle) as an unprivileged user (threads)
 *   fds         threads opening stack roots onto shared fd numbers (dup2),
 *               closing them, and calling the stack ioctls on them; one
 *               reading the info files (made on lookup) and listing roots
 *   handles     stack handles made (GET_HANDLE, PATH_HANDLE) by one thread,
 *               put on shared fd numbers or handed over a pipe to the
 *               threads that use them (sockets, fdinfo) and close them
 *   passer      stack fds and stack handles passed over SCM_RIGHTS to a
 *               child of another user that uses them
 *   perms       chmod and chown of the stack roots, which revoke the
 *               handles in use
 *   module      delete_module(O_NONBLOCK) of msocket, and when that works,
 *               finit_module of $MSOCKET_KO; now and then it asks the others
 *               to let go (a quiet moment), so that the unload can succeed
 *
 * Every call must end in an errno its role expects. Afterwards: the
 * handles role has no fd left open, every namespace made for the test is
 * freed (the net_namespace slab objects return to their count before the
 * storm), no stack stays mounted, the module unloads (and is loaded again),
 * and a kmemleak scan reports nothing attributable to msocket (when the
 * kernel has kmemleak).
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
#define N_HSLOTS	6	/* shared fd numbers of the handles role */
#define HSLOT_BASE	220
#define MAX_ERRNO	134

enum role {
	R_MOUNTER, R_NETNS, R_PATH, R_FDS, R_HANDLES, R_PASSER, R_PERMS, R_MODULE, R_NROLES
};

static const char *const role_names[] = {
	"mounter", "netns", "path", "fds", "handles", "passer", "perms", "module",
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
	long handles, handle_sockets, revoked, families_mounts;
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
	/*
	 * A remount read-only is EBUSY while another thread holds write
	 * access to the mount (the perms thread's chmod/chown: the VFS's
	 * sb_prepare_remount_readonly()).
	 */
	static const int ok_remount[] = { EINVAL, 0 };
	static const int ok_remount_ro[] = { EINVAL, EBUSY, 0 };
	static const char *const modes[] = { "0777", "0770", "0755", "0700", "0733", "0" };
	static const char *const families[] = {
		"all", "inet:inet6", "unix", "inet:unix:inet6:16", "10", "inet6:unix",
	};
	int mounted[N_SLOTS] = { 0 };
	char src[128], opt[160];
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
				int ro;

				if (msk_chance(&rng, 35))	/* no revocation */
					snprintf(opt, sizeof(opt), "families=%s",
						 families[msk_below(&rng, ARRAY_SIZE(families))]);
				else
					snprintf(opt, sizeof(opt), "mode=%s,uid=%d,gid=%d%s%s",
						 modes[msk_below(&rng, ARRAY_SIZE(modes))],
						 msk_chance(&rng, 50) ? 0 : MSK_UID_C,
						 msk_chance(&rng, 50) ? 0 : MSK_GID_S,
						 msk_chance(&rng, 30) ? ",families=" : "",
						 msk_chance(&rng, 30) ?
						 families[msk_below(&rng, ARRAY_SIZE(families))] : "");
				ro = msk_chance(&rng, 10);
				err = result(mount(NULL, slot_path[i], NULL,
						   MS_REMOUNT | (ro ? MS_RDONLY : 0), opt));
				account(R_MOUNTER, err, ro ? ok_remount_ro : ok_remount,
					ro ? "remount ro" : "remount");
				if (!err)
					__atomic_add_fetch(&sh->remounts, 1, __ATOMIC_RELAXED);
				if (!err && strstr(opt, "families="))
					__atomic_add_fetch(&sh->families_mounts, 1,
							   __ATOMIC_RELAXED);
			}
			continue;
		}
		switch (msk_below(&rng, 6)) {
		case 0:
			snprintf(src, sizeof(src), "current");
			break;
		case 1:
			snprintf(src, sizeof(src), "netns=/proc/self/ns/net");
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
		if (msk_chance(&rng, 30)) {
			strcat(opt, ",families=");
			strcat(opt, families[1 + msk_below(&rng, ARRAY_SIZE(families) - 1)]);
		}
		err = result(mount(src, slot_path[i], "msockfs",
				   msk_chance(&rng, 5) ? MS_RDONLY : 0, opt));
		account(R_MOUNTER, err, ok_mount, "mount");
		if (!err) {
			mounted[i] = 1;
			__atomic_add_fetch(&sh->mounts, 1, __ATOMIC_RELAXED);
			if (strstr(opt, "families="))
				__atomic_add_fetch(&sh->families_mounts, 1, __ATOMIC_RELAXED);
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

static const int fam[][2] = {
	{ AF_INET, SOCK_STREAM }, { AF_INET6, SOCK_DGRAM }, { AF_UNIX, SOCK_STREAM },
};

/*
 * A socket through a stack handle: refused while the stack or the mount is
 * read-only, once a chmod, chown or remount revoked the handle, and for a
 * family the stack does not serve (families=); ok is the list of errnos.
 */
static int handle_socket(int fd, uint64_t *rng, enum role r, const int *ok, const char *what)
{
	int f = msk_below(rng, ARRAY_SIZE(fam)), s, err;

	s = msock_fd_socket(fd, fam[f][0], fam[f][1] | SOCK_CLOEXEC, 0);
	err = s < 0 ? errno : 0;
	account(r, err, ok, what);
	if (s >= 0) {
		__atomic_add_fetch(&sh->sockets, 1, __ATOMIC_RELAXED);
		__atomic_add_fetch(&sh->handle_sockets, 1, __ATOMIC_RELAXED);
		close(s);
	} else if (err == EACCES) {
		__atomic_add_fetch(&sh->revoked, 1, __ATOMIC_RELAXED);
	}
	return err;
}

static void *path_thread(void *p)
{
	static const int ok[] = {
		EOPNOTSUPP, ENOENT, EACCES, EROFS, ENODEV, ENXIO, EAFNOSUPPORT, 0
	};
	static const int ok_use[] = { EACCES, EROFS, EAFNOSUPPORT, 0 };
	struct thread_arg *a = p;
	int i, f, fd;

	while (running()) {
		if (GET(sh->quiet)) {
			usleep(20000);
			continue;
		}
		i = msk_below(&a->rng, N_SLOTS);
		if (msk_chance(&a->rng, 20)) {	/* a handle of its own, used at once */
			fd = msock_path_handle(slot_path[i], 0);
			account(R_PATH, fd < 0 ? errno : 0, ok, "path handle");
			if (fd < 0)
				continue;
			__atomic_add_fetch(&sh->handles, 1, __ATOMIC_RELAXED);
			handle_socket(fd, &a->rng, R_PATH, ok_use, "own handle socket");
			close(fd);
			continue;
		}
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
	static const int ok[] = { EBADF, ENOTTY, EROFS, EAFNOSUPPORT, 0 };
	static const int ok_use[] = { EACCES, EROFS, EAFNOSUPPORT, 0 };
	struct thread_arg *a = p;
	struct msock_socket_args sa = { .domain = AF_INET, .type = SOCK_DGRAM | SOCK_CLOEXEC };
	struct msock_stack_info info;
	int slot, ret, op;

	while (running()) {
		slot = FDSLOT_BASE + msk_below(&a->rng, N_FDSLOTS);
		switch ((op = msk_below(&a->rng, 5))) {
		case 0:
			ret = ioctl(slot, MSOCK_IOC_STACK_INFO, &info);
			break;
		case 1:
			ret = ioctl(slot, MSOCK_IOC_GET_NETNS);
			break;
		case 2:	/* a handle of a directory another thread may close */
			ret = msock_get_handle(slot);
			break;
		default:
			ret = ioctl(slot, MSOCK_IOC_SOCKET, &sa);
			break;
		}
		account(R_FDS, ret < 0 ? errno : 0, ok, "stack ioctl");
		if (ret >= 0 && op == 2) {
			__atomic_add_fetch(&sh->handles, 1, __ATOMIC_RELAXED);
			handle_socket(ret, &a->rng, R_FDS, ok_use, "handle socket");
			close(ret);
		} else if (ret > 0) {
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

/* ---- stack handles: made by one thread, used and closed by others ---- */

static void run_threads(void *(*fn[])(void *), int n, uint64_t seed);

static int handle_queue[2];	/* fd numbers handed from the maker to the users */

static void close_handle_slots(void)
{
	int slot;

	for (slot = 0; slot < N_HSLOTS; slot++)
		close(HSLOT_BASE + slot);
}

static void *handle_maker(void *p)
{
	/*
	 * ENOENT: the module is out (no /dev/msocket); EOPNOTSUPP by path and
	 * ENOTTY on the directory: nothing is mounted there
	 */
	static const int ok[] = { ENOENT, EOPNOTSUPP, ENOTTY, EROFS, ENODEV, ENXIO, 0 };
	struct thread_arg *a = p;
	int dir, h, err;

	while (running()) {
		if (GET(sh->quiet)) {
			close_handle_slots();
			usleep(20000);
			continue;
		}
		if (msk_chance(&a->rng, 30)) {
			close(HSLOT_BASE + msk_below(&a->rng, N_HSLOTS));
			continue;
		}
		if (msk_chance(&a->rng, 50)) {
			h = msock_path_handle(slot_path[msk_below(&a->rng, N_SLOTS)], 0);
			err = h < 0 ? errno : 0;
		} else {
			dir = open(slot_path[msk_below(&a->rng, N_SLOTS)],
				   O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			err = dir < 0 ? errno : 0;
			h = -1;
			if (dir >= 0) {
				h = msock_get_handle(dir);
				err = h < 0 ? errno : 0;
				close(dir);
			}
		}
		account(R_HANDLES, err, ok, "make handle");
		if (h < 0)
			continue;
		__atomic_add_fetch(&sh->handles, 1, __ATOMIC_RELAXED);
		if (msk_chance(&a->rng, 50)) {	/* onto a shared number */
			dup3(h, HSLOT_BASE + msk_below(&a->rng, N_HSLOTS), O_CLOEXEC);
			close(h);
		} else if (write(handle_queue[1], &h, sizeof(h)) != sizeof(h)) {
			close(h);	/* the users are behind: drop it */
		}
		usleep(msk_below(&a->rng, 500));
	}
	return NULL;
}

/*
 * Sockets through handles on the shared numbers (closed or replaced by the
 * maker meanwhile: EBADF) and through those handed over the pipe (used a few
 * times, then closed); their fdinfo says whether a chmod revoked them.
 */
static void *handle_user(void *p)
{
	static const int ok_slot[] = { EBADF, EACCES, EROFS, EAFNOSUPPORT, 0 };
	static const int ok_own[] = { EACCES, EROFS, EAFNOSUPPORT, 0 };
	static const int ok_info[] = { ENOENT, 0 };
	struct thread_arg *a = p;
	char path[64], buf[512];
	int h, n, err;

	while (running()) {
		if (GET(sh->quiet)) {	/* drain the queue */
			while (read(handle_queue[0], &h, sizeof(h)) == sizeof(h))
				close(h);
			usleep(20000);
			continue;
		}
		if (msk_chance(&a->rng, 40) &&
		    read(handle_queue[0], &h, sizeof(h)) == sizeof(h)) {
			for (n = 1 + msk_below(&a->rng, 3); n > 0; n--)
				handle_socket(h, &a->rng, R_HANDLES, ok_own, "handed handle");
			close(h);
			continue;
		}
		h = HSLOT_BASE + msk_below(&a->rng, N_HSLOTS);
		if (msk_chance(&a->rng, 15)) {
			snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", h);
			err = read_small_file(path, buf, sizeof(buf)) < 0 ? errno : 0;
			if (!err && !strstr(buf, "revoked:\t0\n") && !strstr(buf, "revoked:\t1\n"))
				err = EIO;	/* a handle's fdinfo says whether it is revoked */
			account(R_HANDLES, err, ok_info, "handle fdinfo");
			continue;
		}
		handle_socket(h, &a->rng, R_HANDLES, ok_slot, "slot handle");
	}
	return NULL;
}

static void handles_role(uint64_t seed)
{
	static const int none[] = { 0 };
	void *(*fn[3])(void *) = { handle_maker, handle_user, handle_user };
	int before = msk_count_fds(), after, h;

	if (pipe2(handle_queue, O_CLOEXEC | O_NONBLOCK))
		_exit(1);
	before += 2;
	run_threads(fn, 3, seed);
	/* everything made was closed: only the pipe remains */
	close_handle_slots();
	while (read(handle_queue[0], &h, sizeof(h)) == sizeof(h))
		close(h);
	after = msk_count_fds();
	account(R_HANDLES, after == before ? 0 : EMFILE, none, "fds left open by the handles role");
	if (after != before)
		ksft_print_msg("handles role: %d fds open before, %d after\n", before, after);
	fflush(stdout);
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
	static const int ok_open[] = { ENOENT, EOPNOTSUPP, EROFS, ENODEV, ENXIO, 0 };
	static const int ok_use[] = { ENOTTY, EROFS, EACCES, EAFNOSUPPORT, 0 };
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
		if (msk_chance(&rng, 40)) {	/* a stack handle: the right itself */
			fd = msock_path_handle(slot_path[msk_below(&rng, N_SLOTS)], 0);
			account(R_PASSER, fd < 0 ? errno : 0, ok_open, "handle to pass");
			if (fd >= 0)
				__atomic_add_fetch(&sh->handles, 1, __ATOMIC_RELAXED);
		} else {
			fd = open(slot_path[msk_below(&rng, N_SLOTS)],
				  O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			account(R_PASSER, fd < 0 ? errno : 0, ok_open, "open to pass");
		}
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
	case R_HANDLES:
		handles_role(seed);
		break;
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
	long base_ns, peak_ns = 0, end_ns, unexpected = 0, calls = 0;
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
	ksft_print_msg("%.1f s: %ld mounts, %ld umounts, %ld remounts (%ld mounts and remounts with families=), %ld sockets, %ld stack handles (%ld sockets through them, %ld refused as revoked), %ld ip netns add, %ld ip netns del, %ld module unloads, %ld reloads\n",
		       secs, sh->mounts, sh->umounts, sh->remounts, sh->families_mounts, sh->sockets,
		       sh->handles, sh->handle_sockets, sh->revoked, sh->nsadd, sh->nsdel,
		       sh->unloads, sh->reloads);
	for (i = 0; i < R_NROLES; i++)
		calls += sh->r[i].ops;
	ksft_test_result(!unexpected && !crashed, "storm of %.0f s: %ld calls, %ld unexpected results\n",
			 secs, calls, unexpected);

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
