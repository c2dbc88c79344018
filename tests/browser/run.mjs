// The browser checks of the web view (issue #17): every page given on the command line is
// loaded in headless Chromium, checked with axe-core for WCAG 2.1 A/AA and best practice, and
// then for what axe has no rule for (reflow, skip link, visible focus, no scripts, the
// accessibility statement in the footer, the security headers, revalidation).
//
// usage: node run.mjs --base URL [--statement LANG=PATH]... [--screenshot FILE=PATH]... PATH...
//
//   --base URL              where registryd's web view listens, e.g. http://127.0.0.1:8080
//   --statement LANG=PATH   the accessibility statement of pages whose <html lang> is LANG;
//                           their footer must link it
//   --screenshot FILE=PATH  after the checks, save a picture of PATH to FILE
//
// Environment: CHROMIUM names the browser (default /usr/bin/chromium).
// Prints one line per failed check and a closing "browser: N passed, N failed"; exits 1 on
// any failure, 2 on bad usage or when the browser cannot start.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'];

// The policy of issue #17, byte for byte: a looser one must fail here.
const CSP =
	"default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; " +
	"base-uri 'none'; frame-ancestors 'none'";
// The values of Referrer-Policy (W3C Referrer Policy) that keep a page's path out of other
// sites' logs; "unsafe-url" and "no-referrer-when-downgrade" send it along.
const REFERRER_POLICIES = new Set([
	'no-referrer',
	'same-origin',
	'origin',
	'strict-origin',
	'origin-when-cross-origin',
	'strict-origin-when-cross-origin',
]);
const NARROW = { width: 320, height: 640 }; // WCAG 1.4.10: reflow at 320 CSS px
const WIDE = { width: 1280, height: 800 };
// No sandbox: the tests run as root. The rest keep Chromium from calling out: a machine with
// no internet refuses those connections, many at a time.
const CHROMIUM_ARGS = [
	'--no-sandbox',
	'--disable-gpu',
	'--disable-quic',
	'--no-first-run',
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-sync',
];

function usage(msg) {
	console.error(`run.mjs: ${msg}`);
	console.error(
		'usage: node run.mjs --base URL [--statement LANG=PATH]... [--screenshot FILE=PATH]... PATH...',
	);
	process.exit(2);
}

// Splits "KEY=VALUE" options into a Map.
function pairs(list, what) {
	const m = new Map();
	for (const s of list ?? []) {
		const i = s.indexOf('=');
		if (i <= 0 || i === s.length - 1) usage(`invalid --${what} '${s}' (want KEY=VALUE)`);
		m.set(s.slice(0, i), s.slice(i + 1));
	}
	return m;
}

function parse() {
	let a;
	try {
		a = parseArgs({
			allowPositionals: true,
			options: {
				base: { type: 'string' },
				statement: { type: 'string', multiple: true },
				screenshot: { type: 'string', multiple: true },
			},
		});
	} catch (e) {
		usage(e.message);
	}
	if (!a.values.base) usage('missing --base URL');
	if (a.positionals.length === 0) usage('no page paths given');
	return {
		base: a.values.base,
		statements: pairs(a.values.statement, 'statement'),
		screenshots: pairs(a.values.screenshot, 'screenshot'),
		paths: a.positionals,
	};
}

let passed = 0;
let failed = 0;
function check(path, what, ok, why) {
	if (ok) {
		passed++;
		return;
	}
	failed++;
	console.log(`FAIL ${path}: ${what}${why ? ` (${why})` : ''}`);
}

// axe-core comes in through the DevTools protocol (the context's init script, see main): the
// page's CSP (no script-src) blocks a <script> tag, but not code evaluated from outside the
// page. Only the violations are detailed: collecting every pass doubles the run time.
async function checkAxe(page, path) {
	const r = await page.evaluate(
		(tags) => globalThis.axe.run(document, {
			runOnly: { type: 'tag', values: tags },
			resultTypes: ['violations'],
		}),
		AXE_TAGS,
	);
	check(path, 'axe found no violations', r.violations.length === 0, `${r.violations.length} rules violated`);
	for (const v of r.violations) {
		console.log(`  axe ${v.id} (${v.impact}): ${v.help} <${v.helpUrl}>`);
		for (const n of v.nodes) console.log(`    at ${n.target.join(' ')}`);
	}
}

function checkHeaders(path, res) {
	const h = res.headers(); // names in lower case
	check(path, 'status 200', res.status() === 200, `got ${res.status()}`);
	check(path, 'Content-Security-Policy as issue #17 says', h['content-security-policy'] === CSP,
		`got '${h['content-security-policy'] ?? ''}'`);
	check(path, 'X-Content-Type-Options: nosniff', h['x-content-type-options'] === 'nosniff',
		`got '${h['x-content-type-options'] ?? ''}'`);
	check(path, 'a Referrer-Policy that keeps paths private', REFERRER_POLICIES.has(h['referrer-policy']),
		`got '${h['referrer-policy'] ?? ''}'`);
	const date = Date.parse(h.date ?? '');
	check(path, 'a Date header within a minute of now',
		!Number.isNaN(date) && Math.abs(date - Date.now()) < 60000, `got '${h.date ?? ''}'`);
	check(path, 'Content-Type text/html with charset utf-8',
		/^text\/html;\s*charset=utf-8$/i.test(h['content-type'] ?? ''), `got '${h['content-type'] ?? ''}'`);
	return h.etag;
}

// A second request with the page's ETag must be answered 304 with no body, the same ETag and
// the security headers (a 304 updates the cached response's headers).
async function checkRevalidation(path, url, etag) {
	check(path, 'an ETag', Boolean(etag), 'none sent');
	if (!etag) return;
	const r = await fetch(url, { headers: { 'If-None-Match': etag }, redirect: 'manual' });
	const body = await r.arrayBuffer();
	check(path, '304 on If-None-Match with its ETag', r.status === 304, `got ${r.status}`);
	check(path, 'the 304 has no body', body.byteLength === 0, `${body.byteLength} bytes`);
	check(path, 'the 304 repeats the ETag', r.headers.get('etag') === etag, `got '${r.headers.get('etag')}'`);
	const stale = await fetch(url, { headers: { 'If-None-Match': '"stdreg-stale"' }, redirect: 'manual' });
	await stale.arrayBuffer();
	check(path, '200 on If-None-Match with another ETag', stale.status === 200, `got ${stale.status}`);
}

// What the page shows without its own scripts and what a keyboard user gets.
async function checkPage(page, path, statements) {
	const n = await page.locator('script').count();
	check(path, 'no script element', n === 0, `${n} found`);

	const lang = await page.evaluate(() => document.documentElement.lang);
	const statement = statements.get(lang);
	if (statements.size > 0) {
		check(path, `a statement path for <html lang="${lang}">`, Boolean(statement), 'none given');
	}
	if (statement) {
		const hrefs = await page.$$eval('footer a[href]', (as) => as.map((a) => new URL(a.href).pathname));
		check(path, `the footer links the accessibility statement ${statement}`, hrefs.includes(statement),
			`footer links: ${hrefs.join(' ') || 'none'}`);
	}

	// The first Tab from the top of the page lands on a skip link to the main landmark (or
	// into it), and the link is on screen while it has focus.
	await page.keyboard.press('Tab');
	const skip = await page.evaluate(() => {
		const a = document.activeElement;
		if (!a || a.tagName !== 'A') return { what: a ? a.tagName.toLowerCase() : 'nothing' };
		const href = a.getAttribute('href') ?? '';
		const r = a.getBoundingClientRect();
		const s = getComputedStyle(a);
		return {
			what: 'a',
			href,
			target: href.startsWith('#') &&
				document.getElementById(href.slice(1))?.closest('main') != null,
			visible: r.width > 0 && r.height > 0 && r.bottom > 0 && r.right > 0 &&
				r.top < innerHeight && r.left < innerWidth && s.visibility === 'visible' &&
				Number(s.opacity) > 0,
		};
	});
	check(path, 'the first Tab focuses a link', skip.what === 'a', `focused ${skip.what}`);
	if (skip.what === 'a') {
		check(path, 'the first link skips to the main content', skip.target, `href '${skip.href}'`);
		check(path, 'the skip link is visible when focused', skip.visible, 'off screen or hidden');
	}

	// Visible focus (WCAG 2.4.7, no axe rule): Tab on to the first link after the skip link and
	// read its outline and box shadow while it is focused by keyboard.
	let focus = null;
	for (let i = 0; i < 40 && !focus; i++) {
		await page.keyboard.press('Tab');
		focus = await page.evaluate(() => {
			const a = document.activeElement;
			if (!a || a.tagName !== 'A') return null;
			const s = getComputedStyle(a);
			return {
				text: a.textContent.trim().slice(0, 40),
				outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0 &&
					!/rgba\(\d+, \d+, \d+, 0\)|transparent/.test(s.outlineColor),
				shadow: s.boxShadow !== 'none',
				style: `outline: ${s.outlineStyle} ${s.outlineWidth} ${s.outlineColor}; box-shadow: ${s.boxShadow}`,
			};
		});
	}
	check(path, 'Tab reaches a link after the skip link', focus !== null, 'none within 40 presses');
	if (focus) {
		check(path, `focus is visible on link '${focus.text}'`, focus.outline || focus.shadow, focus.style);
	}
}

async function checkReflow(page, path) {
	await page.setViewportSize(NARROW);
	const w = await page.evaluate(() => {
		const client = document.documentElement.clientWidth;
		// What sticks out: boxes past the right edge, or boxes whose content (a long word)
		// overflows them, outside the scrolling regions that wide tables are allowed.
		const scrolls = (e) => /auto|scroll/.test(getComputedStyle(e).overflowX);
		const culprits = [...document.body.querySelectorAll('*')]
			.filter((e) => {
				for (let p = e.parentElement; p; p = p.parentElement) if (scrolls(p)) return false;
				const r = e.getBoundingClientRect();
				return r.right > client ||
					(e.scrollWidth > e.clientWidth && getComputedStyle(e).overflowX === 'visible');
			});
		// The innermost ones: their ancestors only stick out because of them.
		const innermost = culprits.filter((e) => !culprits.some((c) => c !== e && e.contains(c)));
		const names = innermost
			.slice(0, 5)
			.map((e) => e.tagName.toLowerCase() + (e.id ? `#${e.id}` : '') +
				(e.classList.length ? `.${[...e.classList].join('.')}` : ''));
		return { scroll: document.documentElement.scrollWidth, client, culprits: names };
	});
	check(path, `no horizontal scroll at ${NARROW.width} px`, w.scroll <= w.client,
		`scrollWidth ${w.scroll} > ${w.client}; wide: ${w.culprits.join(' ') || 'unknown'}`);
	await page.setViewportSize(WIDE);
}

// Every check of one page, in a tab of its own.
async function checkOne(ctx, base, path, statements) {
	const url = new URL(path, base).href;
	const page = await ctx.newPage();
	try {
		const res = await page.goto(url, { waitUntil: 'load' });
		if (!res) {
			check(path, 'the page loads', false, 'no response');
			return;
		}
		const etag = checkHeaders(path, res);
		await checkPage(page, path, statements);
		await checkReflow(page, path);
		await checkAxe(page, path);
		await checkRevalidation(path, url, etag);
	} catch (e) {
		check(path, 'the checks run', false, e.message.split('\n')[0]);
	} finally {
		await page.close();
	}
}

async function main() {
	const o = parse();
	let browser;
	try {
		browser = await chromium.launch({
			executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
			args: CHROMIUM_ARGS,
		});
	} catch (e) {
		console.error(`run.mjs: cannot start chromium (${e.message.split('\n')[0]})`);
		process.exit(2);
	}
	const ctx = await browser.newContext({ viewport: WIDE });
	// Sent to the browser once, run in every page before its own content: no <script> element.
	await ctx.addInitScript({ content: AXE_SOURCE });
	for (const path of o.paths) await checkOne(ctx, o.base, path, o.statements);
	for (const [file, path] of o.screenshots) {
		const page = await ctx.newPage();
		await page.goto(new URL(path, o.base).href);
		await page.screenshot({ path: file, fullPage: true });
		await page.close();
		console.log(`screenshot of ${path} in ${file}`);
	}
	await browser.close();
	console.log(`${o.paths.length} pages checked`);
	console.log(`browser: ${passed} passed, ${failed} failed`);
	process.exit(failed ? 1 : 0);
}

main();
