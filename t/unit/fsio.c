/* SPDX-License-Identifier: ISC */
/* Unit tests for lib/core/fsio.c and lib/core/secret.c. */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/fsio.h"
#include "core/secret.h"
#include "tap.h"

static char dir[] = "/tmp/glow-fsio-XXXXXX";

static int
count_entries(const char *d)
{
	DIR *dp = opendir(d);
	struct dirent *e;
	int n = 0;

	if (!dp)
		return -1;
	while ((e = readdir(dp)))
		if (e->d_name[0] != '.' || (e->d_name[1] && e->d_name[1] != '.'))
			n++;
	closedir(dp);
	return n;
}

static void
test_atomic(void)
{
	char path[256];
	struct glow_buf b = GLOW_BUF_INIT;
	struct stat st;

	snprintf(path, sizeof path, "%s/roster.json", dir);
	ok(glow_write_atomic(path, "old\n", 4, 0600) == 0, "atomic write creates");
	ok(glow_write_atomic(path, "new!\n", 5, 0644) == 0, "atomic write replaces");
	ok(glow_read_file(path, &b, 100) == 0, "read back");
	is_mem(b.p, b.len, "new!\n", 5, "content is the new one");
	ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0644, "mode as asked");
	is_int(count_entries(dir), 1, "no temporary file left behind");
	glow_buf_free(&b);

	snprintf(path, sizeof path, "%s/missing/roster.json", dir);
	ok(glow_write_atomic(path, "x", 1, 0600) < 0 && errno == ENOENT,
	    "missing directory fails with ENOENT");
}

static void
test_read_limits(void)
{
	char path[256];
	struct glow_buf b = GLOW_BUF_INIT;

	snprintf(path, sizeof path, "%s/big", dir);
	glow_write_atomic(path, "0123456789", 10, 0600);
	ok(glow_read_file(path, &b, 5) < 0 && errno == EFBIG, "EFBIG past max");
	glow_buf_reset(&b);
	ok(glow_read_file(path, &b, 10) == 0 && b.len == 10, "exactly max is fine");
	ok(glow_read_file("/nonexistent/x", &b, 10) < 0 && errno == ENOENT,
	    "missing file fails with ENOENT");
	glow_buf_free(&b);
	unlink(path);
}

static void
test_lock(void)
{
	char path[256], lockpath[300];
	int fd, other, status;
	pid_t pid;

	snprintf(path, sizeof path, "%s/roster.json", dir);
	snprintf(lockpath, sizeof lockpath, "%s.lock", path);
	ok((fd = glow_lock(path)) >= 0, "lock taken");
	pid = fork();
	if (pid == 0) {
		/* Another process cannot take it while we hold it. */
		other = open(lockpath, O_RDWR);
		_exit(flock(other, LOCK_EX | LOCK_NB) < 0 && errno ==
		    EWOULDBLOCK ? 0 : 1);
	}
	waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "lock is exclusive across processes");
	glow_unlock(fd);
	other = open(lockpath, O_RDWR);
	ok(flock(other, LOCK_EX | LOCK_NB) == 0, "unlock releases it");
	close(other);
}

static void
test_append(void)
{
	char path[256];
	struct glow_buf b = GLOW_BUF_INIT;

	snprintf(path, sizeof path, "%s/log.jsonl", dir);
	ok(glow_append_durable(path, "{\"a\":1}\n", 8, 0600) == 0, "append creates");
	ok(glow_append_durable(path, "{\"a\":2}\n", 8, 0600) == 0, "append adds");
	glow_read_file(path, &b, 100);
	is_mem(b.p, b.len, "{\"a\":1}\n{\"a\":2}\n", 16, "records in order");
	glow_buf_free(&b);
}

static void
test_secret(void)
{
	struct glow_buf b = GLOW_BUF_INIT;
	char path[256];

	ok(glow_secret_value("-----BEGIN X-----\\nabc\\n-----END X-----\\n",
	    &b, 1) == GLOW_SECRET_OK, "escaped PEM accepted");
	is_str(b.p, "-----BEGIN X-----\nabc\n-----END X-----",
	    "\\n escapes become newlines, trailing space trimmed");
	glow_buf_wipe(&b);

	ok(glow_secret_value("  \n ", &b, 1) == GLOW_SECRET_EMPTY,
	    "blank value is empty");
	glow_buf_wipe(&b);
	ok(glow_secret_value(NULL, &b, 1) == GLOW_SECRET_EMPTY, "unset is empty");

	snprintf(path, sizeof path, "%s/key", dir);
	glow_write_atomic(path, "s3cret\n", 7, 0600);
	{
		char at[300];

		snprintf(at, sizeof at, "@%s", path);
		ok(glow_secret_value(at, &b, 1) == GLOW_SECRET_OK, "@path read");
		is_str(b.p, "s3cret", "file content, newline trimmed");
		glow_buf_wipe(&b);
		chmod(path, 0644);
		ok(glow_secret_value(at, &b, 1) == GLOW_SECRET_MODE,
		    "world-readable file refused in strict mode");
		ok(glow_secret_value(at, &b, 0) == GLOW_SECRET_OK,
		    "and accepted when not strict");
		glow_buf_wipe(&b);
	}
	ok(glow_secret_value("@/nonexistent/key", &b, 1) == GLOW_SECRET_READ,
	    "missing file is a read error");
	unlink(path);
}

int
main(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 2;
	}
	test_atomic();
	test_read_limits();
	test_lock();
	test_append();
	test_secret();
	{
		char cmd[300];

		snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			perror("rm");
	}
	return done_testing();
}
