// Renders the extension icon (rnnlab.png, 128×128) from an inline SVG with Debian Chromium:
// `node media/icons/makeIcon.mjs`. The PNG is committed; rerun only when the design changes.
import { chromium } from 'playwright-core';
import { fileURLToPath } from 'node:url';

const out = fileURLToPath(new URL('./rnnlab.png', import.meta.url));
const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="128" height="128" viewBox="0 0 24 24">
  <defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1">
    <stop offset="0" stop-color="#2b5876"/><stop offset="1" stop-color="#4e4376"/></linearGradient></defs>
  <rect x="0.5" y="0.5" width="23" height="23" rx="5" fill="url(#g)"/>
  <g fill="none" stroke="#ffffff" stroke-width="1.3" stroke-linecap="round" stroke-linejoin="round">
    <rect x="7" y="8" width="10" height="8" rx="1.5" fill="#ffffff22"/>
    <path d="M12 20.5V16"/><path d="M12 8V3.5"/><path d="M10.2 5.3 12 3.5l1.8 1.8"/>
    <path d="M17 12h2.3a1.4 1.4 0 0 0 1.4-1.4V6.6a1.4 1.4 0 0 0-1.4-1.4H16" stroke="#ffd479"/>
    <path d="M7 12H4.7a1.4 1.4 0 0 1-1.4-1.4V6.6a1.4 1.4 0 0 1 1.4-1.4H8" stroke="#ffd479"/>
  </g>
  <circle cx="9.6" cy="12" r="0.9" fill="#7fdbff"/><circle cx="12" cy="12" r="0.9" fill="#ffd479"/><circle cx="14.4" cy="12" r="0.9" fill="#ff8fa3"/>
</svg>`;
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
try {
  const page = await browser.newPage({ viewport: { width: 128, height: 128 } });
  await page.setContent(`<html><body style="margin:0;background:transparent">${svg}</body></html>`);
  await page.screenshot({ path: out, omitBackground: true, clip: { x: 0, y: 0, width: 128, height: 128 } });
} finally {
  await browser.close();
}
