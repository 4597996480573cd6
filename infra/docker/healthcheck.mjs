// Container health check: `node healthcheck.mjs <url>` exits 0 when the URL answers 2xx within 4 s.
// Slim and CUDA base images ship neither curl nor wget; Node (with fetch) is always there.
const url = process.argv[2];
if (!url) {
  console.error('usage: node healthcheck.mjs <url>');
  process.exit(2);
}
setTimeout(() => {
  console.error(`${url}: no answer within 4 s`);
  process.exit(1);
}, 4000).unref();
try {
  const res = await fetch(url);
  if (!res.ok) console.error(`${url}: HTTP ${res.status}`);
  process.exit(res.ok ? 0 : 1);
} catch (err) {
  console.error(`${url}: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
