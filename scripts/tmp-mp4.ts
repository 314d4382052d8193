import { open } from 'node:fs/promises';
import { readMp4Header } from '../core/video/mp4-timing.js';
const h = await open('/tmp/a.mov'); const size = (await h.stat()).size;
const r = await readMp4Header({ read: async (o, l) => { const b = Buffer.alloc(Math.max(0, Math.min(l, size - o))); await h.read(b, 0, b.length, o); return { bytes: b, size }; } });
console.log('result', Object.keys(r));
