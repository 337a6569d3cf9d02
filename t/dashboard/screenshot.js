// SPDX-License-Identifier: ISC
// screenshot.js MD PNG: render the dashboard Markdown as GitHub would show
// it (GFM by marked, GitHub's Markdown CSS when github-markdown-css is
// installed, Mermaid blocks drawn by mermaid) in headless Chromium
// (/usr/bin/chromium, or CHROMIUM), and save a screenshot.  Prints JSON:
// {tables, rows, charts, chart_kinds, errors, bytes}.
'use strict';
const fs = require('fs');
const path = require('path');
const { marked } = require('marked');
const puppeteer = require('puppeteer');

const [mdFile, pngFile] = process.argv.slice(2);
const md = fs.readFileSync(mdFile, 'utf8');
const root = path.join(path.dirname(require.resolve('marked/package.json')), '..');
const mermaidJs = fs.readFileSync(path.join(root, 'mermaid/dist/mermaid.min.js'), 'utf8');
let css = '';
try {
	css = fs.readFileSync(path.join(root, 'github-markdown-css/github-markdown-light.css'), 'utf8');
} catch (e) {
	css = '.markdown-body{font-family:-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;font-size:14px;line-height:1.5}' +
	    '.markdown-body table{border-collapse:collapse}.markdown-body td,.markdown-body th{border:1px solid #d0d7de;padding:6px 13px}';
}
// GitHub turns ```mermaid blocks into diagrams; do the same.
let body = marked.parse(md, { gfm: true }).replace(
    /<pre><code class="language-mermaid">([\s\S]*?)<\/code><\/pre>/g,
    '<pre class="mermaid">$1</pre>');
const html = `<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Cohort dashboard</title><style>${css}
body{margin:0;background:#fff}
.issue{max-width:1140px;margin:24px auto;padding:0 16px;font-family:-apple-system,"Segoe UI","Noto Sans",Helvetica,Arial,sans-serif}
.issue h1.title{font-size:26px;font-weight:400;margin:0 0 8px;color:#1f2328}
.issue h1.title span{color:#59636e;font-weight:300}
.state{display:inline-block;background:#1f883d;color:#fff;border-radius:2em;padding:4px 12px;font-size:14px;margin-bottom:16px}
.box{border:1px solid #d0d7de;border-radius:6px}
.box .head{background:#f6f8fa;border-bottom:1px solid #d0d7de;padding:8px 16px;font-size:14px;color:#59636e;border-radius:6px 6px 0 0}
.markdown-body{padding:16px 24px;font-size:14px}
pre.mermaid{background:none;text-align:center}
.charts{display:flex;gap:16px;flex-wrap:wrap}
</style></head><body><div class="issue">
<h1 class="title">Cohort dashboard <span>#1</span></h1>
<div class="state">Open</div>
<div class="box"><div class="head"><b>glow-provisioning[bot]</b> opened this issue</div>
<div class="markdown-body">${body}</div></div></div>
<script>${mermaidJs.replace(/<\/script/gi, '<\\/script')}</script>
</body></html>`;

(async () => {
	const browser = await puppeteer.launch({
		executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
		headless: true,
		args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
		    '--disable-dev-shm-usage', '--font-render-hinting=none'],
	});
	try {
		const page = await browser.newPage();
		await page.setViewport({ width: Number(process.env.WIDTH || 1180), height: 800, deviceScaleFactor: 1 });
		await page.setContent(html, { waitUntil: 'load' });
		const errors = await page.evaluate(async () => {
			const errs = [];
			mermaid.initialize({ startOnLoad: false, theme: 'default' });
			try {
				await mermaid.run({ querySelector: 'pre.mermaid' });
			} catch (e) {
				errs.push(String(e && e.message || e));
			}
			return errs;
		});
		const stats = await page.evaluate(() => ({
			tables: document.querySelectorAll('table').length,
			rows: document.querySelectorAll('tbody tr').length,
			charts: document.querySelectorAll('pre.mermaid svg').length,
			chart_kinds: [...document.querySelectorAll('pre.mermaid svg')]
			    .map(s => s.getAttribute('aria-roledescription')),
		}));
		await page.screenshot({ path: pngFile, fullPage: true });
		stats.errors = errors;
		stats.bytes = fs.statSync(pngFile).size;
		console.log(JSON.stringify(stats));
	} finally {
		await browser.close();
	}
})().catch((e) => { console.error(String(e)); process.exit(1); });
