/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for lib/events/glob.c: the filter patterns of GitHub Actions, one
 * table per rule of the cheat sheet (and GitHub's own examples), then the
 * list semantics: order, negation, only-negations.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events/glob.h"
#include "tap.h"

static const struct { const char *pat, *s; int want; } m[] = {
	/* literal */
	{ "main", "main", 1 },
	{ "main", "mainline", 0 },
	{ "main", "Main", 0 },                  /* case-sensitive */
	{ "releases/mona-the-octocat", "releases/mona-the-octocat", 1 },
	/* * : anything but '/' */
	{ "*", "main", 1 },
	{ "*", "", 1 },
	{ "*", "feature/x", 0 },
	{ "feature/*", "feature/my-branch", 1 },
	{ "feature/*", "feature/beta-a/my-branch", 0 },
	{ "*feature", "mona-feature", 1 },
	{ "*feature", "feature", 1 },
	{ "*feature", "ver/feature", 0 },
	{ "v2*", "v2", 1 },
	{ "v2*", "v2.0.9", 1 },
	{ "*.js", "app.js", 1 },
	{ "*.js", "js/index.js", 0 },
	{ "*", ".github", 1 },                  /* no dot-file rule */
	{ "docs/*", "docs/README.md", 1 },
	{ "docs/*", "docs/mona/octocat.txt", 0 },
	{ "a*b*c", "axxbyyc", 1 },
	{ "a*b*c", "axxbyy/c", 0 },
	/* ** : anything, '/' included */
	{ "**", "all/the/files.md", 1 },
	{ "**", "", 1 },
	{ "feature/**", "feature/beta-a/my-branch", 1 },
	{ "feature/**", "feature/your-branch", 1 },
	{ "feature/**", "feature", 0 },
	{ "**.js", "index.js", 1 },
	{ "**.js", "src/js/app.js", 1 },
	{ "**.js", "src/js/app.jsx", 0 },
	{ "docs/**", "docs/mona/octocat.txt", 1 },
	{ "docs/**/*.md", "docs/README.md", 1 },
	{ "docs/**/*.md", "docs/mona/hello-world.md", 1 },
	{ "docs/**/*.md", "docs/a/b/c.md", 1 },
	{ "docs/**/*.md", "docs/a/b/c.txt", 0 },
	{ "**/docs/**", "docs/hello.md", 1 },
	{ "**/docs/**", "dir/docs/my-file.txt", 1 },
	{ "**/docs/**", "space/docs/plan/space.doc", 1 },
	{ "**/README.md", "README.md", 1 },
	{ "**/README.md", "js/README.md", 1 },
	{ "**/README.md", "xREADME.md", 0 },
	{ "**/*src/**", "a/src/app.js", 1 },
	{ "**/*src/**", "my-src/code/js/app.js", 1 },
	{ "**/*-post.md", "my-post.md", 1 },
	{ "**/*-post.md", "path/their-post.md", 1 },
	{ "**/migrate-*.sql", "migrate-10909.sql", 1 },
	{ "**/migrate-*.sql", "db/migrate-v1.0.sql", 1 },
	{ "**/migrate-*.sql", "db/sept/migrate-v1.sql", 1 },
	{ "a**/b", "ab", 0 },                   /* only at start or after '/' */
	{ "a**/b", "ax/b", 1 },
	{ "**", "a/b/c", 1 },
	{ "***", "a/b", 1 },
	/* ? : zero or one of the preceding character */
	{ "Octoc?t", "Octoct", 1 },
	{ "Octoc?t", "Octot", 1 },
	{ "Octoc?t", "Octocat", 0 },
	{ "colou?r", "color", 1 },
	{ "colou?r", "colour", 1 },
	{ "colou?r", "colouur", 0 },
	{ "v[0-9]?", "v", 1 },
	{ "v[0-9]?", "v7", 1 },
	{ "v[0-9]?", "v77", 0 },
	/* + : one or more of the preceding character */
	{ "ab+c", "abc", 1 },
	{ "ab+c", "abbbc", 1 },
	{ "ab+c", "ac", 0 },
	{ "v[0-9]+", "v2024", 1 },
	{ "v[0-9]+", "v", 0 },
	{ "v[0-9]+", "v1a", 0 },
	{ "release-[0-9]+.[0-9]+", "release-10.2", 1 },
	/* [...] : one character of a set; ranges a-z, A-Z, 0-9 */
	{ "[CB]at", "Cat", 1 },
	{ "[CB]at", "Bat", 1 },
	{ "[CB]at", "Hat", 0 },
	{ "[1-2]00", "100", 1 },
	{ "[1-2]00", "200", 1 },
	{ "[1-2]00", "300", 0 },
	{ "[0-9a-z]", "7", 1 },
	{ "[0-9a-z]", "q", 1 },
	{ "[0-9a-z]", "Q", 0 },
	{ "release/v[0-9].[0-9]", "release/v1.2", 1 },
	{ "[-_]x", "-x", 1 },
	{ "[a-]x", "-x", 1 },
	{ "[!a]", "!", 1 },                     /* no negated sets */
	{ "[!a]", "b", 0 },
	/* the plain ends checked first must not change the answers */
	{ "a*a", "a", 0 },
	{ "a*a", "aa", 1 },
	{ "ab?", "a", 1 },
	{ "b?c", "c", 1 },
	{ "x/**/y", "x/y", 1 },
	{ "x/**/y", "x/a/b/y", 1 },
	{ "x/**/y", "x/ay", 0 },
	{ "**/b/c", "b/c", 1 },
	{ "a+b", "aaab", 1 },
	{ "abc*", "ab", 0 },
	{ "*xyz", "yz", 0 },
	/* escapes */
	{ "a\\*b", "a*b", 1 },
	{ "a\\*b", "axb", 0 },
	{ "c\\+\\+", "c++", 1 },
	{ "\\!x", "!x", 1 },
	{ "a\\b", "ab", 1 },                    /* '\' escapes any char */
	{ "a\\b", "a\\b", 0 },
	{ "a\\", "a\\", 1 },                    /* at the end: itself */
	{ "x\\[1]", "x[1]", 1 },
	/* '!' inside is literal */
	{ "a!b", "a!b", 1 },
	/* negation is ignored by glow_glob_match itself */
	{ "!main", "main", 1 },
};

static const struct { const char *pat; size_t off; } bad[] = {
	{ "", 0 },
	{ "!", 1 },
	{ "?abc", 0 },
	{ "+abc", 0 },
	{ "!+a", 1 },
	{ "a*+", 2 },
	{ "a**?", 3 },
	{ "a+?", 2 },
	{ "a??", 2 },
	{ "a[]", 1 },
	{ "a[0-9", 1 },
	{ "[z-a]", 1 },
	{ "[a-Z]", 1 },
	{ "[0-z]", 1 },
	{ "[!-~]", 1 },
	{ "a\nb", 1 },
	{ "a\tb", 1 },
};

/* Lists: the last matching pattern decides. */
static const struct { const char *pats[5]; const char *s; int want; } l[] = {
	{ { "main", NULL }, "main", 1 },
	{ { "main", NULL }, "dev", 0 },
	{ { "releases/**", "!releases/**-alpha", NULL }, "releases/10", 1 },
	{ { "releases/**", "!releases/**-alpha", NULL }, "releases/10-alpha", 0 },
	{ { "releases/**", "!releases/**-alpha", NULL }, "releases/beta/3-alpha", 0 },
	{ { "releases/**", "!releases/**-alpha", NULL }, "main", 0 },
	/* order: a later positive overrides an earlier negation */
	{ { "sub-project/**", "!sub-project/docs/**", "sub-project/docs/keep.md", NULL },
	  "sub-project/docs/keep.md", 1 },
	{ { "sub-project/**", "!sub-project/docs/**", "sub-project/docs/keep.md", NULL },
	  "sub-project/docs/other.md", 0 },
	{ { "sub-project/**", "!sub-project/docs/**", "sub-project/docs/keep.md", NULL },
	  "sub-project/src/a.c", 1 },
	/* ... and the other order: the negation wins */
	{ { "!sub-project/docs/**", "sub-project/**", NULL },
	  "sub-project/docs/other.md", 1 },
	/* only negations select nothing */
	{ { "!main", NULL }, "dev", 0 },
	{ { "!main", NULL }, "main", 0 },
	{ { "!main", "!dev", NULL }, "feature", 0 },
	/* GitHub's example for paths */
	{ { "**.js", "!**/docs/**", NULL }, "app.js", 1 },
	{ { "**.js", "!**/docs/**", NULL }, "docs/file.js", 0 },
	{ { "**.js", "!**/docs/**", NULL }, "lib/docs/x.js", 0 },
	{ { NULL }, "anything", 0 },            /* an empty list */
};

static void
test_lists(void)
{
	struct glow_glob g[5];
	size_t i, n, k;
	int which;
	char name[256];

	for (i = 0; i < sizeof l / sizeof *l; i++) {
		for (n = 0; l[i].pats[n]; n++)
			if (glow_glob_compile(&g[n], l[i].pats[n],
			    strlen(l[i].pats[n]), NULL) < 0)
				abort();
		snprintf(name, sizeof name, "list #%zu %s '%s'", i,
		    l[i].want ? "selects" : "does not select", l[i].s);
		is_int(glow_glob_list_match(g, n, l[i].s, strlen(l[i].s),
		    &which), l[i].want, name);
		for (k = 0; k < n; k++)
			glow_glob_free(&g[k]);
	}
	/* which: the deciding pattern */
	glow_glob_compile(&g[0], "**", 2, NULL);
	glow_glob_compile(&g[1], "!*.md", 5, NULL);
	glow_glob_compile(&g[2], "x", 1, NULL);
	glow_glob_list_match(g, 3, "a.md", 4, &which);
	is_int(which, 1, "the deciding pattern is the last that matched");
	glow_glob_list_match(g, 3, "x", 1, &which);
	is_int(which, 2, "... a later literal");
	glow_glob_list_match(g + 1, 1, "y", 1, &which);
	is_int(which, -1, "... -1 when none matched");
	for (k = 0; k < 3; k++)
		glow_glob_free(&g[k]);
}

int
main(void)
{
	struct glow_glob g;
	struct glow_glob_error e;
	char name[256], big[GLOW_GLOB_MAX + 2], s[4096];
	size_t i, k;

	for (i = 0; i < sizeof m / sizeof *m; i++) {
		snprintf(name, sizeof name, "'%s' %s '%s'", m[i].pat,
		    m[i].want ? "matches" : "does not match", m[i].s);
		is_int(glow_glob_fnmatch(m[i].pat, m[i].s), m[i].want, name);
	}
	for (i = 0; i < sizeof bad / sizeof *bad; i++) {
		snprintf(name, sizeof name, "bad pattern '%s' refused", bad[i].pat);
		for (k = 0; name[k]; k++)
			if ((unsigned char)name[k] < 0x20)
				name[k] = '?';
		e.reason = NULL;
		ok(glow_glob_compile(&g, bad[i].pat, strlen(bad[i].pat), &e) == -1 &&
		    e.reason != NULL, name);
		snprintf(name, sizeof name, "... at offset %zu (%s)", bad[i].off,
		    e.reason ? e.reason : "?");
		is_int((long long)e.offset, (long long)bad[i].off, name);
	}
	ok(glow_glob_compile(&g, "!releases/**", 12, NULL) == 0 && g.neg,
	    "a leading '!' marks the pattern negated");
	is_str(g.text, "!releases/**", "the pattern's text is kept");
	is_mem(g.text, strlen(g.text), "!releases/**", 12,
	    "... byte for byte");
	glow_glob_free(&g);

	memset(big, 'a', sizeof big);
	ok(glow_glob_compile(&g, big, GLOW_GLOB_MAX + 1, &e) == -1,
	    "a pattern longer than GLOW_GLOB_MAX is refused");
	/* the longest pattern, all quantifiers: the state set's bound */
	for (i = 0; i + 1 < GLOW_GLOB_MAX; i += 2) {
		big[i] = 'a';
		big[i + 1] = '+';
	}
	ok(glow_glob_compile(&g, big, GLOW_GLOB_MAX, &e) == 0,
	    "a maximal pattern of 'a+' compiles");
	memset(s, 'a', sizeof s);
	ok(glow_glob_match(&g, s, GLOW_GLOB_MAX / 2 + 7),
	    "... and matches a longer run of a");
	ok(!glow_glob_match(&g, s, GLOW_GLOB_MAX / 2 - 1),
	    "... but not a shorter one");
	glow_glob_free(&g);

	/* no exponential backtracking: many stars against a near miss */
	ok(glow_glob_compile(&g, "*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b", 32, &e) == 0,
	    "a pathological pattern compiles");
	memset(s, 'a', 4000);
	ok(!glow_glob_match(&g, s, 4000), "... and fails fast on 4000 a's");
	glow_glob_free(&g);

	test_lists();
	return done_testing();
}
