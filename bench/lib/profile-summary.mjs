// Self time of a V8 .cpuprofile by package (node_modules/<pkg>, node: built-ins, or the native
// function): `node bench/lib/profile-summary.mjs /tmp/prof/CPU.*.cpuprofile`.
import { readFileSync } from 'node:fs';

const profile = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const byPackage = new Map();
let total = 0;
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0;
  total += dt;
  const { url, functionName } = nodes.get(id).callFrame;
  const inModules = url.includes('node_modules/') ? url.split('node_modules/').pop().split('/') : null;
  const key = inModules ? (inModules[0].startsWith('@') ? `${inModules[0]}/${inModules[1]}` : inModules[0]) : url.startsWith('node:') ? url : url ? url.replace(/^file:\/\/.*?\/(apps|packages)\//, '$1/') : functionName || '(anonymous)';
  byPackage.set(key, (byPackage.get(key) ?? 0) + dt);
});
const idle = byPackage.get('(idle)') ?? 0;
console.log(`${(total / 1e6).toFixed(1)} s sampled, ${((100 * (total - idle)) / total).toFixed(1)}% busy; share of busy time:`);
for (const [key, t] of [...byPackage].filter(([k]) => k !== '(idle)').sort((a, b) => b[1] - a[1]).slice(0, 20)) {
  console.log(`${((100 * t) / (total - idle)).toFixed(1).padStart(5)}%  ${key}`);
}
