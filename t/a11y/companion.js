// SPDX-License-Identifier: ISC
// t/a11y/companion.js: glow-companion in real headless Chromium, driven by
// playwright-core, checked by axe-core at WCAG 2.2 AA, with a keyboard-only
// pass.  Run by t/7002-companion-a11y.t, which starts the server:
//
//   NODE_PATH=build/npm/node_modules URL=http://127.0.0.1:PORT TOKEN=... \
//   ROSTER=path/roster.json PROFILE=dir ARTIFACTS=dir node t/a11y/companion.js
//
// Prints one line per check: "PASS name" or "FAIL name -- why" (the test
// script turns them into TAP), and keeps screenshots in ARTIFACTS.
'use strict';
const fs = require('fs');
const path = require('path');
const { chromium } = require('playwright-core');
const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

const URL = process.env.URL;
const TOKEN = process.env.TOKEN;
const ROSTER = process.env.ROSTER;
const ARTIFACTS = process.env.ARTIFACTS;
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

let failed = 0;
function report(name, ok, why) {
	if (ok) console.log(`PASS ${name}`);
	else { failed++; console.log(`FAIL ${name} -- ${String(why).replace(/\s*\n\s*/g, ' / ')}`); }
}

// axe is injected through the DevTools protocol (page.evaluate), not a
// <script> tag, which the companion's CSP rightly refuses.
async function axe(page, name) {
	await page.evaluate(axeSource);
	const r = await page.evaluate(async (tags) => {
		const res = await window.axe.run(document, { runOnly: { type: 'tag', values: tags } });
		return res.violations.map(v => `${v.id} (${v.impact}): ${v.nodes.map(n => n.target.join(' ')).join(', ')}`);
	}, TAGS);
	report(`axe ${name}`, r.length === 0, r.join('; '));
}

async function focused(page) {
	return page.evaluate(() => {
		const e = document.activeElement;
		if (!e || e === document.body) return 'body';
		return e.id ? `#${e.id}` : `${e.tagName.toLowerCase()}:${(e.textContent || e.getAttribute('name') || '').trim()}`;
	});
}

// Tab from the top of the page; the stops until focus leaves the page.
async function tabStops(page, max) {
	await page.evaluate(() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); });
	const stops = [];
	for (let i = 0; i < max; i++) {
		await page.keyboard.press('Tab');
		const f = await focused(page);
		if (f === 'body' || stops.includes(f)) break;
		stops.push(f);
	}
	return stops;
}

async function focusRingVisible(page) {
	return page.evaluate(() => {
		const s = getComputedStyle(document.activeElement);
		return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2;
	});
}

async function main() {
	const ctx = await chromium.launchPersistentContext(process.env.PROFILE, {
		executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
		headless: true,
		args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
			'--disable-background-networking', '--disable-component-update', '--disable-sync'],
		viewport: { width: 1024, height: 900 },
	});
	const page = ctx.pages()[0] || await ctx.newPage();
	const csp = [];
	page.on('console', m => { if (/Content Security Policy/i.test(m.text())) csp.push(m.text()); });
	const good = fs.readFileSync(ROSTER);

	// The registration form, empty.
	let resp = await page.goto(`${URL}/register`);
	report('register page loads', resp.status() === 200, `status ${resp.status()}`);
	const css = await page.evaluate(() => getComputedStyle(document.querySelector('.button')).backgroundColor);
	report('the stylesheet applies under the CSP', css !== 'rgba(0, 0, 0, 0)' && css !== 'rgb(239, 239, 239)', css);
	await axe(page, 'register (empty form)');

	// Keyboard only: every control, in order.
	let stops = await tabStops(page, 30);
	const want = ['a:Skip to main content', 'a:GLOW workshop', 'a:Register', 'a:Facilitator dashboard',
		'a:Facilitator sign-in', '#github_handle', '#cohort_id', '#path', 'button:Register'];
	report('keyboard: Tab reaches every control of the form in order', JSON.stringify(stops) === JSON.stringify(want),
		`got ${JSON.stringify(stops)}`);
	await page.evaluate(() => { document.activeElement.blur(); window.scrollTo(0, 0); });
	await page.keyboard.press('Tab');
	report('keyboard: the skip link shows when focused', await page.evaluate(() => {
		const r = document.activeElement.getBoundingClientRect();
		return document.activeElement.className === 'skip-link' && r.left >= 0 && r.width > 0;
	}), 'skip link not visible');
	await page.keyboard.press('Enter');
	await page.keyboard.press('Tab');
	report('keyboard: the skip link moves past the navigation', (await focused(page)) === '#github_handle',
		`focus on ${await focused(page)}`);
	// Radios: one Tab stop, arrows move within the group.
	await page.focus('#path');
	await page.keyboard.press('ArrowDown');
	report('keyboard: arrow keys move between the radios', (await focused(page)) === '#path-day2-only',
		`focus on ${await focused(page)}`);
	// The focus ring, kept as an artifact to look at.
	await page.goto(`${URL}/register`);
	await page.keyboard.press('Tab');
	for (let i = 0; i < 5; i++) await page.keyboard.press('Tab');
	report('keyboard: the focus ring is visible (outline of 2px or more)', await focusRingVisible(page), 'no outline');
	fs.mkdirSync(ARTIFACTS, { recursive: true });
	await page.screenshot({ path: path.join(ARTIFACTS, 'companion-focus.png'), clip: { x: 0, y: 0, width: 1024, height: 520 } });
	for (let i = 0; i < 3; i++) await page.keyboard.press('Tab');
	report('keyboard: the button\'s focus ring is visible', await focusRingVisible(page), 'no outline');
	await page.screenshot({ path: path.join(ARTIFACTS, 'companion-focus-button.png'), fullPage: true });

	// The form with errors: submitted empty, with the keyboard.
	await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
	report('errors: the page title starts with Error', (await page.title()).startsWith('Error: '), await page.title());
	report('errors: focus moves to the error summary', await page.evaluate(() =>
		document.activeElement.classList.contains('error-summary')), `focus on ${await focused(page)}`);
	await axe(page, 'register (form with errors)');
	for (const id of ['github_handle', 'path']) {
		await page.click(`.error-summary a[href="#${id}"]`);
		report(`errors: the summary link to #${id} moves focus to the field`, (await focused(page)) === `#${id}`,
			`focus on ${await focused(page)}`);
	}
	await page.screenshot({ path: path.join(ARTIFACTS, 'companion-errors.png'), fullPage: true });

	// Success, with the keyboard only.
	await page.goto(`${URL}/register`);
	await page.focus('#github_handle');
	await page.keyboard.type('a11y-learner');
	await page.keyboard.press('Tab');
	await page.keyboard.press('ArrowDown');     // the only cohort, or the first
	await page.selectOption('#cohort_id', { index: 1 });
	await page.keyboard.press('Tab');
	await page.keyboard.press('Space');
	await page.keyboard.press('Tab');
	await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
	report('success: registered with the keyboard', page.url().includes('/register/success'), page.url());
	report('success: the live region says so', (await page.textContent('[role=status]')).includes('Registration complete'),
		await page.textContent('[role=status]'));
	await axe(page, 'register success');
	// Registering again: the same confirmation (no one learns who is
	// registered), and nothing changes.
	await page.goto(`${URL}/register`);
	await page.fill('#github_handle', 'A11Y-learner');
	await page.selectOption('#cohort_id', { index: 1 });
	await page.check('#path');
	await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
	report('registering again: the same confirmation', page.url().includes('/register/success'), page.url());
	await axe(page, 'registering again');

	// Sign-in, and its error.
	await page.goto(`${URL}/dashboard?cohort=spring-2026`);
	report('sign-in: the dashboard sends a browser to sign in', page.url().includes('/login?next='), page.url());
	await axe(page, 'sign-in');
	await page.fill('#token', 'not-the-token');
	await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
	report('sign-in error: shown', (await page.textContent('.error-summary')).includes('not correct'), 'no error');
	await axe(page, 'sign-in error');
	await page.click('.error-summary a[href="#token"]');
	report('sign-in error: the summary link moves focus to the field', (await focused(page)) === '#token',
		`focus on ${await focused(page)}`);
	await page.fill('#token', TOKEN);
	await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
	report('sign-in: back to the dashboard, the filter kept', page.url().endsWith('/dashboard?cohort=spring-2026'), page.url());

	// The dashboard, full.
	await page.goto(`${URL}/dashboard`);
	await axe(page, 'dashboard (full)');
	stops = await tabStops(page, 30);
	const wantDash = ['a:Skip to main content', 'a:GLOW workshop', 'a:Register', 'a:Facilitator dashboard',
		'button:Sign out', '#cohort', 'button:Show', 'a:Show the 5 learners of Spring 2026 workshop',
		'a:Show the 2 learners of Autumn 2026 workshop'];
	report('keyboard: Tab reaches every dashboard control in order', JSON.stringify(stops) === JSON.stringify(wantDash),
		`got ${JSON.stringify(stops)}`);
	const chart = await page.evaluate(() => {
		const svg = document.querySelector('svg[role=img]');
		const ids = svg.getAttribute('aria-labelledby').split(' ');
		return ids.map(id => document.getElementById(id) && document.getElementById(id).textContent).join(' | ');
	});
	report('dashboard: the chart is named by a text equivalent', /by status/.test(chart) && /Provisioning: Pending \d+/.test(chart), chart);
	await page.screenshot({ path: path.join(ARTIFACTS, 'companion-dashboard.png'), fullPage: true });
	await page.emulateMedia({ forcedColors: 'active' });
	const fc = await page.evaluate(() => {
		const r = document.querySelector('svg.chart rect');
		return [getComputedStyle(r).fill, getComputedStyle(document.querySelector('svg.chart text')).fill,
			getComputedStyle(document.body).color];
	});
	report('high contrast: chart bars and labels take the system text colour', fc[0] === fc[2] && fc[1] === fc[2], JSON.stringify(fc));
	await axe(page, 'dashboard (forced colours)');
	await page.locator('svg.chart').first().screenshot({ path: path.join(ARTIFACTS, 'companion-chart-forced-colors.png') });
	await page.emulateMedia({ forcedColors: 'none' });
	await page.goto(`${URL}/dashboard?cohort=spring-2026`);
	await axe(page, 'dashboard (one cohort)');
	// A cohort of more than a page of learners: the pages' navigation.
	const big = JSON.parse(good);
	for (let i = 0; i < 230; i++) big.learners.push({ github_handle: `many-${i}`, cohort_id: 'autumn-2026' });
	fs.writeFileSync(ROSTER, JSON.stringify(big, null, 2) + '\n');
	await page.goto(`${URL}/dashboard?cohort=autumn-2026&page=2`);
	report('dashboard pages: the second page of a large cohort', (await page.textContent('caption')).includes('101 to 200 of 232'),
		await page.textContent('caption'));
	await axe(page, 'dashboard (a page of a large cohort)');
	fs.writeFileSync(ROSTER, good);

	// The dashboard, empty.
	const empty = JSON.parse(good);
	empty.learners = [];
	fs.writeFileSync(ROSTER, JSON.stringify(empty, null, 2) + '\n');
	await page.goto(`${URL}/dashboard`);
	report('dashboard empty: says so', (await page.textContent('main')).includes('No learner has registered'), 'no message');
	await axe(page, 'dashboard (empty)');

	// Error pages: 503 (corrupt roster), 404, 405, 403 (expired form).
	fs.writeFileSync(ROSTER, '{"version": 1, "learners": [');
	resp = await page.goto(`${URL}/dashboard`);
	report('error page 503 for a corrupt roster', resp.status() === 503, `status ${resp.status()}`);
	await axe(page, 'error page 503');
	fs.writeFileSync(ROSTER, good);
	resp = await page.goto(`${URL}/no-such-page`);
	report('error page 404', resp.status() === 404, `status ${resp.status()}`);
	await axe(page, 'error page 404');
	resp = await page.goto(`${URL}/logout`);
	report('error page 405', resp.status() === 405, `status ${resp.status()}`);
	await axe(page, 'error page 405');
	await page.goto(`${URL}/register`);
	await page.$eval('input[name=csrf]', e => { e.value = '0'.repeat(64); });
	await page.fill('#github_handle', 'csrf-victim');
	resp = (await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]))[0];
	report('error page 403 for a forged form', resp.status() === 403, `status ${resp.status()}`);
	await axe(page, 'error page 403');

	// Sign out, with the keyboard: the status message.
	await page.goto(`${URL}/dashboard`);
	await page.focus('button.link-button');
	await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
	report('sign-out: the live region says so', (await page.textContent('[role=status]')).includes('signed out'),
		await page.textContent('[role=status]'));
	await axe(page, 'signed out');
	resp = await page.goto(`${URL}/dashboard`);
	report('sign-out: the dashboard needs sign-in again', page.url().includes('/login'), page.url());

	report('no CSP violation on any page', csp.length === 0, csp.join('; '));
	await ctx.close();
}

main().then(() => process.exit(failed ? 1 : 0), e => {
	console.log(`FAIL driver -- ${String(e && e.stack || e).replace(/\s*\n\s*/g, ' / ')}`);
	process.exit(2);
});
